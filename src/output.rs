//! Writing a run's files atomically.
//!
//! All files are first written into a hidden temporary folder beside the target and
//! only then moved into place, so an interrupted or failed run never leaves a half
//! set of tables that a budget officer could mistake for a result. A folder that
//! holds another scenario's results is not replaced unless the user says `--force`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_owned(),
        source,
    }
}

/// The scenario name recorded in an existing output folder's manifest, if any.
fn existing_scenario(dir: &Path) -> Option<String> {
    let text = fs::read_to_string(dir.join("manifest.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("scenario")?.get("name")?.as_str().map(str::to_owned)
}

/// Write `files` into `dir` as one step. `scenario` is the name of the run, checked
/// against what `dir` already holds.
pub fn write_atomically(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    scenario: &str,
    force: bool,
) -> Result<()> {
    if dir.exists() && !force {
        match existing_scenario(dir) {
            Some(name) if name == scenario => {}
            Some(name) => {
                return Err(Error::Refused(format!(
                    "{} holds the results of scenario `{name}`, not `{scenario}`; choose another --out folder or add --force to replace them",
                    dir.display()
                )));
            }
            None if fs::read_dir(dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false) =>
            {
                return Err(Error::Refused(format!(
                    "{} is not empty and holds no fendan results; choose another --out folder or add --force to replace it",
                    dir.display()
                )));
            }
            None => {}
        }
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(write_err(parent))?;
    let leaf = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let pid = std::process::id();
    let tmp: PathBuf = parent.join(format!(".{leaf}.tmp-{pid}"));
    let old: PathBuf = parent.join(format!(".{leaf}.old-{pid}"));
    let _ = fs::remove_dir_all(&tmp);
    let result = (|| {
        fs::create_dir(&tmp).map_err(write_err(&tmp))?;
        for (name, bytes) in files {
            let p = tmp.join(name);
            fs::write(&p, bytes).map_err(write_err(&p))?;
        }
        if dir.exists() {
            fs::rename(dir, &old).map_err(write_err(dir))?;
        }
        fs::rename(&tmp, dir).map_err(write_err(dir))?;
        let _ = fs::remove_dir_all(&old);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
        if old.exists() && !dir.exists() {
            let _ = fs::rename(&old, dir);
        }
    }
    result
}

/// Write one file as one step: into a hidden temporary file beside it, then renamed
/// into place, so a failed write never leaves a half-written file under `path`.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(write_err(parent))?;
    let leaf = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Usage(format!("`{}` is not a file name", path.display())))?;
    let tmp = parent.join(format!(".{leaf}.tmp-{}", std::process::id()));
    let result = fs::write(&tmp, bytes)
        .map_err(write_err(&tmp))
        .and_then(|()| fs::rename(&tmp, path).map_err(write_err(path)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
