//! Every file fendan writes is written here: the tables of `simulate`, the Excel
//! workbook, `compare --out`, a sweep's files, a shard's part and what `merge` joins.
//!
//! One mechanism for all of them, a [`Transaction`]:
//!
//! * Each output (a folder or a file) is first written in full under a hidden temporary
//!   name beside it (`.NAME.tmp-PID`), every file fsynced, then put in place by one
//!   rename, and the folder that holds it fsynced. A folder that already exists is
//!   swapped with the new one in one step (`renameat2(RENAME_EXCHANGE)` on Linux; where
//!   the filesystem cannot, the old one is moved aside to `.NAME.old-PID` first), so a
//!   reader sees the complete old output or the complete new one, never a mix.
//! * The outputs of one run (a folder of tables and its `--xlsx` workbook) are committed
//!   together: if the second cannot be put in place, the first is rolled back.
//! * Nothing fendan did not write is lost: a folder being replaced keeps whatever its old
//!   manifest does not list (a shard's `parts/`, Slurm's `logs/`, a note the user put
//!   there), linked into the new folder rather than copied.
//! * What may be replaced: a regular file is never replaced by a folder, nor a folder by
//!   a file, nor a symbolic link by either. A path that holds an input of the current run
//!   (the scenario, a file it extends, a data file, a sweep spec) is refused even with
//!   `--force`, as is a folder that holds the current directory. A non-empty folder that
//!   does not hold this scenario's (or sweep's) results, and a file that is not a
//!   fendan file of the same kind, are refused unless `--force`.
//! * Leftovers of runs that were killed (temporary names whose process is gone) are
//!   removed by the next run into the same place; an old output moved aside is put back
//!   if the new one never arrived. SIGINT, SIGTERM and SIGHUP roll back the transaction
//!   in progress and remove its temporary files before fendan exits.
//! * Errors name the path the user gave (`--out`, `--xlsx`), never a temporary name.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once};

use crate::error::{Error, Result};

// ---------------------------------------------------------------------------------
// What may not be written over
// ---------------------------------------------------------------------------------

/// The input files of the current run: no output may replace them or a folder that
/// holds them, whatever `--force` says.
#[derive(Debug, Clone, Default)]
pub struct Protected {
    files: Vec<(PathBuf, Option<(u64, u64)>)>,
}

#[cfg(unix)]
fn file_id(m: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// `path` made absolute and free of symbolic links as far as it exists, with the
/// components that do not exist yet appended.
fn resolve(path: &Path) -> PathBuf {
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
    fn held_by(&self, target: &Path) -> Option<&Path> {
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
    /// A shard's part: its own checks decide (see `sweep::shard`).
    Part,
}

/// What an existing output path holds, as far as replacing it goes.
enum Holds {
    Nothing,
    Ours,
    Other(String),
}

/// The `(kind, name)` a fendan manifest in `dir` records: `("scenario", name)` or
/// `("sweep", name)`; and the names of the outputs it lists.
fn manifest_of(dir: &Path) -> Option<(&'static str, String, Vec<String>)> {
    let bytes =
        crate::input::read(&dir.join("manifest.json"), crate::input::Whence::Folder).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let outputs = v
        .get("outputs")
        .and_then(|o| o.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|o| o.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for kind in ["scenario", "sweep"] {
        if let Some(name) = v
            .get(kind)
            .and_then(|s| s.get("name"))
            .and_then(|n| n.as_str())
        {
            return Some((kind, name.to_owned(), outputs));
        }
    }
    None
}

/// The sweep named by the part files in `dir/parts`, if they agree on one.
fn parts_sweep(dir: &Path) -> Option<String> {
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
fn entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| leftover(n).is_none())
                .collect()
        })
        .unwrap_or_default()
}

