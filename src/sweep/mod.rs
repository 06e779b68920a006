//! Parameter sweeps: grids, Latin hypercubes and Monte Carlo samples over any parameter
//! path, evaluated incrementally, in parallel, streamed to disk, sharded for clusters.
//!
//! * [`spec`]: the YAML spec, checked with file:line:col messages before any work.
//! * [`eval`]: the base run, what each axis touches, the accumulator and the metrics.
//! * [`plan`]: cells grouped by the axes they depend on, each group tabulated or read
//!   directly at each point (`read`, `linear`); every point's metrics equal those of
//!   `simulate` with the same overrides, to the fen (the equalization indices as
//!   [`crate::stats::indices`] gives them).
//! * [`sample`]: seeded, platform-independent draws (ChaCha8, Feistel permutations).
//! * `stream`: the points in order, in fixed-size chunks computed in parallel (memory
//!   does not grow with the number of points).
//! * `summary`: tornado rows and percentiles; `fixed`: metric values as exact text.
//! * `out`, `long`, `parquet_out`: the points files (wide and long, CSV and Parquet).
//! * `shard`: `--shard K/N` parts and `merge`; `resources`: disk and memory checks.
//! * this module: the [`Sweep`] itself, its manifest, and a single-process run.
//!
//! Outputs carry no clock and no thread count, so a rerun, a different `--threads` or
//! shards joined by `merge` give the same bytes.

pub mod capacity;
pub mod eval;
pub mod plan;
pub mod sample;
pub mod spec;

mod fixed;
mod linear;
mod long;
mod out;
#[cfg(feature = "parquet")]
mod parquet_out;
mod read;
mod resources;
mod shard;
mod stream;
mod summary;

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::output::{Owner, Protected, Transaction};
pub use eval::{Assign, Column, Evaluator, MISSING};
pub use out::Layout;
use out::Writers;
pub use shard::{MergeReport, merge, shard_range};
pub use spec::{Axis, Dist, Domain, Metric, Mode, Sampling, Spec};
pub use stream::{Chunk, Estimate};
use stream::{Texts, Want};
use summary::{Stats, quantiles, render_summary};

/// Whether this build writes Parquet (cargo feature `parquet`).
pub const PARQUET: bool = cfg!(feature = "parquet");

