//! Criterion benchmarks of the engine's library functions.
//!
//! `cargo bench --bench simulate` times each stage of a run on the embedded seeds
//! (83 services × 20 units × 5 years × 4 levels) — load, run, render — and, on a
//! synthetic dataset of 2,860 units, the size of China's county level
//! (`fendan::synthetic`), the projection, the in-memory rendering and the national-scale
//! stream `simulate` runs: cells computed a chunk at a time, rendered, hashed and handed
//! to a sink (here one that discards them, so the disk is not timed), as CSV and, with
//! `--features parquet`, as Parquet. End-to-end
//! timings of the binary and the results are in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use fendan::{Inputs, Scenario, Years};

const YEARS: Years = Years {
    first: 2016,
    last: 2020,
};

/// 143 copies of Handan's 20 units: 2,860 units.
const COPIES: usize = 143;

/// The embedded seeds: from the compiled plan (what every run on them does), and from
/// their text with every check (what a plan of one's own costs, and what the compiled
/// plan saves).
fn load(c: &mut Criterion) {
    let inputs = Inputs::embedded();
    let mut g = c.benchmark_group("load");
    g.bench_function("embedded_seeds", |b| {
        b.iter(|| fendan::load(black_box(&inputs)).expect("seeds load"))
    });
    g.bench_function("seeds_text", |b| {
        b.iter(|| fendan::load::compiled::load_seeds_text().expect("seeds load"))
    });
    g.finish();
}

fn run_baseline(c: &mut Criterion) {
    let model = fendan::load(&Inputs::embedded()).expect("seeds load");
    c.benchmark_group("run_baseline")
        .bench_function("20_units", |b| {
            b.iter(|| fendan::run(black_box(&model), YEARS).expect("baseline runs"))
        });
}

fn render_baseline(c: &mut Criterion) {
    let scenario = Scenario::baseline();
    let model = fendan::load(&scenario.inputs).expect("seeds load");
    let outcome = fendan::run(&model, scenario.years).expect("baseline runs");
    c.benchmark_group("render_baseline")
        .bench_function("20_units", |b| {
            b.iter(|| fendan::report::render(black_box(&model), &outcome, &scenario))
        });
}

fn run_synthetic(c: &mut Criterion) {
    let inputs = fendan::synthetic::replicate(&Inputs::embedded(), COPIES);
    let model = fendan::load(&inputs).expect("synthetic inputs load");
    assert_eq!(model.units.len(), 2860);
    let mut group = c.benchmark_group("run_synthetic_2850");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("2860_units", |b| {
        b.iter(|| fendan::run(black_box(&model), YEARS).expect("synthetic runs"))
    });
    group.finish();
}

fn render_synthetic(c: &mut Criterion) {
    let mut scenario = Scenario::baseline();
    scenario.inputs = fendan::synthetic::replicate(&scenario.inputs, COPIES);
    let model = fendan::load(&scenario.inputs).expect("synthetic inputs load");
    let outcome = fendan::run(&model, YEARS).expect("synthetic runs");
    let mut group = c.benchmark_group("render_synthetic_2850");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("2860_units", |b| {
        b.iter(|| fendan::report::render(black_box(&model), &outcome, &scenario))
    });
    group.finish();
}

/// What `simulate` does between loading and the disk at national scale: prepare, then
/// compute, render and hash the 1,787,500 rows of the detail a chunk at a time, and
/// render the summaries from the totals gathered on the way.
fn national(c: &mut Criterion) {
    let inputs = fendan::synthetic::replicate(&Inputs::embedded(), COPIES);
    let model = fendan::load(&inputs).expect("synthetic inputs load");
    let mut group = c.benchmark_group("national_2860");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(15));
    let mut formats = vec![("stream_detail_csv", fendan::report::Detail::Csv)];
    // `cargo bench --features parquet`: the same stream as Parquet, its columns encoded
    // side by side.
    if cfg!(feature = "parquet") {
        formats.push(("stream_detail_parquet", fendan::report::Detail::Parquet));
    }
    for (name, format) in formats {
        group.bench_function(name, |b| {
            b.iter(|| {
                let prepared = fendan::engine::prepare(&model, YEARS).expect("prepares");
                let view = fendan::report::View::from(&prepared);
                let fill = |r: std::ops::Range<usize>, into: &mut Vec<fendan::engine::Cell>| {
                    prepared.fill(&model, r, into)
                };
                let mut bytes = 0usize;
                let mut sink = |b: &[u8]| {
                    bytes += b.len();
                    Ok(())
                };
                let (totals, sha) =
                    fendan::report::stream_detail(&model, &view, &fill, format, &[], &mut sink)
                        .expect("streams");
                black_box((totals.total, sha, bytes))
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    load,
    run_baseline,
    render_baseline,
    run_synthetic,
    render_synthetic,
    national
);
criterion_main!(benches);