fn folder_holds(dir: &Path, owner: Owner) -> Holds {
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

fn file_holds(path: &Path, owner: Owner) -> Holds {
    match owner {
        Owner::Part => Holds::Ours,
        Owner::CompareCsv => {
            let head = crate::input::read(path, crate::input::Whence::Folder).unwrap_or_default();
            let head = head
                .strip_prefix(&crate::report::UTF8_BOM[..])
                .unwrap_or(&head);
            let first = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
            if first.ends_with(b",a,b,diff,pct") {
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
        Owner::Scenario(_) | Owner::Sweep(_) => Holds::Other("a file".into()),
    }
}

/// The title of a workbook fendan wrote (its document properties name fendan as the
/// author), if `path` is one.
#[cfg(feature = "xlsx")]
fn workbook_title(path: &Path) -> Option<String> {
    let bytes = crate::input::read(path, crate::input::Whence::Folder).ok()?;
    crate::xlsx::fendan_title(&bytes)
}

#[cfg(not(feature = "xlsx"))]
fn workbook_title(_: &Path) -> Option<String> {
    None
}

// ---------------------------------------------------------------------------------
// Temporary names, and the leftovers of killed runs
// ---------------------------------------------------------------------------------

/// A temporary name: `.LEAF.tmp-PID` or `.LEAF.old-PID` → (leaf, old?, pid).
fn leftover(name: &str) -> Option<(&str, bool, u32)> {
    let rest = name.strip_prefix('.')?;
    let (before, pid) = rest.rsplit_once('-')?;
    let pid: u32 = pid.parse().ok()?;
    if let Some(leaf) = before.strip_suffix(".tmp") {
        Some((leaf, false, pid))
    } else {
        before.strip_suffix(".old").map(|leaf| (leaf, true, pid))
    }
}

/// Whether process `pid` is running (on this machine).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(p) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let rc = unsafe { libc::kill(p, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

fn remove_any(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Clean up after killed runs that wrote to `target`: their temporary copies beside it
/// are removed; an old output they moved aside is put back if `target` is missing.
/// Inside a folder `target` (and its `parts/`), temporary files of dead processes go.
pub fn clean_leftovers(target: &Path) {
    let parent = parent_of(target);
    let Some(leaf) = target.file_name().map(|l| l.to_string_lossy().into_owned()) else {
        return;
    };
    if let Ok(list) = fs::read_dir(&parent) {
        let mut found: Vec<(PathBuf, bool)> = list
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let (l, old, pid) = leftover(&name)?;
                (l == leaf && !alive(pid)).then(|| (e.path(), old))
            })
            .collect();
        found.sort();
        for (path, old) in found {
            if old && fs::symlink_metadata(target).is_err() {
                let _ = fs::rename(&path, target);
            } else {
                remove_any(&path);
            }
        }
    }
    for dir in [target.to_path_buf(), target.join("parts")] {
        if let Ok(list) = fs::read_dir(&dir) {
            for e in list.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some((_, _, pid)) = leftover(&name)
                    && !alive(pid)
                {
                    remove_any(&e.path());
                }
            }
        }
    }
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn sibling(target: &Path, kind: &str) -> Result<PathBuf> {
    let leaf = target
        .file_name()
        .filter(|l| !matches!(Path::new(l).components().next(), Some(Component::ParentDir)))
        .ok_or_else(|| {
            Error::Usage(format!(
                "`{}` does not end in a file or folder name; give a name such as output/run1",
                target.display()
            ))
        })?;
    Ok(parent_of(target).join(format!(
        ".{}.{kind}-{}",
        leaf.to_string_lossy(),
        std::process::id()
    )))
}

fn write_err(shown: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: shown.to_owned(),
        source,
    }
}

/// fsync a folder, so that the names in it (a rename) reach the disk.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

// ---------------------------------------------------------------------------------
// The undo log, shared with the signal handler
// ---------------------------------------------------------------------------------

/// One step taken, and how to take it back.
#[derive(Debug)]
enum Step {
    /// A temporary file or folder: remove it.
    Temp(PathBuf),
    /// A folder fendan created for an output's parent: remove it if empty.
    MadeDir(PathBuf),
    /// `target` (new) and `other` (old) were swapped in one step.
    Swapped { target: PathBuf, other: PathBuf },
    /// The old `target` was moved to `old`, then the new one put in its place.
    MovedAside { target: PathBuf, old: PathBuf },
    /// `target` did not exist; the new one was renamed to it.
    Created(PathBuf),
    /// The file `target` was replaced; `old` is a link to the old one.
    Replaced { target: PathBuf, old: PathBuf },
}

impl Step {
    fn undo(&self) {
        match self {
            Step::Temp(p) => remove_any(p),
            Step::MadeDir(p) => {
                let _ = fs::remove_dir(p);
            }
            Step::Swapped { target, other } => {
                if exchange(other, target).is_ok() {
                    remove_any(other);
                }
            }
            Step::MovedAside { target, old } => {
                remove_any(target);
                let _ = fs::rename(old, target);
            }
            Step::Created(p) => remove_any(p),
            Step::Replaced { target, old } => {
                let _ = fs::rename(old, target);
            }
        }
    }

    /// After every output is in place: drop what the step kept for an undo.
    fn finish(&self) {
        match self {
            Step::Temp(p) => remove_any(p),
            Step::Swapped { other, .. } => remove_any(other),
            Step::MovedAside { old, .. } | Step::Replaced { old, .. } => remove_any(old),
            Step::MadeDir(_) | Step::Created(_) => {}
        }
    }
}

/// The steps of every transaction in progress, by transaction.
static PENDING: Mutex<Vec<(u64, Step)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static SIGNALS: Once = Once::new();

fn pending() -> MutexGuard<'static, Vec<(u64, Step)>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Undo every step of transaction `id` (all when `None`), newest first.
fn undo_all(log: &mut Vec<(u64, Step)>, id: Option<u64>) {
    let mut i = log.len();
    while i > 0 {
        i -= 1;
        if id.is_none_or(|id| log[i].0 == id) {
            let (_, step) = log.remove(i);
            step.undo();
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP: roll back what is in progress, then exit as the
/// signal would (128 + its number).
fn watch_signals() {
    SIGNALS.call_once(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            {
                std::thread::spawn(move || {
                    if let Some(sig) = signals.forever().next() {
                        let mut log = pending();
                        let had = !log.is_empty();
                        undo_all(&mut log, None);
                        if had {
                            let _ = writeln!(
                                std::io::stderr(),
                                "fendan: stopped by a signal; its unfinished outputs were removed"
                            );
                        }
                        std::process::exit(128 + sig);
                    }
                });
            }
        }
    });
}

/// Swap two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths relative to the current directory.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

// ---------------------------------------------------------------------------------
// Staging and committing
// ---------------------------------------------------------------------------------

/// An output being written: a temporary folder or file beside its target.
#[derive(Debug, Clone)]
pub struct Staging {
    /// Where it goes, as the user gave it.
    target: PathBuf,
    tmp: PathBuf,
    folder: bool,
}

/// A file being written into a [`Staging`], buffered; [`Sink::finish`] flushes and
/// fsyncs it.
pub struct Sink {
    w: BufWriter<File>,
    shown: PathBuf,
}

impl Sink {
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.w.write_all(bytes).map_err(write_err(&self.shown))
    }

    pub fn finish(self) -> Result<()> {
        let shown = self.shown;
        let file = self
            .w
            .into_inner()
            .map_err(|e| write_err(&shown)(e.into_error()))?;
        file.sync_all().map_err(write_err(&shown))
    }
}

impl Staging {
    /// The path a file `name` of this output has while it is written.
    pub fn path(&self, name: &str) -> PathBuf {
        if self.folder {
            self.tmp.join(name)
        } else {
            self.tmp.clone()
        }
    }

    /// The path a file `name` of this output will have, for messages.
    pub fn shown(&self, name: &str) -> PathBuf {
        if self.folder {
            self.target.join(name)
        } else {
            self.target.clone()
        }
    }

    /// Map an error writing `name` to one that names the user's path.
    pub fn err(&self, name: &str) -> impl FnOnce(std::io::Error) -> Error + use<> {
        let shown = self.shown(name);
        move |source| Error::Write {
            path: shown,
            source,
        }
    }

    /// Start the file `name` (for a file output, the file itself).
    pub fn create(&self, name: &str) -> Result<Sink> {
        let shown = self.shown(name);
        let file = File::create(self.path(name)).map_err(write_err(&shown))?;
        Ok(Sink {
            w: BufWriter::with_capacity(1 << 20, file),
            shown,
        })
    }

    /// Write the whole file `name` of a folder output.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let mut s = self.create(name)?;
        s.write_all(bytes)?;
        s.finish()
    }

    /// Write the whole of a file output.
    pub fn write_whole(&self, bytes: &[u8]) -> Result<()> {
        self.write("", bytes)
    }
}

