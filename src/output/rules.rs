//! What an output may be written over: the inputs of the run (never), and what an
//! existing folder or file holds (this run's own earlier results, another run's, or
//! files fendan did not write), read from its manifest, its parts or its header.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use super::undo::leftover;

/// The input files of the current run: no output may replace them or a folder that
/// holds them, whatever `--force` says.
#[derive(Debug, Clone, Default)]
pub struct Protected {
    files: Vec<(PathBuf, Option<(u64, u64)>)>,
}

#[cfg(unix)]
pub(super) fn file_id(m: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
pub(super) fn file_id(_: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// `path` made absolute and free of symbolic links as far as it exists, with the
/// components that do not exist yet appended.
pub(super) fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = absolute.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(c) = fs::canonicalize(&existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                match Path::new(part).components().next() {
                    Some(Component::ParentDir) => {
                        out.pop();
                    }
                    Some(Component::CurDir) | None => {}
                    _ => out.push(part),
                }
            }
            return out;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(leaf), Some(parent)) => {
                rest.push(leaf.to_owned());
                existing = parent.to_path_buf();
            }
            _ => return absolute,
        }
    }
}

impl Protected {
    pub fn new<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Protected {
        Protected {
            files: paths
                .into_iter()
                .map(|p| {
                    let p = p.as_ref();
                    (resolve(p), fs::metadata(p).ok().and_then(|m| file_id(&m)))
                })
                .collect(),
        }
    }

    /// An input that `target` is, or holds.
    pub(super) fn held_by(&self, target: &Path) -> Option<&Path> {
        let t = resolve(target);
        let id = fs::metadata(target).ok().and_then(|m| file_id(&m));
        self.files
            .iter()
            .find(|(p, pid)| p.starts_with(&t) || (id.is_some() && *pid == id))
            .map(|(p, _)| p.as_path())
    }
}

/// Whose output a path must hold for fendan to replace it without `--force`.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// A `simulate` folder of this scenario.
    Scenario(&'a str),
    /// A sweep folder of this sweep (its manifest, or only its parts).
    Sweep(&'a str),
    /// A workbook fendan wrote with this title prefix.
    Workbook(&'a str),
    /// A CSV file written by `compare --out`.
    CompareCsv,
    /// A CSV file written by `reconcile --out`.
    ReconcileCsv,
    /// An HTML report written by `fendan report`.
    Report,
    /// A shard's part: its own checks decide (see `sweep::shard`).
    Part,
    /// A plan folder written by `fendan init`: only into a new or empty folder.
    Plan,
}

/// What an existing output path holds, as far as replacing it goes.
pub(super) enum Holds {
    Nothing,
    Ours,
    Other(String),
}

/// What a fendan manifest says of its folder: whose results it holds (`"scenario"` or
/// `"sweep"`, and the name) and the names of the outputs it lists.
pub(super) type Whose = (&'static str, String, Vec<String>);

/// The `(kind, name)` a fendan manifest in `dir` records: `("scenario", name)` or
/// `("sweep", name)`; and the names of the outputs it lists.
///
/// A run reads its folder's old manifest twice: when it checks whose the folder is, and
/// when it commits (to keep in the new folder what the old one holds beyond its
/// outputs). A run's manifest is 300 KB of JSON for the baseline, so the last one read
/// is kept with the identity of its file (device, inode, size, change time) and read
/// again only if the file is no longer the same.
pub(super) fn manifest_of(dir: &Path) -> Option<Whose> {
    use std::sync::Mutex;
    static LAST: Mutex<Option<(PathBuf, Stamp, Option<Whose>)>> = Mutex::new(None);
    let path = dir.join("manifest.json");
    // The file read: a link's target, as `read_manifest` reads it.
    let stamp = stamp(&fs::metadata(&path).ok()?);
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((p, s, whose)) = &*last
        && *p == path
        && stamp.is_some()
        && *s == stamp
    {
        return whose.clone();
    }
    let whose = read_manifest(&path);
    *last = Some((path, stamp, whose.clone()));
    whose
}

/// A file's identity and the time of its last change, to tell whether it is the file
/// read before (`None` where the platform does not give them: read it again).
type Stamp = Option<(u64, u64, u64, i64, i64)>;

#[cfg(unix)]
fn stamp(m: &fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino(), m.size(), m.ctime(), m.ctime_nsec()))
}

#[cfg(not(unix))]
fn stamp(_: &fs::Metadata) -> Stamp {
    None
}

fn read_manifest(path: &Path) -> Option<Whose> {
    /// The part of a manifest that says whose it is; the rest (a run's manifest lists
    /// every parameter and assumption) is skipped unread.
    #[derive(serde::Deserialize)]
    struct Head {
        scenario: Option<Named>,
        sweep: Option<Named>,
        #[serde(default)]
        outputs: Vec<Named>,
    }
    #[derive(serde::Deserialize)]
    struct Named {
        name: String,
    }
    let bytes = crate::input::read(path, crate::input::Whence::Folder).ok()?;
    let head: Head = serde_json::from_slice(&bytes).ok()?;
    let outputs = head.outputs.into_iter().map(|o| o.name).collect();
    match (head.scenario, head.sweep) {
        (Some(s), _) => Some(("scenario", s.name, outputs)),
        (None, Some(s)) => Some(("sweep", s.name, outputs)),
        (None, None) => None,
    }
}

/// The sweep named by the part files in `dir/parts`, if they agree on one.
pub(super) fn parts_sweep(dir: &Path) -> Option<String> {
    let mut names = BTreeSet::new();
    for e in fs::read_dir(dir.join("parts")).ok()?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with("part-") && n.ends_with(".json") {
            let bytes = crate::input::read(&e.path(), crate::input::Whence::Folder).ok()?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            names.insert(v.get("sweep")?.as_str()?.to_owned());
        }
    }
    (names.len() == 1).then(|| names.into_iter().next().expect("one"))
}

