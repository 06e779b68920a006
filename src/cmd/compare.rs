//! `fendan compare`: two runs side by side — B − A along the breakdown asked for, the
//! largest changes first with `--top`, over all years or those of `--year`/`--years`,
//! and how the runs' inputs differ. Every header says which years its totals cover.

use std::io::Write;
use std::path::Path;

use comfy_table::{CellAlignment, ColumnConstraint};
use fendan::Error;
use fendan::Years;
use fendan::compare::{self, Comparison, Difference, Dim, KeyPart, Row, Run};
use fendan::money::{Scale, grouped};
use fendan::output::{Owner, Protected, Transaction};
use fendan::report::CsvStyle;

use super::{Outcome, print, table};

pub struct Request<'a> {
    pub a: &'a Path,
    pub b: &'a Path,
    pub by: Vec<Dim>,
    pub top: Option<usize>,
    pub out: Option<&'a Path>,
    /// Only these years (`--year`, `--years`).
    pub years: Option<Years>,
    pub scale: Scale,
    pub bom: bool,
    pub xlsx: Option<&'a Path>,
    pub force: bool,
}

/// The years of `--year Y` or `--years A-B` (or `--years Y`).
pub fn years(year: Option<i32>, years: Option<&str>) -> Result<Option<Years>, Error> {
    if let Some(y) = year {
        return Ok(Some(Years { first: y, last: y }));
    }
    let Some(text) = years else { return Ok(None) };
    let bad = || {
        Error::Usage(format!(
            "--years wants the first and last year, e.g. `--years 2019-2020`; `{text}` is not that"
        ))
    };
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let first: i32 = a.trim().parse().map_err(|_| bad())?;
    let last: i32 = b.trim().parse().map_err(|_| bad())?;
    if first > last {
        return Err(Error::Usage(format!(
            "--years {text}: the first year comes first, e.g. `--years {last}-{first}`"
        )));
    }
    Ok(Some(Years { first, last }))
}

/// Parameters listed on screen before the rest are only counted.
const SHOWN: usize = 20;

pub fn run(req: Request) -> Outcome {
    let both = if req.a == req.b { 1 } else { 2 };
    for path in [req.a, req.b].into_iter().take(both) {
        let what = if path.is_dir() {
            "output folder"
        } else {
            "file"
        };
        if let Some(note) = fendan::shipped::ambiguity(path, what) {
            let _ = writeln!(std::io::stderr(), "note: {note}");
        }
    }
    let (a, b) = rayon::join(|| Run::open(req.a), || Run::open(req.b));
    let mut cmp = Comparison::new(a?, b?)?;
    if let Some(years) = req.years {
        cmp = cmp.only_years(years)?;
    }
    let mut dims: Vec<Dim> = Vec::new();
    for d in req.by {
        if !dims.contains(&d) {
            dims.push(d);
        }
    }
    if dims.is_empty() {
        dims = vec![Dim::Year, Dim::Level];
    }
    let all = cmp.rows(&dims)?;
    let total = compare::total(&all)?;
    let count = all.len();
    let rows = match req.top {
        Some(n) => compare::top(all, n),
        None => all,
    };
    // Built before anything is written, so that a failure leaves nothing behind.
    let workbook = match req.xlsx {
        Some(path) => Some((path, workbook(&cmp, &dims, &rows, &total)?)),
        None => None,
    };
    // The CSV file and the workbook are put in place together, or neither is; neither
    // may replace a file of either run.
    let inputs = cmp.a.files.iter().chain(&cmp.b.files);
    let mut tx = Transaction::new(Protected::new(inputs), req.force);
    let mut wrote = String::new();
    let to_stdout = req.out == Some(Path::new("-"));
    let csv = req
        .out
        .map(|_| cmp.csv(&dims, &rows, &total, CsvStyle { bom: req.bom }));
    if let (Some(out), Some(csv)) = (req.out, &csv)
        && !to_stdout
    {
        tx.file(out, Owner::CompareCsv)?.write_whole(csv)?;
        wrote.push_str(&format!("wrote {}\n", out.display()));
    }
    if let Some((path, bytes)) = &workbook {
        let title = format!("{} vs {}", cmp.a.scenario, cmp.b.scenario);
        tx.file(path, Owner::Workbook(&title))?.write_whole(bytes)?;
        wrote.push_str(&format!("wrote the workbook {}\n", path.display()));
    }
    tx.commit()?;
    if let (true, Some(csv)) = (to_stdout, &csv) {
        // Standard output carries the CSV alone, for a pipe; the rest goes to stderr.
        eprint!("{wrote}");
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(csv)?;
        stdout.flush()?;
        return Ok(());
    }
    let mut text = describe(&cmp);
    text.push_str(&render_table(&cmp, &dims, &rows, &total, req.scale));
    if let Some(n) = req.top {
        text.push_str(&format!(
            "the {} largest of {count} rows by |B − A|; the total is of all {count}.\n",
            n.min(count)
        ));
    }
    if cmp.a.amounts == cmp.b.amounts {
        text.push_str("A and B are the same to the fen.\n");
    }
    text.push_str(&input_summary(&cmp));
    text.push_str(&wrote);
    print(&text)
}

