//! Scenario overrides: dated changes to the one parameter tree.
//!
//! A scenario says "from this date (until that date) this parameter is V", "… is scaled
//! by F", "… takes these dated values", or "… is indexed by a growth rate after its
//! last published value". Each override names a parameter by its path — the same path
//! `explain --param` prints and a sweep varies — and every changed value remembers the
//! scenario file and line it came from. Overrides are checked before anything runs:
//! unknown paths (with a suggestion), values out of range, dates outside the run, and
//! split shares that no longer add up to one are all reported at the override's line.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::date::Date;
use crate::engine::Years;
use crate::error::{Error, Location, Result};
use crate::exact::{self, NotDecimal};
use crate::load::Source;
use crate::model::{Model, SplitKind};
use crate::params::{DatedValues, Dec, span_location};
use crate::suggest::did_you_mean;

pub mod shift;

/// An override as written in a scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverride {
    pub path: Spanned<String>,
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    #[serde(default)]
    pub until: Option<Spanned<String>>,
    #[serde(default)]
    pub set: Option<Spanned<String>>,
    #[serde(default)]
    pub scale: Option<Spanned<Dec>>,
    #[serde(default)]
    pub values: Option<Spanned<DatedValues>>,
    #[serde(default)]
    pub index: Option<Spanned<RawIndex>>,
    /// Move a share of a split rule between levels (see [`shift`]).
    #[serde(default)]
    pub shift: Option<Spanned<shift::RawShift>>,
    /// Why: shown by `explain --param`.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    /// Growth a year, e.g. 0.02 for 2 %.
    pub rate: Dec,
    /// Decimal places the indexed value is rounded to (half away from zero).
    #[serde(default)]
    pub rounding: u32,
}

/// An override together with the file it was written in.
#[derive(Debug, Clone)]
pub struct Override {
    pub raw: std::sync::Arc<Spanned<RawOverride>>,
    pub src: Source,
}

impl Override {
    fn at(&self, loc: &serde_saphyr::Location) -> Location {
        span_location(&self.src.name, &self.src.text, loc)
    }

    fn here(&self) -> Location {
        self.at(&self.raw.value.path.referenced)
    }

    /// "file:line", for provenance.
    pub fn origin(&self) -> String {
        format!("{}:{}", self.src.name, self.raw.referenced.line())
    }
}

enum Change {
    Set(Decimal),
    Scale(Decimal),
    Values(Vec<(Date, Decimal)>),
    Index { rate: Decimal, rounding: u32 },
}

