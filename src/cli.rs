//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "fendan", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The arguments of this process (clap's `parse`, which exits on an error or help).
    ///
    /// The about text names the embedded plan, and making it parses `plan.yaml`: half a
    /// millisecond, a fifth of `fendan --version`, on every command. Only help shows it,
    /// so the arguments are parsed without it, and again with it when help is asked for.
    pub fn from_args() -> Cli {
        use clap::error::ErrorKind;
        match Cli::try_parse() {
            Ok(cli) => cli,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                ) =>
            {
                let about = fendan::plan::Plan::embedded().about();
                let matches = Cli::command().about(about).get_matches();
                // Help was asked for: `get_matches` printed it and ended the process.
                Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
            }
            Err(e) => e.exit(),
        }
    }
}

/// `--threads`: 1 to [`fendan::limits::MAX_THREADS`]; clap names the flag in the error.
fn threads(text: &str) -> Result<usize, String> {
    fendan::limits::parse_threads(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
}

/// The money unit amounts are displayed in (`--money`; files stay in yuan). The
/// Chinese names are accepted too: `--money 万元`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// 元
    #[value(alias = "元")]
    Yuan,
    /// 万元, 10,000 yuan
    #[value(alias = "万元")]
    Wan,
    /// 亿元, 100 million yuan
    #[value(alias = "亿元")]
    Yi,
}

impl Scale {
    pub fn scale(self) -> fendan::money::Scale {
        match self {
            Scale::Yuan => fendan::money::Scale::Yuan,
            Scale::Wan => fendan::money::Scale::Wan,
            Scale::Yi => fendan::money::Scale::Yi,
        }
    }
}

/// One row per service or per component (`catalog --by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogRows {
    Service,
    Component,
}

/// The file formats `fendan schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// A scenario file (`fendan simulate SCENARIO`).
    Scenario,
    /// A sweep spec (`fendan sweep SPEC`).
    Sweep,
}

/// How `sweep` writes its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepFormat {
    Csv,
    Parquet,
}

/// How `sweep` lays out its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepLayout {
    Wide,
    Long,
}

/// How `simulate` writes the detail of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetailFormat {
    Csv,
    Parquet,
}

impl DetailFormat {
    pub fn detail(self) -> fendan::report::Detail {
        match self {
            DetailFormat::Csv => fendan::report::Detail::Csv,
            DetailFormat::Parquet => fendan::report::Detail::Parquet,
        }
    }
}

/// A dimension of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    Level,
    Year,
    Unit,
    Domain,
    Service,
}

impl By {
    pub fn dim(self) -> fendan::compare::Dim {
        use fendan::compare::Dim;
        match self {
            By::Level => Dim::Level,
            By::Year => Dim::Year,
            By::Unit => Dim::Unit,
            By::Domain => Dim::Domain,
            By::Service => Dim::Service,
        }
    }
}

/// A dimension of a reconciliation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReconcileBy {
    Unit,
    Year,
    Class,
    Level,
}

impl ReconcileBy {
    pub fn dim(self) -> fendan::reconcile::Dim {
        use fendan::reconcile::Dim;
        match self {
            ReconcileBy::Unit => Dim::Unit,
            ReconcileBy::Year => Dim::Year,
            ReconcileBy::Class => Dim::Class,
            ReconcileBy::Level => Dim::Level,
        }
    }
}

/// Budget (预算) or final accounts (决算).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    Budget,
    Final,
}

