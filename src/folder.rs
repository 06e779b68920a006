//! An output folder of `fendan simulate`, read back and verified before anything trusts
//! it.
//!
//! `manifest.json` records the SHA-256 of every file the run wrote. [`Folder::open`]
//! reads the manifest, then every file it lists, and refuses the folder (exit code 2)
//! when a file is missing or its bytes are not the ones fendan wrote. When the changed
//! file is `outlays.csv`, the error names the first row whose levels no longer add up
//! to its total (see [`crate::outlays`]), so a budget officer finds the edit at once.
//! `compare` reads runs only through here; a changed figure is never reported as a
//! difference between two runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};
use crate::input::{Text, Whence};

/// What a comparison needs from `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub scenario: ManifestScenario,
    pub years: [i32; 2],
    #[serde(default)]
    pub inputs: Vec<ManifestFile>,
    /// Parameter path → its dated values (see [`crate::report::param_fingerprint`]).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub extends: Vec<String>,
    #[serde(default)]
    pub outputs: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestScenario {
    pub name: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub sha256: String,
}

/// A verified output folder: its manifest and the bytes of every file it lists.
#[derive(Debug, Clone)]
pub struct Folder {
    pub dir: PathBuf,
    pub manifest: Manifest,
    files: BTreeMap<String, Vec<u8>>,
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Folder {
    /// Read `dir/manifest.json` and every file it lists, each checked against the
    /// SHA-256 the manifest records.
    pub fn open(dir: &Path) -> Result<Folder> {
        let mpath = dir.join("manifest.json");
        let mfile = mpath.display().to_string();
        if !mpath.exists() {
            return Err(Error::Usage(format!(
                "{} holds no manifest.json, so it is not an output folder of `fendan simulate`",
                dir.display()
            )));
        }
        let mbytes = crate::input::read(&mpath, Whence::Folder)?;
        let mtext = crate::input::decode(&mfile, mbytes, Text::Json)?;
        let manifest: Manifest = serde_json::from_str(&mtext).map_err(|e| {
            Error::input(
                Location::in_text(&mfile, &mtext, e.line(), e.column()),
                format!("{mfile} is not a fendan manifest: {e}"),
            )
        })?;
        let listed = |name: &str| manifest.outputs.iter().any(|o| o.name == name);
        if !listed("outlays.csv") && listed("outlays.parquet") {
            return Err(Error::input(
                Location::file(&mfile),
                format!(
                    "{mfile} is a run written with `simulate --format parquet`; compare and report read its detail from outlays.csv, so rerun it without --format parquet"
                ),
            ));
        }
        if !listed("outlays.csv") {
            return Err(Error::input(
                Location::file(&mfile),
                format!(
                    "{mfile} lists no outlays.csv among its outputs, so it is not the manifest of a `fendan simulate` run"
                ),
            ));
        }
        let mut files = BTreeMap::new();
        for o in &manifest.outputs {
            // Only plain names: a manifest cannot send fendan to read outside the folder.
            let plain = !o.name.is_empty()
                && !o.name.contains(['/', '\\'])
                && o.name != "."
                && o.name != "..";
            if !plain {
                return Err(Error::input(
                    Location::file(&mfile),
                    format!(
                        "{mfile} lists the output `{}`, which is not a file name in its folder; it is not a fendan manifest",
                        o.name
                    ),
                ));
            }
            let path = dir.join(&o.name);
            let file = path.display().to_string();
            if !path.exists() {
                return Err(Error::input(
                    Location::file(&file),
                    format!(
                        "{mfile} lists {}, but the folder has no such file; the folder is incomplete, so rerun `fendan simulate`",
                        o.name
                    ),
                ));
            }
            let bytes = crate::input::read(&path, Whence::Folder)?;
            let sha = hex(&Sha256::digest(&bytes));
            if sha != o.sha256 {
                if o.name == "outlays.csv"
                    && let Some(e) = crate::outlays::first_broken_row(&file, &bytes)
                {
                    return Err(e);
                }
                return Err(Error::input(
                    Location::file(&file),
                    format!(
                        "{file} is not the file fendan wrote: its SHA-256 is {}…, {mfile} records {}…; it was changed after the run, so rerun `fendan simulate` for a folder that can be compared",
                        &sha[..12],
                        o.sha256.chars().take(12).collect::<String>()
                    ),
                ));
            }
            files.insert(o.name.clone(), bytes);
        }
        Ok(Folder {
            dir: dir.to_owned(),
            manifest,
            files,
        })
    }

    /// The verified bytes of a file the manifest lists.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// Every file read: the manifest and the files it lists.
    pub fn files(&self) -> Vec<PathBuf> {
        std::iter::once(self.dir.join("manifest.json"))
            .chain(self.files.keys().map(|n| self.dir.join(n)))
            .collect()
    }

    /// The path of a file in the folder, as errors name it.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}
