//! `fendan explain`: the audit trail of one cell, or the dated values of one parameter;
//! for a prefix of paths (`services.48`, `splits.compulsory_edu`), the paths under it.

use std::path::Path;

use fendan::catalog::params as catalog;
use fendan::{Error, Model, Scenario};

use super::{Outcome, print, scenario_and_model};

pub struct Request<'a> {
    pub unit: Option<&'a str>,
    pub service: Option<u32>,
    pub component: Option<&'a str>,
    pub year: Option<i32>,
    pub param: Option<&'a str>,
}

pub fn run(scenario: Option<&Path>, req: Request) -> Outcome {
    let (scenario, model) = scenario_and_model(scenario)?;
    if let Some(path) = req.param {
        if model.params.lookup(path).is_some() {
            return print(&fendan::explain::param(&model, path)?);
        }
        return print(&not_a_leaf(&scenario, &model, path)?);
    }
    let (Some(unit), Some(service), Some(year)) = (req.unit, req.service, req.year) else {
        return Err(Error::Usage("say which cell: --unit CODE --service N --year Y (and optionally --component ID), or --param PATH".into()).into());
    };
    let outcome = fendan::run(&model, scenario.years)?;
    print(&fendan::explain::cell(
        &model,
        &outcome,
        unit,
        service,
        req.component,
        year,
    )?)
}

/// A path that is not one number of the parameter tree: a unit attribute, or a prefix
/// (the paths under it; for a split rule, its shares of the whole cost first).
fn not_a_leaf(scenario: &Scenario, model: &Model, path: &str) -> Result<String, Error> {
    let years = scenario.years;
    let all = catalog::entries(model, years);
    let path = path.trim_end_matches('.');
    let under = catalog::under(&all, path);
    match under.as_slice() {
        [] => {
            // A path or a prefix close to what was typed; else the leaves under the
            // service (rule, cohort, unit) it names, when there are few.
            let known = catalog::paths_and_prefixes(&all);
            let hint = match fendan::suggest::closest(path, known.iter().map(String::as_str)) {
                Some(k) => format!(" (did you mean `{k}`?)"),
                None => fendan::suggest::did_you_mean(path, all.iter().map(|e| e.path.as_str())),
            };
            Err(Error::Usage(format!(
                "`{path}` is not a parameter, nor the prefix of one{hint}; `fendan params` lists every path, `fendan params --grep TEXT` finds one by meaning or source"
            )))
        }
        [one] if one.path == path => Ok(format!(
            "{} ({}, {}): {}\n  {}source 来源: {}\n  defined at 定义于 {}; a scenario changes it with `set:` (for the whole run)\n",
            one.path,
            one.label,
            one.unit,
            one.years.first().map(String::as_str).unwrap_or_default(),
            if one.assumption.is_empty() {
                String::new()
            } else {
                format!(
                    "ASSUMPTION 假设 [{}]: {}\n  ",
                    one.confidence, one.assumption
                )
            },
            one.source,
            one.defined_at
        )),
        _ => {
            let mut t = String::new();
            if let Some(rule) = path.strip_prefix("splits.")
                && let Some(shares) = fendan::catalog::shares::rule_table(model, rule, years)
            {
                t.push_str(&shares);
                t.push('\n');
            }
            t.push_str(&format!(
                "`{path}` is the prefix of {} paths; `fendan explain --param PATH` shows one with its dated values and sources:\n",
                under.len()
            ));
            t.push_str(&super::params::table_of(&under, years));
            Ok(t)
        }
    }
}
