//! `fendan compare` over some years: `--year` and `--years` restrict every total, the
//! headers say which years they cover, `--out -` writes the CSV alone to standard
//! output, and the screen groups thousands.

use std::fs;
use std::path::Path;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = fendan(dir, args);
    assert!(o.status.success(), "{args:?}:\n{}", stderr(&o));
    stdout(&o)
}

#[test]
fn years_restrict_the_totals_and_the_headers_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(
        &root(),
        &[
            "simulate",
            "scenarios/baseline.yaml",
            "--out",
            s(&a),
            "--quiet",
        ],
    );
    ok(
        &root(),
        &[
            "simulate",
            "scenarios/pre_reform_shares.yaml",
            "--out",
            s(&b),
            "--quiet",
        ],
    );
    let level_sum = |dir: &Path, years: &[&str]| -> i64 {
        let (header, rows) = read_csv(&dir.join("by_level.csv"));
        let c = header.iter().position(|h| h == "county").unwrap();
        rows.iter()
            .filter(|r| years.contains(&r[0].as_str()))
            .map(|r| fen(&r[c]))
            .sum()
    };
    let csv = tmp.path().join("c.csv");
    let screen = ok(
        &root(),
        &[
            "compare",
            s(&a),
            s(&b),
            "--by",
            "level",
            "--years",
            "2019-2020",
            "--out",
            s(&csv),
        ],
    );
    assert!(screen.contains("totals over 2019-2020"), "{screen}");
    let (header, rows) = read_csv(&csv);
    assert_eq!(header, ["level", "a", "b", "diff", "pct", "years"]);
    assert!(rows.iter().all(|r| r[5] == "2019-2020"));
    // why: the county row is the sum of by_level.csv's county column over 2019 and 2020.
    let county = rows.iter().find(|r| r[0] == "county").unwrap();
    assert_eq!(fen(&county[1]), level_sum(&a, &["2019", "2020"]));
    assert_eq!(fen(&county[2]), level_sum(&b, &["2019", "2020"]));
    // --year Y is --years Y-Y.
    let one = tmp.path().join("one.csv");
    let screen = ok(
        &root(),
        &["compare", s(&a), s(&b), "--year", "2016", "--out", s(&one)],
    );
    assert!(screen.contains("totals over 2016:"), "{screen}");
    let (_, rows) = read_csv(&one);
    assert!(rows.iter().all(|r| r[0] == "2016" || r[0] == "total"));
    // Outside the runs, or not a range: a usage error.
    for bad in [
        ["--years", "2014-2016"],
        ["--years", "2020-2019"],
        ["--years", "20x"],
    ] {
        let mut args = vec!["compare", s(&a), s(&b)];
        args.extend(bad);
        let o = fendan(&root(), &args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&o).contains("error: "), "{bad:?}");
    }
}

#[test]
fn out_dash_writes_the_csv_alone_to_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("c.csv");
    ok(
        tmp.path(),
        &[
            "compare",
            "baseline",
            "baseline",
            "--by",
            "year",
            "--out",
            s(&file),
        ],
    );
    let piped = ok(
        tmp.path(),
        &[
            "compare", "baseline", "baseline", "--by", "year", "--out", "-",
        ],
    );
    assert_eq!(piped, fs::read_to_string(&file).unwrap());
    assert!(!tmp.path().join("-").exists(), "no file named -");
}

#[test]
fn the_screen_groups_thousands() {
    let screen = ok(
        &root(),
        &["compare", "baseline", "baseline", "--by", "level"],
    );
    // why: the baseline's 2016-2020 total is 7,390,967.73 万元 (README summary table).
    assert!(screen.contains("7,390,967.73"), "{screen}");
    let screen = ok(
        &root(),
        &[
            "compare", "baseline", "baseline", "--by", "level", "--money", "yuan",
        ],
    );
    let csv = ok(
        &root(),
        &[
            "compare", "baseline", "baseline", "--by", "level", "--out", "-",
        ],
    );
    let total = csv.lines().find(|l| l.starts_with("total,")).unwrap();
    let a = total.split(',').nth(1).unwrap();
    // why: the same total in yuan, grouped by three digits: 74,476,7…,…​.xx.
    let grouped = fendan::money::grouped(a);
    assert!(grouped.matches(',').count() >= 3, "{grouped}");
    assert!(screen.contains(&grouped), "{grouped} in\n{screen}");
}
