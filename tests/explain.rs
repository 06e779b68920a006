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
        text.contains("560 yuan a month 元/月, months 1-2"),
        "{text}"
    );
    assert!(
        text.contains("702 yuan a month 元/月, months 3-12"),
        "{text}"
    );
    assert!(text.contains("8140.00 yuan a year"), "{text}");
    assert!(text.contains("邯政规〔2018〕21号 附件1 第48项"), "{text}");
    assert_eq!(printed(&text, "total"), vec![fen("8111510.00")]);
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
