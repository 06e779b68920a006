//! `data: {fiscal: …}`: fiscal figures per unit and year, one figure a row —
//! `year, unit_code, [unit_name,] measure, value_yuan, source` — read through the one
//! located CSV reader ([`super::table`]), so it reads whatever encodings and formats the
//! other tables read. Only the figures a bureau has: an empty `value_yuan` (or a row left
//! out) is a figure it does not have, and stays missing. And `capacity.yaml`: the
//! threshold parameter `capacity.threshold`.

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Source;
use super::table::Table;
use crate::capacity::fiscal::{Figure, Fiscal, ILLUSTRATIVE, Measure};
use crate::error::{Error, Result};
use crate::model::Unit;
use crate::params::{ParamTree, RawParam, Unit as PUnit, build_param};
use crate::sources::{Bibliography, parse_citations};
use crate::suggest::did_you_mean;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapacityFile {
    threshold: Spanned<RawParam>,
}

/// Read `capacity.yaml` into the parameter tree (`capacity.threshold`, a share).
pub(super) fn load_capacity(src: &Source, params: &mut ParamTree) -> Result<()> {
    let raw: RawCapacityFile = super::parse_yaml(src)?;
    let p = build_param(
        &raw.threshold,
        crate::capacity::THRESHOLD,
        Some(&[PUnit::Share]),
        &src.name,
        &src.text,
    )?;
    params.insert(p)?;
    Ok(())
}

