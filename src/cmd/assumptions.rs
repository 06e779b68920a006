//! `fendan assumptions`: every figure that is not from the plan or a cited document,
//! with its basis, so that a reviewer can see exactly what rests on our judgement.

use std::path::Path;

use fendan::Error;

use super::{Outcome, print, scenario_and_model, table};
use crate::cli::Format;

pub fn run(scenario: Option<&Path>, format: Format) -> Outcome {
    let (_, model) = scenario_and_model(scenario)?;
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (_, p) in model.params.iter() {
        for (date, value) in &p.values {
            if let Some(basis) = p.assumption_at(*date) {
                rows.push([
                    p.path.clone(),
                    date.to_string(),
                    value.normalize().to_string(),
                    p.unit.name().to_owned(),
                    basis.split_whitespace().collect::<Vec<_>>().join(" "),
                    format!("{}:{}", p.origin.file, p.origin.line),
                ]);
            }
        }
    }
    for u in model.units.iter().filter(|u| u.fiscal_class_assumed) {
        rows.push([
            format!("units.{}.fiscal_class", u.code),
            String::new(),
            u.fiscal_class.key().to_owned(),
            "class".to_owned(),
            format!("{} ({}): which Handan counties are 省直管县 is not published; the class follows the unit's kind", u.name_zh, u.name_en),
            "seeds/units.csv".to_owned(),
        ]);
    }
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let werr = |e: csv::Error| Error::Usage(e.to_string());
            w.write_record(["path", "from", "value", "unit", "basis", "defined_at"])
                .map_err(werr)?;
            for r in &rows {
                w.write_record(r).map_err(werr)?;
            }
            let bytes = w.into_inner().map_err(|e| Error::Usage(e.to_string()))?;
            print(&String::from_utf8_lossy(&bytes))
        }
        Format::Table => {
            let mut t = table(vec!["parameter", "from", "value", "unit", "basis"]);
            for r in &rows {
                t.add_row(vec![
                    r[0].clone(),
                    r[1].clone(),
                    r[2].clone(),
                    r[3].clone(),
                    r[4].clone(),
                ]);
            }
            print(&format!("{t}\n{} assumed figures.\n", rows.len()))
        }
    }
}
