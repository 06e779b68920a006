//! The typed model of the plan: units, cohorts, split rules, services, indicators.
//!
//! Everything here has been checked on load (see [`mod@crate::load`]): ids resolve, shares
//! sum to one, every parameter covers the simulated years. The engine can therefore
//! index without asking again. Numbers are not stored here but in the
//! [`ParamTree`], so a scenario can override any of them.

use std::collections::BTreeMap;

use crate::date::Date;
use crate::error::Location;
use crate::params::{ParamId, ParamTree};
pub use crate::plan::{DomainId, FiscalClassId, Plan, PovertyId, UnitKindId};

/// A text in Chinese and English.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

/// The four levels of government that share a cost, in the order tables print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Central,
    Province,
    City,
    County,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Central, Level::Province, Level::City, Level::County];

    pub fn key(self) -> &'static str {
        match self {
            Level::Central => "central",
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Level::Central => "中央",
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县(市、区)",
        }
    }
}

/// A county-level unit (区、县、县级市、功能区).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: UnitKindId,
    /// The poverty list the unit is on at the start (`None`: on no list).
    pub poverty: Option<PovertyId>,
    pub poverty_exit: Option<Date>,
    pub fiscal_class: FiscalClassId,
    pub fiscal_class_assumed: bool,
    /// How far an assumed fiscal class can be trusted (optional column
    /// `fiscal_class_confidence`).
    pub fiscal_class_confidence: Option<crate::grade::Confidence>,
    pub source: String,
}

impl Unit {
    /// The unit's poverty status on `date` (`None` once it has left the list).
    pub fn poverty_on(&self, date: Date) -> Option<PovertyId> {
        match self.poverty_exit {
            Some(exit) if date >= exit => None,
            _ => self.poverty,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct CohortId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CohortUnit {
    Persons,
    Places,
    Households,
}

impl CohortUnit {
    pub fn key(self) -> &'static str {
        match self {
            CohortUnit::Persons => "persons",
            CohortUnit::Places => "places",
            CohortUnit::Households => "households",
        }
    }
}

/// A group of beneficiaries (or places) whose headcount a component multiplies.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Cohort {
    pub id: String,
    pub name: Text,
    pub unit: CohortUnit,
    pub source: String,
    /// `round(from × ratio)`, unless `cohorts.csv` carries the cohort itself.
    pub derived: Option<(CohortId, ParamId)>,
    /// A multiplier on the headcount (1 unless a scenario adjusts the cohort), at
    /// `cohorts.<id>.adjust`: headcount = round(base × ratio × adjust).
    pub adjust: ParamId,
    pub origin: Location,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct RuleId(pub u32);

/// How a split rule divides a cost between the levels.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum SplitKind {
    /// The centre pays `central`; the rest is divided by the unit's fiscal class.
    /// `local[class][0..3]` are the province, city and county shares of the rest, for
    /// each fiscal class of the plan.
    Shares {
        central: ParamId,
        local: Box<[[ParamId; 3]]>,
    },
    /// The part of the standard up to a national base follows one rule, the part
    /// above it (the local top-up) another.
    BaseTopup {
        base: ParamId,
        base_rule: RuleId,
        topup_rule: RuleId,
    },
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SplitRule {
    pub id: String,
    pub name: Text,
    pub source: String,
    pub kind: SplitKind,
    pub origin: Location,
}

/// Which units a component is paid in. An empty list means "no restriction".
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Eligibility {
    /// Poverty status on the date (`None`: on no list).
    pub poverty: Vec<Option<PovertyId>>,
    pub kind: Vec<UnitKindId>,
    pub fiscal_class: Vec<FiscalClassId>,
    /// Unit codes, for programmes that name their units (pilot counties): the unit
    /// must be one of them.
    pub units: Vec<String>,
    /// Poverty status on the 2016 list, whether or not the unit left it later (support
    /// that continues after exit, 摘帽不摘政策).
    pub poverty_listed: Vec<Option<PovertyId>>,
}

impl Eligibility {
    pub fn is_unrestricted(&self) -> bool {
        self.poverty.is_empty()
            && self.kind.is_empty()
            && self.fiscal_class.is_empty()
            && self.units.is_empty()
            && self.poverty_listed.is_empty()
    }

    /// Whether `unit` qualifies on `date` (poverty status can end mid-period).
    pub fn admits(&self, unit: &Unit, date: Date) -> bool {
        (self.kind.is_empty() || self.kind.contains(&unit.kind))
            && (self.fiscal_class.is_empty() || self.fiscal_class.contains(&unit.fiscal_class))
            && (self.poverty.is_empty() || self.poverty.contains(&unit.poverty_on(date)))
            && (self.units.is_empty() || self.units.contains(&unit.code))
            && (self.poverty_listed.is_empty() || self.poverty_listed.contains(&unit.poverty))
    }
}

/// One costed part of a service: a cohort, a per-head standard, a coverage and a split.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Component {
    pub id: String,
    pub name: Text,
    pub cohort: CohortId,
    pub standard: ParamId,
    pub days: Option<ParamId>,
    pub coverage: ParamId,
    pub split: RuleId,
    pub eligible: Eligibility,
    pub origin: Location,
}

/// Where a service covers people another service already pays for, and how the model
/// nets the overlap (told in `by_domain.csv` and the README).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Overlap {
    /// The service whose figures already include the overlapping part.
    pub service: u32,
    pub note: Text,
}

