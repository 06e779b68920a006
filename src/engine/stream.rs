//! The projection in pieces, for runs too large to hold every cell at once.
//!
//! [`run`](super::run) returns every cell of a run in one vector: 64 bytes a cell,
//! 114 MB for the 2,860 county-level units of China and ten times that at township
//! scale. `simulate` does not need them all at once: it renders, sums and writes them
//! in order and forgets them. [`Prepared`] holds what does not depend on the cell (the
//! per-head amounts of each component and year, how each cohort's headcount is made,
//! and the population's headcounts, which the summary tables divide by), and
//! [`Prepared::fill`] computes any range of cells, in the same order and with the same
//! arithmetic as `run`, the headcounts of each unit with them (see [`super::recipe`]),
//! so a caller can walk the run in chunks, in parallel, with memory that does not grow
//! with the number of units but for a few numbers a unit.
//!
//! The errors are `run`'s too: [`Prepared::failure`] finds the one `run` would report
//! (the first failing cell in the output order, else the overflow of the run's total),
//! so a streamed run fails with the same message as a run held in memory.

use std::ops::Range;

use ndarray::Array3;
use rayon::prelude::*;

use super::recipe::{Grids, Recipe};
use super::{Cell, ComponentYear, Headcounts, Years, cell_of, component_years, headcounts};
use crate::error::{Error, Result};
use crate::model::Model;

/// A chunk's sum (`None`: it does not fit) and its largest cell.
type ChunkSum = (Option<i64>, Option<Cell>);

/// Everything of a run but its cells.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub years: Years,
    /// The headcounts of the plan's population cohort only; the others are computed a
    /// unit at a time with the cells.
    pub headcounts: Headcounts,
    pub component_years: Vec<Vec<Vec<ComponentYear>>>,
    recipe: Recipe,
    /// (service, component) of every component, in the output order.
    components: Vec<(usize, usize)>,
    units: usize,
}

/// Check `years` and compute what every cell of the run needs, as [`super::run`] does
/// before its cells (and with the same errors): every headcount is computed and checked
/// here, a unit at a time, and the population's kept.
pub fn prepare(model: &Model, years: Years) -> Result<Prepared> {
    crate::load::check_years(model, years.first, years.last)?;
    let checked = Recipe::new(model, years).and_then(|recipe| {
        let population = population(model, &recipe, years)?;
        Ok((recipe, population))
    });
    let (recipe, population) = match checked {
        Ok(x) => x,
        // Which of several bad headcounts is reported is `headcounts`'s to say.
        Err(e) => return Err(headcounts(model, years).err().unwrap_or(e)),
    };
    let component_years = component_years(model, years)?;
    Ok(Prepared {
        years,
        headcounts: population,
        component_years,
        recipe,
        components: model.component_pairs(),
        units: model.units.len(),
    })
}

/// Compute every cohort's headcount in every unit and year (checking them), a chunk of
/// units at a time in parallel, and keep the population's.
fn population(model: &Model, recipe: &Recipe, years: Years) -> Result<Headcounts> {
    const UNITS: usize = 256;
    let n_u = model.units.len();
    let pop = model.population.0 as usize;
    let mut data = vec![0i64; years.len() * n_u];
    let grids = recipe.grids(model);
    data.par_chunks_mut(UNITS)
        .enumerate()
        .try_for_each(|(k, chunk)| -> Result<()> {
            let mut counts = vec![0i64; model.cohorts.len()];
            for (j, slot) in chunk.iter_mut().enumerate() {
                let i = k * UNITS + j;
                recipe.unit(model, &grids, i / n_u, i % n_u, &mut counts)?;
                *slot = counts[pop];
            }
            Ok(())
        })?;
    let data = Array3::from_shape_vec((years.len(), n_u, 1), data)
        .expect("one headcount per year and unit");
    Ok(Headcounts::held(
        years,
        data,
        recipe.from_data.clone(),
        vec![model.population],
    ))
}

impl Prepared {
    /// The number of cells of the run.
    pub fn len(&self) -> usize {
        self.years.len() * self.units * self.components.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Give `f` the cells `range`, in [`super::run`]'s order (year, unit, service,
    /// component); the first cell that fails stops it. Each unit's headcounts are
    /// computed once for the cells of that unit in the range.
    fn each_cell(&self, model: &Model, range: Range<usize>, mut f: impl FnMut(Cell)) -> Result<()> {
        let n_c = self.components.len();
        let per_year = self.units * n_c;
        let grids: Grids = self.recipe.grids(model);
        let mut counts = vec![0i64; model.cohorts.len()];
        let mut unit = None;
        for i in range {
            let (yi, u) = (i / per_year, i % per_year / n_c);
            if unit != Some((yi, u)) {
                self.recipe.unit(model, &grids, yi, u, &mut counts)?;
                unit = Some((yi, u));
            }
            let (si, ci) = self.components[i % n_c];
            let c = &model.services[si].components[ci];
            let y = self.years.first + yi as i32;
            let cy = &self.component_years[si][ci][yi];
            f(cell_of(
                model,
                cy,
                counts[c.cohort.0 as usize],
                y,
                u,
                si,
                ci,
            )?);
        }
        Ok(())
    }

    /// Replace the contents of `into` with the cells `range`, in order; the first cell
    /// that fails stops it.
    pub fn fill(&self, model: &Model, range: Range<usize>, into: &mut Vec<Cell>) -> Result<()> {
        into.clear();
        into.reserve(range.len());
        self.each_cell(model, range, |c| into.push(c))
    }

    /// The error [`super::run`] reports for this run, found by computing its cells
    /// again a chunk at a time: the first cell that fails, in the output order, else the
    /// overflow of the run's total, located at its largest cell. `None` when the run
    /// succeeds. For a streamed run that met an error or an overflow part way.
    pub fn failure(&self, model: &Model) -> Option<Error> {
        const CHUNK: usize = 1 << 14;
        let n = self.len();
        let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
        // Per chunk: its first error, or its sum and its largest cell.
        let chunks: Vec<Result<ChunkSum>> = starts
            .par_iter()
            .map(|&s| {
                let mut sum = Some(0i64);
                let mut largest: Option<Cell> = None;
                self.each_cell(model, s..(s + CHUNK).min(n), |c| {
                    sum = sum.and_then(|t| t.checked_add(c.total));
                    // The last of equal maxima, as `Iterator::max_by_key`.
                    if largest.as_ref().is_none_or(|l| c.total >= l.total) {
                        largest = Some(c);
                    }
                })?;
                Ok((sum, largest))
            })
            .collect();
        let mut total = Some(0i64);
        let mut largest: Option<Cell> = None;
        for chunk in chunks {
            let (sum, big) = match chunk {
                Ok(x) => x,
                Err(e) => return Some(e),
            };
            total = total.zip(sum).and_then(|(a, b)| a.checked_add(b));
            if let Some(b) = big
                && largest.as_ref().is_none_or(|l| b.total >= l.total)
            {
                largest = Some(b);
            }
        }
        if total.is_some() {
            return None;
        }
        Some(super::sum_overflow(
            model,
            largest.as_ref(),
            "the total of the run (all its cells)",
        ))
    }
}
