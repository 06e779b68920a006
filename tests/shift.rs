//! `shift:` moves a share of a split rule between levels in one override: it equals the
//! hand-computed `set:` overrides it stands for, conserves every cell's total, is shown
//! by `explain` with its scenario line, and works as a sweep axis.

use std::fs;
use std::path::Path;

use crate::common::*;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

fn simulate(dir: &Path, scenario: &str, out: &str) {
    let o = fendan(dir, &["simulate", scenario, "--out", out, "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn scenario(overrides: &str) -> String {
    format!("name: s\ntitle: s\nextends: baseline\noverrides:\n{overrides}")
}

#[test]
fn half_the_countys_share_is_the_six_shares_set_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let shifted = write(
        d,
        "shift.yaml",
        &scenario(
            "  - {path: splits.compulsory_edu, shift: {from: county, to: province, share: 0.5}, from: 2018-01-01}\n",
        ),
    );
    // why: the county keeps half its local quarter (0.125); the province gets the rest:
    // direct 0.75 + 0.125, managed 0.5 + 0.125, district 0.375 + 0.125.
    let mut by_hand = String::new();
    for (class, province) in [
        ("direct", "0.875"),
        ("managed", "0.625"),
        ("district", "0.5"),
    ] {
        by_hand.push_str(&format!(
            "  - {{path: splits.compulsory_edu.local.{class}.province, set: {province}, from: 2018-01-01}}\n  - {{path: splits.compulsory_edu.local.{class}.county, set: 0.125, from: 2018-01-01}}\n"
        ));
    }
    let by_hand = write(d, "hand.yaml", &scenario(&by_hand));
    simulate(d, &shifted, "a");
    simulate(d, &by_hand, "b");
    for f in [
        "outlays.csv",
        "by_level.csv",
        "by_unit.csv",
        "by_domain.csv",
    ] {
        assert!(
            fs::read(d.join("a").join(f)).unwrap() == fs::read(d.join("b").join(f)).unwrap(),
            "{f} differs"
        );
    }
    // 2016-2017 are the baseline's; from 2018 money moves from the county to the
    // province only, and each year's total stays.
    simulate(d, "baseline", "base");
    let (_, a) = read_csv(&d.join("a/by_level.csv"));
    let (_, base) = read_csv(&d.join("base/by_level.csv"));
    for (x, y) in a.iter().zip(&base) {
        if x[0].as_str() < "2018" {
            assert_eq!(x, y);
        } else {
            assert_eq!(
                (&x[1], &x[3], &x[5]),
                (&y[1], &y[3], &y[5]),
                "central, city, total"
            );
            let up = fen(&x[2]) - fen(&y[2]);
            assert!(up > 0 && up == fen(&y[4]) - fen(&x[4]), "{x:?} {y:?}");
        }
    }
}

#[test]
fn the_whole_central_share_to_the_province_is_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let shifted = write(
        d,
        "shift.yaml",
        &scenario(
            "  - {path: splits.compulsory_edu, shift: {from: central, to: province, share: 1}}\n",
        ),
    );
    // why: the centre's 0.6 of the whole goes to the province; the rest is now the whole
    // cost, so each local share is its part of the whole: direct 0.3 + 0.6, 0, 0.1;
    // managed 0.2 + 0.6, 0.1, 0.1; district 0.15 + 0.6, 0.15, 0.1.
    let mut by_hand = "  - {path: splits.compulsory_edu.central, set: 0}\n".to_owned();
    for (class, shares) in [
        ("direct", ["0.9", "0", "0.1"]),
        ("managed", ["0.8", "0.1", "0.1"]),
        ("district", ["0.75", "0.15", "0.1"]),
    ] {
        for (level, v) in ["province", "city", "county"].iter().zip(shares) {
            by_hand.push_str(&format!(
                "  - {{path: splits.compulsory_edu.local.{class}.{level}, set: {v}}}\n"
            ));
        }
    }
    let by_hand = write(d, "hand.yaml", &scenario(&by_hand));
    simulate(d, &shifted, "a");
    simulate(d, &by_hand, "b");
    assert!(
        fs::read(d.join("a/outlays.csv")).unwrap() == fs::read(d.join("b/outlays.csv")).unwrap()
    );
}

