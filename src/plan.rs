//! What makes a plan this plan, as data (`plan.yaml`): its identity, its domains, the
//! fiscal classes that divide the local share (with their names), the poverty lists, the
//! kinds of unit (and which count as urban districts), the population cohort, the rule
//! unit codes follow and the default years.
//!
//! fendan's engine is the same for Handan's plan of 2016-2020, another city's, a
//! province's or a county's plan of 2021-2025: services, beneficiaries, per-head
//! standards and a division of responsibility between four fixed levels (central,
//! province, city, county). Everything else that differs between plans is read here
//! into small lists, and the rest of the code holds ids into them ([`DomainId`],
//! [`FiscalClassId`], [`UnitKindId`], [`PovertyId`]) and storage sized from them, so a
//! second plan runs with no change to the code (see `tests/data/plans/`).

use crate::engine::Years;
use crate::model::Text;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub struct $name(pub u8);

        impl $name {
            /// The place in the plan's list, for indexing storage sized from it.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(
    /// A domain of the plan (`domains:`), in the plan's order.
    DomainId
);
id!(
    /// A fiscal class (`fiscal_classes:`): how the local share is divided in a unit.
    FiscalClassId
);
id!(
    /// A kind of unit (`unit_kinds:`): district, county, county-level city, zone, ….
    UnitKindId
);
id!(
    /// A poverty list a unit may be on (`poverty:`); `None` where an id is optional
    /// means on no list (the keyword `none`).
    PovertyId
);

/// One entry of a list of the plan: its id (as files write it) and its names.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Category {
    pub id: String,
    pub name: Text,
}

/// A kind of unit.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct UnitKind {
    pub id: String,
    pub name: Text,
    /// An urban district (districts and zones in Handan): `equalization.csv` compares
    /// these with the other units.
    pub urban: bool,
    /// For a unit of this kind whose fiscal class is assumed: the plausible other class
    /// and why, which `fendan assumptions` moves the unit to.
    pub if_assumed: Option<Alternative>,
}

/// The plausible other fiscal class of a unit whose class is assumed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Alternative {
    pub class: FiscalClassId,
    pub why: String,
}

/// The plan's identity, as titles, reports and workbooks show it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// The plan's full name.
    pub name: Text,
    /// 文号, where it has one.
    pub number: String,
    pub issuer: String,
    /// The place it covers (邯郸市 / Handan).
    pub place: Text,
    /// The title of fendan's reports and workbooks for this plan, and of its help text.
    pub title: Text,
}

/// What a unit code must look like: a number of digits (one of `lengths`), and the
/// standard the codes come from, for messages.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CodeRule {
    pub lengths: Vec<u8>,
    pub standard: String,
}

impl CodeRule {
    pub fn admits(&self, code: &str) -> bool {
        code.chars().all(|c| c.is_ascii_digit())
            && self.lengths.iter().any(|n| *n as usize == code.len())
    }

    /// `a 6-digit GB/T 2260 unit code`, `a 4- or 9-digit unit code`.
    pub fn describe(&self) -> String {
        let lens: Vec<String> = self.lengths.iter().map(|n| format!("{n}-")).collect();
        let standard = if self.standard.is_empty() {
            String::new()
        } else {
            format!("{} ", self.standard)
        };
        format!("a {}digit {standard}unit code", or_list(&lens))
    }
}

/// Everything `plan.yaml` says.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub identity: Identity,
    /// Where the identity comes from: a citation of the bibliography (`plan`).
    pub source: String,
    /// The years a scenario covers when it says none.
    pub years: Years,
    pub code: CodeRule,
    /// The id of the cohort that is a unit's resident population (per-head figures).
    pub population: String,
    /// Where `plan.yaml` names it, for the error when it is not a cohort.
    pub population_at: crate::error::Location,
    /// Why a unit's fiscal class may be assumed (the assumptions list shows it).
    pub assumed_class_basis: String,
    pub domains: Vec<Category>,
    pub classes: Vec<Category>,
    pub poverty: Vec<Category>,
    pub kinds: Vec<UnitKind>,
}

/// `a, b or c`.
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn position(list: impl Iterator<Item = impl AsRef<str>>, key: &str) -> Option<u8> {
    list.into_iter()
        .position(|x| x.as_ref() == key)
        .map(|i| i as u8)
}

impl Plan {
    pub fn domain(&self, id: DomainId) -> &Category {
        &self.domains[id.index()]
    }

    pub fn class(&self, id: FiscalClassId) -> &Category {
        &self.classes[id.index()]
    }

    pub fn kind(&self, id: UnitKindId) -> &UnitKind {
        &self.kinds[id.index()]
    }

    pub fn poverty(&self, id: PovertyId) -> &Category {
        &self.poverty[id.index()]
    }

