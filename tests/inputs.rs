//! Inputs as they come out of Excel: partial cohort counts as UTF-8 CSV, GBK CSV and
//! `.xlsx` give the same outputs byte for byte; one partial row changes exactly the cells
//! of its unit, year and cohort (and of the cohorts derived from it); the binary broken
//! fixtures (GBK, Latin-1, UTF-16, workbooks) are written by this file.
//!
//! The binary fixtures under `tests/data/bad/` are generated here, not by hand:
//! `FENDAN_BLESS=1 cargo test --test integration inputs::binary_fixtures` rewrites them;
//! without it the test checks that the committed files are what this code writes.
#![cfg(all(feature = "xlsx", feature = "xlsx-input"))]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};

use crate::common::*;

/// A workbook with one sheet `name` holding `rows` (text, or numbers where a cell
/// parses as one), and a fixed creation date so that the bytes do not change.
fn workbook(sheet: &str, rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2016, 1, 1).unwrap();
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Cell::Text(t) => ws.write_string(r, c, *t).map(drop),
                Cell::Number(x) => ws.write_number(r, c, *x).map(drop),
                Cell::Error(formula, shown) => ws
                    .write_formula(r, c, Formula::new(*formula).set_result(*shown))
                    .map(drop),
                Cell::DateTime(text) => ws
                    .write_datetime_with_format(
                        r,
                        c,
                        ExcelDateTime::parse_from_str(text).unwrap(),
                        &date,
                    )
                    .map(drop),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[derive(Clone, Copy)]
