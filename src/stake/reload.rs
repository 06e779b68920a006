//! Reloading the scenario of a finished run, exactly, to add its money at stake later.
//!
//! `fendan simulate --stake` writes `at_stake.csv` with the run; a run made without it
//! can still get it from `fendan report`, but only if the scenario the report reloads
//! is the one the run was made from. A guess would rank assumptions by another run's
//! money, so the scenario is reloaded only when every check holds:
//!
//! * it is a shipped scenario whose text has the SHA-256 the manifest records, or the
//!   scenario file the manifest names, still there with that SHA-256;
//! * its input files have the recorded hashes, and its parameters after every override
//!   (including those of the files it extends) have the recorded dated values;
//! * run again, it gives each level's total of every year exactly as `by_level.csv` does.
//!
//! Otherwise the reason is returned, in a sentence that says how to get the figures.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::Result;
use crate::scenario::Scenario;

#[derive(Deserialize)]
struct Manifest {
    scenario: Named,
    years: [i32; 2],
    #[serde(default)]
    inputs: Vec<Listed>,
    #[serde(default)]
    parameters: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    sha256: String,
}

#[derive(Deserialize, PartialEq, Eq, Debug)]
struct Listed {
    name: String,
    sha256: String,
}

/// The scenario of the run in `dir` (its manifest's text, and the level totals by year
/// its `by_level.csv` holds, in fen), and how it was found; or why it cannot be
/// reloaded exactly, and how to get the money at stake instead.
pub fn scenario_of_run(
    dir: &Path,
    manifest: &str,
    levels: &[(i32, [i64; 4])],
) -> Result<std::result::Result<(Scenario, String), String>> {
    let Ok(m) = serde_json::from_str::<Manifest>(manifest) else {
        return Ok(Err(
            "its manifest.json does not name the scenario and inputs it was made from".into(),
        ));
    };
    let rerun = |what: &str| {
        format!(
            "{what}; to rank the assumptions by the money they move, run `fendan simulate {} --stake --out {}` again with the scenario it was made from",
            if m.scenario.file.is_empty() || m.scenario.file.ends_with("(embedded)") {
                m.scenario.name.clone()
            } else {
                m.scenario.file.clone()
            },
            dir.display()
        )
    };
    let shipped =
        crate::shipped::find(&m.scenario.name).filter(|s| s.sha256() == m.scenario.sha256);
    let (scenario, how) = match shipped {
        Some(s) => (s.scenario()?, format!("the shipped scenario `{}`", s.name)),
        None => {
            let file = Path::new(&m.scenario.file);
            if m.scenario.file.is_empty() || !crate::shipped::is_file_like(file) {
                return Ok(Err(rerun(&format!(
                    "its scenario `{}` is not a shipped scenario of this fendan, and its file `{}` is not here",
                    m.scenario.name, m.scenario.file
                ))));
            }
            let changed = crate::load::Source::read(file)
                .map(|src| src.sha256() != m.scenario.sha256)
                .unwrap_or(true);
            if changed {
                return Ok(Err(rerun(&format!(
                    "its scenario file `{}` has changed since the run (its SHA-256 differs from the manifest's)",
                    m.scenario.file
                ))));
            }
            let scenario = match Scenario::from_path(file) {
                Ok(s) => s,
                Err(e) => {
                    let first = e.to_string().lines().next().unwrap_or_default().to_owned();
                    return Ok(Err(rerun(&format!(
                        "its scenario file `{}` no longer loads ({first})",
                        m.scenario.file
                    ))));
                }
            };
            (scenario, format!("the scenario file `{}`", m.scenario.file))
        }
    };
    if [scenario.years.first, scenario.years.last] != m.years {
        return Ok(Err(rerun("the scenario now covers other years")));
    }
    let model = match scenario.model() {
        Ok(model) => model,
        Err(e) => {
            let first = e.to_string().lines().next().unwrap_or_default().to_owned();
            return Ok(Err(rerun(&format!(
                "its scenario no longer loads ({first})"
            ))));
        }
    };
    let inputs: Vec<Listed> = model
        .inputs
        .iter()
        .map(|i| Listed {
            name: i.name.clone(),
            sha256: i.sha256.clone(),
        })
        .collect();
    if inputs != m.inputs {
        return Ok(Err(rerun(
            "its input files are not the ones the run read (their SHA-256 differ from the manifest's)",
        )));
    }
    if let Some(recorded) = &m.parameters
        && *recorded != crate::report::parameter_fingerprints(&model)
    {
        return Ok(Err(rerun(
            "its parameters are not the run's (a file it extends has changed)",
        )));
    }
    let out = crate::engine::run(&model, scenario.years)?;
    let again: Vec<(i32, [i64; 4])> = crate::report::level_totals(&model, &out)?
        .into_iter()
        .collect();
    if again != levels {
        return Ok(Err(rerun(
            "run again, its scenario does not give the run's totals by level",
        )));
    }
    Ok(Ok((scenario, how)))
}
