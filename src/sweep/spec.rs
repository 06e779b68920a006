//! The sweep spec: a YAML file naming a base scenario, the axes (parameter paths with
//! values, a range or a distribution), the sampling design and the metrics to record.
//! Everything is checked here, with the file, line and column of the offending key,
//! before any point is computed.

use std::path::Path;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::{Error, Location, Result};
use crate::exact::{self, NotDecimal};
use crate::load::{Source, parse_yaml};
use crate::params::{Dec, ParamId, Unit, span_location};
use crate::scenario::Scenario;
use crate::suggest::did_you_mean;

mod axis;
use axis::parse_axis;

/// Values an axis of a grid may list or a range may generate (each one is tabulated).
pub const MAX_AXIS_VALUES: u64 = 10_000_000;
/// Decimal places a sampled value may be rounded to.
pub const MAX_DECIMALS: u32 = 12;
/// Decimal places of sampled values unless the axis says `decimals:`.
pub const DEFAULT_DECIMALS: u32 = 4;

/// How an axis changes its parameter: `set` gives the value, `scale` multiplies the
/// base scenario's values (within `from`/`until`) by a factor, `shift` moves that
/// share of one level's part of a split rule to another level (the axis's `shift:`
/// names the levels; see [`crate::overrides::shift`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Set,
    Scale,
    Shift,
}

impl Mode {
    pub fn key(self) -> &'static str {
        match self {
            Mode::Set => "set",
            Mode::Scale => "scale",
            Mode::Shift => "shift",
        }
    }
}

/// The levels a `mode: shift` axis moves a share between (the share is the axis's value).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisShift {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    #[serde(default)]
    pub classes: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A distribution to sample an axis from (bounded, so every draw is a valid value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    Uniform {
        min: Decimal,
        max: Decimal,
    },
    /// A normal distribution truncated to `[min, max]`.
    Normal {
        mean: Decimal,
        sd: Decimal,
        min: Decimal,
        max: Decimal,
    },
    Triangular {
        min: Decimal,
        mode: Decimal,
        max: Decimal,
    },
}

impl Dist {
    pub fn bounds(&self) -> (Decimal, Decimal) {
        match *self {
            Dist::Uniform { min, max }
            | Dist::Normal { min, max, .. }
            | Dist::Triangular { min, max, .. } => (min, max),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Dist::Uniform { .. } => "uniform",
            Dist::Normal { .. } => "normal",
            Dist::Triangular { .. } => "triangular",
        }
    }
}

/// The values an axis takes.
#[derive(Debug, Clone)]
pub enum Domain {
    /// `values: [..]`, each with where it was written.
    List(Vec<(Decimal, serde_saphyr::Location)>),
    /// `range: {start, stop, step}`: `start + i × step` for `i < count`, exact decimals.
    Range {
        start: Decimal,
        step: Decimal,
        count: u64,
        at: serde_saphyr::Location,
    },
    /// `distribution: {kind, ..}`, drawn by a sampled design and rounded to `decimals`.
    Dist {
        dist: Dist,
        decimals: u32,
        at: serde_saphyr::Location,
    },
}

impl Domain {
    /// How many values a discrete axis has (`None` for a distribution).
    pub fn count(&self) -> Option<u64> {
        match self {
            Domain::List(v) => Some(v.len() as u64),
            Domain::Range { count, .. } => Some(*count),
            Domain::Dist { .. } => None,
        }
    }

    /// Value `i` of a discrete axis, with where it was written.
    pub fn value(&self, i: u64) -> (Decimal, serde_saphyr::Location) {
        match self {
            Domain::List(v) => v[i as usize],
            // Checked when the spec was read: every value up to `count` is a decimal, so
            // these operations are exact.
            Domain::Range {
                start, step, at, ..
            } => (*start + *step * Decimal::from(i), *at),
            Domain::Dist { .. } => unreachable!("a distribution has no listed values"),
        }
    }
}

