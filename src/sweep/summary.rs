//! `summary.csv`: one-at-a-time tornado rows per metric, and the spread over all points
//! (minimum, maximum and, for sampled designs, exact P10/P50/P90 by radix selection over
//! a spill file, so memory stays small whatever the point count).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::fixed::fixed;
use super::{MISSING, Sweep, read_err};
use crate::error::Result;
use crate::output::Sink;

pub(super) struct TornadoRow {
    pub(super) column: usize,
    pub(super) axis: usize,
    pub(super) swing: i64,
    pub(super) cells: Vec<String>,
}

/// What the summary needs besides the points, stored in each part for `merge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SummaryInfo {
    pub(super) columns: Vec<String>,
    pub(super) scales: Vec<u8>,
    pub(super) base: Vec<i64>,
    pub(super) tornado: Vec<(usize, Vec<String>)>,
    pub(super) quantiles: bool,
    pub(super) manifest: serde_json::Value,
}

/// Per-column minimum and maximum (with the first point giving them) and count.
pub(super) struct Stats {
    pub(super) min: Vec<(i64, u64)>,
    pub(super) max: Vec<(i64, u64)>,
    pub(super) count: Vec<u64>,
    pub(super) rows: u64,
}

impl Stats {
    pub(super) fn new(cols: usize) -> Stats {
        Stats {
            min: vec![(i64::MAX, 0); cols],
            max: vec![(i64::MIN, 0); cols],
            count: vec![0; cols],
            rows: 0,
        }
    }