    /// The id a file writes for a poverty status: a list's id, or `none`.
    pub fn poverty_key(&self, id: Option<PovertyId>) -> &str {
        id.map_or("none", |p| self.poverty(p).id.as_str())
    }

    pub fn domain_ids(&self) -> impl Iterator<Item = DomainId> + '_ {
        (0..self.domains.len()).map(|i| DomainId(i as u8))
    }

    pub fn class_ids(&self) -> impl Iterator<Item = FiscalClassId> + '_ {
        (0..self.classes.len()).map(|i| FiscalClassId(i as u8))
    }

    pub fn parse_domain(&self, key: &str) -> Option<DomainId> {
        position(self.domains.iter().map(|c| &c.id), key).map(DomainId)
    }

    pub fn parse_class(&self, key: &str) -> Option<FiscalClassId> {
        position(self.classes.iter().map(|c| &c.id), key).map(FiscalClassId)
    }

    pub fn parse_kind(&self, key: &str) -> Option<UnitKindId> {
        position(self.kinds.iter().map(|c| &c.id), key).map(UnitKindId)
    }

    /// A poverty status: `Some(None)` for `none` (on no list), `Some(Some(id))` for a
    /// list of the plan, `None` for anything else.
    pub fn parse_poverty(&self, key: &str) -> Option<Option<PovertyId>> {
        if key == "none" {
            return Some(None);
        }
        position(self.poverty.iter().map(|c| &c.id), key).map(|p| Some(PovertyId(p)))
    }

    /// The ids of a list, for "expected …" in messages: `a, b or c`.
    pub fn expected(ids: impl Iterator<Item = impl AsRef<str>>) -> String {
        let v: Vec<String> = ids.map(|x| x.as_ref().to_owned()).collect();
        or_list(&v)
    }

    pub fn expected_classes(&self) -> String {
        Plan::expected(self.classes.iter().map(|c| &c.id))
    }

    pub fn expected_kinds(&self) -> String {
        Plan::expected(self.kinds.iter().map(|c| &c.id))
    }

    pub fn expected_poverty(&self) -> String {
        Plan::expected(self.poverty.iter().map(|c| c.id.as_str()).chain(["none"]))
    }

    /// One line that says what fendan computes for this plan (the CLI's about text).
    pub fn about(&self) -> String {
        let number = if self.identity.number.is_empty() {
            String::new()
        } else {
            format!("{}, ", self.identity.number)
        };
        format!(
            "{}: central, province, city, county ({number}{}-{})",
            self.identity.title.en, self.years.first, self.years.last
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_rules_say_what_they_admit() {
        let six = CodeRule {
            lengths: vec![6],
            standard: "GB/T 2260".into(),
        };
        assert!(six.admits("130402") && !six.admits("13044") && !six.admits("13040a"));
        assert_eq!(six.describe(), "a 6-digit GB/T 2260 unit code");
        let two = CodeRule {
            lengths: vec![4, 9],
            standard: String::new(),
        };
        assert!(two.admits("0101") && two.admits("130402001") && !two.admits("130402"));
        assert_eq!(two.describe(), "a 4- or 9-digit unit code");
        let three = CodeRule {
            lengths: vec![2, 4, 6],
            standard: String::new(),
        };
        assert_eq!(three.describe(), "a 2-, 4- or 6-digit unit code");
    }

    #[test]
    fn lists_read_as_sentences() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(or_list(&v(&["a"])), "a");
        assert_eq!(or_list(&v(&["a", "b"])), "a or b");
        assert_eq!(or_list(&v(&["a", "b", "c"])), "a, b or c");
    }
}

/// What a run's manifest records of its plan, so that a report made from the output
/// folder alone names the plan and reads its unit kinds (see `html`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PlanInfo {
    pub title: Text,
    pub place: Text,
    pub number: String,
    pub unit_kinds: Vec<KindInfo>,
}

/// A unit kind as a manifest records it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KindInfo {
    pub id: String,
    pub name: Text,
    pub urban: bool,
}

impl Plan {
    /// What a manifest records of the plan.
    pub fn info(&self) -> PlanInfo {
        PlanInfo {
            title: self.identity.title.clone(),
            place: self.identity.place.clone(),
            number: self.identity.number.clone(),
            unit_kinds: self
                .kinds
                .iter()
                .map(|k| KindInfo {
                    id: k.id.clone(),
                    name: k.name.clone(),
                    urban: k.urban,
                })
                .collect(),
        }
    }

    /// The plan embedded in the binary (`seeds/plan.yaml`).
    pub fn embedded() -> Plan {
        crate::load::load_plan(&crate::load::Inputs::embedded_plan())
            .expect("the embedded plan.yaml is valid (tested)")
    }
}

impl PlanInfo {
    /// The kind `id`, if the plan has it.
    pub fn kind(&self, id: &str) -> Option<&KindInfo> {
        self.unit_kinds.iter().find(|k| k.id == id)
    }
}
