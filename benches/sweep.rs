//! Criterion benchmarks of sweeps, one per design (issue 13): three axes that change the
//! same cells (benches/sweep/overlap-*.yaml) as a grid, a Latin hypercube and a Monte
//! Carlo sample recording the level totals, and as a grid and a Latin hypercube recording
//! every metric (unit totals and equalization too).
//!
//! Each benchmark computes 100,000 points of its spec — the points rendered as CSV rows
//! with their metric values, not written — after the tables are built once (setup, not
//! timed); criterion reports points a second (`thrpt`). `cargo bench --bench sweep`.
//! The end-to-end runs of the binary (tables, files, hashes and percentiles included)
//! and their figures are in BENCHMARKS.md.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use fendan::sweep::{Spec, Sweep};

/// Points computed per iteration.
const POINTS: u64 = 100_000;

fn prepared(file: &str) -> Sweep {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/sweep")
        .join(file);
    let spec = Spec::from_path(&path).expect("benchmark spec");
    let mut sweep = Sweep::new(spec).expect("benchmark sweep");
    sweep.precompute().expect("tables");
    sweep
}

fn bench(c: &mut Criterion, group: &str, cases: &[(&str, &str)]) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(POINTS));
    for (name, file) in cases {
        let sweep = prepared(file);
        let n = POINTS.min(sweep.points);
        g.bench_function(*name, |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                sweep
                    .compute(0..n, &mut |chunk| {
                        bytes += chunk.csv.len();
                        Ok(())
                    })
                    .expect("points");
                black_box(bytes)
            })
        });
    }
    g.finish();
}

fn level_totals(c: &mut Criterion) {
    bench(
        c,
        "sweep_level_totals",
        &[
            ("grid", "overlap-grid.yaml"),
            ("lhs", "overlap-lhs.yaml"),
            ("monte_carlo", "overlap-mc.yaml"),
        ],
    );
}

fn every_metric(c: &mut Criterion) {
    bench(
        c,
        "sweep_unit_totals_equalization",
        &[
            ("grid", "overlap-grid-eq.yaml"),
            ("lhs", "overlap-lhs-eq.yaml"),
        ],
    );
}

criterion_group!(benches, level_totals, every_metric);
criterion_main!(benches);
