//! The engine against hand arithmetic, its invariants, and its determinism.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;

use crate::common::*;
use fendan::engine::Cell;

/// The cell of (year, unit code, service id, component id) in the baseline run.
fn cell(year: i32, unit: &str, service: u32, component: &str) -> &'static Cell {
    let (_, m) = baseline();
    let u = m.unit_index(unit).expect("unit exists") as u16;
    let (si, ci) = m
        .component_index(service, component)
        .expect("component exists");
    baseline_run()
        .cells
        .iter()
        .find(|c| {
            c.year == year && c.unit == u && c.service as usize == si && c.component as usize == ci
        })
        .expect("cell exists")
}

/// Assert a cell's headcount, total and level amounts (in yuan, as "1234.56").
fn golden(
    year: i32,
    unit: &str,
    service: u32,
    component: &str,
    headcount: i64,
    total: &str,
    levels: [&str; 4],
) {
    let c = cell(year, unit, service, component);
    let what = format!("{year} {unit} service {service} {component}");
    assert_eq!(c.headcount, headcount, "headcount of {what}");
    assert_eq!(c.total, fen(total), "total of {what}");
    assert_eq!(
        c.levels,
        levels.map(fen),
        "levels (central, province, city, county) of {what}"
    );
}

#[test]
fn golden_compulsory_education_in_a_district() {
    // Service 1, 邯山区 (市辖区) 2016: 48,782 pupils (the 6-11 cohort calibrated to the 2015
    // enrolment) × 685 yuan = 33,415,670.00. compulsory_edu: central 0.6 → 20,049,402.00; the
    // rest 0.4 splits 1.5:1.5:1 for districts, i.e. province 0.15 → 5,012,350.50, city 0.15 →
    // 5,012,350.50, county 0.1 → 3,341,567.00.
    golden(
        2016,
        "130402",
        1,
        "primary_public_funds",
        48782,
        "33415670.00",
        ["20049402.00", "5012350.50", "5012350.50", "3341567.00"],
    );
}

#[test]
fn golden_textbooks_are_all_central() {
    // Service 1 textbooks: 48,782 × 90 = 4,390,380.00, all central.
    golden(
        2016,
        "130402",
        1,
        "primary_textbooks",
        48782,
        "4390380.00",
        ["4390380.00", "0.00", "0.00", "0.00"],
    );
}

#[test]
fn golden_five_two_three_split() {
    // Service 3, 大名县 (市管县) 2016: 2,398 needy boarders × 1,000 = 2,398,000.00.
    // 5:2:3 → central 0.5 = 1,199,000; province 0.2 = 479,600; city and county share
    // the 0.3 as 1:2 → city 0.1 = 239,800, county 0.2 = 479,600.
    golden(
        2016,
        "130425",
        3,
        "primary_boarders",
        2398,
        "2398000.00",
        ["1199000.00", "479600.00", "239800.00", "479600.00"],
    );
}

#[test]
fn golden_central_sixty_percent_by_fiscal_class() {
    // Service 5, 2016, 2,000 yuan a grant. 大名县 (managed): 2,079 × 2,000 = 4,158,000;
    // central 0.6 = 2,494,800; rest 0.4 as 2:1:1 → 831,600 / 415,800 / 415,800.
    golden(
        2016,
        "130425",
        5,
        "grant",
        2079,
        "4158000.00",
        ["2494800.00", "831600.00", "415800.00", "415800.00"],
    );
    // 邯山区 (district): 1,756 × 2,000 = 3,512,000; central 2,107,200; rest 1.5:1.5:1 →
    // 526,800 / 526,800 / 351,200.
    golden(
        2016,
        "130402",
        5,
        "grant",
        1756,
        "3512000.00",
        ["2107200.00", "526800.00", "526800.00", "351200.00"],
    );
}