    pub(super) fn add_chunk(
        &mut self,
        first: u64,
        metrics: &[i64],
        spill: Option<&mut Sink>,
    ) -> Result<()> {
        let cols = self.count.len();
        if cols == 0 {
            return Ok(());
        }
        for (r, row) in metrics.chunks(cols).enumerate() {
            let p = first + r as u64;
            for (j, v) in row.iter().enumerate() {
                if *v == MISSING {
                    continue;
                }
                self.count[j] += 1;
                if *v < self.min[j].0 {
                    self.min[j] = (*v, p);
                }
                if *v > self.max[j].0 || self.count[j] == 1 {
                    self.max[j] = (*v, p);
                }
            }
            self.rows += 1;
        }
        if let Some(w) = spill {
            let mut bytes = Vec::with_capacity(metrics.len() * 8);
            for v in metrics {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            w.write_all(&bytes)?;
        }
        Ok(())
    }
}

/// Exact nearest-rank P10, P50, P90 of each column, from the spilled values: a
/// radix selection, 11 bits a pass, so memory stays small whatever the point count.
/// `path` is read; errors name `shown`, the output the user asked for.
pub(super) fn quantiles(
    path: &Path,
    shown: &Path,
    cols: usize,
    stats: &Stats,
) -> Result<Vec<[i64; 3]>> {
    const BITS: u32 = 11;
    const PS: [u64; 3] = [10, 50, 90];
    let width: Vec<u32> = (0..cols)
        .map(|j| {
            if stats.count[j] == 0 {
                0
            } else {
                let span = (stats.max[j].0 as i128 - stats.min[j].0 as i128) as u64;
                64 - span.leading_zeros()
            }
        })
        .collect();
    let digits: Vec<u32> = width.iter().map(|w| w.div_ceil(BITS)).collect();
    // Per column and percentile: prefix found so far and the rank still sought (1-based).
    let mut prefix = vec![[0u64; 3]; cols];
    let mut rank: Vec<[u64; 3]> = (0..cols)
        .map(|j| PS.map(|p| (p * stats.count[j]).div_ceil(100).max(1)))
        .collect();
    let passes = digits.iter().copied().max().unwrap_or(0);
    let mut hist = vec![0u64; (cols * 3) << BITS];
    for pass in 0..passes {
        hist.fill(0);
        let f = File::open(path).map_err(read_err(shown))?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        let mut row = vec![0u8; cols * 8];
        for _ in 0..stats.rows {
            r.read_exact(&mut row).map_err(read_err(shown))?;
            for j in 0..cols {
                if pass >= digits[j] {
                    continue;
                }
                let v = i64::from_le_bytes(row[j * 8..j * 8 + 8].try_into().expect("8 bytes"));
                if v == MISSING {
                    continue;
                }
                let key = (v as i128 - stats.min[j].0 as i128) as u64;
                let shift = (digits[j] - 1 - pass) * BITS;
                let high = if shift + BITS >= 64 {
                    0
                } else {
                    key >> (shift + BITS)
                };
                let digit = ((key >> shift) & ((1 << BITS) - 1)) as usize;
                for t in 0..3 {
                    if prefix[j][t] == high {
                        hist[((j * 3 + t) << BITS) + digit] += 1;
                    }
                }
            }
        }
        for j in 0..cols {
            if pass >= digits[j] {
                continue;
            }
            for t in 0..3 {
                let h = &hist[(j * 3 + t) << BITS..(j * 3 + t + 1) << BITS];
                let mut cum = 0;
                for (d, c) in h.iter().enumerate() {
                    if cum + c >= rank[j][t] {
                        rank[j][t] -= cum;
                        prefix[j][t] = (prefix[j][t] << BITS) | d as u64;
                        break;
                    }
                    cum += c;
                }
            }
        }
    }
    Ok((0..cols)
        .map(|j| {
            if stats.count[j] == 0 {
                [MISSING; 3]
            } else {
                [0, 1, 2].map(|t| (stats.min[j].0 as i128 + prefix[j][t] as i128) as i64)
            }
        })
        .collect())
}

/// `summary.csv`: per metric, the tornado rows (largest swing first), then the row
/// `*` over all points (with P10/P50/P90 for sampled designs).
pub(super) fn render_summary(info: &SummaryInfo, stats: &Stats, q: Option<&[[i64; 3]]>) -> Vec<u8> {
    let mut out = b"metric,axis,base,low,high,swing,at_low,at_high,p10,p50,p90\n".to_vec();
    let mut t = info.tornado.iter().peekable();
    for (j, name) in info.columns.iter().enumerate() {
        let scale = info.scales[j];
        while let Some((_, cells)) = t.next_if(|(c, _)| *c == j) {
            out.extend_from_slice(cells.join(",").as_bytes());
            out.extend_from_slice(b",,,\n");
        }
        let mut cells = vec![name.clone(), "*".into(), fixed(info.base[j], scale)];
        if stats.count[j] > 0 {
            let (l, li) = stats.min[j];
            let (h, hi) = stats.max[j];
            cells.extend([
                fixed(l, scale),
                fixed(h, scale),
                fixed(h - l, scale),
                li.to_string(),
                hi.to_string(),
            ]);
        } else {
            cells.extend(std::iter::repeat_n(String::new(), 5));
        }
        match q {
            Some(q) => cells.extend(q[j].iter().map(|v| fixed(*v, scale))),
            None => cells.extend(std::iter::repeat_n(String::new(), 3)),
        }
        out.extend_from_slice(cells.join(",").as_bytes());
        out.push(b'\n');
    }
    out
}

impl Sweep {
    /// The base value of every metric, rendered.
    pub(super) fn base_metrics(&self) -> Vec<i64> {
        let mut m = vec![0i64; self.ev.columns.len()];
        self.ev.metrics(&self.ev.base_acc, &mut m);
        m
    }

