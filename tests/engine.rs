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
    // Service 1, 邯山区 (市辖区) 2016: 55,967 pupils × 685 yuan = 38,337,395.00.
    // compulsory_edu: central 0.6 → 23,002,437.00; the rest 0.4 splits 1.5:1.5:1 for
    // districts, i.e. province 0.15 → 5,750,609.25, city 0.15 → 5,750,609.25, county 0.1 → 3,833,739.50.
    golden(
        2016,
        "130402",
        1,
        "primary_public_funds",
        55967,
        "38337395.00",
        ["23002437.00", "5750609.25", "5750609.25", "3833739.50"],
    );
}

#[test]
fn golden_textbooks_are_all_central() {
    // Service 1 textbooks: 55,967 × 90 = 5,037,030.00, all central.
    golden(
        2016,
        "130402",
        1,
        "primary_textbooks",
        55967,
        "5037030.00",
        ["5037030.00", "0.00", "0.00", "0.00"],
    );
}

#[test]
fn golden_five_two_three_split() {
    // Service 3, 大名县 (市管县) 2016: 2,751 needy boarders × 1,000 = 2,751,000.00.
    // 5:2:3 → central 0.5 = 1,375,500; province 0.2 = 550,200; city and county share
    // the 0.3 as 1:2 → city 0.1 = 275,100, county 0.2 = 550,200.
    golden(
        2016,
        "130425",
        3,
        "primary_boarders",
        2751,
        "2751000.00",
        ["1375500.00", "550200.00", "275100.00", "550200.00"],
    );
}

