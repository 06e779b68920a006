//! One file per subcommand; shared helpers here.

mod assumptions;
mod capacity;
mod catalog;
mod compare;
mod explain;
mod init;
mod merge;
mod params;
mod reconcile;
mod report;
mod scenarios;
mod schema;
mod simulate;
mod sources;
mod sweep;
mod validate;

use std::io::{self, Write};
use std::path::Path;

use fendan::{Error, Model, Scenario};

use clap::ValueEnum;

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
            money,
            unit_deprecated,
            stake,
            format,
        } => simulate::run(
            scenario.as_deref(),
            out.as_deref(),
            threads,
            force,
            quiet,
            simulate::Files {
                stake,
                format: format.detail(),
            },
            simulate::Excel {
                bom,
                xlsx: xlsx.as_deref(),
                detail: xlsx_detail,
                scale: money_scale(money, unit_deprecated),
            },
        ),
        Command::Catalog {
            domain,
            format,
            by,
            scenario,
        } => catalog::run(scenario.as_deref(), domain.as_deref(), format, by),
        Command::Params {
            prefix,
            grep,
            format,
            scenario,
        } => params::run(
            scenario.as_deref(),
            prefix.as_deref(),
            grep.as_deref(),
            format,
        ),
        Command::Schema { kind, scenario } => schema::run(kind, scenario.as_deref()),
        Command::Scenarios { format } => scenarios::run(format),
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
            layout,
        } => sweep::run(sweep::Request {
            spec: &spec,
            out: out.as_deref(),
            shard: shard.as_deref(),
            threads,
            quiet,
            force,
            parquet: format == crate::cli::SweepFormat::Parquet,
            long: layout == crate::cli::SweepLayout::Long,
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
        Command::Reconcile {
            dir,
            actuals,
            by,
            stage,
            top,
            out,
            money,
            bom,
            xlsx,
            force,
        } => reconcile::run(reconcile::Request {
            dir: &dir,
            actuals: &actuals,
            by: by.iter().map(|d| d.dim()).collect(),
            stage: stage.map(|s| s.stage()),
            top,
            out: out.as_deref(),
            scale: money_scale(money, None),
            bom,
            xlsx: xlsx.as_deref(),
            force,
        }),
        Command::Compare {
            a,
            b,
            by,
            top,
            out,
            year,
            years,
            money,
            unit_deprecated,
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
            scale: money_scale(money, unit_deprecated),
            bom,
            xlsx: xlsx.as_deref(),
            force,
        }),
    }
}

/// The money unit of `--money`, or of the deprecated `--unit yuan|wan|yi` (with a
/// warning on stderr); 万元 by default.
fn money_scale(
    money: Option<crate::cli::Scale>,
    deprecated: Option<crate::cli::Scale>,
) -> fendan::money::Scale {
    if let Some(old) = deprecated {
        let name = old
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default();
        let _ = writeln!(
            io::stderr(),
            "warning: `--unit {name}` is the old spelling of `--money {name}` and goes in the next release; `--unit` means a unit code (as in `fendan explain --unit 130425`)"
        );
    }
    money
        .or(deprecated)
        .map(|s| s.scale())
        .unwrap_or(fendan::money::Scale::Wan)
}

/// The scenario a command-line argument names (a file, or a shipped scenario's name;
/// see [`fendan::shipped`]), or the embedded baseline; an ambiguous name is noted on stderr.
pub fn open_scenario(path: Option<&Path>) -> Result<Scenario, Error> {
    let Some(p) = path else {
        return Ok(Scenario::baseline());
    };
    let resolved = fendan::shipped::resolve(p)?;
    if let Some(note) = resolved.note {
        let _ = writeln!(io::stderr(), "note: {note}");
    }
    Ok(resolved.scenario)
}

/// Read the scenario (or the embedded baseline) and load its model.
pub fn scenario_and_model(path: Option<&Path>) -> Result<(Scenario, Model), Error> {
    let scenario = open_scenario(path)?;
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

/// Print a CSV table to stdout: `header`, then `rows`, `\n` line ends.
pub fn print_csv<R, F>(header: &[&str], rows: impl IntoIterator<Item = R>) -> Outcome
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let werr = |e: csv::Error| Error::Usage(e.to_string());
    w.write_record(header).map_err(werr)?;
    for row in rows {
        w.write_record(row).map_err(werr)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Usage(e.to_string()))?;
    print(&String::from_utf8_lossy(&bytes))
}

/// A terminal table in the house style.
pub fn table(header: Vec<&str>) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    t.set_header(header);
    t
}