#[test]
fn half_the_centres_share_keeps_every_total_and_the_others_parts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let shifted = write(
        d,
        "shift.yaml",
        &scenario(
            "  - {path: splits.compulsory_edu, shift: {from: central, to: province, share: 0.5}, from: 2019-01-01}\n",
        ),
    );
    simulate(d, &shifted, "a");
    simulate(d, "baseline", "base");
    let (h, a) = read_csv(&d.join("a/outlays.csv"));
    let (_, b) = read_csv(&d.join("base/outlays.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (rule, year) = (col("split_rule"), col("year"));
    let mut moved = 0;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            x[col("total")],
            y[col("total")],
            "a cell's total never moves"
        );
        if x[rule] != "compulsory_edu" || x[year].as_str() < "2019" {
            assert_eq!(x, y);
            continue;
        }
        // why: the centre now pays 0.3 of the whole instead of 0.6 — half, to the fen
        // (largest remainder may move one fen); the city and county keep their parts
        // (0.1 each in a managed unit), which 5/7-style shares of the rest give back
        // within a fen.
        let (c_new, c_old) = (fen(&x[col("central")]), fen(&y[col("central")]));
        assert!((2 * c_new - c_old).abs() <= 2, "{x:?}");
        for l in ["city", "county"] {
            assert!(
                (fen(&x[col(l)]) - fen(&y[col(l)])).abs() <= 1,
                "{l}: {x:?} vs {y:?}"
            );
        }
        moved += 1;
    }
    assert!(moved > 0);
    // `explain` prints the parts of the whole cost and the scenario line.
    let o = fendan(
        d,
        &["explain", &shifted, "--param", "splits.compulsory_edu"],
    );
    let text = stdout(&o);
    assert!(
        text.contains("from 2019-01-01") && text.contains("0.3 "),
        "{text}"
    );
    assert!(text.contains("← scenario 情景 "), "{text}");
    let o = fendan(
        d,
        &[
            "explain",
            &shifted,
            "--param",
            "splits.compulsory_edu.local.managed.province",
        ],
    );
    let text = stdout(&o);
    // why: (0.2 + 0.3) / 0.7 = 5/7, rounded to 20 decimals; the province holds the
    // largest share of its class and takes the remainder.
    assert!(text.contains("0.71428571428571428572"), "{text}");
    assert!(
        text.contains("shift 0.5 of the central's part to the province"),
        "{text}"
    );
    assert!(text.contains("rounded to 20 decimals"), "{text}");
}

#[test]
fn the_readme_shift_example_does_what_it_says() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```yaml\n")
        .find(|b| b.contains("shift: {from: county, to: province, share: 0.5}"))
        .and_then(|b| b.split("```").next())
        .expect("the README shows the shift");
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "s.yaml", block);
    let o = fendan(
        tmp.path(),
        &[
            "explain",
            &path,
            "--param",
            "splits.compulsory_edu.local.managed.county",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.lines()
            .any(|l| l.contains("2018-01-01") && l.contains("0.125")),
        "{text}"
    );
    let o = fendan(
        tmp.path(),
        &[
            "explain",
            &path,
            "--unit",
            "130425",
            "--service",
            "1",
            "--year",
            "2018",
            "--component",
            "primary_public_funds",
        ],
    );
    let text = stdout(&o);
    assert!(
        text.contains("central 0.6, province 0.25, city 0.1, county 0.05"),
        "{text}"
    );
    assert!(
        text.contains("local 地方: splits.compulsory_edu.local.managed."),
        "{text}"
    );
}

#[test]
fn a_shift_axis_gives_what_simulate_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let spec = root().join("tests/data/sweep/shift.yaml");
    let o = fendan(
        &root(),
        &[
            "sweep",
            spec.to_str().unwrap(),
            "--out",
            d.join("sw").to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = read_csv(&d.join("sw/points.csv"));
    assert_eq!(rows.len(), 8);
    assert_eq!(h[1], "splits.compulsory_edu");
    for row in [&rows[0], &rows[5], &rows[7]] {
        let s = write(
            d,
            "p.yaml",
            &scenario(&format!(
                "  - {{path: splits.compulsory_edu, shift: {{from: county, to: province, share: {}}}, from: 2018-01-01}}\n  - {{path: splits.compulsory_edu.central, set: {}, from: 2019-01-01}}\n",
                row[1], row[2]
            )),
        );
        simulate(d, &s, "p");
        let (_, levels) = read_csv(&d.join("p/by_level.csv"));
        for l in &levels {
            let y = &l[0];
            for (k, name) in ["central", "province", "city", "county", "total"]
                .iter()
                .enumerate()
            {
                let c = h.iter().position(|x| *x == format!("{name}_{y}")).unwrap();
                assert_eq!(row[c], l[k + 1], "point {} {name}_{y}", row[0]);
            }
        }
    }
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("sw/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["axes"][0]["mode"], "shift");
    assert_eq!(m["axes"][0]["shift"]["from"], "county");
}

#[test]
fn shift_axes_are_checked_like_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (axis, want) in [
        (
            "{path: splits.compulsory_edu, mode: shift, values: [0.5]}",
            "but no `shift: {from: LEVEL, to: LEVEL}`",
        ),
        (
            "{path: splits.compulsory_edu, mode: shift, shift: {from: county, to: province}, values: [1.5]}",
            "between 0 and 1",
        ),
        (
            "{path: splits.compulsory_edu, values: [0.5]}",
            "is a split rule: sweep one of its shares",
        ),
        (
            "{path: splits.compulsory_edu.central, mode: shift, shift: {from: county, to: province}, values: [0.5]}",
            "takes a split rule's path",
        ),
        (
            "{path: splits.compulsory_edu, mode: shift, shift: {from: province, to: central}, values: [0.5]}",
            "differs between the fiscal classes",
        ),
    ] {
        let spec = write(d, "spec.yaml", &format!("name: x\naxes:\n  - {axis}\n"));
        let o = fendan(d, &["sweep", &spec, "--out", "o", "--quiet"]);
        assert_eq!(o.status.code(), Some(2), "{axis}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{axis}: {}", stderr(&o));
        assert!(!d.join("o").exists());
    }
}
