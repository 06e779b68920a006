//! A plan package: the files a run's plan is made of, as an editable folder.
//!
//! `fendan init DIR` hands a bureau the complete inputs of a run — the embedded seeds,
//! or a scenario's after its `data:` replacements — as the files a plan folder holds
//! (see [`crate::load::Inputs::read_folder`]), with a `scenario.yaml` that runs them and
//! a `README.md` saying what to edit. Every file is the text the run read (a GBK file
//! as UTF-8, a workbook sheet as CSV), so the folder's scenario gives the same outlays
//! as the run it was taken from, byte for byte. A scenario's partial counts are written
//! as one partial file, `partial_counts.csv`, beside the full table they change; its
//! fiscal figures (`data: {fiscal: …}`, which are the scenario's, not the plan's) as
//! `fiscal.csv`, named by the folder's scenario with the capacity rule it chose.
//! Overrides are not data: they stay in the scenario they came from.

use std::fmt::Write;

use crate::load::Source;
use crate::model::Model;
use crate::scenario::Scenario;

/// The scenario name a folder gives: its name with every character that a scenario
/// name may not hold (see [`crate::scenario`]) replaced by `_`.
pub fn scenario_name(folder: &std::path::Path) -> String {
    let raw = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.trim_matches('_').is_empty() {
        "my_plan".to_owned()
    } else {
        name
    }
}

/// The file name of an input inside the package's `services/` folder: its own name,
/// or with its place in the list before it when names would clash or change the order.
fn service_names(services: &[Source]) -> Vec<String> {
    let names: Vec<String> = services
        .iter()
        .map(|s| {
            let path = s.path.clone().unwrap_or_else(|| s.name.clone().into());
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "services.yaml".to_owned())
        })
        .collect();
    let sorted_unique = names.windows(2).all(|w| w[0] < w[1]);
    if sorted_unique {
        names
    } else {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{:02}-{n}", i + 1))
            .collect()
    }
}

/// `partial_counts.csv`: every cell the scenario's partial files give, one row each.
fn partial_counts(model: &Model) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let row = |w: &mut csv::Writer<Vec<u8>>, r: [&str; 5]| w.write_record(r).expect("in memory");
    row(
        &mut w,
        ["year", "unit_code", "unit_name", "cohort", "headcount"],
    );
    for ((cohort, y, u), g) in &model.counts.given {
        let unit = &model.units[*u];
        row(
            &mut w,
            [
                &model.counts.years[*y].to_string(),
                &unit.code,
                &unit.name_zh,
                &model.cohort(*cohort).id,
                &g.headcount.to_string(),
            ],
        );
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8")
}

/// Every file of the package for `scenario` (whose model is `model`), to be written
/// into the folder `folder` (as the user named it), whose scenario is called `name`:
/// (path in the folder, bytes), in a fixed order.
pub fn files(
    scenario: &Scenario,
    model: &Model,
    folder: &str,
    name: &str,
) -> crate::error::Result<Vec<(String, Vec<u8>)>> {
    let i = &scenario.inputs;
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut put = |path: String, text: &str| out.push((path, text.as_bytes().to_vec()));
    put("plan.yaml".into(), &i.plan.text);
    put("units.csv".into(), &i.units.text);
    put("cohorts.yaml".into(), &i.cohorts.text);
    // A large table stays on disk while a run loads it; read it again here.
    put("cohorts.csv".into(), &i.cohort_counts.contents()?);
    put("splits.yaml".into(), &i.splits.text);
    for (src, file) in i.services.iter().zip(service_names(&i.services)) {
        put(format!("services/{file}"), &src.text);
    }
    put("indicators.yaml".into(), &i.indicators.text);
    put("budget_classes.csv".into(), &i.budget_classes.text);
    put("sources.yaml".into(), &i.sources.text);
    put("capacity.yaml".into(), &i.capacity.text);
    let partial = !i.partial_counts.is_empty();
    if partial {
        put("partial_counts.csv".into(), &partial_counts(model));
    }
    if let Some(fiscal) = &i.fiscal {
        put("fiscal.csv".into(), &fiscal.text);
    }
    let mut extra: Vec<&str> = Vec::new();
    if partial {
        extra.push("cohort_counts: partial_counts.csv");
    }
    if i.fiscal.is_some() {
        extra.push("fiscal: fiscal.csv");
    }
    let data = if extra.is_empty() {
        "./".to_owned()
    } else {
        format!("{{plan: ./, {}}}", extra.join(", "))
    };
    let mut yaml = String::new();
    let _ = writeln!(
        yaml,
        "# The plan in this folder, written by `fendan init` from the scenario `{}`.\n\
         # Edit the files beside this one, then run:  fendan simulate {folder}/scenario.yaml",
        scenario.name
    );
    if !scenario.overrides.is_empty() {
        let _ = writeln!(
            yaml,
            "# The {} overrides of `{}` are not copied: they are changes to a plan, not the plan.",
            scenario.overrides.len(),
            scenario.name
        );
    }
    let title = format!("{} (own copy 本地副本)", scenario.title);
    let _ = writeln!(
        yaml,
        "name: {}\ntitle: {}\nyears: {{first: {}, last: {}}}\ndata: {data}    # this folder",
        name,
        serde_json::to_string(&title).expect("a string serialises"),
        scenario.years.first,
        scenario.years.last
    );
    if scenario.capacity != crate::capacity::Rule::default() {
        let _ = writeln!(yaml, "capacity: {{rule: {}}}", scenario.capacity.key());
    }
    put("scenario.yaml".into(), &yaml);
    put(
        "README.md".into(),
        &readme(scenario, folder, name, partial, i.fiscal.is_some()),
    );
    Ok(out)
}