/// How points are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// A sweep ready to run: the checked spec, the base run, the evaluator.
pub struct Sweep {
    pub spec: Spec,
    pub ev: Evaluator,
    pub points: u64,
    /// SHA-256 over fendan's version, the spec, the base scenario(s) and every input.
    pub hash: String,
    texts: Vec<Texts>,
    /// Which cells each axis changes, and the tables of the tabulated groups.
    pub plan: plan::Plan,
    /// The layout being written (chunks are smaller when long rows are built too).
    layout: Layout,
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

/// The spilled metric values of a sampled sweep, for its percentiles: a hidden file in
/// the folder being written, removed before the folder is put in place.
const SPILL: &str = ".spill";

fn read_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Read {
        path: path.to_owned(),
        source,
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
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
        let mut checked: Vec<Vec<Assign>> = Vec::new();
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
            checked.push(check);
        }
        let budget = resources::table_budget()?;
        let mut plan = plan::Plan::new(&ev, spec.sampling, points, budget);
        plan.verify(&ev, &checked)?;
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
            plan,
            layout: Layout::Wide,
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
                let mut axis = serde_json::json!({
                    "name": a.name,
                    "path": a.path,
                    "mode": a.mode.key(),
                    "from": a.from.as_ref().map(|f| f.value.clone()),
                    "until": a.until.as_ref().map(|f| f.value.clone()),
                    kind: detail,
                });
                if let Some(sh) = &a.shift {
                    let classes: Option<Vec<&str>> = sh
                        .classes
                        .as_ref()
                        .map(|c| c.value.iter().map(|x| x.value.as_str()).collect());
                    axis["shift"] = serde_json::json!({
                        "from": sh.from.value,
                        "to": sh.to.value,
                        "classes": classes,
                    });
                }
                axis
            })
            .collect();
        let mut core = serde_json::json!({
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
        });
        // What the capacity metric rests on: `illustrative` when revenue figures are made up.
        if let Some(basis) = self.ev.fiscal_basis() {
            core["fiscal_basis"] = serde_json::json!(basis);
        }
        core
    }

    /// The files this sweep reads (the spec, its base scenario and the data): no output
    /// may be written over them.
    pub fn protected(&self) -> Protected {
        Protected::new(
            self.spec
                .source
                .path
                .iter()
                .chain(self.spec.base.files.iter()),
        )
    }

    /// Run every point and write `points.csv` (or `.parquet`; with the long layout
    /// `points_long.*` too), `summary.csv` and `manifest.json` as the folder `dir`, put
    /// in place in one step (see [`crate::output`]); what the old folder held besides
    /// its outputs (`parts/`, `logs/`) is kept.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        dir: &Path,
        format: Format,
        layout: Layout,
        force: bool,
        start: &dyn Fn(&Estimate),
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report> {
        if format == Format::Parquet && !PARQUET {
            return Err(no_parquet());
        }
        self.layout = layout;
        let mut tx = Transaction::new(self.protected(), force);
        let staging = tx.folder(dir, Owner::Sweep(&self.spec.name))?;
        self.check_resources(dir, &(0..self.points))?;
        self.precompute()?;
        start(&self.estimate(&(0..self.points))?);
        let info = self.summary_info()?;
        let mut stats = Stats::new(info.columns.len());
        let mut spill = match info.quantiles {
            true => Some(staging.create(SPILL)?),
            false => None,
        };
        let schema = Arc::new(info.schema.clone());
        let mut w = Writers::create(&staging, format, layout, &schema, &self.header)?;
        let mut sink = |c: &Chunk| -> Result<()> {
            w.write(c)?;
            stats.add_chunk(c.first, &c.metrics, spill.as_mut())
        };
        let want = Want {
            axis_values: format == Format::Parquet,
            long: (format == Format::Csv && layout == Layout::Long).then(|| schema.clone()),
        };
        self.stream(0..self.points, &want, &mut sink, progress)?;
        let outputs = w.finish(&staging)?;
        let quantiles = match spill.take() {
            Some(s) => {
                s.finish()?;
                let q = quantiles(
                    &staging.path(SPILL),
                    &staging.shown(""),
                    info.columns.len(),
                    &stats,
                )?;
                fs::remove_file(staging.path(SPILL)).map_err(staging.err(SPILL))?;
                Some(q)
            }
            None => None,
        };
        let summary = render_summary(&info, &stats, quantiles.as_deref());
        staging.write("summary.csv", &summary)?;
        let manifest = final_manifest(&info.manifest, &outputs, &summary);
        staging.write("manifest.json", &manifest)?;
        tx.commit()?;
        let mut files: Vec<String> = outputs.into_iter().map(|o| o.0).collect();
        files.extend(["summary.csv".into(), "manifest.json".into()]);
        Ok(Report {
            dir: dir.to_owned(),
            files,
            points: self.points,
            range: 0..self.points,
            skipped: false,
        })
    }
}

impl Sweep {
    /// Compute the points of `range` (after [`Sweep::precompute`]) and hand each chunk
    /// — its CSV rows and metric values — to `sink`, in point order, writing nothing:
    /// what a run does between its tables and its files (the benchmarks time it).
    pub fn compute(
        &self,
        range: Range<u64>,
        sink: &mut (dyn FnMut(&Chunk) -> Result<()> + Send),
    ) -> Result<()> {
        self.stream(range, &Want::default(), sink, &|_| {})
    }
}

/// The error for Parquet asked of a build without it.
pub(super) fn no_parquet() -> Error {
    Error::Usage(
        "this fendan was built without Parquet; rebuild it with `cargo build --release --features parquet`, or write CSV".into(),
    )
}

/// A file's name without its folder: manifests must not depend on how the spec and
/// its inputs were named on the command line (a relative or an absolute path).
fn base_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

fn final_manifest(
    core: &serde_json::Value,
    points: &[(String, String)],
    summary: &[u8],
) -> Vec<u8> {
    let mut m = core.clone();
    let mut outputs: Vec<serde_json::Value> = points
        .iter()
        .map(|(name, sha)| serde_json::json!({"name": name, "sha256": sha}))
        .collect();
    outputs
        .push(serde_json::json!({"name": "summary.csv", "sha256": hex(&Sha256::digest(summary))}));
    m["outputs"] = serde_json::json!(outputs);
    let mut json = serde_json::to_vec_pretty(&m).expect("manifest serialises");
    json.push(b'\n');
    json
}