/// One axis of the sweep.
#[derive(Debug, Clone)]
pub struct Axis {
    /// The column name in points.csv (the path unless `name:` is given).
    pub name: String,
    pub path: String,
    /// The parameter the axis sets or scales; for a shift, the rule's central share
    /// (its cells are those of the whole rule).
    pub param: ParamId,
    /// Every parameter a point may change: `param`, or all ten shares of a shifted rule.
    pub params: Vec<ParamId>,
    pub unit: Unit,
    pub mode: Mode,
    /// The levels of a `mode: shift` axis.
    pub shift: Option<AxisShift>,
    pub from: Option<Spanned<String>>,
    pub until: Option<Spanned<String>>,
    pub domain: Domain,
    /// The location of `path:`, for messages and the overrides the axis makes.
    pub path_span: Spanned<String>,
    pub at: Location,
}

/// The sampling design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// Every combination of the axes' values; the last axis varies fastest.
    Grid,
    /// Latin hypercube: `n` points, each axis's range cut into `n` equal-probability
    /// strata, one point in each.
    Lhs { n: u64, seed: u64 },
    /// `n` independent draws.
    MonteCarlo { n: u64, seed: u64 },
}

impl Sampling {
    pub fn is_sampled(self) -> bool {
        !matches!(self, Sampling::Grid)
    }

    pub fn key(self) -> &'static str {
        match self {
            Sampling::Grid => "grid",
            Sampling::Lhs { .. } => "lhs",
            Sampling::MonteCarlo { .. } => "monte_carlo",
        }
    }
}

/// What each point records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Per year: central, province, city, county, total (yuan).
    LevelTotals,
    /// Per year and unit: the outlay of all levels (yuan).
    UnitTotals,
    /// Per year: cv and theil of outlay per head across units (as equalization.csv).
    Equalization,
    /// Per year: the transfer need and the burden share of the units with fiscal data
    /// (as capacity_summary.csv); needs `data: {fiscal: …}` in the base scenario.
    Capacity,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::LevelTotals,
        Metric::UnitTotals,
        Metric::Equalization,
        Metric::Capacity,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Metric::LevelTotals => "level_totals",
            Metric::UnitTotals => "unit_totals",
            Metric::Equalization => "equalization",
            Metric::Capacity => "capacity",
        }
    }
}

/// A checked sweep spec, with its base scenario.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub title: String,
    pub source: Source,
    pub base: Scenario,
    pub axes: Vec<Axis>,
    pub sampling: Sampling,
    pub metrics: Vec<Metric>,
    /// Where the axes (a grid's size) and the sampling (its `n`) are written.
    pub axes_at: Location,
    pub sampling_at: Location,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: Spanned<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    base: Option<Spanned<String>>,
    axes: Spanned<Vec<Spanned<RawAxis>>>,
    #[serde(default)]
    sampling: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    metrics: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    path: Spanned<String>,
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    from: Option<Spanned<String>>,
    #[serde(default)]
    until: Option<Spanned<String>>,
    #[serde(default)]
    mode: Option<Spanned<String>>,
    #[serde(default)]
    shift: Option<Spanned<AxisShift>>,
    #[serde(default)]
    values: Option<Spanned<Vec<Spanned<Dec>>>>,
    #[serde(default)]
    range: Option<Spanned<RawRange>>,
    #[serde(default)]
    distribution: Option<Spanned<RawDist>>,
    #[serde(default)]
    decimals: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    start: Spanned<Dec>,
    stop: Spanned<Dec>,
    step: Spanned<Dec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDist {
    kind: Spanned<String>,
    #[serde(default)]
    min: Option<Spanned<Dec>>,
    #[serde(default)]
    max: Option<Spanned<Dec>>,
    #[serde(default)]
    mean: Option<Spanned<Dec>>,
    #[serde(default)]
    sd: Option<Spanned<Dec>>,
    #[serde(default)]
    mode: Option<Spanned<Dec>>,
}

