//! The summary tables of a run, from its [`Totals`]: `by_level.csv`, `by_unit.csv`,
//! `by_domain.csv` and `equalization.csv`. Each figure is an integer sum of cells, so
//! the tables agree with the detail to the fen. A sum that does not fit is
//! [`Overflow`]; the caller locates it (it cannot happen once the run's total fits).

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::{Totals, View, csv_bytes, dec};
use crate::model::{DomainId, Model};
use crate::money::{Overflow, checked_mul, checked_sum, yuan};
use crate::stats::dispersion;

type Table = std::result::Result<Vec<u8>, Overflow>;

fn level_cells(levels: &[i64; 4]) -> std::result::Result<Vec<String>, Overflow> {
    let mut v: Vec<String> = levels.iter().map(|f| yuan(*f)).collect();
    v.push(yuan(checked_sum(levels.iter().copied())?));
    Ok(v)
}

/// `by_level.csv`: year × level, with the year's total.
pub fn by_level(t: &Totals) -> Table {
    let mut rows = Vec::new();
    for y in t.years.iter() {
        let mut r = vec![y.to_string()];
        r.extend(level_cells(&t.year(y)?)?);
        rows.push(r);
    }
    Ok(csv_bytes(
        &["year", "central", "province", "city", "county", "total"],
        rows,
    ))
}

use super::population;

/// `by_unit.csv`: year × unit, with population and outlay per head.
pub fn by_unit(
    model: &Model,
    view: &View,
    t: &Totals,
    capacity: Option<&crate::capacity::Assessment>,
) -> Table {
    let mut w = super::csv_writer(Vec::new());
    let mut header = vec![
        "year",
        "unit_code",
        "unit_name",
        "kind",
        "fiscal_class",
        "population",
        "central",
        "province",
        "city",
        "county",
        "total",
        "per_capita",
    ];
    if capacity.is_some() {
        header.extend(crate::capacity::tables::BY_UNIT_COLUMNS);
    }
    w.write_record(header).expect("writing to memory");
    for (yi, y) in t.years.iter().enumerate() {
        if yi == 1 {
            // A year's rows are about as long as another's: room for the rest, so that
            // a national table is not copied as it doubles (a sixteenth to spare).
            let mut bytes = w.into_inner().expect("writing to memory");
            let rest = (t.years.len() - 1) * bytes.len();
            bytes.reserve_exact(rest + rest / 16);
            w = super::csv_writer(bytes);
        }
        for (u, unit) in model.units.iter().enumerate() {
            let l = t.unit(y, u);
            let pop = population(model, view, y, u);
            let total: i64 = checked_sum(l.iter().copied())?;
            let per_capita = if pop > 0 {
                let fen_pop = checked_mul(100, pop)?;
                dec(Decimal::from(total) / Decimal::from(fen_pop), 2)
            } else {
                String::new()
            };
            let mut r = vec![
                y.to_string(),
                unit.code.clone(),
                unit.name_zh.clone(),
                model.plan.kind(unit.kind).id.clone(),
                model.plan.class(unit.fiscal_class).id.clone(),
                pop.to_string(),
            ];
            r.extend(level_cells(&l)?);
            r.push(per_capita);
            if let Some(a) = capacity {
                r.extend(crate::capacity::tables::by_unit_fields(model, a, y, u));
            }
            w.write_record(&r).expect("writing to memory");
        }
    }
    Ok(w.into_inner().expect("writing to memory"))
}

/// `by_domain.csv`: year × domain × level.
pub fn by_domain(model: &Model, t: &Totals) -> Table {
    // Services of a domain that overlap another one, and how the overlap is netted.
    let overlaps = |d: DomainId| -> String {
        model
            .services
            .iter()
            .filter(|s| s.domain == d)
            .filter_map(|s| {
                s.overlap
                    .as_ref()
                    .map(|o| format!("{}→{}: {} ({})", s.id, o.service, o.note.zh, o.note.en))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    // Rows by year, then by domain in the plan's order.
    let mut rows = Vec::new();
    for y in t.years.iter() {
        for d in model.plan.domain_ids() {
            let domain = model.plan.domain(d);
            let mut r = vec![y.to_string(), domain.id.clone(), domain.name.zh.clone()];
            r.extend(level_cells(&t.domain(model, y, d)?)?);
            r.push(overlaps(d));
            rows.push(r);
        }
    }
    Ok(csv_bytes(
        &[
            "year",
            "domain",
            "domain_zh",
            "central",
            "province",
            "city",
            "county",
            "total",
            "overlaps",
        ],
        rows,
    ))
}

/// `equalization.csv`: per year, how evenly outlay per head is spread across units,
/// for the whole outlay and for the part the county level pays.
pub fn equalization(model: &Model, view: &View, t: &Totals) -> Table {
    let urban: Vec<bool> = model
        .units
        .iter()
        .map(|u| model.plan.kind(u.kind).urban)
        .collect();
    // The logarithms of the Theil index dominate at national scale: the (year,
    // measure) pairs are computed in parallel, each in a fixed order, and kept in order.
    let pairs: Vec<(i32, &str, Option<usize>)> = t
        .years
        .iter()
        .flat_map(|y| [(y, "total", None), (y, "county_level", Some(3usize))])
        .collect();
    let rows: Vec<Option<Vec<String>>> = pairs
        .par_iter()
        .map(|&(y, measure, pick)| {
            let pops: Vec<i64> = (0..model.units.len())
                .map(|u| population(model, view, y, u))
                .collect();
            let amounts: Vec<i64> = (0..model.units.len())
                .map(|u| {
                    let l = t.unit(y, u);
                    match pick {
                        None => checked_sum(l.iter().copied()),
                        Some(i) => Ok(l[i]),
                    }
                })
                .collect::<std::result::Result<_, _>>()?;
            let Some(d) = dispersion(&amounts, &pops, &urban) else {
                return Ok(None);
            };
            Ok(Some(vec![
                y.to_string(),
                measure.to_owned(),
                model.units.len().to_string(),
                dec(d.min, 2),
                dec(d.max, 2),
                dec(d.max_min_ratio, 4),
                dec(d.cv, 6),
                dec(d.theil, 6),
                dec(d.districts, 2),
                dec(d.counties, 2),
                if d.districts.is_zero() {
                    String::new()
                } else {
                    dec(d.counties / d.districts, 4)
                },
            ]))
        })
        .collect::<std::result::Result<_, Overflow>>()?;
    let rows = rows.into_iter().flatten();
    Ok(csv_bytes(
        &[
            "year",
            "measure",
            "units",
            "min_per_capita",
            "max_per_capita",
            "max_min_ratio",
            "cv",
            "theil",
            "districts_per_capita",
            "counties_per_capita",
            "counties_to_districts",
        ],
        rows,
    ))
}
