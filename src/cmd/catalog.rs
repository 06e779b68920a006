//! `fendan catalog`: the services of the plan (Annex 1 of Handan's) as a table or CSV,
//! one row per service.

use std::path::Path;

use fendan::Error;

use super::{Outcome, print, scenario_and_model, table};
use crate::cli::Format;

pub fn run(scenario: Option<&Path>, domain: Option<&str>, format: Format) -> Outcome {
    let (_, model) = scenario_and_model(scenario)?;
    let want = match domain {
        None => None,
        Some(d) => Some(model.plan.parse_domain(d).ok_or_else(|| {
            let names: Vec<&str> = model.plan.domains.iter().map(|d| d.id.as_str()).collect();
            Error::Usage(format!(
                "`{d}` is not a domain; use one of {}",
                names.join(", ")
            ))
        })?),
    };
    let services: Vec<_> = model
        .services
        .iter()
        .filter(|s| want.is_none_or(|d| s.domain == d))
        .collect();
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let header = [
                "id",
                "domain",
                "name_zh",
                "name_en",
                "beneficiaries_zh",
                "beneficiaries_en",
                "components",
                "split_rules",
                "budget_class",
                "lead",
                "responsibility_zh",
                "responsibility_en",
                "source",
            ];
            w.write_record(header)
                .map_err(|e| Error::Usage(e.to_string()))?;
            for s in services {
                let mut rules: Vec<&str> = s
                    .components
                    .iter()
                    .map(|c| model.rule(c.split).id.as_str())
                    .collect();
                rules.dedup();
                let comps: Vec<&str> = s.components.iter().map(|c| c.id.as_str()).collect();
                w.write_record([
                    s.id.to_string().as_str(),
                    model.plan.domain(s.domain).id.as_str(),
                    &s.name.zh,
                    &s.name.en,
                    &s.beneficiaries.zh,
                    &s.beneficiaries.en,
                    &comps.join(";"),
                    &rules.join(";"),
                    &s.budget_class,
                    &s.lead.join("、"),
                    &s.responsibility.zh,
                    &s.responsibility.en,
                    &s.source,
                ])
                .map_err(|e| Error::Usage(e.to_string()))?;
            }
            let bytes = w.into_inner().map_err(|e| Error::Usage(e.to_string()))?;
            print(&String::from_utf8_lossy(&bytes))
        }
        Format::Table => {
            let mut t = table(vec![
                "序号",
                "domain",
                "服务项目",
                "service",
                "components",
                "budget",
            ]);
            for s in services {
                t.add_row(vec![
                    s.id.to_string(),
                    model.plan.domain(s.domain).id.clone(),
                    s.name.zh.clone(),
                    s.name.en.clone(),
                    s.components.len().to_string(),
                    format!(
                        "{} {}",
                        s.budget_class,
                        model.budget_class_name(&s.budget_class)
                    ),
                ]);
            }
            print(&format!("{t}\n"))
        }
    }
}
