//! `cohorts.csv`: headcounts by year, unit and cohort; every cohort given here must
//! cover every unit and year, once.

use std::collections::HashMap;

use ndarray::Array2;

use super::Source;
use super::table::Table;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::suggest::did_you_mean;

pub(super) fn load_counts(
    src: &Source,
    units: &[Unit],
    cohorts: &[Cohort],
) -> Result<CohortCounts> {
    let t = Table::read(src, &["year", "unit_code", "cohort", "headcount"])?;
    let (cy, cu, cc, ch) = (
        t.col("year"),
        t.col("unit_code"),
        t.col("cohort"),
        t.col("headcount"),
    );
    let mut parsed: Vec<(usize, i32, usize, usize, i64)> = Vec::with_capacity(t.rows.len());
    let mut years = std::collections::BTreeSet::new();
    let unit_pos: HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let cohort_pos: HashMap<&str, usize> = cohorts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    for (line, r) in &t.rows {
        let year: i32 = t
            .cell(r, cy)
            .parse()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(|| {
                Error::input(
                    t.loc(*line, cy),
                    format!("`{}` is not a year", t.cell(r, cy)),
                )
            })?;
        let code = t.cell(r, cu);
        let unit = *unit_pos.get(code).ok_or_else(|| {
            Error::input(
                t.loc(*line, cu),
                format!("`{code}` is not a unit in units.csv{}", String::new()),
            )
        })?;
        let name = t.cell(r, cc);
        let cohort = *cohort_pos.get(name).ok_or_else(|| {
            Error::input(
                t.loc(*line, cc),
                format!(
                    "`{name}` is not a cohort{}",
                    did_you_mean(name, cohorts.iter().map(|c| c.id.as_str()))
                ),
            )
        })?;
        let text = t.cell(r, ch);
        let headcount: i64 = text.parse().ok().filter(|h| *h >= 0).ok_or_else(|| {
            Error::input(
                t.loc(*line, ch),
                format!("`{text}` is not a headcount; expected a whole number 0 or more"),
            )
        })?;
        crate::money::check_headcount(headcount).map_err(|e| Error::input(t.loc(*line, ch), e))?;
        years.insert(year);
        parsed.push((*line, year, unit, cohort, headcount));
    }
    let years: Vec<i32> = years.into_iter().collect();
    let mut rows: HashMap<CohortId, Array2<i64>> = HashMap::new();
    let mut filled: HashMap<CohortId, Array2<bool>> = HashMap::new();
    for (line, year, unit, cohort, h) in parsed {
        let y = years.binary_search(&year).expect("year collected above");
        let id = CohortId(cohort as u32);
        let grid = rows
            .entry(id)
            .or_insert_with(|| Array2::zeros((years.len(), units.len())));
        let seen = filled
            .entry(id)
            .or_insert_with(|| Array2::from_elem((years.len(), units.len()), false));
        if seen[(y, unit)] {
            return Err(Error::input(
                t.loc(line, 0),
                format!(
                    "{} / {} / {} appears twice; give each year, unit and cohort once",
                    year, units[unit].code, cohorts[cohort].id
                ),
            ));
        }
        seen[(y, unit)] = true;
        grid[(y, unit)] = h;
    }
    let mut ids: Vec<&CohortId> = filled.keys().collect();
    ids.sort();
    for id in ids {
        let seen = &filled[id];
        if let Some(((y, u), _)) = seen.indexed_iter().find(|(_, s)| !**s) {
            return Err(Error::input(
                Location::file(&src.name),
                format!(
                    "the cohort `{}` has no row for unit {} in {}; a cohort given in the CSV needs every unit and every year",
                    cohorts[id.0 as usize].id, units[u].code, years[y]
                ),
            ));
        }
    }
    Ok(CohortCounts { years, rows })
}
