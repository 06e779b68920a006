//! Your own data and your own plan: the README's walk-through (init → edit a standard →
//! simulate → compare) runs as written; a second plan package (`tests/data/plans/minicity`,
//! other domains, fiscal classes, unit codes and years) runs every command with no change
//! to the code, with figures checked by hand.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn readme() -> String {
    fs::read_to_string(root().join("README.md")).unwrap()
}

/// The first fenced block of `lang` after the line `heading` in the README.
fn block_after(text: &str, heading: &str, lang: &str) -> String {
    let rest = &text[text
        .find(heading)
        .unwrap_or_else(|| panic!("README has {heading}"))..];
    let open = format!("```{lang}\n");
    let start = rest.find(&open).unwrap() + open.len();
    rest[start..start + rest[start..].find("```").unwrap()].to_owned()
}

/// Run one shell command line in `dir`, with the built `fendan` first on the PATH.
fn sh(dir: &Path, line: &str) -> std::process::Output {
    let bin_dir = bin().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .expect("sh runs")
}

#[test]
fn the_readme_walk_through_runs_as_written() {
    let text = readme();
    let script = block_after(&text, "## Using your own data", "sh");
    let dir = tempfile::tempdir().unwrap();
    let mut last = None;
    for line in script.lines().filter(|l| !l.trim().is_empty()) {
        let o = sh(dir.path(), line);
        assert!(o.status.success(), "`{line}` failed: {}", stderr(&o));
        last = Some(stdout(&o));
    }
    let shown = block_after(
        &text,
        "4. **`fendan compare baseline output/my-plan`**",
        "text",
    );
    assert_eq!(
        last.unwrap(),
        shown,
        "the README shows what the comparison prints"
    );
    // Before the edit, the folder's scenario reproduced the baseline (tests/init.rs); after
    // it, only service 1 moves.
    assert!(dir.path().join("output/my-plan/outlays.csv").exists());
}

fn minicity() -> PathBuf {
    root().join("tests/data/plans/minicity")
}

/// Rows of `file` whose first columns are `key`, as fields.
fn rows_with(file: &Path, key: &[&str]) -> Vec<Vec<String>> {
    let (_, rows) = read_csv(file);
    rows.into_iter()
        .filter(|r| r.iter().zip(key).all(|(a, b)| a == b))
        .collect()
}

#[test]
fn a_second_plan_runs_simulate_with_its_own_lists() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = minicity().join("scenario.yaml");
    let said = fendan_ok(d, &["validate", scenario.to_str().unwrap()]);
    assert!(said.contains("years        2021-2025"), "{said}");
    fendan_ok(d, &["simulate", "-q", scenario.to_str().unwrap()]);
    let out = d.join("output/minicity");
    let (head, rows) = read_csv(&out.join("outlays.csv"));
    assert_eq!(
        head[..6],
        [
            "year",
            "unit_code",
            "unit_name",
            "service_id",
            "service_name",
            "domain"
        ]
    );
    // why: 5 years × 3 units × 3 components.
    assert_eq!(rows.len(), 45);
    let east_2021 = rows_with(
        &out.join("outlays.csv"),
        &["2021", "999001101", "东镇", "1"],
    );
    // why: pupils = round(3600 × 0.98) = 3528; 3528 × 720 = 2,540,160.00; the centre 0.5;
    // a `pooled` town splits the rest 0.4 : 0.2 : 0.4.
    assert_eq!(
        east_2021[0][5..16],
        [
            "schooling",
            "public_funds",
            "205",
            "3528",
            "1.0000",
            "720.00",
            "2540160.00",
            "1270080.00",
            "508032.00",
            "254016.00",
            "508032.00"
        ]
    );
    assert_eq!(east_2021[0][22], "pooled");
    let top_up = rows_with(&out.join("outlays.csv"), &["2023", "999001101"]);
    let top_up = top_up.iter().find(|r| r[6] == "relocation_top_up").unwrap();
    // why: East Town leaves the relocation list on 2023-07-01, so 6 months of 30 yuan for
    // round(6380 × 0.1) = 638 elderly, 80 % claiming: 638 × 0.8 × 30 × 6 = 91,872.00; from
    // 2023 the centre pays 0.2 and the rest is split 0.3 : 0.3 : 0.4 (all classes).
    assert_eq!(
        top_up[11..16],
        ["91872.00", "18374.40", "22049.28", "22049.28", "29399.04"]
    );
    assert_eq!(top_up[20], "6");
    // The street office is an urban district of this plan; the towns are not.
    let (_, eq) = read_csv(&out.join("equalization.csv"));
    let total_2021 = eq
        .iter()
        .find(|r| r[0] == "2021" && r[1] == "total")
        .unwrap();
    // why: per head 2021: street 4,605,120.00 / 52,000 = 88.56; the towns
    // (3,418,080.00 + 2,469,120.00) / (31,000 + 24,000) = 107.04.
    assert_eq!(total_2021[8..10], ["88.56", "107.04"]);
    let (_, domains) = read_csv(&out.join("by_domain.csv"));
    let ids: Vec<&str> = domains
        .iter()
        .filter(|r| r[0] == "2021")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(ids, ["schooling", "elderly_care"]);
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("示例县基本公共服务支出分担"),
        "the manifest names the plan"
    );
}

