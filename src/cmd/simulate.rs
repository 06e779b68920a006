//! `fendan simulate`: run a scenario, write its tables atomically, print a summary.
//!
//! The detail is computed and written a chunk at a time into the output transaction
//! ([`fendan::report::write_run`]), so a run of thousands of units needs little memory.

use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use fendan::Error;
use fendan::model::Level;
use fendan::money::Scale;
use fendan::output::{Owner, Protected, Transaction};
use fendan::report::{CsvStyle, Detail};

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

/// Which files a run writes besides the summaries: `at_stake.csv`, and the format of
/// the detail.
pub struct Files {
    pub stake: bool,
    pub format: Detail,
}

pub fn run(
    scenario: Option<&Path>,
    out: Option<&Path>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
    files: Files,
    excel: Excel,
) -> Outcome {
    let Files { stake, format } = files;
    // The worker threads load the inputs too (the YAML files are parsed side by side).
    let pool = super::pool(threads)?;
    let (scenario, model) = pool.install(|| scenario_and_model(scenario))?;
    // The process ends when this command returns: the model and the prepared amounts
    // (some 30,000 small allocations for the baseline) are left to it, not freed one by
    // one, which took 0.6 ms of the baseline's 20.
    let model = ManuallyDrop::new(model);
    if format == Detail::Parquet && excel.detail {
        return Err(Error::Usage(
            "the workbook's detail sheet is made from outlays.csv; leave out --xlsx-detail, or --format parquet".into(),
        )
        .into());
    }
    let style = CsvStyle { bom: excel.bom };
    let dir: PathBuf = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    // The folder and the workbook are put in place together, or neither is; an error
    // before the commit leaves nothing behind.
    let mut tx = Transaction::new(Protected::new(&scenario.files), force);
    // What does not depend on the cell (the cells themselves are computed as they are
    // written, a chunk at a time, so memory does not grow with the number of units),
    // made while the output folder is checked and staged. An error in the inputs is
    // told before one about the folder, as when they were made in turn.
    let (prepared, folder) = pool.install(|| {
        rayon::join(
            || fendan::engine::prepare(&model, scenario.years),
            || tx.folder(&dir, Owner::Scenario(&scenario.name)),
        )
    });
    let prepared = ManuallyDrop::new(prepared?);
    // The money at stake (`--stake`) is one more file of the run, in its manifest.
    let extra = if stake {
        let stakes = pool.install(|| fendan::stake::at_stake(&scenario))?;
        vec![(
            fendan::provenance::AT_STAKE.to_owned(),
            style.apply(fendan::provenance::at_stake_csv(&stakes)),
        )]
    } else {
        Vec::new()
    };
    let folder = folder?;
    let book_title = format!("{} — ", scenario.name);
    let book = match excel.xlsx {
        Some(path) => Some((path, tx.file(path, Owner::Workbook(&book_title))?)),
        None => None,
    };
    let written = pool.install(|| {
        fendan::report::write_run(&model, &prepared, &scenario, style, format, extra, &folder)
    })?;
    if let Some((_, staging)) = &book {
        let mut files = written.small.clone();
        if excel.detail {
            let name = Detail::Csv.file();
            let bytes = std::fs::read(folder.path(name)).map_err(folder.err(name))?;
            files.push((name.to_owned(), bytes));
        }
        staging.write_whole(&workbook(&model, &scenario, &files, &excel)?)?;
    }
    tx.commit()?;
    if quiet {
        return Ok(());
    }
    let mut header = vec!["year"];
    header.extend(Level::ALL.iter().map(|l| l.key()));
    header.push("total");
    let mut t = table(header);
    let years = fendan::report::year_totals(&written.totals).map_err(|_| {
        prepared
            .failure(&model)
            .unwrap_or_else(|| Error::Usage("a total does not fit".into()))
    })?;
    for (y, l) in years {
        let mut row = vec![y.to_string()];
        row.extend(l.iter().map(|f| excel.scale.format(*f)));
        row.push(excel.scale.format(l.iter().sum()));
        t.add_row(row);
    }
    let xlsx = book
        .map(|(p, _)| format!("wrote the workbook {}\n", p.display()))
        .unwrap_or_default();
    let capacity = match &written.capacity {
        Some(a) => super::capacity::summary(&model, a, excel.scale),
        None => String::new(),
    };
    print(&format!(
        "{} — {}\noutlays by level, {} ({}):\n{t}\n{capacity}wrote {} files to {}\n{xlsx}",
        scenario.name,
        scenario.title,
        excel.scale.zh(),
        excel.scale.en(),
        written.names.len(),
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
