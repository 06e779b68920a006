//! Streaming the points: a grid's blocks tabulated once, then the points in order, in
//! fixed-size chunks computed in parallel and handed to a writer in point order, so
//! memory does not grow with the number of points and the bytes do not depend on the
//! thread count.

use std::ops::Range;

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::fixed::push_fixed;
use super::{Assign, Domain, Metric, Sweep, eval, sample};
use crate::error::Result;

/// Points per chunk of a grid (rendered by one task), at most.
pub(super) const GRID_CHUNK: usize = 16_384;

/// Points per chunk when each point costs more: a sampled design (each point
/// recomputes its touched cells) or equalization indices (logarithms per unit).
pub(super) const SAMPLED_CHUNK: usize = 512;

/// Bytes of rows and metric values per chunk, at most (so wide rows stay flat too).
pub(super) const CHUNK_BYTES: u64 = 4_000_000;

/// The rendered text of every value of the discrete axes (grids index into it).
#[derive(Debug, Default, Clone)]
pub(super) struct Texts {
    pub(super) bytes: Vec<u8>,
    pub(super) offs: Vec<usize>,
}

impl Texts {
    pub(super) fn get(&self, i: usize) -> &[u8] {
        &self.bytes[self.offs[i]..self.offs[i + 1]]
    }
}

/// Points computed together, rendered as CSV rows, with their metric values.
#[derive(Default)]
pub struct Chunk {
    pub first: u64,
    pub n: usize,
    pub csv: Vec<u8>,
    /// `n × columns` metric values.
    pub metrics: Vec<i64>,
    /// `n × axes` values, when a Parquet file is written.
    pub axis_values: Vec<Decimal>,
    pub(super) want_axis_values: bool,
}

impl Sweep {
    /// Points per chunk: fewer when points are costly or rows wide.
    pub(super) fn chunk_points(&self) -> u64 {
        let costly =
            self.spec.sampling.is_sampled() || self.spec.metrics.contains(&Metric::Equalization);
        let by_cost = if costly { SAMPLED_CHUNK } else { GRID_CHUNK } as u64;
        let per_point = self.row_bytes() + self.ev.columns.len() as u64 * 8;
        by_cost.min(CHUNK_BYTES / per_point.max(1)).max(16)
    }

    /// Tabulate, for every block of a grid, the change of every combination of its values.
    pub fn precompute(&mut self) -> Result<()> {
        if self.spec.sampling.is_sampled() {
            return Ok(());
        }
        let w = self.ev.acc_len;
        for (bi, b) in self.ev.blocks.iter().enumerate() {
            if self.ev.block_is_inert(b) || self.tables[bi].is_some() {
                continue;
            }
            let lens: Vec<u64> = b
                .axes
                .iter()
                .map(|a| {
                    self.spec.axes[*a]
                        .domain
                        .count()
                        .expect("grid axes are discrete")
                })
                .collect();
            let mut table = vec![0i64; b.combos as usize * w];
            let ev = &self.ev;
            let axes = &self.spec.axes;
            table.par_chunks_mut(w).enumerate().try_for_each_init(
                || (ev.scratch(), Vec::new()),
                |(s, assigns): &mut (eval::Scratch, Vec<Assign>), (c, row)| {
                    assigns.clear();
                    let mut rest = c as u64;
                    for (j, a) in b.axes.iter().enumerate().rev() {
                        let i = rest % lens[j];
                        rest /= lens[j];
                        let (value, at) = axes[*a].domain.value(i);
                        assigns.push(Assign {
                            axis: *a,
                            value,
                            at,
                        });
                    }
                    assigns.reverse();
                    ev.block_delta(s, b, assigns, row)
                },
            )?;
            self.tables[bi] = Some(table);
        }
        Ok(())
    }

    /// The axis values of the grid point whose value indices are `idx`.
    fn grid_values(&self, idx: &[u64]) -> Vec<rust_decimal::Decimal> {
        self.spec
            .axes
            .iter()
            .zip(idx)
            .map(|(a, i)| a.domain.value(*i).0)
            .collect()
    }

