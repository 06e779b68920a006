//! The projection: headcounts × coverage × annualised standard, split into levels.
//!
//! For each year, unit, service and component the engine computes
//!
//! ```text
//! amount = headcount × Σ_months (coverage_m × standard_m × k_m) / 12
//! ```
//!
//! where `standard_m` is the value in force on the 1st of month m and `k_m` turns the
//! standard's time unit into a yearly rate (1 for yuan a year, 12 for yuan a month,
//! the day count for yuan a day). Each month's money goes to the levels by the split
//! rule in force that month for the unit's fiscal class, so a standard or a rule that
//! changes mid-year is prorated by month. The exact level amounts are summed, the cell
//! is rounded once to the fen and the level shares are allocated by largest remainder
//! ([`crate::money::allocate`]).
//!
//! Everything that does not depend on the unit — the twelve monthly level rates of
//! each (component, year, fiscal class) — is computed once; the per-cell work is a few
//! multiplications, run in parallel with rayon, each cell written to its fixed place in
//! the output (year, unit, service, component), so the output does not depend on the
//! thread count.

use ndarray::Array3;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::money;
use crate::params::{ParamTree, Unit as PUnit};

/// The years a run covers, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Years {
    pub first: i32,
    pub last: i32,
}

impl Years {
    pub fn iter(self) -> impl Iterator<Item = i32> {
        self.first..=self.last
    }

