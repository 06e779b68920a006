//! `fendan sweep` and `fendan merge`.
//!
//! * Points of a grid, a Latin hypercube and a Monte Carlo sample are checked, to the
//!   fen, against separate runs of the library (`Scenario::model()` + `run` + the
//!   report sums) on a scenario carrying the point's overrides.
//! * Shards and `merge`, the long layout and Parquet: in `shards`.
//! * Broken specs (`tests/data/sweep/bad/<case>/spec.yaml`, with an optional `env` file
//!   of `NAME=value` lines) are refused before any work with the exact message in
//!   `expected.stderr` (rewrite them with `FENDAN_BLESS=1` after a deliberate change).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fendan::Scenario;
use fendan::load::Source;

use crate::common::*;

mod shards;

fn small() -> PathBuf {
    root().join("tests/data/sweep/small.yaml")
}

fn sampled() -> PathBuf {
    root().join("tests/data/sweep/sampled.yaml")
}

fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let out = fendan(dir, args);
    assert!(
        out.status.success(),
        "fendan {args:?} failed ({:?}):\n{}",
        out.status.code(),
        stderr(&out)
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Run a whole sweep into `out`.
fn sweep(spec: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", s(spec), "--out", s(out), "--quiet"];
    args.extend_from_slice(extra);
    run_ok(&root(), &args);
}

/// The axes of a spec as (path, mode, from, until), read back from its manifest.
fn axes(dir: &Path) -> Vec<(String, String, Option<String>, Option<String>)> {
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    m["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let opt = |k: &str| a[k].as_str().map(str::to_owned);
            (
                a["path"].as_str().unwrap().to_owned(),
                a["mode"].as_str().unwrap().to_owned(),
                opt("from"),
                opt("until"),
            )
        })
        .collect()
}

/// What `simulate` gives for the baseline with these overrides: by_level, by_unit and
/// equalization figures, keyed by the sweep's column names.
fn simulate_with(
    overrides: &[(String, String, Option<String>, Option<String>)],
    values: &[String],
) -> BTreeMap<String, String> {
    let mut text = "name: check\ntitle: check\nextends: baseline\noverrides:\n".to_owned();
    for ((path, mode, from, until), v) in overrides.iter().zip(values) {
        text.push_str(&format!("  - {{path: {path}, {mode}: {v}"));
        if let Some(f) = from {
            text.push_str(&format!(", from: {f}"));
        }
        if let Some(u) = until {
            text.push_str(&format!(", until: {u}"));
        }
        text.push_str("}\n");
    }
    let scenario = Scenario::parse(Source::new("check.yaml", text), Path::new(".")).unwrap();
    let model = scenario.model().unwrap();
    let out = fendan::run(&model, scenario.years).unwrap();
    let mut got = BTreeMap::new();
    for (y, l) in fendan::report::level_totals(&model, &out).unwrap() {
        for (name, v) in ["central", "province", "city", "county"].iter().zip(l) {
            got.insert(format!("{name}_{y}"), fendan::money::yuan(v));
        }
        got.insert(format!("total_{y}"), fendan::money::yuan(l.iter().sum()));
    }
    for ((y, u), l) in fendan::report::unit_totals(&model, &out).unwrap() {
        got.insert(
            format!("unit_{}_{y}", model.units[u].code),
            fendan::money::yuan(l.iter().sum()),
        );
    }
    let eq = String::from_utf8(fendan::report::equalization(&model, &out).unwrap()).unwrap();
    let mut lines = eq.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f[col("measure")] == "total" {
            let y = f[col("year")];
            got.insert(format!("cv_{y}"), f[col("cv")].to_owned());
            got.insert(format!("theil_{y}"), f[col("theil")].to_owned());
        }
    }
    got
}

