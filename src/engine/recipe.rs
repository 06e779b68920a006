//! Headcounts a unit at a time, for runs too large to hold them all.
//!
//! [`headcounts`](super::headcounts) fills a table of every cohort in every unit and
//! year: 84 cohorts × 28,600 units × 5 years of `i64` is 96 MB at township scale, for
//! numbers each used by a few hundred cells and then no more. A cohort's headcount in a
//! unit and year depends on nothing but the same unit and year (the counts table, or the
//! cohort it is derived from, times a ratio and an adjustment of that year), so
//! [`Recipe`] works out once what does not depend on the unit — the order the cohorts
//! are computed in and each one's factors per year — and [`Recipe::unit`] gives every
//! cohort of one unit and year from it, as the cells of that unit are computed.
//!
//! The arithmetic and the checks are `headcounts`'s ([`super::data_headcount`],
//! [`super::bounded_headcount`], the same rounding), so the numbers are the same. Which
//! error a run with several bad headcounts reports is `headcounts`'s to say (it walks
//! cohort by cohort); a caller that meets an error here asks it (see
//! [`super::stream::prepare`]).

use ndarray::Array2;

use super::{Years, adjustment, bounded_headcount, data_headcount};
use crate::error::{Error, Location, Result};
use crate::exact::Product;
use crate::model::{CohortId, Model};

/// How a cohort's headcount is made in one year.
#[derive(Debug, Clone)]
enum Step {
    /// Neither in the counts table nor derived: zero, as `headcounts` leaves it.
    Zero,
    /// Row `src` (a year of the counts table) of the cohort's counts, times its
    /// adjustment (`None`: exactly one).
    Data { src: usize, adjust: Option<Product> },
    /// `round(from × ratio × adjust)`; where a partial file gives the cell (`given`),
    /// that headcount times the adjustment instead.
    Derived {
        from: usize,
        factors: Product,
        given: Option<Option<Product>>,
    },
}

/// What every unit's headcounts need, worked out once per run (see the module doc).
#[derive(Debug, Clone)]
pub struct Recipe {
    years: Years,
    /// Every cohort, each after the one it is derived from.
    order: Vec<usize>,
    /// `steps[year index][cohort]`.
    steps: Vec<Vec<Step>>,
    /// For each cohort: `true` if the counts come from the counts table.
    pub from_data: Vec<bool>,
}

/// The counts table of each cohort that has one (`None` for the others), looked up once
/// for a run of units.
pub type Grids<'m> = Vec<Option<&'m Array2<i64>>>;

impl Recipe {
    /// The recipe of `model`'s cohorts for `years`. An error here (a factor with no
    /// value for a year, a year the counts table lacks) is one `headcounts` reports too.
    pub fn new(model: &Model, years: Years) -> Result<Recipe> {
        let n = model.cohorts.len();
        let mut order = Vec::with_capacity(n);
        let mut done = vec![false; n];
        for c in 0..n {
            visit(model, c, &mut done, &mut order);
        }
        let from_data: Vec<bool> = (0..n)
            .map(|c| model.counts.rows.contains_key(&CohortId(c as u32)))
            .collect();
        let steps = years
            .iter()
            .map(|y| {
                (0..n)
                    .map(|c| step(model, c, from_data[c], y))
                    .collect::<Result<Vec<Step>>>()
            })
            .collect::<Result<_>>()?;
        Ok(Recipe {
            years,
            order,
            steps,
            from_data,
        })
    }

    /// The counts tables of `model`, for [`Recipe::unit`].
    pub fn grids<'m>(&self, model: &'m Model) -> Grids<'m> {
        (0..self.from_data.len())
            .map(|c| model.counts.rows.get(&CohortId(c as u32)))
            .collect()
    }

    /// Every cohort's headcount in unit `u` in year index `yi`, into `out` (one slot
    /// per cohort): what `headcounts` gives for that unit and year.
    pub fn unit(
        &self,
        model: &Model,
        grids: &Grids,
        yi: usize,
        u: usize,
        out: &mut [i64],
    ) -> Result<()> {
        let y = self.years.first + yi as i32;
        let steps = &self.steps[yi];
        for &c in &self.order {
            out[c] = match &steps[c] {
                Step::Zero => 0,
                Step::Data { src, adjust } => {
                    let grid = grids[c].expect("a data cohort has counts");
                    data_headcount(model, c, u, y, grid[(*src, u)], adjust.as_ref())?
                }
                Step::Derived {
                    from,
                    factors,
                    given,
                } => {
                    // Derived and checked even where a given cell replaces it, as
                    // `headcounts` does.
                    let h = out[*from];
                    let ratio = model.cohorts[c].derived.map(|d| d.1);
                    let x = bounded_headcount(model, c, ratio, u, y, h, factors.mul_round(h))?;
                    let id = CohortId(c as u32);
                    match given
                        .as_ref()
                        .and_then(|a| Some((a, model.counts.given(id, y, u)?)))
                    {
                        Some((adjust, g)) => {
                            data_headcount(model, c, u, y, g.headcount, adjust.as_ref())?
                        }
                        None => x,
                    }
                }
            };
        }
        Ok(())
    }
}

/// Put cohort `c` in `order` after the cohort it is derived from, unless it is there.
fn visit(model: &Model, c: usize, done: &mut [bool], order: &mut Vec<usize>) {
    if done[c] {
        return;
    }
    let cohort = &model.cohorts[c];
    if !model.counts.rows.contains_key(&CohortId(c as u32))
        && let Some((from, _)) = cohort.derived
    {
        visit(model, from.0 as usize, done, order);
    }
    order.push(c);
    done[c] = true;
}

