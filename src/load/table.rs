//! The located CSV table: a file's text, its header checked against the columns a
//! loader needs, and every cell addressable by `file:line:col` for error messages.
//!
//! The full counts table, the one input that grows with units × cohorts × years, is not
//! held as text (see [`Source::read_counts`]): its rows are read from the file, which
//! is checked at the end to be the one read first, and the line of an error is read
//! from it again. Loaders do not see the difference.
//!
//! The same table comes from a sheet of an `.xlsx` workbook (see [`crate::sheet`]):
//! the first non-empty row is the header, a row's number is its row in the sheet, and
//! a cell's location is `file.xlsx#Sheet!C7`. Loaders do not see the difference.

use super::Source;
use crate::error::{Error, Location, Result};

/// A CSV table read as text, with its header, for located per-cell errors.
pub(super) struct Table<'a> {
    pub(super) src: &'a Source,
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<(usize, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    /// Read the whole table: its header, checked for the `required` columns, and every
    /// row (for the small tables; see [`Table::open`] and [`Table::each_row`]).
    pub(super) fn read(src: &'a Source, required: &[&str]) -> Result<Table<'a>> {
        let mut t = Table::open(src, required)?;
        if src.sheet.is_none() {
            let mut rows = Vec::new();
            t.each_row(|line, record| {
                rows.push((line, record.clone()));
                Ok(())
            })?;
            t.rows = rows;
        }
        Ok(t)
    }

    /// A reader over the CSV of `src`, after its byte-order mark if it has one.
    fn csv(src: &Source) -> Result<csv::Reader<Lines<Body<'_>>>> {
        let body = match src.on_disk() {
            None => Body::Text(strip_bom(&src.text).as_bytes()),
            Some(_) => {
                let mut file = src.reread()?;
                let mut head = [0u8; 3];
                let n = read_up_to(&mut file, &mut head).map_err(|e| cannot_read(src, e))?;
                let head = head[..n].to_vec();
                let head = if head == crate::input::UTF8_BOM {
                    Vec::new()
                } else {
                    head
                };
                Body::File(std::io::Cursor::new(head), file)
            }
        };
        Ok(csv::ReaderBuilder::new()
            .has_headers(true)
            .buffer_capacity(1 << 16)
            .from_reader(Lines::new(body)))
    }

    /// The location of `column` on line `line` of `src`'s text: the line as the text
    /// has it (`bom`), or after its byte-order mark, for the snippet.
    fn located(src: &Source, line: usize, column: usize, bom: bool) -> Location {
        let text = line_text(src, line, bom);
        Location {
            file: src.name.clone(),
            line,
            column: column.max(1),
            snippet: text.map(|t| t.into_owned()),
        }
    }

    /// The table's header, checked for the `required` columns, with no rows read yet:
    /// [`Table::each_row`] reads them one at a time, so a table of millions of rows is
    /// never held whole.
    pub(super) fn open(src: &'a Source, required: &[&str]) -> Result<Table<'a>> {
        if let Some(sheet) = &src.sheet {
            return Table::from_sheet(src, sheet, required);
        }
        let mut reader = Table::csv(src)?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| {
                Error::input(
                    Location::file(&src.name),
                    format!("cannot read the CSV header: {e}"),
                )
            })?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(Error::input(
                    Table::located(src, 1, 1, false),
                    format!(
                        "the header has no `{col}` column; expected the columns {}",
                        required.join(",")
                    ),
                ));
            }
        }
        Ok(Table {
            src,
            header,
            rows: Vec::new(),
        })
    }

    /// Give `f` every row in order with its line (or sheet row). A row the CSV reader
    /// cannot read is reported before any error of `f`, wherever it lies, as when the
    /// table was read whole before its cells were checked: after `f`'s first error the
    /// rest is only read, not given to `f`.
    pub(super) fn each_row(
        &self,
        mut f: impl FnMut(usize, &csv::StringRecord) -> Result<()>,
    ) -> Result<()> {
        let mut failed: Option<Error> = None;
        let mut give = |line: usize, record: &csv::StringRecord| {
            if failed.is_none()
                && let Err(e) = f(line, record)
            {
                failed = Some(e);
            }
        };
        match &self.src.sheet {
            Some(_) => {
                for (line, record) in &self.rows {
                    give(*line, record);
                }
            }
            None => {
                let mut reader = Table::csv(self.src)?;
                let mut record = csv::StringRecord::new();
                loop {
                    match reader.read_record(&mut record) {
                        Ok(true) => {
                            let line = reader.get_mut().line_of(record.position());
                            give(line, &record);
                        }
                        Ok(false) => break,
                        Err(e) => {
                            let line = reader.get_mut().line_of(e.position());
                            return Err(Error::input(
                                Table::located(self.src, line, 1, false),
                                format!("this CSV row cannot be read: {}", unreadable(&e)),
                            ));
                        }
                    }
                }
                if let Body::File(_, file) = &reader.get_ref().inner {
                    self.src.check_reread(file)?;
                }
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// The table of a workbook sheet: its first row is the header.
    fn from_sheet(
        src: &'a Source,
        sheet: &crate::sheet::Sheet,
        required: &[&str],
    ) -> Result<Table<'a>> {
        let Some(((head_row, head), rest)) = sheet.rows.split_first() else {
            return Err(Error::input(
                Location::file(&sheet.name),
                format!(
                    "this sheet is empty; expected a header row with the columns {}",
                    required.join(",")
                ),
            ));
        };
        let header: Vec<String> = head.iter().map(|h| h.trim().to_owned()).collect();
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(Error::input(
                    sheet.loc(*head_row, header.len()),
                    format!(
                        "the header row has no `{col}` column; expected the columns {}",
                        required.join(",")
                    ),
                ));
            }
        }
        let rows = rest
            .iter()
            .map(|(n, cells)| (*n, csv::StringRecord::from(cells.clone())))
            .collect();
        Ok(Table { src, header, rows })
    }

    pub(super) fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .expect("required column checked on read")
    }

    pub(super) fn loc(&self, line: usize, col: usize) -> Location {
        if let Some(sheet) = &self.src.sheet {
            return sheet.loc(line, col);
        }
        // Column = 1 + the characters before this field on the line.
        let snippet = line_text(self.src, line, true);
        let text = snippet.as_deref().unwrap_or("");
        let mut column = 1;
        let mut field = 0;
        let mut quoted = false;
        for ch in text.chars() {
            if field == col {
                break;
            }
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => field += 1,
                _ => {}
            }
            column += 1;
        }
        Location {
            file: self.src.name.clone(),
            line,
            column: column.max(1),
            snippet: snippet.map(|t| t.into_owned()),
        }
    }

    pub(super) fn cell<'r>(&self, record: &'r csv::StringRecord, col: usize) -> &'r str {
        record.get(col).unwrap_or("").trim()
    }
}