/// Check the rows `picks` of DIR/points.csv against separate simulate runs.
fn check_points(dir: &Path, picks: &[usize]) {
    let (header, rows) = read_csv(&dir.join("points.csv"));
    let axes = axes(dir);
    let n_axes = axes.len();
    assert_eq!(header[0], "point");
    for &i in picks {
        let row = &rows[i];
        assert_eq!(row[0], i.to_string());
        let values: Vec<String> = row[1..=n_axes].to_vec();
        let want = simulate_with(&axes, &values);
        let mut compared = 0;
        for (h, v) in header.iter().zip(row).skip(1 + n_axes) {
            let w = want
                .get(h)
                .unwrap_or_else(|| panic!("no simulate figure for column {h}"));
            assert_eq!(v, w, "point {i} ({values:?}), column {h}");
            compared += 1;
        }
        assert_eq!(compared, header.len() - 1 - n_axes);
    }
}

#[test]
fn grid_points_equal_simulate_to_the_fen() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("small");
    sweep(&small(), &out, &[]);
    let (header, rows) = read_csv(&out.join("points.csv"));
    assert_eq!(rows.len(), 18);
    assert_eq!(header.len(), 1 + 3 + 25);
    // The last axis varies fastest; ranges are exact decimals.
    let firsts: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        &firsts[..7],
        ["650", "650", "650", "650", "650", "650", "700"]
    );
    let lasts: Vec<&str> = rows.iter().take(4).map(|r| r[3].as_str()).collect();
    assert_eq!(lasts, ["0.9", "1.1", "0.9", "1.1"]);
    check_points(&out, &[0, 5, 10, 17]);
}

#[test]
fn latin_hypercube_points_equal_simulate_to_the_fen() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("lhs");
    sweep(&sampled(), &out, &[]);
    let (header, rows) = read_csv(&out.join("points.csv"));
    assert_eq!(rows.len(), 12);
    assert_eq!(header.len(), 1 + 4 + 25 + 100 + 10);
    // One point in each twelfth of the uniform axis's range.
    let mut strata: Vec<usize> = rows
        .iter()
        .map(|r| {
            let x: f64 = r[3].parse().unwrap();
            ((x - 0.95) / 0.1 * 12.0).floor() as usize
        })
        .collect();
    strata.sort_unstable();
    assert_eq!(strata, (0..12).collect::<Vec<_>>());
    check_points(&out, &[0, 5, 11]);
    // Sampled values are exact decimals rounded as the spec says.
    for r in &rows {
        assert!(
            r[1].split('.').nth(1).is_none_or(|f| f.len() <= 2),
            "{}",
            r[1]
        );
        assert!(
            r[2].split('.').nth(1).is_none_or(|f| f.len() <= 4),
            "{}",
            r[2]
        );
    }
}