impl Spec {
    /// Read and check a spec file; `base:` is relative to the spec's folder.
    pub fn from_path(path: &Path) -> Result<Spec> {
        let src = Source::read(path)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Spec::parse(src, &dir)
    }

    /// Parse and check a spec; `dir` is the folder `base:` is relative to.
    pub fn parse(src: Source, dir: &Path) -> Result<Spec> {
        let raw: RawSpec = parse_yaml(&src)?;
        let at = |loc: &serde_saphyr::Location| span_location(&src.name, &src.text, loc);
        let err = |loc: &serde_saphyr::Location, msg: String| Error::input(at(loc), msg);
        // A file next to the spec comes first, else a shipped scenario's name (crate::shipped).
        let base = match &raw.base {
            None => Scenario::baseline(),
            Some(b) => {
                let p = dir.join(&b.value);
                let on_disk = crate::shipped::is_file_like(&p);
                match crate::shipped::find(&b.value) {
                    Some(s) if !on_disk => s.scenario()?,
                    _ if !p.exists() => {
                        return Err(err(
                            &b.referenced,
                            format!(
                                "the base scenario `{}` does not exist (paths are relative to the spec's folder) and is not a shipped scenario{}; the shipped ones are {}",
                                p.display(),
                                crate::shipped::suggestion(&b.value),
                                crate::shipped::names()
                            ),
                        ));
                    }
                    _ => Scenario::from_path_at(&p, &at(&b.referenced))?,
                }
            }
        };
        Spec::checked(raw, src, base)
    }

    /// Parse and check a spec whose base scenario is already loaded (its `base:` key,
    /// if any, is not read): the sweeps fendan builds itself, e.g. for the money at stake.
    pub fn parse_on(src: Source, base: Scenario) -> Result<Spec> {
        let raw: RawSpec = parse_yaml(&src)?;
        Spec::checked(raw, src, base)
    }

    fn checked(raw: RawSpec, src: Source, base: Scenario) -> Result<Spec> {
        let at = |loc: &serde_saphyr::Location| span_location(&src.name, &src.text, loc);
        let err = |loc: &serde_saphyr::Location, msg: String| Error::input(at(loc), msg);
        let name = raw.name.value.clone();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                &raw.name.referenced,
                format!(
                    "the sweep name `{name}` names the output folder, so use only letters, digits, `-` and `_`"
                ),
            ));
        }
        let model = base.model()?;

        let sampling = match &raw.sampling {
            None => Sampling::Grid,
            Some(s) => parse_sampling(&s.value).map_err(|m| err(&s.referenced, m))?,
        };
        let sampling_at = raw
            .sampling
            .as_ref()
            .map(|s| at(&s.referenced))
            .unwrap_or_else(|| at(&raw.axes.referenced));

        if raw.axes.value.is_empty() {
            return Err(err(
                &raw.axes.referenced,
                "the sweep has no axes; give at least one, e.g. `- {path: splits.compulsory_edu.central, values: [0.5, 0.6]}`".to_owned(),
            ));
        }
        let mut axes: Vec<Axis> = Vec::new();
        for ra in &raw.axes.value {
            let axis = parse_axis(&ra.value, &ra.referenced, &src, &model, sampling)?;
            if let Some(prev) = axes.iter().find(|a| a.name == axis.name) {
                return Err(Error::input(
                    axis.at.clone(),
                    format!(
                        "two axes are called `{}` (the first at line {}); give one of them a `name:` (it names the column in points.csv)",
                        axis.name, prev.at.line
                    ),
                ));
            }
            axes.push(axis);
        }

        let metrics = match &raw.metrics {
            None => vec![Metric::LevelTotals],
            Some(list) => {
                if list.value.is_empty() {
                    return Err(err(
                        &list.referenced,
                        "`metrics` is empty; list at least one of level_totals, unit_totals, equalization, capacity (or leave it out for level_totals)".to_owned(),
                    ));
                }
                let mut out = Vec::new();
                for m in &list.value {
                    let Some(metric) = Metric::ALL.into_iter().find(|x| x.key() == m.value) else {
                        return Err(err(
                            &m.referenced,
                            format!(
                                "`{}` is not a metric fendan records{}; use level_totals, unit_totals, equalization or capacity",
                                m.value,
                                did_you_mean(&m.value, Metric::ALL.iter().map(|x| x.key()))
                            ),
                        ));
                    };
                    if metric == Metric::Capacity && base.inputs.fiscal.is_none() {
                        return Err(err(
                            &m.referenced,
                            "the metric `capacity` needs fiscal figures, but the base scenario has none; give it `data: {fiscal: FILE}` (see the README's capacity section)".to_owned(),
                        ));
                    }
                    if out.contains(&metric) {
                        return Err(err(
                            &m.referenced,
                            format!("`{}` is listed twice; list each metric once", m.value),
                        ));
                    }
                    out.push(metric);
                }
                out
            }
        };
        let title = raw
            .title
            .clone()
            .or(raw.description.clone())
            .unwrap_or_default();
        Ok(Spec {
            name,
            title,
            axes_at: at(&raw.axes.referenced),
            sampling_at,
            source: src.clone(),
            base,
            axes,
            sampling,
            metrics,
        })
    }

    /// The number of points: the grid's size, or the sample's `n`; `None` past u64.
    pub fn points(&self) -> Option<u64> {
        match self.sampling {
            Sampling::Grid => self
                .axes
                .iter()
                .try_fold(1u64, |n, a| n.checked_mul(a.domain.count().unwrap_or(1))),
            Sampling::Lhs { n, .. } | Sampling::MonteCarlo { n, .. } => Some(n),
        }
    }
}

