//! `fendan simulate`: run a scenario, write its tables atomically, print a summary.

use std::path::{Path, PathBuf};

use fendan::Error;
use fendan::model::Level;
use fendan::money::Scale;
use fendan::output::{Owner, Protected, Transaction};
use fendan::report::CsvStyle;

use super::{Outcome, print, scenario_and_model, table};

/// The options for budget officers' tools: a byte-order mark on the CSV files, an Excel
/// workbook, and the unit of the printed summary.
pub struct Excel<'a> {
    pub bom: bool,
    pub xlsx: Option<&'a Path>,
    /// Add the detail sheet 明细 to the workbook.
    #[cfg_attr(not(feature = "xlsx"), allow(dead_code))]
    pub detail: bool,
    pub scale: Scale,
}

pub fn run(
    scenario: Option<&Path>,
    out: Option<&Path>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
    stake: bool,
    excel: Excel,
) -> Outcome {
    let (scenario, model) = scenario_and_model(scenario)?;
    let pool = super::pool(threads)?;
    let style = CsvStyle { bom: excel.bom };
    // Both the projection and the rendering run on the requested number of threads.
    let (outcome, files) = pool.install(|| -> fendan::Result<_> {
        let outcome = fendan::run(&model, scenario.years)?;
        // The money at stake (`--stake`) is one more file of the run, in its manifest.
        let extra = if stake {
            let stakes = fendan::stake::at_stake(&scenario)?;
            vec![(
                fendan::provenance::AT_STAKE.to_owned(),
                style.apply(fendan::provenance::at_stake_csv(&stakes)),
            )]
        } else {
            Vec::new()
        };
        let files = fendan::report::render_extra(&model, &outcome, &scenario, style, extra)?;
        Ok((outcome, files))
    })?;
    // Built before anything is written, so that a failure leaves nothing behind.
    let workbook = match excel.xlsx {
        Some(path) => Some((path, workbook(&model, &scenario, &files, &excel)?)),
        None => None,
    };
    let dir: PathBuf = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    // The folder and the workbook are put in place together, or neither is.
    let mut tx = Transaction::new(Protected::new(&scenario.files), force);
    let folder = tx.folder(&dir, Owner::Scenario(&scenario.name))?;
    let book_title = format!("{} — ", scenario.name);
    let book = match &workbook {
        Some((path, _)) => Some(tx.file(path, Owner::Workbook(&book_title))?),
        None => None,
    };
    pool.install(|| folder.write_files(&files))?;
    if let (Some(s), Some((_, bytes))) = (&book, &workbook) {
        s.write_whole(bytes)?;
    }
    tx.commit()?;
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
    let capacity = match fendan::capacity::assess(&model, &outcome, scenario.capacity)? {
        Some(a) => super::capacity::summary(&model, &a, excel.scale),
        None => String::new(),
    };
    print(&format!(
        "{} — {}\noutlays by level, {} ({}):\n{t}\n{capacity}wrote {} files to {}\n{xlsx}",
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
    excel: &Excel,
) -> Result<Vec<u8>, Error> {
    let options = fendan::xlsx::SimulateOptions {
        scale: excel.scale,
        detail: excel.detail,
    };
    fendan::xlsx::simulate(model, scenario, files, options)
}

#[cfg(not(feature = "xlsx"))]
fn workbook(
    _: &fendan::Model,
    _: &fendan::Scenario,
    _: &[(String, Vec<u8>)],
    _: &Excel,
) -> Result<Vec<u8>, Error> {
    Err(super::compare::without_xlsx())
}
