//! `fendan compare` and the Excel-ready outputs: a run compared with itself shows no
//! difference; every shipped scenario's difference from the baseline is the difference
//! of the two runs' totals, to the fen; BOM files are the plain files plus three bytes;
//! workbooks hold the CSV's numbers and are byte-identical across reruns.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use fendan::compare::{Comparison, Dim, Run};

use crate::common::*;

/// Every non-empty combination of the dimensions, in their canonical order.
fn all_breakdowns() -> Vec<Vec<Dim>> {
    (1u32..32)
        .map(|mask| {
            Dim::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect()
        })
        .collect()
}

/// Run `simulate` into `dir` and check that it succeeded.
fn simulate(dir: &Path, scenario: Option<&Path>, extra: &[&str]) {
    let mut args = vec!["simulate".to_owned()];
    if let Some(s) = scenario {
        args.push(s.display().to_string());
    }
    args.extend([
        "--out".to_owned(),
        dir.display().to_string(),
        "--quiet".to_owned(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = fendan(&root(), &args);
    assert!(
        o.status.success(),
        "simulate {args:?} failed:\n{}",
        stderr(&o)
    );
}

/// Run `fendan compare` (from the project root) and check that it succeeded.
fn compare(args: &[&str]) -> String {
    let mut all = vec!["compare"];
    all.extend(args);
    let o = fendan(&root(), &all);
    assert!(
        o.status.success(),
        "compare {args:?} failed:\n{}",
        stderr(&o)
    );
    stdout(&o)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A small scenario that changes a standard and a split share, in `dir`.
fn override_scenario(dir: &Path) -> PathBuf {
    let p = dir.join("raise.yaml");
    fs::write(
        &p,
        "name: raise\ntitle: a higher boarding allowance from 2018, a larger central share from 2019\nextends: baseline\noverrides:\n  - path: services.3.primary_boarders.standard\n    set: 1100\n    from: 2018-01-01\n  - path: splits.all_levels.central\n    set: 0.5\n    from: 2019-01-01\n",
    )
    .unwrap();
    p
}

/// `by_level.csv` as (year, level) → fen, with level `total` too.
fn by_level(dir: &Path) -> BTreeMap<(String, String), i64> {
    let (header, rows) = read_csv(&dir.join("by_level.csv"));
    let mut out = BTreeMap::new();
    for r in rows {
        for (h, v) in header.iter().zip(&r).skip(1) {
            out.insert((r[0].clone(), h.clone()), fen(v));
        }
    }
    out
}

#[test]
fn baseline_compared_with_itself_differs_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    simulate(&dir, None, &[]);
    // The folder against the embedded baseline run now: same table, same inputs.
    let cmp = Comparison::new(
        Run::from_dir(&dir).unwrap(),
        Run::open(Path::new("baseline")).unwrap(),
    )
    .unwrap();
    assert_eq!(cmp.a.amounts, cmp.b.amounts);
    assert_eq!(cmp.inputs(), Default::default());
    for dims in all_breakdowns() {
        let rows = cmp.rows(&dims).unwrap();
        assert!(!rows.is_empty(), "{dims:?}");
        for r in &rows {
            assert_eq!(
                (r.a, r.diff(), r.pct_text().as_str()),
                (r.b, 0, if r.a == 0 { "" } else { "0.00" }),
                "{dims:?} {r:?}"
            );
        }
        let total = fendan::compare::total(&rows).unwrap();
        assert_eq!(total.a, cmp.a.total().unwrap(), "{dims:?}");
    }
    // And through the command line, on every single dimension.
    for d in Dim::ALL {
        let out = tmp.path().join(format!("{}.csv", d.key()));
        let text = compare(&[s(&dir), s(&dir), "--by", d.key(), "--out", s(&out)]);
        assert!(text.contains("A and B are the same to the fen."), "{text}");
        assert!(
            text.contains("files: none") && text.contains("parameters: none"),
            "{text}"
        );
        let (header, rows) = read_csv(&out);
        let diff = header.iter().position(|h| h == "diff").unwrap();
        assert!(rows.iter().all(|r| r[diff] == "0.00"), "{}", d.key());
        assert_eq!(rows.last().unwrap()[0], "total");
    }
}

#[test]
fn each_shipped_scenario_differs_by_the_difference_of_the_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("baseline");
    simulate(&base, None, &[]);
    let a = by_level(&base);
    let mut scenarios: Vec<PathBuf> = fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("baseline.yaml"))
        .collect();
    scenarios.sort();
    // Besides the shipped ones, a small override scenario, so that the test always
    // compares something that differs.
    scenarios.push(override_scenario(tmp.path()));
    for (i, sc) in scenarios.iter().enumerate() {
        let dir = tmp.path().join(format!("run{i}"));
        simulate(&dir, Some(sc), &[]);
        let b = by_level(&dir);
        let out = tmp.path().join(format!("cmp{i}.csv"));
        let years = |d: &Path| {
            fs::read_to_string(d.join("by_level.csv"))
                .unwrap()
                .lines()
                .map(|l| l.split(',').next().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        if years(&dir) != years(&base) {
            // A scenario over other years cannot be compared with the baseline.
            let o = fendan(&root(), &["compare", s(&base), s(&dir)]);
            assert_eq!(o.status.code(), Some(2), "{}", sc.display());
            continue;
        }
        compare(&[s(&base), s(&dir), "--by", "year", "level", "--out", s(&out)]);
        let (header, rows) = read_csv(&out);
        assert_eq!(header, ["year", "level", "a", "b", "diff", "pct", "years"]);
        let mut per_year: BTreeMap<String, [i64; 3]> = BTreeMap::new();
        let (last, rows) = rows.split_last().unwrap();
        for r in rows {
            let key = (r[0].clone(), r[1].clone());
            let (fa, fb, fd) = (fen(&r[2]), fen(&r[3]), fen(&r[4]));
            assert_eq!((fa, fb), (a[&key], b[&key]), "{} {key:?}", sc.display());
            assert_eq!(fd, b[&key] - a[&key], "{} {key:?}", sc.display());
            let y = per_year.entry(r[0].clone()).or_default();
            for (t, v) in y.iter_mut().zip([fa, fb, fd]) {
                *t += v;
            }
        }
        assert_eq!(rows.len(), 4 * per_year.len());
        let mut grand = [0i64; 3];
        for (y, [fa, fb, fd]) in &per_year {
            let key = (y.clone(), "total".to_owned());
            assert_eq!(
                (*fa, *fb, *fd),
                (a[&key], b[&key], b[&key] - a[&key]),
                "{} {y}",
                sc.display()
            );
            for (g, v) in grand.iter_mut().zip([fa, fb, fd]) {
                *g += v;
            }
        }
        assert_eq!(last[0], "total");
        assert_eq!(
            [fen(&last[2]), fen(&last[3]), fen(&last[4])],
            grand,
            "{}",
            sc.display()
        );
        // The scenario file run on the fly compares exactly as its output folder.
        let fly = tmp.path().join(format!("fly{i}.csv"));
        compare(&["baseline", s(sc), "--by", "year", "level", "--out", s(&fly)]);
        assert_eq!(
            fs::read(&fly).unwrap(),
            fs::read(&out).unwrap(),
            "{}",
            sc.display()
        );
    }
}

#[test]
fn input_differences_name_the_changed_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = override_scenario(tmp.path());
    let text = compare(&["baseline", s(&sc), "--by", "level"]);
    assert!(text.contains("B  raise ("), "{text}");
    assert!(text.contains("extends baseline"), "{text}");
    assert!(text.contains("parameters (2):"), "{text}");
    assert!(text.contains("services.3.primary_boarders.standard\n      A 2016-01-01=1000\n      B 2016-01-01=1000;2018-01-01=1100"), "{text}");
    assert!(text.contains("splits.all_levels.central"), "{text}");
    // The terminal table fits 80 columns.
    for line in text.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "too wide: {line}"
        );
    }
}

