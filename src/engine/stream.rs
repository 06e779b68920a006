//! The projection in pieces, for runs too large to hold every cell at once.
//!
//! [`run`](super::run) returns every cell of a run in one vector: 64 bytes a cell,
//! 114 MB for the 2,860 county-level units of China and ten times that at township
//! scale. `simulate` does not need them all at once: it renders, sums and writes them
//! in order and forgets them. [`Prepared`] holds what does not depend on the cell (the
//! headcounts and the per-head amounts of each component and year), and
//! [`Prepared::fill`] computes any range of cells, in the same order and with the same
//! arithmetic as `run`, so a caller can walk the run in chunks, in parallel, with
//! memory that does not grow with the number of units.
//!
//! The errors are `run`'s too: [`Prepared::failure`] finds the one `run` would report
//! (the first failing cell in the output order, else the overflow of the run's total),
//! so a streamed run fails with the same message as a run held in memory.

use std::ops::Range;

use rayon::prelude::*;

use super::{Cell, ComponentYear, Headcounts, Years, cell, component_years, headcounts};
use crate::error::{Error, Result};
use crate::model::Model;

/// A chunk's sum (`None`: it does not fit) and its largest cell.
type ChunkSum = (Option<i64>, Option<Cell>);

/// Everything of a run but its cells.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub years: Years,
    pub headcounts: Headcounts,
    pub component_years: Vec<Vec<Vec<ComponentYear>>>,
    /// (service, component) of every component, in the output order.
    components: Vec<(usize, usize)>,
    units: usize,
}

/// Check `years` and compute what every cell of the run needs, as [`super::run`] does
/// before its cells (and with the same errors).
pub fn prepare(model: &Model, years: Years) -> Result<Prepared> {
    crate::load::check_years(model, years.first, years.last)?;
    let headcounts = headcounts(model, years)?;
    let component_years = component_years(model, years)?;
    Ok(Prepared {
        years,
        headcounts,
        component_years,
        components: model.component_pairs(),
        units: model.units.len(),
    })
}

impl Prepared {
    /// The number of cells of the run.
    pub fn len(&self) -> usize {
        self.years.len() * self.units * self.components.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `i` of the run, in [`super::run`]'s order (year, unit, service, component).
    pub fn cell(&self, model: &Model, i: usize) -> Result<Cell> {
        let n_c = self.components.len();
        let per_year = self.units * n_c;
        let y = self.years.first + (i / per_year) as i32;
        let u = i % per_year / n_c;
        let (si, ci) = self.components[i % n_c];
        cell(model, &self.component_years, &self.headcounts, y, u, si, ci)
    }

    /// Replace the contents of `into` with the cells `range`, in order; the first cell
    /// that fails stops it.
    pub fn fill(&self, model: &Model, range: Range<usize>, into: &mut Vec<Cell>) -> Result<()> {
        into.clear();
        into.reserve(range.len());
        for i in range {
            into.push(self.cell(model, i)?);
        }
        Ok(())
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
                for i in s..(s + CHUNK).min(n) {
                    let c = self.cell(model, i)?;
                    sum = sum.and_then(|t| t.checked_add(c.total));
                    // The last of equal maxima, as `Iterator::max_by_key`.
                    if largest.as_ref().is_none_or(|l| c.total >= l.total) {
                        largest = Some(c);
                    }
                }
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
