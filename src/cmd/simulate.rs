//! `fendan simulate`: run a scenario, write its tables atomically, print a summary.

use std::path::{Path, PathBuf};

use fendan::Error;
use fendan::model::Level;
use fendan::money::Scale;
use fendan::report::CsvStyle;

use super::{Outcome, print, scenario_and_model, table};

/// The options for budget officers' tools: a byte-order mark on the CSV files, an Excel
/// workbook, and the unit of the printed summary.
pub struct Excel<'a> {
    pub bom: bool,
    pub xlsx: Option<&'a Path>,
    pub scale: Scale,
}

pub fn run(
    scenario: Option<&Path>,
    out: Option<&Path>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
    excel: Excel,
) -> Outcome {
    let (scenario, model) = scenario_and_model(scenario)?;
    let pool = super::pool(threads)?;
    // Both the projection and the rendering run on the requested number of threads.
    let (outcome, files) = pool.install(|| -> fendan::Result<_> {
        let outcome = fendan::run(&model, scenario.years)?;
        let files =
            fendan::report::render_with(&model, &outcome, &scenario, CsvStyle { bom: excel.bom })?;
        Ok((outcome, files))
    })?;
    // Built before anything is written, so that a failure leaves nothing behind.
    let workbook = match excel.xlsx {
        Some(path) => Some((path, workbook(&model, &scenario, &files)?)),
        None => None,
    };
    let dir: PathBuf = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    fendan::output::write_atomically(&dir, &files, &scenario.name, force)?;
    if let Some((path, bytes)) = &workbook {
        fendan::output::write_file_atomically(path, bytes)?;
    }
    if quiet {
        return Ok(());
    }
    let mut header = vec!["year"];
    header.extend(Level::ALL.iter().map(|l| l.key()));
    header.push("total");
    let mut t = table(header);
    for (y, l) in fendan::report::level_totals(&model, &outcome)? {
        let mut row = vec![y.to_string()];
        row.extend(l.iter().map(|f| excel.scale.format(*f)));
        row.push(excel.scale.format(l.iter().sum()));
        t.add_row(row);
    }
    let xlsx = workbook
        .map(|(p, _)| format!("wrote the workbook {}\n", p.display()))
        .unwrap_or_default();
    print(&format!(
        "{} — {}\noutlays by level, {} ({}):\n{t}\nwrote {} files to {}\n{xlsx}",
        scenario.name,
        scenario.title,
        excel.scale.zh(),
        excel.scale.en(),
        files.len(),
        dir.display()
    ))
}

#[cfg(feature = "xlsx")]
fn workbook(
    model: &fendan::Model,
    scenario: &fendan::Scenario,
    files: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, Error> {
    fendan::xlsx::simulate(model, scenario, files)
}

#[cfg(not(feature = "xlsx"))]
fn workbook(
    _: &fendan::Model,
    _: &fendan::Scenario,
    _: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, Error> {
    Err(super::compare::without_xlsx())
}