    pub fn len(self) -> usize {
        (self.last - self.first + 1).max(0) as usize
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// Headcounts per (year, unit, cohort) for the run's years.
#[derive(Debug, Clone)]
pub struct Headcounts {
    pub years: Years,
    /// `data[(year index, unit index, cohort index)]`.
    pub data: Array3<i64>,
    /// For each cohort: `true` if the counts come from the CSV, `false` if derived.
    pub from_data: Vec<bool>,
}

impl Headcounts {
    pub fn get(&self, year: i32, unit: usize, cohort: CohortId) -> i64 {
        self.data[((year - self.years.first) as usize, unit, cohort.0 as usize)]
    }
}

/// Compute every cohort's headcount: CSV rows where given, else `round(from × ratio)`.
pub fn headcounts(model: &Model, years: Years) -> Result<Headcounts> {
    let n_c = model.cohorts.len();
    let mut hc = Headcounts {
        years,
        data: Array3::<i64>::zeros((years.len(), model.units.len(), n_c)),
        from_data: vec![false; n_c],
    };
    let mut done = vec![false; n_c];
    for c in 0..n_c {
        fill(model, years, c, &mut hc, &mut done)?;
    }
    Ok(hc)
}

/// Recompute, in place, the cohorts marked in `touched` (and only those): the others
/// keep their counts in `hc`. A touched cohort derived from another touched cohort is
/// recomputed after it. Used by sweeps after an override of a cohort's ratio or
/// adjustment; the counts are those [`headcounts`] would give on `model`.
pub fn refill_headcounts(model: &Model, hc: &mut Headcounts, touched: &[bool]) -> Result<()> {
    let mut done: Vec<bool> = touched.iter().map(|t| !t).collect();
    for c in 0..model.cohorts.len() {
        fill(model, hc.years, c, hc, &mut done)?;
    }
    Ok(())
}

/// Fill cohort `c` (after the cohort it derives from) unless it is `done`.
fn fill(
    model: &Model,
    years: Years,
    c: usize,
    hc: &mut Headcounts,
    done: &mut [bool],
) -> Result<()> {
    if done[c] {
        return Ok(());
    }
    let id = CohortId(c as u32);
    let cohort = &model.cohorts[c];
    let value = |pid, y: i32| {
        let p = model.params.get(pid);
        p.for_year(y).ok_or_else(|| {
            Error::input(
                p.origin.clone(),
                format!("`{}` has no value for {y}", p.path),
            )
        })
    };
    let round = |x: Decimal| {
        x.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
            .unwrap_or(i64::MAX)
    };
    if let Some(grid) = model.counts.rows.get(&id) {
        for (yi, y) in years.iter().enumerate() {
            let src = model.counts.years.binary_search(&y).map_err(|_| {
                Error::input(
                    Location::file("cohorts.csv"),
                    format!("the cohort `{}` has no rows for {y}", cohort.id),
                )
            })?;
            let adjust = value(cohort.adjust, y)?;
            for u in 0..model.units.len() {
                let h = grid[(src, u)];
                hc.data[(yi, u, c)] = if adjust == Decimal::ONE {
                    h
                } else {
                    round(Decimal::from(h) * adjust)
                };
            }
        }
        hc.from_data[c] = true;
    } else if let Some((from, ratio)) = cohort.derived {
        fill(model, years, from.0 as usize, hc, done)?;
        for (yi, y) in years.iter().enumerate() {
            let factor = value(ratio, y)? * value(cohort.adjust, y)?;
            for u in 0..model.units.len() {
                hc.data[(yi, u, c)] =
                    round(Decimal::from(hc.data[(yi, u, from.0 as usize)]) * factor);
            }
        }
        // A cell a partial file gives replaces the derivation there (see load::counts).
        for (y, u, h) in model.counts.given_for(id) {
            if (years.first..=years.last).contains(&y) {
                let adjust = value(cohort.adjust, y)?;
                hc.data[((y - years.first) as usize, u, c)] = if adjust == Decimal::ONE {
                    h
                } else {
                    round(Decimal::from(h) * adjust)
                };
            }
        }
    }
    done[c] = true;
    Ok(())
}

/// The four level shares of `rule` in force in month `m` of `y` for a fiscal class.
/// For a base + top-up rule, the shares of the base rule (the top-up is shown apart).
pub fn shares_in_month(
    model: &Model,
    rule: &SplitRule,
    class: FiscalClassId,
    y: i32,
    m: u32,
) -> [Decimal; 4] {
    match &rule.kind {
        SplitKind::Shares { .. } => shares(&model.params, rule, class, y, m),
        SplitKind::BaseTopup { base_rule, .. } => {
            shares(&model.params, model.rule(*base_rule), class, y, m)
        }
    }
}

/// The four level shares in force in a month for a fiscal class, from a share rule.
fn shares(
    params: &ParamTree,
    rule: &SplitRule,
    class: FiscalClassId,
    y: i32,
    m: u32,
) -> [Decimal; 4] {
    match &rule.kind {
        SplitKind::Shares { central, local } => {
            let v = |id| params.get(id).in_month(y, m).unwrap_or(Decimal::ZERO);
            let c = v(*central);
            let rest = Decimal::ONE - c;
            let l = local[class.index()];
            [c, rest * v(l[0]), rest * v(l[1]), rest * v(l[2])]
        }
        SplitKind::BaseTopup { .. } => {
            unreachable!("base_topup rules refer to share rules only (checked on load)")
        }
    }
}

/// The unit-independent part of one (component, year): per fiscal class and month,
/// the money for each level per head, scaled by 12 (divide the sum of months by 12).
#[derive(Debug, Clone)]
pub struct ComponentYear {
    /// `months[class][m][level]`, for each fiscal class of the plan.
    pub months: Box<[[[Decimal; 4]; 12]]>,
    /// Sum over the 12 months, per class and level.
    pub full: Box<[[Decimal; 4]]>,
    /// The standard annualised over the year: Σ_m standard_m × k_m / 12 (yuan a year).
    pub standard_annual: Decimal,
    /// The mean coverage over the 12 months.
    pub coverage: Decimal,
}

/// Precompute [`ComponentYear`] for every component of every service and year.
pub fn component_years(model: &Model, years: Years) -> Result<Vec<Vec<Vec<ComponentYear>>>> {
    (0..model.services.len())
        .map(|si| {
            (0..model.services[si].components.len())
                .map(|ci| component_year_list(model, years, si, ci))
                .collect()
        })
        .collect()
}

/// The [`ComponentYear`] of component `ci` of service `si` for each year of `years`.
pub fn component_year_list(
    model: &Model,
    years: Years,
    si: usize,
    ci: usize,
) -> Result<Vec<ComponentYear>> {
    let p = &model.params;
    let twelve = Decimal::from(12);
    let c = &model.services[si].components[ci];
    years
        .iter()
        .map(|y| {
            let missing = |path: &str| {
                Error::input(
                    c.origin.clone(),
                    format!(
                        "`{path}` has no value for {y}; give a value dated on or before {y}-01-01"
                    ),
                )
            };
            let std_p = p.get(c.standard);
            let std = std_p.months(y).ok_or_else(|| missing(&std_p.path))?;
            let cov_p = p.get(c.coverage);
            let cov = cov_p.months(y).ok_or_else(|| missing(&cov_p.path))?;
            let k: [Decimal; 12] = match std_p.unit {
                PUnit::YuanPerYear => [Decimal::ONE; 12],
                PUnit::YuanPerMonth => [twelve; 12],
                PUnit::YuanPerDay => {
                    let dp = p.get(
                        c.days
                            .expect("per-day standards have days (checked on load)"),
                    );
                    dp.months(y).ok_or_else(|| missing(&dp.path))?
                }
                _ => unreachable!("standards are money (checked on load)"),
            };
            let rule = model.rule(c.split);
            let n_classes = model.plan.classes.len();
            let mut months = vec![[[Decimal::ZERO; 4]; 12]; n_classes].into_boxed_slice();
            let mut full = vec![[Decimal::ZERO; 4]; n_classes].into_boxed_slice();
            for class in model.plan.class_ids() {
                for mi in 0..12 {
                    let m = mi as u32 + 1;
                    let amount = std[mi] * cov[mi] * k[mi];
                    let levels = match &rule.kind {
                        SplitKind::Shares { .. } => {
                            let sh = shares(p, rule, class, y, m);
                            sh.map(|x| amount * x)
                        }
                        SplitKind::BaseTopup {
                            base,
                            base_rule,
                            topup_rule,
                        } => {
                            let bp = p.get(*base);
                            let b = bp.in_month(y, m).ok_or_else(|| missing(&bp.path))?;
                            let base_amount = std[mi].min(b) * cov[mi] * k[mi];
                            let top = amount - base_amount;
                            let sb = shares(p, model.rule(*base_rule), class, y, m);
                            let st = shares(p, model.rule(*topup_rule), class, y, m);
                            [0, 1, 2, 3].map(|l| base_amount * sb[l] + top * st[l])
                        }
                    };
                    months[class.index()][mi] = levels;
                    for l in 0..4 {
                        full[class.index()][l] += levels[l];
                    }
                }
            }
            let std_sum: Decimal = (0..12).map(|i| std[i] * k[i]).sum();
            let cov_sum: Decimal = cov.iter().sum();
            Ok(ComponentYear {
                months,
                full,
                standard_annual: std_sum / twelve,
                coverage: cov_sum / twelve,
            })
        })
        .collect()
}

/// One published cell: a (year, unit, service, component) with its level amounts in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub year: i32,
    pub unit: u16,
    pub service: u16,
    pub component: u16,
    pub headcount: i64,
    /// Months of the year in which the unit was eligible (12 for most components).
    pub months: u8,
    /// Whole fen, rounded once; `levels` add up to it.
    pub total: i64,
    pub levels: [i64; 4],
}

/// The result of a run: every cell in a fixed order (year, unit, service, component).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub years: Years,
    pub cells: Vec<Cell>,
    pub headcounts: Headcounts,
    pub component_years: Vec<Vec<Vec<ComponentYear>>>,
}