impl Stage {
    pub fn stage(self) -> fendan::reconcile::Stage {
        match self {
            Stage::Budget => fendan::reconcile::Stage::Budget,
            Stage::Final => fendan::reconcile::Stage::Final,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write its tables (outlays, by level, unit, domain, equalization).
    Simulate {
        /// The scenario: a file, or the name of a shipped scenario (`fendan scenarios`); the embedded baseline when left out.
        scenario: Option<PathBuf>,
        /// Output folder [default: output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads, 1 to 1024 [default: SLURM_CPUS_PER_TASK when set, else all cores].
        #[arg(long, allow_hyphen_values = true, value_parser = threads)]
        threads: Option<usize>,
        /// Write into an output folder (or over a workbook) that holds another run's results or files fendan did not write; never over an input.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Start each CSV file with a UTF-8 byte-order mark, so that Excel and WPS on Chinese Windows read it right.
        #[arg(long)]
        bom: bool,
        /// Also write the tables as an Excel workbook to this file (first sheet 报告, for a director).
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Add the detail sheet 明细 (one row per year, unit, service and component) to the workbook; it makes the workbook slow to open.
        #[arg(long, requires = "xlsx")]
        xlsx_detail: bool,
        /// Money unit of the printed summary and of the workbook's 报告 sheet: yuan (元), wan (万元) or yi (亿元); files stay in yuan [default: wan].
        #[arg(long, value_enum, value_name = "yuan|wan|yi")]
        money: Option<Scale>,
        /// Deprecated spelling of --money (`--unit` means a unit code, as in `explain`).
        #[arg(
            long = "unit",
            value_enum,
            value_name = "yuan|wan|yi",
            hide = true,
            conflicts_with = "money"
        )]
        unit_deprecated: Option<Scale>,
        /// Also write at_stake.csv: the money each assumption moves over its plausible range (as `fendan assumptions`), which `fendan report` ranks; for the baseline it adds about 0.4 s of CPU to a 0.06 s run.
        #[arg(long)]
        stake: bool,
        /// Format of the detail: outlays.csv, or outlays.parquet with typed columns and amounts in whole fen (needs a build with `--features parquet`).
        #[arg(long, value_enum, default_value_t = DetailFormat::Csv)]
        format: DetailFormat,
    },
    /// List the services of the plan (its catalog), one row each (or one row per component with its parameter paths: `--by component`).
    Catalog {
        /// Only this domain (an id of the plan's domains, as the catalog's domain column shows it).
        #[arg(long)]
        domain: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// One row per service, or per component (its cohort, split rule and parameter paths).
        #[arg(long, value_enum, default_value_t = CatalogRows::Service)]
        by: CatalogRows,
        /// Read the data a scenario names instead of the embedded seeds (a file or a shipped scenario's name).
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// List every parameter path (or those under PREFIX) with its unit, its value in each year of the run, and its source or assumption.
    Params {
        /// Only the paths under this prefix, e.g. `services.48` or `splits.compulsory_edu`.
        prefix: Option<String>,
        /// Only the parameters whose path, meaning (Chinese label), source or assumption contains TEXT (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        grep: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// The scenario whose values are listed (a file or a shipped scenario's name) [default: the embedded baseline].
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// Write a JSON Schema (draft-07) of scenario or sweep files to standard output, every parameter path enumerated, for editors (VS Code's YAML extension).
    Schema {
        /// Which file format: scenario or sweep.
        #[arg(value_enum)]
        kind: SchemaKind,
        /// Take the parameter paths from this scenario's data (a file or a shipped scenario's name) [default: the embedded seeds].
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// List the scenarios shipped inside fendan, which run by name from any folder (`fendan simulate pre_reform_shares`).
    Scenarios {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Load and check every input; print what was loaded.
    Validate {
        /// The scenario: a file, or the name of a shipped scenario; the embedded baseline when left out.
        scenario: Option<PathBuf>,
    },
    /// Show where a cell's amount comes from (headcount × coverage × standard, split), or a parameter's dated values.
    Explain {
        /// The scenario: a file, or the name of a shipped scenario; the embedded baseline when left out.
        scenario: Option<PathBuf>,
        /// A unit's code, as in units.csv, e.g. 130402 (the money unit is `--money` in simulate and compare).
        #[arg(long)]
        unit: Option<String>,
        /// Service number (序号, the id in the services files).
        #[arg(long)]
        service: Option<u32>,
        /// One component of the service; all of them when left out.
        #[arg(long)]
        component: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        /// A parameter path, e.g. services.48.urban_allowance.standard, or a prefix of paths (services.48, splits.compulsory_edu), which lists the paths under it.
        #[arg(long, conflicts_with_all = ["unit", "service", "component", "year"])]
        param: Option<String>,
    },
    /// List every assumption with its confidence grade and the money at stake, largest first.
    Assumptions {
        /// The scenario: a file, or the name of a shipped scenario; the embedded baseline when left out.
        scenario: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the bibliography: every document the inputs cite, and how many parameters cite each.
    Sources {
        /// The scenario: a file, or the name of a shipped scenario; the embedded baseline when left out.
        scenario: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Compare two runs (output folders of `simulate`, or scenario files or shipped scenarios run now): B − A by level, year, unit, domain or service.
    Compare {
        /// The first run: an output folder, a scenario file, or the name of a shipped scenario (`baseline`, …).
        a: PathBuf,
        /// The second run, compared with the first (the same kinds as A).
        b: PathBuf,
        /// Break the difference down by these, in this order [default: year level].
        #[arg(long, value_enum, num_args = 1.., value_delimiter = ',')]
        by: Vec<By>,
        /// Only the N rows with the largest absolute difference, largest first.
        #[arg(long, value_name = "N")]
        top: Option<usize>,
        /// Write the comparison as CSV (yuan, exact) to this file; `-` writes it to standard output (and nothing else).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Only this year: every total covers it alone.
        #[arg(long, value_name = "Y", conflicts_with = "years")]
        year: Option<i32>,
        /// Only these years, e.g. 2019-2020: every total covers them alone.
        #[arg(long, value_name = "A-B")]
        years: Option<String>,
        /// Money unit of the printed table: yuan (元), wan (万元) or yi (亿元); files stay in yuan [default: wan].
        #[arg(long, value_enum, value_name = "yuan|wan|yi")]
        money: Option<Scale>,
        /// Deprecated spelling of --money (`--unit` means a unit code, as in `explain`).
        #[arg(
            long = "unit",
            value_enum,
            value_name = "yuan|wan|yi",
            hide = true,
            conflicts_with = "money"
        )]
        unit_deprecated: Option<Scale>,
        /// Start the CSV file with a UTF-8 byte-order mark, for Excel and WPS on Chinese Windows.
        #[arg(long, requires = "out")]
        bom: bool,
        /// Also write the comparison as an Excel workbook to this file.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Replace an existing --out or --xlsx file that fendan did not write for these runs.
        #[arg(long)]
        force: bool,
    },
    /// Set a run against actual budget or final-account figures by unit, year and budget class (and level): differences, ratios, the classes that explain the gap, and what is on one side only.
    Reconcile {
        /// An output folder of `fendan simulate` (checked against its manifest.json).
        dir: PathBuf,
        /// The actuals: CSV with year, unit_code, budget_class (政府收支分类科目 类/款/项), amount_yuan, and optionally unit_name, level, stage, source.
        actuals: PathBuf,
        /// Break the comparison down by these [default: year unit class]; `level` needs a level on every row of the actuals.
        #[arg(long, value_enum, num_args = 1.., value_delimiter = ',')]
        by: Vec<ReconcileBy>,
        /// Compare the figures of one stage only, when the actuals hold both: budget (预算) or final (决算).
        #[arg(long, value_enum)]
        stage: Option<Stage>,
        /// Matched rows shown on screen, largest gap first (every row goes to --out).
        #[arg(long, value_name = "N", default_value_t = 10)]
        top: usize,
        /// Write every row as CSV (yuan, exact) to this file; `-` writes it to standard output (and nothing else).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Money unit of the printed tables: yuan (元), wan (万元) or yi (亿元); files stay in yuan [default: wan].
        #[arg(long, value_enum, value_name = "yuan|wan|yi")]
        money: Option<Scale>,
        /// Start the CSV file with a UTF-8 byte-order mark, for Excel and WPS on Chinese Windows.
        #[arg(long, requires = "out")]
        bom: bool,
        /// Also write the reconciliation as an Excel workbook to this file.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Replace an existing --out or --xlsx file that fendan did not write for this reconciliation.
        #[arg(long)]
        force: bool,
    },
    /// Run a parameter sweep (grid, Latin hypercube or Monte Carlo) and write points.csv, summary.csv and manifest.json; `--shard K/N` runs one part of it.
    Sweep {
        /// The sweep spec (YAML).
        spec: PathBuf,
        /// Output folder [default: output/<sweep name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only shard K of N (1 ≤ K ≤ N) and write parts/part-K-of-N.csv and .json; join the parts with `fendan merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Worker threads, 1 to 1024 [default: SLURM_CPUS_PER_TASK when set, else all cores].
        #[arg(long, allow_hyphen_values = true, value_parser = threads)]
        threads: Option<usize>,
        /// No progress bar, no summary: print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Write into an output folder that holds another run's results or files fendan did not write (or over a part written for another spec); never over an input.
        #[arg(long)]
        force: bool,
        /// Format of the points: csv, or parquet (needs a build with `--features parquet`).
        #[arg(long, value_enum, default_value_t = SweepFormat::Csv)]
        format: SweepFormat,
        /// Layout of the points: wide (a row a point), or long (also points_long.csv or .parquet: a row a value, `point,year,metric,key,value`).
        #[arg(long, value_enum, default_value_t = SweepLayout::Wide)]
        layout: SweepLayout,
    },
    /// Write an HTML report (charts, tables, sources; prints on A4) of a run, of a run compared with another (`--compare`), or of a sweep.
    Report {
        /// An output folder of `fendan simulate` or `fendan sweep` (the kind is read from its manifest.json).
        dir: PathBuf,
        /// Compare the run with this reference run (another output folder of `simulate`): B is DIR, A is this one.
        #[arg(long, value_name = "OTHER_DIR")]
        compare: Option<PathBuf>,
        /// The year of the per-unit charts (a run) or of the tornado charts (a sweep) [default: the last year].
        #[arg(long)]
        year: Option<i32>,
        /// The HTML file to write.
        #[arg(long, value_name = "FILE.html")]
        out: PathBuf,
        /// Replace an existing file that fendan did not write.
        #[arg(long)]
        force: bool,
    },
    /// Write the plan a run uses (the embedded one, or a scenario's) as editable files in a new folder, with a scenario.yaml that runs them.
    Init {
        /// The folder to write: new or empty.
        dir: PathBuf,
        /// Take the plan of this scenario (after its `data:` replacements) [default: the embedded baseline].
        #[arg(long, value_name = "SCENARIO")]
        from: Option<PathBuf>,
    },
    /// Check the parts of a sharded sweep in DIR/parts and join them into points.csv, summary.csv and manifest.json.
    Merge {
        /// The sweep's output folder (the --out of the shards).
        dir: PathBuf,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
}
