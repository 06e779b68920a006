//! One file per subcommand; shared helpers here.

mod assumptions;
mod catalog;
mod compare;
mod explain;
mod init;
mod merge;
mod report;
mod simulate;
mod sources;
mod sweep;
mod validate;

use std::io::{self, Write};
use std::path::Path;

use fendan::{Error, Model, Scenario};

use crate::cli::{Cli, Command};

/// Why a command stopped early.
pub enum Failure {
    /// stdout was closed (e.g. piped into `head`): not an error.
    BrokenPipe,
    Fendan(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Fendan(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Fendan(Error::Write {
                path: "<stdout>".into(),
                source: e,
            })
        }
    }
}

pub type Outcome = Result<(), Failure>;

pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Simulate {
            scenario,
            out,
            threads,
            force,
            quiet,
            bom,
            xlsx,
            xlsx_detail,
            unit,
        } => simulate::run(
            scenario.as_deref(),
            out.as_deref(),
            threads,
            force,
            quiet,
            simulate::Excel {
                bom,
                xlsx: xlsx.as_deref(),
                detail: xlsx_detail,
                scale: unit.scale(),
            },
        ),
        Command::Catalog {
            domain,
            format,
            scenario,
        } => catalog::run(scenario.as_deref(), domain.as_deref(), format),
        Command::Explain {
            scenario,
            unit,
            service,
            component,
            year,
            param,
        } => explain::run(
            scenario.as_deref(),
            explain::Request {
                unit: unit.as_deref(),
                service,
                component: component.as_deref(),
                year,
                param: param.as_deref(),
            },
        ),
        Command::Sweep {
            spec,
            out,
            shard,
            threads,
            quiet,
            force,
            format,
        } => sweep::run(sweep::Request {
            spec: &spec,
            out: out.as_deref(),
            shard: shard.as_deref(),
            threads,
            quiet,
            force,
            parquet: format == crate::cli::SweepFormat::Parquet,
        }),
        Command::Merge { dir, quiet } => merge::run(&dir, quiet),
        Command::Init { dir, from } => init::run(&dir, from.as_deref()),
        Command::Report {
            dir,
            compare,
            year,
            out,
            force,
        } => report::run(&dir, compare.as_deref(), year, &out, force),
        Command::Validate { scenario } => validate::run(scenario.as_deref()),
        Command::Assumptions { scenario, format } => assumptions::run(scenario.as_deref(), format),
        Command::Sources { scenario, format } => sources::run(scenario.as_deref(), format),
        Command::Compare {
            a,
            b,
            by,
            top,
            out,
            year,
            years,
            unit,
            bom,
            xlsx,
            force,
        } => compare::run(compare::Request {
            a: &a,
            b: &b,
            by: by.iter().map(|d| d.dim()).collect(),
            top,
            out: out.as_deref(),
            years: compare::years(year, years.as_deref())?,
            scale: unit.scale(),
            bom,
            xlsx: xlsx.as_deref(),
            force,
        }),
    }
}

/// Read the scenario (or the embedded baseline) and load its model.
pub fn scenario_and_model(path: Option<&Path>) -> Result<(Scenario, Model), Error> {
    let scenario = match path {
        Some(p) => Scenario::from_path(p)?,
        None => Scenario::baseline(),
    };
    let model = scenario.model()?;
    Ok((scenario, model))
}

/// The worker threads: `--threads`, else `SLURM_CPUS_PER_TASK`, else all cores (each
/// checked to lie in 1..=[`fendan::limits::MAX_THREADS`]).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let threads = match threads {
        Some(n) => Some(n),
        None => fendan::limits::slurm_threads()?,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| {
            Error::Usage(format!(
                "cannot start {} worker threads: {e}",
                threads.unwrap_or(0)
            ))
        })
}

/// Write text to stdout, treating a closed pipe as a normal end.
pub fn print(text: &str) -> Outcome {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// A terminal table in the house style.
pub fn table(header: Vec<&str>) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    t.set_header(header);
    t
}
