//! Reading parameters from YAML: a parameter as written in a seed or scenario file
//! (`RawParam`, its dated values), checked and resolved into a [`Param`], and the
//! location of a YAML span in its text for the errors.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use super::{Dec, Param, Unit};
use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::grade::{RawGrades, RawRange};

/// A parameter as written in a seed or scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    pub unit: Spanned<String>,
    pub values: Spanned<DatedValues>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
    #[serde(default)]
    pub assumption: Option<String>,
    #[serde(default)]
    pub assumptions: BTreeMap<String, String>,
    #[serde(default)]
    pub interpolate: Option<Spanned<String>>,
    /// Grades of the assumptions (see [`crate::grade`]).
    #[serde(default)]
    pub confidence: Option<Spanned<String>>,
    #[serde(default)]
    pub confidences: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub range: Option<Spanned<RawRange>>,
    #[serde(default)]
    pub ranges: BTreeMap<String, Spanned<RawRange>>,
}

/// `date: value` pairs in file order, each with its location.
#[derive(Debug, Default)]
pub struct DatedValues(pub Vec<(Spanned<String>, Spanned<Dec>)>);

impl<'de> Deserialize<'de> for DatedValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DatedValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of effective dates to values, e.g. {2016-01-01: 685}")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<DatedValues, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<Spanned<Dec>>()?;
                    out.push((key, value));
                }
                Ok(DatedValues(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Where a serde-saphyr span points, as one of our locations.
///
/// The span's byte offset finds the line in the text directly (the line's length, not
/// the text's): loading the plan locates every parameter, so a scan of the text from its
/// start for each would make loading quadratic in the file's size. The offset is trusted
/// only if it lands on the span's column; otherwise the line is found by counting.
pub fn span_location(file: &str, text: &str, loc: &serde_saphyr::Location) -> Location {
    let (line, column) = (loc.line() as usize, loc.column() as usize);
    let offset = loc.span().byte_offset().map(|o| o as usize);
    if let Some(offset) = offset.filter(|&o| o <= text.len() && text.is_char_boundary(o)) {
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        if text[start..offset].chars().count() + 1 == column {
            let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
            let mut snippet = &text[start..end];
            if end < text.len() {
                // As `str::lines` reads it: a `\r` is dropped only before a `\n`.
                snippet = snippet.strip_suffix('\r').unwrap_or(snippet);
            }
            return Location {
                file: file.to_owned(),
                line,
                column: column.max(1),
                snippet: Some(snippet.to_owned()),
            };
        }
    }
    Location::in_text(file, text, line, column)
}

/// Turn a raw parameter into a checked [`Param`]; `want` restricts the unit when the
/// place the parameter sits in requires one (e.g. a coverage must be a share).
pub fn build_param(
    raw: &Spanned<RawParam>,
    path: &str,
    want: Option<&[Unit]>,
    file: &str,
    text: &str,
) -> Result<Param> {
    let r = &raw.value;
    let at = |loc: &serde_saphyr::Location| span_location(file, text, loc);
    let unit = Unit::parse(&r.unit.value).ok_or_else(|| {
        let names: Vec<&str> = Unit::ALL.iter().map(|(_, n)| *n).collect();
        Error::input(
            at(&r.unit.referenced),
            format!(
                "`{}` is not a unit fendan knows (`{path}`); use one of: {}",
                r.unit.value,
                names.join(", ")
            ),
        )
    })?;
    if let Some(allowed) = want
        && !allowed.contains(&unit)
    {
        let names: Vec<&str> = allowed.iter().map(|u| u.name()).collect();
        return Err(Error::input(
            at(&r.unit.referenced),
            format!(
                "`{path}` must be in {}, not {}",
                names.join(" or "),
                unit.name()
            ),
        ));
    }
    if r.values.value.0.is_empty() {
        return Err(Error::input(
            at(&r.values.referenced),
            format!("`{path}` has no dated values"),
        ));
    }
    let mut values: Vec<(Date, Decimal)> = Vec::with_capacity(r.values.value.0.len());
    for (key, value) in &r.values.value.0 {
        let date: Date = key
            .value
            .parse()
            .map_err(|e: String| Error::input(at(&key.referenced), e))?;
        unit.check(value.value.0)
            .map_err(|e| Error::input(at(&value.referenced), format!("`{path}` on {date}: {e}")))?;
        if let Some(&(prev, _)) = values.last()
            && prev >= date
        {
            return Err(Error::input(
                at(&key.referenced),
                format!(
                    "`{path}`: the date {date} is listed after {prev}; list dated values once each, oldest first"
                ),
            ));
        }
        values.push((date, value.value.0));
    }
    let interpolate = match &r.interpolate {
        None => false,
        Some(s) if s.value == "linear" => true,
        Some(s) => {
            return Err(Error::input(
                at(&s.referenced),
                format!(
                    "`{}` is not an interpolation fendan knows; the only one is `linear`",
                    s.value
                ),
            ));
        }
    };
    let dated_notes =
        |notes: &BTreeMap<String, String>, what: &str| -> Result<BTreeMap<Date, String>> {
            notes
                .iter()
                .map(|(k, v)| {
                    let d: Date = k
                        .parse()
                        .map_err(|e: String| Error::input(at(&raw.referenced), e))?;
                    if !values.iter().any(|(vd, _)| *vd == d) {
                        return Err(Error::input(
                            at(&raw.referenced),
                            format!("`{path}` has {what} for {d}, but no value dated {d}"),
                        ));
                    }
                    Ok((d, v.clone()))
                })
                .collect()
        };
    let sources = dated_notes(&r.sources, "a source")?;
    let assumptions = dated_notes(&r.assumptions, "an assumption")?;
    let source = match (&r.source, sources.is_empty()) {
        (Some(s), _) => s.clone(),
        (None, false) => String::new(),
        (None, true) => {
            return Err(Error::input(
                at(&raw.referenced),
                format!("`{path}` has no `source:`; every figure must say where it comes from"),
            ));
        }
    };
    let (grade, grades) = crate::grade::build(
        &RawGrades {
            confidence: r.confidence.as_ref(),
            confidences: &r.confidences,
            range: r.range.as_ref(),
            ranges: &r.ranges,
        },
        &crate::grade::Ctx {
            path,
            unit,
            values: &values,
            general: r.assumption.is_some(),
            dated: assumptions.keys().copied().collect(),
            cited: sources.keys().copied().collect(),
            whole: at(&raw.referenced),
            at: &at,
        },
    )?;
    Ok(Param {
        path: path.to_owned(),
        unit,
        values,
        interpolate,
        source,
        sources,
        assumption: r.assumption.clone(),
        assumptions,
        grade,
        grades,
        origin: at(&raw.referenced),
        overridden: BTreeMap::new(),
        last_override: None,
    })
}