/// The outputs of one run, written aside and then put in place together.
pub struct Transaction {
    id: u64,
    protected: Protected,
    force: bool,
    staged: Vec<Staging>,
    /// Committed or rolled back: nothing left to undo when dropped.
    done: bool,
}

impl Transaction {
    /// A transaction that will refuse to touch `protected`; `force` lets it replace
    /// what another run or someone else wrote (never an input).
    pub fn new(protected: Protected, force: bool) -> Transaction {
        watch_signals();
        Transaction {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            protected,
            force,
            staged: Vec::new(),
            done: false,
        }
    }

    fn refuse(&self, what: String) -> Error {
        Error::Refused(what)
    }

    fn check_common(&self, target: &Path, folder: bool) -> Result<Option<fs::Metadata>> {
        if target.as_os_str().is_empty() {
            return Err(Error::Usage("the output path is empty".into()));
        }
        if let Some(input) = self.protected.held_by(target) {
            let what = if input == resolve(target) {
                "is".to_owned()
            } else {
                format!("holds {}, which is", input.display())
            };
            return Err(self.refuse(format!(
                "{} {what} an input of this run; fendan never writes over its inputs, even with --force; choose another {}",
                target.display(),
                if folder { "folder" } else { "file" }
            )));
        }
        for s in &self.staged {
            if s.folder && resolve(target).starts_with(resolve(&s.target)) {
                return Err(self.refuse(format!(
                    "{} is inside {}, which this run replaces whole; put it beside that folder",
                    target.display(),
                    s.target.display()
                )));
            }
        }
        match fs::symlink_metadata(target) {
            Err(_) => Ok(None),
            Ok(m) if m.file_type().is_symlink() => Err(self.refuse(format!(
                "{} is a symbolic link; fendan does not replace links, so give the path it points to, or another name",
                target.display()
            ))),
            Ok(m) => Ok(Some(m)),
        }
    }

