//! `cohorts.csv`: headcounts by year, unit and cohort; every cohort given here must
//! cover every unit and year, once.
//!
//! A partial file (`data: cohort_counts:` of a scenario) has the same columns, plus an
//! optional `unit_name`, and replaces only the cells it gives: a bureau that has this
//! year's enrolment for one county writes one row. Its rows must name a unit, a cohort
//! and a year the full table knows, once each; a `unit_name` must be the unit's (it
//! catches a mistyped code). What a given cell means:
//!
//! * a cell of a data cohort (one `cohorts.csv` carries) replaces the count; every
//!   cohort derived from it, directly or down a chain, follows in that unit and year;
//! * a cell of a derived cohort replaces `round(from × ratio)` in that unit and year
//!   only (the ratio still gives every other cell, and the cohorts derived from this
//!   one follow the given figure);
//! * either way `cohorts.<id>.adjust` still scales it, as it scales a data cohort.
//!
//! Several partial files (a scenario's and the ones it extends) apply in order, the
//! later one winning where two give the same cell.

use std::collections::{BTreeMap, HashMap};

use ndarray::Array2;

use super::Source;
use super::table::Table;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::suggest::did_you_mean;

/// One row of a counts table, read and resolved: (line or sheet row, year, unit index,
/// cohort index, headcount).
type Row = (usize, i32, usize, usize, i64);

/// The columns every counts table has.
const COLUMNS: [&str; 4] = ["year", "unit_code", "cohort", "headcount"];

/// Reads the rows of a counts table: a year, a unit of the units file (and, where the
/// table has a `unit_name` column and the cell is not empty, its name), a cohort and a
/// headcount, each refused at its cell.
struct RowReader<'t> {
    t: &'t Table<'t>,
    units: &'t [Unit],
    cohorts: &'t [Cohort],
    columns: (usize, usize, usize, usize),
    name_column: Option<usize>,
    unit_pos: HashMap<&'t str, usize>,
    cohort_pos: HashMap<&'t str, usize>,
}

impl<'t> RowReader<'t> {
    fn new(t: &'t Table<'t>, units: &'t [Unit], cohorts: &'t [Cohort]) -> RowReader<'t> {
        RowReader {
            t,
            units,
            cohorts,
            columns: (
                t.col("year"),
                t.col("unit_code"),
                t.col("cohort"),
                t.col("headcount"),
            ),
            name_column: t.header.iter().position(|h| h == "unit_name"),
            unit_pos: units
                .iter()
                .enumerate()
                .map(|(i, u)| (u.code.as_str(), i))
                .collect(),
            cohort_pos: cohorts
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.as_str(), i))
                .collect(),
        }
    }

    fn row(&self, line: usize, r: &csv::StringRecord) -> Result<Row> {
        let (t, units, cohorts) = (self.t, self.units, self.cohorts);
        let (cy, cu, cc, ch) = self.columns;
        let year: i32 = t
            .cell(r, cy)
            .parse()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(|| {
                Error::input(
                    t.loc(line, cy),
                    format!("`{}` is not a year", t.cell(r, cy)),
                )
            })?;
        let code = t.cell(r, cu);
        let unit = *self.unit_pos.get(code).ok_or_else(|| {
            Error::input(
                t.loc(line, cu),
                format!(
                    "`{code}` is not a unit in the units file{}",
                    did_you_mean(code, units.iter().map(|u| u.code.as_str()))
                ),
            )
        })?;
        if let Some(cn) = self.name_column {
            check_name(t, line, cn, r, &units[unit], units)?;
        }
        let name = t.cell(r, cc);
        let cohort = *self.cohort_pos.get(name).ok_or_else(|| {
            Error::input(
                t.loc(line, cc),
                format!(
                    "`{name}` is not a cohort{}",
                    did_you_mean(name, cohorts.iter().map(|c| c.id.as_str()))
                ),
            )
        })?;
        let text = t.cell(r, ch);
        let headcount: i64 = text.parse().ok().filter(|h| *h >= 0).ok_or_else(|| {
            Error::input(
                t.loc(line, ch),
                format!("`{text}` is not a headcount; expected a whole number 0 or more"),
            )
        })?;
        crate::money::check_headcount(headcount).map_err(|e| Error::input(t.loc(line, ch), e))?;
        Ok((line, year, unit, cohort, headcount))
    }
}

/// A `unit_name` cell must name the unit of the row's code (in Chinese or English).
fn check_name(
    t: &Table,
    line: usize,
    cn: usize,
    r: &csv::StringRecord,
    u: &Unit,
    units: &[Unit],
) -> Result<()> {
    let name = t.cell(r, cn);
    if name.is_empty() || name == u.name_zh || name == u.name_en {
        return Ok(());
    }
    let hint = units
        .iter()
        .find(|x| x.name_zh == name || x.name_en == name)
        .map(|x| format!(" (`{name}` is {})", x.code))
        .unwrap_or_default();
    Err(Error::input(
        t.loc(line, cn),
        format!(
            "the unit {} is {} ({}), not `{name}`{hint}; check the code and the name",
            u.code, u.name_zh, u.name_en
        ),
    ))
}

