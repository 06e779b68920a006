//! `fendan report`: each kind of report holds its charts, its numbers are the folder's
//! numbers, it is self-contained, and a folder whose files changed is refused.
//! (Rendering in a real browser is `tests/browser.sh`, run by `.ci/run`.)

#![cfg(feature = "report")]

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn run_ok(args: &[&str]) -> String {
    let o = fendan(&root(), args);
    assert!(o.status.success(), "{args:?} failed:\n{}", stderr(&o));
    stdout(&o)
}

fn simulate(dir: &Path, scenario: &str) {
    run_ok(&["simulate", scenario, "--out", s(dir), "--quiet"]);
}

/// The `<svg id=…>` ids of an HTML report, in order.
fn chart_ids(html: &str) -> Vec<String> {
    html.split("<svg ")
        .skip(1)
        .filter_map(|t| t.strip_prefix("id=\""))
        .filter_map(|t| t.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// Whole fen in 万元 as the report prints them: `7,447,670.30`.
fn wan(fen: i64) -> String {
    fendan::money::grouped(&fendan::money::Scale::Wan.format(fen))
}

/// Nothing outside the file: no script, no external src/href, no CSS import.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "<script",
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "@import",
        "url(http",
    ] {
        assert!(!lower.contains(bad), "the report contains {bad}");
    }
}

#[test]
fn a_run_report_has_its_charts_and_the_files_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    simulate(&dir, "scenarios/baseline.yaml");
    let out = tmp.path().join("报告.html");
    let said = run_ok(&["report", s(&dir), "--out", s(&out)]);
    assert!(said.contains("wrote the run report"), "{said}");
    let html = fs::read_to_string(&out).unwrap();
    assert_eq!(
        chart_ids(&html),
        [
            "chart-levels",
            "chart-shares",
            "chart-per-head",
            "chart-county-burden",
            "chart-domains",
            "chart-equalization"
        ]
    );
    assert_self_contained(&html);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("lang=\"zh-CN\""));
    assert!(html.contains("@page { size: A4"), "print style for A4");
    // why: the levels table prints each level's and year's total of by_level.csv in
    // 万元; the grand total is the sum of the file's four level columns.
    let (header, rows) = read_csv(&dir.join("by_level.csv"));
    let mut grand = 0;
    for l in ["central", "province", "city", "county"] {
        let j = header.iter().position(|h| h == l).unwrap();
        let level: i64 = rows.iter().map(|r| fen(&r[j])).sum();
        assert!(html.contains(&format!(">{}</td>", wan(level))), "{l} total");
        for r in &rows {
            assert!(
                html.contains(&format!(">{}</td>", wan(fen(&r[j])))),
                "{l} {}",
                r[0]
            );
        }
        grand += level;
    }
    assert!(html.contains(&format!(">{}</td>", wan(grand))));
    assert!(html.contains("2019 分担改革"), "the 2019 reform is marked");
    // Assumptions from the manifest, and the sources.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let assumptions = manifest["assumptions"].as_array().unwrap();
    assert!(assumptions.len() > 300);
    assert!(html.contains(&format!("全部 {} 项假设", assumptions.len())));
    let first_source = manifest["sources"][0]["source"].as_str().unwrap();
    assert!(html.contains(&first_source.replace('&', "&amp;").replace('<', "&lt;")));
    // Same folder, same bytes.
    let again = tmp.path().join("again.html");
    run_ok(&["report", s(&dir), "--out", s(&again)]);
    assert!(fs::read(&out).unwrap() == fs::read(&again).unwrap());
}

