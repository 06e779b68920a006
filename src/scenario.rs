//! Scenarios: a named run of the model on a set of inputs, with dated overrides.
//!
//! A scenario file names the run, says which question it answers, which years it
//! covers, which data it uses (any input left out is the embedded seed) and which
//! parameters it changes (see [`crate::overrides`]). A scenario may `extends:` another
//! — a file path, or the name of a shipped scenario such as `baseline` (a file that
//! exists comes first, see [`crate::shipped`]) — and inherits its years, data and
//! overrides, then adds its own. Paths are relative to the scenario file, so a bureau
//! can keep its scenario next to its data.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::engine::Years;
use crate::error::{Error, Location, Result};
use crate::input::Whence;
use crate::load::{Inputs, Source, parse_yaml};
use crate::model::Model;
use crate::overrides::{Override, RawOverride};
use crate::params::span_location;

/// The scenario that ships with fendan and runs when none is given.
pub const BASELINE: &str = include_str!("../scenarios/baseline.yaml");

/// Reads the scenario a file extends, given the chain of files read so far.
type LoadParent = dyn Fn(&mut Vec<String>) -> Result<Scenario>;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub description: String,
    pub years: Years,
    pub inputs: Inputs,
    pub source: Source,
    /// Inherited overrides first, then this file's own.
    pub overrides: Vec<Override>,
    /// The chain of scenarios this one extends, nearest first.
    pub extends: Vec<String>,
    /// How the capacity threshold is chosen (`capacity: {rule: …}`; inherited).
    pub capacity: crate::capacity::Rule,
    /// Every file read from disk for this scenario: the scenario itself, the files it
    /// extends, and its data files. No output may be written over them.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    #[serde(default)]
    extends: Option<Spanned<String>>,
    #[serde(default)]
    overrides: Vec<Spanned<RawOverride>>,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    years: Option<Spanned<RawYears>>,
    #[serde(default)]
    data: Option<Spanned<DataField>>,
    #[serde(default)]
    capacity: Option<RawCapacity>,
}

/// `capacity: {rule: fixed | city_median}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapacity {
    rule: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYears {
    first: i32,
    last: i32,
}

/// `data:` is a plan folder (`data: my-plan/`) or a map of inputs, which may name a
/// plan folder too (`data: {plan: my-plan/, cohort_counts: counts.csv}`).
#[derive(Debug)]
enum DataField {
    Folder(String),
    Files(Box<RawData>),
}

impl<'de> Deserialize<'de> for DataField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = DataField;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a plan folder, or a map of input files")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<DataField, E> {
                Ok(DataField::Folder(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<DataField, A::Error> {
                RawData::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|d| DataField::Files(Box::new(d)))
            }
        }
        d.deserialize_any(Visit)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    /// A plan folder: every plan file it holds replaces the embedded one.
    plan: Option<Spanned<String>>,
    units: Option<Spanned<String>>,
    cohort_counts: Option<Spanned<String>>,
    cohorts: Option<Spanned<String>>,
    splits: Option<Spanned<String>>,
    services: Option<Vec<Spanned<String>>>,
    indicators: Option<Spanned<String>>,
    budget_classes: Option<Spanned<String>>,
    sources: Option<Spanned<String>>,
    fiscal: Option<Spanned<String>>,
    capacity: Option<Spanned<String>>,
}

impl Scenario {
    /// Read a scenario file named on the command line.
    pub fn from_path(path: &Path) -> Result<Scenario> {
        Scenario::from_path_within(path, Whence::Arg, &mut Vec::new())
    }

    /// Read a scenario file named by a key of another input (a sweep spec's `base:`).
    pub fn from_path_at(path: &Path, named_at: &Location) -> Result<Scenario> {
        Scenario::from_path_within(path, Whence::Key(named_at), &mut Vec::new())
    }

    fn from_path_within(path: &Path, whence: Whence, chain: &mut Vec<String>) -> Result<Scenario> {
        let src = Source::read_from(path, whence)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Scenario::parse_within(src, &base, chain)
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
        Scenario::parse_within(src, base, &mut Vec::new())
    }

