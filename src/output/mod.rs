//! Every file fendan writes is written here: the tables of `simulate`, the Excel
//! workbook, `compare --out`, a sweep's files, a shard's part and what `merge` joins,
//! and the plan folder `init` writes.
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
//!
//! `rules` decides what may be written over; `undo` holds the temporary names, the undo
//! log the signal handler shares, and the one-step swap.

mod rules;
#[cfg(test)]
mod tests;
mod undo;

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use crate::error::{Error, Result};
use rules::{Holds, entries, file_holds, folder_holds, manifest_of, resolve};
pub use rules::{Owner, Protected};
pub use undo::clean_leftovers;
use undo::{
    NEXT_ID, Step, clean_inside, exchange, leftover, parent_of, pending, remove_any, sibling,
    sync_dir, undo_all, watch_signals, write_err,
};

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
    /// Bytes written, and how many of them the disk was asked to start writing.
    written: u64,
    started: u64,
}

/// The buffer of a sink, for the many small writes of a serialiser; a larger write (a
/// rendered chunk of the detail, tens to hundreds of kilobytes) goes to the file
/// directly, not copied through it.
const BUFFER: usize = 64 << 10;

/// How many bytes a file gathers before the disk is asked to start writing them: small
/// enough that most of a detail of a few megabytes is on its way to the disk by the time
/// it is fsynced (with 1 MiB instead of 8 the baseline's last phase, which waits for
/// that fsync, went from about 4 to 2 ms), large enough to cost nothing for a file of
/// gigabytes.
const WRITE_BEHIND: u64 = 1 << 20;

impl Sink {
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.put(bytes).map_err(write_err(&self.shown))
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.w.write_all(bytes)?;
        self.written += bytes.len() as u64;
        if self.written - self.started >= WRITE_BEHIND {
            self.write_behind()?;
        }
        Ok(())
    }

    /// Ask the kernel to start writing what has been written so far, without waiting
    /// for it: the fsync of [`Sink::finish`] then waits only for the last part of a
    /// large file, instead of for the whole of it once everything is rendered. The
    /// fsync still decides when the file is safe; this only starts the disk earlier.
    fn write_behind(&mut self) -> std::io::Result<()> {
        self.w.flush()?;
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (from, len) = (self.started, self.written - self.started);
            // SAFETY: a plain system call on a file descriptor this sink owns; it reads
            // no memory of ours. Its failure only means the disk starts later.
            unsafe {
                libc::sync_file_range(
                    self.w.get_ref().as_raw_fd(),
                    from as libc::off64_t,
                    len as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.started = self.written;
        Ok(())
    }

    /// The error of a failed write to this file, naming it.
    pub fn err(&self) -> impl FnOnce(std::io::Error) -> Error + use<> {
        let path = self.shown.clone();
        move |source| Error::Write { path, source }
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

/// A sink is also a writer, for what renders itself into one (a manifest streamed by
/// serde_json); [`Sink::err`] names the file in an error.
impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.put(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
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
        // A file in a subfolder of a folder output (`services/01-education.yaml`).
        if self.folder
            && let Some(parent) = Path::new(name).parent()
            && !parent.as_os_str().is_empty()
        {
            fs::create_dir_all(self.tmp.join(parent)).map_err(write_err(&shown))?;
        }
        let file = File::create(self.path(name)).map_err(write_err(&shown))?;
        Ok(Sink {
            w: BufWriter::with_capacity(BUFFER, file),
            shown,
            written: 0,
            started: 0,
        })
    }

    /// Write the whole file `name` of a folder output.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let mut s = self.create(name)?;
        s.write_all(bytes)?;
        s.finish()
    }

    /// Write several whole files of a folder output, side by side: their fsyncs overlap,
    /// so the disk is waited for about once rather than once a file.
    pub fn write_files(&self, files: &[(String, Vec<u8>)]) -> Result<()> {
        use rayon::prelude::*;
        files
            .par_iter()
            .try_for_each(|(name, bytes)| self.write(name, bytes))
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
        clean_inside(target);
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
            if matches!(owner, Owner::Plan) && !entries(target).is_empty() {
                return Err(self.refuse(format!(
                    "{} is not empty; `fendan init` writes a plan only into a new or empty folder, so that no file there is replaced: choose another folder",
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
        let id = self.id;
        let placed = (|| -> Result<()> {
            let mut olds = Vec::new();
            for s in &staged {
                olds.push(prepare(&mut log, id, s)?);
            }
            for (s, old) in staged.iter().zip(olds) {
                place(&mut log, id, s, old)?;
            }
            Ok(())
        })();
        if let Err(e) = placed {
            undo_all(&mut log, Some(id));
            self.done = true;
            return Err(e);
        }
        let parents: BTreeSet<PathBuf> = staged.iter().map(|s| parent_of(&s.target)).collect();
        for p in &parents {
            sync_dir(p);
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

/// Make a staged output ready to be put in place: its files on disk, what the old
/// folder holds that must be kept linked in, a link to an old file kept for an undo.
/// Slow work is done here, so that the renames of one run follow each other at once.
fn prepare(log: &mut Vec<(u64, Step)>, id: u64, s: &Staging) -> Result<Option<PathBuf>> {
    let exists = fs::symlink_metadata(&s.target).is_ok();
    if s.folder {
        if exists {
            carry_over(&s.target, &s.tmp)?;
        }
        sync_dir(&s.tmp);
        return Ok(None);
    }
    if !exists {
        return Ok(None);
    }
    let old = sibling(&s.target, "old")?;
    log.push((id, Step::Temp(old.clone())));
    remove_any(&old);
    fs::hard_link(&s.target, &old)
        .or_else(|_| fs::copy(&s.target, &old).map(drop))
        .map_err(write_err(&s.target))?;
    Ok(Some(old))
}

/// Put one prepared output in place by a rename (or a swap), recording how to undo it.
fn place(
    log: &mut Vec<(u64, Step)>,
    id: u64,
    s: &Staging,
    old_file: Option<PathBuf>,
) -> Result<()> {
    let err = write_err(&s.target);
    let exists = fs::symlink_metadata(&s.target).is_ok();
    let step = if !exists {
        fs::rename(&s.tmp, &s.target).map_err(err)?;
        Step::Created(s.target.clone())
    } else if s.folder {
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
        fs::rename(&s.tmp, &s.target).map_err(err)?;
        match old_file {
            Some(old) => {
                log.retain(|(i, st)| !(*i == id && matches!(st, Step::Temp(p) if *p == old)));
                Step::Replaced {
                    target: s.target.clone(),
                    old,
                }
            }
            None => Step::Created(s.target.clone()),
        }
    };
    // The temporary name is gone (or, after a swap, named again by `step`).
    log.retain(|(i, st)| !(*i == id && matches!(st, Step::Temp(p) if *p == s.tmp)));
    log.push((id, step));
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
    s.write_files(files)?;
    tx.commit()
}