#[test]
fn a_changed_or_missing_file_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    simulate(&dir, "scenarios/baseline.yaml");
    let out = tmp.path().join("r.html");
    let unit_file = dir.join("by_unit.csv");
    let text = fs::read_to_string(&unit_file).unwrap();
    fs::write(&unit_file, text.replacen(",619446,", ",619447,", 1)).unwrap();
    let o = fendan(&root(), &["report", s(&dir), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{} is not the file fendan wrote",
            unit_file.display()
        )) && err.contains("SHA-256"),
        "{err}"
    );
    assert!(!out.exists(), "no report from a changed folder");
    fs::write(&unit_file, text).unwrap();
    fs::remove_file(dir.join("equalization.csv")).unwrap();
    let o = fendan(&root(), &["report", s(&dir), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("equalization.csv is listed in manifest.json but cannot be read"));
    // Not an output folder at all.
    let o = fendan(&root(), &["report", s(tmp.path()), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds no manifest.json"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

/// The broken folders under tests/data/bad_report/: `fendan report run --out r.html`
/// in each prints exactly `expected.stderr`, exits 2 and writes nothing.
#[test]
fn broken_report_folders_give_their_exact_messages() {
    let base = root().join("tests/data/bad_report");
    let mut cases: Vec<PathBuf> = fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 2);
    for case in cases {
        let out = case.join("r.html");
        let o = fendan(&case, &["report", "run", "--out", "r.html"]);
        let expected = fs::read_to_string(case.join("expected.stderr")).unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", case.display());
        assert_eq!(stderr(&o), expected, "{}", case.display());
        assert!(!out.exists());
    }
}

#[test]
fn a_comparison_report_shows_b_minus_a_and_the_inputs_that_differ() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, pre) = (tmp.path().join("base"), tmp.path().join("pre"));
    simulate(&base, "scenarios/baseline.yaml");
    simulate(&pre, "scenarios/pre_reform_shares.yaml");
    let out = tmp.path().join("cmp.html");
    let said = run_ok(&["report", s(&pre), "--compare", s(&base), "--out", s(&out)]);
    assert!(said.contains("wrote the compare report"));
    let html = fs::read_to_string(&out).unwrap();
    assert_eq!(chart_ids(&html), ["chart-diff-levels", "chart-diff-units"]);
    assert_self_contained(&html);
    // why: B − A per level over all years, as `fendan compare A B --by level` gives it.
    let csv = tmp.path().join("cmp.csv");
    run_ok(&[
        "compare",
        s(&base),
        s(&pre),
        "--by",
        "level",
        "--out",
        s(&csv),
    ]);
    let (header, rows) = read_csv(&csv);
    let diff = header.iter().position(|h| h == "diff").unwrap();
    for r in rows.iter().filter(|r| r[0] != "total") {
        let d = fen(&r[diff]);
        let shown = if d > 0 {
            format!("+{}", wan(d))
        } else {
            wan(d)
        };
        assert!(html.contains(&format!(">{shown}</td>")), "{} {shown}", r[0]);
    }
    assert!(
        html.contains("splits.pension_base.central"),
        "a differing parameter"
    );
    // The kinds must match.
    let sweep = tmp.path().join("sweep");
    run_ok(&[
        "sweep",
        "tests/data/sweep/small.yaml",
        "--out",
        s(&sweep),
        "--quiet",
    ]);
    let o = fendan(
        &root(),
        &["report", s(&pre), "--compare", s(&sweep), "--out", s(&out)],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds a sweep"), "{}", stderr(&o));
}

#[test]
fn a_sweep_report_has_a_tornado_per_metric_and_the_sweeps_own_percentiles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sampled");
    run_ok(&[
        "sweep",
        "tests/data/sweep/sampled.yaml",
        "--out",
        s(&dir),
        "--quiet",
    ]);
    let out = tmp.path().join("sweep.html");
    run_ok(&["report", s(&dir), "--out", s(&out)]);
    let html = fs::read_to_string(&out).unwrap();
    let ids = chart_ids(&html);
    for m in [
        "central", "province", "city", "county", "total", "cv", "theil",
    ] {
        assert!(
            ids.contains(&format!("chart-tornado-{m}-2020")),
            "{m}: {ids:?}"
        );
    }
    assert_eq!(ids.last().map(String::as_str), Some("chart-band"));
    assert_self_contained(&html);
    // why: the band computed from points.csv uses the sweep's nearest-rank rule, so
    // for this sampled design it equals the P10/P50/P90 that summary.csv records.
    let text = fs::read_to_string(dir.join("manifest.json")).unwrap();
    let folder = fendan::html::SweepFolder::open(&dir, &text).unwrap();
    let band = folder.band.as_ref().expect("a band");
    let mut checked = 0;
    for (li, level) in ["central", "province", "city", "county", "total"]
        .iter()
        .enumerate()
    {
        for (yi, year) in (2016..=2020).enumerate() {
            let row = folder
                .summary
                .iter()
                .find(|r| r.metric == format!("{level}_{year}") && r.axis == "*")
                .unwrap();
            let p = row.p.expect("sampled designs record percentiles");
            let from_summary = p.map(|d| fendan::money::parse_yuan(&d.to_string()).unwrap());
            assert_eq!(band.values[li][yi], from_summary, "{level}_{year}");
            checked += 1;
        }
    }
    assert_eq!(checked, 25);
    // A year outside the sweep is a usage error.
    let o = fendan(
        &root(),
        &["report", s(&dir), "--year", "2030", "--out", s(&out)],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--year 2030 is outside"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_grid_sweep_report_computes_its_band_from_the_points() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("grid");
    run_ok(&[
        "sweep",
        "tests/data/sweep/small.yaml",
        "--out",
        s(&dir),
        "--quiet",
    ]);
    let text = fs::read_to_string(dir.join("manifest.json")).unwrap();
    let folder = fendan::html::SweepFolder::open(&dir, &text).unwrap();
    let band = folder.band.as_ref().expect("a band from points.csv");
    // why: nearest rank over the 18 points of total_2020, recomputed here from the file.
    let (header, rows) = read_csv(&dir.join("points.csv"));
    let j = header.iter().position(|h| h == "total_2020").unwrap();
    let mut v: Vec<i64> = rows.iter().map(|r| fen(&r[j])).collect();
    v.sort();
    let rank = |p: usize| v[(p * v.len()).div_ceil(100).max(1) - 1];
    assert_eq!(band.values[4][4], [rank(10), rank(50), rank(90)]);
}

#[test]
fn a_run_with_money_at_stake_ranks_its_assumptions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    simulate(&dir, "scenarios/baseline.yaml");
    // A money-at-stake table as issue 11's function will write it, listed in the
    // manifest with its SHA-256 like every output.
    use fendan::provenance::{AtStake, at_stake_csv};
    let stake = at_stake_csv(&[
        AtStake {
            path: "cohorts.age_0_3.ratio".into(),
            label: "small one".into(),
            low: [-1000, 0, 0, -500],
            high: [1000, 0, 0, 500],
        },
        AtStake {
            path: "services.48.urban_allowance.standard".into(),
            label: "城市低保 标准".into(),
            low: [-200_000_000, -10_000, 0, 0],
            high: [300_000_000, 10_000, 0, 0],
        },
    ]);
    fs::write(dir.join("at_stake.csv"), &stake).unwrap();
    let mpath = dir.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&mpath).unwrap()).unwrap();
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&stake)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    m["outputs"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "at_stake.csv", "sha256": sha}));
    fs::write(&mpath, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let out = tmp.path().join("r.html");
    run_ok(&["report", s(&dir), "--out", s(&out)]);
    let html = fs::read_to_string(&out).unwrap();
    let section = html.split("id=\"assumptions\"").nth(1).unwrap();
    // why: the low ends sum to −2,000,100.00 yuan and the high ends to 3,000,100.00,
    // a swing of 5,000,200.00 yuan = 500.02 万元; the small one swings 30.00 yuan.
    let big = section.find("城市低保 标准").unwrap();
    let small = section.find("small one").unwrap();
    assert!(big < small, "largest swing first");
    assert!(section.contains(">500.02</td>"), "the swing in 万元");
    assert!(
        section.contains("-200.00 … +300.00"),
        "central low … high in 万元"
    );
}