    /// One-at-a-time tornado rows: for each axis and each metric it moves, the lowest
    /// and highest value of the metric when that axis alone takes its values (the
    /// others at the base scenario), and the axis values that give them.
    pub(super) fn tornado(&self) -> Result<Vec<TornadoRow>> {
        let base = self.base_metrics();
        let cols = &self.ev.columns;
        let sampled = self.spec.sampling.is_sampled();
        let per_axis: Vec<Vec<TornadoRow>> = (0..self.spec.axes.len())
            .into_par_iter()
            .map(|a| -> Result<Vec<TornadoRow>> {
                let values = self.ev.tornado_values(a, sampled);
                let bi = self
                    .ev
                    .blocks
                    .iter()
                    .position(|b| b.axes.contains(&a))
                    .expect("every axis is in a block");
                let block = &self.ev.blocks[bi];
                let from_table = !sampled && block.axes.len() == 1;
                let inert = self.ev.block_is_inert(block);
                let mut s = None;
                let mut delta = vec![0i64; self.ev.acc_len];
                let mut acc = vec![0i64; self.ev.acc_len];
                let mut m = vec![0i64; cols.len()];
                // Per column: (low, low at, high, high at, moved)
                let mut lo: Vec<Option<(i64, usize)>> = vec![None; cols.len()];
                let mut hi: Vec<Option<(i64, usize)>> = vec![None; cols.len()];
                let mut moved = vec![false; cols.len()];
                for (vi, assign) in values.iter().enumerate() {
                    if inert {
                        delta.fill(0);
                    } else if from_table {
                        let w = self.ev.acc_len;
                        let t = self.tables[bi].as_ref().expect("tables precomputed");
                        delta.copy_from_slice(&t[vi * w..(vi + 1) * w]);
                    } else {
                        let sc = s.get_or_insert_with(|| self.ev.scratch());
                        self.ev.axis_delta(sc, assign, &mut delta)?;
                    }
                    acc.copy_from_slice(&self.ev.base_acc);
                    if self.ev.accumulate(&mut acc, &delta).is_err()
                        || self.ev.try_metrics(&acc, &mut m).is_err()
                    {
                        return Err(self.ev.tornado_overflow(assign));
                    }
                    for (j, v) in m.iter().enumerate() {
                        if *v == MISSING {
                            continue;
                        }
                        if *v != base[j] {
                            moved[j] = true;
                        }
                        if lo[j].is_none_or(|(l, _)| *v < l) {
                            lo[j] = Some((*v, vi));
                        }
                        if hi[j].is_none_or(|(h, _)| *v > h) {
                            hi[j] = Some((*v, vi));
                        }
                    }
                }
                let text = |vi: usize| values[vi].value.normalize().to_string();
                Ok((0..cols.len())
                    .filter(|j| moved[*j])
                    .map(|j| {
                        let (l, li) = lo[j].expect("moved");
                        let (h, hi_at) = hi[j].expect("moved");
                        TornadoRow {
                            column: j,
                            axis: a,
                            swing: h - l,
                            cells: vec![
                                cols[j].name.clone(),
                                self.spec.axes[a].name.clone(),
                                fixed(base[j], cols[j].scale),
                                fixed(l, cols[j].scale),
                                fixed(h, cols[j].scale),
                                fixed(h - l, cols[j].scale),
                                text(li),
                                text(hi_at),
                            ],
                        }
                    })
                    .collect())
            })
            .collect::<Result<_>>()?;
        let mut rows: Vec<TornadoRow> = per_axis.into_iter().flatten().collect();
        rows.sort_by(|x, y| {
            x.column
                .cmp(&y.column)
                .then(y.swing.cmp(&x.swing))
                .then(x.axis.cmp(&y.axis))
        });
        Ok(rows)
    }

    pub(super) fn summary_info(&self) -> Result<SummaryInfo> {
        Ok(SummaryInfo {
            columns: self.ev.columns.iter().map(|c| c.name.clone()).collect(),
            scales: self.ev.columns.iter().map(|c| c.scale).collect(),
            base: self.base_metrics(),
            tornado: self
                .tornado()?
                .into_iter()
                .map(|r| (r.column, r.cells))
                .collect(),
            quantiles: self.spec.sampling.is_sampled(),
            manifest: self.manifest_core(),
        })
    }
}