enum Cell {
    Text(&'static str),
    Number(f64),
    /// A formula whose cached result is an error value.
    Error(&'static str, &'static str),
    DateTime(&'static str),
}

use Cell::{Number as N, Text as T};

fn counts_header() -> Vec<Cell> {
    vec![T("year"), T("unit_code"), T("cohort"), T("headcount")]
}

/// Every binary broken fixture: (folder under tests/data/bad, file, bytes).
fn binary_fixtures() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in
        "year,unit_code,cohort,headcount\r\n2018,130425,pupils_primary,99999\r\n".encode_utf16()
    {
        utf16.extend(u.to_le_bytes());
    }
    let units_header = [
        "code",
        "name_zh",
        "name_en",
        "kind",
        "poverty",
        "poverty_exit",
        "fiscal_class",
        "fiscal_class_assumed",
        "source",
    ]
    .map(T)
    .to_vec();
    vec![
        (
            "partial_gbk_bad_row",
            "counts.csv",
            gbk("year,unit_code,unit_name,cohort,headcount\n\
                 2018,130425,大名县,pupils_primary,99999\n\
                 2018,130434,魏县,pupils_primary,九千\n"),
        ),
        (
            "csv_neither_utf8_nor_gbk",
            "counts.csv",
            b"year,unit_code,unit_name,cohort,headcount\n2018,130425,Daming caf\xE9,pupils_primary,99999\n"
                .to_vec(),
        ),
        ("csv_utf16", "counts.csv", utf16),
        (
            "xlsx_fractional_headcount",
            "counts.xlsx",
            workbook(
                "Sheet1",
                &[
                    counts_header(),
                    vec![N(2018.0), T("130425"), T("pupils_primary"), N(99999.0)],
                    vec![N(2019.0), T("130425"), T("pupils_primary"), N(12345.5)],
                ],
            ),
        ),
        (
            "xlsx_inexact_number",
            "counts.xlsx",
            workbook(
                "Sheet1",
                &[
                    counts_header(),
                    vec![N(2018.0), N(130425.0), T("pupils_primary"), N(0.1 + 0.2)],
                ],
            ),
        ),
        (
            "xlsx_error_cell",
            "counts.xlsx",
            workbook(
                "Sheet1",
                &[
                    counts_header(),
                    vec![
                        N(2018.0),
                        N(130425.0),
                        T("pupils_primary"),
                        Cell::Error("=1/0", "#DIV/0!"),
                    ],
                ],
            ),
        ),
        (
            "xlsx_time_of_day",
            "units.xlsx",
            workbook(
                "units",
                &[
                    units_header,
                    vec![
                        T("130434"),
                        T("魏县"),
                        T("Wei County"),
                        T("county"),
                        T("national"),
                        Cell::DateTime("2018-09-29 10:30:00"),
                        T("managed"),
                        T("false"),
                        T("hebei-exit-2018"),
                    ],
                ],
            ),
        ),
        (
            "xlsx_unknown_sheet",
            "counts.xlsx",
            workbook(
                "2018",
                &[
                    counts_header(),
                    vec![N(2018.0), T("130425"), T("pupils_primary"), N(99999.0)],
                ],
            ),
        ),
    ]
}

#[test]
fn binary_fixtures_are_what_this_file_writes() {
    let bless = std::env::var_os("FENDAN_BLESS").is_some();
    let bad = root().join("tests/data/bad");
    let mut stale = Vec::new();
    for (case, file, bytes) in binary_fixtures() {
        let path = bad.join(case).join(file);
        if bless {
            fs::write(&path, &bytes).unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these fixtures differ from what tests/inputs.rs writes (rerun with FENDAN_BLESS=1): {stale:?}"
    );
}

/// The output files of a scenario, rendered in memory: name → bytes.
fn outputs(scenario: &Path) -> BTreeMap<String, Vec<u8>> {
    let s = fendan::Scenario::from_path(scenario).unwrap_or_else(|e| panic!("{e}"));
    let model = s.model().unwrap_or_else(|e| panic!("{e}"));
    let out = fendan::run(&model, s.years).unwrap();
    fendan::report::render(&model, &out, &s)
        .unwrap()
        .into_iter()
        .collect()
}

fn scenario_with_counts(dir: &Path, counts: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{}.yaml", counts.replace(['.', '#'], "_")));
    fs::write(
        &path,
        format!("name: own_counts\ntitle: own counts\ndata:\n  cohort_counts: {counts}\n"),
    )
    .unwrap();
    path
}

/// The same partial counts (with Chinese unit names) as UTF-8 CSV with and without a
/// byte-order mark, GBK CSV, and an .xlsx sheet (numbers as numbers, the code as a
/// number on one row and as text on the other) give byte-identical tables.
#[test]
fn partial_counts_as_utf8_gbk_and_xlsx_give_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let text = "year,unit_code,unit_name,cohort,headcount\n\
                2018,130425,大名县,pupils_primary,99999\n\
                2019,130434,魏县,age_60_plus,130000\n";
    fs::write(dir.path().join("utf8.csv"), text).unwrap();
    let mut bom = fendan::input::UTF8_BOM.to_vec();
    bom.extend(text.as_bytes());
    fs::write(dir.path().join("bom.csv"), bom).unwrap();
    fs::write(
        dir.path().join("gbk.csv"),
        encoding_rs::GBK.encode(text).0.as_ref(),
    )
    .unwrap();
    let book = workbook(
        "2018-19",
        &[
            vec![
                T("year"),
                T("unit_code"),
                T("unit_name"),
                T("cohort"),
                T("headcount"),
            ],
            vec![
                N(2018.0),
                N(130425.0),
                T("大名县"),
                T("pupils_primary"),
                N(99999.0),
            ],
            vec![
                N(2019.0),
                T("130434"),
                T("魏县"),
                T("age_60_plus"),
                N(130000.0),
            ],
        ],
    );
    fs::write(dir.path().join("counts.xlsx"), book).unwrap();
    let runs: Vec<(&str, BTreeMap<String, Vec<u8>>)> = [
        "utf8.csv",
        "bom.csv",
        "gbk.csv",
        "counts.xlsx",
        "counts.xlsx#2018-19",
    ]
    .into_iter()
    .map(|f| (f, outputs(&scenario_with_counts(dir.path(), f))))
    .collect();
    let (_, first) = &runs[0];
    assert!(
        first["outlays.csv"] != baseline_outlays(),
        "the partial counts change the outlays"
    );
    for (name, files) in &runs[1..] {
        for (file, bytes) in files {
            if file != "manifest.json" {
                assert!(
                    bytes == &first[file],
                    "{name}: {file} differs from utf8.csv's"
                );
            }
        }
        // The manifests differ only in the partial file's name and hash.
        let m: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
        let m0: serde_json::Value = serde_json::from_slice(&first["manifest.json"]).unwrap();
        let inputs = |m: &serde_json::Value| m["inputs"].as_array().unwrap().clone();
        let (a, b) = (inputs(&m0), inputs(&m));
        assert_eq!(a.len(), b.len());
        assert_eq!(a[..a.len() - 1], b[..b.len() - 1], "{name}");
        let last = b.last().unwrap();
        assert!(
            last["name"]
                .as_str()
                .unwrap()
                .ends_with(name.split('#').next().unwrap())
                || last["name"].as_str().unwrap().contains("counts.xlsx#"),
            "{last}"
        );
        let mut m_rest = m.clone();
        let mut m0_rest = m0.clone();
        m_rest["inputs"] = serde_json::Value::Null;
        m0_rest["inputs"] = serde_json::Value::Null;
        m_rest["scenario"] = serde_json::Value::Null;
        m0_rest["scenario"] = serde_json::Value::Null;
        assert_eq!(
            m_rest, m0_rest,
            "{name}: the manifests differ beyond inputs"
        );
    }
    // The manifest records the partial file and the SHA-256 of its bytes as read.
    let m: serde_json::Value = serde_json::from_slice(&runs[2].1["manifest.json"]).unwrap();
    let last = m["inputs"].as_array().unwrap().last().unwrap().clone();
    let gbk = fs::read(dir.path().join("gbk.csv")).unwrap();
    assert_eq!(last["sha256"], fendan::input::sha256_hex(&gbk));
    assert!(last["name"].as_str().unwrap().ends_with("gbk.csv"));
}

fn baseline_outlays() -> Vec<u8> {
    let (_, m) = baseline();
    fendan::report::outlays(m, baseline_run())
}

/// The cohort `id` and every cohort derived from it, down every chain.
fn with_descendants(model: &fendan::Model, id: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::from([id.to_owned()]);
    loop {
        let before = set.len();
        for c in &model.cohorts {
            if let Some((from, _)) = c.derived
                && set.contains(&model.cohort(from).id)
            {
                set.insert(c.id.clone());
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// `outlays.csv` of a scenario with the one-row partial file `row`, against the
/// baseline's, row by row: which (year, unit, cohort) keys differ.
fn changed_rows(row: &str) -> (BTreeSet<(String, String, String)>, usize) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("one.csv"),
        format!("year,unit_code,cohort,headcount\n{row}\n"),
    )
    .unwrap();
    let files = outputs(&scenario_with_counts(dir.path(), "one.csv"));
    let read = |bytes: &[u8]| -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_reader(bytes);
        let head = r.headers().unwrap().iter().map(str::to_owned).collect();
        let rows = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_owned).collect())
            .collect();
        (head, rows)
    };
    let (head, base) = read(&baseline_outlays());
    let (_, mine) = read(&files["outlays.csv"]);
    assert_eq!(base.len(), mine.len(), "the same rows in the same order");
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (y, u, c) = (col("year"), col("unit_code"), col("cohort"));
    let mut changed = BTreeSet::new();
    let mut n = 0;
    for (a, b) in base.iter().zip(&mine) {
        // why: year … budget_class, then the label columns, are the row's key.
        let key = |r: &[String]| (r[..8].to_vec(), r[16..].to_vec());
        assert_eq!(key(a), key(b), "the keys of each row are unchanged");
        if a != b {
            n += 1;
            changed.insert((b[y].clone(), b[u].clone(), b[c].clone()));
        }
    }
    (changed, n)
}

