//! The shipped scenarios run by name from any folder, in every command that takes a
//! scenario, and a file on disk comes first (with a note when a name is both).

use std::fs;
use std::path::Path;

use crate::common::*;

fn ok(dir: &Path, args: &[&str]) -> std::process::Output {
    let o = fendan(dir, args);
    assert!(o.status.success(), "fendan {args:?}:\n{}", stderr(&o));
    o
}

#[test]
fn a_shipped_scenario_runs_by_name_from_an_empty_folder_as_its_file_does() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(
        d,
        &[
            "simulate",
            "pre_reform_shares",
            "--out",
            "by_name",
            "--quiet",
        ],
    );
    let file = root().join("scenarios/pre_reform_shares.yaml");
    ok(
        d,
        &[
            "simulate",
            file.to_str().unwrap(),
            "--out",
            "by_file",
            "--quiet",
        ],
    );
    for f in [
        "outlays.csv",
        "by_level.csv",
        "by_unit.csv",
        "by_domain.csv",
        "equalization.csv",
    ] {
        assert!(
            fs::read(d.join("by_name").join(f)).unwrap()
                == fs::read(d.join("by_file").join(f)).unwrap(),
            "{f}"
        );
    }
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("by_name/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenario"]["name"], "pre_reform_shares");
    assert_eq!(
        m["scenario"]["file"],
        "scenarios/pre_reform_shares.yaml (embedded)"
    );
    // The default output folder is named after the scenario.
    ok(d, &["simulate", "birth_shock", "--quiet"]);
    assert!(d.join("output/birth_shock/by_level.csv").is_file());
}

#[test]
fn every_command_that_takes_a_scenario_takes_a_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let o = ok(d, &["validate", "poverty_relief"]);
    assert!(stdout(&o).contains("scenario `poverty_relief` is valid"));
    let o = ok(
        d,
        &[
            "explain",
            "poverty_relief",
            "--param",
            "units.130425.fiscal_class",
        ],
    );
    assert!(stdout(&o).contains(": direct"), "{}", stdout(&o));
    let o = ok(
        d,
        &[
            "params",
            "units.130425",
            "--scenario",
            "poverty_relief",
            "--format",
            "csv",
        ],
    );
    assert!(stdout(&o).contains("units.130425.fiscal_class,fiscal_class,"));
    let o = ok(
        d,
        &["compare", "baseline", "pre_reform_shares", "--by", "level"],
    );
    assert!(
        stdout(&o).contains("B  pre_reform_shares"),
        "{}",
        stdout(&o)
    );
    ok(
        d,
        &[
            "catalog",
            "--scenario",
            "targets_met",
            "--domain",
            "housing",
        ],
    );
    // `extends:` and a sweep's `base:` take names too.
    fs::write(
        d.join("mine.yaml"),
        "name: mine\ntitle: mine\nextends: pre_reform_shares\noverrides:\n  - {path: splits.compulsory_edu.central, set: 0.7, from: 2019-01-01}\n",
    )
    .unwrap();
    let o = ok(
        d,
        &[
            "explain",
            "mine.yaml",
            "--param",
            "splits.public_health.central",
        ],
    );
    // why: pre_reform_shares holds the 2016-2018 central share 0.5 from 2019 on.
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.contains("2019-01-01") && l.contains("0.5")),
        "{}",
        stdout(&o)
    );
    fs::write(
        d.join("sweep.yaml"),
        "name: sw\nbase: pre_reform_shares\naxes:\n  - {path: splits.compulsory_edu.central, values: [0.6]}\n",
    )
    .unwrap();
    ok(d, &["sweep", "sweep.yaml", "--out", "sw", "--quiet"]);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("sw/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["base"]["name"], "pre_reform_shares");
}

#[test]
fn a_file_comes_first_and_the_note_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A file named like a shipped scenario is read instead, with a note.
    fs::write(
        d.join("birth_shock"),
        "name: local_shock\ntitle: mine\nextends: baseline\n",
    )
    .unwrap();
    let o = ok(d, &["validate", "birth_shock"]);
    assert!(
        stdout(&o).contains("`local_shock` is valid"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).starts_with("note: `birth_shock` is the file ./birth_shock here, which comes before the shipped scenario `birth_shock`"),
        "{}",
        stderr(&o)
    );
    // A folder is not a scenario: the shipped one runs, and the note says why.
    ok(d, &["simulate", "baseline", "--out", "baseline", "--quiet"]);
    let o = ok(d, &["validate", "baseline"]);
    assert!(stdout(&o).contains("`baseline` is valid"));
    assert_eq!(
        stderr(&o),
        "note: `baseline` here is a folder, not a scenario file: running the shipped scenario `baseline`\n"
    );
    // … except for compare, where an output folder is a run: it comes first.
    let o = ok(d, &["compare", "baseline", "baseline", "--by", "level"]);
    assert!(
        stdout(&o).contains("A  baseline (baseline)"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("is the output folder ./baseline here"),
        "{}",
        stderr(&o)
    );
    // `extends:` next to a folder of that name still reaches the shipped scenario.
    fs::write(d.join("s.yaml"), "name: s\ntitle: s\nextends: baseline\n").unwrap();
    ok(d, &["validate", "s.yaml"]);
}

#[test]
fn an_unknown_name_is_refused_with_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let o = fendan(tmp.path(), &["simulate", "pre_reform_share"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: `pre_reform_share` is neither a file here nor a shipped scenario (did you mean `pre_reform_shares`?); the shipped ones are baseline, birth_shock, capacity_2019, capacity_published, poverty_relief, pre_reform_shares, price_indexed, targets_met (`fendan scenarios` lists them)\n"
    );
    assert!(!tmp.path().join("output").exists());
    let o = fendan(tmp.path(), &["compare", "baseline", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the name of a shipped scenario"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fendan_scenarios_lists_every_shipped_scenario_with_its_question() {
    let o = ok(&root(), &["scenarios", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(h, ["name", "file", "title", "description", "extends"]);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), fendan::shipped::SHIPPED.len());
    for (row, s) in rows.iter().zip(fendan::shipped::SHIPPED) {
        assert_eq!(&row[0], s.name);
        assert!(
            row[2].contains(" / "),
            "a Chinese and English title: {}",
            &row[2]
        );
        assert!(!row[3].is_empty());
    }
    let o = ok(&root(), &["scenarios"]);
    assert!(stdout(&o).contains("pre_reform_shares"));
}
