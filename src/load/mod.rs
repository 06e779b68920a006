//! Reading and checking the inputs.
//!
//! The seeds ship inside the binary; a scenario may replace any file with its own.
//! Each file is parsed into "raw" structs that keep the location of every field, then
//! checked and resolved into the typed [`Model`]. Every error names the file, the line
//! and column (or CSV row), what was found and what was expected — a finance bureau
//! replacing our cohorts with its own statistics must be able to fix its file from the
//! message alone.
//!
//! * `inputs`: the input files of a run, and the seeds embedded in the binary.
//! * `compiled`: the embedded seeds already loaded and checked, in a binary form that
//!   loads in well under a millisecond (used when no seed is replaced).
//! * `yaml` and `table`: YAML and CSV parsing with every error located.
//! * one file per input kind: `units`, `cohorts`, `splits`, `services`, `counts`,
//!   `fiscal` (fiscal figures and the capacity threshold), `actuals` (what `reconcile`
//!   compares a run with).

mod actuals;
mod cohorts;
pub mod compiled;
mod counts;
mod fiscal;
mod inputs;
mod plan;
mod services;
mod splits;
mod table;
mod units;
mod yaml;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::params::ParamTree;
use crate::suggest::did_you_mean;
pub use actuals::read_actuals;
use cohorts::{RawCohort, RawCohortsFile, build_cohorts};
use counts::{apply_partial, load_counts};
pub use inputs::{Inputs, Source, tidy};
pub use plan::load_plan;
use services::{RawServicesFile, build_service, check_service_ids};
use splits::load_splits;
use units::{load_budget_classes, load_units};
pub use yaml::parse_yaml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicatorsFile {
    indicators: Vec<Indicator>,
}

/// The larger YAML files of a package, parsed but not checked.
struct Parsed {
    cohorts: Result<RawCohortsFile>,
    services: Vec<Result<RawServicesFile>>,
    splits: Result<splits::RawSplitsFile>,
    sources: Result<crate::sources::RawBibliography>,
    indicators: Result<RawIndicatorsFile>,
}

/// Parse the larger YAML files side by side, on the current thread pool: parsing is most
/// of the time a load takes (each file alone is parsed on one thread). A file's errors
/// wait in its slot, and [`load`] reports them in its own order, so which error a package
/// with several gets does not depend on the threads.
fn parse_all(inputs: &Inputs) -> Parsed {
    let mut services: Vec<Option<Result<RawServicesFile>>> =
        inputs.services.iter().map(|_| None).collect();
    let (mut cohorts, mut splits, mut sources, mut indicators) = (None, None, None, None);
    rayon::scope(|s| {
        for (slot, src) in services.iter_mut().zip(&inputs.services) {
            s.spawn(move |_| *slot = Some(parse_yaml(src)));
        }
        s.spawn(|_| cohorts = Some(parse_yaml(&inputs.cohorts)));
        s.spawn(|_| splits = Some(parse_yaml(&inputs.splits)));
        s.spawn(|_| sources = Some(parse_yaml(&inputs.sources)));
        s.spawn(|_| indicators = Some(parse_yaml(&inputs.indicators)));
    });
    let done = "every file is parsed when the scope ends";
    Parsed {
        cohorts: cohorts.expect(done),
        services: services.into_iter().map(|s| s.expect(done)).collect(),
        splits: splits.expect(done),
        sources: sources.expect(done),
        indicators: indicators.expect(done),
    }
}

/// Load every input, check it, and resolve it into a [`Model`]. The embedded seeds,
/// none replaced, come from the compiled plan when the binary carries it.
pub fn load(inputs: &Inputs) -> Result<Model> {
    if inputs.is_embedded()
        && let Some(model) = compiled::embedded()
    {
        return Ok(model);
    }
    load_text(inputs)
}

