//! The published tables, built from the cells and nothing else.
//!
//! Every summary is an integer sum of `outlays.csv` cells (whole fen), so a budget
//! officer who pivots the detail in Excel finds the same figures as the summaries, to
//! the fen. Files are rendered in memory and handed to [`crate::output`] to be written
//! atomically; nothing here reads a clock, so reruns are byte-identical.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::{Cell, Outcome};
use crate::error::Result;
use crate::model::*;
use crate::money::yuan;
use crate::scenario::Scenario;
use crate::stats::dispersion;

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

/// Cells rendered per task when `outlays.csv` is built in parallel (about 1.2 MB).
const OUTLAY_CHUNK: usize = 4096;

/// `outlays.csv`: one row per year × unit × service × component.
pub fn outlays(model: &Model, out: &Outcome) -> Vec<u8> {
    outlays_hashed(model, out, &[], None)
}

/// `outlays.csv` after `prefix` (a byte-order mark or nothing), fed to `hasher` as
/// it is built.
///
/// This is the one large file (about 300 bytes a row; half a gigabyte for 2,860
/// units), so it is built without a `String` per field: text that does not depend on
/// the cell is rendered once, and numbers are formatted into a stack buffer. Blocks of
/// cells are rendered in parallel into buffers that are reused, so the only new memory
/// is the file itself; while one wave of blocks is rendered, the previous one is
/// appended and hashed. Each field still goes through the `csv` writer, so quoting is
/// as for the small tables, and the bytes do not depend on the thread count.
fn outlays_hashed(
    model: &Model,
    out: &Outcome,
    prefix: &[u8],
    mut hasher: Option<&mut Sha256>,
) -> Vec<u8> {
    let years: Vec<String> = out.years.iter().map(|y| y.to_string()).collect();
    let service_ids: Vec<String> = model.services.iter().map(|s| s.id.to_string()).collect();
    // [service][component][year] → (coverage, standard) as printed.
    let per_year: Vec<Vec<Vec<(String, String)>>> = out
        .component_years
        .iter()
        .map(|s| {
            s.iter()
                .map(|c| {
                    c.iter()
                        .map(|cy| (dec(cy.coverage, 4), dec(cy.standard_annual, 2)))
                        .collect()
                })
                .collect()
        })
        .collect();
    let yi0 = out.years.first;
    let render_block = |buf: &mut Vec<u8>, cells: &[Cell]| {
        buf.clear();
        let mut w = csv_writer(buf);
        let mut fig = Figure::default();
        for c in cells {
            let yi = (c.year - yi0) as usize;
            let unit = &model.units[c.unit as usize];
            let s = &model.services[c.service as usize];
            let comp = &s.components[c.component as usize];
            let (coverage, standard) = &per_year[c.service as usize][c.component as usize][yi];
            let mut field = |f: &[u8]| w.write_field(f).expect("writing to memory");
            field(years[yi].as_bytes());
            field(unit.code.as_bytes());
            field(unit.name_zh.as_bytes());
            field(service_ids[c.service as usize].as_bytes());
            field(s.name.zh.as_bytes());
            field(model.plan.domain(s.domain).id.as_bytes());
            field(comp.id.as_bytes());
            field(s.budget_class.as_bytes());
            field(fig.int(c.headcount));
            field(coverage.as_bytes());
            field(standard.as_bytes());
            field(fig.yuan(c.total));
            for l in c.levels {
                field(fig.yuan(l));
            }
            field(unit.name_en.as_bytes());
            field(s.name.en.as_bytes());
            field(comp.name.zh.as_bytes());
            field(model.cohort(comp.cohort).id.as_bytes());
            field(fig.int(i64::from(c.months)));
            field(model.rule(comp.split).id.as_bytes());
            field(model.plan.class(unit.fiscal_class).id.as_bytes());
            w.write_record(None::<&[u8]>).expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    };
    let mut bytes = prefix.to_vec();
    bytes.extend_from_slice(&csv_bytes(&crate::outlays::COLUMNS, std::iter::empty()));
    if let Some(h) = hasher.as_deref_mut() {
        h.update(&bytes);
    }
    let mut append = |bytes: &mut Vec<u8>, blocks: &[Vec<u8>]| {
        for b in blocks {
            if let Some(h) = hasher.as_deref_mut() {
                h.update(b);
            }
            bytes.extend_from_slice(b);
        }
    };
    let per_wave = 2 * rayon::current_num_threads().max(1);
    let mut waves = out.cells.chunks(per_wave * OUTLAY_CHUNK);
    let Some(first) = waves.next() else {
        return bytes;
    };
    // The first wave's size is known, so the file's size can be estimated from it.
    let mut ready: Vec<Vec<u8>> = vec![Vec::new(); per_wave];
    let mut spare: Vec<Vec<u8>> = vec![Vec::new(); per_wave];
    let render_wave = |bufs: &mut [Vec<u8>], cells: &[Cell]| {
        let n = cells.len().div_ceil(OUTLAY_CHUNK);
        bufs[..n]
            .par_iter_mut()
            .zip(cells.par_chunks(OUTLAY_CHUNK))
            .for_each(|(buf, c)| render_block(buf, c));
        n
    };
    let mut n_ready = render_wave(&mut ready, first);
    let first_len: usize = ready[..n_ready].iter().map(Vec::len).sum();
    bytes.reserve(first_len / first.len() * out.cells.len() + first_len);
    for cells in waves {
        let (n, ()) = rayon::join(
            || render_wave(&mut spare, cells),
            || append(&mut bytes, &ready[..n_ready]),
        );
        std::mem::swap(&mut ready, &mut spare);
        n_ready = n;
    }
    append(&mut bytes, &ready[..n_ready]);
    bytes
}

/// Formats whole numbers and fen into a stack buffer: the same text as `i64`'s
/// `Display` and [`yuan`], without allocating.
#[derive(Default)]
struct Figure {
    buf: [u8; 24],
}

impl Figure {
    fn int(&mut self, n: i64) -> &[u8] {
        self.format(n, false)
    }

    fn yuan(&mut self, fen: i64) -> &[u8] {
        self.format(fen, true)
    }

    fn format(&mut self, n: i64, fen: bool) -> &[u8] {
        let mut a = n.unsigned_abs();
        let mut i = self.buf.len();
        let mut push = |buf: &mut [u8; 24], b: u8| {
            i -= 1;
            buf[i] = b;
        };
        if fen {
            for _ in 0..2 {
                push(&mut self.buf, b'0' + (a % 10) as u8);
                a /= 10;
            }
            push(&mut self.buf, b'.');
        }
        loop {
            push(&mut self.buf, b'0' + (a % 10) as u8);
            a /= 10;
            if a == 0 {
                break;
            }
        }
        if n < 0 {
            push(&mut self.buf, b'-');
        }
        &self.buf[i..]
    }
}

/// Totals per year and level, whole fen: `[year][central, province, city, county]`.
pub fn level_totals(model: &Model, out: &Outcome) -> Result<BTreeMap<i32, [i64; 4]>> {
    let mut t = vec![[0i64; 4]; out.years.len()];
    for c in &out.cells {
        add_levels(&mut t[(c.year - out.years.first) as usize], &c.levels).map_err(|_| {
            overflow(model, out, "a total by year and level", |x| {
                x.year == c.year
            })
        })?;
    }
    Ok(out.years.iter().zip(t).collect())
}

/// Totals per (year, unit), whole fen.
pub fn unit_totals(model: &Model, out: &Outcome) -> Result<BTreeMap<(i32, usize), [i64; 4]>> {
    let n = model.units.len();
    // Summed in a dense grid (year-major, like the cells), then keyed.
    let mut t = vec![[0i64; 4]; out.years.len() * n];
    for c in &out.cells {
        let i = (c.year - out.years.first) as usize * n + c.unit as usize;
        add_levels(&mut t[i], &c.levels).map_err(|_| {
            overflow(model, out, "a total by year and unit", |x| {
                (x.year, x.unit) == (c.year, c.unit)
            })
        })?;
    }
    Ok(out
        .years
        .iter()
        .flat_map(|y| (0..n).map(move |u| (y, u)))
        .zip(t)
        .collect())
}

use crate::money::{Overflow, add_levels, checked_sum};

/// The overflow of a sum of the cells that `pick` selects (`what`), located at the
/// largest of them. Unreachable after [`crate::engine::run`], which checks that the
/// sum of all cells fits, but checked all the same.
fn overflow(
    model: &Model,
    out: &Outcome,
    what: &str,
    pick: impl Fn(&Cell) -> bool,
) -> crate::Error {
    crate::engine::sum_overflow(model, out.cells.iter().filter(|c| pick(c)), what)
}

fn level_cells(levels: &[i64; 4]) -> std::result::Result<Vec<String>, Overflow> {
    let mut v: Vec<String> = levels.iter().map(|f| yuan(*f)).collect();
    v.push(yuan(checked_sum(levels.iter().copied())?));
    Ok(v)
}

/// `by_level.csv`: year × level, with the year's total.
pub fn by_level(model: &Model, out: &Outcome) -> Result<Vec<u8>> {
    let mut rows = Vec::new();
    for (y, l) in level_totals(model, out)? {
        let mut r = vec![y.to_string()];
        r.extend(
            level_cells(&l).map_err(|_| overflow(model, out, "a year's total", |c| c.year == y))?,
        );
        rows.push(r);
    }
    Ok(csv_bytes(
        &["year", "central", "province", "city", "county", "total"],
        rows,
    ))
}

/// The resident population of a unit in a year (the plan's population cohort).
pub(crate) fn population(model: &Model, out: &Outcome, y: i32, u: usize) -> i64 {
    out.headcounts.get(y, u, model.population)
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
    let mut rows = Vec::new();
    for ((y, u), l) in unit_totals(model, out)? {
        let of_unit = |c: &Cell| (c.year, c.unit as usize) == (y, u);
        let unit_overflow = |_| overflow(model, out, "a unit's total", of_unit);
        let unit = &model.units[u];
        let pop = population(model, out, y, u);
        let total: i64 = checked_sum(l.iter().copied()).map_err(unit_overflow)?;
        let per_capita = if pop > 0 {
            let fen_pop = crate::money::checked_mul(100, pop).map_err(unit_overflow)?;
            dec(Decimal::from(total) / Decimal::from(fen_pop), 2)
        } else {
            String::new()
        };
        let mut r = vec![
            y.to_string(),
            unit.code.clone(),
            unit.name_zh.clone(),
            model.plan.kind(unit.kind).id.clone(),
            model.plan.class(unit.fiscal_class).id.clone(),
            pop.to_string(),
        ];
        r.extend(level_cells(&l).map_err(unit_overflow)?);
        r.push(per_capita);
        if let Some(a) = capacity {
            r.extend(crate::capacity::tables::by_unit_fields(model, a, y, u));
        }
        rows.push(r);
    }
    let mut header = vec![
        "year",
        "unit_code",
        "unit_name",
        "kind",
        "fiscal_class",
        "population",
        "central",
        "province",
        "city",
        "county",
        "total",
        "per_capita",
    ];
    if capacity.is_some() {
        header.extend(crate::capacity::tables::BY_UNIT_COLUMNS);
    }
    Ok(csv_bytes(&header, rows))
}

/// `by_domain.csv`: year × domain × level.
pub fn by_domain(model: &Model, out: &Outcome) -> Result<Vec<u8>> {
    let mut t: BTreeMap<(i32, DomainId), [i64; 4]> = BTreeMap::new();
    for y in out.years.iter() {
        for d in model.plan.domain_ids() {
            t.insert((y, d), [0; 4]);
        }
    }
    // Summed per (year, service) first, then per domain.
    let n = model.services.len();
    let mut per_service = vec![[0i64; 4]; out.years.len() * n];
    let domain_overflow = |y: i32, d: DomainId| {
        overflow(model, out, "a total by year and domain", move |c| {
            c.year == y && model.services[c.service as usize].domain == d
        })
    };
    for c in &out.cells {
        let i = (c.year - out.years.first) as usize * n + c.service as usize;
        add_levels(&mut per_service[i], &c.levels)
            .map_err(|_| domain_overflow(c.year, model.services[c.service as usize].domain))?;
    }
    for (i, l) in per_service.iter().enumerate() {
        let y = out.years.first + (i / n) as i32;
        let d = model.services[i % n].domain;
        let e = t.get_mut(&(y, d)).expect("all domains present");
        add_levels(e, l).map_err(|_| domain_overflow(y, d))?;
    }
    // Services of a domain that overlap another one, and how the overlap is netted.
    let overlaps = |d: DomainId| -> String {
        model
            .services
            .iter()
            .filter(|s| s.domain == d)
            .filter_map(|s| {
                s.overlap
                    .as_ref()
                    .map(|o| format!("{}→{}: {} ({})", s.id, o.service, o.note.zh, o.note.en))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut rows = Vec::new();
    for ((y, d), l) in t {
        let domain = model.plan.domain(d);
        let mut r = vec![y.to_string(), domain.id.clone(), domain.name.zh.clone()];
        r.extend(level_cells(&l).map_err(|_| domain_overflow(y, d))?);
        r.push(overlaps(d));
        rows.push(r);
    }
    Ok(csv_bytes(
        &[
            "year",
            "domain",
            "domain_zh",
            "central",
            "province",
            "city",
            "county",
            "total",
            "overlaps",
        ],
        rows,
    ))
}

/// `equalization.csv`: per year, how evenly outlay per head is spread across units,
/// for the whole outlay and for the part the county level pays.
pub fn equalization(model: &Model, out: &Outcome) -> Result<Vec<u8>> {
    let totals = unit_totals(model, out)?;
    let urban: Vec<bool> = model
        .units
        .iter()
        .map(|u| model.plan.kind(u.kind).urban)
        .collect();
    let mut rows = Vec::new();
    for y in out.years.iter() {
        let pops: Vec<i64> = (0..model.units.len())
            .map(|u| population(model, out, y, u))
            .collect();
        for (measure, pick) in [("total", None), ("county_level", Some(3usize))] {
            let amounts: Vec<i64> = (0..model.units.len())
                .map(|u| {
                    let l = totals[&(y, u)];
                    match pick {
                        None => checked_sum(l.iter().copied()).map_err(|_| {
                            overflow(model, out, "a unit's total", |c| {
                                (c.year, c.unit as usize) == (y, u)
                            })
                        }),
                        Some(i) => Ok(l[i]),
                    }
                })
                .collect::<Result<_>>()?;
            let Some(d) = dispersion(&amounts, &pops, &urban) else {
                continue;
            };
            rows.push(vec![
                y.to_string(),
                measure.to_owned(),
                model.units.len().to_string(),
                dec(d.min, 2),
                dec(d.max, 2),
                dec(d.max_min_ratio, 4),
                dec(d.cv, 6),
                dec(d.theil, 6),
                dec(d.districts, 2),
                dec(d.counties, 2),
                if d.districts.is_zero() {
                    String::new()
                } else {
                    dec(d.counties / d.districts, 4)
                },
            ]);
        }
    }
    Ok(csv_bytes(
        &[
            "year",
            "measure",
            "units",
            "min_per_capita",
            "max_per_capita",
            "max_min_ratio",
            "cv",
            "theil",
            "districts_per_capita",
            "counties_per_capita",
            "counties_to_districts",
        ],
        rows,
    ))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|x| format!("{x:02x}")).collect()
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
    let sha = |b: &[u8]| hex(&Sha256::digest(b));
    let capacity = crate::capacity::assess(model, out, scenario.capacity)?;
    // What `style` puts before a file's bytes; the outlays are built after it in place.
    let prefix = style.apply(Vec::new());
    let (outlays, small) = rayon::join(
        || {
            let mut hasher = Sha256::new();
            let bytes = outlays_hashed(model, out, &prefix, Some(&mut hasher));
            (bytes, hex(&hasher.finalize()))
        },
        || {
            let mut small = vec![
                ("by_level.csv", by_level(model, out)),
                ("by_unit.csv", by_unit_with(model, out, capacity.as_ref())),
                ("by_domain.csv", by_domain(model, out)),
                ("equalization.csv", equalization(model, out)),
            ];
            if let Some(a) = &capacity {
                use crate::capacity::tables::*;
                small.push((UNIT_FILE, Ok(unit_table(model, a))));
                small.push((SUMMARY_FILE, Ok(summary_table(model, a))));
            }
            small
                .into_iter()
                .map(|(name, bytes)| {
                    let bytes = style.apply(bytes?);
                    Ok((name.to_owned(), sha(&bytes), bytes))
                })
                .collect::<Vec<_>>()
        },
    );
    let small = small.into_iter().collect::<Result<Vec<_>>>()?;
    let mut files = vec![("outlays.csv".to_owned(), outlays.0)];
    let mut shas = vec![outlays.1];
    for (name, hash, bytes) in small {
        files.push((name, bytes));
        shas.push(hash);
    }
    for (name, bytes) in extra {
        shas.push(sha(&bytes));
        files.push((name, bytes));
    }
    let manifest = Manifest {
        fendan_version: env!("CARGO_PKG_VERSION"),
        scenario: ManifestScenario {
            name: &scenario.name,
            title: &scenario.title,
            file: &scenario.source.name,
            sha256: scenario.source.sha256(),
        },
        plan: model.plan.info(),
        years: [out.years.first, out.years.last],
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
            rows: out.cells.len(),
        },
        outputs: files
            .iter()
            .zip(shas)
            .map(|((n, _), sha256)| ManifestFile {
                name: n.clone(),
                sha256,
            })
            .collect(),
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
    };
    let mut json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    json.push(b'\n');
    files.push(("manifest.json".to_owned(), json));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_print_as_display_and_yuan() {
        let mut f = Figure::default();
        for n in [
            0,
            1,
            -1,
            5,
            -5,
            99,
            100,
            -100,
            101,
            123_456_789,
            -123_456_789,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(f.int(n), n.to_string().as_bytes(), "{n}");
            assert_eq!(f.yuan(n), yuan(n).as_bytes(), "{n}");
        }
    }

    fn baseline() -> (Scenario, Model, Outcome) {
        let scenario = Scenario::baseline();
        let model = crate::load(&scenario.inputs).unwrap();
        let out = crate::run(&model, scenario.years).unwrap();
        (scenario, model, out)
    }

    #[test]
    fn outlays_do_not_depend_on_the_thread_count() {
        let (_, model, out) = baseline();
        let with = |n: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap();
            pool.install(|| outlays(&model, &out))
        };
        let one = with(1);
        assert_eq!(
            one.iter().filter(|b| **b == b'\n').count(),
            out.cells.len() + 1
        );
        assert!(one == with(3));
    }

    #[test]
    fn rendered_outlays_and_their_hash_match_the_table() {
        let (scenario, model, out) = baseline();
        let plain = outlays(&model, &out);
        for style in [CsvStyle::default(), CsvStyle { bom: true }] {
            let files = render_with(&model, &out, &scenario, style).unwrap();
            assert!(files[0].1 == style.apply(plain.clone()));
            let (_, manifest) = files.last().unwrap();
            let manifest: serde_json::Value = serde_json::from_slice(manifest).unwrap();
            for (name, bytes) in &files[..files.len() - 1] {
                let listed = manifest["outputs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["name"] == name.as_str())
                    .unwrap();
                assert_eq!(listed["sha256"], hex(&Sha256::digest(bytes)), "{name}");
            }
        }
    }
}
