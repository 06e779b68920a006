//! `fendan params`: every parameter path (or those under a prefix, or matching a text)
//! with its unit, its value in each year of the run and its source or assumption.

use std::path::Path;

use fendan::Error;
use fendan::Years;
use fendan::catalog::params::{self, Entry};

use super::{Outcome, print, scenario_and_model, table};
use crate::cli::Format;

/// Characters of a source or assumption shown in a table cell (CSV has the full text).
const NOTE_CHARS: usize = 72;

fn shorten(text: &str) -> String {
    if text.chars().count() <= NOTE_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(NOTE_CHARS - 1).collect();
    format!("{cut}…")
}

/// The source or assumption of an entry, in one cell.
fn note(e: &Entry) -> String {
    if e.assumption.is_empty() {
        return shorten(&e.source);
    }
    let grade = if e.confidence.is_empty() {
        String::new()
    } else {
        format!(" [{}]", e.confidence)
    };
    shorten(&format!("假设 assumption{grade}: {}", e.assumption))
}

/// The entries as a terminal table: path and meaning, unit, one column per year, note.
pub fn table_of(entries: &[&Entry], years: Years) -> String {
    let mut header = vec!["path 路径".to_owned(), "unit".to_owned()];
    header.extend(years.iter().map(|y| y.to_string()));
    header.push("source or assumption 来源或假设".to_owned());
    let mut t = table(header.iter().map(String::as_str).collect());
    for e in entries {
        let mut row = vec![format!("{}\n{}", e.path, e.label), e.unit.clone()];
        row.extend(e.years.iter().cloned());
        row.push(note(e));
        t.add_row(row);
    }
    format!("{t}\n")
}

pub fn run(
    scenario: Option<&Path>,
    prefix: Option<&str>,
    grep: Option<&str>,
    format: Format,
) -> Outcome {
    let (scenario, model) = scenario_and_model(scenario)?;
    let years = scenario.years;
    let all = params::entries(&model, years);
    let prefix = prefix.unwrap_or("");
    let mut shown = params::under(&all, prefix);
    if shown.is_empty() {
        let known = params::paths_and_prefixes(&all);
        return Err(Error::Usage(format!(
            "no parameter path is `{prefix}` or starts with `{prefix}.`{}; `fendan params` lists them all, `--grep TEXT` finds them by meaning or source",
            fendan::suggest::did_you_mean(prefix, known.iter().map(String::as_str))
        ))
        .into());
    }
    if let Some(text) = grep {
        shown = params::grep(shown, text);
    }
    match format {
        Format::Csv => print(&String::from_utf8_lossy(&params::csv(&shown, years))),
        Format::Table => {
            if shown.is_empty() {
                return print(&format!(
                    "no parameter{} contains `{}` in its path, meaning, source or assumption\n",
                    if prefix.is_empty() {
                        String::new()
                    } else {
                        format!(" under `{prefix}`")
                    },
                    grep.unwrap_or_default()
                ));
            }
            print(&format!(
                "{}{} paths of scenario `{}`, {}-{}: a value per year (a change within the year is shown with its date); `--format csv` gives the full sources and where each is defined\n",
                table_of(&shown, years),
                shown.len(),
                scenario.name,
                years.first,
                years.last
            ))
        }
    }
}
