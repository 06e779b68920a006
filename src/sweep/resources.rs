//! Will the sweep fit? The disk space its files need and the memory its tables need,
//! measured (statvfs, `/proc/meminfo`) or capped by `FENDAN_SWEEP_DISK_LIMIT` and
//! `FENDAN_SWEEP_MEMORY_LIMIT`, checked before any work so that a sweep too large for the
//! machine is refused with a message that says what to change, not killed halfway.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::fixed::fixed;
use super::{Domain, Sweep};
use crate::error::{Error, Result};

/// Memory assumed for the model, the base run and per-thread working copies.
pub(super) const BASE_MEMORY: u64 = 64_000_000;

pub(super) fn human(bytes: u128) -> String {
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

/// Bytes the filesystem holding `dir` (or its nearest existing parent) has free.
pub(super) fn free_disk(dir: &Path) -> Option<u64> {
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
pub(super) fn free_memory() -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The limit in force: the smaller of what the system reports and the environment's.
pub(super) fn limit(measured: Option<u64>, env: &str) -> Result<(Option<u64>, &'static str)> {
    let e = crate::limits::env_size(env)?;
    Ok(match (measured, e) {
        (Some(m), Some(l)) if l < m => (Some(l), "limit"),
        (None, Some(l)) => (Some(l), "limit"),
        (m, _) => (m, "system"),
    })
}

impl Sweep {
    /// An estimate of a points.csv row, in bytes.
    pub(super) fn row_bytes(&self) -> u64 {
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
    pub(super) fn table_bytes(&self) -> u128 {
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
        // Memory first: a sweep too big to tabulate cannot be helped by sharding, and
        // the message should not depend on how full the output disk happens to be.
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
                format!("the free space on the disk of {},", dir.display())
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
        Ok(())
    }
}
