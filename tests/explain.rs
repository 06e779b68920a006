//! `fendan explain` prints a formula for each amount, and that formula, evaluated here
//! from the printed factors alone, gives what `outlays.csv` publishes, to the fen: two
//! computations (explain's own, checked inside explain, and this one) against the engine.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use crate::common::*;

/// The amount after `→` on the `level` line of an explain output.
fn printed(text: &str, level: &str) -> Vec<i64> {
    text.lines()
        .filter(|l| l.starts_with("    ") && l.split_whitespace().nth(1) == Some(level))
        .map(|l| {
            let after = l.split(" → ").nth(1).expect("an arrow before the amount");
            fen(after.split_whitespace().next().unwrap())
        })
        .collect()
}

/// A number as explain prints it: `12`, `0.375`, `2/3` or `856666 2/3`.
fn number(text: &str) -> BigRational {
    let text = text.trim();
    let simple = |t: &str| -> BigRational {
        if let Some((n, d)) = t.split_once('/') {
            BigRational::new(n.parse().unwrap(), d.parse().unwrap())
        } else {
            let dec = d(t);
            BigRational::new(
                BigInt::from(dec.mantissa()),
                num_traits::pow(BigInt::from(10), dec.scale() as usize),
            )
        }
    };
    match text.split_once(' ') {
        Some((whole, frac)) => {
            let w = simple(whole);
            let f = simple(frac);
            if w.is_negative() { w - f } else { w + f }
        }
        None => simple(text),
    }
}

/// `a × b × c + d × e …`, evaluated exactly.
fn evaluate(expr: &str) -> BigRational {
    expr.split(" + ")
        .map(|product| {
            product
                .split(" × ")
                .map(number)
                .fold(BigRational::from_integer(1.into()), |acc, x| acc * x)
        })
        .sum()
}

fn half_away(x: &BigRational) -> i64 {
    use num_traits::ToPrimitive;
    x.round().to_integer().to_i64().unwrap()
}

/// Check an explain text against one row of outlays.csv: every term of the amount and
/// every level is recomputed from the factors it prints. Returns the number of terms.
fn check_formula(text: &str, total: i64, levels: [i64; 4]) -> usize {
    let hundred = BigRational::from_integer(100.into());
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  金额 amount"))
        .skip(1)
        .take_while(|l| !l.starts_with("  分担 split"))
        .collect();
    // Terms: "months 1-2 (1-2月): 1993 × 2/12 × 0.5 × 560 × 12 = 1116080", and under a
    // base + top-up rule "up to the national base 88: … = 17609856; the rest 4002240".
    let mut sum = BigRational::zero();
    let mut terms = 0;
    for line in &block {
        let Some((_, formula)) = line.split_once("): ").or_else(|| line.split_once("全年: "))
        else {
            if let Some((_, f)) = line.split_once("基础标准 ") {
                let f = f.split_once(": ").unwrap().1;
                let (expr, rest) = f.split_once(" = ").unwrap();
                let value = rest.split(';').next().unwrap();
                assert_eq!(evaluate(expr), number(value), "{line}");
            }
            continue;
        };
        let (expr, value) = formula.split_once(" = ").expect("a term has a value");
        assert_eq!(evaluate(expr), number(value), "{line}");
        sum += number(value);
        terms += 1;
    }
    let line = block
        .iter()
        .find(|l| l.trim_start().starts_with("sum 合计"))
        .expect("a sum line");
    let stated = line
        .trim_start()
        .trim_start_matches("sum 合计 ")
        .split(" yuan")
        .next()
        .unwrap();
    let stated = stated.rsplit(" = ").next().unwrap();
    assert_eq!(number(stated), sum, "{line}");
    assert_eq!(
        half_away(&(&sum * &hundred)),
        total,
        "the total rounds to outlays.csv"
    );
    // Levels: "中央 central 2398666 2/3 × 0.5 = 1199333 1/3 → 1199333.34".
    let mut exact_sum = BigRational::zero();
    for (l, key) in ["central", "province", "city", "county"].iter().enumerate() {
        let line = text
            .lines()
            .find(|x| x.starts_with("    ") && x.split_whitespace().nth(1) == Some(key))
            .unwrap();
        let body = line.split_once(key).unwrap().1.trim();
        let (expr, rest) = body.rsplit_once(" = ").unwrap();
        let (value, published) = rest.split_once(" → ").unwrap();
        let exact = evaluate(expr);
        assert_eq!(exact, number(value), "{line}");
        assert_eq!(fen(published), levels[l], "{line}");
        // Largest remainder: each level within a fen of its exact amount.
        let diff = BigRational::from_integer(levels[l].into()) - &exact * &hundred;
        assert!(diff.abs() < BigRational::from_integer(1.into()), "{line}");
        exact_sum += exact;
    }
    assert_eq!(exact_sum, sum, "the levels add up to the amount");
    terms
}

