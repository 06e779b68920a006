//! The shipped policy scenarios (scenarios/*.yaml): each one loads, runs and changes
//! exactly what its header says it changes, measured against the baseline cell by cell.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fendan::date::Date;
use fendan::engine::Cell;
use fendan::{Model, Outcome, Scenario};
use rust_decimal::Decimal;

use crate::common::*;

/// Every scenario file shipped in scenarios/, sorted.
fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Load and run a shipped scenario by file stem.
fn run(name: &str) -> (Scenario, Model, Outcome) {
    let path = root().join("scenarios").join(format!("{name}.yaml"));
    let s = Scenario::from_path(&path).unwrap_or_else(|e| panic!("{name} loads: {e}"));
    let m = s.model().unwrap_or_else(|e| panic!("{name} model: {e}"));
    let o = fendan::run(&m, s.years).unwrap_or_else(|e| panic!("{name} runs: {e}"));
    (s, m, o)
}

/// The baseline's cells zipped with a scenario's, after checking they are the same cells.
fn pairs(out: &Outcome) -> impl Iterator<Item = (&Cell, &Cell)> {
    let base = &baseline_run().cells;
    assert_eq!(
        base.len(),
        out.cells.len(),
        "same number of cells as the baseline"
    );
    base.iter().zip(&out.cells).inspect(|(b, s)| {
        assert_eq!(
            (b.year, b.unit, b.service, b.component),
            (s.year, s.unit, s.service, s.component),
            "cells in the same order"
        );
    })
}

/// Sum of the level amounts (fen) per year, over the cells `keep` selects.
fn by_year(out: &Outcome, keep: impl Fn(&Cell) -> bool) -> BTreeMap<i32, [i64; 4]> {
    let mut t: BTreeMap<i32, [i64; 4]> = BTreeMap::new();
    for c in out.cells.iter().filter(|c| keep(c)) {
        let e = t.entry(c.year).or_default();
        for (a, x) in e.iter_mut().zip(c.levels) {
            *a += x;
        }
    }
    t
}

fn total(l: &[i64; 4]) -> i64 {
    l.iter().sum()
}

/// (service index, component index) of a component, by service number and id.
fn component(m: &Model, service: u32, id: &str) -> (u16, u16) {
    let (si, ci) = m.component_index(service, id).expect("component exists");
    (si as u16, ci as u16)
}

/// City-wide headcount of a component per year.
fn headcount(m: &Model, out: &Outcome, service: u32, id: &str) -> BTreeMap<i32, i64> {
    let (s, c) = component(m, service, id);
    let mut t = BTreeMap::new();
    for cell in out
        .cells
        .iter()
        .filter(|x| x.service == s && x.component == c)
    {
        *t.entry(cell.year).or_insert(0) += cell.headcount;
    }
    t
}

fn param_at(m: &Model, path: &str, date: Date) -> Decimal {
    let id = m
        .params
        .lookup(path)
        .unwrap_or_else(|| panic!("{path} exists"));
    m.params
        .get(id)
        .at(date)
        .unwrap_or_else(|| panic!("{path} has a value on {date}"))
}

fn wan(fen: i64) -> f64 {
    fen as f64 / 1_000_000.0
}

#[test]
fn every_shipped_scenario_is_documented_loads_and_runs() {
    let files = shipped();
    for want in [
        "baseline",
        "pre_reform_shares",
        "targets_met",
        "price_indexed",
        "poverty_relief",
        "birth_shock",
    ] {
        assert!(
            files.iter().any(|f| f.file_stem().unwrap() == want),
            "scenarios/{want}.yaml is shipped"
        );
    }
    for f in &files {
        let stem = f.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.starts_with('#'),
            "{stem}: starts with a comment header"
        );
        let s = Scenario::from_path(f).unwrap_or_else(|e| panic!("{stem} loads: {e}"));
        assert_eq!(s.name, stem, "{stem}: name is the file stem");
        assert!(
            !s.title.is_empty() && !s.description.is_empty(),
            "{stem}: title and description"
        );
        if stem == "baseline" {
            continue;
        }
        let header: String = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            header.contains("Policy question"),
            "{stem}: the header states its policy question"
        );
        assert!(
            header.contains("Sources"),
            "{stem}: the header cites its sources"
        );
        assert_eq!(
            s.extends,
            vec!["baseline".to_owned()],
            "{stem}: extends the baseline"
        );
        assert!(
            s.title.contains(" / "),
            "{stem}: title in Chinese / English"
        );
        // A capacity scenario asks whether units can carry the baseline's outlays: it
        // reads fiscal figures and changes no cell (tests/capacity.rs checks its figures).
        if s.inputs.fiscal.is_some() {
            let m = s.model().unwrap();
            let out = fendan::run(&m, s.years).unwrap();
            let a = fendan::capacity::assess(&m, &out, s.capacity).unwrap();
            assert!(a.is_some(), "{stem}: has capacity measures");
            continue;
        }
        assert!(!s.overrides.is_empty(), "{stem}: has overrides");
        let (_, _, out) = run(&stem);
        // Every policy scenario changes at least one cell of the baseline.
        assert!(
            pairs(&out).any(|(b, s)| b != s),
            "{stem}: changes something"
        );
        for c in &out.cells {
            assert_eq!(
                c.total,
                c.levels.iter().sum::<i64>(),
                "{stem}: levels add up"
            );
        }
    }
}

