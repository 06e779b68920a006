//! How far an assumption can be trusted: a confidence grade and a plausible range.
//!
//! Every figure that is an assumption (it carries `assumption:` or a dated entry of
//! `assumptions:`) is graded `high`, `medium` or `low`, and may give the range its basis
//! supports. `fendan assumptions` moves each one over that range (±20 % when none is
//! given) with the sweep machinery and ranks them by the money at stake, so a reader sees
//! where better data would change the figures most.
//!
//! In a seed the grade sits next to the assumption it grades, in the same two forms as
//! `source`/`sources` and `assumption`/`assumptions`:
//!
//! ```yaml
//! assumption: basis of the figure ...
//! confidence: low                      # high | medium | low
//! range: {low: 500, high: 1000}        # plausible values (unit of the parameter)
//! assumptions: {2016-01-01: ...}
//! confidences: {2016-01-01: medium}    # per dated assumption (else `confidence:`)
//! ranges: {2016-01-01: {low: 0.8, high: 1.2, mode: scale}}   # factors on the values
//! ```
//!
//! A range with `mode: set` (the default) gives the plausible values themselves; it needs
//! the assumption to cover one dated value, since one value cannot stand for several. A
//! range with `mode: scale` gives factors on the assumed values.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::params::{Dec, Unit};

/// How much an assumption can be trusted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Confidence {
    /// A published figure used slightly outside its stated scope (another year, a
    /// neighbouring group), or a rule read in a secondary copy.
    High,
    /// A figure derived from published data by a stated method, or a recalled national
    /// rule that is widely reported.
    Medium,
    /// Our judgement, a recollection not checked, or a placeholder of the right order.
    Low,
}

impl Confidence {
    pub const ALL: [(Confidence, &'static str); 3] = [
        (Confidence::High, "high"),
        (Confidence::Medium, "medium"),
        (Confidence::Low, "low"),
    ];

    pub fn key(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Confidence::High => "高",
            Confidence::Medium => "中",
            Confidence::Low => "低",
        }
    }

    pub fn parse(text: &str) -> Option<Confidence> {
        Confidence::ALL
            .iter()
            .find(|(_, k)| *k == text)
            .map(|(c, _)| *c)
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The plausible range of an assumption: values (`scale == false`) or factors on the
/// assumed values (`scale == true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Range {
    pub low: Decimal,
    pub high: Decimal,
    pub scale: bool,
}

impl Range {
    /// ±20 %, the range of an assumption whose basis gives none.
    pub fn default_factors() -> Range {
        Range {
            low: Decimal::new(8, 1),
            high: Decimal::new(12, 1),
            scale: true,
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale {
            write!(f, "×{}–×{}", self.low.normalize(), self.high.normalize())
        } else {
            write!(f, "{}–{}", self.low.normalize(), self.high.normalize())
        }
    }
}

/// The grade of one assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grade {
    pub confidence: Confidence,
    /// The plausible range when the basis gives one (else ±20 % is used).
    pub range: Option<Range>,
}

/// `range:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    pub low: Spanned<Dec>,
    pub high: Spanned<Dec>,
    #[serde(default)]
    pub mode: Option<Spanned<String>>,
}

/// The grading fields of a parameter as written (see the module doc).
pub struct RawGrades<'a> {
    pub confidence: Option<&'a Spanned<String>>,
    pub confidences: &'a BTreeMap<String, Spanned<String>>,
    pub range: Option<&'a Spanned<RawRange>>,
    pub ranges: &'a BTreeMap<String, Spanned<RawRange>>,
}

/// Where a parameter's grading is checked: its path, unit, dated values and which of
/// them are assumptions, and a way to turn a YAML span into a location.
pub struct Ctx<'a> {
    pub path: &'a str,
    pub unit: Unit,
    pub values: &'a [(Date, Decimal)],
    /// Whether the parameter has a general `assumption:`.
    pub general: bool,
    /// The dates of its dated `assumptions:`.
    pub dated: Vec<Date>,
    /// The dates of its dated `sources:` (a value with its own source is not covered by
    /// the general assumption).
    pub cited: Vec<Date>,
    pub whole: Location,
    pub at: &'a dyn Fn(&serde_saphyr::Location) -> Location,
}

impl Ctx<'_> {
    /// Whether the value dated `d` is covered by the general assumption.
    fn general_covers(&self, d: Date) -> bool {
        self.general && !self.dated.contains(&d) && !self.cited.contains(&d)
    }
}

fn confidence(s: &Spanned<String>, ctx: &Ctx) -> Result<Confidence> {
    Confidence::parse(&s.value).ok_or_else(|| {
        Error::input(
            (ctx.at)(&s.referenced),
            format!(
                "`{}` is not a confidence grade (`{}`); use high, medium or low",
                s.value, ctx.path
            ),
        )
    })
}

