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
//! changes mid-year is prorated by month. The level amounts are exact rationals
//! ([`crate::exact`]): every month's money per head, for each level, is an integer
//! numerator over one denominator per (component, year, fiscal class). A cell is the
//! headcount times the sum of its eligible months, rounded once to the fen, and the
//! level shares are allocated by largest remainder on the exact remainders
//! ([`crate::money::allocate`]), so a tie is seen as a tie.
//!
//! Everything that does not depend on the unit — the twelve monthly level amounts per
//! head of each (component, year, fiscal class) — is computed once; the per-cell work is
//! a few integer multiplications and divisions, run in parallel with rayon, each cell
//! written to its fixed place in the output (year, unit, service, component), so the
//! output does not depend on the thread count.
//!
//! Amounts are checked: a cell, a headcount or the run's total that does not fit is an
//! [`Error::Overflow`] naming the cell and the parameter that made it so.

use ndarray::Array3;
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::exact::{Exact, Product};
use crate::model::*;
use crate::money::{self, Overflow};
use crate::params::{Param, ParamId};

mod factors;
mod recipe;
mod stream;
pub use factors::{Amounts, Factors, LevelAmounts, RuleFactors, SplitFactors};
pub use stream::{Prepared, prepare};

/// The years a run covers, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Years {
    pub first: i32,
    pub last: i32,
}

impl Years {
    pub fn iter(self) -> impl Iterator<Item = i32> {
        self.first..=self.last
    }