/// The README's example: one row for a derived cohort changes the rows of that unit,
/// year and cohort, and nothing else.
#[test]
fn one_partial_row_of_a_derived_cohort_changes_exactly_its_cells() {
    let (_, model) = baseline();
    let (changed, n) = changed_rows("2018,130425,pupils_primary,99999");
    assert!(n > 0);
    let cohorts: BTreeSet<String> = changed.iter().map(|k| k.2.clone()).collect();
    assert!(
        changed.iter().all(|(y, u, _)| y == "2018" && u == "130425"),
        "{changed:?}"
    );
    assert!(
        cohorts.is_subset(&with_descendants(model, "pupils_primary")),
        "{cohorts:?}"
    );
    assert!(cohorts.contains("pupils_primary"));
}

/// One row for a data cohort changes that unit and year's rows of the cohort and of
/// every cohort derived from it (here the pension and family-planning recipients), and
/// nothing else.
#[test]
fn one_partial_row_of_a_data_cohort_moves_its_derived_cohorts() {
    let (_, model) = baseline();
    let (changed, _) = changed_rows("2019,130434,age_60_plus,130000");
    assert!(
        changed.iter().all(|(y, u, _)| y == "2019" && u == "130434"),
        "{changed:?}"
    );
    let cohorts: BTreeSet<String> = changed.iter().map(|k| k.2.clone()).collect();
    let family = with_descendants(model, "age_60_plus");
    assert!(cohorts.is_subset(&family), "{cohorts:?}");
    // why: no component pays for age_60_plus itself; its derived recipients move.
    for derived in ["resident_pension_recipients", "employee_pension_retirees"] {
        assert!(cohorts.contains(derived), "{derived} follows: {cohorts:?}");
    }
}

