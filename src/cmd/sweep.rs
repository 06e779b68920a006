//! `fendan sweep`: run a sweep spec (or one shard of it) and write its points.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fendan::Error;
use fendan::sweep::{Format, Layout, Spec, Sweep};

use super::{Outcome, print};

pub struct Request<'a> {
    pub spec: &'a Path,
    pub out: Option<&'a Path>,
    pub shard: Option<&'a str>,
    pub threads: Option<usize>,
    pub quiet: bool,
    pub force: bool,
    pub parquet: bool,
    pub long: bool,
}

/// `K/N` with 1 ≤ K ≤ N.
fn parse_shard(text: &str) -> Result<(u64, u64), Error> {
    let bad = || {
        Error::Usage(format!(
            "--shard takes K/N with 1 ≤ K ≤ N (shards count from 1; e.g. --shard 3/8), not `{text}`"
        ))
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// A progress bar with rate and ETA on stderr, only on a terminal and without --quiet.
pub fn progress_bar(total: u64, quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    // A known total gets a bar with rate and ETA; an unknown one (merge) a counter.
    let (len, template) = if total > 0 {
        (
            Some(total),
            "{msg} {wide_bar} {human_pos}/{human_len} points, {per_sec}, ETA {eta}",
        )
    } else {
        (None, "{msg} {spinner} {human_pos} points, {per_sec}")
    };
    let bar = indicatif::ProgressBar::with_draw_target(
        len,
        indicatif::ProgressDrawTarget::stderr_with_hz(8),
    );
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template"));
    bar.set_message(what.to_owned());
    bar
}

pub fn run(r: Request) -> Outcome {
    let shard = r.shard.map(parse_shard).transpose()?;
    if r.parquet && !fendan::sweep::PARQUET {
        return Err(Error::Usage(
            "this fendan was built without Parquet; rebuild it with `cargo build --release --features parquet`, or write CSV".into(),
        )
        .into());
    }
    let pool = super::pool(r.threads)?;
    let started = Instant::now();
    let spec = pool.install(|| Spec::from_path(r.spec))?;
    let dir: PathBuf = r
        .out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&spec.name));
    let format = if r.parquet {
        Format::Parquet
    } else {
        Format::Csv
    };
    let layout = if r.long { Layout::Long } else { Layout::Wide };
    let (report, sweep_desc) = pool.install(|| -> Result<_, Error> {
        let mut sweep = Sweep::new(spec)?;
        let range = match shard {
            Some((k, n)) => sweep.shard_range(k, n),
            None => 0..sweep.points,
        };
        let label = match shard {
            Some((k, n)) => format!("{} {k}/{n}", sweep.spec.name),
            None => sweep.spec.name.clone(),
        };
        let bar = progress_bar(range.end - range.start, r.quiet, &label);
        let progress = |n: u64| bar.inc(n);
        // The start line: what the sweep is and how long it should take.
        let desc = describe(&sweep);
        let start = |e: &fendan::sweep::Estimate| {
            if !r.quiet {
                bar.suspend(|| eprintln!("{desc}\n{}", e.describe()));
            }
        };
        let report = match shard {
            Some((k, n)) => {
                sweep.run_shard(&dir, k, n, format, layout, r.force, &start, &progress)?
            }
            None => sweep.run(&dir, format, layout, r.force, &start, &progress)?,
        };
        bar.finish_and_clear();
        Ok((report, describe(&sweep)))
    })?;
    if r.quiet {
        return Ok(());
    }
    let secs = started.elapsed().as_secs_f64();
    let rows = report.range.end - report.range.start;
    let text = match shard {
        Some((k, n)) if report.skipped => format!(
            "{sweep_desc}\nshard {k}/{n} (points {}..{}) is already complete in {}; skipped\n",
            report.range.start,
            report.range.end,
            report.dir.join("parts").display()
        ),
        Some((k, n)) => format!(
            "{sweep_desc}\nshard {k}/{n}: points {}..{} ({rows} rows) in {secs:.2} s; wrote {} and {} in {}\n",
            report.range.start,
            report.range.end,
            report.files[0],
            report.files[1],
            report.dir.display()
        ),
        None => format!(
            "{sweep_desc}\n{rows} points in {secs:.2} s ({:.0} points/s); wrote {} to {}\n",
            rows as f64 / secs.max(1e-9),
            report.files.join(", "),
            report.dir.display()
        ),
    };
    print(&text)
}

/// One line saying what the sweep is.
fn describe(s: &Sweep) -> String {
    use fendan::sweep::Sampling;
    let design = match s.spec.sampling {
        Sampling::Grid => format!(
            "grid {}",
            s.spec
                .axes
                .iter()
                .map(|a| a.domain.count().unwrap_or(1).to_string())
                .collect::<Vec<_>>()
                .join(" × ")
        ),
        Sampling::Lhs { n, seed } => format!("Latin hypercube, n {n}, seed {seed}"),
        Sampling::MonteCarlo { n, seed } => format!("Monte Carlo, n {n}, seed {seed}"),
    };
    let illustrative = if s.ev.fiscal_basis() == Some("illustrative") {
        "\nILLUSTRATIVE 示例数据: the capacity metric rests on revenue figures made up for an example (source `illustrative`), not data"
    } else {
        ""
    };
    format!(
        "sweep {} over {}: {} points ({design}), {} axes in {} independent blocks, {} metric columns{illustrative}",
        s.spec.name,
        s.spec.base.name,
        s.points,
        s.spec.axes.len(),
        s.ev.blocks.len(),
        s.ev.columns.len()
    )
}