#[test]
fn incomparable_runs_are_refused_naming_what_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("late.yaml");
    fs::write(
        &sc,
        "name: late\ntitle: from 2017\nextends: baseline\nyears: {first: 2017, last: 2020}\n",
    )
    .unwrap();
    let out = tmp.path().join("c.csv");
    let o = fendan(&root(), &["compare", "baseline", s(&sc), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("cannot compare"), "{err}");
    assert!(
        err.contains("years: A covers 2016-2020, B covers 2017-2020"),
        "{err}"
    );
    assert!(!err.contains("units only"), "{err}");
    assert!(!out.exists(), "nothing is written");
    // A folder that is not an output of simulate.
    let o = fendan(&root(), &["compare", "baseline", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not an output folder"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn top_n_gives_the_largest_absolute_differences_first() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = override_scenario(tmp.path());
    let all = tmp.path().join("all.csv");
    let top = tmp.path().join("top.csv");
    compare(&[
        "baseline",
        s(&sc),
        "--by",
        "unit",
        "service",
        "--out",
        s(&all),
    ]);
    let text = compare(&[
        "baseline",
        s(&sc),
        "--by",
        "unit,service",
        "--top",
        "7",
        "--out",
        s(&top),
    ]);
    assert!(text.contains("the 7 largest of"), "{text}");
    let (_, all) = read_csv(&all);
    let (header, top) = read_csv(&top);
    assert_eq!(
        header,
        [
            "unit_code",
            "unit_name",
            "service_id",
            "service_name",
            "a",
            "b",
            "diff",
            "pct",
            "years"
        ]
    );
    assert_eq!(top.len(), 7 + 1, "7 rows and the totals row");
    let d = |r: &Vec<String>| fen(&r[6]).abs();
    let (total_top, top) = top.split_last().unwrap();
    let (total_all, all) = all.split_last().unwrap();
    assert!(
        top.windows(2).all(|w| d(&w[0]) >= d(&w[1])),
        "sorted by |diff|"
    );
    let mut largest: Vec<i64> = all.iter().map(d).collect();
    largest.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(top.iter().map(d).collect::<Vec<_>>(), largest[..7]);
    assert!(d(&top[0]) > 0);
    // Each top row is the same row of the whole breakdown; the total is of all rows.
    for r in top {
        assert!(all.contains(r), "{r:?}");
    }
    assert_eq!(total_top, total_all);
}

#[test]
fn bom_files_are_the_plain_files_after_three_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, bom) = (tmp.path().join("plain"), tmp.path().join("bom"));
    simulate(&plain, None, &[]);
    simulate(&bom, None, &["--bom"]);
    for f in [
        "outlays.csv",
        "by_level.csv",
        "by_unit.csv",
        "by_domain.csv",
        "equalization.csv",
    ] {
        let (p, b) = (
            fs::read(plain.join(f)).unwrap(),
            fs::read(bom.join(f)).unwrap(),
        );
        assert_eq!(&b[..3], &[0xEF, 0xBB, 0xBF], "{f}");
        assert_eq!(&b[3..], &p[..], "{f}");
        assert_ne!(
            &p[..3],
            &[0xEF, 0xBB, 0xBF],
            "{f}: plain UTF-8 is the default"
        );
    }
    // The manifest is JSON without a mark, and hashes the files as written.
    let m = fs::read_to_string(bom.join("manifest.json")).unwrap();
    assert!(m.starts_with('{'));
    let sha = |b: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    assert!(m.contains(&sha(&fs::read(bom.join("by_level.csv")).unwrap())));
    // A folder of BOM files compares like a plain one.
    let out = tmp.path().join("c.csv");
    let out_bom = tmp.path().join("c-bom.csv");
    compare(&[s(&plain), s(&bom), "--by", "domain", "--out", s(&out)]);
    compare(&[
        s(&plain),
        s(&bom),
        "--by",
        "domain",
        "--out",
        s(&out_bom),
        "--bom",
    ]);
    let (p, b) = (fs::read(&out).unwrap(), fs::read(&out_bom).unwrap());
    assert_eq!(&b[..3], &[0xEF, 0xBB, 0xBF]);
    assert_eq!(&b[3..], &p[..]);
    let (_, rows) = read_csv(&out);
    assert!(rows.iter().all(|r| r[3] == "0.00"));
}

