//! The input files of a run: each one's text and the name errors and manifests call it
//! by. The seeds are compiled into the binary, so `fendan` runs with no files at all; a
//! scenario replaces any of them with its own.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Result;
use crate::input::{Text, Whence};
use crate::sheet::Sheet;

/// The text of one input, with the name errors and the manifest call it by.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// The text (UTF-8, decoded from GBK where it was; a workbook sheet as CSV); the
    /// embedded seeds' text is borrowed from the binary, not copied on every start.
    pub text: Cow<'static, str>,
    /// The file it was read from; `None` for embedded or generated text. Outputs are
    /// never written over it (see [`crate::output`]).
    pub path: Option<PathBuf>,
    /// The sheet a table was read from, for an `.xlsx` input: its cells, so that
    /// errors name the sheet, row and column (see [`crate::sheet`]).
    pub sheet: Option<Arc<Sheet>>,
    /// The SHA-256 of the file's bytes as read, before decoding; `None` for text that
    /// was not read from a file (then the text's own hash is used).
    digest: Option<String>,
    /// A table left on disk ([`Source::read_counts`]): `text` is empty, and its rows
    /// are read from `path` when it is loaded.
    on_disk: bool,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source::of(name.into(), Cow::Owned(text.into()))
    }

    /// Text compiled into the binary (the seeds), held without a copy.
    pub fn embedded(name: impl Into<String>, text: &'static str) -> Source {
        Source::of(name.into(), Cow::Borrowed(text))
    }

    fn of(name: String, text: Cow<'static, str>) -> Source {
        Source {
            name,
            text,
            path: None,
            sheet: None,
            digest: None,
            on_disk: false,
        }
    }

    /// Read a file named on the command line (see [`crate::input`] for what is refused).
    pub fn read(path: &Path) -> Result<Source> {
        Source::read_from(path, Whence::Arg)
    }

    /// Read a file named by `whence`: a file, UTF-8 (or GBK for CSV), within the input
    /// size cap; its kind of text by its extension.
    pub fn read_from(path: &Path, whence: Whence) -> Result<Source> {
        Source::read_as(path, whence, Text::of(path))
    }

    fn read_as(path: &Path, whence: Whence, kind: Text) -> Result<Source> {
        let bytes = crate::input::read(path, whence)?;
        let digest = crate::input::sha256_hex(&bytes);
        let text = crate::input::decode(&path.display().to_string(), bytes, kind)?;
        Ok(Source {
            name: path.display().to_string(),
            text: text.into(),
            path: Some(path.to_owned()),
            sheet: None,
            digest: Some(digest),
            on_disk: false,
        })
    }

    /// Read a table named by `whence`: a CSV file (UTF-8 or GBK), or a sheet of an
    /// `.xlsx` workbook — its first sheet, or the one named after `#`
    /// (`counts.xlsx#Sheet2`).
    pub fn read_table(path: &Path, whence: Whence) -> Result<Source> {
        let Some((file, sheet)) = crate::input::workbook_path(path) else {
            // A table is CSV whatever its file is called (`counts.txt`).
            return Source::read_as(path, whence, Text::Csv);
        };
        let bytes = crate::input::read(&file, whence)?;
        let digest = crate::input::sha256_hex(&bytes);
        let sheet = crate::sheet::parse(&file.display().to_string(), bytes, sheet.as_deref())?;
        Ok(Source {
            name: sheet.name.clone(),
            text: sheet.to_csv().into(),
            path: Some(file),
            sheet: Some(Arc::new(sheet)),
            digest: Some(digest),
            on_disk: false,
        })
    }

    /// Read the full counts table named by `whence`, as [`Source::read_table`] does, but
    /// a CSV file that is UTF-8 only checked and hashed here, not kept: the loader reads
    /// its rows from the file (see `load::table`), so the largest input of a national
    /// run (80 MB at township scale) is never held whole. A file that is not UTF-8 is
    /// read whole, for its GBK text or the error that says where it is neither.
    pub fn read_counts(path: &Path, whence: Whence) -> Result<Source> {
        if crate::input::workbook_path(path).is_some() {
            return Source::read_table(path, whence);
        }
        match crate::input::scan_utf8(path, whence)? {
            None => Source::read_as(path, whence, Text::Csv),
            Some(digest) => Ok(Source {
                name: path.display().to_string(),
                text: Default::default(),
                path: Some(path.to_owned()),
                sheet: None,
                digest: Some(digest),
                on_disk: true,
            }),
        }
    }

    /// The file of a table left on disk (see [`Source::read_counts`]); `None` when the
    /// text is held.
    pub fn on_disk(&self) -> Option<&Path> {
        self.path.as_deref().filter(|_| self.on_disk)
    }

    /// Read a table left on disk again, from its start (see [`Source::check_reread`]).
    pub fn reread(&self) -> Result<crate::input::Reread> {
        crate::input::Reread::open(self.on_disk().expect("a table left on disk"))
    }

    /// Check that the whole of a file read again is what was read first (and hashed for
    /// the manifest): that it did not change in between.
    pub fn check_reread(&self, reread: &crate::input::Reread) -> Result<()> {
        if Some(reread.sha256()) == self.digest {
            return Ok(());
        }
        Err(crate::error::Error::input(
            crate::error::Location::file(&self.name),
            "this file changed while fendan was reading it (its bytes are not the ones it read first); run again once nothing is writing to it".to_owned(),
        ))
    }

    /// The text: held, or read again from the file of a table left on disk.
    pub fn contents(&self) -> Result<std::borrow::Cow<'_, str>> {
        if self.on_disk().is_none() {
            return Ok(std::borrow::Cow::Borrowed(&self.text));
        }
        let mut reread = self.reread()?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut reread, &mut text).map_err(|e| {
            crate::error::Error::input(
                crate::error::Location::file(&self.name),
                format!("this file cannot be read again: {e}"),
            )
        })?;
        self.check_reread(&reread)?;
        Ok(std::borrow::Cow::Owned(text))
    }

    /// The SHA-256 of the input: of the file's bytes when it was read from one.
    pub fn sha256(&self) -> String {
        self.digest
            .clone()
            .unwrap_or_else(|| crate::input::sha256_hex(self.text.as_bytes()))
    }
}

