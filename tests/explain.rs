//! `fendan explain` agrees with `outlays.csv` to the fen, and tells where values came from.

use crate::common::*;

/// The amount printed on the `level` line of an explain output (first occurrence).
fn printed(text: &str, level: &str) -> Vec<i64> {
    text.lines()
        .filter(|l| l.starts_with("    ") && l.split_whitespace().nth(1) == Some(level))
        .map(|l| fen(l.split_whitespace().last().unwrap()))
        .collect()
}

#[test]
fn explain_agrees_with_outlays_for_a_sample_of_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let o = fendan(
        &root(),
        &["simulate", "--quiet", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = read_csv(&out.join("outlays.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    // Every 97th row: spread over years, units, services and components.
    let mut checked = 0;
    for r in rows.iter().step_by(97) {
        let args = [
            "explain",
            "--unit",
            &r[col("unit_code")],
            "--service",
            &r[col("service_id")],
            "--year",
            &r[col("year")],
            "--component",
            &r[col("component")],
        ];
        let o = fendan(&root(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        for level in ["central", "province", "city", "county", "total"] {
            assert_eq!(
                printed(&text, level),
                vec![fen(&r[col(level)])],
                "{level} of {args:?}\n{text}"
            );
        }
        assert!(
            text.contains(&format!("{} ", r[col("headcount")])),
            "headcount shown"
        );
        checked += 1;
    }
    assert!(checked >= 100, "{checked} cells checked");
}

#[test]
fn explain_shows_the_mid_year_change_and_its_sources() {
    let o = fendan(
        &root(),
        &[
            "explain",
            "--unit",
            "130402",
            "--service",
            "48",
            "--year",
            "2020",
            "--component",
            "urban_allowance",
        ],
    );
    let text = stdout(&o);
    assert!(
        text.contains("618 yuan a month 元/月, months 1-2"),
        "{text}"
    );
    assert!(
        text.contains("702 yuan a month 元/月, months 3-12"),
        "{text}"
    );
    // (2 × 618 + 10 × 702) × 12 / 12 = 8,256 a year; × 0.5 × 1,993 = 8,227,104.00.
    assert!(text.contains("8256.00 yuan a year"), "{text}");
    // The source is a citation, and the full citation of each document is printed.
    assert!(
        text.contains("source 来源: handan-dibao-2020 (from March 2020)"),
        "{text}"
    );
    assert!(text.contains("参考文献 references:"), "{text}");
    assert!(
        text.contains("[handan-dibao-2020] 邯郸市民政局; 邯郸市财政局《关于调整城乡最低生活保障标准的通知 (邯郸市, 2020)》"),
        "{text}"
    );
    assert!(text.contains("[plan] 邯郸市人民政府《"), "{text}");
    assert_eq!(printed(&text, "total"), vec![fen("8227104.00")]);
}

#[test]
fn explain_param_prints_the_full_citation_of_each_source() {
    let o = fendan(
        &root(),
        &[
            "explain",
            "--param",
            "splits.nutrition_provincial_pilot.central",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    // The rule cites two notices; each is printed in full under the source line.
    assert!(text.contains("source 来源: plan:附件1#2"), "{text}");
    assert!(text.contains("[nutrition-2014] 人民日报 (reporting 财政部)《营养改善计划补助提至每生每年800元》, 2014-11-01"), "{text}");
    assert!(text.contains("read in a copy or report"), "{text}");
}

#[test]
fn explain_param_says_which_values_a_scenario_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("s.yaml");
    std::fs::write(
        &sc,
        "name: s\ntitle: t\nextends: baseline\noverrides:\n  - path: services.3.primary_boarders.standard\n    set: 1100\n    from: 2018-01-01\n    until: 2018-12-31\n    note: one-year rise\n",
    )
    .unwrap();
    let o = fendan(
        &root(),
        &[
            "explain",
            sc.to_str().unwrap(),
            "--param",
            "services.3.primary_boarders.standard",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("  20")).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].contains("2016-01-01") && lines[0].contains("1000") && lines[0].contains("seed")
    );
    assert!(
        lines[1].contains("2018-01-01")
            && lines[1].contains("1100")
            && lines[1].contains("s.yaml:5"),
        "{text}"
    );
    assert!(
        lines[2].contains("2019-01-01") && lines[2].contains("1000") && lines[2].contains("seed")
    );
    assert!(text.contains("set to 1100 (one-year rise)"), "{text}");
    let o = fendan(
        &root(),
        &["explain", "--param", "services.3.primary_boarder.standard"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `services.3.primary_boarders.standard`"),
        "{}",
        stderr(&o)
    );
}
