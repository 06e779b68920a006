//! Parameter sweeps: grids, Latin hypercubes and Monte Carlo samples over any parameter
//! path, evaluated incrementally, in parallel, streamed to disk, sharded for clusters.
//!
//! * [`spec`]: the YAML spec, checked with file:line:col messages before any work.
//! * [`eval`]: incremental evaluation — only the cells an axis touches are recomputed;
//!   each point's metrics equal those of `simulate` with the same overrides, to the fen.
//! * [`sample`]: seeded, platform-independent draws (ChaCha8, Feistel permutations).
//! * this module: the points in order, written in fixed-size chunks computed in
//!   parallel (memory does not grow with the number of points), the summary (tornado
//!   and percentiles), shards (`--shard K/N`) and `merge`.
//!
//! Outputs carry no clock and no thread count, so a rerun, a different `--threads` or
//! shards joined by `merge` give the same bytes.

pub mod eval;
pub mod sample;
pub mod spec;

#[cfg(feature = "parquet")]
mod parquet_out;

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
pub use eval::{Assign, Column, Evaluator, MISSING};
pub use spec::{Axis, Dist, Domain, Metric, Mode, Sampling, Spec};

/// Points per chunk of a grid (rendered by one task), at most.
const GRID_CHUNK: usize = 16_384;
/// Points per chunk when each point costs more: a sampled design (each point
/// recomputes its touched cells) or equalization indices (logarithms per unit).
const SAMPLED_CHUNK: usize = 512;
/// Bytes of rows and metric values per chunk, at most (so wide rows stay flat too).
const CHUNK_BYTES: u64 = 4_000_000;
/// Memory assumed for the model, the base run and per-thread working copies.
const BASE_MEMORY: u64 = 64_000_000;

/// Whether this build writes Parquet (cargo feature `parquet`).
pub const PARQUET: bool = cfg!(feature = "parquet");

/// How points are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// The rendered text of every value of the discrete axes (grids index into it).
#[derive(Debug, Default, Clone)]
struct Texts {
    bytes: Vec<u8>,
    offs: Vec<usize>,
}

impl Texts {
    fn get(&self, i: usize) -> &[u8] {
        &self.bytes[self.offs[i]..self.offs[i + 1]]
    }
}

/// A sweep ready to run: the checked spec, the base run, the evaluator.
pub struct Sweep {
    pub spec: Spec,
    pub ev: Evaluator,
    pub points: u64,
    /// SHA-256 over fendan's version, the spec, the base scenario(s) and every input.
    pub hash: String,
    texts: Vec<Texts>,
    tables: Vec<Option<Vec<i64>>>,
    header: Vec<u8>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub dir: PathBuf,
    pub files: Vec<String>,
    pub points: u64,
    pub range: Range<u64>,
    /// A shard found already finished (nothing recomputed).
    pub skipped: bool,
}

fn human(bytes: u128) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut x = bytes as f64;
    let mut i = 0;
    while x >= 1000.0 && i + 1 < units.len() {
        x /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{x:.1} {}", units[i])
    }
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_owned(),
        source,
    }
}

