//! The catalog against Annex 1 of 邯政规〔2018〕21号, and the units and cohorts against
//! their sources.

use fendan::date::Date;
use fendan::model::{FiscalClassId, Level, SplitKind};
use fendan::params::Unit;
use rust_decimal::Decimal;

use crate::common::*;

/// The value of the parameter at `path` on `date`, with its unit.
fn param(path: &str, date: &str) -> (Decimal, Unit) {
    let (_, m) = baseline();
    let id = m
        .params
        .lookup(path)
        .unwrap_or_else(|| panic!("no parameter `{path}`"));
    let p = m.params.get(id);
    (
        p.at(date.parse::<Date>().unwrap())
            .unwrap_or_else(|| panic!("`{path}` has no value on {date}")),
        p.unit,
    )
}

fn split_of(service: u32, component: &str) -> &'static str {
    let (_, m) = baseline();
    let s = m.service(service).unwrap();
    let c = s.components.iter().find(|c| c.id == component).unwrap();
    &m.rule(c.split).id
}

/// The four level shares of a share rule for a fiscal class on a date.
fn level_shares(rule: &str, class: &str, date: &str) -> [Decimal; 4] {
    let (_, m) = baseline();
    let class: FiscalClassId = m.plan.parse_class(class).unwrap();
    let r = m.rules.iter().find(|r| r.id == rule).unwrap();
    let SplitKind::Shares { central, local } = &r.kind else {
        panic!("{rule} is not a share rule")
    };
    let at = |id| m.params.get(id).at(date.parse().unwrap()).unwrap();
    let c = at(*central);
    let l = local[class.index()];
    [
        c,
        (Decimal::ONE - c) * at(l[0]),
        (Decimal::ONE - c) * at(l[1]),
        (Decimal::ONE - c) * at(l[2]),
    ]
}

#[test]
fn the_catalog_has_the_83_services_of_annex_1_in_their_domains() {
    let (_, m) = baseline();
    let ids: Vec<u32> = m.services.iter().map(|s| s.id).collect();
    assert_eq!(ids, (1..=83).collect::<Vec<_>>());
    let ranges = [
        ("education", 1..=8),
        ("employment", 9..=18),
        ("social_insurance", 19..=25),
        ("health", 26..=47),
        ("social_services", 48..=60),
        ("housing", 61..=63),
        ("culture_sports", 64..=72),
        ("disability", 73..=83),
    ];
    // why: the plan's eight domains, in the order of Annex 1.
    let order: Vec<&str> = m.plan.domains.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(order, ranges.clone().map(|r| r.0));
    for (domain, range) in ranges {
        for id in range {
            let d = m.service(id).unwrap().domain;
            assert_eq!(m.plan.domain(d).id, domain, "service {id}");
        }
    }
    for s in &m.services {
        assert!(
            !s.name.zh.is_empty() && !s.name.en.is_empty() && !s.source.is_empty(),
            "service {}",
            s.id
        );
        assert!(!s.components.is_empty(), "service {} is costed", s.id);
        assert!(
            !s.lead.is_empty(),
            "service {} names its lead department",
            s.id
        );
    }
    // Names are Annex 1's, spot-checked.
    assert_eq!(m.service(1).unwrap().name.zh, "免费义务教育");
    assert_eq!(m.service(48).unwrap().name.zh, "最低生活保障");
    assert_eq!(m.service(83).unwrap().name.zh, "无障碍环境支持");
}

#[test]
fn service_1_public_funds_685_and_885_a_pupil() {
    assert_eq!(
        param("services.1.primary_public_funds.standard", "2016-01-01"),
        (d("685"), Unit::YuanPerYear)
    );
    assert_eq!(
        param("services.1.junior_public_funds.standard", "2016-01-01"),
        (d("885"), Unit::YuanPerYear)
    );
    assert_eq!(split_of(1, "primary_public_funds"), "compulsory_edu");
}

