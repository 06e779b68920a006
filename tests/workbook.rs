//! The workbook for a director: its first sheet 报告 holds the run's totals in the
//! chosen display unit with totals rows and columns, Chinese headers only, an A4
//! landscape print setup and native charts; the detail sheet only when asked for.
//! (LibreOffice renders it in `tests/browser.sh`.)

#![cfg(feature = "xlsx")]

use std::fs;
use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader};
use fendan::money::Scale;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn simulate(dir: &Path, extra: &[&str]) {
    let mut args = vec![
        "simulate",
        "scenarios/baseline.yaml",
        "--out",
        s(dir),
        "--quiet",
        "--force",
    ];
    args.extend(extra);
    let o = fendan(&root(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The text of one file inside the workbook (a zip archive).
fn part(book: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(fs::File::open(book).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(x) => *x,
        other => panic!("not a number: {other:?}"),
    }
}

/// Whole fen in `scale` as the sheet stores it (the display figure, as a number).
fn shown(scale: Scale, fen: i64) -> f64 {
    scale.format(fen).parse().unwrap()
}

#[test]
fn the_first_sheet_holds_the_totals_in_the_chosen_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    for (unit, scale, zh) in [
        (None, Scale::Wan, "万元"),
        (Some("yi"), Scale::Yi, "亿元"),
        (Some("yuan"), Scale::Yuan, "元"),
    ] {
        let book = tmp.path().join(format!("{zh}.xlsx"));
        let mut extra = vec!["--xlsx", s(&book)];
        if let Some(u) = unit {
            extra.extend(["--money", u]);
        }
        simulate(&dir, &extra);
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&book).unwrap();
        let names = wb.sheet_names();
        assert_eq!(names[0], fendan::xlsx::REPORT_SHEET);
        assert!(
            !names.iter().any(|n| n == fendan::xlsx::DETAIL_SHEET),
            "no 明细 by default"
        );
        let r = wb.worksheet_range(fendan::xlsx::REPORT_SHEET).unwrap();
        let cell = |row: u32, col: u32| r.get_value((row, col)).cloned().unwrap_or(Data::Empty);
        assert!(
            cell(1, 0).to_string().contains(&format!("单位：{zh}")),
            "{}",
            cell(1, 0)
        );
        // why: levels × years of by_level.csv, each in the display unit; the totals
        // column is each level's sum over the years, the totals row each year's sum.
        let (header, rows) = read_csv(&dir.join("by_level.csv"));
        assert_eq!(cell(3, 0).to_string(), "层级");
        for (j, r) in rows.iter().enumerate() {
            assert_eq!(cell(3, 1 + j as u32).to_string(), r[0]);
        }
        let ny = rows.len() as u32;
        assert_eq!(cell(3, 1 + ny).to_string(), "2016-2020 合计");
        let mut grand = 0;
        for (li, level) in ["central", "province", "city", "county"].iter().enumerate() {
            let c = header.iter().position(|h| h == level).unwrap();
            let row = 4 + li as u32;
            let mut sum = 0;
            for (j, r) in rows.iter().enumerate() {
                let f = fen(&r[c]);
                assert_eq!(
                    number(&cell(row, 1 + j as u32)),
                    shown(scale, f),
                    "{level} {}",
                    r[0]
                );
                sum += f;
            }
            assert_eq!(
                number(&cell(row, 1 + ny)),
                shown(scale, sum),
                "{level} total"
            );
            grand += sum;
        }
        assert_eq!(cell(8, 0).to_string(), "合计");
        let total_col = header.iter().position(|h| h == "total").unwrap();
        for (j, r) in rows.iter().enumerate() {
            assert_eq!(
                number(&cell(8, 1 + j as u32)),
                shown(scale, fen(&r[total_col]))
            );
        }
        assert_eq!(number(&cell(8, 1 + ny)), shown(scale, grand));
        // Units × levels: 20 units and a totals row that is the grand total again.
        assert_eq!(cell(10, 0).to_string(), "单位");
        assert_eq!(cell(31, 0).to_string(), "合计");
        assert_eq!(number(&cell(31, 6)), shown(scale, grand));
        // Chinese headers only: the codes stay on the data sheets.
        for row in [3, 10] {
            for col in 0..7 {
                let t = cell(row, col).to_string();
                assert!(!t.chars().any(|c| c.is_ascii_alphabetic()), "header {t:?}");
            }
        }
    }
}

#[test]
fn the_first_sheet_prints_on_a4_landscape_with_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let book = tmp.path().join("b.xlsx");
    simulate(&dir, &["--xlsx", s(&book)]);
    let sheet = part(&book, "xl/worksheets/sheet1.xml");
    for want in [
        "<pageSetUpPr fitToPage=\"1\"/>",
        "paperSize=\"9\"",
        "orientation=\"landscape\"",
        "fitToHeight=\"0\"",
        "<oddHeader>",
        "情景：baseline",
        "&amp;P",
        "&amp;N",
        "<rowBreaks",
    ] {
        assert!(sheet.contains(want), "sheet1.xml lacks {want}");
    }
    let workbook = part(&book, "xl/workbook.xml");
    assert!(
        workbook.contains("_xlnm.Print_Titles") && workbook.contains("报告!$1:$2"),
        "title rows repeat on every page"
    );
    let charts: Vec<String> = (1..=2)
        .map(|i| part(&book, &format!("xl/charts/chart{i}.xml")))
        .collect();
    assert!(
        charts[0].contains("<c:barDir val=\"col\"/>")
            && charts[0].contains("<c:grouping val=\"stacked\"/>")
    );
    assert!(charts[1].contains("<c:barDir val=\"bar\"/>"));
    for c in &charts {
        assert!(c.contains("报告!$"), "charts read the 报告 sheet");
        assert_eq!(c.matches("<c:ser>").count(), 4, "one series per level");
    }
}

#[test]
fn the_detail_sheet_comes_only_when_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let (small, full) = (tmp.path().join("s.xlsx"), tmp.path().join("f.xlsx"));
    simulate(&dir, &["--xlsx", s(&small)]);
    simulate(&dir, &["--xlsx", s(&full), "--xlsx-detail"]);
    let wb: calamine::Xlsx<_> = calamine::open_workbook(&full).unwrap();
    assert!(
        wb.sheet_names()
            .iter()
            .any(|n| n == fendan::xlsx::DETAIL_SHEET)
    );
    let (a, b) = (
        fs::metadata(&small).unwrap().len(),
        fs::metadata(&full).unwrap().len(),
    );
    assert!(a * 5 < b, "without the detail: {a} bytes, with it: {b}");
    let o = fendan(
        &root(),
        &[
            "simulate",
            "--xlsx-detail",
            "--quiet",
            "--out",
            s(&dir),
            "--force",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "--xlsx-detail needs --xlsx");
}
