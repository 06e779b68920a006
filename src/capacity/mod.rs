//! Can each county afford its share? Fiscal capacity and the transfer that closes a gap.
//!
//! fendan answers "who pays how much"; a finance bureau's next question is whether the
//! county level can carry what it pays. Given the bureau's fiscal figures per unit and
//! year ([`fiscal`], a `data: {fiscal: …}` file; partial: only what it has), a run
//! reports for every unit the county level's modelled outlay as a share of its own
//! general-budget revenue (一般公共预算收入), per head against revenue per head, and the
//! transfer it would need to keep its own burden at or below a threshold: a share of own
//! revenue (`capacity.threshold`, a parameter like any other, so a scenario overrides it
//! and a sweep varies it) or the year's city median (`capacity: {rule: city_median}` in
//! the scenario). A unit without a figure has no measure: an empty cell, never 0.
//!
//! * [`fiscal`]: the figures as given; [`mod@assess`]: one year's measures from integers
//!   (shared with the sweep's `capacity` metric); [`tables`]: `capacity.csv`,
//!   `capacity_summary.csv` and the columns added to `by_unit.csv`.

pub mod assess;
pub mod fiscal;
pub mod tables;

use crate::engine::Outcome;
use crate::error::{Error, Location, Result};
use crate::model::Model;
pub use assess::{Rule, UnitMeasure, YearMeasure};
pub use fiscal::{Figure, Fiscal, Measure};

/// The path of the threshold in the parameter tree (`seeds/capacity.yaml`).
pub const THRESHOLD: &str = "capacity.threshold";

/// The capacity of every unit in every year of a run.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub rule: Rule,
    /// Per year of the run, in order.
    pub years: Vec<(i32, YearMeasure)>,
    /// Resident population per year and unit (the plan's population cohort), for the per-head measures.
    pub population: Vec<Vec<i64>>,
    /// Whether any figure of the run's years is made up for an example.
    pub illustrative: bool,
}

/// The threshold of `year` from the parameter tree: the value in force on 1 July.
pub fn fixed_threshold(model: &Model, year: i32) -> rust_decimal::Decimal {
    model
        .params
        .lookup(THRESHOLD)
        .and_then(|id| model.params.get(id).for_year(year))
        .unwrap_or_default()
}

/// Whether each unit is of an urban kind of the plan (in Handan's, a district or zone,
/// compared with counties and the county-level city).
pub fn urban(model: &Model) -> Vec<bool> {
    model
        .units
        .iter()
        .map(|u| model.plan.kind(u.kind).urban)
        .collect()
}

/// The capacity measures of a run, or `None` when the scenario gives no fiscal data.
pub fn assess(model: &Model, out: &Outcome, rule: Rule) -> Result<Option<Assessment>> {
    let totals = crate::report::totals(model, out)?;
    assess_totals(model, &crate::report::View::from(out), &totals, rule)
}

/// [`assess()`] from the sums of a run (what `simulate` gathers while streaming).
pub fn assess_totals(
    model: &Model,
    out: &crate::report::View,
    totals: &crate::report::Totals,
    rule: Rule,
) -> Result<Option<Assessment>> {
    let Some(fiscal) = &model.fiscal else {
        return Ok(None);
    };
    let urban = urban(model);
    let n = model.units.len();
    let mut years = Vec::new();
    let mut population = Vec::new();
    for y in out.years.iter() {
        let county: Vec<i64> = (0..n).map(|u| totals.unit(y, u)[3]).collect();
        let revenue: Vec<Option<i64>> = (0..n)
            .map(|u| fiscal.fen(y, u, Measure::OwnRevenue))
            .collect();
        let m = assess::year(&county, &revenue, &urban, rule, fixed_threshold(model, y))
            .map_err(|_| {
                Error::input(
                    Location::file(&fiscal.file),
                    format!(
                        "the {y} figures of {} and the outlays add up to more than fendan can hold (about 92,000 trillion yuan); check the amounts, which are in yuan",
                        fiscal.file
                    ),
                )
            })?;
        years.push((y, m));
        population.push(
            (0..n)
                .map(|u| crate::report::population(model, out, y, u))
                .collect(),
        );
    }
    Ok(Some(Assessment {
        rule,
        years,
        population,
        illustrative: fiscal.illustrative_in(out.years.first, out.years.last),
    }))
}