#[test]
fn pre_reform_shares_holds_the_2016_2018_shares_and_moves_only_2019_2020() {
    let (_, m, out) = run("pre_reform_shares");
    let (_, bm) = baseline();
    // Every split parameter that the baseline changes on 2019-01-01 is back at its 2018 value.
    let reform = Date::new(2019, 1, 1);
    let mut changed = 0;
    for (_, p) in bm
        .params
        .iter()
        .filter(|(_, p)| p.path.starts_with("splits."))
    {
        if !p.values.iter().any(|(d, _)| *d == reform) {
            continue;
        }
        changed += 1;
        let before = p.at(Date::new(2018, 12, 31)).unwrap();
        for d in [reform, Date::new(2020, 12, 1)] {
            assert_eq!(param_at(&m, &p.path, d), before, "{} on {d}", p.path);
        }
    }
    assert_eq!(
        changed, 70,
        "seven rules with a 2019 version, ten shares each"
    );
    // 2016-2018 identical cell by cell; totals unchanged in every cell.
    for (b, s) in pairs(&out) {
        assert_eq!(b.total, s.total, "totals per cell are unchanged");
        if b.year <= 2018 {
            assert_eq!(b, s, "2016-2018 cells equal the baseline's");
        }
    }
    let base = by_year(baseline_run(), |_| true);
    let scen = by_year(&out, |_| true);
    for y in [2019, 2020] {
        assert!(
            scen[&y][0] < base[&y][0],
            "{y}: the centre pays less without the reform"
        );
        assert!(scen[&y][1] > base[&y][1], "{y}: the province pays more");
        assert_eq!(total(&scen[&y]), total(&base[&y]));
    }
}