#[test]
fn golden_national_base_and_local_top_up() {
    // Service 20, 大名县 2016: 90 yuan a month = 1,080 a year; national base 70 a month =
    // 840 a year, half central before 2019 (420) and half provincial (420); the top-up
    // 20 a month = 240 a year splits 15:2.5:2.5 → province 180, city 30, county 30.
    // Per head: central 420, province 600, city 30, county 30. × 82,981 recipients:
    golden(
        2016,
        "130425",
        20,
        "basic_pension",
        82981,
        "89619480.00",
        ["34852020.00", "49788600.00", "2489430.00", "2489430.00"],
    );
    // 2019: still the plan's 90 a month = 1,080 a year; base 88 a month = 1,056 a year, now all
    // central; the top-up is 2 a month = 24 a year, 15:2.5:2.5 → province 18, city 3, county 3.
    // × 92,236: central 97,401,216; province 1,660,248; city and county 276,708 each.
    golden(
        2019,
        "130425",
        20,
        "basic_pension",
        92236,
        "99614880.00",
        ["97401216.00", "1660248.00", "276708.00", "276708.00"],
    );
}

#[test]
fn golden_mid_year_standard_change() {
    // Service 48 urban 低保, 2020: 618 a month (the 2019 value of the path) in January-February,
    // 702 from 2020-03-01: 2 × 618 + 10 × 702 = 8,256 a year; × payment ratio 0.5 = 4,128 a head.
    // 邯山区 is not a difficult area, so city and county pay alone (city_county, districts 1:1):
    // 1,993 × 4,128 = 8,227,104.00 → 4,113,552.00 each.
    golden(
        2020,
        "130402",
        48,
        "urban_allowance",
        1993,
        "8227104.00",
        ["0.00", "0.00", "4113552.00", "4113552.00"],
    );
    // 大名县 is a difficult area: 1,208 × 4,128 = 4,986,624.00 with central and provincial aid
    // (city_county_upper_aid, managed): central 0.3 → 1,495,987.20; province 0.7 × 0.2 = 0.14 →
    // 698,127.36; city 0.7 × 0.16 = 0.112 → 558,501.888; county 0.7 × 0.64 = 0.448 →
    // 2,234,007.552. The floors add up to ...623.99; the fen goes to the city (remainder 0.8).
    golden(
        2020,
        "130425",
        48,
        "urban_allowance_difficult",
        1208,
        "4986624.00",
        ["1495987.20", "698127.36", "558501.89", "2234007.55"],
    );
    // Its component for the other units pays nothing there.
    let c = cell(2020, "130425", 48, "urban_allowance");
    assert_eq!((c.months, c.total), (0, 0));
}

#[test]
fn golden_ramped_coverage_and_largest_remainder() {
    // Service 79, 武安市 2018: coverage ramps 13 % (2015) → 80 % (2020), so 2018 is
    // 0.13 + 0.67 × 3/5 = 0.532; × 300 yuan × 15,543 people = 2,480,662.80.
    // city_county_upper_aid (managed): central 0.3 → 744,198.84; province 0.7 × 0.2 = 0.14 →
    // 347,292.792; city 0.7 × 0.16 = 0.112 → 277,834.2336; county 0.7 × 0.64 = 0.448 →
    // 1,111,336.9344. The floors add up to ...662.79; the missing fen goes to the largest
    // remainder (county, 0.44 of a fen).
    golden(
        2018,
        "130481",
        79,
        "basic_rehabilitation",
        15543,
        "2480662.80",
        ["744198.84", "347292.79", "277834.23", "1111336.94"],
    );
}

#[test]
fn golden_ties_go_to_the_earlier_level() {
    // Service 73, 邯山区 2016: 66 yuan a month = 792 a year; coverage 0.90 → 0.95 ramp gives
    // 0.91 in 2016; 3,927 × 792 × 0.91 = 2,830,267.44. Levels 0.3 / 0.14 / 0.28 / 0.28:
    // 849,080.232 / 396,237.4416 / 792,474.8832 / 792,474.8832; floors sum to ...267.43;
    // city and county tie on remainder 0.32 of a fen, and the city (earlier) gets it.
    golden(
        2016,
        "130402",
        73,
        "living_subsidy",
        3927,
        "2830267.44",
        ["849080.23", "396237.44", "792474.89", "792474.88"],
    );
}

#[test]
fn golden_pilot_status_outlasts_the_poverty_exit() {
    // Service 2 in 魏县, which left the poverty list on 2018-09-29 but stayed a provincial
    // pilot (摘帽不摘政策): eligible all of 2018. 4 yuan a day × 200 days = 800 a year;
    // × 68,454 rural pupils = 54,763,200. Provincial pilot rule: the central award at its
    // ceiling, half of the national standard → 0.5; province and county 1:1 → 0.25 each.
    let c = cell(2018, "130434", 2, "primary_meals");
    assert_eq!(c.months, 12);
    golden(
        2018,
        "130434",
        2,
        "primary_meals",
        68454,
        "54763200.00",
        ["27381600.00", "13690800.00", "0.00", "13690800.00"],
    );
    // 武安市 was never on the lists: the row is there, with nothing paid.
    let c = cell(2016, "130481", 2, "primary_meals");
    assert_eq!((c.months, c.total), (0, 0));
}