/// Every input file of a run.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The plan's identity and lists (`plan.yaml`, see [`crate::plan`]).
    pub plan: Source,
    pub units: Source,
    /// The full table of data-cohort headcounts (`cohorts.csv`).
    pub cohort_counts: Source,
    /// Partial headcount files (`data: cohort_counts:`), applied over `cohort_counts`
    /// in order: each row replaces one cell (see `load::counts`).
    pub partial_counts: Vec<Source>,
    pub cohorts: Source,
    pub splits: Source,
    pub services: Vec<Source>,
    pub indicators: Source,
    pub budget_classes: Source,
    /// The bibliography every `source:` cites (see [`crate::sources`]).
    pub sources: Source,
    /// The capacity threshold (`capacity.threshold`, see [`crate::capacity`]).
    pub capacity: Source,
    /// Fiscal figures per unit and year (`data: {fiscal: …}`); none unless a scenario gives them.
    pub fiscal: Option<Source>,
}

/// The plan package of `seeds/`, embedded by `build.rs`, with its compiled form.
pub(super) mod seeds {
    include!(concat!(env!("OUT_DIR"), "/seeds.rs"));
}

impl Inputs {
    /// The embedded `plan.yaml` alone (for the help text, and for reading output folders
    /// whose manifest records no plan).
    pub fn embedded_plan() -> Source {
        seeds::SEEDS
            .iter()
            .find(|(name, _)| *name == "plan.yaml")
            .map(|(name, text)| Source::embedded(format!("seeds/{name}"), text))
            .expect("seeds/ holds plan.yaml")
    }

    /// The default data compiled into the binary: every file of `seeds/` (see
    /// `build.rs`), each in the place a plan folder's file of that name takes.
    pub fn embedded() -> Inputs {
        let empty = || Source::new("", "");
        let mut inputs = Inputs {
            plan: empty(),
            units: empty(),
            cohort_counts: empty(),
            partial_counts: Vec::new(),
            cohorts: empty(),
            splits: empty(),
            services: Vec::new(),
            indicators: empty(),
            budget_classes: empty(),
            sources: empty(),
            capacity: empty(),
            fiscal: None,
        };
        for (name, text) in seeds::SEEDS {
            let src = Source::embedded(format!("seeds/{name}"), text);
            if name.starts_with("services/") {
                inputs.services.push(src);
            } else if let Some((stem, ext)) = name.rsplit_once('.')
                && FOLDER_FILES.contains(&(stem, ext != "yaml"))
            {
                *inputs.slot(stem, ext != "yaml") = src;
            }
        }
        inputs
    }

    /// Whether these are the embedded seeds, every one as compiled into the binary and
    /// none replaced: then the compiled plan is the model they load into (see
    /// [`super::compiled`]).
    pub fn is_embedded(&self) -> bool {
        let seeds = Inputs::embedded();
        let (these, those) = (self.all(), seeds.all());
        these.len() == those.len()
            && these.iter().zip(&those).all(|(a, b)| {
                a.path.is_none()
                    && a.sheet.is_none()
                    && a.digest.is_none()
                    && a.name == b.name
                    && a.text == b.text
            })
    }