    /// Load and check the model this scenario runs on: the inputs, then every override.
    pub fn model(&self) -> Result<Model> {
        self.model_from(crate::load::load(&self.inputs)?)
    }

    /// This scenario's overrides applied to `model`, loaded from its inputs (the tests
    /// load the seeds' text and the compiled plan and compare).
    pub fn model_from(&self, mut model: Model) -> Result<Model> {
        crate::overrides::apply(&mut model, &self.overrides, self.years)?;
        crate::load::check_years(&model, self.years.first, self.years.last)?;
        Ok(model)
    }

    fn parse_within(src: Source, base: &Path, chain: &mut Vec<String>) -> Result<Scenario> {
        let key = std::fs::canonicalize(&src.name)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| src.name.clone());
        chain.push(key);
        let raw: RawScenario = parse_yaml(&src)?;
        let parent = match &raw.extends {
            None => None,
            Some(e) => {
                let here = span_location(&src.name, &src.text, &e.referenced);
                // A file next to this one comes first; else a shipped scenario's name
                // (see crate::shipped). A shipped scenario only extends shipped ones.
                let p = base.join(&e.value);
                let on_disk =
                    !crate::shipped::is_embedded_base(base) && crate::shipped::is_file_like(&p);
                let shipped = crate::shipped::find(&e.value).filter(|_| !on_disk);
                let (parent_key, load): (String, Box<LoadParent>) = if let Some(s) = shipped {
                    (
                        s.source_name(),
                        Box::new(move |c: &mut Vec<String>| {
                            Scenario::parse_within(
                                Source::new(s.source_name(), s.text),
                                Path::new(crate::shipped::EMBEDDED_BASE),
                                c,
                            )
                        }),
                    )
                } else {
                    // A folder is refused by the input layer, by name.
                    if crate::shipped::is_embedded_base(base) || !p.exists() {
                        return Err(Error::input(
                            here,
                            format!(
                                "`{}` extends `{}`, which does not exist (paths are relative to this file's folder) and is not a shipped scenario{}; the shipped ones are {}",
                                src.name,
                                e.value,
                                crate::shipped::suggestion(&e.value),
                                crate::shipped::names()
                            ),
                        ));
                    }
                    let k = std::fs::canonicalize(&p)
                        .map(|x| x.display().to_string())
                        .unwrap_or_else(|_| p.display().to_string());
                    let named_at = here.clone();
                    (
                        k,
                        Box::new(move |c: &mut Vec<String>| {
                            Scenario::from_path_within(&p, Whence::Key(&named_at), c)
                        }),
                    )
                };
                if chain.contains(&parent_key) {
                    return Err(Error::input(
                        here,
                        format!(
                            "`extends` makes a cycle: {} → {}; a scenario cannot extend itself, directly or through others",
                            chain.join(" → "),
                            parent_key
                        ),
                    ));
                }
                Some(load(chain)?)
            }
        };
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
        let given_years = match &raw.years {
            None => None,
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
                Some(Years {
                    first: y.value.first,
                    last: y.value.last,
                })
            }
        };
        let mut inputs = parent
            .as_ref()
            .map(|p| p.inputs.clone())
            .unwrap_or_else(Inputs::embedded);
        let mut files: Vec<PathBuf> = src.path.iter().cloned().collect();
        if let Some(p) = &parent {
            files.extend(p.files.iter().cloned());
        }
        let no_data = RawData::default();
        let d = match raw.data.as_ref().map(|d| &d.value) {
            None => &no_data,
            Some(DataField::Files(d)) => d,
            Some(DataField::Folder(dir)) => {
                let at = span_location(
                    &src.name,
                    &src.text,
                    &raw.data.as_ref().expect("matched").referenced,
                );
                crate::shipped::no_data_folder(base, dir, &at)?;
                let dir = crate::load::tidy(&base.join(dir));
                files.extend(inputs.read_folder(&dir, &at)?);
                &no_data
            }
        };
        if let Some(p) = &d.plan {
            let at = span_location(&src.name, &src.text, &p.referenced);
            crate::shipped::no_data_folder(base, &p.value, &at)?;
            let dir = crate::load::tidy(&base.join(&p.value));
            files.extend(inputs.read_folder(&dir, &at)?);
        }
        let mut read = |p: &Spanned<String>, table: bool| -> Result<Source> {
            let full: PathBuf = crate::load::tidy(&base.join(&p.value));
            let at = span_location(&src.name, &src.text, &p.referenced);
            if let Some(shipped) = crate::shipped::data_file(base, &p.value, &at) {
                return shipped;
            }
            let source = if table {
                Source::read_table(&full, Whence::Key(&at))?
            } else {
                if crate::input::workbook_path(&full).is_some() {
                    return Err(Error::input(
                        at,
                        format!(
                            "`{}` is an Excel workbook, but this input is YAML; workbooks may replace the tables (units, cohort_counts, budget_classes, fiscal)",
                            full.display()
                        ),
                    ));
                }
                Source::read_from(&full, Whence::Key(&at))?
            };
            files.push(source.path.clone().unwrap_or(full));
            Ok(source)
        };
        if let Some(p) = &d.units {
            inputs.units = read(p, true)?;
        }
        if let Some(p) = &d.cohort_counts {
            let partial = read(p, true)?;
            inputs.partial_counts.push(partial);
        }
        if let Some(p) = &d.cohorts {
            inputs.cohorts = read(p, false)?;
        }
        if let Some(p) = &d.splits {
            inputs.splits = read(p, false)?;
        }
        if let Some(list) = &d.services {
            inputs.services = list.iter().map(|p| read(p, false)).collect::<Result<_>>()?;
        }
        if let Some(p) = &d.indicators {
            inputs.indicators = read(p, false)?;
        }
        if let Some(p) = &d.budget_classes {
            inputs.budget_classes = read(p, true)?;
        }
        if let Some(p) = &d.sources {
            inputs.sources = read(p, false)?;
        }
        if let Some(p) = &d.fiscal {
            inputs.fiscal = Some(read(p, true)?);
        }
        if let Some(p) = &d.capacity {
            inputs.capacity = read(p, false)?;
        }
        // The years: this file's; else, when this file brings its own plan.yaml, the
        // plan's; else those of the scenario it extends; else the plan's.
        let own_plan = parent
            .as_ref()
            .is_some_and(|p| p.inputs.plan.name != inputs.plan.name);
        let years = match (given_years, &parent) {
            (Some(y), _) => y,
            (None, Some(p)) if !own_plan => p.years,
            _ => crate::load::load_plan(&inputs.plan)?.years,
        };
        let capacity = match &raw.capacity {
            None => parent.as_ref().map(|p| p.capacity).unwrap_or_default(),
            Some(c) => crate::capacity::Rule::parse(&c.rule.value).ok_or_else(|| {
                Error::input(
                    span_location(&src.name, &src.text, &c.rule.referenced),
                    format!(
                        "`{}` is not a capacity rule{}; use `fixed` (the threshold capacity.threshold, a share of own revenue) or `city_median` (the year's median burden share)",
                        c.rule.value,
                        crate::suggest::did_you_mean(
                            &c.rule.value,
                            crate::capacity::Rule::ALL.iter().map(|r| r.key())
                        )
                    ),
                )
            })?,
        };
        let (mut overrides, extends) = match parent {
            Some(p) => {
                let mut chain_names = vec![p.name.clone()];
                chain_names.extend(p.extends);
                (p.overrides, chain_names)
            }
            None => (Vec::new(), Vec::new()),
        };
        overrides.extend(raw.overrides.into_iter().map(|o| Override {
            raw: std::sync::Arc::new(o),
            src: src.clone(),
        }));
        Ok(Scenario {
            files,
            name,
            title: raw.title,
            description: raw.description,
            years,
            inputs,
            source: src,
            overrides,
            extends,
            capacity,
        })
    }
}
