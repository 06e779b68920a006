//! The scenarios that ship with fendan, compiled into the binary.
//!
//! A budget officer who installed fendan has no checkout, so the policy scenarios of
//! `scenarios/` must run by name from any folder: `fendan simulate pre_reform_shares`,
//! and the same name in `compare`, `explain`, `params`, `extends:` and a sweep's
//! `base:`. One rule decides what a name means, everywhere: **a path that exists on
//! disk comes first** (relative to the current folder on the command line, to the
//! file's own folder in `extends:` and `base:`); only when nothing is there is the
//! text taken as the name of a shipped scenario. On the command line, when a name is
//! both, a note on stderr says which one runs ([`resolve`]). A folder is never a
//! scenario, so a folder named like a shipped scenario (the `output/baseline/` of an
//! earlier run, when fendan runs inside `output/`) does not hide it.
//!
//! A shipped scenario never reads the disk: the files it `extends:` are shipped
//! scenarios, and any `data:` file it names must be compiled in here too ([`DATA`]);
//! a test parses every shipped scenario, so one that names a file left out fails.

use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::load::Source;
use crate::scenario::Scenario;
use crate::suggest::closest;

/// One shipped scenario: its name (the file stem), its file in the repository, and its text.
#[derive(Debug, Clone, Copy)]
pub struct Shipped {
    pub name: &'static str,
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        &[$(Shipped {
            name: $name,
            file: concat!("scenarios/", $name, ".yaml"),
            text: include_str!(concat!("../scenarios/", $name, ".yaml")),
        }),*]
    };
}

/// Every scenario of `scenarios/`, in name order (a test checks the list against the folder).
pub const SHIPPED: &[Shipped] = shipped!(
    "baseline",
    "birth_shock",
    "capacity_2019",
    "capacity_published",
    "poverty_relief",
    "pre_reform_shares",
    "price_indexed",
    "targets_met",
);

/// Data files the shipped scenarios name under `data:`, by their path relative to
/// `scenarios/`. A shipped scenario that names a file missing here fails to load, with
/// a message saying so.
pub const DATA: &[(&str, &str)] = &[
    (
        "data/fiscal-illustrative-2019.csv",
        include_str!("../scenarios/data/fiscal-illustrative-2019.csv"),
    ),
    (
        "data/fiscal-published.csv",
        include_str!("../scenarios/data/fiscal-published.csv"),
    ),
];

/// The folder a shipped scenario's relative paths start from: not a folder on disk, a
/// marker that makes `extends:` and `data:` look among the compiled-in files only.
pub const EMBEDDED_BASE: &str = "<shipped>";

/// Whether something that is not a folder exists at `path` (a file, or a pipe or device
/// the input layer will refuse by name): what comes before a shipped scenario's name.
pub fn is_file_like(path: &Path) -> bool {
    path.exists() && !path.is_dir()
}

/// Whether `base` is the marker folder of shipped scenarios.
pub fn is_embedded_base(base: &Path) -> bool {
    base == Path::new(EMBEDDED_BASE)
}

/// The shipped scenario called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Shipped> {
    SHIPPED.iter().find(|s| s.name == name)
}