/// The entries of a folder, without the leftovers of killed runs.
pub(super) fn entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| leftover(n).is_none())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn folder_holds(dir: &Path, owner: Owner) -> Holds {
    let names = entries(dir);
    if names.is_empty() {
        return Holds::Nothing;
    }
    let want = match owner {
        Owner::Scenario(n) => ("scenario", n),
        Owner::Sweep(n) => ("sweep", n),
        Owner::Part => return Holds::Ours,
        _ => return Holds::Other("files fendan did not write".into()),
    };
    match manifest_of(dir) {
        Some((kind, name, _)) if (kind, name.as_str()) == want => Holds::Ours,
        Some((kind, name, _)) if kind == want.0 => {
            Holds::Other(format!("the results of {kind} `{name}`, not `{}`", want.1))
        }
        Some((kind, name, _)) => Holds::Other(format!(
            "the results of {kind} `{name}`, not of {} `{}`",
            want.0, want.1
        )),
        None if want.0 == "sweep"
            && names.iter().all(|n| n == "parts" || n == "logs")
            && parts_sweep(dir).is_none_or(|s| s == want.1) =>
        {
            Holds::Ours
        }
        None => Holds::Other("files fendan did not write".into()),
    }
}

pub(super) fn file_holds(path: &Path, owner: Owner) -> Holds {
    match owner {
        Owner::Part => Holds::Ours,
        // The amount columns, with or without compare's trailing `years` column.
        Owner::CompareCsv => csv_ending(path, &[b",a,b,diff,pct", b",a,b,diff,pct,years"]),
        Owner::ReconcileCsv => {
            csv_ending(path, &[b",modelled,actual,diff,ratio,share_of_gap,stage"])
        }
        Owner::Report => {
            let head = crate::input::read(path, crate::input::Whence::Folder).unwrap_or_default();
            let head = &head[..head.len().min(4096)];
            let generator = b"<meta name=\"generator\" content=\"fendan ";
            if head.windows(generator.len()).any(|w| w == generator) {
                Holds::Ours
            } else {
                Holds::Other("a file fendan did not write".into())
            }
        }
        Owner::Workbook(title) => match workbook_title(path) {
            Some(t) if t.starts_with(title) => Holds::Ours,
            Some(t) => Holds::Other(format!("the fendan workbook `{t}`")),
            None => Holds::Other("a file fendan did not write".into()),
        },
        Owner::Scenario(_) | Owner::Sweep(_) | Owner::Plan => Holds::Other("a file".into()),
    }
}

/// Ours if the CSV file at `path` has a header ending with one of `tails` (the columns
/// only a fendan command writes), after a byte-order mark.
fn csv_ending(path: &Path, tails: &[&[u8]]) -> Holds {
    let head = crate::input::read(path, crate::input::Whence::Folder).unwrap_or_default();
    let head = head
        .strip_prefix(&crate::input::UTF8_BOM[..])
        .unwrap_or(&head);
    let first = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    if tails.iter().any(|t| first.ends_with(t)) {
        Holds::Ours
    } else {
        Holds::Other("a file fendan did not write".into())
    }
}

/// The title of a workbook fendan wrote, if `path` is one: its document properties
/// (`docProps/core.xml`) name fendan as the author, as `crate::xlsx` writes them.
#[cfg(feature = "xlsx")]
pub(super) fn workbook_title(path: &Path) -> Option<String> {
    use std::io::Read;
    let bytes = crate::input::read(path, crate::input::Whence::Folder).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut core = String::new();
    zip.by_name("docProps/core.xml")
        .ok()?
        .take(1 << 20)
        .read_to_string(&mut core)
        .ok()?;
    let tag = |t: &str| -> Option<String> {
        let open = format!("<{t}>");
        let start = core.find(&open)? + open.len();
        let len = core[start..].find(&format!("</{t}>"))?;
        Some(
            core[start..start + len]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        )
    };
    tag("dc:creator")?
        .starts_with("fendan")
        .then(|| tag("dc:title"))?
}

#[cfg(not(feature = "xlsx"))]
pub(super) fn workbook_title(_: &Path) -> Option<String> {
    None
}
