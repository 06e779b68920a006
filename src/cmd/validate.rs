//! `fendan validate`: load and check every input, then say what was loaded.

use std::path::Path;

use super::{Outcome, print, scenario_and_model};

pub fn run(scenario: Option<&Path>) -> Outcome {
    let (scenario, model) = scenario_and_model(scenario)?;
    let years = scenario.years;
    // Compute every cell (a few milliseconds for a city; a chunk at a time, so memory
    // stays flat for a nation), so that a parameter that cannot be evaluated or an
    // amount too large to hold is reported now rather than by `simulate`.
    let prepared = fendan::engine::prepare(&model, years)?;
    if let Some(e) = prepared.failure(&model) {
        return Err(e.into());
    }
    let hc = prepared.headcounts;
    let components: usize = model.services.iter().map(|s| s.components.len()).sum();
    let assumptions = model
        .params
        .iter()
        .filter(|(_, p)| p.has_assumption())
        .count();
    let derived = hc.from_data.iter().filter(|d| !**d).count();
    let mut text = format!(
        "scenario `{}` is valid: {}\n  services     {}  ({} components)\n  units        {}\n  cohorts      {}  ({} from data, {} derived)\n  years        {}-{}\n  split rules  {}\n  parameters   {}\n  assumptions  {}  (list them with `fendan assumptions`)\n  indicators   {}\n",
        scenario.name,
        scenario.title,
        model.services.len(),
        components,
        model.units.len(),
        model.cohorts.len(),
        model.cohorts.len() - derived,
        derived,
        years.first,
        years.last,
        model.rules.len(),
        model.params.len(),
        assumptions,
        model.indicators.len(),
    );
    {
        let pop = model.population;
        text.push_str("  population   ");
        let parts: Vec<String> = years
            .iter()
            .map(|y| {
                let sum: i64 = (0..model.units.len()).map(|u| hc.get(y, u, pop)).sum();
                format!("{y}: {sum}")
            })
            .collect();
        text.push_str(&parts.join(", "));
        text.push('\n');
    }
    if let Some(f) = &model.fiscal {
        let illustrative = f.figures.values().filter(|g| g.illustrative).count();
        text.push_str(&format!(
            "  fiscal       {} figures in {}{}\n",
            f.figures.len(),
            f.file,
            if illustrative > 0 {
                format!(" ({illustrative} illustrative, not data)")
            } else {
                String::new()
            }
        ));
    }
    print(&text)
}