    pub fn len(self) -> usize {
        (i64::from(self.last) - i64::from(self.first) + 1).max(0) as usize
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// Headcounts per (year, unit, cohort) for the run's years: of every cohort (what
/// [`headcounts`] gives), or of a few ([`Prepared`] keeps the population's only).
#[derive(Debug, Clone)]
pub struct Headcounts {
    pub years: Years,
    /// `data[(year index, unit index, cohort index)]` when every cohort is held; else
    /// the last index is the cohort's place in `held`.
    pub data: Array3<i64>,
    /// For each cohort: `true` if the counts come from the CSV, `false` if derived.
    pub from_data: Vec<bool>,
    /// The cohorts held, when not all of them are.
    held: Option<Vec<CohortId>>,
}

impl Headcounts {
    /// Headcounts of the cohorts `held` only (`data`'s last index is the place in it).
    fn held(years: Years, data: Array3<i64>, from_data: Vec<bool>, held: Vec<CohortId>) -> Self {
        Headcounts {
            years,
            data,
            from_data,
            held: Some(held),
        }
    }

    /// The headcount of `cohort` in `unit` in `year`. Panics for a cohort not held.
    pub fn get(&self, year: i32, unit: usize, cohort: CohortId) -> i64 {
        let slot = match &self.held {
            None => cohort.0 as usize,
            Some(held) => held
                .iter()
                .position(|c| *c == cohort)
                .expect("the headcounts of a cohort that is held"),
        };
        self.data[((year - self.years.first) as usize, unit, slot)]
    }
}

/// Compute every cohort's headcount: CSV rows where given, else `round(from × ratio)`.
pub fn headcounts(model: &Model, years: Years) -> Result<Headcounts> {
    let n_c = model.cohorts.len();
    let mut hc = Headcounts {
        years,
        data: Array3::<i64>::zeros((years.len(), model.units.len(), n_c)),
        from_data: vec![false; n_c],
        held: None,
    };
    let mut done = vec![false; n_c];
    let values = |id: ParamId, y: i32| model.params.get(id).exact_for_year(y);
    for c in 0..n_c {
        fill(model, years, c, &mut hc, &mut done, &values)?;
    }
    Ok(hc)
}

/// Recompute, in place, the cohorts marked in `touched` (and only those): the others
/// keep their counts in `hc`. A touched cohort derived from another touched cohort is
/// recomputed after it. Used by sweeps after an override of a cohort's ratio or
/// adjustment; the counts are those [`headcounts`] would give on `model`.
pub fn refill_headcounts(model: &Model, hc: &mut Headcounts, touched: &[bool]) -> Result<()> {
    refill_headcounts_with(model, hc, touched, &|id, y| {
        model.params.get(id).exact_for_year(y)
    })
}

/// [`refill_headcounts`] with each ratio's and adjustment's value for a year read from
/// `values` instead of the model (a sweep point's values, without a copy of the model).
pub fn refill_headcounts_with(
    model: &Model,
    hc: &mut Headcounts,
    touched: &[bool],
    values: &dyn Fn(ParamId, i32) -> Option<Exact>,
) -> Result<()> {
    let mut done: Vec<bool> = touched.iter().map(|t| !t).collect();
    for c in 0..model.cohorts.len() {
        fill(model, hc.years, c, hc, &mut done, values)?;
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
    values: &dyn Fn(ParamId, i32) -> Option<Exact>,
) -> Result<()> {
    if done[c] {
        return Ok(());
    }
    let id = CohortId(c as u32);
    let cohort = &model.cohorts[c];
    let value = |pid, y: i32| {
        let p = model.params.get(pid);
        values(pid, y).ok_or_else(|| {
            Error::input(
                p.origin.clone(),
                format!("`{}` has no value for {y}", p.path),
            )
        })
    };
    if let Some(grid) = model.counts.rows.get(&id) {
        for (yi, y) in years.iter().enumerate() {
            let src = model.counts.years.binary_search(&y).map_err(|_| {
                Error::input(
                    Location::file(&model.counts.file),
                    format!("the cohort `{}` has no rows for {y}", cohort.id),
                )
            })?;
            let adjust = adjustment(value(cohort.adjust, y)?);
            for u in 0..model.units.len() {
                hc.data[(yi, u, c)] =
                    data_headcount(model, c, u, y, grid[(src, u)], adjust.as_ref())?;
            }
        }
        hc.from_data[c] = true;
    } else if let Some((from, ratio)) = cohort.derived {
        fill(model, years, from.0 as usize, hc, done, values)?;
        for (yi, y) in years.iter().enumerate() {
            let factors = Product::new(&[value(ratio, y)?, value(cohort.adjust, y)?]);
            for u in 0..model.units.len() {
                let h = hc.data[(yi, u, from.0 as usize)];
                let x = factors.mul_round(h);
                hc.data[(yi, u, c)] = bounded_headcount(model, c, Some(ratio), u, y, h, x)?;
            }
        }
        // A cell a partial file gives replaces the derivation there (see load::counts).
        for (y, u, h) in model.counts.given_for(id) {
            if (years.first..=years.last).contains(&y) {
                let adjust = adjustment(value(cohort.adjust, y)?);
                hc.data[((y - years.first) as usize, u, c)] =
                    data_headcount(model, c, u, y, h, adjust.as_ref())?;
            }
        }
    }
    done[c] = true;
    Ok(())
}

/// A cohort's `adjust` in a year as the factor a headcount is multiplied by, `None`
/// when it is exactly one (the headcount is then taken as given).
fn adjustment(adjust: Exact) -> Option<Product> {
    (adjust != Exact::ONE).then(|| Product::new(&[adjust]))
}

/// A headcount `h` as the cohort counts give it (the full table, or a partial file's
/// row), times the cohort's `adjust` (see [`adjustment`]), if it is within
/// [`money::MAX_HEADCOUNT`]; the error points at the row of the partial file that gave
/// it, else at the full table.
fn data_headcount(
    model: &Model,
    c: usize,
    u: usize,
    y: i32,
    h: i64,
    adjust: Option<&Product>,
) -> Result<i64> {
    if let Some(adjust) = adjust {
        let x = adjust.mul_round(h);
        return bounded_headcount(model, c, None, u, y, h, x);
    }
    money::check_headcount(h).map(|()| h).map_err(|e| {
        let at = model
            .counts
            .given(CohortId(c as u32), y, u)
            .map_or_else(|| Location::file(&model.counts.file), |g| g.at.clone());
        Error::overflow(
            at,
            format!(
                "the cohort counts for `{}` in {} {} in {y}: {e}",
                model.cohorts[c].id, model.units[u].code, model.units[u].name_zh
            ),
        )
    })
}

/// A derived or adjusted headcount `x` (`None`: past `i64`) if it is within
/// [`money::MAX_HEADCOUNT`], else an overflow naming the cohort, the unit, the year and
/// the ratio or adjustment that made it (the one a scenario changed, if any).
fn bounded_headcount(
    model: &Model,
    c: usize,
    ratio: Option<ParamId>,
    u: usize,
    y: i32,
    base: i64,
    x: Option<i64>,
) -> Result<i64> {
    if let Some(h) = x
        && money::check_headcount(h).is_ok()
    {
        return Ok(h);
    }
    let cohort = &model.cohorts[c];
    let mut factors: Vec<&Param> = ratio.iter().map(|r| model.params.get(*r)).collect();
    factors.push(model.params.get(cohort.adjust));
    // Blame the factor a scenario changed last, else the first (the ratio).
    let culprit = factors
        .iter()
        .rev()
        .find(|p| p.last_override.is_some())
        .unwrap_or(&factors[0]);
    let product: String = factors
        .iter()
        .map(|p| {
            let v = p.exact_for_year(y).map(|v| v.to_string());
            format!(" × {} `{}`", v.unwrap_or_default(), p.path)
        })
        .collect();
    let value = x.map_or_else(|| "more than fendan can hold".to_owned(), |h| h.to_string());
    Err(Error::overflow(
        set_at(culprit),
        format!(
            "the headcount of `{}` in {} {} in {y} would be {value} ({base}{product}), above the largest headcount fendan accepts ({}); lower `{}` ({})",
            cohort.id,
            model.units[u].code,
            model.units[u].name_zh,
            money::MAX_HEADCOUNT,
            culprit.path,
            set_by(culprit, Date::new(y, 7, 1))
        ),
    ))
}

/// Where the values of `p` were last set: the scenario override, or the seed.
fn set_at(p: &Param) -> Location {
    p.last_override.clone().unwrap_or_else(|| p.origin.clone())
}

/// "set by the scenario at FILE:LINE" or "from the seed at FILE:LINE", for the value of
/// `p` in force on `date`.
fn set_by(p: &Param, date: Date) -> String {
    match p.effective(date).and_then(|d| p.overridden.get(&d)) {
        Some(at) => format!("set by the scenario at {at}"),
        None => format!("from {}:{}", p.origin.file, p.origin.line),
    }
}

/// The four level shares of `rule` in force in month `m` of `y` for a fiscal class,
/// exactly: central `c`, then `(1 − c) × local` for province, city and county. For a
/// base + top-up rule, the shares of the base rule (the top-up is shown apart).
pub fn shares_in_month(
    model: &Model,
    rule: &SplitRule,
    class: FiscalClassId,
    y: i32,
    m: u32,
) -> [num_rational::BigRational; 4] {
    let rule = match &rule.kind {
        SplitKind::Shares { .. } => rule,
        SplitKind::BaseTopup { base_rule, .. } => model.rule(*base_rule),
    };
    let SplitKind::Shares { central, local } = &rule.kind else {
        unreachable!("base_topup rules refer to share rules only (checked on load)")
    };
    let v = |id: ParamId| {
        model
            .params
            .get(id)
            .exact_in_month(y, m)
            .map(|e| e.big())
            .unwrap_or_default()
    };
    let c = v(*central);
    let rest = num_rational::BigRational::from_integer(1.into()) - &c;
    let l = local[class.index()];
    [c, &rest * v(l[0]), &rest * v(l[1]), &rest * v(l[2])]
}

/// The unit-independent part of one (component, year).
#[derive(Debug, Clone)]
pub struct ComponentYear {
    /// Per fiscal class of the plan: the fen per head of each level in each month.
    pub amounts: Box<[Amounts]>,
    /// The standard annualised over the year, Σ_m standard_m × k_m / 12 yuan a year,
    /// rounded half away from zero to the fen (for display).
    pub standard_annual: Decimal,
    /// The mean coverage over the 12 months, rounded half away from zero to 4 decimals
    /// (for display).
    pub coverage: Decimal,
}

/// Precompute [`ComponentYear`] for every component of every service and year.
///
/// The components are worked out in parallel (each evaluates its parameters month by
/// month); the error reported is the first in the services' order, whatever the threads.
pub fn component_years(model: &Model, years: Years) -> Result<Vec<Vec<Vec<ComponentYear>>>> {
    let pairs = model.component_pairs();
    let lists: Vec<Result<Vec<ComponentYear>>> = pairs
        .par_iter()
        .map(|&(si, ci)| component_year_list(model, years, si, ci))
        .collect();
    let mut lists = lists.into_iter();
    model
        .services
        .iter()
        .map(|s| {
            s.components
                .iter()
                .map(|_| lists.next().expect("one list a component"))
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
    let mut f = Factors::blank(model, si, ci);
    years
        .iter()
        .map(|y| {
            f.fill(model, si, ci, y)?;
            let (amounts, display) = f.all_amounts();
            let (standard_annual, coverage) = display.ok_or_else(|| {
                let c = &model.services[si].components[ci];
                let p = model.params.get(c.standard);
                Error::overflow(
                    set_at(p),
                    format!(
                        "`{}` in {y} is more than fendan can hold ({} yuan a year); lower it",
                        p.path,
                        money::yuan(i64::MAX)
                    ),
                )
            })?;
            Ok(ComponentYear {
                amounts,
                standard_annual,
                coverage,
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
) -> Result<Cell> {
    component_cell(model, &cys[si][ci], hc, y, u, si, ci)
}

/// The months of `y` in which `unit` is paid component `c` (`None`: all twelve, the
/// component has no restriction).
pub fn eligible_months(c: &Component, unit: &Unit, y: i32) -> Option<[bool; 12]> {
    (!c.eligible.is_unrestricted())
        .then(|| std::array::from_fn(|m| c.eligible.admits(unit, Date::first_of(y, m as u32 + 1))))
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
) -> Result<Cell> {
    let c = &model.services[si].components[ci];
    let cy = &cys[(y - hc.years.first) as usize];
    cell_of(model, cy, hc.get(y, u, c.cohort), y, u, si, ci)
}

/// The cell of component `ci` of service `si` for unit `u` in year `y`, from its
/// [`ComponentYear`] and the headcount of its cohort.
fn cell_of(
    model: &Model,
    cy: &ComponentYear,
    headcount: i64,
    y: i32,
    u: usize,
    si: usize,
    ci: usize,
) -> Result<Cell> {
    let unit = &model.units[u];
    let c = &model.services[si].components[ci];
    let mask = eligible_months(c, unit, y);
    let months = mask.map_or(12, |m| m.iter().filter(|x| **x).count() as u8);
    let fen = cy.amounts[unit.fiscal_class.index()].cell(mask.as_ref(), headcount);
    let (total, levels) =
        fen.map_err(|Overflow| overflow_at(model, y, u, si, ci, headcount, None))?;
    Ok(Cell {
        year: y,
        unit: u as u16,
        service: si as u16,
        component: ci as u16,
        headcount,
        months,
        total,
        levels,
    })
}

/// An overflow located where the standard of the cell (year `y`, unit `u`, component
/// `ci` of service `si`) was set: the amount of that cell, or `sum` (a sum the cell is
/// the largest part of), is more than fendan can hold.
pub fn overflow_at(
    model: &Model,
    y: i32,
    u: usize,
    si: usize,
    ci: usize,
    headcount: i64,
    sum: Option<&str>,
) -> Error {
    let unit = &model.units[u];
    let s = &model.services[si];
    let c = &s.components[ci];
    let p = model.params.get(c.standard);
    // The largest value of the standard in the year, and the month it holds from.
    let (m, v) = (1..=12)
        .filter_map(|m| p.exact_in_month(y, m).map(|v| (m, v)))
        .max_by(|a, b| a.1.big().cmp(&b.1.big()).then(b.0.cmp(&a.0)))
        .unwrap_or((1, Exact::Decimal(Decimal::ZERO)));
    let cell = format!(
        "the cell {} {} · service {} `{}` · {y}",
        unit.code, unit.name_zh, s.id, c.id
    );
    let max = money::yuan(i64::MAX);
    let head = match sum {
        None => format!("the amount of {cell} is more than fendan can hold ({max} yuan)"),
        Some(what) => {
            format!("{what} is more than fendan can hold ({max} yuan); its largest part is {cell}")
        }
    };
    Error::overflow(
        set_at(p),
        format!(
            "{head}: {headcount} `{}` × `{}` {v} ({}, {}); lower the standard or the headcount",
            model.cohort(c.cohort).id,
            p.path,
            p.unit.name(),
            set_by(p, Date::first_of(y, m)),
        ),
    )
}

/// The overflow of a sum of `cells` (`what`, e.g. "the 2016 total of by_level.csv"),
/// located at the largest of them.
pub fn sum_overflow<'a>(
    model: &Model,
    cells: impl IntoIterator<Item = &'a Cell>,
    what: &str,
) -> Error {
    match cells.into_iter().max_by_key(|c| c.total) {
        Some(c) => overflow_at(
            model,
            c.year,
            c.unit as usize,
            c.service as usize,
            c.component as usize,
            c.headcount,
            Some(what),
        ),
        None => Error::overflow(
            Location::file("(run)"),
            format!("{what} is more than fendan can hold"),
        ),
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
    let at = |i: usize| {
        let y = years.first + (i / per_year) as i32;
        let u = i % per_year / components.len();
        let (si, ci) = components[i % components.len()];
        cell(model, &cys, &hc, y, u, si, ci)
    };
    let n = years.len() * per_year;
    let cells: Vec<Cell> = match (0..n).into_par_iter().map(at).collect() {
        Ok(cells) => cells,
        // Which failing cell a parallel run meets first depends on the threads: report
        // the first in the output order, so that the message does not.
        Err(_) => return Err((0..n).find_map(|i| at(i).err()).expect("a cell failed")),
    };
    // Every amount is 0 or more, so when the grand total fits, so does every sum of
    // cells a table publishes (by year, unit, domain, level).
    money::checked_sum(cells.iter().map(|c| c.total))
        .map_err(|Overflow| sum_overflow(model, &cells, "the total of the run (all its cells)"))?;
    Ok(Outcome {
        years,
        cells,
        headcounts: hc,
        component_years: cys,
    })
}