/// Compute one cell: component `ci` of service `si` for unit `u` in year `y`.
fn cell(
    model: &Model,
    cys: &[Vec<Vec<ComponentYear>>],
    hc: &Headcounts,
    y: i32,
    u: usize,
    si: usize,
    ci: usize,
) -> Cell {
    component_cell(model, &cys[si][ci], hc, y, u, si, ci)
}

/// One cell of component `ci` of service `si` for unit `u` in year `y`, from that
/// component's [`ComponentYear`]s (one per year of `hc.years`): what [`run`] computes
/// for the cell, exposed so that a sweep can recompute only the cells a parameter touches.
pub fn component_cell(
    model: &Model,
    cys: &[ComponentYear],
    hc: &Headcounts,
    y: i32,
    u: usize,
    si: usize,
    ci: usize,
) -> Cell {
    let unit = &model.units[u];
    let class = unit.fiscal_class.index();
    let yi = (y - hc.years.first) as usize;
    let c = &model.services[si].components[ci];
    let cy = &cys[yi];
    let headcount = hc.get(y, u, c.cohort);
    let (sums, months) = if c.eligible.is_unrestricted() {
        (cy.full[class], 12u8)
    } else {
        let mut sums = [Decimal::ZERO; 4];
        let mut n = 0u8;
        for m in 0..12 {
            if c.eligible.admits(unit, Date::first_of(y, m as u32 + 1)) {
                n += 1;
                for (s, x) in sums.iter_mut().zip(&cy.months[class][m]) {
                    *s += x;
                }
            }
        }
        (sums, n)
    };
    let h = Decimal::from(headcount);
    let twelve = Decimal::from(12);
    let exact = sums.map(|s| h * s / twelve);
    let (total, levels) = money::allocate(exact);
    Cell {
        year: y,
        unit: u as u16,
        service: si as u16,
        component: ci as u16,
        headcount,
        months,
        total,
        levels,
    }
}

/// Run the projection for `years` on `model`.
pub fn run(model: &Model, years: Years) -> Result<Outcome> {
    crate::load::check_years(model, years.first, years.last)?;
    let hc = headcounts(model, years)?;
    let cys = component_years(model, years)?;
    // Cell i is (year, unit, component) in that order, so the output order is fixed and
    // rayon writes each cell straight into its place in the one output vector.
    let components: Vec<(usize, usize)> = model.component_pairs();
    let n_units = model.units.len();
    let per_year = n_units * components.len();
    let cells: Vec<Cell> = (0..years.len() * per_year)
        .into_par_iter()
        .map(|i| {
            let y = years.first + (i / per_year) as i32;
            let u = i % per_year / components.len();
            let (si, ci) = components[i % components.len()];
            cell(model, &cys, &hc, y, u, si, ci)
        })
        .collect();
    Ok(Outcome {
        years,
        cells,
        headcounts: hc,
        component_years: cys,
    })
}
