//! Scenarios: a named run of the model on a set of inputs.
//!
//! A scenario file names the run, says which question it answers, which years it
//! covers and which data it uses; any input left out is the embedded seed. Paths are
//! relative to the scenario file, so a bureau can keep its scenario next to its data.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::engine::Years;
use crate::error::{Error, Result};
use crate::load::{Inputs, Source, parse_yaml};
use crate::params::span_location;

/// The scenario that ships with fendan and runs when none is given.
pub const BASELINE: &str = include_str!("../scenarios/baseline.yaml");

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub description: String,
    pub years: Years,
    pub inputs: Inputs,
    pub source: Source,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    years: Option<Spanned<RawYears>>,
    #[serde(default)]
    data: RawData,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYears {
    first: i32,
    last: i32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    units: Option<String>,
    cohort_counts: Option<String>,
    cohorts: Option<String>,
    splits: Option<String>,
    services: Option<Vec<String>>,
    indicators: Option<String>,
    budget_classes: Option<String>,
}

impl Scenario {
    /// Read a scenario file from disk.
    pub fn from_path(path: &Path) -> Result<Scenario> {
        let src = Source::read(path)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Scenario::parse(src, &base)
    }

    /// The embedded baseline.
    pub fn baseline() -> Scenario {
        Scenario::parse(
            Source::new("scenarios/baseline.yaml", BASELINE),
            Path::new("."),
        )
        .expect("the embedded baseline scenario is valid (tested)")
    }

    /// Parse a scenario; `base` is the folder its relative data paths start from.
    pub fn parse(src: Source, base: &Path) -> Result<Scenario> {
        let raw: RawScenario = parse_yaml(&src)?;
        let name = raw.name.value.clone();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::input(
                span_location(&src.name, &src.text, &raw.name.referenced),
                format!(
                    "the scenario name `{name}` names the output folder, so use only letters, digits, `-` and `_`"
                ),
            ));
        }
        let years = match &raw.years {
            None => Years {
                first: 2016,
                last: 2020,
            },
            Some(y) => {
                if y.value.first > y.value.last || y.value.first < 1900 || y.value.last > 2200 {
                    return Err(Error::input(
                        span_location(&src.name, &src.text, &y.referenced),
                        format!(
                            "the years {}-{} are not a range fendan can run; give first ≤ last, e.g. {{first: 2016, last: 2020}}",
                            y.value.first, y.value.last
                        ),
                    ));
                }
                Years {
                    first: y.value.first,
                    last: y.value.last,
                }
            }
        };
        let mut inputs = Inputs::embedded();
        let read = |p: &str| -> Result<Source> {
            let full: PathBuf = base.join(p);
            Source::read(&full)
        };
        let d = &raw.data;
        if let Some(p) = &d.units {
            inputs.units = read(p)?;
        }
        if let Some(p) = &d.cohort_counts {
            inputs.cohort_counts = read(p)?;
        }
        if let Some(p) = &d.cohorts {
            inputs.cohorts = read(p)?;
        }
        if let Some(p) = &d.splits {
            inputs.splits = read(p)?;
        }
        if let Some(list) = &d.services {
            inputs.services = list.iter().map(|p| read(p)).collect::<Result<_>>()?;
        }
        if let Some(p) = &d.indicators {
            inputs.indicators = read(p)?;
        }
        if let Some(p) = &d.budget_classes {
            inputs.budget_classes = read(p)?;
        }
        Ok(Scenario {
            name,
            title: raw.title,
            description: raw.description,
            years,
            inputs,
            source: src,
        })
    }
}
