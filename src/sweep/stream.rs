//! Streaming the points: a grid's blocks tabulated once, then the points in order, in
//! fixed-size chunks computed in parallel and handed to a writer in point order, so
//! memory does not grow with the number of points and the bytes do not depend on the
//! thread count.

use std::ops::Range;

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::fixed::push_fixed;
use super::long::PointsSchema;
use super::plan::Point;
use super::{Domain, Metric, Sweep, eval, sample};
use crate::error::Result;

/// Points per chunk of a grid (rendered by one task), at most.
pub(super) const GRID_CHUNK: usize = 16_384;

/// Points per chunk when each point costs more: a sampled design (each point
/// recomputes some cells) or equalization indices (logarithms per unit).
pub(super) const SAMPLED_CHUNK: usize = 4096;

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

/// What chunks carry besides their CSV rows and metric values.
#[derive(Default)]
pub(super) struct Want {
    /// The axis values (for Parquet).
    pub(super) axis_values: bool,
    /// The long layout's CSV rows.
    pub(super) long: Option<std::sync::Arc<PointsSchema>>,
}

/// What a run is expected to take, from a few timed points.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub points: u64,
    pub seconds: f64,
    pub threads: usize,
    /// Cell groups (see [`super::plan`]), how many are tabulated, and the cells
    /// recomputed at each point.
    pub groups: usize,
    pub tabulated: usize,
    pub direct_cells: usize,
}

impl Estimate {
    /// The start line's estimate, e.g. "about 5.2 s (162000 points/s on 2 threads)".
    pub fn describe(&self) -> String {
        let rate = self.points as f64 / self.seconds.max(1e-9);
        let time = if self.seconds < 120.0 {
            format!("{:.1} s", self.seconds)
        } else if self.seconds < 7200.0 {
            format!("{:.0} min", self.seconds / 60.0)
        } else {
            format!("{:.1} h", self.seconds / 3600.0)
        };
        format!(
            "{} cell groups ({} tabulated, {} cells recomputed a point); estimated run time about {time} ({:.0} points/s on {} threads)",
            self.groups, self.tabulated, self.direct_cells, rate, self.threads
        )
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
    /// The long layout's rows of these points, when one is written.
    pub long: Vec<u8>,
    pub(super) want_long: Option<std::sync::Arc<PointsSchema>>,
}

impl Sweep {
    /// Points per chunk: fewer when points are costly or rows wide.
    pub(super) fn chunk_points(&self) -> u64 {
        let costly =
            self.spec.sampling.is_sampled() || self.spec.metrics.contains(&Metric::Equalization);
        let by_cost = if costly { SAMPLED_CHUNK } else { GRID_CHUNK } as u64;
        let mut per_point = self.row_bytes() + self.ev.columns.len() as u64 * 8;
        if self.layout == super::Layout::Long {
            per_point += (self.spec.axes.len() + self.ev.columns.len()) as u64 * 48;
        }
        by_cost.min(CHUNK_BYTES / per_point.max(1)).max(16)
    }

