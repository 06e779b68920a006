//! `fendan reconcile`: a run against actuals made from its own outlays is zero
//! everywhere; a hand-computed case (matched rows, classes by gap, rows on one side
//! only, a row without an amount); by level; the workbook; and the broken actuals of
//! tests/data/bad_reconcile/, each with its exact message.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn hand_dir() -> PathBuf {
    root().join("tests/data/capacity/hand")
}

/// Simulate `scenario` into `out`.
fn simulate(scenario: &Path, out: &Path) {
    let o = fendan(
        &root(),
        &["simulate", s(scenario), "--out", s(out), "--quiet"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

fn reconcile(args: &[&str]) -> std::process::Output {
    let mut all = vec!["reconcile"];
    all.extend_from_slice(args);
    fendan(&root(), &all)
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    stdout(o)
}

/// Actuals made from a run's own outlays: one row per year, unit, budget class and level.
fn actuals_from(run: &Path, path: &Path) {
    let (h, rows) = read_csv(&run.join("outlays.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut sums: BTreeMap<(String, String, String, &str), i64> = BTreeMap::new();
    for r in &rows {
        for l in ["central", "province", "city", "county"] {
            *sums
                .entry((
                    r[col("year")].clone(),
                    r[col("unit_code")].clone(),
                    r[col("budget_class")].clone(),
                    l,
                ))
                .or_default() += fen(&r[col(l)]);
        }
    }
    let mut text = String::from("year,unit_code,budget_class,level,stage,amount_yuan\n");
    for ((y, u, c, l), v) in sums {
        text.push_str(&format!(
            "{y},{u},{c},{l},决算,{}.{:02}\n",
            v / 100,
            v % 100
        ));
    }
    fs::write(path, text).unwrap();
}

fn parts(csv: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = read_csv(csv);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

#[test]
fn a_run_against_its_own_outlays_is_zero_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    simulate(&root().join("scenarios/capacity_2019.yaml"), &run);
    let actuals = tmp.path().join("actuals.csv");
    actuals_from(&run, &actuals);
    for by in ["year,unit,class,level", "year,unit,class", "class", "level"] {
        let out = tmp.path().join(format!("r-{by}.csv"));
        let said = ok(&reconcile(&[
            s(&run),
            s(&actuals),
            "--by",
            by,
            "--out",
            s(&out),
        ]));
        assert!(
            said.contains("the actuals and the run are the same to the fen."),
            "{said}"
        );
        let rows = parts(&out);
        assert!(rows.iter().any(|r| r["part"] == "matched"));
        for r in &rows {
            assert!(
                ["matched", "total", "by_class"].contains(&r["part"].as_str()),
                "--by {by}: nothing on one side only: {r:?}"
            );
            assert_eq!(r["diff"], "0.00", "--by {by}: {r:?}");
            assert_eq!(r["modelled"], r["actual"], "--by {by}: {r:?}");
            assert_eq!(r["stage"], "final");
            assert!(r["ratio"] == "1.0000" || r["modelled"] == "0.00", "{r:?}");
        }
        // The total is the whole run, to the fen.
        let total = rows.iter().find(|r| r["part"] == "total").unwrap();
        let by_level = read_csv(&run.join("by_level.csv")).1;
        let all: i64 = by_level.iter().map(|r| fen(&r[5])).sum();
        assert_eq!(fen(&total["modelled"]), all, "--by {by}");
    }
}

#[test]
fn the_hand_case_reconciles_as_computed() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    simulate(&hand_dir().join("scenario.yaml"), &run);
    let out = tmp.path().join("r.csv");
    let said = ok(&reconcile(&[
        s(&run),
        s(&hand_dir().join("actuals.csv")),
        "--out",
        s(&out),
    ]));
    let rows = parts(&out);
    let pick = |part: &str| -> Vec<&BTreeMap<String, String>> {
        rows.iter().filter(|r| r["part"] == part).collect()
    };
    let fields = |r: &BTreeMap<String, String>, ks: &[&str]| -> Vec<String> {
        ks.iter().map(|k| r[*k].clone()).collect()
    };
    let ks = [
        "year",
        "unit_code",
        "budget_class",
        "modelled",
        "actual",
        "diff",
        "ratio",
    ];
    let matched: Vec<Vec<String>> = pick("matched").iter().map(|r| fields(r, &ks)).collect();
    // why: 邯山区 gives 款 20502 (county) and 20507 (central) of 类 205: actual 4,000,000 +
    //      5,500,000 = 9,500,000.00 against the model's central + county 5,000,000 + 5,000,000;
    //      −500,000.00, ratio 0.95.
    // why: 临漳县 gives 205 for all levels: 2,000,000.00 against 40,000 × 100 = 4,000,000.00; ratio 0.5.
    assert_eq!(
        matched,
        [
            [
                "2019",
                "130402",
                "205",
                "10000000.00",
                "9500000.00",
                "-500000.00",
                "0.9500"
            ],
            [
                "2019",
                "130423",
                "205",
                "4000000.00",
                "2000000.00",
                "-2000000.00",
                "0.5000"
            ],
        ]
    );
    // why: 14,000,000 against 11,500,000: −2,500,000.00; 11.5 / 14 = 0.82142… → 0.8214.
    let total = pick("total");
    assert_eq!(
        fields(total[0], &["modelled", "actual", "diff", "ratio"]),
        ["14000000.00", "11500000.00", "-2500000.00", "0.8214"]
    );
    let by_class = pick("by_class");
    assert_eq!(
        fields(
            by_class[0],
            &["budget_class", "budget_class_name", "diff", "share_of_gap"]
        ),
        ["205", "教育", "-2500000.00", "1.0000"]
    );
    // Model only: the 18 other units; 大名县's row has no amount, so it is not compared with 0.
    // why: 大名县 60,000 × 100 = 6,000,000.00; 17 units × 10,000 × 100 = 17,000,000.00.
    let model_only = pick("model_only");
    assert_eq!(model_only.len(), 18);
    let daming = model_only
        .iter()
        .find(|r| r["unit_code"] == "130425")
        .unwrap();
    assert_eq!([&daming["modelled"], &daming["actual"]], ["6000000.00", ""]);
    assert_eq!(
        model_only.iter().map(|r| fen(&r["modelled"])).sum::<i64>(),
        2_300_000_000
    );
    // Actual only: a class the plan does not touch, and a year outside the run.
    let actual_only: Vec<Vec<String>> = pick("actual_only")
        .iter()
        .map(|r| {
            fields(
                r,
                &["year", "unit_code", "budget_class", "modelled", "actual"],
            )
        })
        .collect();
    assert_eq!(
        actual_only,
        [
            ["2019", "130423", "208", "", "300000.00"],
            ["2021", "130402", "205", "", "7000000.00"],
        ]
    );
    assert!(
        said.contains("1 row of the actuals has no amount"),
        "{said}"
    );
    assert!(said.contains("决算 final"), "{said}");
}

#[test]
fn by_level_compares_what_each_level_paid() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    simulate(&hand_dir().join("scenario.yaml"), &run);
    let o = reconcile(&[
        s(&run),
        s(&hand_dir().join("actuals-levels.csv")),
        "--by",
        "level",
        "--out",
        "-",
    ]);
    let text = ok(&o);
    // Standard output carries the CSV alone.
    assert!(text.starts_with("part,year,unit_code"), "{text}");
    // why: 邯山区's centre paid 5,500,000.00 against 5,000,000.00 modelled (+500,000.00, 1.1);
    //      its county level 4,000,000.00 against 5,000,000.00 (−1,000,000.00, 0.8); the
    //      other 17 + 2 units' central and county halves are modelled only:
    //      (37,000,000 − 10,000,000) / 2 = 13,500,000.00 each.
    let want = "matched,,,,,,central,5000000.00,5500000.00,500000.00,1.1000,,\n\
matched,,,,,,county,5000000.00,4000000.00,-1000000.00,0.8000,,\n\
total,,,,,,,10000000.00,9500000.00,-500000.00,0.9500,,\n\
by_class,,,,205,教育,,10000000.00,9500000.00,-500000.00,0.9500,1.0000,\n\
model_only,,,,,,central,13500000.00,,,,,\n\
model_only,,,,,,county,13500000.00,,,,,\n";
    assert!(text.ends_with(want), "{text}");
}

#[cfg(feature = "xlsx")]
#[test]
fn the_workbook_holds_each_part_of_the_csv() {
    use calamine::{Data, Reader};
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    simulate(&hand_dir().join("scenario.yaml"), &run);
    let (csv, book) = (tmp.path().join("r.csv"), tmp.path().join("r.xlsx"));
    let actuals = hand_dir().join("actuals.csv");
    // A rerun replaces its own files and gives the same bytes.
    let mut books = Vec::new();
    for _ in 0..2 {
        let args = [s(&run), s(&actuals), "--out", s(&csv), "--xlsx", s(&book)];
        ok(&reconcile(&args));
        books.push(fs::read(&book).unwrap());
    }
    assert_eq!(books[0], books[1]);
    let rows = parts(&csv);
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&book).unwrap();
    let names: Vec<&str> = fendan::xlsx::RECONCILE_SHEETS.iter().map(|s| s.0).collect();
    assert_eq!(wb.sheet_names(), names);
    for (sheet, want) in fendan::xlsx::RECONCILE_SHEETS {
        let range = wb.worksheet_range(sheet).unwrap();
        let body: Vec<_> = range.rows().skip(2).collect();
        let expected: Vec<_> = rows
            .iter()
            .filter(|r| want.contains(&r["part"].as_str()))
            .collect();
        assert_eq!(body.len(), expected.len(), "{sheet}");
        for (got, r) in body.iter().zip(expected) {
            // The amounts are numbers equal to the CSV's, to the fen.
            for (k, col) in [("modelled", 7), ("actual", 8), ("diff", 9)] {
                match &got[col] {
                    Data::Float(x) => assert_eq!((x * 100.0).round() as i64, fen(&r[k])),
                    Data::Empty => assert_eq!(r[k], ""),
                    other => panic!("{sheet} {k}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn reconcile_never_writes_over_its_inputs_and_refuses_a_changed_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    simulate(&hand_dir().join("scenario.yaml"), &run);
    let actuals = tmp.path().join("actuals.csv");
    fs::copy(hand_dir().join("actuals.csv"), &actuals).unwrap();
    let o = reconcile(&[s(&run), s(&actuals), "--out", s(&actuals), "--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("an input of this run"),
        "{}",
        stderr(&o)
    );
    // A file fendan did not write is kept unless --force.
    let other = tmp.path().join("notes.csv");
    fs::write(&other, "a,b\n1,2\n").unwrap();
    let o = reconcile(&[s(&run), s(&actuals), "--out", s(&other)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&other).unwrap(), "a,b\n1,2\n");
    // An edited run is refused before anything is compared.
    let outlays = run.join("outlays.csv");
    let text = fs::read_to_string(&outlays).unwrap();
    fs::write(&outlays, text.replacen("5000000.00", "5000001.00", 1)).unwrap();
    let o = reconcile(&[s(&run), s(&actuals)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("outlays.csv"), "{}", stderr(&o));
}

/// The broken actuals of tests/data/bad_reconcile/, each with its exact message.
#[test]
fn broken_actuals_give_their_exact_messages() {
    let bless = std::env::var_os("FENDAN_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    simulate(&hand_dir().join("scenario.yaml"), &run);
    let base = root().join("tests/data/bad_reconcile");
    let mut cases: Vec<PathBuf> = fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 14, "{} cases", cases.len());
    let mut failing = Vec::new();
    for case in cases {
        let extra = fs::read_to_string(case.join("args")).unwrap_or_default();
        let mut args = vec!["reconcile", s(&run), "actuals.csv", "--out", "r.csv"];
        args.extend(extra.lines().filter(|l| !l.is_empty()));
        let o = fendan(&case, &args);
        let err = stderr(&o).replace(s(&run), "<run>");
        let path = case.join("expected.stderr");
        if bless {
            fs::write(&path, &err).unwrap();
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if o.status.code() != Some(2) || err != expected || case.join("r.csv").exists() {
            failing.push(format!(
                "{name}: exit {:?}\n--- expected\n{expected}--- got\n{err}",
                o.status.code()
            ));
        }
    }
    assert!(failing.is_empty(), "{}", failing.join("\n"));
}