/// The CSV of a table: its text, or its file read again (after the first bytes, kept
/// apart to look for a byte-order mark).
/// A reader that notes where each line break passes, so that a record's line is told
/// from its first byte. The `csv` crate's own line is one short after a CRLF (what
/// Excel writes: the reader stops at the CR and counts the LF into the next record,
/// rust-csv issue 395) and after a blank line (issue 208); a record's byte offset is
/// right in both cases, give or take the line breaks it starts on.
struct Lines<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// The offsets of the CRs and LFs read and not yet passed, in order, with the byte.
    breaks: std::collections::VecDeque<(u64, u8)>,
    /// LFs passed: the line of the last record told is one more.
    passed: usize,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            read: 0,
            breaks: std::collections::VecDeque::new(),
            passed: 0,
        }
    }

    /// The 1-based line of the record that starts at `at` (0 when the reader gives no
    /// position). Records are told in order, so the breaks before one are dropped.
    fn line_of(&mut self, at: Option<&csv::Position>) -> usize {
        let Some(at) = at else { return 0 };
        let mut start = at.byte();
        while let Some(&(offset, byte)) = self.breaks.front() {
            if offset > start {
                break;
            }
            if offset == start {
                // The record starts on a line break (the LF of a CRLF, a blank line):
                // it really starts after it.
                start += 1;
            }
            self.passed += usize::from(byte == b'\n');
            self.breaks.pop_front();
        }
        self.passed + 1
    }
}

impl<R: std::io::Read> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            if matches!(b, b'\r' | b'\n') {
                self.breaks.push_back((self.read + i as u64, *b));
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

enum Body<'a> {
    Text(&'a [u8]),
    File(std::io::Cursor<Vec<u8>>, crate::input::Reread),
}

impl std::io::Read for Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Body::Text(text) => text.read(buf),
            Body::File(head, file) => match head.read(buf)? {
                0 => file.read(buf),
                n => Ok(n),
            },
        }
    }
}