/// Check that each data row of `sheet` holds the fields of `csv`: text as text, numbers
/// as numbers, amounts in yuan to the fen.
#[cfg(feature = "xlsx")]
fn sheet_matches_csv(
    book: &mut calamine::Xlsx<std::io::BufReader<fs::File>>,
    sheet: &str,
    csv: &Path,
) {
    use calamine::{Data, Reader};
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{sheet}: {e}"));
    let rows: Vec<&[Data]> = range.rows().collect();
    let (header, records) = read_csv(csv);
    let en: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        rows.len(),
        records.len() + 2,
        "{sheet}: two header rows, then the CSV's rows"
    );
    for (j, h) in header.iter().enumerate() {
        assert!(
            en[j] == *h || en[j].starts_with(&format!("{h}: ")),
            "{sheet}: English header {} for {h}",
            en[j]
        );
        assert!(
            !rows[0][j].to_string().is_empty(),
            "{sheet}: Chinese header for {h}"
        );
    }
    for (i, (row, rec)) in rows[2..].iter().zip(&records).enumerate() {
        for (j, field) in rec.iter().enumerate() {
            let cell = row.get(j).unwrap_or(&Data::Empty);
            let at = || {
                format!(
                    "{sheet} row {} column {}: {cell:?} vs {field:?}",
                    i + 3,
                    header[j]
                )
            };
            match cell {
                Data::Float(x) => {
                    let exact: f64 = field.parse().unwrap_or_else(|_| panic!("{}", at()));
                    assert_eq!(*x, exact, "{}", at());
                    if field.split_once('.').is_some_and(|(_, f)| f.len() == 2) {
                        assert_eq!((x * 100.0).round() as i64, fen(field), "{}", at());
                    }
                }
                Data::Int(n) => assert_eq!(n.to_string(), *field, "{}", at()),
                Data::String(t) => {
                    assert_eq!(t, field, "{}", at());
                    // Codes stay text; amounts never are.
                    assert!(
                        fendan::money::parse_yuan(t).is_none()
                            || header[j].contains("code")
                            || header[j] == "budget_class"
                            || header[j] == "level",
                        "{}",
                        at()
                    );
                }
                Data::Empty => assert!(field.is_empty(), "{}", at()),
                other => panic!("{}: unexpected {other:?}", at()),
            }
        }
    }
}

