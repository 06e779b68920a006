//! The mechanics under a transaction: temporary names and the leftovers of killed runs,
//! the undo log shared with the signal handler, and the one-step swap of two folders.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, Once};

use crate::error::{Error, Result};

/// A temporary name: `.LEAF.tmp-PID` or `.LEAF.old-PID` → (leaf, old?, pid).
pub(super) fn leftover(name: &str) -> Option<(&str, bool, u32)> {
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
pub(super) fn alive(pid: u32) -> bool {
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

pub(super) fn remove_any(path: &Path) {
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
/// are removed; an old output they moved aside is put back if `target` is missing. A
/// process counts as dead when it is not running on this machine.
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
}

/// Inside a folder that is about to be replaced, remove the temporary files of dead
/// processes (an older fendan's `.points.csv.tmp-PID`). Not used on a sharded sweep's
/// `parts/`, where shards on other machines may be writing: a process id means nothing
/// across machines, so each shard removes only its own leftovers.
pub(super) fn clean_inside(target: &Path) {
    if let Ok(list) = fs::read_dir(target) {
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

pub(super) fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

pub(super) fn sibling(target: &Path, kind: &str) -> Result<PathBuf> {
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

pub(super) fn write_err(shown: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: shown.to_owned(),
        source,
    }
}

/// fsync a folder, so that the names in it (a rename) reach the disk.
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

// ---------------------------------------------------------------------------------
// The undo log, shared with the signal handler
// ---------------------------------------------------------------------------------

/// One step taken, and how to take it back.
#[derive(Debug)]
pub(super) enum Step {
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
    pub(super) fn undo(&self) {
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
    pub(super) fn finish(&self) {
        match self {
            Step::Temp(p) => remove_any(p),
            Step::Swapped { other, .. } => remove_any(other),
            Step::MovedAside { old, .. } | Step::Replaced { old, .. } => remove_any(old),
            Step::MadeDir(_) | Step::Created(_) => {}
        }
    }
}

/// The steps of every transaction in progress, by transaction.
pub(super) static PENDING: Mutex<Vec<(u64, Step)>> = Mutex::new(Vec::new());
pub(super) static NEXT_ID: AtomicU64 = AtomicU64::new(1);
pub(super) static SIGNALS: Once = Once::new();

pub(super) fn pending() -> MutexGuard<'static, Vec<(u64, Step)>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Undo every step of transaction `id` (all when `None`), newest first.
pub(super) fn undo_all(log: &mut Vec<(u64, Step)>, id: Option<u64>) {
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
pub(super) fn watch_signals() {
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
pub(super) fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
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
pub(super) fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}