#[test]
fn targets_met_reaches_the_mapped_targets() {
    let (_, m, out) = run("targets_met");
    let ind = |id: &str| {
        m.indicators
            .iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("indicator {id}"))
    };
    let dec = |x: &Option<fendan::params::Dec>| x.as_ref().unwrap().0;
    let f = |x: Decimal| -> f64 { x.to_string().parse().unwrap() };

    // 基本养老保险参保人数 on a straight line 562 → 587.6万, the resident scheme at its
    // 2015 share (438.8 of 562.5万).
    let pension = ind("basic_pension_insured");
    let (b15, t20) = (f(dec(&pension.base_2015)), f(dec(&pension.target_2020)));
    let share = 438.8 / 562.5;
    let contributors = headcount(&m, &out, 20, "contribution_subsidy");
    let recipients = headcount(&m, &out, 20, "basic_pension");
    for y in 2016..=2020 {
        let target = (b15 + (t20 - b15) * f64::from(y - 2015) / 5.0) * 10_000.0 * share;
        let got = (contributors[&y] + recipients[&y]) as f64;
        assert!(
            (got - target).abs() < 100.0,
            "{y}: resident pension members {got} vs {target}"
        );
    }
    let base_contributors = headcount(bm(), baseline_run(), 20, "contribution_subsidy");
    assert!(contributors[&2020] > base_contributors[&2020] + 150_000);

    // 棚改: falling straight line from 3.759万套 (2015), 14万套 over 2016-2020.
    let shanty = ind("urban_shantytown_renovation");
    let units = headcount(&m, &out, 62, "redevelopment_subsidy");
    let sum: i64 = units.values().sum();
    assert!(
        (sum as f64 - f(dec(&shanty.cumulative)) * 10_000.0).abs() < 20.0,
        "棚改 five-year total {sum}"
    );
    let first = f(dec(&shanty.base_2015)) * 10_000.0;
    let step = (f(dec(&shanty.cumulative)) * 10_000.0 - 5.0 * first) / 15.0;
    for y in 2016..=2020 {
        let want = first + step * f64::from(y - 2015);
        assert!(
            (units[&y] as f64 - want).abs() < 10.0,
            "{y}: 棚改 {} vs {want}",
            units[&y]
        );
    }

    // 危房改造: the 2020 column in 2020, the cumulative target over five years.
    let rural = ind("rural_dilapidated_housing_renovation");
    let houses = headcount(&m, &out, 63, "central_grant");
    assert!((houses[&2020] as f64 - f(dec(&rural.target_2020)) * 10_000.0).abs() < 10.0);
    let sum: i64 = houses.values().sum();
    assert!(
        (sum as f64 - f(dec(&rural.cumulative)) * 10_000.0).abs() < 20.0,
        "危房 total {sum}"
    );

    // The targets the header lists as already met in the baseline are met there.
    let jan2020 = Date::new(2020, 1, 1);
    let on_line = |path: &str| {
        let id = m.params.lookup(path).unwrap();
        m.params.get(id).in_month(2020, 1).unwrap()
    };
    assert_eq!(on_line("services.73.living_subsidy.coverage"), d("0.95"));
    assert_eq!(on_line("services.73.care_subsidy.coverage"), d("0.95"));
    assert_eq!(
        on_line("services.79.basic_rehabilitation.coverage"),
        d("0.8")
    );
    assert_eq!(
        param_at(&m, "cohorts.pupils_junior.ratio", jan2020),
        d("0.98")
    );

    // Nothing else moves: only services 20, 62 and 63 differ from the baseline.
    let moved = [
        component(&m, 20, "contribution_subsidy"),
        component(&m, 62, "redevelopment_subsidy"),
        component(&m, 63, "central_grant"),
        component(&m, 63, "local_addition"),
    ];
    for (b, s) in pairs(&out) {
        if !moved.contains(&(b.service, b.component)) {
            assert_eq!(b, s, "untouched component changed");
        }
    }
}

fn bm() -> &'static Model {
    &baseline().1
}

#[test]
fn price_indexed_raises_flat_standards_from_2017_only() {
    let (_, m, out) = run("price_indexed");
    for (b, s) in pairs(&out) {
        assert!(
            s.total >= b.total,
            "no cell costs less when standards are indexed"
        );
        if b.year == 2016 {
            assert_eq!(b, s, "2016 is the base year of the index");
        }
    }
    let base = by_year(baseline_run(), |_| true);
    let scen = by_year(&out, |_| true);
    for y in 2017..=2020 {
        assert!(
            total(&scen[&y]) > total(&base[&y]),
            "{y}: indexed standards cost more"
        );
    }
    // 685 × 1.0215^n, whole yuan each year: 700, 715, 730, 746.
    for (y, v) in [(2017, "700"), (2018, "715"), (2019, "730"), (2020, "746")] {
        assert_eq!(
            param_at(
                &m,
                "services.1.primary_public_funds.standard",
                Date::new(y, 1, 1)
            ),
            d(v)
        );
    }
    // 低保 and 特困 already rise in the seeds (a yearly path to the 2020 rates), so they
    // are not indexed: the scenario leaves them at the baseline's values.
    let (_, bm) = baseline();
    for path in [
        "services.48.urban_allowance.standard",
        "services.48.rural_allowance.standard",
        "services.49.urban_basic_living.standard",
        "services.74.single_person_dibao.standard",
    ] {
        for y in 2016..=2020 {
            assert_eq!(
                param_at(&m, path, Date::new(y, 6, 1)),
                param_at(bm, path, Date::new(y, 6, 1)),
                "{path} {y}"
            );
        }
    }
}

const POOR: [&str; 6] = ["130425", "130434", "130432", "130433", "130431", "130407"];