fn range(r: &Spanned<RawRange>, ctx: &Ctx, single_value: bool) -> Result<Range> {
    let scale = match &r.value.mode {
        None => false,
        Some(m) if m.value == "set" => false,
        Some(m) if m.value == "scale" => true,
        Some(m) => {
            return Err(Error::input(
                (ctx.at)(&m.referenced),
                format!(
                    "`{}` is not a range mode; use `set` (the plausible values) or `scale` (factors on the assumed values)",
                    m.value
                ),
            ));
        }
    };
    let (low, high) = (r.value.low.value.0, r.value.high.value.0);
    if low > high {
        return Err(Error::input(
            (ctx.at)(&r.referenced),
            format!(
                "the range of `{}` runs from {low} down to {high}; give the low end first",
                ctx.path
            ),
        ));
    }
    for (x, span) in [(low, &r.value.low), (high, &r.value.high)] {
        let check = if scale {
            Unit::Ratio.check(x)
        } else {
            ctx.unit.check(x)
        };
        check.map_err(|e| {
            Error::input(
                (ctx.at)(&span.referenced),
                format!("the range of `{}`: {e}", ctx.path),
            )
        })?;
    }
    if !scale && !single_value {
        return Err(Error::input(
            (ctx.at)(&r.referenced),
            format!(
                "the range of `{}` gives values, but its assumption covers several dated values; give factors instead (`mode: scale`) or grade each dated value under `ranges:`",
                ctx.path
            ),
        ));
    }
    Ok(Range { low, high, scale })
}

/// Check a parameter's grading and build its grades: the general one (for the values
/// the general `assumption:` covers) and one per dated assumption.
pub fn build(raw: &RawGrades<'_>, ctx: &Ctx) -> Result<(Option<Grade>, BTreeMap<Date, Grade>)> {
    let date = |k: &str, loc: &Location| -> Result<Date> {
        let d: Date = k
            .parse()
            .map_err(|e: String| Error::input(loc.clone(), e))?;
        if !ctx.dated.contains(&d) {
            return Err(Error::input(
                loc.clone(),
                format!(
                    "`{}` grades {d}, but has no dated assumption for {d}; grade the general assumption with `confidence:`",
                    ctx.path
                ),
            ));
        }
        Ok(d)
    };
    let general_dates: Vec<Date> = ctx
        .values
        .iter()
        .map(|(d, _)| *d)
        .filter(|d| ctx.general_covers(*d))
        .collect();
    // The general assumption's values, in runs of consecutive values: an absolute range
    // needs every run to hold one value.
    let mut runs: Vec<usize> = Vec::new();
    let mut open = false;
    for (d, _) in ctx.values {
        if ctx.general_covers(*d) {
            if open {
                *runs.last_mut().expect("an open run") += 1;
            } else {
                runs.push(1);
                open = true;
            }
        } else {
            open = false;
        }
    }
    let general = match &raw.confidence {
        Some(c) => {
            if !ctx.general && ctx.dated.is_empty() {
                return Err(Error::input(
                    (ctx.at)(&c.referenced),
                    format!(
                        "`confidence:` grades an assumption, but `{}` has no general `assumption:`",
                        ctx.path
                    ),
                ));
            }
            let r = raw
                .range
                .map(|r| range(r, ctx, runs.iter().all(|n| *n == 1)))
                .transpose()?;
            Some(Grade {
                confidence: confidence(c, ctx)?,
                range: r,
            })
        }
        None => {
            if let Some(r) = raw.range {
                return Err(Error::input(
                    (ctx.at)(&r.referenced),
                    format!(
                        "`{}` gives a `range:` but no `confidence:`; grade the assumption high, medium or low",
                        ctx.path
                    ),
                ));
            }
            if ctx.general && !general_dates.is_empty() {
                return Err(Error::input(
                    ctx.whole.clone(),
                    format!(
                        "`{}` is an assumption but has no `confidence:`; grade it high, medium or low (and give `range:` if its basis has one)",
                        ctx.path
                    ),
                ));
            }
            None
        }
    };
    let mut dated = BTreeMap::new();
    for (k, c) in raw.confidences {
        let d = date(k, &(ctx.at)(&c.referenced))?;
        dated.insert(
            d,
            Grade {
                confidence: confidence(c, ctx)?,
                range: None,
            },
        );
    }
    for (k, r) in raw.ranges {
        let d = date(k, &(ctx.at)(&r.referenced))?;
        let built = range(r, ctx, true)?;
        match dated.get_mut(&d) {
            Some(g) => g.range = Some(built),
            None => match general {
                Some(g) => {
                    dated.insert(
                        d,
                        Grade {
                            confidence: g.confidence,
                            range: Some(built),
                        },
                    );
                }
                None => {
                    return Err(Error::input(
                        (ctx.at)(&r.referenced),
                        format!(
                            "`{}` gives a range for {d} but no confidence for it; add it under `confidences:`",
                            ctx.path
                        ),
                    ));
                }
            },
        }
    }
    for d in &ctx.dated {
        if !dated.contains_key(d) {
            match general {
                Some(g) => {
                    dated.insert(
                        *d,
                        Grade {
                            confidence: g.confidence,
                            range: None,
                        },
                    );
                }
                None => {
                    return Err(Error::input(
                        ctx.whole.clone(),
                        format!(
                            "the assumption of `{}` for {d} has no confidence grade; add it under `confidences:` (or a `confidence:` for all)",
                            ctx.path
                        ),
                    ));
                }
            }
        }
    }
    Ok((general, dated))
}