/// Read the full counts table. Its rows are read one at a time into one column of
/// units per (cohort, year) found, so a table of millions of rows is never held whole;
/// the columns are then put together by year. Every row is checked before a row given
/// twice is reported, as when the table was read whole.
pub(super) fn load_counts(
    src: &Source,
    units: &[Unit],
    cohorts: &[Cohort],
) -> Result<CohortCounts> {
    let t = Table::open(src, &COLUMNS)?;
    let reader = RowReader::new(&t, units, cohorts);
    // (cohort, year) → headcount and whether it was given, by unit.
    let mut columns: HashMap<(usize, i32), (Vec<i64>, Vec<bool>)> = HashMap::new();
    let mut twice: Option<Row> = None;
    t.each_row(|line, r| {
        let row @ (_, year, unit, cohort, h) = reader.row(line, r)?;
        let (counts, seen) = columns
            .entry((cohort, year))
            .or_insert_with(|| (vec![0; units.len()], vec![false; units.len()]));
        if seen[unit] {
            twice.get_or_insert(row);
        }
        seen[unit] = true;
        counts[unit] = h;
        Ok(())
    })?;
    if let Some((line, year, unit, cohort, _)) = twice {
        return Err(Error::input(
            t.loc(line, 0),
            format!(
                "{} / {} / {} appears twice; give each year, unit and cohort once",
                year, units[unit].code, cohorts[cohort].id
            ),
        ));
    }
    let years: std::collections::BTreeSet<i32> = columns.keys().map(|k| k.1).collect();
    let years: Vec<i32> = years.into_iter().collect();
    let mut ids: Vec<usize> = columns.keys().map(|k| k.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut rows: BTreeMap<CohortId, Array2<i64>> = BTreeMap::new();
    for cohort in ids {
        let mut grid = Array2::zeros((years.len(), units.len()));
        for (y, year) in years.iter().enumerate() {
            let missing = match columns.remove(&(cohort, *year)) {
                None => Some(0),
                Some((counts, seen)) => {
                    grid.row_mut(y).assign(&ndarray::ArrayView1::from(&counts));
                    seen.iter().position(|s| !s)
                }
            };
            if let Some(u) = missing.filter(|_| !units.is_empty()) {
                return Err(Error::input(
                    Location::file(&src.name),
                    format!(
                        "the cohort `{}` has no row for unit {} in {year}; a cohort given in the CSV needs every unit and every year",
                        cohorts[cohort].id, units[u].code
                    ),
                ));
            }
        }
        rows.insert(CohortId(cohort as u32), grid);
    }
    Ok(CohortCounts {
        file: src.name.clone(),
        years,
        rows,
        given: BTreeMap::new(),
    })
}

/// Apply the partial file `src` over `counts` (see the module doc).
pub(super) fn apply_partial(
    src: &Source,
    counts: &mut CohortCounts,
    units: &[Unit],
    cohorts: &[Cohort],
) -> Result<()> {
    let t = Table::open(src, &COLUMNS)?;
    let (cy, ch) = (t.col("year"), t.col("headcount"));
    let years_text = match (counts.years.first(), counts.years.last()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}-{b}"),
        _ => "no years".to_owned(),
    };
    let mut seen: BTreeMap<(usize, usize, usize), usize> = BTreeMap::new();
    let reader = RowReader::new(&t, units, cohorts);
    let mut rows = Vec::new();
    t.each_row(|line, r| {
        rows.push(reader.row(line, r)?);
        Ok(())
    })?;
    for (line, year, unit, cohort, headcount) in rows {
        let y = counts.years.binary_search(&year).map_err(|_| {
            Error::input(
                t.loc(line, cy),
                format!(
                    "{year} is not a year of the cohort counts, which cover {years_text}; a partial file changes cells of the full table only"
                ),
            )
        })?;
        let (code, name) = (&units[unit].code, &cohorts[cohort].id);
        if let Some(first) = seen.insert((y, unit, cohort), line) {
            return Err(Error::input(
                t.loc(line, 0),
                format!(
                    "{year} / {code} / {name} is given twice in this file (first on {} {first}); give each year, unit and cohort once",
                    if src.sheet.is_some() { "row" } else { "line" }
                ),
            ));
        }
        let id = CohortId(cohort as u32);
        if let Some(grid) = counts.rows.get_mut(&id) {
            grid[(y, unit)] = headcount;
        }
        counts.given.insert(
            (id, y, unit),
            Given {
                headcount,
                at: t.loc(line, ch),
            },
        );
    }
    Ok(())
}