/// How cohort `c` (`data`: it has counts) is made in year `y`.
fn step(model: &Model, c: usize, data: bool, y: i32) -> Result<Step> {
    let cohort = &model.cohorts[c];
    let value = |pid| {
        let p = model.params.get(pid);
        p.exact_for_year(y).ok_or_else(|| {
            Error::input(
                p.origin.clone(),
                format!("`{}` has no value for {y}", p.path),
            )
        })
    };
    if data {
        let src = model.counts.years.binary_search(&y).map_err(|_| {
            Error::input(
                Location::file(&model.counts.file),
                format!("the cohort `{}` has no rows for {y}", cohort.id),
            )
        })?;
        let adjust = adjustment(value(cohort.adjust)?);
        return Ok(Step::Data { src, adjust });
    }
    let Some((from, ratio)) = cohort.derived else {
        return Ok(Step::Zero);
    };
    let factors = Product::new(&[value(ratio)?, value(cohort.adjust)?]);
    let id = CohortId(c as u32);
    let given = model
        .counts
        .given_for(id)
        .any(|(gy, _, _)| gy == y)
        .then(|| value(cohort.adjust).map(adjustment))
        .transpose()?;
    Ok(Step::Derived {
        from: from.0 as usize,
        factors,
        given,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Source;
    use crate::scenario::Scenario;

    /// The model of a scenario written into a folder of its own with a partial counts
    /// file `counts`.
    fn model(overrides: &str, counts: &str) -> (Model, Years) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("counts.csv"), counts).unwrap();
        let text = format!(
            "name: t\ntitle: t\ndata:\n  cohort_counts: counts.csv\noverrides:\n{overrides}"
        );
        let scenario = Scenario::parse(Source::new("t.yaml", text), dir.path()).unwrap();
        (scenario.model().unwrap(), scenario.years)
    }

    #[test]
    fn a_unit_at_a_time_gives_the_headcounts_of_the_whole_run() {
        // A data cohort's adjustment, a ratio on a line between two dated values, and
        // cells a partial file gives for a data and a derived cohort.
        let (model, years) = model(
            "  - {path: cohorts.age_6_11.adjust, set: 1.013}\n  \
             - {path: cohorts.pupils_junior.adjust, set: 0.97}\n",
            "year,unit_code,cohort,headcount\n\
             2017,130403,age_6_11,40001\n\
             2018,130404,pupils_primary,33333\n\
             2019,130406,pupils_junior,1\n",
        );
        let whole = super::super::headcounts(&model, years).unwrap();
        let recipe = Recipe::new(&model, years).unwrap();
        assert_eq!(recipe.from_data, whole.from_data);
        let grids = recipe.grids(&model);
        let mut out = vec![0; model.cohorts.len()];
        for (yi, y) in years.iter().enumerate() {
            for u in 0..model.units.len() {
                recipe.unit(&model, &grids, yi, u, &mut out).unwrap();
                for (c, h) in out.iter().enumerate() {
                    assert_eq!(*h, whole.get(y, u, CohortId(c as u32)), "{y} {u} {c}");
                }
            }
        }
        // why: the partial file's cell of a derived cohort, times its adjustment 1
        // (pupils_primary's is not overridden).
        let primary = model.cohorts.iter().position(|c| c.id == "pupils_primary");
        assert_eq!(whole.get(2018, 2, CohortId(primary.unwrap() as u32)), 33333);
        // The prepared run: its cells and the population are the run's.
        let out = crate::run(&model, years).unwrap();
        let prepared = super::super::prepare(&model, years).unwrap();
        let mut cells = Vec::new();
        prepared
            .fill(&model, 0..prepared.len(), &mut cells)
            .unwrap();
        assert!(cells == out.cells);
        for y in years.iter() {
            for u in 0..model.units.len() {
                assert_eq!(
                    prepared.headcounts.get(y, u, model.population),
                    out.headcounts.get(y, u, model.population)
                );
            }
        }
    }

    #[test]
    fn of_several_bad_headcounts_the_run_reports_the_one_headcounts_does() {
        // `pupils_junior` is too large in one unit only, the fifth (a partial file's
        // cell × 1.5); `pupils_primary`, a later cohort (they are in name order), in
        // every unit from the first. A unit at a time meets `pupils_primary` first;
        // `headcounts`, cohort by cohort, `pupils_junior`.
        let (model, years) = model(
            "  - {path: cohorts.pupils_junior.ratio, set: 1.5}\n  \
             - {path: cohorts.pupils_primary.ratio, set: 1000}\n  \
             - {path: cohorts.pupils_primary.adjust, set: 1000}\n",
            "year,unit_code,cohort,headcount\n2016,130407,age_12_14,1500000000\n",
        );
        let junior = model.cohorts.iter().position(|c| c.id == "pupils_junior");
        let primary = model.cohorts.iter().position(|c| c.id == "pupils_primary");
        assert!(junior < primary);
        let want = super::super::headcounts(&model, years)
            .unwrap_err()
            .to_string();
        assert!(want.contains("`pupils_junior` in 130407"), "{want}");
        let got = super::super::prepare(&model, years)
            .unwrap_err()
            .to_string();
        assert_eq!(got, want);
    }
}