    /// Stage a folder output at `target`, which must be absent, empty, or hold
    /// `owner`'s results (or anything, with `--force`), and never a file.
    pub fn folder(&mut self, target: &Path, owner: Owner) -> Result<Staging> {
        clean_leftovers(target);
        if let Some(m) = self.check_common(target, true)? {
            if !m.is_dir() {
                return Err(self.refuse(format!(
                    "{} is a file, not a folder; fendan never replaces a file with a folder, so choose another output folder",
                    target.display()
                )));
            }
            if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize)
                && cwd.starts_with(resolve(target))
            {
                return Err(self.refuse(format!(
                    "{} holds the current folder; fendan will not replace the folder it runs in, so choose an output folder below it",
                    target.display()
                )));
            }
            if let Holds::Other(what) = folder_holds(target, owner)
                && !self.force
            {
                return Err(self.refuse(format!(
                    "{} holds {what}; choose another output folder, or add --force to write there (fendan keeps the files it did not write)",
                    target.display()
                )));
            }
        }
        self.stage(target, true)
    }

    /// Stage a file output at `target`, which must be absent or a fendan file of
    /// `owner`'s kind (or any file, with `--force`), and never a folder.
    pub fn file(&mut self, target: &Path, owner: Owner) -> Result<Staging> {
        clean_leftovers(target);
        if let Some(m) = self.check_common(target, false)? {
            if m.is_dir() {
                return Err(self.refuse(format!(
                    "{} is a folder; give the name of a file to write",
                    target.display()
                )));
            }
            if !m.is_file() {
                return Err(self.refuse(format!(
                    "{} is not a regular file (a pipe or a device); give the name of a file to write",
                    target.display()
                )));
            }
            if let Holds::Other(what) = file_holds(target, owner)
                && !self.force
            {
                return Err(self.refuse(format!(
                    "{} already exists and is {what}; choose another name, or add --force to replace it",
                    target.display()
                )));
            }
        }
        self.stage(target, false)
    }

    /// Check that files may be put one by one into the folder `target` (a shard's
    /// parts), which is kept: like [`Transaction::folder`], but nothing is staged. A
    /// folder that does not exist is made (and removed again if nothing is committed).
    pub fn within(&mut self, target: &Path, owner: Owner) -> Result<()> {
        clean_leftovers(target);
        match self.check_common(target, true)? {
            Some(m) if !m.is_dir() => Err(self.refuse(format!(
                "{} is a file, not a folder; fendan never replaces a file with a folder, so choose another output folder",
                target.display()
            ))),
            Some(_) => match folder_holds(target, owner) {
                Holds::Other(what) if !self.force => Err(self.refuse(format!(
                    "{} holds {what}; choose another output folder, or add --force to write there (fendan keeps the files it did not write)",
                    target.display()
                ))),
                _ => Ok(()),
            },
            None => {
                let mut log = pending();
                self.make_dirs(&mut log, target, target)
            }
        }
    }

    /// Make `dir` and its missing parents, recording each for an undo.
    fn make_dirs(&self, log: &mut Vec<(u64, Step)>, dir: &Path, shown: &Path) -> Result<()> {
        let mut missing = Vec::new();
        let mut p = dir.to_path_buf();
        while fs::symlink_metadata(&p).is_err() {
            missing.push(p.clone());
            if !p.pop() || p.as_os_str().is_empty() {
                break;
            }
        }
        for d in missing.into_iter().rev() {
            log.push((self.id, Step::MadeDir(d.clone())));
            fs::create_dir(&d).map_err(write_err(shown))?;
        }
        Ok(())
    }

    fn stage(&mut self, target: &Path, folder: bool) -> Result<Staging> {
        let tmp = sibling(target, "tmp")?;
        let mut log = pending();
        self.make_dirs(&mut log, &parent_of(target), target)?;
        log.push((self.id, Step::Temp(tmp.clone())));
        remove_any(&tmp);
        let made = if folder {
            fs::create_dir(&tmp)
        } else {
            File::create(&tmp).map(drop)
        };
        made.map_err(write_err(target))?;
        drop(log);
        let s = Staging {
            target: target.to_path_buf(),
            tmp,
            folder,
        };
        self.staged.push(s.clone());
        Ok(s)
    }

    /// Put every staged output in place, in the order staged; if one cannot be, roll
    /// back those already in place and leave nothing behind.
    pub fn commit(mut self) -> Result<()> {
        let mut log = pending();
        let staged = std::mem::take(&mut self.staged);
        for s in &staged {
            if let Err(e) = commit_one(&mut log, self.id, s) {
                undo_all(&mut log, Some(self.id));
                self.done = true;
                return Err(e);
            }
        }
        let mut i = 0;
        while i < log.len() {
            if log[i].0 == self.id {
                let (_, step) = log.remove(i);
                step.finish();
            } else {
                i += 1;
            }
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.done {
            undo_all(&mut pending(), Some(self.id));
        }
    }
}

