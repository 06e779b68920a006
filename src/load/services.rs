//! The services files: each service of Annex 1 with its components — cohort, standard,
//! coverage, split rule and eligibility — resolved against the cohorts and rules.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Source;
use super::cohorts::RawCohort;
use super::yaml::at;
use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::params::{Param, ParamTree, RawParam, Unit as PUnit, build_param};
use crate::suggest::did_you_mean;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServicesFile {
    #[serde(default)]
    pub(super) cohorts: BTreeMap<String, Spanned<RawCohort>>,
    pub(super) services: Vec<Spanned<RawService>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    pub(super) id: Spanned<u32>,
    pub(super) domain: Spanned<String>,
    pub(super) name: Text,
    pub(super) beneficiaries: Text,
    pub(super) responsibility: Text,
    pub(super) lead: Vec<String>,
    pub(super) budget_class: Spanned<String>,
    pub(super) source: String,
    pub(super) components: Vec<Spanned<RawComponent>>,
    /// `overlap: {service: N, zh: ..., en: ...}`: this service overlaps service N.
    #[serde(default)]
    pub(super) overlap: Option<Spanned<RawOverlap>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOverlap {
    service: u32,
    zh: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComponent {
    id: Spanned<String>,
    name: Text,
    cohort: Spanned<String>,
    standard: Spanned<RawParam>,
    #[serde(default)]
    days: Option<Spanned<RawParam>>,
    #[serde(default)]
    coverage: Option<Spanned<RawParam>>,
    split: Spanned<String>,
    #[serde(default)]
    eligible: Option<Spanned<RawEligible>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEligible {
    #[serde(default)]
    poverty: Vec<String>,
    #[serde(default)]
    kind: Vec<String>,
    #[serde(default)]
    fiscal_class: Vec<String>,
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    poverty_listed: Vec<String>,
}

pub(super) fn build_service(
    src: &Source,
    raw: Spanned<RawService>,
    plan: &Plan,
    cohorts: &[Cohort],
    rules: &[SplitRule],
    classes: &[BudgetClass],
    params: &mut ParamTree,
) -> Result<Service> {
    let s = raw.value;
    let sid = s.id.value;
    let domain = plan.parse_domain(&s.domain.value).ok_or_else(|| {
        let names: Vec<&str> = plan.domains.iter().map(|d| d.id.as_str()).collect();
        Error::input(
            at(src, &s.domain.referenced),
            format!(
                "`{}` is not a domain; expected one of {}",
                s.domain.value,
                names.join(", ")
            ),
        )
    })?;
    if !classes.iter().any(|c| c.code == s.budget_class.value) {
        return Err(Error::input(
            at(src, &s.budget_class.referenced),
            format!(
                "`{}` is not a budget class listed in budget_classes.csv",
                s.budget_class.value
            ),
        ));
    }
    if s.components.is_empty() {
        return Err(Error::input(
            at(src, &raw.referenced),
            format!("service {sid} has no components; every service must be costed"),
        ));
    }
    let mut components: Vec<Component> = Vec::new();
    for rc in s.components {
        let c = rc.value;
        let cid = c.id.value.clone();
        if components.iter().any(|x| x.id == cid) {
            return Err(Error::input(
                at(src, &c.id.referenced),
                format!("service {sid} has two components called `{cid}`"),
            ));
        }
        let base = format!("services.{sid}.{cid}");
        let cohort = cohorts.iter().position(|x| x.id == c.cohort.value).ok_or_else(|| {
            Error::input(
                at(src, &c.cohort.referenced),
                format!(
                    "`{}` is not a cohort{}; cohorts are defined in cohorts.yaml or under `cohorts:` in a services file",
                    c.cohort.value,
                    did_you_mean(&c.cohort.value, cohorts.iter().map(|x| x.id.as_str()))
                ),
            )
        })?;
        let money = [PUnit::YuanPerYear, PUnit::YuanPerMonth, PUnit::YuanPerDay];
        let standard = build_param(
            &c.standard,
            &format!("{base}.standard"),
            Some(&money),
            &src.name,
            &src.text,
        )?;
        let per_day = standard.unit == PUnit::YuanPerDay;
        let days = match (&c.days, per_day) {
            (Some(d), true) => Some(params.insert(build_param(
                d,
                &format!("{base}.days"),
                Some(&[PUnit::DaysPerYear]),
                &src.name,
                &src.text,
            )?)?),
            (None, false) => None,
            (None, true) => {
                return Err(Error::input(
                    at(src, &c.standard.referenced),
                    format!(
                        "`{base}.standard` is in yuan_per_day, so the component needs `days:` (days_per_year) to annualise it"
                    ),
                ));
            }
            (Some(d), false) => {
                return Err(Error::input(
                    at(src, &d.referenced),
                    format!("`{base}.days` is only used with a yuan_per_day standard"),
                ));
            }
        };
        let standard = params.insert(standard)?;
        let coverage = match &c.coverage {
            Some(cv) => build_param(
                cv,
                &format!("{base}.coverage"),
                Some(&[PUnit::Share]),
                &src.name,
                &src.text,
            )?,
            None => Param {
                origin: at(src, &rc.referenced),
                ..Param::constant(
                    &format!("{base}.coverage"),
                    PUnit::Share,
                    Date::new(1900, 1, 1),
                    Decimal::ONE,
                    "default: the whole cohort is covered",
                )
            },
        };
        let coverage = params.insert(coverage)?;
        let split = rules
            .iter()
            .position(|r| r.id == c.split.value)
            .ok_or_else(|| {
                Error::input(
                    at(src, &c.split.referenced),
                    format!(
                        "`{}` is not a split rule{}",
                        c.split.value,
                        did_you_mean(&c.split.value, rules.iter().map(|r| r.id.as_str()))
                    ),
                )
            })?;
        if let SplitKind::BaseTopup { base, .. } = rules[split].kind {
            let bu = params.get(base).unit;
            let su = params.get(standard).unit;
            if bu != su {
                return Err(Error::input(
                    at(src, &c.split.referenced),
                    format!(
                        "the rule `{}` has its base in {}, but this standard is in {}; they must match",
                        c.split.value,
                        bu.name(),
                        su.name()
                    ),
                ));
            }
        }
        let eligible = match &c.eligible {
            None => Eligibility::default(),
            Some(e) => build_eligibility(src, e, plan)?,
        };
        components.push(Component {
            id: cid,
            name: c.name,
            cohort: CohortId(cohort as u32),
            standard,
            days,
            coverage,
            split: RuleId(split as u32),
            eligible,
            origin: at(src, &rc.referenced),
        });
    }
    Ok(Service {
        id: sid,
        domain,
        name: s.name,
        beneficiaries: s.beneficiaries,
        responsibility: s.responsibility,
        lead: s.lead,
        budget_class: s.budget_class.value,
        source: s.source,
        components,
        overlap: s.overlap.map(|o| crate::model::Overlap {
            service: o.value.service,
            note: Text {
                zh: o.value.zh,
                en: o.value.en,
            },
        }),
        origin: at(src, &raw.referenced),
    })
}

pub(super) fn build_eligibility(
    src: &Source,
    e: &Spanned<RawEligible>,
    plan: &Plan,
) -> Result<Eligibility> {
    let loc = at(src, &e.referenced);
    let bad = |what: &str, v: &str, allowed: &str| {
        Error::input(
            loc.clone(),
            format!("`{v}` is not a {what}; expected {allowed}"),
        )
    };
    Ok(Eligibility {
        poverty: e
            .value
            .poverty
            .iter()
            .map(|p| {
                plan.parse_poverty(p)
                    .ok_or_else(|| bad("poverty status", p, &plan.expected_poverty()))
            })
            .collect::<Result<_>>()?,
        kind: e
            .value
            .kind
            .iter()
            .map(|k| {
                plan.parse_kind(k)
                    .ok_or_else(|| bad("unit kind", k, &plan.expected_kinds()))
            })
            .collect::<Result<_>>()?,
        fiscal_class: e
            .value
            .fiscal_class
            .iter()
            .map(|k| {
                plan.parse_class(k)
                    .ok_or_else(|| bad("fiscal class", k, &plan.expected_classes()))
            })
            .collect::<Result<_>>()?,
        units: e.value.units.clone(),
        poverty_listed: e
            .value
            .poverty_listed
            .iter()
            .map(|p| {
                plan.parse_poverty(p)
                    .ok_or_else(|| bad("poverty status", p, &plan.expected_poverty()))
            })
            .collect::<Result<_>>()?,
    })
}

pub(super) fn check_service_ids(files: &[(&Source, Vec<Spanned<RawService>>)]) -> Result<()> {
    let mut seen: HashMap<u32, Location> = HashMap::new();
    for (src, services) in files {
        for s in services {
            let here = at(src, &s.value.id.referenced);
            if let Some(first) = seen.get(&s.value.id.value) {
                return Err(Error::input(
                    here,
                    format!(
                        "service {} is defined twice (first at {}:{}); 序号 must be unique",
                        s.value.id.value, first.file, first.line
                    ),
                ));
            }
            seen.insert(s.value.id.value, here);
        }
    }
    Ok(())
}