#[test]
fn monte_carlo_points_equal_simulate_and_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(sampled()).unwrap().replace(
        "{lhs: {n: 12, seed: 2024}}",
        "{monte_carlo: {n: 10, seed: 99}}",
    );
    let spec = tmp.path().join("mc.yaml");
    fs::write(&spec, text).unwrap();
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    sweep(&spec, &one, &["--threads", "1"]);
    sweep(&spec, &two, &["--threads", "2"]);
    for f in ["points.csv", "summary.csv", "manifest.json"] {
        assert_eq!(
            fs::read(one.join(f)).unwrap(),
            fs::read(two.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
    check_points(&one, &[0, 4, 9]);
    // The summary's P10/P50/P90 are nearest-rank percentiles of the points.
    let (_, rows) = read_csv(&one.join("points.csv"));
    let (sh, srows) = read_csv(&one.join("summary.csv"));
    let (ph, _) = read_csv(&one.join("points.csv"));
    let col = ph.iter().position(|h| h == "total_2020").unwrap();
    let mut v: Vec<i64> = rows.iter().map(|r| fen(&r[col])).collect();
    v.sort_unstable();
    let rank = |p: usize| v[(p * v.len()).div_ceil(100).max(1) - 1];
    let star = srows
        .iter()
        .find(|r| r[0] == "total_2020" && r[1] == "*")
        .unwrap();
    let at = |n: &str| sh.iter().position(|h| h == n).unwrap();
    assert_eq!(fen(&star[at("p10")]), rank(10));
    assert_eq!(fen(&star[at("p50")]), rank(50));
    assert_eq!(fen(&star[at("p90")]), rank(90));
    assert_eq!(fen(&star[at("low")]), v[0]);
    assert_eq!(fen(&star[at("high")]), v[v.len() - 1]);
}

fn overlap() -> PathBuf {
    root().join("tests/data/sweep/overlap.yaml")
}

/// The overlapping spec as a sampled design: the same axes drawn from distributions.
fn overlap_sampled(dir: &Path, sampling: &str) -> PathBuf {
    let text = fs::read_to_string(overlap())
        .unwrap()
        .replace("sampling: grid", &format!("sampling: {sampling}"))
        .replace(
            "range: {start: 600, stop: 750, step: 50}",
            "distribution: {kind: uniform, min: 600, max: 750}\n    decimals: 2",
        )
        .replace(
            "values: [0.5, 0.65, 0.8]",
            "distribution: {kind: triangular, min: 0.5, mode: 0.6, max: 0.8}",
        )
        .replace(
            "values: [0.9, 1, 1.07]",
            "distribution: {kind: normal, mean: 1, sd: 0.05, min: 0.85, max: 1.15}",
        );
    let spec = dir.join(format!("overlap-{}.yaml", sampling.len()));
    fs::write(&spec, text).unwrap();
    spec
}

/// Axes that change the same cells (a standard, the split share that pays it, a cohort
/// the same rule pays for): every point of a grid, a Latin hypercube and a Monte Carlo
/// sample equals `simulate` to the fen (and its indices to the millionth).
#[test]
fn overlapping_axes_equal_simulate_in_every_design() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = tmp.path().join("grid");
    sweep(&overlap(), &grid, &[]);
    let (_, rows) = read_csv(&grid.join("points.csv"));
    assert_eq!(rows.len(), 36);
    check_points(&grid, &[0, 7, 20, 35]);
    for (name, sampling) in [
        ("lhs", "{lhs: {n: 40, seed: 7}}"),
        ("mc", "{monte_carlo: {n: 30, seed: 11}}"),
    ] {
        let spec = overlap_sampled(tmp.path(), sampling);
        let out = tmp.path().join(name);
        sweep(&spec, &out, &[]);
        let one = tmp.path().join(format!("{name}-1"));
        sweep(&spec, &one, &["--threads", "1"]);
        for f in ["points.csv", "summary.csv", "manifest.json"] {
            assert_eq!(
                fs::read(out.join(f)).unwrap(),
                fs::read(one.join(f)).unwrap(),
                "{name}: {f} differs between 1 and 2 threads"
            );
        }
        check_points(&out, &[0, 9, 29]);
    }
    // More points than the values of each axis's decimals: the plan tabulates what
    // depends on one axis (money per head on the share, headcounts on the ratio) and
    // reads the rest at each point.
    let text = fs::read_to_string(overlap_sampled(tmp.path(), "{lhs: {n: 3000, seed: 3}}"))
        .unwrap()
        .replace("decimals: 2", "decimals: 0")
        .replace("max: 0.8}", "max: 0.8}\n    decimals: 3")
        .replace("max: 1.15}", "max: 1.15}\n    decimals: 3")
        .replace(
            "metrics: [level_totals, unit_totals, equalization]",
            "metrics: [level_totals]",
        );
    let spec = tmp.path().join("tables.yaml");
    fs::write(&spec, text).unwrap();
    let out = tmp.path().join("tables");
    sweep(&spec, &out, &[]);
    check_points(&out, &[0, 1234, 2999]);
}

#[test]
fn tornado_rows_are_one_at_a_time_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("small");
    sweep(&small(), &out, &[]);
    let (h, rows) = read_csv(&out.join("summary.csv"));
    assert_eq!(
        h,
        [
            "metric", "axis", "base", "low", "high", "swing", "at_low", "at_high", "p10", "p50",
            "p90"
        ]
    );
    // The standard alone at 750 (the others at the base scenario): simulate with it.
    let row = rows
        .iter()
        .find(|r| r[0] == "total_2018" && r[1] == "services.1.primary_public_funds.standard")
        .expect("a tornado row for the standard");
    assert_eq!(row[7], "750");
    let want = simulate_with(
        &[(
            "services.1.primary_public_funds.standard".into(),
            "set".into(),
            None,
            None,
        )],
        &["750".into()],
    );
    assert_eq!(row[4], want["total_2018"]);
    // A central share moves no total: no tornado row for it under total_2019.
    assert!(
        !rows
            .iter()
            .any(|r| r[0] == "total_2019" && r[1] == "splits.compulsory_edu.central")
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "central_2019" && r[1] == "splits.compulsory_edu.central")
    );
}