#[test]
fn service_2_four_yuan_a_day_for_200_days() {
    assert_eq!(
        param("services.2.primary_meals.standard", "2016-01-01"),
        (d("4"), Unit::YuanPerDay)
    );
    assert_eq!(
        param("services.2.primary_meals.days", "2016-01-01"),
        (d("200"), Unit::DaysPerYear)
    );
}

#[test]
fn service_3_boarders_1000_and_1250_split_5_2_3() {
    assert_eq!(
        param("services.3.primary_boarders.standard", "2016-01-01"),
        (d("1000"), Unit::YuanPerYear)
    );
    assert_eq!(
        param("services.3.junior_boarders.standard", "2016-01-01"),
        (d("1250"), Unit::YuanPerYear)
    );
    assert_eq!(split_of(3, "primary_boarders"), "ratio_5_2_3");
    for class in ["direct", "managed", "district"] {
        let s = level_shares("ratio_5_2_3", class, "2018-06-01");
        assert_eq!(s[0], d("0.5"), "central 5 of 10");
        assert_eq!(s[1], d("0.2"), "province 2 of 10");
        assert_eq!(s[2] + s[3], d("0.3"), "city and county 3 of 10");
    }
}

#[test]
fn service_5_grant_2000_with_central_60_percent() {
    assert_eq!(
        param("services.5.grant.standard", "2016-01-01"),
        (d("2000"), Unit::YuanPerYear)
    );
    assert_eq!(split_of(5, "grant"), "student_aid_central60");
    assert_eq!(
        param("splits.student_aid_central60.central", "2016-01-01").0,
        d("0.6")
    );
}

#[test]
fn service_20_resident_pension_90_a_month() {
    assert_eq!(
        param("services.20.basic_pension.standard", "2016-01-01"),
        (d("90"), Unit::YuanPerMonth)
    );
    assert_eq!(split_of(20, "basic_pension"), "pension_resident");
    // The national minimum under it: 70, then 88 from 2018 (人社部规〔2018〕3号).
    assert_eq!(
        param("splits.pension_resident.base", "2017-12-31").0,
        d("70")
    );
    assert_eq!(
        param("splits.pension_resident.base", "2018-01-01").0,
        d("88")
    );
}

#[test]
fn service_48_minimum_living_allowance_560_a_month_and_3660_a_year() {
    // The plan's figures are its 2018 standards (the plan is dated September 2018).
    assert_eq!(
        param("services.48.urban_allowance.standard", "2018-01-01"),
        (d("560"), Unit::YuanPerMonth)
    );
    assert_eq!(
        param("services.48.rural_allowance.standard", "2018-01-01"),
        (d("3660"), Unit::YuanPerYear)
    );
    // 2016: 560 x Hebei's end-2015 average 441 / its end-2017 average (441 x (705/441)^(2/4.75)
    // = 537.3) = 459.6 -> 460; rural 3660 x 2671 / 3607.0 = 2710.2 -> 2710.
    assert_eq!(
        param("services.48.urban_allowance.standard", "2016-01-01").0,
        d("460")
    );
    assert_eq!(
        param("services.48.rural_allowance.standard", "2016-01-01").0,
        d("2710")
    );
    // The city's 2020 notice: 702 and 5,124 from March 2020.
    assert_eq!(
        param("services.48.urban_allowance.standard", "2020-03-01").0,
        d("702")
    );
    assert_eq!(
        param("services.48.rural_allowance.standard", "2020-03-01").0,
        d("5124")
    );
    // The difficult areas' components carry the same standards.
    for y in [
        "2016-01-01",
        "2017-01-01",
        "2018-01-01",
        "2019-01-01",
        "2020-03-01",
    ] {
        assert_eq!(
            param("services.48.urban_allowance.standard", y),
            param("services.48.urban_allowance_difficult.standard", y)
        );
    }
}