fn read_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Read {
        path: path.to_owned(),
        source,
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Append `v` (an integer carrying `scale` decimals) as a decimal number.
fn push_fixed(buf: &mut Vec<u8>, v: i64, scale: u8) {
    if v == MISSING {
        return;
    }
    if v < 0 {
        buf.push(b'-');
    }
    let a = v.unsigned_abs();
    let p = 10u64.pow(u32::from(scale));
    let mut f = itoa::Buffer::new();
    buf.extend_from_slice(f.format(a / p).as_bytes());
    buf.push(b'.');
    let mut frac = a % p;
    let start = buf.len();
    for _ in 0..scale {
        buf.push(b'0' + (frac % 10) as u8);
        frac /= 10;
    }
    buf[start..].reverse();
}

fn fixed(v: i64, scale: u8) -> String {
    let mut b = Vec::new();
    push_fixed(&mut b, v, scale);
    String::from_utf8(b).expect("ascii")
}

/// Parse a number written by [`push_fixed`]; `None` if it is not one.
fn parse_fixed(s: &[u8], scale: u8) -> Option<i64> {
    if s.is_empty() {
        return Some(MISSING);
    }
    let (neg, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let dot = body.iter().position(|b| *b == b'.')?;
    if body.len() - dot - 1 != usize::from(scale) || dot == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in body.iter().filter(|b| **b != b'.') {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

/// Bytes the filesystem holding `dir` (or its nearest existing parent) has free.
fn free_disk(dir: &Path) -> Option<u64> {
    let mut p = dir.to_path_buf();
    while !p.exists() {
        if !p.pop() {
            p = PathBuf::from(".");
            break;
        }
    }
    if p.as_os_str().is_empty() {
        p = PathBuf::from(".");
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(p.as_os_str().as_bytes()).ok()?;
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c` is a valid NUL-terminated path and `st` a writable statvfs.
        let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
        if rc != 0 {
            return None;
        }
        Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Memory available to new allocations (MemAvailable on Linux).
fn free_memory() -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A limit from the environment: bytes, or a number with kB, MB, GB or TB.
fn env_limit(name: &str) -> Result<Option<u64>> {
    let Ok(text) = std::env::var(name) else {
        return Ok(None);
    };
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        _ => u64::MAX,
    };
    match num.parse::<u64>() {
        Ok(n) if mult != u64::MAX => Ok(Some(n.saturating_mul(mult))),
        _ => Err(Error::Usage(format!(
            "{name}={text} is not a size; give bytes, or a number with kB, MB, GB or TB (e.g. 500MB)"
        ))),
    }
}

/// The limit in force: the smaller of what the system reports and the environment's.
fn limit(measured: Option<u64>, env: &str) -> Result<(Option<u64>, &'static str)> {
    let e = env_limit(env)?;
    Ok(match (measured, e) {
        (Some(m), Some(l)) if l < m => (Some(l), "limit"),
        (None, Some(l)) => (Some(l), "limit"),
        (m, _) => (m, "system"),
    })
}

impl Sweep {
    /// Run the base scenario, analyse the axes and check every value applies.
    pub fn new(spec: Spec) -> Result<Sweep> {
        let Some(points) = spec.points() else {
            return Err(Error::input(
                spec.axes_at.clone(),
                format!(
                    "the grid has more than {} points (the product of the axes' lengths: {}); give the axes fewer values, or sample them with `sampling: {{lhs: {{n: 100000, seed: 1}}}}`",
                    u64::MAX,
                    spec.axes
                        .iter()
                        .map(|a| a.domain.count().unwrap_or(1).to_string())
                        .collect::<Vec<_>>()
                        .join(" × ")
                ),
            ));
        };
        let ev = Evaluator::new(&spec)?;
        // Every value a grid lists (the ends of ranges and distributions) must apply as
        // a scenario override would.
        let mut s = ev.scratch();
        for (a, axis) in spec.axes.iter().enumerate() {
            let check: Vec<Assign> = match &axis.domain {
                Domain::List(v) => v
                    .iter()
                    .map(|(value, at)| Assign {
                        axis: a,
                        value: *value,
                        at: *at,
                    })
                    .collect(),
                Domain::Range { count, .. } => [0, count - 1]
                    .into_iter()
                    .map(|i| {
                        let (value, at) = axis.domain.value(i);
                        Assign { axis: a, value, at }
                    })
                    .collect(),
                Domain::Dist { dist, at, .. } => {
                    let (lo, hi) = dist.bounds();
                    [lo, hi]
                        .into_iter()
                        .map(|value| Assign {
                            axis: a,
                            value,
                            at: *at,
                        })
                        .collect()
                }
            };
            for c in &check {
                ev.check_applies(&mut s, c)?;
            }
        }
        let texts = spec
            .axes
            .iter()
            .map(|a| {
                let mut t = Texts::default();
                t.offs.push(0);
                if let Some(n) = a.domain.count() {
                    for i in 0..n {
                        let v = a.domain.value(i).0.normalize().to_string();
                        t.bytes.extend_from_slice(v.as_bytes());
                        t.offs.push(t.bytes.len());
                    }
                }
                t
            })
            .collect();
        let mut h = Sha256::new();
        h.update(format!("fendan sweep {}\n", env!("CARGO_PKG_VERSION")));
        h.update(spec.source.text.as_bytes());
        h.update(b"\n-- base --\n");
        h.update(spec.base.source.text.as_bytes());
        let mut seen: Vec<&str> = Vec::new();
        for o in &spec.base.overrides {
            if !seen.contains(&o.src.name.as_str()) {
                seen.push(&o.src.name);
                h.update(b"\n-- overrides --\n");
                h.update(o.src.text.as_bytes());
            }
        }
        // Contents only: the same files named by other paths give the same sweep.
        for i in &ev.model.inputs {
            h.update(format!("\n{}", i.sha256));
        }
        let hash = hex(&h.finalize());
        let mut header = b"point".to_vec();
        for a in &spec.axes {
            header.push(b',');
            header.extend_from_slice(a.name.as_bytes());
        }
        for c in &ev.columns {
            header.push(b',');
            header.extend_from_slice(c.name.as_bytes());
        }
        header.push(b'\n');
        Ok(Sweep {
            tables: vec![None; ev.blocks.len()],
            spec,
            ev,
            points,
            hash,
            texts,
            header,
        })
    }

    /// The header line of points.csv (with its newline).
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The points of shard `k` of `n` (1-based): a contiguous range.
    pub fn shard_range(&self, k: u64, n: u64) -> Range<u64> {
        shard_range(self.points, k, n)
    }

    /// Points per chunk: fewer when points are costly or rows wide.
    fn chunk_points(&self) -> u64 {
        let costly =
            self.spec.sampling.is_sampled() || self.spec.metrics.contains(&Metric::Equalization);
        let by_cost = if costly { SAMPLED_CHUNK } else { GRID_CHUNK } as u64;
        let per_point = self.row_bytes() + self.ev.columns.len() as u64 * 8;
        by_cost.min(CHUNK_BYTES / per_point.max(1)).max(16)
    }

    /// An estimate of a points.csv row, in bytes.
    fn row_bytes(&self) -> u64 {
        let mut b = self.points.max(1).to_string().len() as u64 + 1;
        for (a, t) in self.spec.axes.iter().zip(&self.texts) {
            b += 1 + match &a.domain {
                Domain::Dist { dist, decimals, .. } => {
                    let (lo, hi) = dist.bounds();
                    (lo.trunc()
                        .to_string()
                        .len()
                        .max(hi.trunc().to_string().len())
                        + *decimals as usize
                        + 2) as u64
                }
                _ => (0..t.offs.len() - 1)
                    .map(|i| t.offs[i + 1] - t.offs[i])
                    .max()
                    .unwrap_or(1) as u64,
            };
        }
        let mut m = vec![0i64; self.ev.columns.len()];
        self.ev.metrics(&self.ev.base_acc, &mut m);
        for (v, c) in m.iter().zip(&self.ev.columns) {
            let w = if c.scale == 2 {
                fixed(*v, 2).len() + 2
            } else {
                9
            };
            b += 1 + w as u64;
        }
        b
    }

    /// Bytes the precomputed tables take.
    fn table_bytes(&self) -> u128 {
        if self.spec.sampling.is_sampled() {
            return 0;
        }
        self.ev
            .blocks
            .iter()
            .filter(|b| !self.ev.block_is_inert(b))
            .map(|b| u128::from(b.combos) * self.ev.acc_len as u128 * 8)
            .sum()
    }

    /// Refuse, before any work, a sweep whose output would not fit on the disk of
    /// `dir` or whose tables would not fit in memory.
    pub fn check_resources(&self, dir: &Path, range: &Range<u64>) -> Result<()> {
        let rows = u128::from(range.end - range.start);
        let row = u128::from(self.row_bytes());
        let spill = if self.spec.sampling.is_sampled() {
            rows * self.ev.columns.len() as u128 * 8
        } else {
            0
        };
        let need = rows * row + self.header.len() as u128 + spill;
        let at = if self.spec.sampling.is_sampled() {
            self.spec.sampling_at.clone()
        } else {
            self.spec.axes_at.clone()
        };
        let (free, why) = limit(free_disk(dir), "FENDAN_SWEEP_DISK_LIMIT")?;
        if let Some(free) = free
            && need > u128::from(free)
        {
            let spill_note = if spill > 0 {
                format!(", plus {} to compute the percentiles", human(spill))
            } else {
                String::new()
            };
            let whose = if why == "limit" {
                "the FENDAN_SWEEP_DISK_LIMIT of".to_owned()
            } else {
                "the free space on the output disk,".to_owned()
            };
            return Err(Error::input(
                at,
                format!(
                    "this sweep would write about {} ({rows} points × about {row} bytes a row{spill_note}), more than {whose} {}; give the axes fewer values, record fewer metrics, or spread the points over machines with --shard K/N",
                    human(need),
                    human(u128::from(free))
                ),
            ));
        }
        let tables = self.table_bytes();
        let texts: u128 = self
            .texts
            .iter()
            .map(|t| t.bytes.len() as u128 + t.offs.len() as u128 * 8)
            .sum();
        let threads = rayon::current_num_threads() as u128;
        let chunk = self.chunk_points() as u128;
        let buffers = 4 * threads * chunk * (row + self.ev.columns.len() as u128 * 8);
        let mem = tables + texts + buffers + u128::from(BASE_MEMORY);
        let (avail, why) = limit(free_memory(), "FENDAN_SWEEP_MEMORY_LIMIT")?;
        if let Some(avail) = avail
            && mem > u128::from(avail)
        {
            let biggest = self
                .ev
                .blocks
                .iter()
                .filter(|b| !self.ev.block_is_inert(b))
                .max_by_key(|b| b.combos);
            let detail = match biggest {
                Some(b) if b.axes.len() > 1 && !self.spec.sampling.is_sampled() => format!(
                    "the axes {} change the same cells, so their {} combinations are tabulated together, {} a combination",
                    self.ev
                        .block_axes(b)
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    b.combos,
                    human(self.ev.acc_len as u128 * 8)
                ),
                _ => format!("tables {}, axis values {}", human(tables), human(texts)),
            };
            let whose = if why == "limit" {
                "the FENDAN_SWEEP_MEMORY_LIMIT of".to_owned()
            } else {
                "the memory available,".to_owned()
            };
            return Err(Error::input(
                self.spec.axes_at.clone(),
                format!(
                    "precomputing this sweep needs about {} of memory ({detail}), more than {whose} {}; give those axes fewer values, or sample them with `sampling: {{lhs: …}}`",
                    human(mem),
                    human(u128::from(avail))
                ),
            ));
        }
        Ok(())
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

    /// Compute the points `first..first + n` into `chunk`.
    fn chunk(
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
                for (x, d) in acc.iter_mut().zip(&delta) {
                    *x += d;
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
                    for (x, d) in acc.iter_mut().zip(row) {
                        *x += d;
                    }
                }
            }
            self.ev.metrics(&acc, &mut m);
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
    fn stream(
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

    /// The base value of every metric, rendered.
    fn base_metrics(&self) -> Vec<i64> {
        let mut m = vec![0i64; self.ev.columns.len()];
        self.ev.metrics(&self.ev.base_acc, &mut m);
        m
    }

    /// One-at-a-time tornado rows: for each axis and each metric it moves, the lowest
    /// and highest value of the metric when that axis alone takes its values (the
    /// others at the base scenario), and the axis values that give them.
    fn tornado(&self) -> Result<Vec<TornadoRow>> {
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
                    for ((x, b), d) in acc.iter_mut().zip(&self.ev.base_acc).zip(&delta) {
                        *x = b + d;
                    }
                    self.ev.metrics(&acc, &mut m);
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

    /// The manifest without its outputs: what the sweep is, for `manifest.json` and
    /// the parts (so that `merge` writes the same manifest).
    fn manifest_core(&self) -> serde_json::Value {
        let spec = &self.spec;
        let file = base_name(&spec.source.name);
        let sampling = match spec.sampling {
            Sampling::Grid => serde_json::json!({"design": "grid"}),
            Sampling::Lhs { n, seed } => serde_json::json!({"design": "lhs", "n": n, "seed": seed}),
            Sampling::MonteCarlo { n, seed } => {
                serde_json::json!({"design": "monte_carlo", "n": n, "seed": seed})
            }
        };
        let axes: Vec<serde_json::Value> = spec
            .axes
            .iter()
            .map(|a| {
                let (kind, detail) = match &a.domain {
                    Domain::List(v) => ("values", serde_json::json!(v.len())),
                    Domain::Range { start, step, count, .. } => (
                        "range",
                        serde_json::json!({"start": start.normalize().to_string(), "step": step.normalize().to_string(), "count": count}),
                    ),
                    Domain::Dist { dist, decimals, .. } => {
                        let (lo, hi) = dist.bounds();
                        (
                            "distribution",
                            serde_json::json!({"kind": dist.kind(), "min": lo.normalize().to_string(), "max": hi.normalize().to_string(), "decimals": decimals}),
                        )
                    }
                };
                serde_json::json!({
                    "name": a.name,
                    "path": a.path,
                    "mode": a.mode.key(),
                    "from": a.from.as_ref().map(|f| f.value.clone()),
                    "until": a.until.as_ref().map(|f| f.value.clone()),
                    kind: detail,
                })
            })
            .collect();
        serde_json::json!({
            "fendan_version": env!("CARGO_PKG_VERSION"),
            "sweep": {
                "name": spec.name,
                "title": spec.title,
                "file": file,
                "sha256": spec.source.sha256(),
            },
            "sweep_sha256": self.hash,
            "base": {
                "name": spec.base.name,
                "file": base_name(&spec.base.source.name),
                "sha256": spec.base.source.sha256(),
            },
            "inputs": self.ev.model.inputs.iter().map(|i| serde_json::json!({"name": base_name(&i.name), "sha256": i.sha256})).collect::<Vec<_>>(),
            "years": [spec.base.years.first, spec.base.years.last],
            "sampling": sampling,
            "points": self.points,
            "axes": axes,
            "metrics": spec.metrics.iter().map(|m| m.key()).collect::<Vec<_>>(),
            "blocks": self.ev.blocks.iter().map(|b| self.ev.block_axes(b)).collect::<Vec<_>>(),
        })
    }

    fn summary_info(&self) -> Result<SummaryInfo> {
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

    /// Run every point and write `points.csv` (or `.parquet`), `summary.csv` and
    /// `manifest.json` into `dir`, each file written to a temporary name and renamed.
    pub fn run(
        &mut self,
        dir: &Path,
        format: Format,
        force: bool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report> {
        check_dir(dir, &self.spec.name, force)?;
        self.check_resources(dir, &(0..self.points))?;
        fs::create_dir_all(dir).map_err(write_err(dir))?;
        self.precompute()?;
        let info = self.summary_info()?;
        let points_name = match format {
            Format::Csv => "points.csv",
            Format::Parquet => "points.parquet",
        };
        let pid = std::process::id();
        let tmp = dir.join(format!(".{points_name}.tmp-{pid}"));
        let spill_path = dir.join(format!(".spill.tmp-{pid}"));
        let result = (|| -> Result<(String, Stats)> {
            let mut stats = Stats::new(info.columns.len());
            let mut spill = if info.quantiles {
                Some(BufWriter::new(
                    File::create(&spill_path).map_err(write_err(&spill_path))?,
                ))
            } else {
                None
            };
            let sha = match format {
                Format::Csv => {
                    let file = File::create(&tmp).map_err(write_err(&tmp))?;
                    let mut w = BufWriter::with_capacity(1 << 20, file);
                    let mut h = Sha256::new();
                    w.write_all(&self.header).map_err(write_err(&tmp))?;
                    h.update(&self.header);
                    let mut sink = |c: &Chunk| -> Result<()> {
                        w.write_all(&c.csv).map_err(write_err(&tmp))?;
                        h.update(&c.csv);
                        stats.add_chunk(c.first, &c.metrics, spill.as_mut(), &spill_path)?;
                        Ok(())
                    };
                    self.stream(0..self.points, false, &mut sink, progress)?;
                    let file = w
                        .into_inner()
                        .map_err(|e| write_err(&tmp)(e.into_error()))?;
                    file.sync_all().map_err(write_err(&tmp))?;
                    hex(&h.finalize())
                }
                Format::Parquet => {
                    self.write_parquet(&tmp, &mut stats, spill.as_mut(), &spill_path, progress)?
                }
            };
            if let Some(s) = spill.take() {
                s.into_inner()
                    .map_err(|e| write_err(&spill_path)(e.into_error()))?;
            }
            Ok((sha, stats))
        })();
        let (sha, stats) = cleanup_on_error(result, &[&tmp, &spill_path])?;
        let quantiles = if info.quantiles {
            let q = quantiles(&spill_path, info.columns.len(), &stats);
            let _ = fs::remove_file(&spill_path);
            Some(q?)
        } else {
            None
        };
        let summary = render_summary(&info, &stats, quantiles.as_deref());
        fs::rename(&tmp, dir.join(points_name)).map_err(write_err(dir))?;
        crate::output::write_file_atomically(&dir.join("summary.csv"), &summary)?;
        let manifest = final_manifest(&info.manifest, points_name, &sha, &summary);
        crate::output::write_file_atomically(&dir.join("manifest.json"), &manifest)?;
        Ok(Report {
            dir: dir.to_owned(),
            files: vec![
                points_name.into(),
                "summary.csv".into(),
                "manifest.json".into(),
            ],
            points: self.points,
            range: 0..self.points,
            skipped: false,
        })
    }

    #[cfg(feature = "parquet")]
    fn write_parquet(
        &self,
        tmp: &Path,
        stats: &mut Stats,
        mut spill: Option<&mut BufWriter<File>>,
        spill_path: &Path,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<String> {
        let mut w = parquet_out::Writer::create(tmp, self)?;
        let mut sink = |c: &Chunk| -> Result<()> {
            w.write(c)?;
            stats.add_chunk(c.first, &c.metrics, spill.as_deref_mut(), spill_path)?;
            Ok(())
        };
        self.stream(0..self.points, true, &mut sink, progress)?;
        w.finish()?;
        let mut h = Sha256::new();
        let mut f = File::open(tmp).map_err(read_err(tmp))?;
        std::io::copy(&mut f, &mut h).map_err(read_err(tmp))?;
        Ok(hex(&h.finalize()))
    }

    #[cfg(not(feature = "parquet"))]
    fn write_parquet(
        &self,
        _: &Path,
        _: &mut Stats,
        _: Option<&mut BufWriter<File>>,
        _: &Path,
        _: &(dyn Fn(u64) + Sync),
    ) -> Result<String> {
        Err(Error::Usage(
            "this fendan was built without Parquet; rebuild it with `cargo build --release --features parquet`, or write CSV".into(),
        ))
    }

    /// Run shard `k` of `n` and write `dir/parts/part-K-of-N.csv` and `.json`; a shard
    /// whose part is already complete (for this spec) is skipped.
    pub fn run_shard(
        &mut self,
        dir: &Path,
        k: u64,
        n: u64,
        force: bool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report> {
        let parts = dir.join("parts");
        let stem = format!("part-{k}-of-{n}");
        let csv_path = parts.join(format!("{stem}.csv"));
        let json_path = parts.join(format!("{stem}.json"));
        let range = self.shard_range(k, n);
        let points = self.points;
        let report = |skipped| Report {
            dir: dir.to_owned(),
            files: vec![format!("parts/{stem}.csv"), format!("parts/{stem}.json")],
            points,
            range: range.clone(),
            skipped,
        };
        if let Ok(text) = fs::read_to_string(&json_path) {
            match serde_json::from_str::<PartInfo>(&text) {
                Ok(p) if p.spec_sha256 == self.hash && !force => {
                    let size = fs::metadata(&csv_path).map(|m| m.len()).ok();
                    if size == Some(p.csv_bytes) {
                        return Ok(report(true));
                    }
                }
                Ok(p) if p.spec_sha256 != self.hash && !force => {
                    return Err(Error::Refused(format!(
                        "{} was written for another sweep or other inputs (spec hash {}…, this one {}…); remove the parts, choose another --out, or add --force to overwrite",
                        json_path.display(),
                        &p.spec_sha256[..12],
                        &self.hash[..12]
                    )));
                }
                _ => {}
            }
        }
        self.check_resources(dir, &range)?;
        fs::create_dir_all(&parts).map_err(write_err(&parts))?;
        // Temporary files a killed run of this shard left behind.
        if let Ok(entries) = fs::read_dir(&parts) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(&format!(".{stem}.")) && name.contains(".tmp-") {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        // The json is the completion mark: remove a stale one first.
        let _ = fs::remove_file(&json_path);
        let tmp = parts.join(format!(".{stem}.csv.tmp-{}", std::process::id()));
        let result = (|| -> Result<(u64, String)> {
            let file = File::create(&tmp).map_err(write_err(&tmp))?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            self.precompute()?;
            let info = self.summary_info()?;
            let mut h = Sha256::new();
            let mut bytes = 0u64;
            w.write_all(&self.header).map_err(write_err(&tmp))?;
            h.update(&self.header);
            bytes += self.header.len() as u64;
            let mut sink = |c: &Chunk| -> Result<()> {
                w.write_all(&c.csv).map_err(write_err(&tmp))?;
                h.update(&c.csv);
                bytes += c.csv.len() as u64;
                Ok(())
            };
            self.stream(range.clone(), false, &mut sink, progress)?;
            let file = w
                .into_inner()
                .map_err(|e| write_err(&tmp)(e.into_error()))?;
            file.sync_all().map_err(write_err(&tmp))?;
            let sha = hex(&h.finalize());
            fs::rename(&tmp, &csv_path).map_err(write_err(&csv_path))?;
            let part = PartInfo {
                fendan_version: env!("CARGO_PKG_VERSION").into(),
                sweep: self.spec.name.clone(),
                spec_sha256: self.hash.clone(),
                shard: k,
                shards: n,
                points: self.points,
                first: range.start,
                end: range.end,
                rows: range.end - range.start,
                csv_bytes: bytes,
                csv_sha256: sha.clone(),
                header: String::from_utf8_lossy(&self.header).trim_end().to_owned(),
                summary: info,
            };
            let mut json = serde_json::to_vec_pretty(&part).expect("part info serialises");
            json.push(b'\n');
            crate::output::write_file_atomically(&json_path, &json)?;
            Ok((bytes, sha))
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(report(false))
    }
}

/// A file's name without its folder: manifests must not depend on how the spec and
/// its inputs were named on the command line (a relative or an absolute path).
fn base_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

/// The points of shard `k` of `n` (1-based) among `points`:
/// `[⌊(k−1)·P/N⌋, ⌊k·P/N⌋)`.
pub fn shard_range(points: u64, k: u64, n: u64) -> Range<u64> {
    let at = |i: u64| (u128::from(i) * u128::from(points) / u128::from(n)) as u64;
    at(k - 1)..at(k)
}

/// Refuse to write into a folder that holds other results, unless `force`.
fn check_dir(dir: &Path, name: &str, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    let Ok(text) = fs::read_to_string(dir.join("manifest.json")) else {
        return Ok(());
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let sweep = v
        .get("sweep")
        .and_then(|s| s.get("name"))
        .and_then(|n| n.as_str());
    match sweep {
        Some(n) if n == name => Ok(()),
        Some(n) => Err(Error::Refused(format!(
            "{} holds the results of sweep `{n}`, not `{name}`; choose another --out folder or add --force to replace them",
            dir.display()
        ))),
        None => Err(Error::Refused(format!(
            "{} holds results that are not a sweep's; choose another --out folder or add --force to replace them",
            dir.display()
        ))),
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
    want_axis_values: bool,
}

struct TornadoRow {
    column: usize,
    axis: usize,
    swing: i64,
    cells: Vec<String>,
}

/// What the summary needs besides the points, stored in each part for `merge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SummaryInfo {
    columns: Vec<String>,
    scales: Vec<u8>,
    base: Vec<i64>,
    tornado: Vec<(usize, Vec<String>)>,
    quantiles: bool,
    manifest: serde_json::Value,
}

/// The small manifest of one shard's part.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PartInfo {
    fendan_version: String,
    sweep: String,
    spec_sha256: String,
    shard: u64,
    shards: u64,
    points: u64,
    first: u64,
    end: u64,
    rows: u64,
    csv_bytes: u64,
    csv_sha256: String,
    header: String,
    summary: SummaryInfo,
}

/// Per-column minimum and maximum (with the first point giving them) and count.
struct Stats {
    min: Vec<(i64, u64)>,
    max: Vec<(i64, u64)>,
    count: Vec<u64>,
    rows: u64,
}

impl Stats {
    fn new(cols: usize) -> Stats {
        Stats {
            min: vec![(i64::MAX, 0); cols],
            max: vec![(i64::MIN, 0); cols],
            count: vec![0; cols],
            rows: 0,
        }
    }

    fn add_chunk(
        &mut self,
        first: u64,
        metrics: &[i64],
        spill: Option<&mut BufWriter<File>>,
        spill_path: &Path,
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
            w.write_all(&bytes).map_err(write_err(spill_path))?;
        }
        Ok(())
    }
}

/// Exact nearest-rank P10, P50, P90 of each column, from the spilled values: a
/// radix selection, 11 bits a pass, so memory stays small whatever the point count.
fn quantiles(path: &Path, cols: usize, stats: &Stats) -> Result<Vec<[i64; 3]>> {
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
        let f = File::open(path).map_err(read_err(path))?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        let mut row = vec![0u8; cols * 8];
        for _ in 0..stats.rows {
            r.read_exact(&mut row).map_err(read_err(path))?;
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
fn render_summary(info: &SummaryInfo, stats: &Stats, q: Option<&[[i64; 3]]>) -> Vec<u8> {
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

fn final_manifest(
    core: &serde_json::Value,
    points_name: &str,
    sha: &str,
    summary: &[u8],
) -> Vec<u8> {
    let mut m = core.clone();
    m["outputs"] = serde_json::json!([
        {"name": points_name, "sha256": sha},
        {"name": "summary.csv", "sha256": hex(&Sha256::digest(summary))},
    ]);
    let mut json = serde_json::to_vec_pretty(&m).expect("manifest serialises");
    json.push(b'\n');
    json
}

/// What `merge` did.
#[derive(Debug, Clone)]
pub struct MergeReport {
    pub dir: PathBuf,
    pub shards: u64,
    pub points: u64,
    pub sweep: String,
}

/// Check the parts in `dir/parts` and join them into `points.csv`, `summary.csv` and
/// `manifest.json`, byte-identical to a single-process run. A missing or inconsistent
/// part is an error (exit code 2) that lists every problem found.
pub fn merge(dir: &Path, progress: &(dyn Fn(u64) + Sync)) -> Result<MergeReport> {
    let parts_dir = dir.join("parts");
    let entries = fs::read_dir(&parts_dir).map_err(|_| {
        Error::Refused(format!(
            "{} holds no parts: run `fendan sweep SPEC --out {} --shard K/N` for K = 1..N first",
            parts_dir.display(),
            dir.display()
        ))
    })?;
    // part-K-of-N.{csv,json}
    let mut found: Vec<(u64, u64, String)> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("part-") else {
            continue;
        };
        let (stem, ext) = match rest.rsplit_once('.') {
            Some((s, x)) if x == "csv" || x == "json" => (s, x),
            _ => continue,
        };
        let Some((k, n)) = stem.split_once("-of-") else {
            continue;
        };
        if let (Ok(k), Ok(n)) = (k.parse::<u64>(), n.parse::<u64>()) {
            found.push((k, n, ext.to_owned()));
        }
    }
    let mut ns: Vec<u64> = found.iter().map(|f| f.1).collect();
    ns.sort_unstable();
    ns.dedup();
    let n = match ns.as_slice() {
        [] => {
            return Err(Error::Refused(format!(
                "{} holds no parts (part-K-of-N.csv and .json); run the shards first",
                parts_dir.display()
            )));
        }
        [n] => *n,
        many => {
            return Err(Error::Refused(format!(
                "{} holds parts of {} different shardings (N = {}); keep the parts of one run and remove the others",
                parts_dir.display(),
                many.len(),
                many.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let mut problems: Vec<String> = Vec::new();
    let mut infos: Vec<Option<PartInfo>> = Vec::new();
    let mut missing: Vec<u64> = Vec::new();
    for k in 1..=n {
        let stem = format!("part-{k}-of-{n}");
        let json = parts_dir.join(format!("{stem}.json"));
        let csv = parts_dir.join(format!("{stem}.csv"));
        let info = match fs::read_to_string(&json) {
            Err(_) => {
                missing.push(k);
                problems.push(if csv.exists() {
                    format!("shard {k}/{n} is incomplete: parts/{stem}.csv has no parts/{stem}.json (the shard was stopped before it finished)")
                } else {
                    format!("shard {k}/{n} is missing: no parts/{stem}.json")
                });
                infos.push(None);
                continue;
            }
            Ok(t) => match serde_json::from_str::<PartInfo>(&t) {
                Ok(i) => i,
                Err(e) => {
                    missing.push(k);
                    problems.push(format!(
                        "shard {k}/{n}: parts/{stem}.json cannot be read: {e}"
                    ));
                    infos.push(None);
                    continue;
                }
            },
        };
        match fs::metadata(&csv) {
            Err(_) => {
                missing.push(k);
                problems.push(format!(
                    "shard {k}/{n} is missing its points: no parts/{stem}.csv"
                ));
            }
            Ok(m) if m.len() != info.csv_bytes => {
                missing.push(k);
                problems.push(format!(
                    "shard {k}/{n}: parts/{stem}.csv has {} bytes, its json says {}",
                    m.len(),
                    info.csv_bytes
                ));
            }
            Ok(_) => {}
        }
        if info.shard != k || info.shards != n {
            problems.push(format!(
                "shard {k}/{n}: parts/{stem}.json describes shard {}/{}",
                info.shard, info.shards
            ));
        }
        infos.push(Some(info));
    }
    let present: Vec<&PartInfo> = infos.iter().flatten().collect();
    if let Some(first) = present.first() {
        for p in &present {
            if p.spec_sha256 != first.spec_sha256 || p.points != first.points {
                problems.push(format!(
                    "shard {}/{n} was written for another sweep or other inputs than shard {}/{n} (spec hash {}… against {}…)",
                    p.shard,
                    first.shard,
                    &p.spec_sha256[..12.min(p.spec_sha256.len())],
                    &first.spec_sha256[..12.min(first.spec_sha256.len())]
                ));
                continue;
            }
            let want = shard_range(first.points, p.shard, n);
            if p.first != want.start || p.end != want.end || p.rows != want.end - want.start {
                problems.push(format!(
                    "shard {}/{n} covers points {}..{} ({} rows), not {}..{}",
                    p.shard, p.first, p.end, p.rows, want.start, want.end
                ));
            }
            if p.header != first.header {
                problems.push(format!(
                    "shard {}/{n} has other columns than shard {}/{n}",
                    p.shard, first.shard
                ));
            }
        }
    }
    if !problems.is_empty() {
        let rerun = if missing.is_empty() {
            String::new()
        } else {
            format!(
                "\nrerun the missing shards (finished ones are skipped): e.g. `sbatch --array={} tools/slurm/sweep.sbatch SPEC {} {n}`, or `fendan sweep SPEC --out {} --shard K/{n}` for K in {}",
                missing
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                dir.display(),
                dir.display(),
                missing
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::Refused(format!(
            "cannot merge {}: {} of {n} shards are not usable\n  {}{rerun}",
            dir.display(),
            missing.len().max(1),
            problems.join("\n  ")
        )));
    }
    let parts: Vec<PartInfo> = infos.into_iter().flatten().collect();
    let first = &parts[0];
    let info = &first.summary;
    let points = first.points;
    let cols = info.columns.len();
    let header = format!("{}\n", first.header);
    let n_fields = header.split(',').count();
    // Output size: the parts without their repeated headers (plus the spill).
    let need: u128 = parts.iter().map(|p| u128::from(p.csv_bytes)).sum::<u128>()
        - (header.len() as u128) * (u128::from(n) - 1)
        + if info.quantiles {
            u128::from(points) * cols as u128 * 8
        } else {
            0
        };
    let (free, why) = limit(free_disk(dir), "FENDAN_SWEEP_DISK_LIMIT")?;
    if let Some(free) = free
        && need > u128::from(free)
    {
        return Err(Error::Refused(format!(
            "merging needs about {} on the output disk, more than {} {}",
            human(need),
            if why == "limit" {
                "the FENDAN_SWEEP_DISK_LIMIT of"
            } else {
                "the free"
            },
            human(u128::from(free))
        )));
    }
    let pid = std::process::id();
    let tmp = dir.join(format!(".points.csv.tmp-{pid}"));
    let spill_path = dir.join(format!(".spill.tmp-{pid}"));
    let result = (|| -> Result<(String, Stats)> {
        let mut stats = Stats::new(cols);
        let mut spill = if info.quantiles {
            Some(BufWriter::new(
                File::create(&spill_path).map_err(write_err(&spill_path))?,
            ))
        } else {
            None
        };
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(write_err(&tmp))?);
        let mut h = Sha256::new();
        w.write_all(header.as_bytes()).map_err(write_err(&tmp))?;
        h.update(header.as_bytes());
        let mut next = 0u64;
        let mut line = Vec::new();
        let mut metrics: Vec<i64> = Vec::with_capacity(cols * 4096);
        for p in &parts {
            let path = parts_dir.join(format!("part-{}-of-{n}.csv", p.shard));
            let bad = |what: String| {
                Error::Refused(format!(
                    "cannot merge {}: {}: {what}; rerun that shard with --force",
                    dir.display(),
                    path.display()
                ))
            };
            let mut r =
                BufReader::with_capacity(1 << 20, File::open(&path).map_err(read_err(&path))?);
            let mut part_hash = Sha256::new();
            line.clear();
            r.read_until(b'\n', &mut line).map_err(read_err(&path))?;
            part_hash.update(&line);
            if line != header.as_bytes() {
                return Err(bad("its header differs from its json".into()));
            }
            let mut chunk_first = next;
            metrics.clear();
            loop {
                line.clear();
                let got = r.read_until(b'\n', &mut line).map_err(read_err(&path))?;
                if got == 0 {
                    break;
                }
                part_hash.update(&line);
                if line.last() != Some(&b'\n') {
                    return Err(bad(format!(
                        "the row after point {} is cut short",
                        next.saturating_sub(1)
                    )));
                }
                let body = &line[..line.len() - 1];
                let fields: Vec<&[u8]> = body.split(|b| *b == b',').collect();
                if fields.len() != n_fields {
                    return Err(bad(format!(
                        "a row has {} fields, not {n_fields}",
                        fields.len()
                    )));
                }
                let idx: u64 = std::str::from_utf8(fields[0])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("a row does not start with a point number".into()))?;
                if idx != next {
                    return Err(bad(format!("point {idx} where point {next} was expected")));
                }
                for (j, f) in fields[n_fields - cols..].iter().enumerate() {
                    let v = parse_fixed(f, info.scales[j]).ok_or_else(|| {
                        bad(format!(
                            "point {idx}: `{}` is not a number",
                            String::from_utf8_lossy(f)
                        ))
                    })?;
                    metrics.push(v);
                }
                w.write_all(&line).map_err(write_err(&tmp))?;
                h.update(&line);
                next += 1;
                if metrics.len() >= cols * 4096 {
                    stats.add_chunk(chunk_first, &metrics, spill.as_mut(), &spill_path)?;
                    metrics.clear();
                    progress(next - chunk_first);
                    chunk_first = next;
                }
            }
            stats.add_chunk(chunk_first, &metrics, spill.as_mut(), &spill_path)?;
            progress(next - chunk_first);
            metrics.clear();
            if hex(&part_hash.finalize()) != p.csv_sha256 {
                return Err(bad(
                    "its content differs from the SHA-256 its json records".into()
                ));
            }
            if next != p.end {
                return Err(bad(format!(
                    "it ends at point {next}, its json says {}",
                    p.end
                )));
            }
        }
        if next != points {
            return Err(Error::Refused(format!(
                "cannot merge {}: the parts hold {next} points, the sweep has {points}",
                dir.display()
            )));
        }
        let file = w
            .into_inner()
            .map_err(|e| write_err(&tmp)(e.into_error()))?;
        file.sync_all().map_err(write_err(&tmp))?;
        if let Some(s) = spill.take() {
            s.into_inner()
                .map_err(|e| write_err(&spill_path)(e.into_error()))?;
        }
        Ok((hex(&h.finalize()), stats))
    })();
    let (sha, stats) = cleanup_on_error(result, &[&tmp, &spill_path])?;
    let q = if info.quantiles {
        let q = quantiles(&spill_path, cols, &stats);
        let _ = fs::remove_file(&spill_path);
        Some(q?)
    } else {
        None
    };
    let summary = render_summary(info, &stats, q.as_deref());
    fs::rename(&tmp, dir.join("points.csv")).map_err(write_err(dir))?;
    crate::output::write_file_atomically(&dir.join("summary.csv"), &summary)?;
    let manifest = final_manifest(&info.manifest, "points.csv", &sha, &summary);
    crate::output::write_file_atomically(&dir.join("manifest.json"), &manifest)?;
    Ok(MergeReport {
        dir: dir.to_owned(),
        shards: n,
        points,
        sweep: first.sweep.clone(),
    })
}

/// Pass `result` through; on an error, first remove the temporary `files` it was writing,
/// so a failed sweep leaves nothing half-written behind.
fn cleanup_on_error<T>(result: Result<T>, files: &[&Path]) -> Result<T> {
    if result.is_err() {
        for f in files {
            let _ = fs::remove_file(f);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_numbers_round_trip_and_match_yuan() {
        for v in [0i64, 5, -5, 100, -100, 123_456_789, -123_456_789, i64::MAX] {
            assert_eq!(fixed(v, 2), crate::money::yuan(v));
            assert_eq!(parse_fixed(fixed(v, 2).as_bytes(), 2), Some(v));
            assert_eq!(parse_fixed(fixed(v, 6).as_bytes(), 6), Some(v));
        }
        assert_eq!(fixed(123, 6), "0.000123");
        assert_eq!(parse_fixed(b"1.2", 2), None);
    }

    #[test]
    fn shards_tile_the_points() {
        for points in [0u64, 1, 5, 18, 1000] {
            for n in [1u64, 3, 7, 40] {
                let mut next = 0;
                for k in 1..=n {
                    let r = shard_range(points, k, n);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, points);
            }
        }
    }
}
