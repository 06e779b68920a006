//! `fendan scenarios`: the scenarios compiled into fendan, each with the question it
//! answers; any of them runs by name from any folder (`fendan simulate NAME`).

use fendan::shipped::SHIPPED;

use super::{Outcome, print, print_csv, table};
use crate::cli::Format;

pub fn run(format: Format) -> Outcome {
    let mut rows = Vec::new();
    for s in SHIPPED {
        let sc = s.scenario()?;
        let description = sc
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        rows.push((s, sc.title, description, sc.extends));
    }
    match format {
        Format::Csv => print_csv(
            &["name", "file", "title", "description", "extends"],
            rows.iter().map(|(s, title, description, extends)| {
                [
                    s.name.to_owned(),
                    s.file.to_owned(),
                    title.clone(),
                    description.clone(),
                    extends.join(" "),
                ]
            }),
        ),
        Format::Table => {
            let mut t = table(vec!["name", "question 问题 (title)", "description"]);
            for (s, title, description, _) in &rows {
                t.add_row(vec![s.name.to_owned(), title.clone(), description.clone()]);
            }
            print(&format!(
                "{t}\n{} scenarios shipped inside fendan: run one by name from any folder (`fendan simulate pre_reform_shares`, also in compare, explain, params, `extends:` and a sweep's `base:`); a file or folder of that name where you run comes first. Each file's header in scenarios/ states its policy question and sources.\n",
                rows.len()
            ))
        }
    }
}