    /// Tabulate the groups the plan tabulates (see [`super::plan`]).
    pub fn precompute(&mut self) -> Result<()> {
        self.plan.tabulate(&self.ev)
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
        chunk.long.clear();
        let mut spans = vec![(0usize, 0usize); self.spec.axes.len()];
        let n_axes = self.spec.axes.len();
        let n_m = self.ev.columns.len();
        let mut acc = vec![0i64; self.ev.acc_len];
        let mut m = vec![0i64; n_m];
        let mut idx = vec![0u64; n_axes];
        let mut vals = vec![Decimal::ZERO; n_axes];
        let mut itoa_buf = itoa::Buffer::new();
        let sampled = self.spec.sampling.is_sampled();
        let mut u = vec![0f64; n_axes];
        let mut buf = Vec::new();
        let mut value_text = String::new();
        let point_overflow = |p: u64, idx: &[u64], vals: &[Decimal]| {
            let values = if sampled {
                vals.to_vec()
            } else {
                self.grid_values(idx)
            };
            self.ev.point_overflow(p, &values)
        };
        for p in first..first + n as u64 {
            chunk.csv.extend_from_slice(itoa_buf.format(p).as_bytes());
            acc.copy_from_slice(&self.ev.base_acc);
            if sampled {
                sample::uniforms(self.spec.sampling, p, &mut u);
                for (a, axis) in self.spec.axes.iter().enumerate() {
                    chunk.csv.push(b',');
                    spans[a].0 = chunk.csv.len();
                    match &axis.domain {
                        Domain::Dist { dist, decimals, .. } => {
                            let value = sample::quantile(dist, u[a], *decimals);
                            vals[a] = value;
                            idx[a] = self.plan.dist_index(a, value);
                            use std::fmt::Write as _;
                            value_text.clear();
                            let _ = write!(value_text, "{value}");
                            chunk.csv.extend_from_slice(value_text.as_bytes());
                        }
                        d => {
                            let i = sample::pick(u[a], d.count().expect("discrete"));
                            idx[a] = i;
                            vals[a] = d.value(i).0;
                            chunk.csv.extend_from_slice(self.texts[a].get(i as usize));
                        }
                    }
                    spans[a].1 = chunk.csv.len();
                    if chunk.want_axis_values {
                        chunk.axis_values.push(vals[a].normalize());
                    }
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
                    spans[a].0 = chunk.csv.len();
                    chunk.csv.extend_from_slice(self.texts[a].get(*i as usize));
                    spans[a].1 = chunk.csv.len();
                    vals[a] = self.spec.axes[a].domain.value(*i).0;
                    if chunk.want_axis_values {
                        chunk.axis_values.push(vals[a].normalize());
                    }
                }
            }
            let pt = Point {
                vals: &vals,
                idx: &idx,
            };
            if !self
                .plan
                .add_point(&self.ev, &pt, scratch, &mut buf, &mut acc)?
            {
                return Err(point_overflow(p, &idx, &vals));
            }
            if self.ev.try_metrics(&acc, &mut m).is_err() {
                return Err(point_overflow(p, &idx, &vals));
            }
            for (v, c) in m.iter().zip(&self.ev.columns) {
                chunk.csv.push(b',');
                push_fixed(&mut chunk.csv, *v, c.scale);
            }
            chunk.csv.push(b'\n');
            chunk.metrics.extend_from_slice(&m);
            if let Some(long) = &chunk.want_long {
                let csv = &chunk.csv;
                long.push(
                    &mut chunk.long,
                    p,
                    spans.iter().map(|(a, b)| &csv[*a..*b]),
                    &m,
                );
            }
        }
        Ok(())
    }

    /// Time a few of the points of `range` (at most about 50 ms of them, on this
    /// thread) to estimate how long the whole range takes on the pool's threads. Call
    /// after [`Sweep::precompute`]; the points are computed again by the run.
    pub fn estimate(&self, range: &Range<u64>) -> Result<Estimate> {
        let started = std::time::Instant::now();
        let mut scratch = None;
        let mut chunk = Chunk::default();
        let mut done = 0u64;
        let total = range.end - range.start;
        while done < total.min(4096) && started.elapsed().as_secs_f64() < 0.05 {
            let n = (total - done).min(64);
            self.chunk(range.start + done, n as usize, &mut scratch, &mut chunk)?;
            done += n;
        }
        let per_point = started.elapsed().as_secs_f64() / done.max(1) as f64;
        let threads = rayon::current_num_threads().max(1);
        // Writing runs beside the computing; on few cores it takes a share of them.
        let seconds = per_point * total as f64 / threads as f64;
        Ok(Estimate {
            points: total,
            seconds,
            threads,
            groups: self.plan.groups.len(),
            tabulated: self.plan.tabulated(),
            direct_cells: self.plan.direct_cells(self.ev.n_units),
        })
    }

    /// Compute the points of `range` in chunks, in parallel, and hand them to `sink`
    /// in point order. At most two waves of chunks are in memory at once.
    pub(super) fn stream(
        &self,
        range: Range<u64>,
        want: &Want,
        sink: &mut (dyn FnMut(&Chunk) -> Result<()> + Send),
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<()> {
        let size = self.chunk_points();
        let per_wave = 2 * rayon::current_num_threads().max(1);
        let new_wave = || -> Vec<Chunk> {
            (0..per_wave)
                .map(|_| Chunk {
                    want_axis_values: want.axis_values,
                    want_long: want.long.clone(),
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