#[test]
fn golden_programme_starting_mid_year() {
    // Service 8 tuition waiver starts 2016-09-01 (coverage 0 before): 4 of 12 months.
    // 邯山区: 718 × 2,000 × 4/12 = 478,666.666… → 478,666.67; central 0.6 = 287,200; district
    // split of the rest: province 0.15 = 71,800; city 71,800; county 0.1 = 47,866.666… → 47,866.67.
    golden(
        2016,
        "130402",
        8,
        "senior_tuition",
        718,
        "478666.67",
        ["287200.00", "71800.00", "71800.00", "47866.67"],
    );
}

#[test]
fn golden_public_health_before_and_after_the_2019_reform() {
    // Service 32 takes 0.20 of the basic public-health package in 2016-2018 (services 26-37
    // share it alone) and 0.19 from 2019 (38-42 join it). 2018: 55 × 0.20 = 11.00 a resident;
    // 邯山区 618,528 × 11 = 6,803,808.00, central 50 % → 3,401,904.00; province 0.5 × 0.3 = 0.15
    // → 1,020,571.20; city and county 0.5 × 0.35 = 0.175 → 1,190,666.40 each.
    golden(
        2018,
        "130402",
        32,
        "elderly_health",
        618528,
        "6803808.00",
        ["3401904.00", "1020571.20", "1190666.40", "1190666.40"],
    );
    // 2019: 69 × 0.19 = 13.11; 616,415 × 13.11 = 8,081,200.65; central 60 % → 4,848,720.39;
    // province 0.12 → 969,744.078; city and county 0.14 → 1,131,368.091; the missing fen goes to
    // the province (remainder 0.8).
    golden(
        2019,
        "130402",
        32,
        "elderly_health",
        616415,
        "8081200.65",
        ["4848720.39", "969744.08", "1131368.09", "1131368.09"],
    );
}

#[test]
fn golden_eligibility_by_unit_kind() {
    // Service 6 waiver at the 2,300-yuan city-district rate: paid in 邯山区, not in 大名县.
    // 邯山区: 7,025 vocational students × 0.6 × 2,300 = 9,694,500; 6:4 with the district split.
    golden(
        2016,
        "130402",
        6,
        "waiver_city_districts",
        7025,
        "9694500.00",
        ["5816700.00", "1454175.00", "1454175.00", "969450.00"],
    );
    let c = cell(2016, "130425", 6, "waiver_city_districts");
    assert_eq!((c.months, c.total), (0, 0));
}

#[test]
fn every_cell_adds_up_and_never_goes_negative() {
    for c in &baseline_run().cells {
        assert_eq!(c.levels.iter().sum::<i64>(), c.total, "{c:?}");
        assert!(c.levels.iter().all(|l| *l >= 0), "{c:?}");
    }
    let (_, m) = baseline();
    let comps: usize = m.services.iter().map(|s| s.components.len()).sum();
    assert_eq!(baseline_run().cells.len(), 5 * 20 * comps);
}

