//! `fendan sources`: the bibliography — every document the inputs cite, how it was read,
//! what was taken from it and how many parameters (and other inputs) cite it.

use std::path::Path;

use fendan::Error;

use super::{Outcome, print, scenario_and_model, table};
use crate::cli::Format;

pub fn run(scenario: Option<&Path>, format: Format) -> Outcome {
    let (_, model) = scenario_and_model(scenario)?;
    let usage = fendan::sources::usage(&model);
    let count = |id: &str| usage.get(id).copied().unwrap_or_default();
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let werr = |e: csv::Error| Error::Usage(e.to_string());
            w.write_record([
                "id",
                "title",
                "number",
                "issuer",
                "date",
                "published",
                "via",
                "read",
                "taken",
                "parameters",
                "other_uses",
            ])
            .map_err(werr)?;
            for e in &model.bibliography.entries {
                let (p, o) = count(&e.id);
                w.write_record([
                    e.id.as_str(),
                    &e.title,
                    e.number.as_deref().unwrap_or(""),
                    &e.issuer,
                    &e.date,
                    &e.published,
                    e.via.as_deref().unwrap_or(""),
                    e.read.key(),
                    &e.taken.split_whitespace().collect::<Vec<_>>().join(" "),
                    &p.to_string(),
                    &o.to_string(),
                ])
                .map_err(werr)?;
            }
            let bytes = w.into_inner().map_err(|e| Error::Usage(e.to_string()))?;
            print(&String::from_utf8_lossy(&bytes))
        }
        Format::Table => {
            let mut t = table(vec![
                "id", "document", "文号", "issuer", "date", "read", "params", "other",
            ]);
            for e in &model.bibliography.entries {
                let (p, o) = count(&e.id);
                t.add_row(vec![
                    e.id.clone(),
                    e.title.clone(),
                    e.number.clone().unwrap_or_default(),
                    e.issuer.clone(),
                    e.date.clone(),
                    e.read.key().to_owned(),
                    p.to_string(),
                    o.to_string(),
                ]);
            }
            let unused = model
                .bibliography
                .entries
                .iter()
                .filter(|e| count(&e.id) == (0, 0))
                .count();
            print(&format!(
                "{t}\n{} documents; {unused} not cited by any input. `fendan explain --param PATH` prints the full citation of a figure; `--format csv` adds where each was published and what was taken from it.\n",
                model.bibliography.entries.len()
            ))
        }
    }
}
