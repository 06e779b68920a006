//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "fendan",
    version,
    about = "Who pays for Handan's basic public services: central, province, city, county (邯政规〔2018〕21号, 2016-2020)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write its tables (outlays, by level, unit, domain, equalization).
    Simulate {
        /// The scenario file; the embedded baseline when left out.
        scenario: Option<PathBuf>,
        /// Output folder [default: output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
        /// Replace an output folder that holds another scenario's results.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// List the services of the catalog (Annex 1), one row each.
    Catalog {
        /// Only this domain (education, employment, social_insurance, health, social_services, housing, culture_sports, disability).
        #[arg(long)]
        domain: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Read the data a scenario names instead of the embedded seeds.
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// Load and check every input; print what was loaded.
    Validate {
        /// The scenario file; the embedded baseline when left out.
        scenario: Option<PathBuf>,
    },
    /// Show where a cell's amount comes from (headcount × coverage × standard, split), or a parameter's dated values.
    Explain {
        /// The scenario file; the embedded baseline when left out.
        scenario: Option<PathBuf>,
        /// Unit code, e.g. 130402.
        #[arg(long)]
        unit: Option<String>,
        /// Service number (序号 in Annex 1).
        #[arg(long)]
        service: Option<u32>,
        /// One component of the service; all of them when left out.
        #[arg(long)]
        component: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        /// A parameter path, e.g. services.48.urban_allowance.standard.
        #[arg(long, conflicts_with_all = ["unit", "service", "component", "year"])]
        param: Option<String>,
    },
    /// List every figure that is an assumption rather than from the plan or a cited source.
    Assumptions {
        /// The scenario file; the embedded baseline when left out.
        scenario: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}