/// What the CSV reader found wrong with a row, without the reader's own record and
/// line numbers (its line is one short after a CRLF; the location below the message
/// gives the right one).
fn unreadable(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "it has {len} field{}, but the header has {expected_len}; give every row the header's columns (quote a field that holds a comma)",
            if *len == 1 { "" } else { "s" }
        ),
        _ => e.to_string(),
    }
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Line `line` (1-based; 0 reads as 1) of `src`'s text as `str::lines` gives it, with
/// the byte-order mark of the first line (`bom`) or without it.
fn line_text(src: &Source, line: usize, bom: bool) -> Option<std::borrow::Cow<'_, str>> {
    let text = match src.on_disk() {
        None => {
            let text = if bom {
                &src.text[..]
            } else {
                strip_bom(&src.text)
            };
            std::borrow::Cow::Borrowed(text.lines().nth(line.saturating_sub(1))?)
        }
        Some(path) => std::borrow::Cow::Owned(crate::input::line_of(path, line)?),
    };
    Some(match text {
        std::borrow::Cow::Owned(t) if !bom && line <= 1 => {
            std::borrow::Cow::Owned(strip_bom(&t).to_owned())
        }
        t => t,
    })
}

/// Read into `buf` until it is full or the reader ends: the bytes read.
fn read_up_to(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn cannot_read(src: &Source, e: std::io::Error) -> Error {
    Error::input(
        Location::file(&src.name),
        format!("this file cannot be read again: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Whence;

    /// Every error of reading `text` as a table with the columns `a,b`, failing at the
    /// first row whose `b` is not a number: from a file left on disk, and from the same
    /// file held as text.
    fn errors(text: &[u8]) -> (Vec<String>, Option<std::path::PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cohorts.csv");
        std::fs::write(&path, text).unwrap();
        let read = |src: &Source| -> String {
            let check = || -> Result<()> {
                let t = Table::open(src, &["a", "b"])?;
                t.each_row(|line, r| match t.cell(r, 1).parse::<i64>() {
                    Ok(_) => Ok(()),
                    Err(_) => Err(Error::input(t.loc(line, 1), "not a number")),
                })
            };
            check().map_or_else(|e| e.to_string(), |()| "ok".to_owned())
        };
        let on_disk = Source::read_counts(&path, Whence::Arg).unwrap();
        let held = Source::read_table(&path, Whence::Arg).unwrap();
        assert!(held.on_disk().is_none());
        assert_eq!(on_disk.sha256(), held.sha256());
        let disk = on_disk.on_disk().map(Path::to_path_buf);
        (vec![read(&on_disk), read(&held)], disk)
    }

    use std::path::Path;

    #[test]
    fn a_table_on_disk_reads_and_fails_as_one_held() {
        for text in [
            &b"a,b\n1,2\n3,x\n"[..],
            // A byte-order mark, CRLF line ends, a quoted field over two lines.
            b"\xEF\xBB\xBFa,b\r\n\"1\n1\",2\r\n3,x\r\n",
            // The bad cell in the first row, after a byte-order mark.
            b"\xEF\xBB\xBFa,b\n3,x\n",
            // No `b` column (the header's line shown without the mark).
            b"\xEF\xBB\xBFa,c\n3,x\n",
            // A row that cannot be read, and a file with no error.
            b"a,b\n1,2\n3,4,5\n",
            b"a,b\n1,2",
        ] {
            let (e, disk) = errors(text);
            assert!(disk.is_some(), "UTF-8 stays on disk");
            assert_eq!(e[0], e[1], "{}", String::from_utf8_lossy(text));
        }
        // why: line 3 is `3,x`; `x` is its 3rd character.
        let (e, _) = errors(b"\xEF\xBB\xBFa,b\n1,2\n3,x\n");
        assert!(
            e[0].contains("cohorts.csv:3:3") && e[0].contains("3 | 3,x\n"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn a_table_that_is_not_utf8_is_held_and_one_that_changes_is_refused() {
        // GBK text is read whole and decoded, as any CSV input.
        let (gbk, _, _) = encoding_rs::GBK.encode("a,b\n邯郸,1\n");
        let (e, disk) = errors(&gbk);
        assert_eq!(disk, None);
        assert_eq!(e[0], "ok");
        // A file changed after it was read (and hashed for the manifest) is refused
        // when its rows are read.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cohorts.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let src = Source::read_counts(&path, Whence::Arg).unwrap();
        std::fs::write(&path, "a,b\n1,3\n").unwrap();
        let t = Table::open(&src, &["a", "b"]).unwrap();
        let e = t.each_row(|_, _| Ok(())).unwrap_err().to_string();
        assert!(e.contains("changed while fendan was reading it"), "{e}");
        assert!(src.contents().is_err());
    }
}