#[test]
fn a_run_of_many_units_shows_both_ends_of_each_unit_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("many");
    // 5 copies of the 20 units (fendan::synthetic), rendered and written as simulate does.
    let (scenario, _) = baseline();
    let inputs = fendan::synthetic::replicate(&scenario.inputs, 5);
    let model = fendan::load(&inputs).unwrap();
    let out = fendan::run(&model, scenario.years).unwrap();
    let files = fendan::report::render(&model, &out, scenario).unwrap();
    fendan::output::write_folder(
        &dir,
        &files,
        &scenario.name,
        false,
        fendan::output::Protected::new(Vec::<&std::path::Path>::new()),
    )
    .unwrap();
    let html_file = tmp.path().join("many.html");
    run_ok(&["report", s(&dir), "--out", s(&html_file)]);
    let html = fs::read_to_string(&html_file).unwrap();
    let per_head = html.split("id=\"chart-per-head\"").nth(1).unwrap();
    let per_head = per_head.split("</svg>").next().unwrap();
    // why: 100 units, 25 drawn at each end, the 50 between counted in one label.
    assert!(
        per_head.contains("另有 50 个"),
        "the left-out units are counted"
    );
    let unit_table = html.split("<table class=\"units\">").nth(1).unwrap();
    let unit_table = unit_table.split("</table>").next().unwrap();
    assert_eq!(
        unit_table.matches("<tr").count(),
        1 + 50 + 1 + 1,
        "head, 50 units, note, total"
    );
}