/// Load every input from its text, with every check and located error.
fn load_text(inputs: &Inputs) -> Result<Model> {
    let mut params = ParamTree::default();
    let (parsed, first) = rayon::join(
        || parse_all(inputs),
        || -> Result<_> {
            let plan = load_plan(&inputs.plan)?;
            let units = load_units(&inputs.units, &plan)?;
            Ok((plan, units, load_budget_classes(&inputs.budget_classes)?))
        },
    );
    let (plan, units, budget_classes) = first?;

    // Cohorts: the shared file, then each domain file's own.
    let mut raw_cohorts: Vec<(&Source, String, Spanned<RawCohort>)> = Vec::new();
    let shared = parsed.cohorts?;
    raw_cohorts.extend(
        shared
            .cohorts
            .into_iter()
            .map(|(k, v)| (&inputs.cohorts, k, v)),
    );
    let mut service_files = Vec::new();
    for (src, file) in inputs.services.iter().zip(parsed.services) {
        let file = file?;
        raw_cohorts.extend(file.cohorts.into_iter().map(|(k, v)| (src, k, v)));
        service_files.push((src, file.services));
    }
    check_service_ids(&service_files)?;
    let cohorts = build_cohorts(&raw_cohorts, &mut params)?;

    let rules = load_splits(&inputs.splits, parsed.splits?, &plan, &mut params)?;
    let mut services = Vec::new();
    for (src, raw) in service_files {
        for s in raw {
            services.push(build_service(
                src,
                s,
                &plan,
                &cohorts,
                &rules,
                &budget_classes,
                &mut params,
            )?);
        }
    }
    services.sort_by_key(|s| s.id);
    check_service_links(&services, &units)?;

    let indicators = parsed.indicators?;
    let mut counts = load_counts(&inputs.cohort_counts, &units, &cohorts)?;
    for c in &cohorts {
        if c.derived.is_none()
            && !counts
                .rows
                .contains_key(&CohortId(index_of(&cohorts, &c.id) as u32))
        {
            return Err(Error::input(
                c.origin.clone(),
                format!(
                    "the cohort `{}` has no rows in {} and no `derived:` rule; add its headcounts or say how to derive it",
                    c.id, inputs.cohort_counts.name
                ),
            ));
        }
    }
    for partial in &inputs.partial_counts {
        apply_partial(partial, &mut counts, &units, &cohorts)?;
    }
    let bibliography = crate::sources::Bibliography::check_raw(&inputs.sources, parsed.sources?)?;
    fiscal::load_capacity(&inputs.capacity, &mut params)?;
    let fiscal = match &inputs.fiscal {
        Some(src) => Some(fiscal::load_fiscal(src, &units, &bibliography)?),
        None => None,
    };
    let inputs_list = inputs
        .all()
        .into_iter()
        .map(|s| InputFile {
            name: s.name.clone(),
            sha256: s.sha256(),
        })
        .collect();
    let population = cohorts
        .iter()
        .position(|c| c.id == plan.population)
        .map(|i| CohortId(i as u32))
        .ok_or_else(|| {
            Error::input(
                plan.population_at.clone(),
                format!(
                    "the plan's population cohort is `{}`, which is not a cohort{}",
                    plan.population,
                    did_you_mean(&plan.population, cohorts.iter().map(|c| c.id.as_str()))
                ),
            )
        })?;
    let model = Model {
        plan,
        population,
        params,
        units,
        cohorts,
        rules,
        services,
        indicators: indicators.indicators,
        budget_classes,
        counts,
        inputs: inputs_list,
        bibliography,
        fiscal,
    };
    crate::sources::check_model(&model, inputs)?;
    Ok(model)
}

/// A service's `overlap:` names another service of the plan, and a component limited to
/// some units names units of the units file.
fn check_service_links(services: &[Service], units: &[Unit]) -> Result<()> {
    for s in services {
        if let Some(o) = &s.overlap
            && (o.service == s.id || !services.iter().any(|x| x.id == o.service))
        {
            return Err(Error::input(
                s.origin.clone(),
                format!(
                    "service {} says it overlaps service {}, which is {}",
                    s.id,
                    o.service,
                    if o.service == s.id {
                        "itself"
                    } else {
                        "not in the plan"
                    }
                ),
            ));
        }
        for c in &s.components {
            if let Some(code) = c
                .eligible
                .units
                .iter()
                .find(|code| !units.iter().any(|u| &u.code == *code))
            {
                return Err(Error::input(
                    c.origin.clone(),
                    format!(
                        "the component `{}` of service {} is limited to unit `{code}`, which is not in the units file{}",
                        c.id,
                        s.id,
                        did_you_mean(code, units.iter().map(|u| u.code.as_str()))
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn index_of(cohorts: &[Cohort], id: &str) -> usize {
    cohorts
        .iter()
        .position(|c| c.id == id)
        .unwrap_or(usize::MAX)
}

/// Check that every parameter and data cohort covers the simulated years.
pub fn check_years(model: &Model, first: i32, last: i32) -> Result<()> {
    if first > last {
        return Err(Error::Usage(format!(
            "the first year {first} is after the last year {last}"
        )));
    }
    let start = Date::first_of(first, 1);
    for (_, p) in model.params.iter() {
        let first_date = p
            .values
            .first()
            .map(|v| v.0)
            .unwrap_or(Date::new(9999, 1, 1));
        let covered = if p.interpolate {
            first_date.year <= first
        } else {
            first_date <= start
        };
        if !covered {
            return Err(Error::input(
                p.origin.clone(),
                format!(
                    "`{}` starts on {first_date}, so it has no value for {start}; the run covers {first}-{last}, so give a value dated on or before {start}",
                    p.path
                ),
            ));
        }
    }
    if !model.counts.rows.is_empty() {
        for y in first..=last {
            if !model.counts.years.contains(&y) {
                return Err(Error::input(
                    Location::file(&model.counts.file),
                    format!(
                        "the cohort counts have no rows for {y}; the run covers {first}-{last}"
                    ),
                ));
            }
        }
    }
    Ok(())
}