/// Run `fendan simulate` into a fresh folder and return it.
fn simulate_into(dir: &Path, threads: &str) -> std::path::PathBuf {
    let out = dir.join(format!("run-{threads}"));
    let o = fendan(
        &root(),
        &[
            "simulate",
            "scenarios/baseline.yaml",
            "--quiet",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn outputs_are_byte_identical_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let a = simulate_into(tmp.path(), "1");
    let b = simulate_into(tmp.path(), "2");
    let names = [
        "outlays.csv",
        "by_level.csv",
        "by_unit.csv",
        "by_domain.csv",
        "equalization.csv",
        "manifest.json",
    ];
    for n in names {
        let x = std::fs::read(a.join(n)).unwrap();
        let y = std::fs::read(b.join(n)).unwrap();
        assert!(x == y, "{n} differs between --threads 1 and --threads 2");
    }
    // A rerun into the same folder is allowed (same scenario) and gives the same bytes.
    let again = simulate_into(tmp.path(), "1");
    assert_eq!(
        std::fs::read(again.join("outlays.csv")).unwrap(),
        std::fs::read(b.join("outlays.csv")).unwrap()
    );
    let manifest = std::fs::read_to_string(a.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"name\": \"baseline\""));
    // No leftover temporary folders.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn summary_tables_agree_with_the_detail_to_the_fen() {
    let tmp = tempfile::tempdir().unwrap();
    let out = simulate_into(tmp.path(), "2");
    let (h, rows) = read_csv(&out.join("outlays.csv"));
    assert_eq!(
        &h[..16],
        [
            "year",
            "unit_code",
            "unit_name",
            "service_id",
            "service_name",
            "domain",
            "component",
            "budget_class",
            "headcount",
            "coverage",
            "standard_yuan_per_year",
            "total",
            "central",
            "province",
            "city",
            "county"
        ]
    );
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (cy, cu, cd) = (col("year"), col("unit_code"), col("domain"));
    let lv: Vec<usize> = ["central", "province", "city", "county", "total"]
        .iter()
        .map(|n| col(n))
        .collect();
    let mut by_year: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    let mut by_unit: BTreeMap<(String, String), [i64; 5]> = BTreeMap::new();
    let mut by_domain: BTreeMap<(String, String), [i64; 5]> = BTreeMap::new();
    for r in &rows {
        let v: Vec<i64> = lv.iter().map(|i| fen(&r[*i])).collect();
        assert_eq!(v[0] + v[1] + v[2] + v[3], v[4], "levels add up in {r:?}");
        let e = by_year.entry(r[cy].clone()).or_default();
        for i in 0..5 {
            e[i] += v[i];
        }
        let e = by_unit.entry((r[cy].clone(), r[cu].clone())).or_default();
        for i in 0..5 {
            e[i] += v[i];
        }
        let e = by_domain.entry((r[cy].clone(), r[cd].clone())).or_default();
        for i in 0..5 {
            e[i] += v[i];
        }
    }
    let amounts = |r: &[String], h: &[String]| -> [i64; 5] {
        ["central", "province", "city", "county", "total"]
            .map(|n| fen(&r[h.iter().position(|x| x == n).unwrap()]))
    };
    let (hl, levels) = read_csv(&out.join("by_level.csv"));
    assert_eq!(levels.len(), 5);
    for r in &levels {
        assert_eq!(amounts(r, &hl), by_year[&r[0]], "by_level {}", r[0]);
    }
    let (hu, units) = read_csv(&out.join("by_unit.csv"));
    assert_eq!(units.len(), 100);
    let mut unit_sum: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    for r in &units {
        let a = amounts(r, &hu);
        assert_eq!(
            a,
            by_unit[&(r[0].clone(), r[1].clone())],
            "by_unit {} {}",
            r[0],
            r[1]
        );
        let e = unit_sum.entry(r[0].clone()).or_default();
        for i in 0..5 {
            e[i] += a[i];
        }
    }
    assert_eq!(unit_sum, by_year, "units add up to the city");
    let (hd, domains) = read_csv(&out.join("by_domain.csv"));
    assert_eq!(domains.len(), 40);
    for r in &domains {
        assert_eq!(
            amounts(r, &hd),
            by_domain[&(r[0].clone(), r[1].clone())],
            "by_domain {} {}",
            r[0],
            r[1]
        );
    }
    let (he, eq) = read_csv(&out.join("equalization.csv"));
    assert_eq!(eq.len(), 10);
    let ratio = he.iter().position(|x| x == "max_min_ratio").unwrap();
    assert!(eq.iter().all(|r| r[ratio].parse::<f64>().unwrap() >= 1.0));
}

#[test]
fn an_existing_output_of_another_scenario_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let out = simulate_into(tmp.path(), "1");
    let other = tmp.path().join("other.yaml");
    std::fs::write(&other, "name: other\ntitle: another run\n").unwrap();
    let o = fendan(
        &root(),
        &[
            "simulate",
            other.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds the results of scenario `baseline`, not `other`"),
        "{}",
        stderr(&o)
    );
    let o = fendan(
        &root(),
        &[
            "simulate",
            other.to_str().unwrap(),
            "--quiet",
            "--force",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    assert!(
        std::fs::read_to_string(out.join("manifest.json"))
            .unwrap()
            .contains("\"name\": \"other\"")
    );
}

// ---------------------------------------------------------------------------
// Properties on generated inputs
// ---------------------------------------------------------------------------

proptest! {
    #[test]
    fn allocation_adds_up_and_stays_within_a_fen(parts in prop::array::uniform4(0u64..10_000_000_000u64), scale in 0u32..6) {
        // Parts in fen with `scale` decimals: numerators over 10^scale.
        let den = 10i128.pow(scale);
        let parts = parts.map(i128::from);
        let (total, fen) = fendan::money::allocate(&parts, &den).unwrap();
        prop_assert_eq!(fen.iter().sum::<i64>(), total);
        for (f, p) in fen.iter().zip(parts) {
            prop_assert!((i128::from(*f) * den - p).abs() < den);
        }
    }
}

/// A one-service catalog and a one-rule split file with the given numbers.
fn generated_inputs(
    standard: &str,
    coverage: &str,
    central: &str,
    local: [u32; 3],
) -> fendan::Inputs {
    let l = local.map(|x| rust_decimal::Decimal::new(x as i64, 3).normalize());
    let services = format!(
        "services:\n  - id: 1\n    domain: education\n    name: {{zh: 测试, en: Test}}\n    beneficiaries: {{zh: 学生, en: Pupils}}\n    responsibility: {{zh: 分担, en: Shared}}\n    lead: [市财政局]\n    budget_class: \"205\"\n    source: plan:附件1#1\n    components:\n      - id: c\n        name: {{zh: 测试, en: Test}}\n        cohort: pop_total\n        standard: {{unit: yuan_per_year, values: {{2016-01-01: {standard}}}, source: plan:附件1#1}}\n        coverage: {{unit: share, values: {{2016-01-01: {coverage}}}, source: plan:附件1#1}}\n        split: r\n"
    );
    let splits = format!(
        "rules:\n  r:\n    name: {{zh: 测试, en: Test}}\n    versions:\n      - from: 2016-01-01\n        central: {central}\n        local:\n          all: {{province: {}, city: {}, county: {}}}\n",
        l[0], l[1], l[2]
    );
    let mut inputs = fendan::Inputs::embedded();
    inputs.services = vec![fendan::load::Source::new("generated.yaml", services)];
    inputs.splits = fendan::load::Source::new("splits.yaml", splits);
    inputs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn generated_models_add_up_and_match_hand_arithmetic(
        std_fen in 0u64..100_000_000u64,
        cov in 0u32..=1000,
        central in 0u32..=1000,
        a in 0u32..=1000,
        b in 0u32..=1000,
    ) {
        let b = b.min(1000 - a);
        let local = [a, b, 1000 - a - b];
        let standard = rust_decimal::Decimal::new(std_fen as i64, 2);
        let coverage = rust_decimal::Decimal::new(cov as i64, 3);
        let central_d = rust_decimal::Decimal::new(central as i64, 3);
        let inputs = generated_inputs(&standard.to_string(), &coverage.to_string(), &central_d.to_string(), local);
        let model = fendan::load(&inputs).unwrap();
        let out = fendan::run(&model, YEARS).unwrap();
        let pop = model.cohort_by_name("pop_total").unwrap();
        let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
        for c in &out.cells {
            prop_assert_eq!(c.levels.iter().sum::<i64>(), c.total);
            // total = round(headcount × standard × coverage), to the fen, half away from zero.
            let h = out.headcounts.get(c.year, c.unit as usize, pop);
            let expect = fendan::money::to_fen(rust_decimal::Decimal::from(h) * standard * coverage);
            prop_assert_eq!(Some(c.total), expect);
            // The central part is within a fen of its exact share.
            let exact_central = rust_decimal::Decimal::from(h) * standard * coverage * central_d * rust_decimal::Decimal::ONE_HUNDRED;
            prop_assert!((rust_decimal::Decimal::from(c.levels[0]) - exact_central).abs() < rust_decimal::Decimal::ONE);
            *per_year.entry(c.year).or_default() += c.total;
        }
        let levels = fendan::report::level_totals(&model, &out).unwrap();
        for (y, l) in levels {
            prop_assert_eq!(l.iter().sum::<i64>(), per_year[&y]);
        }
    }
}