/// `explain` says where a given headcount comes from.
#[test]
fn explain_names_the_partial_row() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("one.csv"),
        "year,unit_code,cohort,headcount\n2018,130425,pupils_primary,99999\n",
    )
    .unwrap();
    let s = scenario_with_counts(dir.path(), "one.csv");
    let o = fendan(
        dir.path(),
        &[
            "explain",
            s.to_str().unwrap(),
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
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("人数 headcount   99999 persons"), "{text}");
    assert!(
        text.contains("pupils_primary 99999: given 给定 99999") && text.contains("one.csv:2)"),
        "{text}"
    );
}

/// A workbook of one sheet holding the CSV `text`, every cell as text (as a bureau's
/// sheet of codes and figures typed as text would be).
fn csv_as_workbook(text: &str) -> Vec<u8> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2016, 1, 1).unwrap();
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let ws = book.add_worksheet();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    for (i, rec) in r.records().enumerate() {
        for (j, cell) in rec.unwrap().iter().enumerate() {
            ws.write_string(i as u32, j as u16, cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// The fiscal figures of a capacity run and the actuals of `reconcile` are tables like
/// the others: as GBK CSV and as an `.xlsx` sheet they give the same files as UTF-8 CSV.
#[test]
fn fiscal_figures_and_actuals_as_gbk_and_xlsx_give_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let copies = |from: &Path, stem: &str| -> Vec<String> {
        let text = fs::read_to_string(from).unwrap();
        assert!(
            text.contains('区'),
            "Chinese text, so GBK differs from UTF-8"
        );
        fs::write(d.join(format!("{stem}.csv")), &text).unwrap();
        fs::write(
            d.join(format!("{stem}-gbk.csv")),
            encoding_rs::GBK.encode(&text).0,
        )
        .unwrap();
        fs::write(d.join(format!("{stem}.xlsx")), csv_as_workbook(&text)).unwrap();
        ["csv", "gbk.csv", "xlsx"]
            .iter()
            .map(|e| match *e {
                "gbk.csv" => format!("{stem}-gbk.csv"),
                e => format!("{stem}.{e}"),
            })
            .collect()
    };
    let fiscal = copies(
        &root().join("scenarios/data/fiscal-illustrative-2019.csv"),
        "fiscal",
    );
    let mut seen: Vec<Vec<Vec<u8>>> = Vec::new();
    for f in &fiscal {
        let sc = d.join(format!("{}.yaml", f.replace('.', "_")));
        fs::write(
            &sc,
            format!(
                "name: fiscal_{}\ntitle: x\ndata:\n  fiscal: {f}\n",
                seen.len()
            ),
        )
        .unwrap();
        let out = d.join(format!("out-{}", seen.len()));
        fendan_ok(
            d,
            &[
                "simulate",
                "-q",
                sc.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        seen.push(
            ["capacity.csv", "capacity_summary.csv", "by_unit.csv"]
                .iter()
                .map(|n| fs::read(out.join(n)).unwrap())
                .collect(),
        );
    }
    assert!(seen.iter().all(|s| *s == seen[0]), "fiscal as {fiscal:?}");
    let hand = root().join("tests/data/capacity/hand");
    let run = d.join("hand-run");
    fendan_ok(
        d,
        &[
            "simulate",
            "-q",
            hand.join("scenario.yaml").to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
        ],
    );
    let actuals = copies(&hand.join("actuals.csv"), "actuals");
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for (i, a) in actuals.iter().enumerate() {
        let out = format!("r{i}.csv");
        fendan_ok(d, &["reconcile", run.to_str().unwrap(), a, "--out", &out]);
        seen.push(fs::read(d.join(out)).unwrap());
    }
    assert!(seen.iter().all(|s| *s == seen[0]), "actuals as {actuals:?}");
}
