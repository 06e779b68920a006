//! Every input file is opened here, and only here: the scenario and the files it
//! `extends:`, every `data:` file, a sweep spec and its `base:`, and the files of an
//! output folder read back by `compare`.
//!
//! An input must be a regular file. A folder, a named pipe, a device (`/dev/zero`,
//! `/dev/urandom`) or a socket is refused before a byte is read, and the error names
//! the `file:line:col` of the key that referenced it (or the path as given on the
//! command line). The file is opened without blocking, so a named pipe swapped in
//! between the check and the open cannot hang fendan, and checked again on the open
//! handle. No more than [`crate::limits::max_input_bytes`] bytes are read from it, so
//! a mistaken path cannot fill memory.
//!
//! Text is decoded here too, in one place ([`decode`]): YAML and JSON are UTF-8, and a
//! CSV file is UTF-8 or GBK (GB18030, what Excel and WPS save as "CSV" on Chinese
//! Windows), detected. Bytes that are neither are reported with their line and column,
//! never decoded by guess; for a YAML file that reads as GBK the message says how to
//! save it as UTF-8. The bytes of an `.xlsx` workbook are read here too ([`read`]) and
//! handed to [`crate::sheet`].

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Location, Result};

/// The UTF-8 byte-order mark. Excel and WPS on Chinese-locale Windows read a CSV file
/// without it in the local code page (GBK), and show the Chinese text as mojibake; so
/// fendan writes it on request (`--bom`) and skips it wherever it reads CSV.
pub const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Who named an input: where the error for a bad one must point.
#[derive(Debug, Clone, Copy)]
pub enum Whence<'a> {
    /// Given on the command line.
    Arg,
    /// Named by a key of another input, at this location (`extends:`, `data:`, `base:`).
    Key(&'a Location),
    /// A file of an output folder that fendan wrote, read back.
    Folder,
}

/// What kind of text an input holds (how it may be decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    Yaml,
    Csv,
    Json,
}

impl Text {
    /// The kind of a file, by its extension (YAML unless it says CSV or JSON).
    pub fn of(path: &Path) -> Text {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("csv") => Text::Csv,
            Some("json") => Text::Json,
            _ => Text::Yaml,
        }
    }
}

/// An error about the input at `path`, placed where `whence` says it was named.
fn refuse(path: &Path, whence: Whence, what: String) -> Error {
    match whence {
        Whence::Key(at) => Error::input(at.clone(), format!("`{}` {what}", path.display())),
        Whence::Arg | Whence::Folder => {
            Error::Usage(format!("cannot read `{}`: it {what}", path.display()))
        }
    }
}

/// What a file that is not a regular file is, in words, or `None` for a regular file.
fn not_a_file(kind: fs::FileType) -> Option<&'static str> {
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("is a folder, not a file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some(
                "is a named pipe (FIFO), not a file; fendan reads its inputs from regular files only",
            );
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some(
                "is a device, not a file; fendan reads its inputs from regular files only",
            );
        }
        if kind.is_socket() {
            return Some(
                "is a socket, not a file; fendan reads its inputs from regular files only",
            );
        }
    }
    Some("is not a regular file; fendan reads its inputs from regular files only")
}

fn too_big(path: &Path, whence: Whence, size: Option<u64>, cap: u64) -> Error {
    let size = match size {
        Some(n) => format!("is {n} bytes"),
        None => "holds more bytes".to_owned(),
    };
    refuse(
        path,
        whence,
        format!(
            "{size}, more than the {cap} bytes fendan reads from one input; if it really is an input, raise the limit with {}, e.g. {}=256MiB",
            crate::limits::MAX_INPUT_BYTES_VAR,
            crate::limits::MAX_INPUT_BYTES_VAR
        ),
    )
}

/// Open `path` for reading: a regular file, opened without blocking.
pub fn open(path: &Path, whence: Whence) -> Result<File> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => refuse(
            path,
            whence,
            match whence {
                Whence::Key(_) => {
                    "does not exist (paths are relative to the folder of the file that names them)"
                        .to_owned()
                }
                _ => "does not exist".to_owned(),
            },
        ),
        _ => match whence {
            Whence::Key(at) => {
                Error::input(at.clone(), format!("cannot read `{}`: {e}", path.display()))
            }
            _ => Error::Read {
                path: path.to_owned(),
                source: e,
            },
        },
    };
    // Look before opening: opening a named pipe would wait for a writer.
    let meta = fs::metadata(path).map_err(io)?;
    if let Some(what) = not_a_file(meta.file_type()) {
        return Err(refuse(path, whence, what.to_owned()));
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    // And look again at what was opened, in case the path changed in between.
    let meta = file.metadata().map_err(io)?;
    if let Some(what) = not_a_file(meta.file_type()) {
        return Err(refuse(path, whence, what.to_owned()));
    }
    Ok(file)
}