/// Read and check a fiscal file against the units and the bibliography.
pub(super) fn load_fiscal(src: &Source, units: &[Unit], bib: &Bibliography) -> Result<Fiscal> {
    let t = Table::read(
        src,
        &["year", "unit_code", "measure", "value_yuan", "source"],
    )?;
    let (cy, cu, cm, cv, cs) = (
        t.col("year"),
        t.col("unit_code"),
        t.col("measure"),
        t.col("value_yuan"),
        t.col("source"),
    );
    let cn = t.header.iter().position(|h| h == "unit_name");
    let unit_pos: HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let mut fiscal = Fiscal {
        file: src.name.clone(),
        figures: Default::default(),
    };
    // Where each figure was given, for the duplicate and the "of which" checks.
    let mut lines: HashMap<(i32, usize, Measure), usize> = HashMap::new();
    for (line, r) in &t.rows {
        let line = *line;
        let year = budget_year(&t, r, line, cy)?;
        let code = t.cell(r, cu);
        let unit = *unit_pos.get(code).ok_or_else(|| {
            Error::input(
                t.loc(line, cu),
                format!(
                    "`{code}` is not a unit in units.csv{}; fiscal figures are per county-level unit, by its code",
                    did_you_mean(code, units.iter().map(|u| u.code.as_str()))
                ),
            )
        })?;
        if let Some(cn) = cn {
            let name = t.cell(r, cn);
            if !name.is_empty() && name != units[unit].name_zh && name != units[unit].name_en {
                return Err(Error::input(
                    t.loc(line, cn),
                    format!(
                        "the unit {code} is {} in units.csv, but this row names it `{name}`; check the code (or leave unit_name empty)",
                        units[unit].name_zh
                    ),
                ));
            }
        }
        let name = t.cell(r, cm);
        let measure = Measure::parse(name).ok_or_else(|| {
            let keys = Measure::ALL.iter().map(|m| m.key());
            Error::input(
                t.loc(line, cm),
                format!(
                    "`{name}` is not a fiscal measure{}; use one of {}, or the Chinese name",
                    did_you_mean(name, keys),
                    Measure::ALL
                        .iter()
                        .map(|m| format!("{} ({})", m.key(), m.zh()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let value = t.cell(r, cv);
        if value.is_empty() {
            // A figure the file does not have: it stays missing.
            continue;
        }
        let fen = crate::money::parse_yuan(value)
            .filter(|f| *f >= 0)
            .ok_or_else(|| {
                Error::input(
                    t.loc(line, cv),
                    format!(
                        "`{value}` is not an amount in yuan; write yuan with at most two decimals and no separators, 0 or more (15.1亿元 is 1510000000), or leave the cell empty when the figure is not known"
                    ),
                )
            })?;
        let source = t.cell(r, cs);
        let illustrative = check_source(&t, line, cs, source, bib)?;
        if let Some(first) = lines.insert((year, unit, measure), line) {
            return Err(Error::input(
                t.loc(line, cm),
                format!(
                    "{year} / {code} / {} is given twice (first on line {first}); give each year, unit and measure once",
                    measure.key()
                ),
            ));
        }
        fiscal.figures.insert(
            (year, unit, measure),
            Figure {
                fen,
                source: source.to_owned(),
                illustrative,
            },
        );
    }
    // Every year's figures of a measure must add up within what fendan holds.
    let mut sums: HashMap<(i32, Measure), i64> = HashMap::new();
    for (&(year, unit, m), f) in &fiscal.figures {
        let sum = sums.entry((year, m)).or_insert(0);
        *sum = sum.checked_add(f.fen).ok_or_else(|| {
            Error::input(
                t.loc(lines[&(year, unit, m)], cv),
                format!(
                    "the {} figures of {year} add up to more than fendan can hold (about 92,000 trillion yuan); amounts are in yuan, so check this one",
                    m.key()
                ),
            )
        })?;
    }
    // 均衡性转移支付 is part of 一般性转移支付.
    for (&(year, unit, m), f) in &fiscal.figures {
        if m != Measure::EqualizationTransfers {
            continue;
        }
        if let Some(g) = fiscal.get(year, unit, Measure::GeneralTransfers)
            && f.fen > g.fen
        {
            let line = lines[&(year, unit, m)];
            return Err(Error::input(
                t.loc(line, cv),
                format!(
                    "the equalization transfer of {} in {year} ({} yuan) is larger than its general transfers ({} yuan); 均衡性转移支付 is a part of 一般性转移支付, so check which figure belongs to which measure",
                    units[unit].code,
                    crate::money::yuan(f.fen),
                    crate::money::yuan(g.fen)
                ),
            ));
        }
    }
    Ok(fiscal)
}

/// The budget year in column `col` of a row.
pub(super) fn budget_year(
    t: &Table,
    r: &csv::StringRecord,
    line: usize,
    col: usize,
) -> Result<i32> {
    let text = t.cell(r, col);
    text.parse()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
        .ok_or_else(|| {
            Error::input(
                t.loc(line, col),
                format!("`{text}` is not a year; write the budget year, e.g. 2019"),
            )
        })
}

/// Check a figure's `source`: citations of the bibliography, or `illustrative (why)` for
/// a made-up figure. Returns whether the figure is illustrative.
fn check_source(
    t: &Table,
    line: usize,
    col: usize,
    text: &str,
    bib: &Bibliography,
) -> Result<bool> {
    if text.is_empty() {
        return Err(Error::input(
            t.loc(line, col),
            format!(
                "this figure has no source; cite the document it comes from by its id in {} (e.g. `handan-bulletin-2021`), or write `{ILLUSTRATIVE} (why)` for a figure made up for an example",
                "sources.yaml"
            ),
        ));
    }
    let cites = parse_citations(text).map_err(|why| {
        Error::input(
            t.loc(line, col),
            format!(
                "this source is not a list of citations: {why}; write `id`, `id:locator` or `{ILLUSTRATIVE} (why)`, each with an optional note in parentheses, separated by `;`"
            ),
        )
    })?;
    let mut illustrative = false;
    for c in cites {
        if c.id == ILLUSTRATIVE {
            illustrative = true;
        } else if bib.get(&c.id).is_none() {
            return Err(Error::input(
                t.loc(line, col),
                format!(
                    "`{}` is not a document in the bibliography (sources.yaml){}; cite a document by its id, or write `{ILLUSTRATIVE} (why)` for a figure made up for an example",
                    c.id,
                    did_you_mean(&c.id, bib.entries.iter().map(|e| e.id.as_str()))
                ),
            ));
        }
    }
    Ok(illustrative)
}