/// `README.md` of the package: what each file is and what to edit.
fn readme(scenario: &Scenario, folder: &str, name: &str, partial: bool, fiscal: bool) -> String {
    let mut t = format!(
        "# {name}: a plan for fendan\n\n\
         Written by `fendan init` from the scenario `{}` ({}). Every file is plain text that\n\
         you may edit; `scenario.yaml` runs them:\n\n\
         ```sh\n\
         fendan validate {folder}/scenario.yaml        # check every file, with line and column\n\
         fendan simulate {folder}/scenario.yaml        # writes output/{name}/\n\
         fendan compare baseline output/{name}       # what your edits change\n\
         ```\n\n",
        scenario.name, scenario.title
    );
    t.push_str(
        "| file | what to edit there |\n\
         |---|---|\n\
         | `plan.yaml` | the plan itself: its name and title, domains, fiscal classes, poverty lists, unit kinds, the population cohort, the unit code rule and the default years |\n\
         | `services/*.yaml` | the services: each component's cohort, per-head `standard` (dated values), `coverage` and split rule |\n\
         | `splits.yaml` | who pays: the central share and the local shares by fiscal class, with dated versions |\n\
         | `units.csv` | the units: code, names, kind, poverty status, fiscal class |\n\
         | `cohorts.csv` | the full table of headcounts by year, unit and data cohort |\n\
         | `cohorts.yaml` | the cohorts, and the ratios of the derived ones |\n\
         | `indicators.yaml` | the plan's indicator table |\n\
         | `budget_classes.csv` | the budget classification codes |\n\
         | `sources.yaml` | the bibliography every `source:` cites |\n\
         | `capacity.yaml` | the capacity threshold: the share of own revenue a unit's county level may spend on the plan's services |\n",
    );
    if partial {
        t.push_str(
            "| `partial_counts.csv` | the cells of `cohorts.csv` (and of derived cohorts) the scenario replaced |\n",
        );
    }
    if fiscal {
        t.push_str(
            "| `fiscal.csv` | the fiscal figures per unit and year the capacity measures use (the scenario's, named in `scenario.yaml`) |\n",
        );
    }
    t.push_str(
        "\nA CSV file may be saved from Excel or WPS as it is (UTF-8 or GBK), or replaced by an\n\
         `.xlsx` workbook of the same name (`units.xlsx`). Every number carries a `source:` citing\n\
         `sources.yaml`; a figure of your own should cite your document (add it there) or say\n\
         `assumption:` with its basis. To change a few headcounts only, leave `cohorts.csv` as it\n\
         is and give a partial file in `scenario.yaml`: `data: {plan: ./, cohort_counts: ours.csv}`.\n",
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn folder_names_become_scenario_names() {
        assert_eq!(scenario_name(Path::new("out/my-plan")), "my-plan");
        assert_eq!(scenario_name(Path::new("邯郸 2019")), "___2019");
        assert_eq!(scenario_name(Path::new("计划")), "my_plan");
        assert_eq!(scenario_name(Path::new("/")), "my_plan");
    }

    #[test]
    fn service_files_keep_their_names_when_these_keep_their_order() {
        let s = |n: &str| Source::new(n, "");
        assert_eq!(
            service_names(&[s("seeds/services/01-a.yaml"), s("x/02-b.yaml")]),
            ["01-a.yaml", "02-b.yaml"]
        );
        assert_eq!(
            service_names(&[s("b.yaml"), s("a.yaml")]),
            ["01-b.yaml", "02-a.yaml"]
        );
        assert_eq!(
            service_names(&[s("x/a.yaml"), s("y/a.yaml")]),
            ["01-a.yaml", "02-a.yaml"]
        );
    }
}
