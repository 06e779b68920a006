//! The published tables, built from the cells and nothing else.
//!
//! Every summary is an integer sum of `outlays.csv` cells (whole fen), so a budget
//! officer who pivots the detail in Excel finds the same figures as the summaries, to
//! the fen. `simulate` streams the detail into [`crate::output`]'s transaction as its
//! cells are computed ([`write_run`]), so memory does not grow with the run; [`render`]
//! renders the same files in memory. Nothing here reads a clock, so reruns are
//! byte-identical.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::engine::Outcome;
use crate::error::Result;
use crate::model::*;
use crate::money::Overflow;
use crate::scenario::Scenario;

pub(crate) fn dec(x: Decimal, dp: u32) -> String {
    format!(
        "{:.*}",
        dp as usize,
        x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
    )
}

fn csv_writer<W: std::io::Write>(into: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(into)
}

pub(crate) fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv_writer(Vec::new());
    w.write_record(header).expect("writing to memory");
    for r in rows {
        w.write_record(&r).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

mod detail;
#[cfg(feature = "parquet")]
pub(crate) mod parquet;
mod tables;
#[cfg(test)]
mod tests;
mod totals;
mod write;

pub use detail::{CHUNK, Stop};
pub use totals::Totals;
pub use write::{Detail, View, Written, cells_of, stream_detail, write_run};

/// `outlays.csv`: one row per year × unit × service × component.
pub fn outlays(model: &Model, out: &Outcome) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut sink = |b: &[u8]| {
        bytes.extend_from_slice(b);
        Ok(())
    };
    write::stream_detail(
        model,
        &View::from(out),
        &write::cells_of(out),
        Detail::Csv,
        &[],
        &mut sink,
    )
    .map_err(|s| stopped(model, out, s))
    .expect("the cells of a run add up");
    bytes
}

/// The error of a stream of `out`'s cells that stopped.
fn stopped(model: &Model, out: &Outcome, stop: Stop) -> crate::Error {
    match stop {
        Stop::Error(e) => e,
        Stop::Overflow => run_overflow(model, out),
    }
}

/// The overflow of the total of `out`'s cells, as [`crate::run`] reports it.
fn run_overflow(model: &Model, out: &Outcome) -> crate::Error {
    crate::engine::sum_overflow(model, &out.cells, "the total of the run (all its cells)")
}

/// The [`Totals`] of the cells of `out`.
pub fn totals(model: &Model, out: &Outcome) -> Result<Totals> {
    Totals::of(model, out.years, &out.cells).map_err(|_| run_overflow(model, out))
}

/// Totals per year and level, whole fen: `[year][central, province, city, county]`.
pub fn level_totals(model: &Model, out: &Outcome) -> Result<BTreeMap<i32, [i64; 4]>> {
    let t = totals(model, out)?;
    year_totals(&t).map_err(|_| run_overflow(model, out))
}

/// [`level_totals`] from the sums of a run.
pub fn year_totals(t: &Totals) -> std::result::Result<BTreeMap<i32, [i64; 4]>, Overflow> {
    t.years.iter().map(|y| Ok((y, t.year(y)?))).collect()
}

/// Totals per (year, unit), whole fen.
pub fn unit_totals(model: &Model, out: &Outcome) -> Result<BTreeMap<(i32, usize), [i64; 4]>> {
    let t = totals(model, out)?;
    Ok(out
        .years
        .iter()
        .flat_map(|y| (0..model.units.len()).map(move |u| (y, u)))
        .map(|(y, u)| ((y, u), t.unit(y, u)))
        .collect())
}

/// `by_level.csv`: year × level, with the year's total.
pub fn by_level(model: &Model, out: &Outcome) -> Result<Vec<u8>> {
    tables::by_level(&totals(model, out)?).map_err(|_| run_overflow(model, out))
}

/// `by_unit.csv`: year × unit, with population and outlay per head.
pub fn by_unit(model: &Model, out: &Outcome) -> Result<Vec<u8>> {
    by_unit_with(model, out, None)
}

/// `by_unit.csv`, with the capacity columns at the end when the run has fiscal data.
pub fn by_unit_with(
    model: &Model,
    out: &Outcome,
    capacity: Option<&crate::capacity::Assessment>,
) -> Result<Vec<u8>> {
    tables::by_unit(model, &View::from(out), &totals(model, out)?, capacity)
        .map_err(|_| run_overflow(model, out))
}

