//! The money at stake in a run's folder and its report: `simulate --stake` writes
//! `at_stake.csv` (in the manifest); `report` computes it when the run's scenario
//! reloads exactly, and otherwise says why and how to get it.

use std::fs;
use std::path::Path;

use crate::common::*;

fn ok(dir: &Path, args: &[&str]) -> std::process::Output {
    let o = fendan(dir, args);
    assert!(o.status.success(), "fendan {args:?}:\n{}", stderr(&o));
    o
}

/// The ranked money-at-stake table of a report (`<table class="at-stake"` …).
fn stake_table(html: &str) -> Option<&str> {
    let i = html.find("<table class=\"at-stake\">")?;
    let j = html[i..].find("</table>")?;
    Some(&html[i..i + j])
}

#[test]
fn simulate_stake_writes_the_money_at_stake_that_assumptions_computes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["simulate", "--out", "plain", "--quiet"]);
    assert!(
        !d.join("plain/at_stake.csv").exists(),
        "not without --stake"
    );
    ok(d, &["simulate", "--out", "run", "--quiet", "--stake"]);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("run/manifest.json")).unwrap()).unwrap();
    assert!(
        m["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "at_stake.csv")
    );
    // The other files are those of a run without --stake.
    for f in ["outlays.csv", "by_level.csv", "by_unit.csv"] {
        assert!(
            fs::read(d.join("run").join(f)).unwrap() == fs::read(d.join("plain").join(f)).unwrap()
        );
    }
    // why: the figures are `fendan assumptions`' low and high ends, level by level.
    let (_, stake) = read_csv(&d.join("run/at_stake.csv"));
    let a = ok(d, &["assumptions", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(a.stdout.as_slice());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let first = r.records().next().unwrap().unwrap();
    let rows: Vec<&Vec<String>> = stake
        .iter()
        .filter(|s| s[0] == first[col("path")])
        .collect();
    assert_eq!(rows.len(), 4);
    for (row, level) in rows.iter().zip(["central", "province", "city", "county"]) {
        assert_eq!(row[2], level);
        assert_eq!(row[3], first[col(&format!("{level}_low"))]);
        assert_eq!(row[4], first[col(&format!("{level}_high"))]);
    }
    // Rerun without --stake into the same folder: the old at_stake.csv does not linger.
    ok(d, &["simulate", "--out", "run", "--quiet"]);
    assert!(!d.join("run/at_stake.csv").exists());
}

#[test]
fn report_ranks_the_assumptions_from_the_file_or_from_the_reloaded_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(
        d,
        &[
            "simulate",
            "pre_reform_shares",
            "--out",
            "with",
            "--quiet",
            "--stake",
        ],
    );
    ok(
        d,
        &[
            "simulate",
            "pre_reform_shares",
            "--out",
            "without",
            "--quiet",
        ],
    );
    let o = ok(d, &["report", "with", "--out", "with.html"]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = ok(d, &["report", "without", "--out", "without.html"]);
    assert!(
        stderr(&o).contains(
            "the money at stake was computed now from the shipped scenario `pre_reform_shares`"
        ),
        "{}",
        stderr(&o)
    );
    let with = fs::read_to_string(d.join("with.html")).unwrap();
    let without = fs::read_to_string(d.join("without.html")).unwrap();
    let (a, b) = (stake_table(&with).unwrap(), stake_table(&without).unwrap());
    assert_eq!(a, b, "the same ranked amounts either way");
    assert!(without.contains("reloaded exactly"));
    assert!(!with.contains("reloaded exactly"));
}

#[test]
fn a_changed_scenario_file_gives_no_amounts_and_says_how_to_get_them() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let s = "name: mine\ntitle: mine\nextends: baseline\noverrides:\n  - {path: splits.compulsory_edu, shift: {from: county, to: city, share: 0.5}}\n";
    fs::write(d.join("mine.yaml"), s).unwrap();
    ok(d, &["simulate", "mine.yaml", "--out", "run", "--quiet"]);
    // Unchanged: reloaded and computed.
    let o = ok(d, &["report", "run", "--out", "a.html"]);
    assert!(
        stderr(&o).contains("from the scenario file `mine.yaml`"),
        "{}",
        stderr(&o)
    );
    assert!(stake_table(&fs::read_to_string(d.join("a.html")).unwrap()).is_some());
    // Changed after the run: refused, with the command that gives the amounts.
    fs::write(d.join("mine.yaml"), s.replace("0.5", "0.25")).unwrap();
    let o = ok(d, &["report", "run", "--out", "b.html"]);
    assert_eq!(
        stderr(&o),
        "note: the report lists the assumptions without the money at stake: its scenario file `mine.yaml` has changed since the run (its SHA-256 differs from the manifest's); to rank the assumptions by the money they move, run `fendan simulate mine.yaml --stake --out run` again with the scenario it was made from\n"
    );
    let html = fs::read_to_string(d.join("b.html")).unwrap();
    assert!(stake_table(&html).is_none());
    assert!(html.contains("has changed since the run"));
    // A parent changed under an unchanged file: its parameters no longer match.
    fs::write(
        d.join("parent.yaml"),
        "name: parent\ntitle: p\nextends: baseline\n",
    )
    .unwrap();
    fs::write(
        d.join("child.yaml"),
        "name: child\ntitle: c\nextends: parent.yaml\n",
    )
    .unwrap();
    ok(d, &["simulate", "child.yaml", "--out", "child", "--quiet"]);
    fs::write(
        d.join("parent.yaml"),
        "name: parent\ntitle: p\nextends: baseline\noverrides:\n  - {path: splits.compulsory_edu.central, set: 0.7}\n",
    )
    .unwrap();
    let o = ok(d, &["report", "child", "--out", "c.html"]);
    assert!(
        stderr(&o).contains("its parameters are not the run's"),
        "{}",
        stderr(&o)
    );
}
