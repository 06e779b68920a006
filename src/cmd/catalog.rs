//! `fendan catalog`: the services of the plan (Annex 1 of Handan's) as a table or CSV, one
//! row per service, or one row per component with the parameter paths that move its amount
//! (`--by component`).

use std::path::Path;

use fendan::Error;
use fendan::model::DomainId;

use super::{Outcome, print, print_csv, scenario_and_model, table};
use crate::cli::{CatalogRows, Format};

pub fn run(
    scenario: Option<&Path>,
    domain: Option<&str>,
    format: Format,
    by: CatalogRows,
) -> Outcome {
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
    if by == CatalogRows::Component {
        return components(&model, want, format);
    }
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
                "parameters",
            ];
            w.write_record(header)
                .map_err(|e| Error::Usage(e.to_string()))?;
            // Sorted once: each service's own are a run of them.
            let all_paths = model.params.paths();
            for s in services {
                let mut rules: Vec<&str> = s
                    .components
                    .iter()
                    .map(|c| model.rule(c.split).id.as_str())
                    .collect();
                rules.dedup();
                let comps: Vec<&str> = s.components.iter().map(|c| c.id.as_str()).collect();
                let own = format!("services.{}.", s.id);
                let paths: Vec<&str> = all_paths
                    .iter()
                    .copied()
                    .filter(|p| p.starts_with(&own))
                    .collect();
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
                    &paths.join(";"),
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

/// One row per component: its service, names, cohort, split rule and every parameter
/// path that moves its amount (see [`fendan::catalog::components`]).
fn components(model: &fendan::Model, want: Option<DomainId>, format: Format) -> Outcome {
    let rows = fendan::catalog::components(model, |d| want.is_none_or(|w| w == d));
    match format {
        Format::Csv => print_csv(
            &[
                "service_id",
                "domain",
                "service_name_zh",
                "component",
                "name_zh",
                "name_en",
                "cohort",
                "split_rule",
                "parameters",
            ],
            rows.iter().map(|r| {
                [
                    r.service.to_string(),
                    model.plan.domain(r.domain).id.clone(),
                    r.service_zh.clone(),
                    r.component.clone(),
                    r.name_zh.clone(),
                    r.name_en.clone(),
                    r.cohort.clone(),
                    r.split_rule.clone(),
                    r.paths.join(";"),
                ]
            }),
        ),
        Format::Table => {
            let mut t = table(vec![
                "序号",
                "component",
                "名称 name",
                "cohort",
                "split rule",
                "parameter paths 参数路径",
            ]);
            for r in &rows {
                t.add_row(vec![
                    r.service.to_string(),
                    r.component.clone(),
                    format!("{}\n{}", r.name_zh, r.name_en),
                    r.cohort.clone(),
                    r.split_rule.clone(),
                    r.paths.join("\n"),
                ]);
            }
            print(&format!(
                "{t}\n{} components; `fendan params PREFIX` shows the values behind a path\n",
                rows.len()
            ))
        }
    }
}