#[test]
fn poverty_relief_moves_the_six_counties_share_to_the_province() {
    let (_, m, out) = run("poverty_relief");
    let (_, bmod) = baseline();
    let six: Vec<u16> = POOR
        .iter()
        .map(|c| m.unit_index(c).expect("unit") as u16)
        .collect();
    // `direct` is used by no unit in the baseline and by exactly the six here.
    let direct = m.plan.parse_class("direct").unwrap();
    assert!(bmod.units.iter().all(|u| u.fiscal_class != direct));
    for (i, u) in m.units.iter().enumerate() {
        assert_eq!(
            u.fiscal_class == direct,
            six.contains(&(i as u16)),
            "{}",
            u.code
        );
    }
    for (b, s) in pairs(&out) {
        assert_eq!(b.total, s.total, "every cell keeps its total");
        if !six.contains(&b.unit) {
            assert_eq!(b, s, "the other 14 units are identical");
            continue;
        }
        assert!(
            (b.levels[0] - s.levels[0]).abs() <= 1,
            "the centre's share is untouched (±1 fen of rounding)"
        );
        assert!(
            s.levels[3] <= b.levels[3],
            "no county pays more on any item"
        );
        assert_eq!(s.levels[2], 0, "the city pays nothing for a 省直管县");
    }
    let base = by_year(baseline_run(), |c| six.contains(&c.unit));
    let scen = by_year(&out, |c| six.contains(&c.unit));
    for y in 2016..=2020 {
        assert!(scen[&y][3] < base[&y][3], "{y}: the six counties pay less");
        assert!(scen[&y][1] > base[&y][1], "{y}: the province pays more");
        // The county keeps a tenth of the local share or less (give or take the fen
        // rounding of each cell).
        let local: i64 = scen[&y][1..].iter().sum();
        assert!(
            scen[&y][3] * 10 <= local + 1_000,
            "{y}: county at most 10 % of the local share"
        );
    }
}

#[test]
fn birth_shock_raises_child_linked_costs_from_2019_only() {
    let (_, m, out) = run("birth_shock");
    let domain = |c: &Cell| {
        m.plan
            .domain(m.services[c.service as usize].domain)
            .id
            .as_str()
    };
    let untouched = [
        "employment",
        "social_insurance",
        "health",
        "social_services",
        "housing",
    ];
    for (b, s) in pairs(&out) {
        if b.year <= 2018 || untouched.contains(&domain(b)) {
            assert_eq!(
                b, s,
                "before 2019, and outside the child-linked services, nothing moves"
            );
        } else {
            assert!(s.total >= b.total);
        }
    }
    let base = by_year(baseline_run(), |c| domain(c) == "education");
    let scen = by_year(&out, |c| domain(c) == "education");
    for y in [2019, 2020] {
        let (b, s) = (total(&base[&y]), total(&scen[&y]));
        assert!(s > b, "{y}: education costs more");
        // Primary public funds and pre-school aid grow by about the shock, 20 %.
        assert!(
            s < b * 13 / 10,
            "{y}: education grows by less than the shock itself: {} → {} 万元",
            wan(b),
            wan(s)
        );
    }
    let pupils_b = headcount(bm(), baseline_run(), 1, "primary_public_funds");
    let pupils_s = headcount(&m, &out, 1, "primary_public_funds");
    for y in 2016..=2020 {
        let want = if y >= 2019 {
            pupils_b[&y] * 6 / 5
        } else {
            pupils_b[&y]
        };
        assert!(
            (pupils_s[&y] - want).abs() <= 20,
            "{y}: primary pupils {} vs {want}",
            pupils_s[&y]
        );
    }
}

/// A scenario that only extends the baseline reproduces it byte for byte, manifest apart.
#[test]
fn a_bare_extension_of_the_baseline_reproduces_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bare.yaml");
    std::fs::write(&file, "# nothing changed\nname: bare\nextends: baseline\ntitle: 仅继承基准 / Baseline, inherited\n").unwrap();
    let o = fendan(
        dir.path(),
        &["simulate", "bare.yaml", "--out", "bare", "--quiet"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = fendan(dir.path(), &["simulate", "--out", "base", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = |p: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    let (a, b) = (dir.path().join("bare"), dir.path().join("base"));
    assert_eq!(names(&a), names(&b));
    assert!(names(&a).len() >= 6);
    for n in names(&a) {
        let (x, y) = (
            std::fs::read(a.join(&n)).unwrap(),
            std::fs::read(b.join(&n)).unwrap(),
        );
        if n == "manifest.json" {
            assert_ne!(x, y, "the manifest names the scenario");
        } else {
            assert!(
                x == y,
                "{n} differs between the bare extension and the baseline"
            );
        }
    }
}