/// The names of the shipped scenarios, for messages: `baseline, birth_shock, …`.
pub fn names() -> String {
    SHIPPED
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` (did you mean `NAME`?)` when a shipped scenario's name is close to `text`.
pub fn suggestion(text: &str) -> String {
    match closest(text, SHIPPED.iter().map(|s| s.name)) {
        Some(n) => format!(" (did you mean `{n}`?)"),
        None => String::new(),
    }
}

impl Shipped {
    /// Parse this scenario (and the shipped scenarios it extends). The embedded baseline
    /// is exactly [`Scenario::baseline`], whichever way it is named.
    pub fn scenario(&self) -> Result<Scenario> {
        if self.name == "baseline" {
            return Ok(Scenario::baseline());
        }
        Scenario::parse(
            Source::new(self.source_name(), self.text),
            Path::new(EMBEDDED_BASE),
        )
    }

    /// The name its text carries in messages and manifests.
    pub fn source_name(&self) -> String {
        format!("{} (embedded)", self.file)
    }

    /// The SHA-256 of its text (what a run's manifest records for its scenario).
    pub fn sha256(&self) -> String {
        Source::new(self.file, self.text).sha256()
    }
}

/// A `data:` file named by a shipped scenario: `None` when `base` is a real folder (the
/// file is read from disk as usual), else the compiled-in file or an error at `at`.
pub fn data_file(base: &Path, relative: &str, at: &Location) -> Option<Result<Source>> {
    if !is_embedded_base(base) {
        return None;
    }
    let wanted = relative.trim_start_matches("./");
    Some(
        DATA.iter()
            .find(|(name, _)| *name == wanted)
            .map(|(name, text)| Source::new(format!("scenarios/{name} (embedded)"), *text))
            .ok_or_else(|| {
                Error::input(
                    at.clone(),
                    format!(
                        "the shipped scenario names the data file `{relative}`, which is not compiled into fendan; add it to shipped::DATA (src/shipped.rs) beside the scenario"
                    ),
                )
            }),
    )
}

/// Refuse a plan folder named by a shipped scenario (`data: DIR` or `data: {plan: DIR}`):
/// only single files can be compiled in ([`DATA`]). `Ok` when `base` is a real folder.
pub fn no_data_folder(base: &Path, relative: &str, at: &Location) -> Result<()> {
    if !is_embedded_base(base) {
        return Ok(());
    }
    Err(Error::input(
        at.clone(),
        format!(
            "the shipped scenario names the data folder `{relative}`, but a shipped scenario can only name single data files compiled into fendan; list its files under `data:` and add them to shipped::DATA (src/shipped.rs)"
        ),
    ))
}

/// A scenario named on the command line, and a note for stderr when the name was
/// ambiguous (a file or folder here, and a shipped scenario of the same name).
pub struct Resolved {
    pub scenario: Scenario,
    pub note: Option<String>,
}

/// What a scenario argument of the command line means: a file on disk comes first; a
/// folder or nothing there, and the name of a shipped scenario, means that scenario.
pub fn resolve(arg: &Path) -> Result<Resolved> {
    let text = arg.to_string_lossy();
    let shipped = find(&text);
    let on_disk = arg.exists();
    match (shipped, on_disk) {
        (Some(s), true) if arg.is_dir() => Ok(Resolved {
            scenario: s.scenario()?,
            note: Some(format!(
                "`{text}` here is a folder, not a scenario file: running the shipped scenario `{}`",
                s.name
            )),
        }),
        (Some(s), true) => Ok(Resolved {
            scenario: Scenario::from_path(arg)?,
            note: Some(format!(
                "`{text}` is the file {} here, which comes before the shipped scenario `{}` of the same name; to run the shipped one, run fendan from another folder",
                Path::new(".").join(arg).display(),
                s.name
            )),
        }),
        (Some(s), false) => Ok(Resolved {
            scenario: s.scenario()?,
            note: None,
        }),
        (None, true) => Ok(Resolved {
            scenario: Scenario::from_path(arg)?,
            note: None,
        }),
        (None, false) => {
            let bare = arg.components().count() == 1 && arg.extension().is_none();
            if bare {
                Err(Error::Usage(format!(
                    "`{text}` is neither a file here nor a shipped scenario{}; the shipped ones are {} (`fendan scenarios` lists them)",
                    suggestion(&text),
                    names()
                )))
            } else {
                // The input layer names the path and why it cannot be read.
                Ok(Resolved {
                    scenario: Scenario::from_path(arg)?,
                    note: None,
                })
            }
        }
    }
}

/// The note for a name that is both something on disk (a file, or for `compare` an
/// output folder) and a shipped scenario; `None` when it is not ambiguous.
pub fn ambiguity(arg: &Path, what_on_disk: &str) -> Option<String> {
    let s = find(&arg.to_string_lossy())?;
    arg.exists().then(|| {
        format!(
            "`{}` is the {what_on_disk} {} here, which comes before the shipped scenario `{}` of the same name",
            arg.display(),
            Path::new(".").join(arg).display(),
            s.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_scenarios_folder_is_shipped_and_nothing_else() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let names: Vec<&str> = SHIPPED.iter().map(|s| s.name).collect();
        assert_eq!(on_disk, names);
        for s in SHIPPED {
            let text = std::fs::read_to_string(dir.join(format!("{}.yaml", s.name))).unwrap();
            assert_eq!(text, s.text, "{} is compiled in as it is on disk", s.name);
        }
    }

    #[test]
    fn every_shipped_scenario_loads_without_the_disk_under_its_own_name() {
        for s in SHIPPED {
            let sc = s.scenario().unwrap_or_else(|e| panic!("{}: {e}", s.name));
            assert_eq!(sc.name, s.name, "the file stem is the scenario's name");
            assert!(sc.files.is_empty(), "{} reads no file", s.name);
            assert_eq!(sc.source.sha256(), s.sha256());
            sc.model().unwrap_or_else(|e| panic!("{}: {e}", s.name));
        }
    }

    #[test]
    fn a_shipped_scenario_may_name_only_compiled_in_data() {
        let at = Location::file("x.yaml");
        assert!(data_file(Path::new("."), "mine.csv", &at).is_none());
        let err = data_file(Path::new(EMBEDDED_BASE), "mine.csv", &at)
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(err.contains("not compiled into fendan"), "{err}");
        // A plan folder cannot be compiled in: refused, whatever its name.
        assert!(no_data_folder(Path::new("."), "my-plan", &at).is_ok());
        let err = no_data_folder(Path::new(EMBEDDED_BASE), "my-plan", &at)
            .unwrap_err()
            .to_string();
        assert!(err.contains("names the data folder `my-plan`"), "{err}");
        let text = "name: x\ntitle: x\ndata: {plan: my-plan}\n";
        let err = Scenario::parse(Source::new("s.yaml", text), Path::new(EMBEDDED_BASE))
            .unwrap_err()
            .to_string();
        assert!(err.contains("names the data folder `my-plan`"), "{err}");
    }

    #[test]
    fn names_are_suggested() {
        assert_eq!(
            suggestion("pre_reform_share"),
            " (did you mean `pre_reform_shares`?)"
        );
        assert_eq!(suggestion("zzz"), "");
    }
}