#[test]
fn service_73_disability_subsidies_66_and_60_a_month() {
    assert_eq!(
        param("services.73.living_subsidy.standard", "2016-01-01"),
        (d("66"), Unit::YuanPerMonth)
    );
    assert_eq!(
        param("services.73.care_subsidy.standard", "2016-01-01"),
        (d("60"), Unit::YuanPerMonth)
    );
}

#[test]
fn service_76_pension_contribution_100_a_year() {
    assert_eq!(
        param(
            "services.76.severe_pension_contribution.standard",
            "2016-01-01"
        ),
        (d("100"), Unit::YuanPerYear)
    );
}

#[test]
fn the_2019_reform_changes_the_central_share_on_1_january() {
    assert_eq!(
        param("splits.public_health.central", "2018-12-31").0,
        d("0.5")
    );
    assert_eq!(
        param("splits.public_health.central", "2019-01-01").0,
        d("0.6")
    );
    assert_eq!(param("splits.pension_base.central", "2019-01-01").0, d("1"));
    // Under 冀政办字〔2018〕79号 a district pays 1 of the 4 local parts of compulsory-education funds.
    let s = level_shares("compulsory_edu", "district", "2019-01-01");
    assert_eq!(s, [d("0.6"), d("0.15"), d("0.15"), d("0.1")]);
    let _ = Level::ALL;
}

#[test]
fn no_standard_is_a_silent_zero_and_every_figure_has_a_source() {
    let (_, m) = baseline();
    for s in &m.services {
        for c in &s.components {
            let p = m.params.get(c.standard);
            for y in 2016..=2020 {
                let v = p.for_year(y).unwrap();
                assert!(v > Decimal::ZERO, "`{}` is zero in {y}", p.path);
            }
        }
    }
    for (_, p) in m.params.iter() {
        for (date, _) in &p.values {
            let sourced = !p.source_at(*date).is_empty();
            assert!(
                sourced || p.assumption_at(*date).is_some(),
                "`{}` on {date} has neither source nor assumption",
                p.path
            );
        }
    }
}

#[test]
fn the_twenty_units_of_2016_2020() {
    let (_, m) = baseline();
    assert_eq!(m.units.len(), 20);
    let count = |k: &str| {
        let k = m.plan.parse_kind(k).unwrap();
        m.units.iter().filter(|u| u.kind == k).count()
    };
    assert_eq!(
        (
            count("district"),
            count("county"),
            count("city"),
            count("zone")
        ),
        (6, 11, 1, 2)
    );
    let weixian = &m.units[m.unit_index("130434").unwrap()];
    assert_eq!(weixian.name_zh, "魏县");
    assert_eq!(weixian.poverty_exit, Some(Date::new(2018, 9, 29)));
}

#[test]
fn unit_populations_sum_exactly_to_the_city_totals() {
    // 943.30万 (2015), 949.28万 (2016, derived), 951.11万 (2017), the 2020 census 9,413,990,
    // and a straight line between 2017 and 2020.
    let (_, m) = baseline();
    let pop = m.cohort_by_name("pop_total").unwrap();
    let grid = &m.counts.rows[&pop];
    let totals: Vec<i64> = (0..m.counts.years.len())
        .map(|y| grid.row(y).sum())
        .collect();
    assert_eq!(m.counts.years, vec![2015, 2016, 2017, 2018, 2019, 2020]);
    assert_eq!(
        totals,
        vec![
            9_433_000, 9_492_800, 9_511_100, 9_478_730, 9_446_360, 9_413_990
        ]
    );
}