/// Open `path` to read no more than the input size cap from it (one byte more, to tell
/// a file that grew while read): the reader, the file's size as its metadata gives it,
/// and the cap.
fn open_capped(path: &Path, whence: Whence) -> Result<(std::io::Take<File>, u64, u64)> {
    let cap = crate::limits::max_input_bytes()?;
    let file = open(path, whence)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > cap {
        return Err(too_big(path, whence, Some(len), cap));
    }
    Ok((file.take(cap.saturating_add(1)), len, cap))
}

/// The error for a failed read of `path`.
fn read_error(path: &Path, whence: Whence, e: std::io::Error) -> Error {
    match whence {
        Whence::Key(at) => {
            Error::input(at.clone(), format!("cannot read `{}`: {e}", path.display()))
        }
        _ => Error::Read {
            path: path.to_owned(),
            source: e,
        },
    }
}

/// Read all of `path`, at most the input size cap.
pub fn read(path: &Path, whence: Whence) -> Result<Vec<u8>> {
    let (mut file, len, cap) = open_capped(path, whence)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes)
        .map_err(|e| read_error(path, whence, e))?;
    if bytes.len() as u64 > cap {
        // A file that grew while read, or one that reports no size (under /proc).
        return Err(too_big(path, whence, None, cap));
    }
    Ok(bytes)
}

/// The SHA-256 of `path` when all of it is UTF-8 text, read a block at a time and not
/// kept: of a CSV table too large to hold, what [`read`] and [`decode`] check (the same
/// errors for a file that cannot be read or is too large). `None` when it is not UTF-8:
/// read it whole ([`read_text`]) for its GBK text or the error that says where it is not.
/// The table's rows are then read from the file again ([`Reread`]).
pub fn scan_utf8(path: &Path, whence: Whence) -> Result<Option<String>> {
    use sha2::{Digest, Sha256};
    let (mut file, _, cap) = open_capped(path, whence)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    // The first bytes of `buf` hold a character cut off at the end of the last block.
    let (mut carry, mut total) = (0, 0u64);
    loop {
        let n = match file.read(&mut buf[carry..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(path, whence, e)),
        };
        hasher.update(&buf[carry..carry + n]);
        total += n as u64;
        let filled = carry + n;
        carry = match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => 0,
            Err(e) if e.error_len().is_none() => {
                buf.copy_within(e.valid_up_to()..filled, 0);
                filled - e.valid_up_to()
            }
            Err(_) => return Ok(None),
        };
    }
    if total > cap {
        return Err(too_big(path, whence, None, cap));
    }
    Ok((carry == 0).then(|| hex(&hasher.finalize())))
}

/// A file [`scan_utf8`] checked, read again from its start, with the SHA-256 of every
/// byte read: so that the reader can check, at the end, that what it read is what was
/// scanned and recorded ([`Reread::sha256`]).
pub struct Reread {
    file: std::io::BufReader<File>,
    hasher: sha2::Sha256,
}

impl Reread {
    /// Open `path` again (a regular file still, see [`open`]).
    pub fn open(path: &Path) -> Result<Reread> {
        let file = open(path, Whence::Arg)?;
        Ok(Reread {
            file: std::io::BufReader::with_capacity(1 << 16, file),
            hasher: Default::default(),
        })
    }

    /// The SHA-256 of every byte read so far, in lower-case hex.
    pub fn sha256(&self) -> String {
        use sha2::Digest;
        hex(&self.hasher.clone().finalize())
    }
}