/// Apply `overrides` in order to `model` for a run over `years`.
pub fn apply(model: &mut Model, overrides: &[Override], years: Years) -> Result<()> {
    let run_start = Date::first_of(years.first, 1);
    for ov in overrides {
        let r = &ov.raw.value;
        let path = r.path.value.as_str();
        if path.starts_with("units.") {
            apply_unit(model, ov)?;
            continue;
        }
        if r.shift.is_some() || shift::is_rule_path(model, path) {
            shift::apply(model, ov, years)?;
            continue;
        }
        let Some(id) = model.params.lookup(path) else {
            let mut known: Vec<String> = model
                .params
                .paths()
                .into_iter()
                .map(str::to_owned)
                .collect();
            known.extend(unit_paths(model));
            return Err(Error::input(
                ov.here(),
                format!(
                    "`{path}` is not a parameter{}; `fendan explain --param` lists a parameter's values, and the paths follow the seeds (services.<id>.<component>.standard, splits.<rule>.central, cohorts.<id>.ratio …)",
                    did_you_mean(path, known.iter().map(String::as_str))
                ),
            ));
        };
        let date = |s: &Spanned<String>| run_date(ov, s, years);
        let (from, until) = window(ov, years)?;
        let unit = model.params.get(id).unit;
        let kinds = [
            r.set.is_some(),
            r.scale.is_some(),
            r.values.is_some(),
            r.index.is_some(),
        ];
        match kinds.iter().filter(|k| **k).count() {
            0 => {
                return Err(Error::input(
                    ov.here(),
                    format!(
                        "the override of `{path}` does not say what to change; add `set: V`, `scale: F`, `values: {{DATE: V}}` or `index: {{rate: R}}`"
                    ),
                ));
            }
            1 => {}
            _ => {
                let given: Vec<&str> = ["set", "scale", "values", "index"]
                    .into_iter()
                    .zip(kinds)
                    .filter(|(_, k)| *k)
                    .map(|(n, _)| n)
                    .collect();
                return Err(Error::input(
                    ov.here(),
                    format!(
                        "the override of `{path}` gives both `{}` and `{}`; keep one (one override, one kind of change)",
                        given[0], given[1]
                    ),
                ));
            }
        }
        if let Some((cohort, _)) = path
            .strip_prefix("cohorts.")
            .and_then(|rest| rest.split_once('.'))
            .filter(|(_, f)| *f == "ratio")
            && let Some(c) = model.cohort_by_name(cohort)
            && model.counts.rows.contains_key(&c)
        {
            return Err(Error::input(
                ov.here(),
                format!(
                    "the cohort `{cohort}` has its own rows in the cohort counts, so its ratio is not used; override `cohorts.{cohort}.adjust` to scale it"
                ),
            ));
        }
        let change = if let Some(s) = &r.set {
            let v = crate::params::parse_decimal(&s.value)
                .map_err(|e| Error::input(ov.at(&s.referenced), e))?;
            unit.check(v)
                .map_err(|e| Error::input(ov.at(&s.referenced), format!("`{path}`: {e}")))?;
            Change::Set(v)
        } else if let Some(s) = &r.scale {
            if s.value.0.is_sign_negative() {
                return Err(Error::input(
                    ov.at(&s.referenced),
                    format!("`{path}`: a scale must be 0 or more, not {}", s.value.0),
                ));
            }
            Change::Scale(s.value.0)
        } else if let Some(vs) = &r.values {
            if let Some(x) = r.from.as_ref().or(r.until.as_ref()) {
                return Err(Error::input(
                    ov.at(&x.referenced),
                    format!(
                        "the override of `{path}` gives `values` and `from`/`until`; `values` carries its own dates, so leave out `from` and `until`"
                    ),
                ));
            }
            let mut out: Vec<(Date, Decimal)> = Vec::new();
            for (k, v) in &vs.value.0 {
                let d = date(k)?;
                unit.check(v.value.0).map_err(|e| {
                    Error::input(ov.at(&v.referenced), format!("`{path}` on {d}: {e}"))
                })?;
                if out.last().is_some_and(|(p, _)| *p >= d) {
                    return Err(Error::input(
                        ov.at(&k.referenced),
                        format!("`{path}`: list the dates once each, oldest first"),
                    ));
                }
                out.push((d, v.value.0));
            }
            if out.is_empty() {
                return Err(Error::input(
                    ov.at(&vs.referenced),
                    format!("`{path}`: `values` is empty"),
                ));
            }
            Change::Values(out)
        } else {
            let ix = &r.index.as_ref().expect("one kind is set").value;
            if !unit.is_money() {
                return Err(Error::input(
                    ov.here(),
                    format!(
                        "`{path}` is a {}; only money standards are indexed (for a share use `set`, `scale` or `values`)",
                        unit.name()
                    ),
                ));
            }
            if ix.rounding > 28 {
                return Err(Error::input(
                    ov.at(&r.index.as_ref().expect("one kind is set").referenced),
                    format!(
                        "`{path}`: `rounding: {}` asks for more decimals than fendan holds (28 at most)",
                        ix.rounding
                    ),
                ));
            }
            Change::Index {
                rate: ix.rate.0,
                rounding: ix.rounding,
            }
        };
        let origin = ov.origin();
        let what = match &change {
            Change::Set(v) => format!("set to {}", v.normalize()),
            Change::Scale(v) => format!("scaled by {}", v.normalize()),
            Change::Values(_) => "dated values given by the scenario".to_owned(),
            Change::Index { rate, rounding } => {
                format!(
                    "indexed by {} a year after the last published value, rounded to {rounding} decimals",
                    rate.normalize()
                )
            }
        };
        let p = model.params.get_mut(id);
        p.to_steps(years.first, years.last).map_err(|(y, v)| {
            Error::input(
                ov.here(),
                format!(
                    "`{path}` lies on a straight line whose {y} value is {v}, not a decimal, so it cannot be kept exactly as the dated steps an override changes; give all of its values with `values:`"
                ),
            )
        })?;
        // A value a scale or an index makes, exactly, or an error naming the date and
        // what does not fit (the unit's bound is checked on every new value below).
        let kind_at = match (&r.scale, &r.index) {
            (Some(x), _) => ov.at(&x.referenced),
            (_, Some(x)) => ov.at(&x.referenced),
            _ => ov.here(),
        };
        let not_decimal = |d: Date, what: String, e: NotDecimal| {
            Error::input(
                kind_at.clone(),
                match e {
                    NotDecimal::TooLarge => format!(
                        "`{path}` on {d} after this override: {what} is above {}, the largest {} value fendan accepts",
                        unit.max(),
                        unit.name()
                    ),
                    NotDecimal::TooManyDigits(exact) => format!(
                        "`{path}` on {d} after this override: {what} is {exact}, more digits than fendan holds exactly (28); round the factor"
                    ),
                },
            )
        };
        let first = p.values.first().map(|v| v.0).unwrap_or(run_start);
        let from = from.unwrap_or(first.min(run_start));
        let old = p.values.clone();
        let mut new: Vec<(Date, Decimal)> = Vec::new();
        let mut mark: Vec<Date> = Vec::new();
        match change {
            Change::Values(vs) => {
                let cut = vs[0].0;
                new.extend(old.iter().copied().filter(|(d, _)| *d < cut));
                mark.extend(vs.iter().map(|(d, _)| *d));
                new.extend(vs);
            }
            Change::Set(v) | Change::Scale(v) => {
                let scale = matches!(change, Change::Scale(_));
                let after = until.map(Date::succ);
                new.extend(old.iter().copied().filter(|(d, _)| *d < from));
                let at = |d: Date| -> Option<Decimal> {
                    let i = old.partition_point(|(x, _)| *x <= d);
                    (i > 0).then(|| old[i - 1].1)
                };
                let apply = |d: Date, x: Decimal| -> Result<Decimal> {
                    if scale {
                        exact::mul_decimal(x, v)
                            .map_err(|e| not_decimal(d, format!("{x} × {}", v.normalize()), e))
                    } else {
                        Ok(v)
                    }
                };
                if let Some(x) = at(from).or(if scale { None } else { Some(v) }) {
                    new.push((from, apply(from, x)?));
                    mark.push(from);
                }
                for (d, x) in old
                    .iter()
                    .copied()
                    .filter(|(d, _)| *d > from && after.is_none_or(|a| *d < a))
                {
                    if scale {
                        new.push((d, apply(d, x)?));
                        mark.push(d);
                    }
                }
                if let Some(a) = after {
                    if let Some(x) = at(a)
                        && !old.iter().any(|(d, _)| *d == a)
                    {
                        new.push((a, x));
                    }
                    new.extend(old.iter().copied().filter(|(d, _)| *d >= a));
                }
            }
            Change::Index { rate, rounding } => {
                // Each 1 January after the last published value (and not before `from`,
                // nor after `until`), the value grows by `rate`, rounded to `rounding` decimals.
                new = old.clone();
                let last = old.last().map(|v| v.0).unwrap_or(run_start);
                let begin = r
                    .from
                    .as_ref()
                    .map(|_| from)
                    .unwrap_or(run_start)
                    .max(last.succ());
                if begin > Date::new(years.last, 1, 1) || until.is_some_and(|u| u < begin) {
                    return Err(Error::input(
                        ov.here(),
                        format!(
                            "`{path}` has published values through {last}, so `index` (which only extends a parameter after its last published value) changes nothing in {}-{}; use `scale` to change published values",
                            years.first, years.last
                        ),
                    ));
                }
                for y in years.iter() {
                    let d = Date::new(y, 1, 1);
                    if d < begin || until.is_some_and(|u| d > u) {
                        continue;
                    }
                    let prev = new
                        .iter()
                        .rev()
                        .find(|(x, _)| *x < d)
                        .map(|v| v.1)
                        .unwrap_or_default();
                    let growth = Decimal::ONE.checked_add(rate).ok_or(NotDecimal::TooLarge);
                    let v = growth
                        .and_then(|g| exact::mul_round_decimal(prev, g, rounding))
                        .map_err(|e| {
                            let g = format!("(1 + {})", rate.normalize());
                            not_decimal(d, format!("{} × {g}", prev.normalize()), e)
                        })?;
                    // Stop at the first value out of range, before compounding further.
                    unit.check(v).map_err(|e| {
                        Error::input(
                            kind_at.clone(),
                            format!("`{path}` on {d} after this override: {e}"),
                        )
                    })?;
                    new.push((d, v));
                    mark.push(d);
                }
                new.sort_by_key(|v| v.0);
            }
        }
        for (d, v) in &new {
            unit.check(*v).map_err(|e| {
                Error::input(
                    ov.here(),
                    format!("`{path}` on {d} after this override: {e}"),
                )
            })?;
        }
        let note = r
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        p.values = new;
        for d in mark {
            p.overridden.insert(d, origin.clone());
            p.sources
                .insert(d, format!("scenario {origin}: {what}{note}"));
            p.assumptions.remove(&d);
        }
        p.last_override = Some(ov.here());
    }
    check_split_sums(model)
}