/// Put one staged output in place, recording how to undo it.
fn commit_one(log: &mut Vec<(u64, Step)>, id: u64, s: &Staging) -> Result<()> {
    let err = write_err(&s.target);
    let parent = parent_of(&s.target);
    if s.folder {
        sync_dir(&s.tmp);
    }
    let exists = fs::symlink_metadata(&s.target).is_ok();
    let step = if !exists {
        fs::rename(&s.tmp, &s.target).map_err(err)?;
        Step::Created(s.target.clone())
    } else if s.folder {
        carry_over(&s.target, &s.tmp)?;
        sync_dir(&s.tmp);
        match exchange(&s.tmp, &s.target) {
            Ok(()) => Step::Swapped {
                target: s.target.clone(),
                other: s.tmp.clone(),
            },
            Err(_) => {
                let old = sibling(&s.target, "old")?;
                fs::rename(&s.target, &old).map_err(write_err(&s.target))?;
                if let Err(e) = fs::rename(&s.tmp, &s.target) {
                    let _ = fs::rename(&old, &s.target);
                    return Err(err(e));
                }
                Step::MovedAside {
                    target: s.target.clone(),
                    old,
                }
            }
        }
    } else {
        // Keep a link to the old file until every output is in place.
        let old = sibling(&s.target, "old")?;
        log.push((id, Step::Temp(old.clone())));
        remove_any(&old);
        fs::hard_link(&s.target, &old)
            .or_else(|_| fs::copy(&s.target, &old).map(drop))
            .map_err(write_err(&s.target))?;
        fs::rename(&s.tmp, &s.target).map_err(err)?;
        log.pop();
        Step::Replaced {
            target: s.target.clone(),
            old,
        }
    };
    // The temporary name is gone (or, after a swap, named again by `step`).
    log.retain(|(i, st)| !(*i == id && matches!(st, Step::Temp(p) if *p == s.tmp)));
    log.push((id, step));
    sync_dir(&parent);
    Ok(())
}

/// Link into the new folder `new` what the old folder `old` holds that its manifest
/// does not list and the new folder does not replace: fendan removes only what it wrote.
fn carry_over(old: &Path, new: &Path) -> Result<()> {
    let listed: BTreeSet<String> = manifest_of(old)
        .map(|(_, _, outputs)| {
            outputs
                .into_iter()
                .chain(["manifest.json".to_owned()])
                .collect()
        })
        .unwrap_or_default();
    for name in entries(old) {
        if listed.contains(&name) || fs::symlink_metadata(new.join(&name)).is_ok() {
            continue;
        }
        link_tree(&old.join(&name), &new.join(&name), old)?;
    }
    Ok(())
}