impl Read for Reread {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.file.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Line `n` (1-based) of the UTF-8 file at `path` as [`str::lines`] gives it, for the
/// snippet of an error in a table that stays on disk; `None` past its end, or if the
/// file can no longer be read.
pub fn line_of(path: &Path, n: usize) -> Option<String> {
    use std::io::BufRead;
    let mut file = std::io::BufReader::new(File::open(path).ok()?);
    let mut line = Vec::new();
    for _ in 0..n.max(1) {
        line.clear();
        if file.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
    }
    // With its end of line, so that `lines` drops a `\r\n` as it does in the whole text.
    String::from_utf8_lossy(&line)
        .lines()
        .next()
        .map(str::to_owned)
}

/// Read `path` as text of kind `kind` (see [`decode`]).
pub fn read_text(path: &Path, whence: Whence, kind: Text) -> Result<String> {
    let bytes = read(path, whence)?;
    decode(&path.display().to_string(), bytes, kind)
}

/// For a path that names an Excel workbook — `counts.xlsx`, or one sheet of it,
/// `counts.xlsx#Sheet2` — the file and the sheet; `None` for any other path.
pub fn workbook_path(path: &Path) -> Option<(std::path::PathBuf, Option<String>)> {
    let text = path.to_str()?;
    let lower = text.to_ascii_lowercase();
    if lower.ends_with(".xlsx") {
        return Some((path.to_path_buf(), None));
    }
    let at = lower.rfind(".xlsx#")? + ".xlsx".len();
    Some((
        std::path::PathBuf::from(&text[..at]),
        Some(text[at + 1..].to_owned()),
    ))
}

/// The SHA-256 of some bytes, in lower-case hex: what a manifest records of an input.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decode the bytes of an input called `file` as text.
///
/// * Every kind may be UTF-8, with or without the byte-order mark (which is kept in
///   the text; the CSV reader skips it).
/// * A CSV file may also be GBK (GB18030), which Excel and WPS on Chinese Windows save
///   by default: a file that is not UTF-8 is decoded as GB18030 when every byte of it
///   is valid GB18030 *and* every character it gives is one that Chinese text uses
///   (CJK ideographs, Chinese and full-width punctuation, pinyin, the symbols of the
///   GBK table). Bytes that are neither UTF-8 nor such text (a Latin-1 or UTF-16 file, a
///   binary file) are an error at the first byte that is not UTF-8, never decoded by
///   guess.
/// * YAML and JSON are UTF-8 only; for a YAML file that reads as GBK, the error says
///   so and how to save it as UTF-8.
pub fn decode(file: &str, bytes: Vec<u8>, kind: Text) -> Result<String> {
    if let Some(wide) = utf16(&bytes) {
        return Err(Error::input(
            Location::file(file),
            format!(
                "this file is {wide} text (Excel's \"Unicode Text\" format); fendan reads UTF-8{}, so save it as \"CSV UTF-8\" (or as UTF-8 text)",
                if kind == Text::Csv { " or GBK" } else { "" }
            ),
        ));
    }
    let e = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let at = e.utf8_error().valid_up_to();
    let bytes = e.into_bytes();
    let gbk = if bytes.starts_with(&UTF8_BOM) {
        // A byte-order mark says UTF-8: a bad byte after it is an error, not GBK.
        None
    } else {
        chinese_gbk(&bytes)
    };
    if kind == Text::Csv
        && let Some(text) = gbk
    {
        return Ok(text);
    }
    let line_start = bytes[..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
    let column = 1 + String::from_utf8_lossy(&bytes[line_start..at])
        .chars()
        .count();
    let (message, text) = match (gbk, kind) {
        (Some(gb), _) => (
            format!(
                "this file is not UTF-8 text: the byte 0x{:02X} here is not UTF-8, but the whole file reads as GB18030 (GBK), the encoding Chinese Windows saves in by default; fendan reads its inputs as UTF-8, so save the file as UTF-8 (Notepad: Save As, Encoding UTF-8; WPS or VS Code: save with encoding UTF-8; or `iconv -f GB18030 -t UTF-8 OLD > NEW`)",
                bytes[at]
            ),
            gb,
        ),
        (None, Text::Csv) => (
            format!(
                "this file is neither UTF-8 nor GBK (GB18030) text: the byte 0x{:02X} here is not UTF-8, and the file does not read as Chinese GBK text either; save it from Excel or WPS as \"CSV UTF-8\" (or as CSV on Chinese Windows), or as .xlsx",
                bytes[at]
            ),
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
        (None, _) => (
            format!(
                "this file is not UTF-8 text: the byte 0x{:02X} here is not UTF-8; fendan reads its inputs as UTF-8, so save the file as UTF-8 (one stray byte, even in a comment, is enough to cause this)",
                bytes[at]
            ),
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
    };
    Err(Error::input(
        Location::in_text(file, &text, line, column),
        message,
    ))
}

/// `UTF-16` if `bytes` start with a UTF-16 byte-order mark (Excel's "Unicode Text").
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    (bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])).then_some("UTF-16")
}

/// `bytes` as GB18030, if every byte decodes and every character is one Chinese text
/// in GBK uses; `None` otherwise (see [`decode`]).
fn chinese_gbk(bytes: &[u8]) -> Option<String> {
    let text = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)?
        .into_owned();
    text.chars().all(in_gbk_text).then_some(text)
}