/// A date of an override (`from`, `until`, a key of `values`), which must lie in the run.
fn run_date(ov: &Override, s: &Spanned<String>, years: Years) -> Result<Date> {
    let run_start = Date::first_of(years.first, 1);
    let run_end = Date::new(years.last, 12, 31);
    let d =
        Date::parse_date_or_year(&s.value).map_err(|e| Error::input(ov.at(&s.referenced), e))?;
    if d < run_start || d > run_end {
        return Err(Error::input(
            ov.at(&s.referenced),
            format!(
                "{d} is outside the run ({}-{}); give a date between {run_start} and {run_end}",
                years.first, years.last
            ),
        ));
    }
    Ok(d)
}

/// An override's `from` and `until`, each in the run, `until` not before `from`.
fn window(ov: &Override, years: Years) -> Result<(Option<Date>, Option<Date>)> {
    let r = &ov.raw.value;
    let date = |s: &Spanned<String>| run_date(ov, s, years);
    let from = r.from.as_ref().map(date).transpose()?;
    let until = r.until.as_ref().map(date).transpose()?;
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        return Err(Error::input(
            ov.at(&r.until.as_ref().expect("checked").referenced),
            format!(
                "`until` {u} is before `from` {f}; the change holds from `from` through `until`, so give an `until` on or after {f}"
            ),
        ));
    }
    Ok((from, until))
}

