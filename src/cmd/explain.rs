//! `fendan explain`: the audit trail of one cell, or the dated values of one parameter.

use std::path::Path;

use fendan::Error;

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
        return print(&fendan::explain::param(&model, path)?);
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