    pub fn all(&self) -> Vec<&Source> {
        let mut v = vec![
            &self.plan,
            &self.units,
            &self.cohort_counts,
            &self.cohorts,
            &self.splits,
        ];
        v.extend(self.services.iter());
        v.push(&self.indicators);
        v.push(&self.budget_classes);
        v.push(&self.sources);
        v.push(&self.capacity);
        v.extend(self.fiscal.as_ref());
        v.extend(self.partial_counts.iter());
        v
    }
}

/// The single-file inputs of a plan folder, by file name (without extension) and
/// whether the file is a table (CSV, or a sheet of an `.xlsx` workbook) or YAML.
const FOLDER_FILES: [(&str, bool); 9] = [
    ("plan", false),
    ("units", true),
    ("cohorts", false),
    ("cohorts", true),
    ("splits", false),
    ("indicators", false),
    ("budget_classes", true),
    ("sources", false),
    ("capacity", false),
];

/// `path` without its `.` components: `./my-plan/./units.csv` → `my-plan/units.csv`.
pub fn tidy(path: &Path) -> PathBuf {
    let out: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

impl Inputs {
    /// The input this table or YAML file of a plan folder replaces.
    fn slot(&mut self, stem: &str, table: bool) -> &mut Source {
        match (stem, table) {
            ("plan", _) => &mut self.plan,
            ("units", _) => &mut self.units,
            ("cohorts", true) => &mut self.cohort_counts,
            ("cohorts", false) => &mut self.cohorts,
            ("splits", _) => &mut self.splits,
            ("indicators", _) => &mut self.indicators,
            ("budget_classes", _) => &mut self.budget_classes,
            ("capacity", _) => &mut self.capacity,
            _ => &mut self.sources,
        }
    }

    /// Replace every input of which the plan folder `dir` holds a file: `plan.yaml`, `units.csv`,
    /// `cohorts.yaml`, `cohorts.csv` (the full table), `splits.yaml`, the YAML files of
    /// `services/` (all of them, in name order), `indicators.yaml`,
    /// `budget_classes.csv`, `sources.yaml`, `capacity.yaml`; a table may be an `.xlsx` workbook instead
    /// (its first sheet). The others stay as they are. Errors point at `at`, the
    /// `data:` key that names the folder. Returns the files read.
    pub fn read_folder(&mut self, dir: &Path, at: &crate::error::Location) -> Result<Vec<PathBuf>> {
        use crate::error::Error;
        let refuse = |what: String| Error::input(at.clone(), format!("`{}` {what}", dir.display()));
        match std::fs::metadata(dir) {
            Err(_) => {
                return Err(refuse(
                    "does not exist (paths are relative to the folder of the file that names them)"
                        .to_owned(),
                ));
            }
            Ok(m) if !m.is_dir() => {
                return Err(refuse(
                    "is a file; `data:` given a path (or `data: {plan: …}`) names a plan folder, as `fendan init` writes one; to replace one input, name it, e.g. `data: {cohort_counts: counts.csv}`"
                        .to_owned(),
                ));
            }
            Ok(_) => {}
        }
        let mut read = Vec::new();
        let whence = Whence::Key(at);
        for (stem, table) in FOLDER_FILES {
            let exts: &[&str] = if table { &["csv", "xlsx"] } else { &["yaml"] };
            let present: Vec<PathBuf> = exts
                .iter()
                .map(|e| tidy(&dir.join(format!("{stem}.{e}"))))
                .filter(|p| p.exists())
                .collect();
            let path = match present.as_slice() {
                [] => continue,
                [one] => one.clone(),
                [a, b, ..] => {
                    return Err(refuse(format!(
                        "holds both {} and {}; keep one of them",
                        a.display(),
                        b.display()
                    )));
                }
            };
            *self.slot(stem, table) = match (stem, table) {
                ("cohorts", true) => Source::read_counts(&path, whence)?,
                (_, true) => Source::read_table(&path, whence)?,
                _ => Source::read_from(&path, whence)?,
            };
            read.push(path);
        }
        let services = dir.join("services");
        if services.exists() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&services)
                .map_err(|e| refuse(format!("cannot be listed: {e}")))?
                .flatten()
                .map(|e| tidy(&e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(refuse(
                    "has a services/ folder with no .yaml files in it; put the plan's services there, or remove the folder to keep the embedded ones".to_owned(),
                ));
            }
            self.services = files
                .iter()
                .map(|p| Source::read_from(p, whence))
                .collect::<Result<_>>()?;
            read.extend(files);
        }
        if read.is_empty() {
            return Err(refuse(
                "holds none of the files of a plan (plan.yaml, units.csv, cohorts.yaml, cohorts.csv, splits.yaml, services/, indicators.yaml, budget_classes.csv, sources.yaml, capacity.yaml); `fendan init DIR` writes a complete plan folder to start from".to_owned(),
            ));
        }
        Ok(read)
    }
}