#[cfg(feature = "xlsx")]
#[test]
fn simulate_workbook_holds_the_csv_numbers_and_is_reproducible() {
    use calamine::Reader;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let (x1, x2) = (tmp.path().join("one.xlsx"), tmp.path().join("two.xlsx"));
    simulate(&dir, None, &["--xlsx", s(&x1), "--xlsx-detail"]);
    simulate(&dir, None, &["--xlsx", s(&x2), "--xlsx-detail", "--bom"]);
    assert_eq!(
        fs::read(&x1).unwrap(),
        fs::read(&x2).unwrap(),
        "reruns give the same bytes"
    );
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&x1).unwrap();
    let mut names: Vec<&str> = vec![fendan::xlsx::REPORT_SHEET];
    names.extend(fendan::xlsx::SIMULATE_SHEETS.iter().map(|s| s.0));
    names.push(fendan::xlsx::ASSUMPTIONS_SHEET);
    assert_eq!(book.sheet_names(), names);
    for (sheet, file) in fendan::xlsx::SIMULATE_SHEETS {
        sheet_matches_csv(&mut book, sheet, &dir.join(file));
    }
    let range = book
        .worksheet_range(fendan::xlsx::ASSUMPTIONS_SHEET)
        .unwrap();
    let (_, model) = baseline();
    let dated: usize = model.params.iter().map(|(_, p)| p.values.len()).sum();
    assert!(
        range.height() >= dated + 2,
        "every dated value of every parameter"
    );
    let assumed = range
        .rows()
        .skip(2)
        .filter(|r| !r[5].to_string().is_empty())
        .count();
    assert!(assumed > 0, "assumptions carry their basis");
}

#[cfg(feature = "xlsx")]
#[test]
fn compare_workbook_holds_the_csv_numbers_and_is_reproducible() {
    use calamine::Reader;
    let tmp = tempfile::tempdir().unwrap();
    let sc = override_scenario(tmp.path());
    let csv = tmp.path().join("c.csv");
    let (x1, x2) = (tmp.path().join("one.xlsx"), tmp.path().join("two.xlsx"));
    compare(&[
        "baseline",
        s(&sc),
        "--by",
        "domain",
        "level",
        "--out",
        s(&csv),
        "--xlsx",
        s(&x1),
    ]);
    compare(&[
        "baseline",
        s(&sc),
        "--by",
        "domain",
        "level",
        "--xlsx",
        s(&x2),
    ]);
    assert_eq!(
        fs::read(&x1).unwrap(),
        fs::read(&x2).unwrap(),
        "reruns give the same bytes"
    );
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&x1).unwrap();
    assert_eq!(book.sheet_names(), fendan::xlsx::COMPARE_SHEETS);
    sheet_matches_csv(&mut book, fendan::xlsx::COMPARE_SHEETS[0], &csv);
    let inputs = book
        .worksheet_range(fendan::xlsx::COMPARE_SHEETS[1])
        .unwrap();
    let items: Vec<String> = inputs.rows().map(|r| r[1].to_string()).collect();
    assert!(
        items.contains(&"services.3.primary_boarders.standard".to_owned()),
        "{items:?}"
    );
    assert!(
        items.contains(&"splits.all_levels.central".to_owned()),
        "{items:?}"
    );
}