#[test]
fn a_second_plan_runs_explain_compare_and_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let m = minicity();
    let base = m.join("scenario.yaml");
    let text = fendan_ok(
        d,
        &[
            "explain",
            base.to_str().unwrap(),
            "--unit",
            "999001101",
            "--service",
            "2",
            "--year",
            "2023",
            "--component",
            "relocation_top_up",
        ],
    );
    assert!(
        text.contains("财政体制 fiscal class: 乡财县管 pooled; 贫困县 poverty status 2021: relocation, left the list 退出 2023-07-01"),
        "{text}"
    );
    assert!(text.contains("资格 eligible    6 of 12 months"), "{text}");
    assert!(
        text.contains("合计        total     91872 → 91872.00"),
        "{text}"
    );
    let text = fendan_ok(
        d,
        &[
            "explain",
            base.to_str().unwrap(),
            "--param",
            "splits.school_funds.local.own.county",
        ],
    );
    assert!(
        text.contains("2021-01-01") && text.contains("0.6"),
        "{text}"
    );
    // compare: two scenarios of the plan, by domain.
    let higher = m.join("higher_allowance.yaml");
    fendan_ok(d, &["simulate", "-q", base.to_str().unwrap()]);
    fendan_ok(d, &["simulate", "-q", higher.to_str().unwrap()]);
    let csv = d.join("diff.csv");
    fendan_ok(
        d,
        &[
            "compare",
            "output/minicity",
            "output/minicity_higher_allowance",
            "--by",
            "domain",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    let (_, rows) = read_csv(&csv);
    let schooling = rows.iter().find(|r| r[0] == "schooling").unwrap();
    // why: West Town switched to `own` moves school funds from the city to the county
    // only; its total is unchanged.
    assert_eq!(schooling[3], "0.00");
    let care = rows.iter().find(|r| r[0] == "elderly_care").unwrap();
    assert!(
        care[3].parse::<f64>().unwrap() > 0.0,
        "the allowance rose: {care:?}"
    );
    // sweep: 3 × 2 points; the base point equals simulate.
    fendan_ok(
        d,
        &["sweep", "--quiet", m.join("sweep.yaml").to_str().unwrap()],
    );
    let (head, points) = read_csv(&d.join("output/minicity_sweep/points.csv"));
    assert_eq!(points.len(), 6);
    let (_, levels) = read_csv(&d.join("output/minicity/by_level.csv"));
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    // why: point 2 is (720, 0.5), the plan as written (the last axis varies fastest).
    let p = &points[2];
    assert_eq!((p[1].as_str(), p[2].as_str()), ("720", "0.5"));
    for (y, row) in (2021..=2025).zip(&levels) {
        assert_eq!(p[col(&format!("central_{y}"))], row[1], "{y}");
        assert_eq!(p[col(&format!("total_{y}"))], row[5], "{y}");
    }
    assert!(head.iter().any(|h| h == "unit_999001102_2025"));
}

#[test]
fn a_second_plan_runs_the_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = minicity().join("scenario.yaml");
    let s = base.to_str().unwrap();
    let text = fendan_ok(d, &["assumptions", s, "--format", "csv"]);
    // why: the two labelled assumptions and the one assumed fiscal class (West Town, a
    // town that may keep its own budget).
    assert_eq!(text.lines().count(), 1 + 3, "{text}");
    assert!(text.contains("units.999001102.fiscal_class"), "{text}");
    assert!(text.contains("pooled or own"), "{text}");
    let text = fendan_ok(d, &["sources", s, "--format", "csv"]);
    assert!(text.contains("示政发〔2021〕1号"), "{text}");
    let text = fendan_ok(
        d,
        &[
            "catalog",
            "--scenario",
            s,
            "--domain",
            "elderly_care",
            "--format",
            "csv",
        ],
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    let o = fendan(d, &["catalog", "--scenario", s, "--domain", "education"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("use one of schooling, elderly_care"),
        "{}",
        stderr(&o)
    );
    // init --from the plan, then simulate: the same tables.
    fendan_ok(d, &["init", "copy", "--from", s]);
    assert!(
        fs::read(d.join("copy/plan.yaml")).unwrap()
            == fs::read(minicity().join("plan.yaml")).unwrap()
    );
    fendan_ok(d, &["simulate", "-q", s]);
    fendan_ok(d, &["simulate", "-q", "copy/scenario.yaml"]);
    for f in ["outlays.csv", "by_unit.csv", "equalization.csv"] {
        assert!(
            fs::read(d.join("output/minicity").join(f)).unwrap()
                == fs::read(d.join("output/copy").join(f)).unwrap(),
            "{f}"
        );
    }
    #[cfg(feature = "report")]
    {
        fendan_ok(d, &["report", "output/minicity", "--out", "r.html"]);
        let html = fs::read_to_string(d.join("r.html")).unwrap();
        assert!(
            html.contains("<h1>示例县基本公共服务支出分担"),
            "the report names the plan"
        );
        assert!(
            html.contains("街道 street office"),
            "the urban kind names its group"
        );
    }
}

#[test]
fn the_readme_commands_for_the_second_plan_run() {
    let text = readme();
    let script = block_after(&text, "### Another plan", "sh");
    let dir = tempfile::tempdir().unwrap();
    let plans = root().join("tests/data/plans");
    for line in script.lines().filter(|l| !l.trim().is_empty()) {
        let line = line.replace("tests/data/plans", plans.to_str().unwrap());
        let o = sh(dir.path(), &line);
        assert!(o.status.success(), "`{line}` failed: {}", stderr(&o));
    }
}

#[test]
fn a_second_plan_takes_params_schema_shift_and_stake_with_its_own_classes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = minicity().join("scenario.yaml");
    let s = base.to_str().unwrap();
    // params lists a unit's fiscal class by the plan's ids.
    let text = fendan_ok(
        d,
        &[
            "params",
            "units.999001101",
            "--scenario",
            s,
            "--format",
            "csv",
        ],
    );
    assert!(
        text.contains("units.999001101.fiscal_class,fiscal_class,东镇 · 财政体制类别,pooled,pooled,pooled,pooled,pooled"),
        "{text}"
    );
    // The schema offers the plan's classes and poverty lists, nothing of Handan's.
    let schema: serde_json::Value =
        serde_json::from_str(&fendan_ok(d, &["schema", "scenario", "--scenario", s])).unwrap();
    let shift = &schema["definitions"]["override"]["properties"]["shift"];
    assert_eq!(
        shift["properties"]["classes"]["items"]["enum"],
        serde_json::json!(["pooled", "own"])
    );
    let text = schema.to_string();
    assert!(text.contains("[\"relocation\",\"none\"]"), "poverty lists");
    assert!(!text.contains("managed"), "no class of Handan's plan");
    // shift limited to one class of this plan: the `own` towns' county share of the rest
    // (0.6) halves from 2023 and the province's (0.4) takes it; `pooled` keeps 0.4/0.2/0.4.
    let shifted = format!(
        "name: mc_shift\ntitle: shift\nextends: {s}\noverrides:\n  - {{path: splits.school_funds, shift: {{from: county, to: province, share: 0.5, classes: [own]}}, from: 2023-01-01}}\n"
    );
    fs::write(d.join("shift.yaml"), shifted).unwrap();
    let text = fendan_ok(
        d,
        &["explain", "shift.yaml", "--param", "splits.school_funds"],
    );
    // why: own: central 0.5, the rest 0.5 × (0.4 + 0.3, 0, 0.3) = 0.35, 0, 0.15.
    assert!(
        text.contains("own       0.5      0.35     0        0.15"),
        "{text}"
    );
    assert!(
        text.contains("pooled    0.5      0.2      0.1      0.2"),
        "{text}"
    );
    let wrong = "name: x\ntitle: x\noverrides:\n  - {path: splits.school_funds, shift: {from: county, to: city, share: 0.5, classes: [managed]}}\n";
    fs::write(d.join("wrong.yaml"), format!("extends: {s}\n{wrong}")).unwrap();
    let o = fendan(d, &["validate", "wrong.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`managed` is not a fiscal class; use pooled or own"),
        "{}",
        stderr(&o)
    );
    // simulate --stake ranks this plan's assumptions, its assumed town class among them.
    fendan_ok(d, &["simulate", "-q", "--stake", s]);
    let at_stake = fs::read_to_string(d.join("output/minicity/at_stake.csv")).unwrap();
    assert!(
        at_stake.contains("units.999001102.fiscal_class"),
        "{at_stake}"
    );
}

#[test]
fn capacity_groups_units_by_the_second_plans_urban_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let m = minicity();
    fs::write(
        d.join("cap.yaml"),
        format!(
            "name: mc_cap\ntitle: cap\nextends: {}\ndata: {{fiscal: {}}}\n",
            m.join("scenario.yaml").display(),
            m.join("fiscal-2023.csv").display()
        ),
    )
    .unwrap();
    fendan_ok(d, &["simulate", "-q", "cap.yaml"]);
    let out = d.join("output/mc_cap");
    let row = |file: &str, key: &[&str]| -> Vec<String> {
        let rows = rows_with(&out.join(file), key);
        assert_eq!(rows.len(), 1, "{file} {key:?}");
        rows[0].clone()
    };
    let head = |file: &str| -> Vec<String> { read_csv(&out.join(file)).0 };
    let col = |file: &str, r: &[String], name: &str| -> String {
        r[head(file).iter().position(|h| h == name).unwrap()].clone()
    };
    let street = row("capacity.csv", &["2023", "999001001"]);
    assert_eq!(col("capacity.csv", &street, "kind"), "street");
    // why: the street office's county-level outlay 1,452,378.00 over its revenue 2,000,000.
    assert_eq!(col("capacity.csv", &street, "burden_share"), "0.7262");
    let summary = row("capacity_summary.csv", &["2023"]);
    // why: the threshold of this plan's capacity.yaml (0.25, not Handan's 0.3); the urban
    // group is the street office alone; the towns': (785,891.04 + 578,772.00) / 550,000.
    assert_eq!(col("capacity_summary.csv", &summary, "threshold"), "0.2500");
    assert_eq!(
        col("capacity_summary.csv", &summary, "districts_share"),
        "0.7262"
    );
    assert_eq!(
        col("capacity_summary.csv", &summary, "counties_share"),
        "2.4812"
    );
    // why: Σ (outlay − 0.25 × revenue) = 952,378 + 710,891.04 + 516,272.
    assert_eq!(
        col("capacity_summary.csv", &summary, "transfer_need"),
        "2179541.04"
    );
}