/// The grades of a split rule's versions: a version with an `assumption:` is graded
/// with `confidence:` (and may give `range:` for its central share); `assumed:` says
/// whether the assumption covers the central share, the local shares or both.
#[derive(Debug, Default)]
pub struct SplitGrades {
    /// Per version date: (covers central, covers local, grade).
    versions: BTreeMap<Date, (bool, bool, Grade)>,
}

impl SplitGrades {
    /// Check and record one version's grading.
    #[allow(clippy::too_many_arguments)]
    pub fn version(
        &mut self,
        src: &crate::load::Source,
        whole: &Location,
        rule: &str,
        from: Date,
        has_assumption: bool,
        conf: Option<&Spanned<String>>,
        range: Option<&Spanned<RawRange>>,
        assumed: Option<&Spanned<String>>,
    ) -> Result<()> {
        let at =
            |loc: &serde_saphyr::Location| crate::params::span_location(&src.name, &src.text, loc);
        let path = format!("splits.{rule}.central");
        if !has_assumption {
            let stray = conf
                .map(|c| c.referenced)
                .or(range.map(|r| r.referenced))
                .or(assumed.map(|a| a.referenced));
            if let Some(loc) = stray {
                return Err(Error::input(
                    at(&loc),
                    format!(
                        "the version of `{rule}` from {from} grades an assumption, but has no `assumption:`"
                    ),
                ));
            }
            return Ok(());
        }
        let Some(c) = conf else {
            return Err(Error::input(
                whole.clone(),
                format!(
                    "the version of `{rule}` from {from} is an assumption but has no `confidence:`; grade it high, medium or low"
                ),
            ));
        };
        let (central, local) = match assumed.map(|a| (a.value.as_str(), a)) {
            None | Some(("both", _)) => (true, true),
            Some(("central", _)) => (true, false),
            Some(("local", _)) => (false, true),
            Some((other, a)) => {
                return Err(Error::input(
                    at(&a.referenced),
                    format!(
                        "`{other}` is not what an assumption of a split can cover; use central, local or both"
                    ),
                ));
            }
        };
        let ctx = Ctx {
            path: &path,
            unit: Unit::Share,
            values: &[(from, Decimal::ZERO)],
            general: true,
            dated: Vec::new(),
            cited: Vec::new(),
            whole: whole.clone(),
            at: &at,
        };
        if let Some(r) = range
            && !central
        {
            return Err(Error::input(
                at(&r.referenced),
                format!(
                    "the version of `{rule}` from {from} gives a range for its central share, but its assumption covers only the local shares"
                ),
            ));
        }
        let confidence = confidence(c, &ctx)?;
        let range = range.map(|r| self::range(r, &ctx, true)).transpose()?;
        self.versions
            .insert(from, (central, local, Grade { confidence, range }));
        Ok(())
    }

    /// The versions' assumptions that cover the central share (`central`) or the local ones.
    pub fn assumptions(
        &self,
        all: &BTreeMap<Date, String>,
        central: bool,
    ) -> BTreeMap<Date, String> {
        all.iter()
            .filter(|(d, _)| self.covers(**d, central))
            .map(|(d, a)| (*d, a.clone()))
            .collect()
    }

    /// The grades of the central share (with its range) or of a local one.
    pub fn grades(&self, central: bool) -> BTreeMap<Date, Grade> {
        self.versions
            .iter()
            .filter(|(d, _)| self.covers(**d, central))
            .map(|(d, (_, _, g))| {
                (
                    *d,
                    Grade {
                        confidence: g.confidence,
                        range: if central { g.range } else { None },
                    },
                )
            })
            .collect()
    }

    fn covers(&self, d: Date, central: bool) -> bool {
        self.versions
            .get(&d)
            .is_some_and(|(c, l, _)| if central { *c } else { *l })
    }
}