    /// Compute the points `first..first + n` into `chunk`.
    pub(super) fn chunk(
        &self,
        first: u64,
        n: usize,
        scratch: &mut Option<eval::Scratch>,
        chunk: &mut Chunk,
    ) -> Result<()> {
        chunk.first = first;
        chunk.n = n;
        chunk.csv.clear();
        chunk.metrics.clear();
        chunk.axis_values.clear();
        let n_axes = self.spec.axes.len();
        let n_m = self.ev.columns.len();
        let mut acc = vec![0i64; self.ev.acc_len];
        let mut m = vec![0i64; n_m];
        let mut idx = vec![0u64; n_axes];
        let mut itoa_buf = itoa::Buffer::new();
        let sampled = self.spec.sampling.is_sampled();
        let mut u = vec![0f64; n_axes];
        let mut assigns: Vec<Assign> = Vec::with_capacity(n_axes);
        let mut delta = vec![0i64; self.ev.acc_len];
        let mut value_text = String::new();
        for p in first..first + n as u64 {
            chunk.csv.extend_from_slice(itoa_buf.format(p).as_bytes());
            acc.copy_from_slice(&self.ev.base_acc);
            if sampled {
                sample::uniforms(self.spec.sampling, p, &mut u);
                assigns.clear();
                for (a, axis) in self.spec.axes.iter().enumerate() {
                    let (value, at) = match &axis.domain {
                        Domain::Dist { dist, decimals, at } => {
                            (sample::quantile(dist, u[a], *decimals), *at)
                        }
                        d => {
                            let i = sample::pick(u[a], d.count().expect("discrete"));
                            idx[a] = i;
                            d.value(i)
                        }
                    };
                    assigns.push(Assign { axis: a, value, at });
                    chunk.csv.push(b',');
                    match &axis.domain {
                        Domain::Dist { .. } => {
                            use std::fmt::Write as _;
                            value_text.clear();
                            let _ = write!(value_text, "{}", value.normalize());
                            chunk.csv.extend_from_slice(value_text.as_bytes());
                        }
                        _ => chunk
                            .csv
                            .extend_from_slice(self.texts[a].get(idx[a] as usize)),
                    }
                    if chunk.want_axis_values {
                        chunk.axis_values.push(value.normalize());
                    }
                }
                let s = scratch.get_or_insert_with(|| self.ev.scratch());
                self.ev.point_delta(s, &assigns, &mut delta)?;
                if self.ev.accumulate(&mut acc, &delta).is_err() {
                    let values: Vec<_> = assigns.iter().map(|a| a.value).collect();
                    return Err(self.ev.point_overflow(p, &values));
                }
            } else {
                let mut rest = p;
                for a in (0..n_axes).rev() {
                    let len = self.texts[a].offs.len() as u64 - 1;
                    idx[a] = rest % len;
                    rest /= len;
                }
                for (a, i) in idx.iter().enumerate() {
                    chunk.csv.push(b',');
                    chunk.csv.extend_from_slice(self.texts[a].get(*i as usize));
                    if chunk.want_axis_values {
                        chunk
                            .axis_values
                            .push(self.spec.axes[a].domain.value(*i).0.normalize());
                    }
                }
                for (b, t) in self.ev.blocks.iter().zip(&self.tables) {
                    let Some(t) = t else { continue };
                    let mut combo = 0u64;
                    for a in &b.axes {
                        combo = combo * (self.texts[*a].offs.len() as u64 - 1) + idx[*a];
                    }
                    let w = self.ev.acc_len;
                    let row = &t[combo as usize * w..(combo as usize + 1) * w];
                    if self.ev.accumulate(&mut acc, row).is_err() {
                        return Err(self.ev.point_overflow(p, &self.grid_values(&idx)));
                    }
                }
            }
            if self.ev.try_metrics(&acc, &mut m).is_err() {
                let values = if sampled {
                    assigns.iter().map(|a| a.value).collect()
                } else {
                    self.grid_values(&idx)
                };
                return Err(self.ev.point_overflow(p, &values));
            }
            for (v, c) in m.iter().zip(&self.ev.columns) {
                chunk.csv.push(b',');
                push_fixed(&mut chunk.csv, *v, c.scale);
            }
            chunk.csv.push(b'\n');
            chunk.metrics.extend_from_slice(&m);
        }
        Ok(())
    }

    /// Compute the points of `range` in chunks, in parallel, and hand them to `sink`
    /// in point order. At most two waves of chunks are in memory at once.
    pub(super) fn stream(
        &self,
        range: Range<u64>,
        want_axis_values: bool,
        sink: &mut (dyn FnMut(&Chunk) -> Result<()> + Send),
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<()> {
        let size = self.chunk_points();
        let per_wave = 2 * rayon::current_num_threads().max(1);
        let new_wave = || -> Vec<Chunk> {
            (0..per_wave)
                .map(|_| Chunk {
                    want_axis_values,
                    ..Chunk::default()
                })
                .collect()
        };
        let mut ready = new_wave();
        let mut spare = new_wave();
        let starts: Vec<u64> = (range.start..range.end).step_by(size as usize).collect();
        let compute = |bufs: &mut [Chunk], starts: &[u64]| -> Result<usize> {
            bufs[..starts.len()]
                .par_iter_mut()
                .zip(starts.par_iter())
                .try_for_each_init(
                    || None,
                    |scratch, (buf, &s)| {
                        let n = (range.end - s).min(size) as usize;
                        self.chunk(s, n, scratch, buf)?;
                        progress(n as u64);
                        Ok(())
                    },
                )?;
            Ok(starts.len())
        };
        let mut waves = starts.chunks(per_wave);
        let Some(first) = waves.next() else {
            return Ok(());
        };
        let mut n_ready = compute(&mut ready, first)?;
        for w in waves {
            let (next, written) = rayon::join(
                || compute(&mut spare, w),
                || -> Result<()> {
                    for c in &ready[..n_ready] {
                        sink(c)?;
                    }
                    Ok(())
                },
            );
            written?;
            n_ready = next?;
            std::mem::swap(&mut ready, &mut spare);
        }
        for c in &ready[..n_ready] {
            sink(c)?;
        }
        Ok(())
    }
}