#[test]
fn catalog_csv_lists_83_rows_with_names_and_sources() {
    let o = fendan(&root(), &["catalog", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&h[..4], ["id", "domain", "name_zh", "name_en"]);
    let src = h.iter().position(|x| x == "source").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 83);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0].parse::<usize>().unwrap(), i + 1);
        assert!(!row[2].is_empty() && !row[3].is_empty() && !row[src].is_empty());
    }
    let o = fendan(
        &root(),
        &["catalog", "--format", "csv", "--domain", "housing"],
    );
    assert_eq!(stdout(&o).lines().count(), 1 + 3);
    let o = fendan(&root(), &["catalog", "--domain", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn assumptions_listing_shows_every_assumed_figure_with_its_grade_and_stake() {
    let o = fendan(&root(), &["assumptions", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let (_, m) = baseline();
    // Every assumed value of every parameter is covered by a row (its own or a grouped one).
    let listed: std::collections::BTreeSet<String> = rows
        .iter()
        .flat_map(|r| {
            let mut v = vec![r[col("path")].to_owned()];
            v.extend(r[col("also")].split_whitespace().map(str::to_owned));
            v
        })
        .collect();
    for (_, p) in m.params.iter() {
        // A value is in force from its date to the next one; it matters if that span meets 2016-2020.
        let assumed = p.values.iter().enumerate().any(|(i, (d, _))| {
            let next = p.values.get(i + 1).map(|v| v.0);
            p.assumption_at(*d).is_some()
                && d.year <= 2020
                && next.is_none_or(|n| n > fendan::date::Date::new(2016, 1, 1))
        });
        if !assumed {
            continue;
        }
        let path = if p.path.starts_with("splits.") && p.path.contains(".local.") {
            // local shares are listed per class: splits.<rule>.local.<class>
            p.path.rsplit_once('.').unwrap().0.to_owned()
        } else {
            p.path.clone()
        };
        let has_units = !path.contains(".local.direct");
        if has_units {
            assert!(
                listed.contains(&path),
                "{path} is an assumption but not listed"
            );
        }
    }
    for u in m.units.iter().filter(|u| u.fiscal_class_assumed) {
        assert!(listed.contains(&format!("units.{}.fiscal_class", u.code)));
    }
    // Every row has a basis and a confidence grade, and rows are ranked by the stake.
    assert!(rows.iter().all(|r| !r[col("basis")].trim().is_empty()));
    assert!(
        rows.iter()
            .all(|r| ["high", "medium", "low"].contains(&&r[col("confidence")])),
        "every assumption is graded"
    );
    let stakes: Vec<i64> = rows.iter().map(|r| fen(&r[col("stake")])).collect();
    assert!(stakes.windows(2).all(|w| w[0] >= w[1]), "ranked by stake");
    // A figure from the plan is not listed; an assumed local split is, per fiscal class.
    assert!(
        !listed.contains("services.1.primary_public_funds.standard"),
        "a plan figure is not an assumption"
    );
    assert!(listed.contains("splits.ratio_5_2_3.local.managed"));
    // The same assumption written in several places is one row: the 低保 path of 2016 moves
    // both 低保 components of service 48 (inside and outside the difficult areas) and service 74.
    let dibao = rows
        .iter()
        .find(|r| {
            &r[col("path")] == "services.48.rural_allowance.standard"
                && &r[col("from")] == "2016-01-01"
        })
        .expect("the 2016 rural 低保 assumption is listed");
    let also: Vec<&str> = dibao[col("also")].split_whitespace().collect();
    assert!(
        also.contains(&"services.48.rural_allowance_difficult.standard"),
        "{also:?}"
    );
    assert!(
        also.contains(&"services.74.single_person_dibao.standard"),
        "{also:?}"
    );
}

#[test]
fn assumptions_money_at_stake_is_what_simulate_gives_at_the_ends_of_the_range() {
    // services.4.preschool_aid.standard: 750, range 500-1000 (the plan's own range). The
    // stake columns must equal the change of each level's five-year total in two runs of
    // `simulate` that set the standard to 500 and to 1000.
    let o = fendan(&root(), &["assumptions", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let row = r
        .records()
        .map(Result::unwrap)
        .find(|r| &r[col("path")] == "services.4.preschool_aid.standard")
        .expect("listed");
    assert_eq!(&row[col("range")], "500–1000");
    let tmp = tempfile::tempdir().unwrap();
    let totals = |value: &str| -> [i64; 5] {
        let scen = tmp.path().join(format!("s{value}.yaml"));
        std::fs::write(
            &scen,
            format!(
                "name: s{value}\ntitle: t\nextends: baseline\noverrides:\n  - path: services.4.preschool_aid.standard\n    set: {value}\n"
            ),
        )
        .unwrap();
        let out = tmp.path().join(format!("o{value}"));
        let o = fendan(
            &root(),
            &[
                "simulate",
                scen.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let text = std::fs::read_to_string(out.join("by_level.csv")).unwrap();
        let mut t = [0i64; 5];
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            for l in 0..5 {
                t[l] += fen(f[l + 1]);
            }
        }
        t
    };
    let (base, low, high) = (totals("750"), totals("500"), totals("1000"));
    for (l, name) in ["central", "province", "city", "county", "total"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            fen(&row[col(&format!("{name}_low"))]),
            low[l] - base[l],
            "{name} low"
        );
        assert_eq!(
            fen(&row[col(&format!("{name}_high"))]),
            high[l] - base[l],
            "{name} high"
        );
    }
    assert!(fen(&row[col("stake")]) > 0);
}

#[test]
fn validate_reports_counts() {
    let o = fendan(&root(), &["validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("services     83"), "{text}");
    assert!(text.contains("units        20"), "{text}");
    assert!(text.contains("2016: 9492800"), "{text}");
}

#[test]
fn the_plans_chapter_one_figures_are_labelled_choices_with_their_range() {
    // The plan's chapter 1 gives 50 yuan (public health) and 380 yuan (insurance subsidy) for
    // 2016; the national 45 and 420 are used, each as a labelled assumption whose range
    // reaches the plan's figure.
    let (_, m) = baseline();
    let jan = fendan::date::Date::new(2016, 1, 1);
    let check = |path: &str, value: &str, low: &str, high: &str| {
        let p = m.params.get(m.params.lookup(path).unwrap());
        assert_eq!(p.at(jan).unwrap(), d(value), "{path}");
        let basis = p
            .assumption_at(jan)
            .unwrap_or_else(|| panic!("{path}: 2016 is labelled"));
        assert!(basis.contains("chapter 1"), "{path}: {basis}");
        let g = p.grade_at(jan).unwrap();
        let r = g.range.expect("a range from the two figures");
        assert_eq!((r.low, r.high, r.scale), (d(low), d(high), false), "{path}");
    };
    check("services.23.premium_subsidy.standard", "420", "380", "420");
    // Health records take 0.10 of the package: 45 × 0.10 = 4.5, the plan's 50 × 0.10 = 5.
    check("services.26.records.standard", "4.5", "4.5", "5");
}

#[test]
fn double_counts_are_netted_and_by_domain_says_which() {
    let (_, m) = baseline();
    let run = baseline_run();
    // Service 77 is netted to zero in every cell; service 74 pays 0.46 of the standard.
    let (si77, _) = m.component_index(77, "urban_housing_support").unwrap();
    assert!(
        run.cells
            .iter()
            .filter(|c| c.service as usize == si77)
            .all(|c| c.total == 0)
    );
    assert_eq!(
        param("services.74.single_person_dibao.coverage", "2018-06-01").0,
        d("0.46")
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let o = fendan(
        &root(),
        &["simulate", "--quiet", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("by_domain.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(r.headers().unwrap().get(8), Some("overlaps"));
    for rec in r.records().map(Result::unwrap) {
        if &rec[1] == "disability" {
            assert!(
                rec[8].contains("74→48") && rec[8].contains("77→61"),
                "{rec:?}"
            );
        } else {
            assert_eq!(&rec[8], "", "{rec:?}");
        }
    }
}
