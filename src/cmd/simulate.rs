//! `fendan simulate`: run a scenario, write its tables atomically, print a summary.

use std::path::{Path, PathBuf};

use fendan::Error;
use fendan::model::Level;
use fendan::money::Scale;
use fendan::output::{Owner, Protected, Transaction};
use fendan::report::CsvStyle;

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

pub fn run(
    scenario: Option<&Path>,
    out: Option<&Path>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
    excel: Excel,
) -> Outcome {
    let (scenario, model) = scenario_and_model(scenario)?;
    let pool = super::pool(threads)?;
    // Both the projection and the rendering run on the requested number of threads.
    let (outcome, files) = pool.install(|| -> fendan::Result<_> {
        let outcome = fendan::run(&model, scenario.years)?;
        let files =
            fendan::report::render_with(&model, &outcome, &scenario, CsvStyle { bom: excel.bom })?;
        Ok((outcome, files))
    })?;
    // Built before anything is written, so that a failure leaves nothing behind.
    let workbook = match excel.xlsx {
        Some(path) => Some((path, workbook(&model, &scenario, &files, &excel)?)),
        None => None,
    };
    let dir: PathBuf = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    // The folder and the workbook are put in place together, or neither is.
    let mut tx = Transaction::new(Protected::new(&scenario.files), force);
    let folder = tx.folder(&dir, Owner::Scenario(&scenario.name))?;
    let book_title = format!("{} — ", scenario.name);
    let book = match &workbook {
        Some((path, _)) => Some(tx.file(path, Owner::Workbook(&book_title))?),
        None => None,
    };
    pool.install(|| folder.write_files(&files))?;
    if let (Some(s), Some((_, bytes))) = (&book, &workbook) {
        s.write_whole(bytes)?;
    }
    tx.commit()?;
    if quiet {
        return Ok(());
    }
    let mut header = vec!["year"];
    header.extend(Level::ALL.iter().map(|l| l.key()));
    header.push("total");
    let mut t = table(header);
    for (y, l) in fendan::report::level_totals(&outcome) {
        let mut row = vec![y.to_string()];
        row.extend(l.iter().map(|f| excel.scale.format(*f)));
        row.push(excel.scale.format(l.iter().sum()));
        t.add_row(row);
    }
    let xlsx = workbook
        .map(|(p, _)| format!("wrote the workbook {}\n", p.display()))
        .unwrap_or_default();
    let capacity = match fendan::capacity::assess(&model, &outcome, scenario.capacity)? {
        Some(a) => capacity_text(&model, &a, excel.scale),
        None => String::new(),
    };
    print(&format!(
        "{} — {}\noutlays by level, {} ({}):\n{t}\n{capacity}wrote {} files to {}\n{xlsx}",
        scenario.name,
        scenario.title,
        excel.scale.zh(),
        excel.scale.en(),
        files.len(),
        dir.display()
    ))
}

/// What `simulate` prints about capacity: each year with revenue figures, then the units
/// above the threshold in the last such year, largest need first.
fn capacity_text(model: &fendan::Model, a: &fendan::capacity::Assessment, scale: Scale) -> String {
    use fendan::capacity::Rule;
    let pct = |x: rust_decimal::Decimal| {
        let p = (x * rust_decimal::Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        format!("{p:.2} %")
    };
    let rule = match a.rule {
        Rule::Fixed => {
            "threshold: capacity.threshold of own revenue (an assumption, see seeds/capacity.yaml)"
                .to_owned()
        }
        Rule::CityMedian => "threshold: each year's city median of the burden share".to_owned(),
    };
    let mut s = format!(
        "capacity: the county level's outlay against its own general-budget revenue (一般公共预算收入); {rule}:\n"
    );
    let with_data: Vec<_> = a.years.iter().filter(|(_, m)| m.with_revenue > 0).collect();
    let without: Vec<String> = a
        .years
        .iter()
        .filter(|(_, m)| m.with_revenue == 0)
        .map(|(y, _)| y.to_string())
        .collect();
    let amount = |fen: Option<i64>| fen.map(|f| scale.format(f)).unwrap_or_default();
    if !with_data.is_empty() {
        let need = format!("transfer need {}", scale.zh());
        let mut t = table(vec![
            "year",
            "units with revenue",
            "above",
            "threshold",
            "outlay ÷ revenue",
            &need,
        ]);
        for (y, m) in &with_data {
            t.add_row(vec![
                y.to_string(),
                format!("{} of {}", m.with_revenue, m.units.len()),
                m.above.to_string(),
                m.threshold.map(pct).unwrap_or_default(),
                m.share().map(pct).unwrap_or_default(),
                amount(m.need),
            ]);
        }
        s.push_str(&format!("{t}\n"));
    }
    if !without.is_empty() {
        s.push_str(&format!(
            "no own-revenue figure for any unit in {}: nothing can be said for those years\n",
            without.join(", ")
        ));
    }
    if let Some((y, m)) = with_data.last() {
        let mut above: Vec<(usize, &fendan::capacity::UnitMeasure)> = m
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.above() == Some(true))
            .collect();
        above.sort_by(|x, z| z.1.need.cmp(&x.1.need).then(x.0.cmp(&z.0)));
        if !above.is_empty() {
            let ceiling = format!("ceiling {}", scale.zh());
            let need = format!("need {}", scale.zh());
            let mut t = table(vec!["unit", "outlay ÷ revenue", &ceiling, &need]);
            for (u, x) in above {
                let unit = &model.units[u];
                t.add_row(vec![
                    format!("{} {}", unit.code, unit.name_zh),
                    x.share.map(pct).unwrap_or_else(|| "(revenue 0)".to_owned()),
                    amount(x.ceiling),
                    amount(x.need),
                ]);
            }
            s.push_str(&format!(
                "units above the threshold in {y}, largest need first:\n{t}\n"
            ));
        }
        let missing: Vec<String> = m
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.revenue.is_none())
            .map(|(u, _)| format!("{} {}", model.units[u].code, model.units[u].name_zh))
            .collect();
        if !missing.is_empty() {
            s.push_str(&format!(
                "no own-revenue figure in {y} (measures left empty): {}\n",
                missing.join(", ")
            ));
        }
    }
    if a.illustrative {
        let file = model.fiscal.as_ref().map(|f| f.file.as_str()).unwrap_or("");
        s.push_str(&format!(
            "ILLUSTRATIVE 示例数据: fiscal figures of {file} are made up for an example (source `illustrative`), not data; so are the capacity figures above\n"
        ));
    }
    s
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