/// One service of the plan (one of the 83 of Annex 1 in Handan's).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Service {
    pub id: u32,
    pub domain: DomainId,
    pub name: Text,
    pub beneficiaries: Text,
    pub responsibility: Text,
    pub lead: Vec<String>,
    pub budget_class: String,
    pub source: String,
    pub components: Vec<Component>,
    /// The overlap with another service, if any (netted in the data).
    pub overlap: Option<Overlap>,
    pub origin: Location,
}

/// A row of the plan's chapter-2 indicator table.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub domain: String,
    pub name: Text,
    pub unit: String,
    /// The value at the start of the plan (`base_2015` in Handan's; `base` in any plan).
    #[serde(default, alias = "base")]
    pub base_2015: Option<crate::params::Dec>,
    /// The target at its end (`target_2020`; `target` in any plan).
    #[serde(default, alias = "target")]
    pub target_2020: Option<crate::params::Dec>,
    #[serde(default)]
    pub cumulative: Option<crate::params::Dec>,
    pub source: String,
}

/// A functional class of the government budget (政府收支分类科目).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BudgetClass {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// One input file, named as the user knows it, with its content hash.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InputFile {
    pub name: String,
    pub sha256: String,
}

/// Data cohort headcounts as read from `cohorts.csv`: `counts[cohort][(year, unit)]`,
/// and the cells partial files replace.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CohortCounts {
    /// The name of the full table's file, for messages.
    pub file: String,
    pub years: Vec<i32>,
    /// For each cohort id present in the CSV: headcount per (year index, unit index).
    /// A partial file's rows for these cohorts are already written in.
    pub rows: BTreeMap<CohortId, ndarray::Array2<i64>>,
    /// Every cell a partial file (`data: cohort_counts:`) gives, by (cohort, year index,
    /// unit index), with the row that gave it. For a cohort of `rows` the value is also
    /// in `rows`; for a derived cohort it replaces `round(from × ratio)` in that cell
    /// only (see [`crate::engine::headcounts`]).
    pub given: BTreeMap<(CohortId, usize, usize), Given>,
}

/// A headcount given by a row of a partial file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Given {
    pub headcount: i64,
    pub at: Location,
}

impl CohortCounts {
    /// The cell a partial file gives for `cohort` in `year` and unit `unit`, if any.
    pub fn given(&self, cohort: CohortId, year: i32, unit: usize) -> Option<&Given> {
        let y = self.years.binary_search(&year).ok()?;
        self.given.get(&(cohort, y, unit))
    }

    /// The given cells of a derived cohort, as (year, unit, headcount).
    pub fn given_for(&self, cohort: CohortId) -> impl Iterator<Item = (i32, usize, i64)> + '_ {
        self.given
            .range((cohort, 0, 0)..=(cohort, usize::MAX, usize::MAX))
            .map(|((_, y, u), g)| (self.years[*y], *u, g.headcount))
    }
}