/// The resident population of a unit in a year (the plan's population cohort).
pub(crate) fn population(model: &Model, view: &View, y: i32, u: usize) -> i64 {
    view.headcounts.get(y, u, model.population)
}

/// `by_domain.csv`: year × domain × level.
pub fn by_domain(model: &Model, out: &Outcome) -> Result<Vec<u8>> {
    tables::by_domain(model, &totals(model, out)?).map_err(|_| run_overflow(model, out))
}

/// `equalization.csv`: per year, how evenly outlay per head is spread across units,
/// for the whole outlay and for the part the county level pays.
pub fn equalization(model: &Model, out: &Outcome) -> Result<Vec<u8>> {
    tables::equalization(model, &View::from(out), &totals(model, out)?)
        .map_err(|_| run_overflow(model, out))
}

/// A parameter's dated values as one line: `2016-01-01=685;2020-03-01=702`
/// (with `~` before the dates of a straight-line parameter).
pub fn param_fingerprint(p: &crate::params::Param) -> String {
    let body: Vec<String> = p
        .values
        .iter()
        .map(|(d, v)| format!("{d}={}", v.normalize()))
        .collect();
    format!("{}{}", if p.interpolate { "~" } else { "" }, body.join(";"))
}

/// The UTF-8 byte-order mark (see [`crate::input::UTF8_BOM`]).
pub use crate::input::UTF8_BOM;

/// How CSV files are written. The default is plain UTF-8, for scripts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvStyle {
    /// Start every CSV file with the UTF-8 byte-order mark, for Excel and WPS.
    pub bom: bool,
}

impl CsvStyle {
    /// A rendered CSV file in this style.
    pub fn apply(self, mut bytes: Vec<u8>) -> Vec<u8> {
        if self.bom {
            bytes.splice(0..0, UTF8_BOM);
        }
        bytes
    }
}

/// Every parameter's fingerprint, by path: what the manifest records and `compare` diffs.
pub fn parameter_fingerprints(model: &Model) -> BTreeMap<String, String> {
    model
        .params
        .iter()
        .map(|(_, p)| (p.path.clone(), param_fingerprint(p)))
        .collect()
}

/// Every output file of a run, rendered: `(file name, bytes)` in a fixed order.
pub fn render(model: &Model, out: &Outcome, scenario: &Scenario) -> Result<Vec<(String, Vec<u8>)>> {
    render_with(model, out, scenario, CsvStyle::default())
}

/// [`render`], with the CSV files in `style`. The manifest records the hashes of the
/// files as written.
pub fn render_with(
    model: &Model,
    out: &Outcome,
    scenario: &Scenario,
    style: CsvStyle,
) -> Result<Vec<(String, Vec<u8>)>> {
    render_extra(model, out, scenario, style, Vec::new())
}

/// [`render_with`], plus `extra` files rendered elsewhere (the money at stake of
/// `simulate --stake`), listed in the manifest like the others.
pub fn render_extra(
    model: &Model,
    out: &Outcome,
    scenario: &Scenario,
    style: CsvStyle,
    extra: Vec<(String, Vec<u8>)>,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut detail = Vec::new();
    let mut sink = |b: &[u8]| {
        detail.extend_from_slice(b);
        Ok(())
    };
    let view = View::from(out);
    let (totals, sha) = write::stream_detail(
        model,
        &view,
        &write::cells_of(out),
        Detail::Csv,
        &style.apply(Vec::new()),
        &mut sink,
    )
    .map_err(|s| stopped(model, out, s))?;
    let capacity = crate::capacity::assess_totals(model, &view, &totals, scenario.capacity)?;
    let small = write::summaries(model, &view, &totals, capacity.as_ref(), style, extra)
        .map_err(|_| run_overflow(model, out))?;
    let mut files = vec![(Detail::Csv.file().to_owned(), detail)];
    files.extend(small);
    let mut shas = vec![sha];
    shas.extend(files[1..].iter().map(|(_, b)| write::sha256(b)));
    let outputs: Vec<(&str, String)> = files.iter().map(|(n, _)| n.as_str()).zip(shas).collect();
    let manifest = write::manifest(model, scenario, out.years, totals.cells, &outputs);
    files.push(("manifest.json".to_owned(), manifest));
    Ok(files)
}
