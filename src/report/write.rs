//! A run's files, from its cells to the output folder: the detail streamed through
//! [`super::detail`], the summaries from the [`Totals`] gathered on the way, and the
//! manifest with the SHA-256 of every file as written.
//!
//! `simulate` uses [`write_run`], which computes the cells chunk by chunk
//! ([`Prepared::fill`]) and writes the detail into the output transaction as it goes
//! ([`crate::output::Staging`]): nothing of the size of the run is held in memory, and
//! an error part way leaves nothing behind, because the transaction is not committed.
//! [`super::render`] renders the same files in memory from a run already computed.

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::detail::{Fill, Rows, Stop, stream};
use super::{CsvStyle, Totals, parameter_fingerprints, tables};
use crate::engine::{Cell, ComponentYear, Headcounts, Outcome, Prepared, Years};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::money::Overflow;
use crate::output::Staging;
use crate::scenario::Scenario;

/// What the tables of a run need besides its cells.
pub struct View<'a> {
    pub years: Years,
    pub headcounts: &'a Headcounts,
    pub component_years: &'a [Vec<Vec<ComponentYear>>],
}

impl<'a> From<&'a Outcome> for View<'a> {
    fn from(o: &'a Outcome) -> View<'a> {
        View {
            years: o.years,
            headcounts: &o.headcounts,
            component_years: &o.component_years,
        }
    }
}

impl<'a> From<&'a Prepared> for View<'a> {
    fn from(p: &'a Prepared) -> View<'a> {
        View {
            years: p.years,
            headcounts: &p.headcounts,
            component_years: &p.component_years,
        }
    }
}

/// How the detail of a run is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// `outlays.csv`.
    #[default]
    Csv,
    /// `outlays.parquet` (feature `parquet`): typed columns, amounts in whole fen.
    Parquet,
}

impl Detail {
    /// The name of the detail file.
    pub fn file(self) -> &'static str {
        match self {
            Detail::Csv => "outlays.csv",
            Detail::Parquet => "outlays.parquet",
        }
    }
}

/// The cells of a run already computed, as the fill function the detail writer takes
/// (`detail::Fill`).
pub fn cells_of(
    out: &Outcome,
) -> impl Fn(std::ops::Range<usize>, &mut Vec<Cell>) -> Result<()> + Sync + '_ {
    |range, into| {
        into.clear();
        into.extend_from_slice(&out.cells[range]);
        Ok(())
    }
}

/// The SHA-256 of `bytes`, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|x| format!("{x:02x}")).collect()
}

/// Stream the detail of the cells `fill` computes to `sink`, in `format`, after
/// `prefix` (a byte-order mark, or nothing; CSV only). Returns the totals of the cells
/// and the SHA-256 of every byte given to `sink`.
pub fn stream_detail(
    model: &Model,
    view: &View,
    fill: &Fill,
    format: Detail,
    prefix: &[u8],
    sink: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
) -> std::result::Result<(Totals, String), Stop> {
    let n = view.years.len() * model.units.len() * model.component_pairs().len();
    let mut hasher = Sha256::new();
    let totals = match format {
        Detail::Csv => {
            let mut head = prefix.to_vec();
            head.extend_from_slice(&super::csv_bytes(
                &crate::outlays::COLUMNS,
                std::iter::empty(),
            ));
            hasher.update(&head);
            sink(&head)?;
            let rows = Rows::new(model, view.years, view.component_years);
            let render = |cells: &[Cell], buf: &mut Vec<u8>| {
                buf.clear();
                rows.render(cells, buf);
                Ok(())
            };
            let mut hash = |buf: &Vec<u8>| {
                hasher.update(buf);
                Ok(())
            };
            let mut write = |buf: &Vec<u8>| sink(buf);
            stream(
                model,
                view.years,
                (n, super::detail::csv_chunk(n)),
                fill,
                &render,
                vec![&mut hash, &mut write],
            )?
        }
        #[cfg(feature = "parquet")]
        Detail::Parquet => {
            let mut put = |b: &[u8]| {
                hasher.update(b);
                sink(b)
            };
            super::parquet::stream(model, view, n, fill, &mut put)?
        }
        #[cfg(not(feature = "parquet"))]
        Detail::Parquet => return Err(Stop::Error(without_parquet())),
    };
    Ok((totals, hex(&hasher.finalize())))
}

/// The error of a build without the `parquet` feature asked for Parquet.
#[cfg(not(feature = "parquet"))]
pub fn without_parquet() -> Error {
    Error::Usage(
        "this fendan was built without Parquet; rebuild it with `cargo build --release --features parquet`, or write CSV".into(),
    )
}

