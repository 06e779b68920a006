//! `fendan merge`: check and join the parts of a sharded sweep.

use std::path::Path;
use std::time::Instant;

use super::{Outcome, print};

pub fn run(dir: &Path, quiet: bool) -> Outcome {
    let started = Instant::now();
    let bar = super::sweep::progress_bar(0, quiet, "merge");
    let progress = |n: u64| bar.inc(n);
    let report = fendan::sweep::merge(dir, &progress)?;
    bar.finish_and_clear();
    if quiet {
        return Ok(());
    }
    print(&format!(
        "merged {} shards of sweep {}: {} points in {:.2} s; wrote points.csv, summary.csv, manifest.json to {}\n",
        report.shards,
        report.sweep,
        report.points,
        started.elapsed().as_secs_f64(),
        report.dir.display()
    ))
}