#[test]
fn range_steps_are_exact_decimals() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("steps.yaml");
    fs::write(
        &spec,
        "name: steps\naxes:\n  - path: splits.compulsory_edu.central\n    range: {start: 0, stop: 1, step: 0.1}\n  - path: services.1.primary_public_funds.standard\n    range: {start: 0.3, stop: 0.9, step: 0.3}\n",
    )
    .unwrap();
    let out = tmp.path().join("steps");
    sweep(&spec, &out, &[]);
    let (_, rows) = read_csv(&out.join("points.csv"));
    let a: Vec<&str> = rows.iter().step_by(3).map(|r| r[1].as_str()).collect();
    assert_eq!(
        a,
        [
            "0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"
        ]
    );
    let b: Vec<&str> = rows.iter().take(3).map(|r| r[2].as_str()).collect();
    assert_eq!(b, ["0.3", "0.6", "0.9"], "0.3 × 3 lands on 0.9 exactly");
    // The library gives the same values as decimals.
    let spec = fendan::sweep::Spec::from_path(&spec).unwrap();
    let dom = &spec.axes[0].domain;
    assert_eq!(dom.count(), Some(11));
    assert_eq!(dom.value(3).0, d("0.3"));
    assert_eq!(dom.value(10).0, d("1"));
}

#[test]
fn an_existing_folder_of_other_results_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("taken");
    run_ok(&root(), &["simulate", "--out", s(&out), "--quiet"]);
    let o = fendan(&root(), &["sweep", s(&small()), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds the results of scenario `baseline`, not of sweep `small`"),
        "{}",
        stderr(&o)
    );
    run_ok(
        &root(),
        &["sweep", s(&small()), "--out", s(&out), "--force", "--quiet"],
    );
    assert!(out.join("points.csv").exists());
}

#[test]
fn broken_specs_are_refused_before_any_work_with_their_exact_message() {
    let bless = std::env::var_os("FENDAN_BLESS").is_some();
    let bad = root().join("tests/data/sweep/bad");
    let mut cases: Vec<PathBuf> = fs::read_dir(&bad)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 14, "found only {} broken specs", cases.len());
    let mut failing = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let mut cmd = Command::new(bin());
        cmd.current_dir(dir)
            .args(["sweep", "spec.yaml", "--out", s(&target), "--quiet"])
            .env_remove("FENDAN_SWEEP_DISK_LIMIT")
            .env_remove("FENDAN_SWEEP_MEMORY_LIMIT")
            // The thread count comes from the fixture's `env` (RAYON_NUM_THREADS) or the cores.
            .env_remove("SLURM_CPUS_PER_TASK");
        for (k, v) in fixture_env(dir) {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let err = stderr(&out);
        let mut problems = Vec::new();
        if out.status.code() != Some(2) {
            problems.push(format!("exit code {:?}", out.status.code()));
        }
        if target.exists() {
            problems.push("wrote its output folder".to_owned());
        }
        if err.contains("panicked") {
            problems.push("panicked".to_owned());
        }
        let expected = dir.join("expected.stderr");
        if bless && problems.is_empty() {
            fs::write(&expected, &err).unwrap();
        }
        match fs::read_to_string(&expected) {
            Ok(e) if e == err => {}
            Ok(e) => problems.push(format!(
                "stderr differs:\n--- expected\n{e}--- actual\n{err}"
            )),
            Err(e) => problems.push(format!("cannot read expected.stderr: {e}")),
        }
        if !problems.is_empty() {
            failing.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(failing.is_empty(), "{}", failing.join("\n"));
}

#[test]
fn the_readme_sweep_example_is_valid() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.contains("name: edu_sensitivity"))
        .expect("README shows a sweep spec");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("edu.yaml");
    fs::write(&path, block).unwrap();
    let spec = fendan::sweep::Spec::from_path(&path).unwrap();
    assert_eq!(spec.points(), Some(189), "the README says 189 points");
}
