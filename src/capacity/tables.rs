//! The capacity tables, their columns in one place: `capacity.csv` (one row per year ×
//! unit), `capacity_summary.csv` (one row per year) and the columns added at the end of
//! `by_unit.csv`. Amounts are yuan with two decimals, exact; shares (fractions of own
//! revenue) have four decimals, CV and Theil six, all rounded half away from zero. A
//! figure the fiscal file does not give is an empty cell, and so is every measure
//! built on it.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::{Assessment, Measure, YearMeasure};
use crate::model::Model;
use crate::money::yuan;
use crate::report::{csv_bytes, dec};

/// The columns of `capacity.csv`, in order.
pub const UNIT_COLUMNS: [&str; 21] = [
    "year",
    "unit_code",
    "unit_name",
    "kind",
    "population",
    "county_outlay",
    "own_revenue",
    "burden_share",
    "county_per_head",
    "revenue_per_head",
    "threshold",
    "ceiling",
    "transfer_need",
    "status",
    "general_transfers",
    "equalization_transfers",
    "special_transfers",
    "total_revenue",
    "burden_share_with_general_transfers",
    "basis",
    "source",
];

/// The columns of `capacity_summary.csv`, in order.
pub const SUMMARY_COLUMNS: [&str; 17] = [
    "year",
    "rule",
    "threshold",
    "units",
    "units_with_revenue",
    "units_above",
    "county_outlay",
    "own_revenue",
    "burden_share",
    "transfer_need",
    "min_share",
    "max_share",
    "cv",
    "theil",
    "districts_share",
    "counties_share",
    "basis",
];

/// The columns added at the end of `by_unit.csv` when the run has fiscal data.
pub const BY_UNIT_COLUMNS: [&str; 4] = [
    "own_revenue",
    "burden_share",
    "transfer_need",
    "fiscal_basis",
];

/// The file names, as the manifest lists them.
pub const UNIT_FILE: &str = "capacity.csv";
pub const SUMMARY_FILE: &str = "capacity_summary.csv";

/// `basis` of figures: `illustrative` if any is made up, `data` if there are figures,
/// empty if none.
pub const ILLUSTRATIVE_BASIS: &str = "illustrative";
pub const DATA_BASIS: &str = "data";

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_default()
}

fn share(x: Decimal) -> String {
    dec(x, 4)
}

fn per_head(fen: i64, pop: i64) -> Option<String> {
    (pop > 0).then(|| dec(Decimal::from(fen) / Decimal::from(100 * pop), 2))
}

/// The basis and the sources of the figures of one unit in one year.
fn provenance(model: &Model, year: i32, unit: usize) -> (String, String) {
    let Some(f) = &model.fiscal else {
        return (String::new(), String::new());
    };
    let figures: Vec<_> = Measure::ALL
        .iter()
        .filter_map(|m| f.get(year, unit, *m))
        .collect();
    let basis = if figures.iter().any(|g| g.illustrative) {
        ILLUSTRATIVE_BASIS
    } else if figures.is_empty() {
        ""
    } else {
        DATA_BASIS
    };
    let mut seen = BTreeSet::new();
    let sources: Vec<&str> = figures
        .iter()
        .map(|g| g.source.as_str())
        .filter(|s| seen.insert(*s))
        .collect();
    (basis.to_owned(), sources.join("; "))
}

fn status(m: &super::UnitMeasure) -> &'static str {
    match m.above() {
        Some(true) => "above",
        Some(false) => "within",
        None => "",
    }
}

/// `capacity.csv`: one row per year × unit.
pub fn unit_table(model: &Model, a: &Assessment) -> Vec<u8> {
    let fiscal = model.fiscal.as_ref();
    let fen = |y: i32, u: usize, m: Measure| fiscal.and_then(|f| f.fen(y, u, m));
    let mut rows = Vec::new();
    for (yi, (y, ym)) in a.years.iter().enumerate() {
        let y = *y;
        for (u, m) in ym.units.iter().enumerate() {
            let unit = &model.units[u];
            let pop = a.population[yi][u];
            let general = fen(y, u, Measure::GeneralTransfers);
            let resources = match (m.revenue, general) {
                (Some(r), Some(g)) => r.checked_add(g),
                _ => None,
            };
            let (basis, source) = provenance(model, y, u);
            rows.push(vec![
                y.to_string(),
                unit.code.clone(),
                unit.name_zh.clone(),
                model.plan.kind(unit.kind).id.clone(),
                pop.to_string(),
                yuan(m.county),
                opt(m.revenue, yuan),
                opt(m.share, share),
                per_head(m.county, pop).unwrap_or_default(),
                m.revenue.and_then(|r| per_head(r, pop)).unwrap_or_default(),
                opt(m.revenue.and(ym.threshold), share),
                opt(m.ceiling, yuan),
                opt(m.need, yuan),
                status(m).to_owned(),
                opt(general, yuan),
                opt(fen(y, u, Measure::EqualizationTransfers), yuan),
                opt(fen(y, u, Measure::SpecialTransfers), yuan),
                opt(fen(y, u, Measure::TotalRevenue), yuan),
                opt(
                    resources
                        .filter(|r| *r > 0)
                        .map(|r| Decimal::from(m.county) / Decimal::from(r)),
                    share,
                ),
                basis,
                source,
            ]);
        }
    }
    csv_bytes(&UNIT_COLUMNS, rows)
}

/// The basis of a year's figures (see [`ILLUSTRATIVE_BASIS`]).
fn year_basis(model: &Model, year: i32) -> &'static str {
    let Some(f) = &model.fiscal else { return "" };
    let mut any = false;
    for ((y, _, _), g) in &f.figures {
        if *y == year {
            if g.illustrative {
                return ILLUSTRATIVE_BASIS;
            }
            any = true;
        }
    }
    if any { DATA_BASIS } else { "" }
}

/// One row of `capacity_summary.csv`.
pub fn summary_row(model: &Model, rule: super::Rule, y: i32, m: &YearMeasure) -> Vec<String> {
    vec![
        y.to_string(),
        rule.key().to_owned(),
        opt(m.threshold, share),
        m.units.len().to_string(),
        m.with_revenue.to_string(),
        m.above.to_string(),
        if m.with_revenue > 0 {
            yuan(m.county)
        } else {
            String::new()
        },
        if m.with_revenue > 0 {
            yuan(m.revenue)
        } else {
            String::new()
        },
        opt(m.share(), share),
        opt(m.need, yuan),
        opt(m.min_share, share),
        opt(m.max_share, share),
        opt(m.cv, |x| dec(x, 6)),
        opt(m.theil, |x| dec(x, 6)),
        opt(m.districts_share, share),
        opt(m.counties_share, share),
        year_basis(model, y).to_owned(),
    ]
}

/// `capacity_summary.csv`: one row per year.
pub fn summary_table(model: &Model, a: &Assessment) -> Vec<u8> {
    let rows = a
        .years
        .iter()
        .map(|(y, m)| summary_row(model, a.rule, *y, m));
    csv_bytes(&SUMMARY_COLUMNS, rows)
}

/// The fields added to the `by_unit.csv` row of `year` and `unit`.
pub fn by_unit_fields(model: &Model, a: &Assessment, year: i32, unit: usize) -> Vec<String> {
    let Some((_, ym)) = a.years.iter().find(|(y, _)| *y == year) else {
        return vec![String::new(); BY_UNIT_COLUMNS.len()];
    };
    let m = &ym.units[unit];
    vec![
        opt(m.revenue, yuan),
        opt(m.share, share),
        opt(m.need, yuan),
        provenance(model, year, unit).0,
    ]
}