/// The summary tables of a run in `style` (with the capacity tables when the scenario
/// gives fiscal figures: `capacity`), then `extra` files rendered elsewhere.
pub fn summaries(
    model: &Model,
    view: &View,
    totals: &Totals,
    capacity: Option<&crate::capacity::Assessment>,
    style: CsvStyle,
    extra: Vec<(String, Vec<u8>)>,
) -> std::result::Result<Vec<(String, Vec<u8>)>, Overflow> {
    // The tables are independent: made side by side.
    let ((by_level, by_unit), (by_domain, equalization)) = rayon::join(
        || {
            rayon::join(
                || tables::by_level(totals),
                || tables::by_unit(model, view, totals, capacity),
            )
        },
        || {
            rayon::join(
                || tables::by_domain(model, totals),
                || tables::equalization(model, view, totals),
            )
        },
    );
    let mut files = vec![
        ("by_level.csv".to_owned(), by_level?),
        ("by_unit.csv".to_owned(), by_unit?),
        ("by_domain.csv".to_owned(), by_domain?),
        ("equalization.csv".to_owned(), equalization?),
    ];
    if let Some(a) = capacity {
        use crate::capacity::tables::{SUMMARY_FILE, UNIT_FILE, summary_table, unit_table};
        files.push((UNIT_FILE.to_owned(), unit_table(model, a)));
        files.push((SUMMARY_FILE.to_owned(), summary_table(model, a)));
    }
    for f in &mut files {
        f.1 = style.apply(std::mem::take(&mut f.1));
    }
    files.extend(extra);
    Ok(files)
}

/// Output files in memory: (name, bytes).
type Files = Vec<(String, Vec<u8>)>;

/// A run written into its output folder.
pub struct Written {
    /// The sums of its cells.
    pub totals: Totals,
    /// Every file written, in the manifest's order (the manifest last).
    pub names: Vec<String>,
    /// The summary tables and the extra files, as written.
    pub small: Vec<(String, Vec<u8>)>,
    /// The capacity measures, when the scenario gives fiscal figures.
    pub capacity: Option<crate::capacity::Assessment>,
}

/// Compute the cells of `prepared` a chunk at a time and write every file of the run
/// into `folder`: the detail in `format` as it is computed, then the summaries, the
/// `extra` files and the manifest. Each file is fsynced; the caller commits.
pub fn write_run(
    model: &Model,
    prepared: &Prepared,
    scenario: &Scenario,
    style: CsvStyle,
    format: Detail,
    extra: Vec<(String, Vec<u8>)>,
    folder: &Staging,
) -> Result<Written> {
    let view = View::from(prepared);
    let fill =
        |range: std::ops::Range<usize>, into: &mut Vec<Cell>| prepared.fill(model, range, into);
    let mut file = folder.create(format.file())?;
    let prefix = match format {
        Detail::Csv => style.apply(Vec::new()),
        Detail::Parquet => Vec::new(),
    };
    // The manifest's account of the model is made beside the detail: the detail keeps
    // one core busy hashing and writing, not both.
    let (streamed, mut manifest) = rayon::join(
        || {
            let mut sink = |b: &[u8]| file.write_all(b);
            stream_detail(model, &view, &fill, format, &prefix, &mut sink)
        },
        || Manifest::new(model, scenario, prepared.years),
    );
    let failed = || {
        prepared
            .failure(model)
            .unwrap_or_else(|| Error::Usage("a sum of the run does not fit".into()))
    };
    let (totals, sha) = streamed.map_err(|s| match s {
        Stop::Error(e) => e,
        Stop::Overflow => failed(),
    })?;
    let capacity = crate::capacity::assess_totals(model, &view, &totals, scenario.capacity)?;
    // The summaries and the manifest are made and written while the detail's fsync
    // waits for the disk (if that fsync fails, the transaction is not committed and
    // none of them is kept).
    let (synced, small) = rayon::join(
        || file.finish(),
        || -> Result<(Files, Vec<String>)> {
            let small = summaries(model, &view, &totals, capacity.as_ref(), style, extra)
                .map_err(|_| failed())?;
            small
                .par_iter()
                .try_for_each(|(name, bytes)| folder.write(name, bytes))?;
            let mut outputs = vec![(format.file(), sha)];
            outputs.extend(small.iter().map(|(n, b)| (n.as_str(), sha256(b))));
            // Streamed into its file: at township scale it is megabytes of text.
            let mut sink = folder.create("manifest.json")?;
            manifest.outputs(totals.cells, &outputs);
            manifest.write(&mut sink).map_err(sink.err())?;
            sink.finish()?;
            let mut names: Vec<String> = outputs.iter().map(|(n, _)| (*n).to_owned()).collect();
            names.push("manifest.json".to_owned());
            Ok((small, names))
        },
    );
    let (small, names) = small?;
    synced?;
    Ok(Written {
        totals,
        names,
        small,
        capacity,
    })
}

