//! `fendan compare`: two runs side by side — B − A along the breakdown asked for, the
//! largest changes first with `--top`, and how the runs' inputs differ.

use std::path::Path;

use comfy_table::{CellAlignment, ColumnConstraint};
use fendan::Error;
use fendan::compare::{self, Comparison, Difference, Dim, KeyPart, Row, Run};
use fendan::money::Scale;
use fendan::report::CsvStyle;

use super::{Outcome, print, table};

pub struct Request<'a> {
    pub a: &'a Path,
    pub b: &'a Path,
    pub by: Vec<Dim>,
    pub top: Option<usize>,
    pub out: Option<&'a Path>,
    pub scale: Scale,
    pub bom: bool,
    pub xlsx: Option<&'a Path>,
}

/// Parameters listed on screen before the rest are only counted.
const SHOWN: usize = 20;

pub fn run(req: Request) -> Outcome {
    let (a, b) = rayon::join(|| Run::open(req.a), || Run::open(req.b));
    let cmp = Comparison::new(a?, b?)?;
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
    let mut wrote = String::new();
    if let Some(out) = req.out {
        let csv = cmp.csv(&dims, &rows, &total, CsvStyle { bom: req.bom });
        fendan::output::write_file_atomically(out, &csv)?;
        wrote.push_str(&format!("wrote {}\n", out.display()));
    }
    if let Some((path, bytes)) = &workbook {
        fendan::output::write_file_atomically(path, bytes)?;
        wrote.push_str(&format!("wrote the workbook {}\n", path.display()));
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

fn signed(scale: Scale, fen: i64) -> String {
    let s = scale.format(fen);
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
            scale.format(r.a),
            scale.format(r.b),
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
                KeyPart::Domain(d) => d.key().to_owned(),
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
        "B − A by {}, {} ({}):\n{t}\n",
        by.join(", "),
        scale.zh(),
        scale.en()
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