#[test]
fn explain_recomputes_outlays_for_a_sample_of_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let o = fendan(
        &root(),
        &["simulate", "--quiet", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = read_csv(&out.join("outlays.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    // Every 97th row: spread over years, units, services and components; and every row
    // paid for part of the year or for a standard that changes in the year.
    let mut checked = 0;
    let mut several_terms = 0;
    for (i, r) in rows.iter().enumerate() {
        let part_year = r[col("months")] != "12";
        if i % 97 != 0 && !part_year {
            continue;
        }
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
        let levels = ["central", "province", "city", "county"].map(|l| fen(&r[col(l)]));
        if check_formula(&text, fen(&r[col("total")]), levels) > 1 {
            several_terms += 1;
        }
        assert!(
            text.contains(&format!("{} ", r[col("headcount")])),
            "headcount shown"
        );
        checked += 1;
    }
    assert!(checked >= 100, "{checked} cells checked");
    assert!(
        several_terms > 0,
        "some cells have more than one run of months"
    );
}

/// The cells of issue 9: a part-year cell (9 of 12 months eligible), a standard and a
/// coverage that both change in the year under a base + top-up rule, and a true tie.
#[test]
fn explain_prints_every_factor_of_part_year_and_changing_cells() {
    let tmp = tempfile::tempdir().unwrap();
    // No shipped component follows a poverty status that ends mid-year (the nutrition
    // pilot follows the 2016 lists, 摘帽不摘政策), so the services are copied with the
    // primary meals limited to units on the poverty list on the day: 魏县 leaves it on
    // 2018-09-29, so 2018 has 9 eligible months.
    let services = tmp.path().join("services");
    std::fs::create_dir(&services).unwrap();
    let mut listed = String::new();
    for e in std::fs::read_dir(root().join("seeds/services")).unwrap() {
        let e = e.unwrap();
        let mut text = std::fs::read_to_string(e.path()).unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("01-") {
            text = text.replacen(
                "eligible: {poverty_listed: [national, provincial]}",
                "eligible: {poverty: [national, provincial]}",
                1,
            );
        }
        std::fs::write(services.join(&name), text).unwrap();
        listed.push_str(&format!("    - services/{name}\n"));
    }
    let sc = tmp.path().join("s.yaml");
    std::fs::write(
        &sc,
        format!("name: s\ntitle: t\nextends: baseline\ndata:\n  services:\n{listed}") + "overrides:\n  - path: services.20.basic_pension.coverage\n    set: 0.9\n    from: 2018-07-01\n  - path: services.20.basic_pension.standard\n    set: 120\n    from: 2018-04-01\n  - path: services.3.primary_boarders.standard\n    set: 900\n    from: 2017-05-01\n    until: 2019-10-31\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    let s = sc.to_str().unwrap();
    let o = fendan(
        &root(),
        &["simulate", s, "--quiet", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = read_csv(&out.join("outlays.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let row = |unit: &str, service: &str, year: &str| {
        rows.iter()
            .find(|r| {
                (
                    r[col("unit_code")].as_str(),
                    r[col("service_id")].as_str(),
                    r[col("year")].as_str(),
                ) == (unit, service, year)
            })
            .unwrap()
    };
    for (unit, service, component, year, must) in [
        // why: 68454 pupils, 4 yuan a day × 200 days, 9 months eligible in 2018.
        (
            "130434",
            "2",
            "primary_meals",
            "2018",
            "months 1-9 (1-9月): 68454 × 9/12 × 1 × 4 × 200 = 41072400",
        ),
        // why: 108 yuan to March, 120 from April, coverage 0.9 from July; base 88.
        (
            "130402",
            "20",
            "basic_pension",
            "2018",
            "months 7-12 (7-12月): 66704 × 6/12 × 0.9 × 120 × 12 = 43224192",
        ),
        // why: issue 9 item 8; central, province and county tie at ⅓ fen, central wins.
        (
            "130424",
            "3",
            "primary_boarders",
            "2017",
            "central   1329066 2/3 × 0.5 = 664533 1/3 → 664533.34",
        ),
    ] {
        let o = fendan(
            &root(),
            &[
                "explain",
                s,
                "--unit",
                unit,
                "--service",
                service,
                "--year",
                year,
                "--component",
                component,
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(must), "{must}\n{text}");
        let r = row(unit, service, year);
        let levels = ["central", "province", "city", "county"].map(|l| fen(&r[col(l)]));
        check_formula(&text, fen(&r[col("total")]), levels);
    }
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
    assert!(
        text.contains("months 3-12 (3-12月): 1993 × 10/12 × 0.5 × 702 × 12 = 6995430"),
        "{text}"
    );
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
