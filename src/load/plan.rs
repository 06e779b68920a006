//! `plan.yaml`: the plan's identity and lists (see [`crate::plan`]), checked: ids are
//! unique and lower-case ASCII, a list the code indexes is not empty and not too long,
//! the code rule names lengths, and an alternative class is a class of the plan.

use std::collections::HashSet;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Source;
use super::yaml::{at, parse_yaml};
use crate::engine::Years;
use crate::error::{Error, Result};
use crate::model::Text;
use crate::plan::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlanFile {
    plan: RawIdentity,
    years: Spanned<RawYears>,
    units: RawUnits,
    domains: Spanned<Vec<Spanned<RawCategory>>>,
    fiscal_classes: Spanned<Vec<Spanned<RawCategory>>>,
    #[serde(default)]
    poverty: Vec<Spanned<RawCategory>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    name: Text,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issuer: String,
    place: Text,
    title: Text,
    #[serde(default)]
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYears {
    first: i32,
    last: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnits {
    code: Spanned<RawCode>,
    population: Spanned<String>,
    #[serde(default)]
    assumed_class: String,
    kinds: Spanned<Vec<Spanned<RawKind>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    digits: Lengths,
    #[serde(default)]
    standard: String,
}

/// `digits: 6` or `digits: [4, 9]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Lengths {
    One(u8),
    Many(Vec<u8>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: Spanned<String>,
    name: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    id: Spanned<String>,
    name: Text,
    #[serde(default)]
    urban: bool,
    #[serde(default)]
    if_assumed: Option<RawAlternative>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlternative {
    class: Spanned<String>,
    why: String,
}

/// Ids are written in files and paths (`splits.<rule>.local.<class>.county`): lower-case
/// ASCII letters, digits and `_`, not `all` or `none` (keywords), each once per list.
fn check_ids<'a>(
    src: &Source,
    what: &str,
    ids: impl Iterator<Item = &'a Spanned<String>>,
) -> Result<()> {
    let mut seen = HashSet::new();
    for id in ids {
        let v = id.value.as_str();
        let bad = if v.is_empty()
            || !v
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            Some(format!(
                "`{v}` cannot be the id of a {what}: use lower-case letters, digits and `_`"
            ))
        } else if v == "all" || v == "none" {
            Some(format!(
                "`{v}` cannot be the id of a {what}: it is a keyword (`all` stands for every fiscal class, `none` for no poverty list)"
            ))
        } else if !seen.insert(v) {
            Some(format!("the {what} `{v}` is listed twice"))
        } else {
            None
        };
        if let Some(message) = bad {
            return Err(Error::input(at(src, &id.referenced), message));
        }
    }
    Ok(())
}

/// The most entries a list may have: ids are one byte.
const MAX_ENTRIES: usize = 255;

fn categories(src: &Source, what: &str, list: &[Spanned<RawCategory>]) -> Result<Vec<Category>> {
    check_ids(src, what, list.iter().map(|c| &c.value.id))?;
    if let Some(c) = list.get(MAX_ENTRIES) {
        return Err(Error::input(
            at(src, &c.referenced),
            format!(
                "a plan has at most {MAX_ENTRIES} of each list; this is {what} {}",
                MAX_ENTRIES + 1
            ),
        ));
    }
    Ok(list
        .iter()
        .map(|c| Category {
            id: c.value.id.value.clone(),
            name: c.value.name.clone(),
        })
        .collect())
}

/// Read and check `plan.yaml`.
pub fn load_plan(src: &Source) -> Result<Plan> {
    let raw: RawPlanFile = parse_yaml(src)?;
    let y = &raw.years;
    if y.value.first > y.value.last || y.value.first < 1900 || y.value.last > 2200 {
        return Err(Error::input(
            at(src, &y.referenced),
            format!(
                "the years {}-{} are not a range fendan can run; give first ≤ last, e.g. {{first: 2021, last: 2025}}",
                y.value.first, y.value.last
            ),
        ));
    }
    let domains = categories(src, "domain", &raw.domains.value)?;
    let classes = categories(src, "fiscal class", &raw.fiscal_classes.value)?;
    let poverty = categories(src, "poverty list", &raw.poverty)?;
    for (list, what, span) in [
        (&domains, "domains", &raw.domains.referenced),
        (&classes, "fiscal classes", &raw.fiscal_classes.referenced),
    ] {
        if list.is_empty() {
            return Err(Error::input(
                at(src, span),
                format!("a plan needs at least one of its {what}"),
            ));
        }
    }
    let kinds_raw = &raw.units.kinds;
    check_ids(
        src,
        "unit kind",
        kinds_raw.value.iter().map(|k| &k.value.id),
    )?;
    if kinds_raw.value.is_empty() || kinds_raw.value.len() > MAX_ENTRIES {
        return Err(Error::input(
            at(src, &kinds_raw.referenced),
            format!("a plan needs 1 to {MAX_ENTRIES} unit kinds"),
        ));
    }
    let mut kinds = Vec::new();
    for k in &kinds_raw.value {
        let if_assumed = match &k.value.if_assumed {
            None => None,
            Some(a) => Some(Alternative {
                class: classes
                    .iter()
                    .position(|c| c.id == a.class.value)
                    .map(|i| FiscalClassId(i as u8))
                    .ok_or_else(|| {
                        Error::input(
                            at(src, &a.class.referenced),
                            format!(
                                "`{}` is not a fiscal class of this plan; expected {}",
                                a.class.value,
                                Plan::expected(classes.iter().map(|c| &c.id))
                            ),
                        )
                    })?,
                why: a.why.clone(),
            }),
        };
        kinds.push(UnitKind {
            id: k.value.id.value.clone(),
            name: k.value.name.clone(),
            urban: k.value.urban,
            if_assumed,
        });
    }
    let code = &raw.units.code;
    let mut lengths = match &code.value.digits {
        Lengths::One(n) => vec![*n],
        Lengths::Many(v) => v.clone(),
    };
    lengths.sort_unstable();
    lengths.dedup();
    if lengths.is_empty() || lengths.iter().any(|n| !(1..=32).contains(n)) {
        return Err(Error::input(
            at(src, &code.referenced),
            "`digits:` gives the length of a unit code, 1 to 32 digits (e.g. `digits: 6`, or `digits: [4, 9]`)",
        ));
    }
    let i = raw.plan;
    Ok(Plan {
        identity: Identity {
            name: i.name,
            number: i.number,
            issuer: i.issuer,
            place: i.place,
            title: i.title,
        },
        source: i.source,
        years: Years {
            first: y.value.first,
            last: y.value.last,
        },
        code: CodeRule {
            lengths,
            standard: code.value.standard.clone(),
        },
        population: raw.units.population.value.clone(),
        population_at: at(src, &raw.units.population.referenced),
        assumed_class_basis: raw.units.assumed_class,
        domains,
        classes,
        poverty,
        kinds,
    })
}
