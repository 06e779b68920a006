//! `fendan reconcile`: a run set against actual budget or final-account figures — by
//! unit, year, budget class (and level) — the differences, the classes that explain
//! most of the gap, and what is on one side only. The work is in [`fendan::reconcile`].

use std::io::Write;
use std::path::Path;

use comfy_table::CellAlignment;
use fendan::Error;
use fendan::money::{Scale, grouped};
use fendan::output::{Owner, Protected, Transaction};
use fendan::reconcile::{Dim, Reconciliation, Row, Stage};
use fendan::report::CsvStyle;

use super::{Outcome, print, table};

pub struct Request<'a> {
    pub dir: &'a Path,
    pub actuals: &'a Path,
    pub by: Vec<Dim>,
    pub stage: Option<Stage>,
    /// Matched rows shown on screen, largest gap first.
    pub top: usize,
    pub out: Option<&'a Path>,
    pub scale: Scale,
    pub bom: bool,
    pub xlsx: Option<&'a Path>,
    pub force: bool,
}

pub fn run(req: Request) -> Outcome {
    let actuals = fendan::load::read_actuals(req.actuals)?;
    let mut dims: Vec<Dim> = Dim::ALL
        .into_iter()
        .filter(|d| req.by.contains(d))
        .collect();
    if dims.is_empty() {
        dims = vec![Dim::Year, Dim::Unit, Dim::Class];
    }
    let rec = fendan::reconcile::reconcile(req.dir, &actuals, &dims, req.stage)?;
    // Built before anything is written, so that a failure leaves nothing behind.
    let workbook = match req.xlsx {
        Some(path) => Some((path, workbook(&rec)?)),
        None => None,
    };
    let mut tx = Transaction::new(Protected::new(&rec.files), req.force);
    let mut wrote = String::new();
    let to_stdout = req.out == Some(Path::new("-"));
    let csv = req.out.map(|_| rec.csv(CsvStyle { bom: req.bom }));
    if let (Some(out), Some(csv)) = (req.out, &csv)
        && !to_stdout
    {
        tx.file(out, Owner::ReconcileCsv)?.write_whole(csv)?;
        wrote.push_str(&format!("wrote {}\n", out.display()));
    }
    if let Some((path, bytes)) = &workbook {
        tx.file(path, Owner::Workbook(&title(&rec)))?
            .write_whole(bytes)?;
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
    let mut text = describe(&rec, req.scale);
    text.push_str(&by_class(&rec, req.scale));
    text.push_str(&largest(&rec, req.top, req.scale));
    text.push_str(&wrote);
    print(&text)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// The workbook's title, which also says whose workbook an existing file is.
fn title(rec: &Reconciliation) -> String {
    format!("{} reconciled with {}", rec.scenario, rec.actuals_file)
}

fn shown(scale: Scale, fen: Option<i64>) -> String {
    fen.map(|f| grouped(&scale.format(f))).unwrap_or_default()
}

fn signed(scale: Scale, fen: Option<i64>) -> String {
    let s = shown(scale, fen);
    if fen.is_some_and(|f| f > 0) {
        format!("+{s}")
    } else {
        s
    }
}

fn ratio(r: &Row) -> String {
    r.ratio().map(|x| format!("{x:.4}")).unwrap_or_default()
}

/// What was compared with what, and the totals of the three parts.
fn describe(rec: &Reconciliation, scale: Scale) -> String {
    let total = fendan::reconcile::total(&rec.matched);
    let stage = rec
        .stage
        .map(|s| format!(", {} {} figures", s.zh(), s.key()))
        .unwrap_or_default();
    let by: Vec<&str> = rec.dims.iter().map(|d| d.key()).collect();
    let mut s = format!(
        "run      {} (scenario {}, {}-{})\nactuals  {}{stage}\nactual against modelled by {}, {} ({}):\n",
        rec.run,
        rec.scenario,
        rec.years[0],
        rec.years[1],
        rec.actuals_file,
        by.join(", "),
        scale.zh(),
        scale.en()
    );
    let part = |name: &str, rows: &[Row], what: &str| -> String {
        let t = fendan::reconcile::total(rows);
        let what = match t.modelled.or(t.actual) {
            Some(fen) => format!("  {} {what}", shown(scale, Some(fen))),
            None => String::new(),
        };
        format!(
            "  {name:<12} {:>4} {}{what}\n",
            rows.len(),
            plural(rows.len(), "row")
        )
    };
    s.push_str(&format!(
        "  matched      {:>4} {}  modelled {}, actual {}, actual − modelled {}{}\n",
        rec.matched.len(),
        plural(rec.matched.len(), "row"),
        shown(scale, total.modelled),
        shown(scale, total.actual),
        signed(scale, total.diff()),
        total
            .ratio()
            .map(|x| format!(" (ratio {x:.4})"))
            .unwrap_or_default()
    ));
    s.push_str(&part(
        "model only",
        &rec.model_only,
        "modelled, with no actual figure",
    ));
    s.push_str(&part(
        "actual only",
        &rec.actual_only,
        "actual, with no modelled counterpart",
    ));
    if rec.empty_rows > 0 {
        s.push_str(&format!(
            "  {} {} of the actuals {} no amount and {} left out (not read as 0)\n",
            rec.empty_rows,
            plural(rec.empty_rows, "row"),
            if rec.empty_rows == 1 { "has" } else { "have" },
            if rec.empty_rows == 1 { "was" } else { "were" },
        ));
    }
    if !rec.matched.is_empty()
        && rec.matched.iter().all(|r| r.diff() == Some(0))
        && rec.model_only.is_empty()
        && rec.actual_only.is_empty()
    {
        s.push_str("the actuals and the run are the same to the fen.\n");
    }
    s
}

/// The classes that explain most of the gap, largest |actual − modelled| first.
fn by_class(rec: &Reconciliation, scale: Scale) -> String {
    if rec.by_class.is_empty() {
        return String::new();
    }
    let names = fendan::reconcile::class_names();
    let gap = rec.gap();
    let mut t = table(vec![
        "class",
        "modelled",
        "actual",
        "actual − modelled",
        "ratio",
        "share of gap",
    ]);
    for r in &rec.by_class {
        let class = r.key.class.clone().unwrap_or_default();
        let share = if gap > 0 {
            let p = rust_decimal::Decimal::from(r.diff().unwrap_or(0).abs())
                * rust_decimal::Decimal::ONE_HUNDRED
                / rust_decimal::Decimal::from(gap);
            format!(
                "{:.2} %",
                p.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            )
        } else {
            String::new()
        };
        t.add_row(vec![
            format!("{class} {}", names.get(&class).cloned().unwrap_or_default()),
            shown(scale, r.modelled),
            shown(scale, r.actual),
            signed(scale, r.diff()),
            ratio(r),
            share,
        ]);
    }
    for c in t.column_iter_mut().skip(1) {
        c.set_cell_alignment(CellAlignment::Right);
    }
    format!("classes that explain most of the gap (matched rows):\n{t}\n")
}

/// The `top` matched rows with the largest |actual − modelled|.
fn largest(rec: &Reconciliation, top: usize, scale: Scale) -> String {
    if top == 0 || rec.matched.iter().all(|r| r.diff() == Some(0)) {
        return String::new();
    }
    let names = fendan::reconcile::class_names();
    let mut rows: Vec<&Row> = rec.matched.iter().collect();
    rows.sort_by(|x, y| {
        let g = |r: &Row| r.diff().unwrap_or(0).unsigned_abs();
        g(y).cmp(&g(x)).then_with(|| x.key.cmp(&y.key))
    });
    rows.truncate(top);
    let mut t = table(vec![
        "row",
        "modelled",
        "actual",
        "actual − modelled",
        "ratio",
    ]);
    for r in &rows {
        let k = rec.key_fields(&r.key, &names);
        let label: Vec<&str> = [&k[0], &k[2], &k[3], &k[5]]
            .into_iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        t.add_row(vec![
            label.join(" "),
            shown(scale, r.modelled),
            shown(scale, r.actual),
            signed(scale, r.diff()),
            ratio(r),
        ]);
    }
    for c in t.column_iter_mut().skip(1) {
        c.set_cell_alignment(CellAlignment::Right);
    }
    format!(
        "the {} largest gaps of {} matched rows (every row with --out FILE):\n{t}\n",
        rows.len(),
        rec.matched.len()
    )
}

#[cfg(feature = "xlsx")]
fn workbook(rec: &Reconciliation) -> Result<Vec<u8>, Error> {
    fendan::xlsx::reconcile(rec, &title(rec))
}

#[cfg(not(feature = "xlsx"))]
fn workbook(_: &Reconciliation) -> Result<Vec<u8>, Error> {
    Err(super::compare::without_xlsx())
}