#[test]
fn golden_central_sixty_percent_by_fiscal_class() {
    // Service 5, 2016, 2,000 yuan a grant. 大名县 (managed): 2,976 × 2,000 = 5,952,000;
    // central 0.6 = 3,571,200; rest 0.4 as 2:1:1 → 1,190,400 / 595,200 / 595,200.
    golden(
        2016,
        "130425",
        5,
        "grant",
        2976,
        "5952000.00",
        ["3571200.00", "1190400.00", "595200.00", "595200.00"],
    );
    // 邯山区 (district): 2,515 × 2,000 = 5,030,000; central 3,018,000; rest 1.5:1.5:1 →
    // 754,500 / 754,500 / 503,000.
    golden(
        2016,
        "130402",
        5,
        "grant",
        2515,
        "5030000.00",
        ["3018000.00", "754500.00", "754500.00", "503000.00"],
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
    // 2019: 108 a month = 1,296 a year; base 88 a month = 1,056 a year, now all central;
    // top-up 240 as before. × 92,236: central 97,401,216; province 16,602,480; city and county 2,767,080.
    golden(
        2019,
        "130425",
        20,
        "basic_pension",
        92236,
        "119537856.00",
        ["97401216.00", "16602480.00", "2767080.00", "2767080.00"],
    );
}

#[test]
fn golden_mid_year_standard_change() {
    // Service 48 urban 低保, 2020: 560 a month in January-February, 702 from 2020-03-01:
    // 2 × 560 + 10 × 702 = 8,140 a year; × payment ratio 0.5 = 4,070 a head.
    // 邯山区: 1,993 × 4,070 = 8,111,510.00. social_assistance for districts: central 0.4,
    // province 0.6 × 0.3 = 0.18, city and county 0.6 × 0.35 = 0.21 each.
    golden(
        2020,
        "130402",
        48,
        "urban_allowance",
        1993,
        "8111510.00",
        ["3244604.00", "1460071.80", "1703417.10", "1703417.10"],
    );
    // 大名县 (managed): 1,208 × 4,070 = 4,916,560; central 0.4, province 0.18, city 0.12, county 0.30.
    golden(
        2020,
        "130425",
        48,
        "urban_allowance",
        1208,
        "4916560.00",
        ["1966624.00", "884980.80", "589987.20", "1474968.00"],
    );
}

#[test]
fn golden_ramped_coverage_and_largest_remainder() {
    // Service 79, 武安市 2018: coverage ramps 13 % (2015) → 80 % (2020), so 2018 is
    // 0.13 + 0.67 × 3/5 = 0.532; × 300 yuan × 15,543 people = 2,480,662.80.
    // city_county_upper_aid (managed): central 0.3 → 744,198.84; province 0.7 × 0.2 = 0.14 →
    // 347,292.792; city 0.14 → 347,292.792; county 0.42 → 1,041,878.376. The floors add up to
    // ...662.79; the missing fen goes to the largest remainder (county, 0.6 of a fen).
    golden(
        2018,
        "130481",
        79,
        "basic_rehabilitation",
        15543,
        "2480662.80",
        ["744198.84", "347292.79", "347292.79", "1041878.38"],
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
fn golden_poverty_exit_mid_year() {
    // Service 2 in 魏县, which left the poverty list on 2018-09-29: eligible January to
    // September 2018 (9 months). 4 yuan a day × 200 days = 800 a year → 600 for 9 months;
    // × 73,150 = 43,890,000. Provincial pilot rule: central 0.2, province 0.4, county 0.4.
    let c = cell(2018, "130434", 2, "primary_meals");
    assert_eq!(c.months, 9);
    golden(
        2018,
        "130434",
        2,
        "primary_meals",
        73150,
        "43890000.00",
        ["8778000.00", "17556000.00", "0.00", "17556000.00"],
    );
    // 武安市 was never a poverty county: the row is there, with nothing paid.
    let c = cell(2016, "130481", 2, "primary_meals");
    assert_eq!((c.months, c.total), (0, 0));
}

#[test]
fn golden_programme_starting_mid_year() {
    // Service 8 tuition waiver starts 2016-09-01 (coverage 0 before): 4 of 12 months.
    // 邯山区: 905 × 2,000 × 4/12 = 603,333.33; central 0.6 = 362,000; district split of the
    // rest: province 0.15 = 90,500; city 90,500; county 0.1 = 60,333.333 → 60,333.33.
    golden(
        2016,
        "130402",
        8,
        "senior_tuition",
        905,
        "603333.33",
        ["362000.00", "90500.00", "90500.00", "60333.33"],
    );
}

#[test]
fn golden_public_health_before_and_after_the_2019_reform() {
    // Service 32 is 18 % of the basic public-health package. 2018: 55 × 0.18 = 9.90 a resident;
    // 邯山区 618,528 × 9.90 = 6,123,427.20, central 50 % → 3,061,713.60; province 0.5 × 0.3 = 0.15;
    // city and county 0.5 × 0.35 = 0.175 each.
    golden(
        2018,
        "130402",
        32,
        "elderly_health",
        618528,
        "6123427.20",
        ["3061713.60", "918514.08", "1071599.76", "1071599.76"],
    );
    // 2019: 69 × 0.18 = 12.42; 616,415 × 12.42 = 7,655,874.30; central 60 % → 4,593,524.58;
    // province 0.12 → 918,704.916; city and county 0.14 → 1,071,822.402; the missing fen goes to the province.
    golden(
        2019,
        "130402",
        32,
        "elderly_health",
        616415,
        "7655874.30",
        ["4593524.58", "918704.92", "1071822.40", "1071822.40"],
    );
}

#[test]
fn golden_eligibility_by_unit_kind() {
    // Service 6 waiver at the 2,300-yuan city-district rate: paid in 邯山区, not in 大名县.
    // 邯山区: 10,059 vocational students × 0.6 × 2,300 = 13,881,420; 6:4 with the district split.
    golden(
        2016,
        "130402",
        6,
        "waiver_city_districts",
        10059,
        "13881420.00",
        ["8328852.00", "2082213.00", "2082213.00", "1388142.00"],
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
        "services:\n  - id: 1\n    domain: education\n    name: {{zh: 测试, en: Test}}\n    beneficiaries: {{zh: 学生, en: Pupils}}\n    responsibility: {{zh: 分担, en: Shared}}\n    lead: [市财政局]\n    budget_class: \"205\"\n    source: generated\n    components:\n      - id: c\n        name: {{zh: 测试, en: Test}}\n        cohort: pop_total\n        standard: {{unit: yuan_per_year, values: {{2016-01-01: {standard}}}, source: generated}}\n        coverage: {{unit: share, values: {{2016-01-01: {coverage}}}, source: generated}}\n        split: r\n"
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