/// Everything loaded and checked.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// The plan's identity and lists (`plan.yaml`).
    pub plan: Plan,
    /// The plan's population cohort (`units.population` of `plan.yaml`).
    pub population: CohortId,
    pub params: ParamTree,
    pub units: Vec<Unit>,
    pub cohorts: Vec<Cohort>,
    pub rules: Vec<SplitRule>,
    pub services: Vec<Service>,
    pub indicators: Vec<Indicator>,
    pub budget_classes: Vec<BudgetClass>,
    pub counts: CohortCounts,
    pub inputs: Vec<InputFile>,
    /// The documents the inputs cite (sources.yaml).
    pub bibliography: crate::sources::Bibliography,
    /// Fiscal figures per unit and year, when the scenario gives them (see [`crate::capacity`]).
    /// Not in the compiled plan: the embedded plan has none.
    #[serde(skip)]
    pub fiscal: Option<crate::capacity::Fiscal>,
}

impl Model {
    pub fn cohort(&self, id: CohortId) -> &Cohort {
        &self.cohorts[id.0 as usize]
    }

    pub fn rule(&self, id: RuleId) -> &SplitRule {
        &self.rules[id.0 as usize]
    }

    /// Every parameter a split rule reads, in a fixed order: a share rule's central
    /// share, then its local shares (by fiscal class: province, city, county); a
    /// base + top-up rule's national base, then the parameters of the base rule and of
    /// the top-up rule. The one list of what a rule depends on.
    pub fn rule_params(&self, id: RuleId) -> Vec<ParamId> {
        match &self.rule(id).kind {
            SplitKind::Shares { central, local } => {
                let mut v = vec![*central];
                v.extend(local.iter().flatten());
                v
            }
            SplitKind::BaseTopup {
                base,
                base_rule,
                topup_rule,
            } => {
                let mut v = vec![*base];
                v.extend(self.rule_params(*base_rule));
                v.extend(self.rule_params(*topup_rule));
                v
            }
        }
    }

    pub fn cohort_by_name(&self, name: &str) -> Option<CohortId> {
        self.cohorts
            .iter()
            .position(|c| c.id == name)
            .map(|i| CohortId(i as u32))
    }

    pub fn unit_index(&self, code: &str) -> Option<usize> {
        self.units.iter().position(|u| u.code == code)
    }

    /// Every (service index, component index), in catalog order: the order of cells.
    pub fn component_pairs(&self) -> Vec<(usize, usize)> {
        self.services
            .iter()
            .enumerate()
            .flat_map(|(si, s)| (0..s.components.len()).map(move |ci| (si, ci)))
            .collect()
    }

    /// (service index, component index) of a component, by service number and component id.
    pub fn component_index(&self, service: u32, component: &str) -> Option<(usize, usize)> {
        let si = self.services.iter().position(|s| s.id == service)?;
        let ci = self.services[si]
            .components
            .iter()
            .position(|c| c.id == component)?;
        Some((si, ci))
    }

    pub fn service(&self, id: u32) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn budget_class_name(&self, code: &str) -> &str {
        self.budget_classes
            .iter()
            .find(|b| b.code == code)
            .map(|b| b.name_zh.as_str())
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rules_parameters_are_listed_once_in_order() {
        let scenario = crate::Scenario::baseline();
        let model = crate::load(&scenario.inputs).unwrap();
        let mut seen_topup = false;
        for (i, rule) in model.rules.iter().enumerate() {
            let ps = model.rule_params(RuleId(i as u32));
            let paths: Vec<&str> = ps
                .iter()
                .map(|p| model.params.get(*p).path.as_str())
                .collect();
            match &rule.kind {
                SplitKind::Shares { .. } => {
                    // why: one central share and 3 fiscal classes × 3 local levels.
                    assert_eq!(model.plan.classes.len(), 3);
                    assert_eq!(ps.len(), 10, "{}", rule.id);
                    assert_eq!(paths[0], format!("splits.{}.central", rule.id));
                    assert!(
                        paths[1..]
                            .iter()
                            .all(|p| p.starts_with(&format!("splits.{}.local.", rule.id)))
                    );
                }
                SplitKind::BaseTopup { .. } => {
                    seen_topup = true;
                    // why: the base, then two share rules of 10 parameters each.
                    assert_eq!(ps.len(), 21, "{}", rule.id);
                    assert_eq!(paths[0], format!("splits.{}.base", rule.id));
                }
            }
        }
        assert!(seen_topup, "the seeds have a base + top-up rule");
    }
}
