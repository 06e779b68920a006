//! Cohorts: who a service is for (`cohorts.yaml` and the `cohorts:` of a services
//! file), each counted from data or derived from another by a dated ratio; derivation
//! chains are resolved and checked for cycles here.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::yaml::at;
use super::{Source, index_of};
use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::params::{Param, ParamTree, RawParam, Unit as PUnit, build_param};
use crate::suggest::did_you_mean;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCohort {
    name: Text,
    unit: Spanned<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    derived: Option<RawDerived>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDerived {
    from: Spanned<String>,
    ratio: Spanned<RawParam>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCohortsFile {
    pub(super) cohorts: BTreeMap<String, Spanned<RawCohort>>,
}

pub(super) fn build_cohorts(
    raw: &[(&Source, String, Spanned<RawCohort>)],
    params: &mut ParamTree,
) -> Result<Vec<Cohort>> {
    let mut cohorts: Vec<Cohort> = Vec::new();
    let mut seen: HashMap<&str, Location> = HashMap::new();
    for (src, id, rc) in raw {
        let origin = at(src, &rc.referenced);
        if let Some(first) = seen.get(id.as_str()) {
            return Err(Error::input(
                origin,
                format!(
                    "the cohort `{id}` is defined twice (first at {}:{}); cohort ids are global",
                    first.file, first.line
                ),
            ));
        }
        seen.insert(id, origin.clone());
        let unit = match rc.value.unit.value.as_str() {
            "persons" => CohortUnit::Persons,
            "places" => CohortUnit::Places,
            "households" => CohortUnit::Households,
            other => {
                return Err(Error::input(
                    at(src, &rc.value.unit.referenced),
                    format!(
                        "`{other}` is not a cohort unit; expected persons, places or households"
                    ),
                ));
            }
        };
        let adjust = params.insert(Param {
            origin: origin.clone(),
            ..Param::constant(
                &format!("cohorts.{id}.adjust"),
                PUnit::Ratio,
                Date::new(1900, 1, 1),
                Decimal::ONE,
                "default: no adjustment (a scenario may scale the cohort here)",
            )
        })?;
        cohorts.push(Cohort {
            id: id.clone(),
            name: rc.value.name.clone(),
            unit,
            source: rc.value.source.clone().unwrap_or_default(),
            derived: None,
            adjust,
            origin,
        });
    }
    // Resolve derivations now that every id is known.
    for (src, id, rc) in raw {
        let Some(d) = &rc.value.derived else { continue };
        let from = cohorts
            .iter()
            .position(|c| c.id == d.from.value)
            .ok_or_else(|| {
                Error::input(
                    at(src, &d.from.referenced),
                    format!(
                        "the cohort `{id}` is derived from `{}`, which is not a cohort{}",
                        d.from.value,
                        did_you_mean(&d.from.value, cohorts.iter().map(|c| c.id.as_str()))
                    ),
                )
            })?;
        let path = format!("cohorts.{id}.ratio");
        let p = build_param(
            &d.ratio,
            &path,
            Some(&[PUnit::Ratio, PUnit::Share]),
            &src.name,
            &src.text,
        )?;
        let pid = params.insert(p)?;
        let me = index_of(&cohorts, id);
        cohorts[me].derived = Some((CohortId(from as u32), pid));
    }
    // No cycles: follow each chain of `from` links.
    for start in 0..cohorts.len() {
        let mut seen = HashSet::new();
        let mut cur = start;
        while let Some((from, _)) = cohorts[cur].derived {
            if !seen.insert(cur) {
                return Err(Error::input(
                    cohorts[start].origin.clone(),
                    format!(
                        "the cohort `{}` is derived from itself through a cycle of `from:` links",
                        cohorts[start].id
                    ),
                ));
            }
            cur = from.0 as usize;
        }
    }
    Ok(cohorts)
}