fn parse_sampling(v: &serde_json::Value) -> std::result::Result<Sampling, String> {
    const HELP: &str = "write `sampling: grid`, `sampling: {lhs: {n: 1000, seed: 1}}` or `sampling: {monte_carlo: {n: 1000, seed: 1}}`";
    match v {
        serde_json::Value::String(s) if s == "grid" => Ok(Sampling::Grid),
        serde_json::Value::Object(m) if m.len() == 1 => {
            let (k, body) = m.iter().next().expect("one entry");
            if k != "lhs" && k != "monte_carlo" {
                return Err(format!(
                    "`{k}` is not a sampling design fendan knows{}; {HELP}",
                    did_you_mean(k, ["grid", "lhs", "monte_carlo"])
                ));
            }
            let obj = body
                .as_object()
                .ok_or_else(|| format!("`{k}` needs `n` and `seed`; {HELP}"))?;
            for key in obj.keys() {
                if key != "n" && key != "seed" {
                    return Err(format!("`{k}` takes `n` and `seed`, not `{key}`; {HELP}"));
                }
            }
            let get = |key: &str| -> std::result::Result<u64, String> {
                obj.get(key)
                    .and_then(serde_json::Value::as_u64)
                    .ok_or_else(|| {
                        format!("`{k}` needs `{key}:` as a whole number 0 or more; {HELP}")
                    })
            };
            let n = get("n")?;
            let seed = get("seed")?;
            if n == 0 {
                return Err(format!(
                    "`{k}` has n: 0; a sampled sweep needs at least one point"
                ));
            }
            Ok(if k == "lhs" {
                Sampling::Lhs { n, seed }
            } else {
                Sampling::MonteCarlo { n, seed }
            })
        }
        serde_json::Value::String(s) => Err(format!(
            "`{s}` is not a sampling design fendan knows{}; {HELP}",
            did_you_mean(s, ["grid", "lhs", "monte_carlo"])
        )),
        _ => Err(format!("this is not a sampling design; {HELP}")),
    }
}