fn unit_paths(model: &Model) -> Vec<String> {
    model
        .units
        .iter()
        .flat_map(|u| {
            ["fiscal_class", "poverty", "poverty_exit"].map(|f| format!("units.{}.{f}", u.code))
        })
        .collect()
}

fn apply_unit(model: &mut Model, ov: &Override) -> Result<()> {
    let r = &ov.raw.value;
    let path = r.path.value.as_str();
    let parts: Vec<&str> = path.split('.').collect();
    let unit = (parts.len() == 3)
        .then(|| model.unit_index(parts[1]))
        .flatten();
    const ATTRIBUTES: [&str; 3] = ["fiscal_class", "poverty", "poverty_exit"];
    let attribute = parts.get(2).copied().filter(|a| ATTRIBUTES.contains(a));
    let (Some(u), Some(_)) = (unit, attribute) else {
        let known = unit_paths(model);
        return Err(Error::input(
            ov.here(),
            format!(
                "`{path}` is not a unit attribute{}; unit paths are units.<code>.fiscal_class, .poverty and .poverty_exit",
                did_you_mean(path, known.iter().map(String::as_str))
            ),
        ));
    };
    let Some(set) = &r.set else {
        return Err(Error::input(
            ov.here(),
            format!("`{path}` is a unit attribute: change it with `set:`"),
        ));
    };
    if r.from.is_some() || r.until.is_some() {
        return Err(Error::input(
            ov.here(),
            format!("`{path}` holds for the whole run; leave out `from` and `until`"),
        ));
    }
    let v = set.value.as_str();
    let bad = |allowed: &str| {
        Error::input(
            ov.at(&set.referenced),
            format!("`{v}` is not a valid {}; expected {allowed}", parts[2]),
        )
    };
    let plan = &model.plan;
    let unit = &mut model.units[u];
    match parts[2] {
        "fiscal_class" => {
            unit.fiscal_class = plan
                .parse_class(v)
                .ok_or_else(|| bad(&plan.expected_classes()))?;
            unit.fiscal_class_assumed = false;
        }
        "poverty" => {
            unit.poverty = plan
                .parse_poverty(v)
                .ok_or_else(|| bad(&plan.expected_poverty()))?
        }
        _ => {
            unit.poverty_exit = match v {
                "none" | "" => None,
                d => Some(
                    d.parse()
                        .map_err(|e: String| Error::input(ov.at(&set.referenced), e))?,
                ),
            }
        }
    }
    Ok(())
}

/// After overrides, every share rule's local shares must still add up to one on every
/// date any of them changes.
fn check_split_sums(model: &Model) -> Result<()> {
    for rule in &model.rules {
        let SplitKind::Shares { local, .. } = &rule.kind else {
            continue;
        };
        for class in model.plan.class_ids() {
            let ids = local[class.index()];
            let mut dates: Vec<Date> = ids
                .iter()
                .flat_map(|id| model.params.get(*id).values.iter().map(|v| v.0))
                .collect();
            dates.sort();
            dates.dedup();
            for d in dates {
                let vals: Vec<Decimal> = ids
                    .iter()
                    .map(|id| model.params.get(*id).at(d).unwrap_or_default())
                    .collect();
                let sum: Decimal = vals.iter().sum();
                if sum != Decimal::ONE {
                    let culprit = ids
                        .iter()
                        .filter_map(|id| model.params.get(*id).last_override.clone())
                        .next()
                        .unwrap_or_else(|| rule.origin.clone());
                    return Err(Error::input(
                        culprit,
                        format!(
                            "after the overrides, the local shares of `{}` for `{}` units on {d} add up to {sum}, not 1 (province {} + city {} + county {}); override all three together",
                            rule.id,
                            model.plan.class(class).id,
                            vals[0],
                            vals[1],
                            vals[2]
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