fn link_tree(from: &Path, to: &Path, shown: &Path) -> Result<()> {
    let err = write_err(shown);
    let m = fs::symlink_metadata(from).map_err(write_err(shown))?;
    let kind = m.file_type();
    if kind.is_dir() {
        fs::create_dir(to).map_err(write_err(shown))?;
        fs::set_permissions(to, m.permissions()).map_err(write_err(shown))?;
        for e in fs::read_dir(from).map_err(write_err(shown))?.flatten() {
            let name = e.file_name();
            if leftover(&name.to_string_lossy()).is_some() {
                continue;
            }
            link_tree(&from.join(&name), &to.join(&name), shown)?;
        }
        Ok(())
    } else if kind.is_file() {
        fs::hard_link(from, to)
            .or_else(|_| fs::copy(from, to).map(drop))
            .map_err(err)
    } else if kind.is_symlink() {
        #[cfg(unix)]
        {
            let target = fs::read_link(from).map_err(write_err(shown))?;
            std::os::unix::fs::symlink(target, to).map_err(err)
        }
        #[cfg(not(unix))]
        {
            Err(err(std::io::Error::other("cannot keep a symbolic link")))
        }
    } else {
        Err(Error::Refused(format!(
            "{} holds {}, which is neither a file nor a folder; fendan cannot keep it in the new folder, so move it away first",
            shown.display(),
            from.display()
        )))
    }
}

// ---------------------------------------------------------------------------------
// The simple cases
// ---------------------------------------------------------------------------------

/// Write `files` as the folder `dir` for scenario `scenario`, in one step.
pub fn write_folder(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    scenario: &str,
    force: bool,
    protected: Protected,
) -> Result<()> {
    let mut tx = Transaction::new(protected, force);
    let s = tx.folder(dir, Owner::Scenario(scenario))?;
    for (name, bytes) in files {
        s.write(name, bytes)?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_parse() {
        assert_eq!(leftover(".out.tmp-123"), Some(("out", false, 123)));
        assert_eq!(leftover(".a.b.csv.old-7"), Some(("a.b.csv", true, 7)));
        assert_eq!(leftover(".spill.tmp-9"), Some(("spill", false, 9)));
        assert_eq!(leftover("out.tmp-1"), None);
        assert_eq!(leftover(".out.tmp-x"), None);
        assert_eq!(leftover(".out.new-1"), None);
    }

    #[test]
    fn a_folder_replaces_its_old_self_and_keeps_foreign_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let files = |v: &str| vec![("a.csv".to_owned(), v.as_bytes().to_vec())];
        write_folder(&dir, &files("1"), "s", false, Protected::default()).unwrap();
        // Without a manifest the folder is foreign once it has files.
        fs::write(dir.join("note.txt"), "mine").unwrap();
        let e = write_folder(&dir, &files("2"), "s", false, Protected::default()).unwrap_err();
        assert!(e.to_string().contains("files fendan did not write"), "{e}");
        write_folder(&dir, &files("2"), "s", true, Protected::default()).unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "2");
        assert_eq!(fs::read_to_string(dir.join("note.txt")).unwrap(), "mine");
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["out"]);
    }

    #[test]
    fn a_failed_second_output_rolls_the_first_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).unwrap();
        let mut tx = Transaction::new(Protected::default(), false);
        let s = tx.folder(&dir, Owner::Scenario("s")).unwrap();
        s.write("a.csv", b"new").unwrap();
        let book = tmp.path().join("book.xlsx");
        let f = tx.file(&book, Owner::Part).unwrap();
        f.write_whole(b"x").unwrap();
        // The workbook's temporary file vanishes before the commit: its rename fails.
        fs::remove_file(f.path("")).unwrap();
        assert!(tx.commit().is_err());
        assert!(dir.is_dir());
        assert!(
            fs::read_dir(&dir).unwrap().next().is_none(),
            "the old (empty) folder is back"
        );
        assert!(!book.exists());
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["out"]);
    }

    #[test]
    fn inputs_and_files_are_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let input = tmp.path().join("in").join("s.yaml");
        fs::create_dir(tmp.path().join("in")).unwrap();
        fs::write(&input, "x").unwrap();
        let mut tx = Transaction::new(Protected::new([&input]), true);
        assert!(
            tx.folder(&tmp.path().join("in"), Owner::Scenario("s"))
                .is_err()
        );
        assert!(tx.file(&input, Owner::Part).is_err());
        assert!(tx.folder(&input, Owner::Scenario("s")).is_err());
        drop(tx);
        assert_eq!(fs::read_to_string(&input).unwrap(), "x");
    }
}