/// Whether `c` is a character that Chinese text saved as GBK plausibly holds: ASCII,
/// the CJK ideographs and compatibility ideographs, CJK and full-width punctuation,
/// pinyin with tone marks, and the symbols, Greek, Cyrillic, kana, box-drawing and
/// enclosed forms of the GBK table. Latin letters with accents other than pinyin's,
/// the private-use area and characters only GB18030's four-byte sequences reach are
/// not: a Latin-1 file decoded as GB18030 gives such characters.
fn in_gbk_text(c: char) -> bool {
    const PINYIN: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňḿɑɡ";
    matches!(c,
        '\u{0}'..='\u{7F}'
        | '·' | '×' | '÷' | '°' | '±' | '§' | '¤' | '¨'
        | '\u{0391}'..='\u{03C9}'
        | '\u{0401}'..='\u{0451}'
        | '\u{2010}'..='\u{206F}'
        | '\u{2100}'..='\u{22FF}'
        | '\u{2312}'
        | '\u{2460}'..='\u{24FF}'
        | '\u{2500}'..='\u{26FF}'
        | '\u{3000}'..='\u{33FF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE10}'..='\u{FE6F}'
        | '\u{FF00}'..='\u{FFEF}'
    ) || PINYIN.contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_and_other_bytes_are_located() {
        assert_eq!(
            decode("a.yaml", b"name: x\n".to_vec(), Text::Yaml).unwrap(),
            "name: x\n"
        );
        // why: line 2 is `# b` + 0xFF; the bad byte is the 4th character of line 2.
        let e = decode("a.yaml", b"name: x\n# b\xFF\n".to_vec(), Text::Yaml).unwrap_err();
        let Error::Input { message, location } = e else {
            panic!("an input error")
        };
        assert_eq!((location.line, location.column), (2, 4));
        assert!(message.contains("0xFF"), "{message}");
        assert!(!message.contains("GB18030"), "{message}");
    }

    #[test]
    fn gbk_text_is_recognised() {
        // "名称: 邯郸" saved as GBK.
        let (gbk, _, _) = encoding_rs::GBK.encode("title: 邯郸\n");
        let e = decode("s.yaml", gbk.into_owned(), Text::Yaml).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("GB18030 (GBK)"), "{shown}");
        assert!(shown.contains("--> s.yaml:1:8"), "{shown}");
        // The snippet shows the line as GBK reads it.
        assert!(shown.contains("title: 邯郸"), "{shown}");
    }

    #[test]
    fn csv_may_be_gbk_but_nothing_else_is_guessed() {
        let text = "code,name_zh\n130425,大名县（邯郸）·“一”\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode("u.csv", gbk.to_vec(), Text::Csv).unwrap(), text);
        // The same bytes as YAML are refused, with the hint.
        let e = decode("u.yaml", gbk.to_vec(), Text::Yaml).unwrap_err();
        assert!(e.to_string().contains("reads as GB18030 (GBK)"), "{e}");
        // Latin-1 "é" before a letter is valid GB18030 (0xE9 0x73 is 閟), but
        // "Daming café," is not; and an accented Latin letter decoded from a four-byte
        // sequence is not Chinese text: both are refused, never decoded.
        for bytes in [
            b"name\nDaming caf\xE9,1\n".to_vec(),
            b"name\n\x81\x30\x89\x38\n".to_vec(),
        ] {
            let e = decode("u.csv", bytes, Text::Csv).unwrap_err();
            assert!(e.to_string().contains("neither UTF-8 nor GBK"), "{e}");
        }
        // A UTF-8 byte-order mark followed by a stray byte is a UTF-8 error.
        let mut bom = UTF8_BOM.to_vec();
        bom.extend(b"a\n\xB4\xF3\n");
        let e = decode("u.csv", bom, Text::Csv).unwrap_err();
        assert!(e.to_string().contains("--> u.csv:2:1"), "{e}");
        // UTF-16 (Excel's "Unicode Text") is named.
        let e = decode("u.csv", vec![0xFF, 0xFE, b'a', 0], Text::Csv).unwrap_err();
        assert!(e.to_string().contains("UTF-16"), "{e}");
    }

    #[test]
    fn workbook_paths_name_the_file_and_the_sheet() {
        assert_eq!(
            workbook_path(Path::new("d/counts.XLSX")),
            Some((Path::new("d/counts.XLSX").into(), None))
        );
        assert_eq!(
            workbook_path(Path::new("counts.xlsx#2019 年")),
            Some((Path::new("counts.xlsx").into(), Some("2019 年".into())))
        );
        assert_eq!(workbook_path(Path::new("counts.csv")), None);
        assert_eq!(workbook_path(Path::new("a#b.csv")), None);
    }

    #[cfg(unix)]
    #[test]
    fn devices_folders_and_pipes_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        for p in [Path::new("/dev/zero"), dir.path()] {
            let e = read(p, Whence::Arg).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
        }
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read(&fifo, Whence::Arg).unwrap_err();
        assert!(e.to_string().contains("named pipe"), "{e}");
    }
}
