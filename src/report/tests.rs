use sha2::{Digest, Sha256};

use super::detail::Figure;
use super::*;
use crate::engine::{Cell, Outcome};
use crate::money::yuan;

#[test]
fn figures_print_as_display_and_yuan() {
    let mut f = Figure::default();
    for n in [
        0,
        1,
        -1,
        5,
        -5,
        99,
        100,
        -100,
        101,
        123_456_789,
        -123_456_789,
        i64::MAX,
        i64::MIN,
    ] {
        assert_eq!(f.int(n), n.to_string().as_bytes(), "{n}");
        assert_eq!(f.yuan(n), yuan(n).as_bytes(), "{n}");
    }
}

fn baseline() -> (Scenario, Model, Outcome) {
    let scenario = Scenario::baseline();
    let model = crate::load(&scenario.inputs).unwrap();
    let out = crate::run(&model, scenario.years).unwrap();
    (scenario, model, out)
}

/// `outlays.csv` as the `csv` writer renders it field by field: what the rows quoted
/// ahead of time must equal, byte for byte.
fn reference_outlays(model: &Model, out: &Outcome) -> Vec<u8> {
    let mut w = csv_writer(Vec::new());
    w.write_record(crate::outlays::COLUMNS).unwrap();
    for c in &out.cells {
        let yi = (c.year - out.years.first) as usize;
        let unit = &model.units[c.unit as usize];
        let s = &model.services[c.service as usize];
        let comp = &s.components[c.component as usize];
        let cy = &out.component_years[c.service as usize][c.component as usize][yi];
        let mut row = vec![
            c.year.to_string(),
            unit.code.clone(),
            unit.name_zh.clone(),
            s.id.to_string(),
            s.name.zh.clone(),
            model.plan.domain(s.domain).id.clone(),
            comp.id.clone(),
            s.budget_class.clone(),
            c.headcount.to_string(),
            dec(cy.coverage, 4),
            dec(cy.standard_annual, 2),
            yuan(c.total),
        ];
        row.extend(c.levels.iter().map(|l| yuan(*l)));
        row.extend([
            unit.name_en.clone(),
            s.name.en.clone(),
            comp.name.zh.clone(),
            model.cohort(comp.cohort).id.clone(),
            c.months.to_string(),
            model.rule(comp.split).id.clone(),
            model.plan.class(unit.fiscal_class).id.clone(),
        ]);
        w.write_record(&row).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn rows_quoted_ahead_equal_the_csv_writers() {
    let (_, model, out) = baseline();
    assert!(outlays(&model, &out) == reference_outlays(&model, &out));
    // Names that need quoting: a comma, a double quote, a line break, an empty name.
    let mut odd = model.clone();
    odd.units[0].name_zh = "邯山区, \"新\"".into();
    odd.units[1].name_en = "Line\nbreak".into();
    odd.units[2].name_en = String::new();
    odd.services[0].name.en = "\"quoted\"".into();
    let a = outlays(&odd, &out);
    assert!(a == reference_outlays(&odd, &out));
    assert!(
        a.windows(4).any(|w| w == b"\"\"\xe6\x96"),
        "the quote is doubled"
    );
}

#[test]
fn outlays_do_not_depend_on_the_thread_count() {
    let (_, model, out) = baseline();
    let with = |n: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap();
        pool.install(|| outlays(&model, &out))
    };
    let one = with(1);
    assert_eq!(
        one.iter().filter(|b| **b == b'\n').count(),
        out.cells.len() + 1
    );
    assert!(one == with(3));
}

#[test]
fn streamed_totals_equal_the_sums_of_the_cells() {
    let (_, model, out) = baseline();
    let prepared = crate::engine::prepare(&model, out.years).unwrap();
    assert_eq!(prepared.len(), out.cells.len());
    let mut cells = Vec::new();
    prepared
        .fill(&model, 0..out.cells.len(), &mut cells)
        .unwrap();
    assert!(cells == out.cells, "the cells of a prepared run are run's");
    let t = totals(&model, &out).unwrap();
    for y in out.years.iter() {
        // why: every table is an integer sum of cells, here summed the plain way.
        let mut by_level = [0i64; 4];
        for c in out.cells.iter().filter(|c| c.year == y) {
            for (a, l) in by_level.iter_mut().zip(c.levels) {
                *a += l;
            }
        }
        assert_eq!(t.year(y).unwrap(), by_level);
        let units: i64 = (0..model.units.len())
            .map(|u| t.unit(y, u).iter().sum::<i64>())
            .sum();
        assert_eq!(units, by_level.iter().sum::<i64>(), "units add to the city");
        let domains: i64 = model
            .plan
            .domain_ids()
            .map(|d| t.domain(&model, y, d).unwrap().iter().sum::<i64>())
            .sum();
        assert_eq!(domains, units, "domains add to the city");
    }
    assert_eq!(
        t.total,
        out.cells.iter().map(|c: &Cell| c.total).sum::<i64>()
    );
}

#[test]
fn rendered_outlays_and_their_hash_match_the_table() {
    let (scenario, model, out) = baseline();
    let plain = outlays(&model, &out);
    for style in [CsvStyle::default(), CsvStyle { bom: true }] {
        let files = render_with(&model, &out, &scenario, style).unwrap();
        assert!(files[0].1 == style.apply(plain.clone()));
        let (_, manifest) = files.last().unwrap();
        let manifest: serde_json::Value = serde_json::from_slice(manifest).unwrap();
        for (name, bytes) in &files[..files.len() - 1] {
            let listed = manifest["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["name"] == name.as_str())
                .unwrap();
            let sha: String = Sha256::digest(bytes)
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect();
            assert_eq!(listed["sha256"], sha, "{name}");
        }
    }
}