/// Which run is A and which is B.
fn describe(cmp: &Comparison) -> String {
    let one = |side: &str, r: &Run| {
        let extends = if r.extends.is_empty() {
            String::new()
        } else {
            format!(", extends {}", r.extends.join(" → "))
        };
        format!("{side}  {} ({}{extends})\n", r.scenario, r.label)
    };
    one("A", &cmp.a) + &one("B", &cmp.b)
}

/// Whole fen in `scale`, with thousands separators: `7,447,670.30`.
fn shown(scale: Scale, fen: i64) -> String {
    grouped(&scale.format(fen))
}

fn signed(scale: Scale, fen: i64) -> String {
    let s = shown(scale, fen);
    if fen > 0 { format!("+{s}") } else { s }
}

fn render_table(cmp: &Comparison, dims: &[Dim], rows: &[Row], total: &Row, scale: Scale) -> String {
    let mut header: Vec<&str> = dims.iter().map(|d| d.key()).collect();
    let keys = header.len();
    header.extend(["A", "B", "B − A", "%"]);
    let mut t = table(header);
    t.set_width(80);
    let amounts = |r: &Row| {
        [
            shown(scale, r.a),
            shown(scale, r.b),
            signed(scale, r.diff()),
            r.pct_text(),
        ]
    };
    for r in rows {
        let mut cells: Vec<String> = r
            .key
            .iter()
            .map(|k| match k {
                KeyPart::Level(l) => l.key().to_owned(),
                KeyPart::Year(y) => y.to_string(),
                KeyPart::Unit(u) => cmp.a.units[*u].1.clone(),
                KeyPart::Domain(d) => cmp.domain(*d).0.to_owned(),
                KeyPart::Service(id) => format!("{id} {}", cmp.service_name(*id)),
            })
            .collect();
        cells.extend(amounts(r));
        t.add_row(cells);
    }
    let mut cells = vec![String::new(); keys];
    cells[0] = "total".to_owned();
    cells.extend(amounts(total));
    t.add_row(cells);
    for c in t.column_iter_mut().skip(keys) {
        // Numbers are never wrapped: the key columns give way.
        c.set_cell_alignment(CellAlignment::Right);
        c.set_constraint(ColumnConstraint::ContentWidth);
    }
    let by: Vec<&str> = dims.iter().map(|d| d.key()).collect();
    format!(
        "B − A by {}, {} ({}), totals over {}:\n{t}\n",
        by.join(", "),
        scale.zh(),
        scale.en(),
        cmp.years_text()
    )
}

fn input_summary(cmp: &Comparison) -> String {
    let diff = cmp.inputs();
    let mut s = String::from("inputs that differ (from the manifests):\n");
    let short = |v: &Option<String>| match v {
        Some(sha) => sha.chars().take(12).collect(),
        None => "(none)".to_owned(),
    };
    if diff.files.is_empty() {
        s.push_str("  files: none\n");
    } else {
        s.push_str(&format!("  files ({}):\n", diff.files.len()));
        for Difference { item, a, b } in &diff.files {
            s.push_str(&format!("    {item}  A {}  B {}\n", short(a), short(b)));
        }
    }
    if diff.parameters.is_empty() {
        s.push_str("  parameters: none\n");
    } else {
        s.push_str(&format!("  parameters ({}):\n", diff.parameters.len()));
        let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
        for Difference { item, a, b } in diff.parameters.iter().take(SHOWN) {
            s.push_str(&format!(
                "    {item}\n      A {}\n      B {}\n",
                value(a),
                value(b)
            ));
        }
        if diff.parameters.len() > SHOWN {
            s.push_str(&format!(
                "    … and {} more (all of them in the --xlsx workbook)\n",
                diff.parameters.len() - SHOWN
            ));
        }
    }
    s
}

#[cfg(feature = "xlsx")]
fn workbook(cmp: &Comparison, dims: &[Dim], rows: &[Row], total: &Row) -> Result<Vec<u8>, Error> {
    fendan::xlsx::compare(cmp, dims, rows, total)
}

#[cfg(not(feature = "xlsx"))]
fn workbook(_: &Comparison, _: &[Dim], _: &[Row], _: &Row) -> Result<Vec<u8>, Error> {
    Err(without_xlsx())
}

/// The error for `--xlsx` in a build without the `xlsx` feature.
#[cfg_attr(feature = "xlsx", allow(dead_code))]
pub fn without_xlsx() -> Error {
    Error::Usage(
        "this fendan was built without Excel support; rebuild it with `cargo build --release --features xlsx`, or use --bom for CSV files that Excel opens".into(),
    )
}