#[derive(Serialize)]
struct Manifest<'a> {
    fendan_version: &'a str,
    scenario: ManifestScenario<'a>,
    /// The plan's title and unit kinds (see [`crate::plan::PlanInfo`]).
    plan: crate::plan::PlanInfo,
    years: [i32; 2],
    inputs: Vec<ManifestFile>,
    counts: ManifestCounts,
    outputs: Vec<ManifestFile>,
    /// Every parameter after the scenario's overrides, as `date=value;...`, so that two
    /// runs can be compared parameter by parameter (`fendan compare`).
    parameters: std::collections::BTreeMap<String, String>,
    /// The scenarios this one extends, nearest first, and the parameters it overrides.
    extends: Vec<String>,
    overridden: Vec<String>,
    /// Every assumed figure with its label and basis, and every source cited: what a
    /// report made from the folder alone lists (see [`crate::provenance`]).
    assumptions: Vec<crate::provenance::AssumedFigure>,
    sources: Vec<crate::provenance::SourceUse>,
}

#[derive(Serialize)]
struct ManifestScenario<'a> {
    name: &'a str,
    title: &'a str,
    file: &'a str,
    sha256: String,
}

#[derive(Serialize)]
struct ManifestFile {
    name: String,
    sha256: String,
}

#[derive(Serialize)]
struct ManifestCounts {
    services: usize,
    components: usize,
    units: usize,
    cohorts: usize,
    parameters: usize,
    assumptions: usize,
    rows: usize,
}

/// `manifest.json`: what was run on what, the hash of every output (`outputs`: name and
/// SHA-256, in order) and the counts, for `compare`, `report` and a reader's check.
pub fn manifest(
    model: &Model,
    scenario: &Scenario,
    years: Years,
    rows: usize,
    outputs: &[(&str, String)],
) -> Vec<u8> {
    let mut manifest = Manifest::new(model, scenario, years);
    manifest.outputs(rows, outputs);
    let mut json = Vec::new();
    manifest.write(&mut json).expect("writing to memory");
    json
}

impl<'a> Manifest<'a> {
    /// What the manifest says of the model and the scenario: all of it but the
    /// outputs and the number of rows ([`Manifest::outputs`]). Made while the detail is
    /// written, since most of it (fingerprints, assumptions, sources) does not depend on it.
    fn new(model: &Model, scenario: &'a Scenario, years: Years) -> Manifest<'a> {
        Manifest {
            fendan_version: env!("CARGO_PKG_VERSION"),
            scenario: ManifestScenario {
                name: &scenario.name,
                title: &scenario.title,
                file: &scenario.source.name,
                sha256: scenario.source.sha256(),
            },
            plan: model.plan.info(),
            years: [years.first, years.last],
            inputs: model
                .inputs
                .iter()
                .map(|i| ManifestFile {
                    name: i.name.clone(),
                    sha256: i.sha256.clone(),
                })
                .collect(),
            counts: ManifestCounts {
                services: model.services.len(),
                components: model.services.iter().map(|s| s.components.len()).sum(),
                units: model.units.len(),
                cohorts: model.cohorts.len(),
                parameters: model.params.len(),
                assumptions: model
                    .params
                    .iter()
                    .filter(|(_, p)| p.has_assumption())
                    .count(),
                rows: 0,
            },
            outputs: Vec::new(),
            parameters: parameter_fingerprints(model),
            extends: scenario.extends.clone(),
            overridden: model
                .params
                .iter()
                .filter(|(_, p)| !p.overridden.is_empty())
                .map(|(_, p)| p.path.clone())
                .collect(),
            assumptions: crate::provenance::assumed_figures(model),
            sources: crate::provenance::sources(model),
        }
    }

    /// The outputs written (name and SHA-256, in order) and the detail's rows.
    fn outputs(&mut self, rows: usize, outputs: &[(&str, String)]) {
        self.counts.rows = rows;
        self.outputs = outputs
            .iter()
            .map(|(n, sha256)| ManifestFile {
                name: (*n).to_owned(),
                sha256: sha256.clone(),
            })
            .collect();
    }

    /// The manifest's text, as pretty JSON with a final newline.
    fn write(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut w, self).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    }
}
