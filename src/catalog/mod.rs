//! Finding one's way in the model: which paths exist, what they hold, and which ones
//! belong to a service's component.
//!
//! `fendan catalog` lists the services; `fendan params` every parameter path
//! ([`params`]); `explain --param splits.<rule>` a rule's shares of the whole cost
//! ([`shares`]). This module also gives one row per component with the paths that
//! decide its amount ([`components`]), so a budget officer who knows the service can
//! find the path to override.

pub mod params;
pub mod shares;

use crate::model::{DomainId, Model};

/// One component of a service and the parameter paths behind its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentRow {
    pub service: u32,
    pub service_zh: String,
    pub domain: DomainId,
    pub component: String,
    pub name_zh: String,
    pub name_en: String,
    pub cohort: String,
    pub split_rule: String,
    /// Every path that moves the component's amount, `;`-separated in files: its
    /// standard, coverage and days, its cohort's ratio and adjustment (and those of the
    /// cohorts it derives from), and its split rule's shares.
    pub paths: Vec<String>,
}

/// One row per component of the services `keep` selects, in catalog order.
pub fn components(model: &Model, keep: impl Fn(DomainId) -> bool) -> Vec<ComponentRow> {
    let mut out = Vec::new();
    for s in model.services.iter().filter(|s| keep(s.domain)) {
        for c in &s.components {
            let p = |id| model.params.get(id).path.clone();
            let mut paths = vec![p(c.standard), p(c.coverage)];
            paths.extend(c.days.map(p));
            // The cohort chain: a derived cohort's ratio, then the cohort it comes from.
            let mut cohort = Some(c.cohort);
            while let Some(id) = cohort {
                let co = model.cohort(id);
                paths.push(p(co.adjust));
                cohort = match co.derived {
                    Some((from, ratio)) if !model.counts.rows.contains_key(&id) => {
                        paths.push(p(ratio));
                        Some(from)
                    }
                    _ => None,
                };
            }
            let rule = model.rule(c.split);
            paths.extend(model.rule_params(c.split).into_iter().map(p));
            let mut seen = std::collections::HashSet::new();
            paths.retain(|x| seen.insert(x.clone()));
            out.push(ComponentRow {
                service: s.id,
                service_zh: s.name.zh.clone(),
                domain: s.domain,
                component: c.id.clone(),
                name_zh: c.name.zh.clone(),
                name_en: c.name.en.clone(),
                cohort: model.cohort(c.cohort).id.clone(),
                split_rule: rule.id.clone(),
                paths,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_lists_the_paths_that_move_its_amount() {
        let m = crate::Scenario::baseline().model().unwrap();
        let rows = components(&m, |_| true);
        let n: usize = m.services.iter().map(|s| s.components.len()).sum();
        assert_eq!(rows.len(), n);
        let r = rows
            .iter()
            .find(|r| r.service == 1 && r.component == "primary_public_funds")
            .unwrap();
        assert_eq!(r.paths[0], "services.1.primary_public_funds.standard");
        assert_eq!(r.paths[1], "services.1.primary_public_funds.coverage");
        assert!(r.paths.iter().any(|p| p == "splits.compulsory_edu.central"));
        assert!(
            r.paths
                .iter()
                .any(|p| p == "splits.compulsory_edu.local.managed.county")
        );
        // Every listed path exists.
        for row in &rows {
            for p in &row.paths {
                assert!(m.params.lookup(p).is_some(), "{p}");
            }
        }
    }
}
