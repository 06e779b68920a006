//! `fendan init`: the plan a run uses, written as an editable folder whose scenario
//! reproduces the run's outlays byte for byte; a folder that is not empty is refused.

use std::fs;
use std::path::Path;

use crate::common::*;

/// Every table of two output folders is the same, byte for byte; the manifests differ
/// only in the scenario and the input names (and, unless `same_bytes`, their hashes).
fn same_tables(a: &Path, b: &Path, same_bytes: bool) {
    for f in [
        "outlays.csv",
        "by_level.csv",
        "by_unit.csv",
        "by_domain.csv",
        "equalization.csv",
    ] {
        assert!(
            fs::read(a.join(f)).unwrap() == fs::read(b.join(f)).unwrap(),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    let m = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap()
    };
    let (ma, mb) = (m(a), m(b));
    let hashes = |m: &serde_json::Value| -> Vec<String> {
        m["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["sha256"].as_str().unwrap().to_owned())
            .collect()
    };
    if same_bytes {
        assert_eq!(hashes(&ma), hashes(&mb), "the same input bytes");
    }
    for key in [
        "outputs",
        "parameters",
        "counts",
        "years",
        "assumptions",
        "sources",
    ] {
        assert_eq!(ma[key], mb[key], "manifest {key}");
    }
}

#[test]
fn init_writes_the_embedded_plan_and_its_scenario_reproduces_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let said = fendan_ok(d, &["init", "my-plan"]);
    assert!(
        said.contains("fendan simulate my-plan/scenario.yaml"),
        "{said}"
    );
    let mut names: Vec<String> = walk(&d.join("my-plan"));
    names.sort();
    assert_eq!(
        names,
        [
            "README.md",
            "budget_classes.csv",
            "capacity.yaml",
            "cohorts.csv",
            "cohorts.yaml",
            "indicators.yaml",
            "plan.yaml",
            "scenario.yaml",
            "services/01-education.yaml",
            "services/02-employment.yaml",
            "services/03-social_insurance.yaml",
            "services/04-health.yaml",
            "services/05-social_services.yaml",
            "services/06-housing.yaml",
            "services/07-culture_sports.yaml",
            "services/08-disability.yaml",
            "sources.yaml",
            "splits.yaml",
            "units.csv",
        ]
    );
    // The files are the seeds, byte for byte.
    for f in [
        "plan.yaml",
        "units.csv",
        "cohorts.csv",
        "splits.yaml",
        "sources.yaml",
        "capacity.yaml",
    ] {
        assert!(
            fs::read(d.join("my-plan").join(f)).unwrap()
                == fs::read(root().join("seeds").join(f)).unwrap(),
            "{f}"
        );
    }
    fendan_ok(d, &["simulate", "-q"]);
    fendan_ok(d, &["simulate", "-q", "my-plan/scenario.yaml"]);
    same_tables(&d.join("output/baseline"), &d.join("output/my-plan"), true);
    let cmp = fendan_ok(d, &["compare", "baseline", "output/my-plan"]);
    assert!(
        cmp.contains("A and B are the same to the fen.") && cmp.contains("files: none"),
        "{cmp}"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            out.extend(walk(&p).into_iter().map(|n| format!("{name}/{n}")));
        } else {
            out.push(name);
        }
    }
    out
}

#[test]
fn init_refuses_a_folder_that_is_not_empty_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("mine")).unwrap();
    fs::write(d.join("mine/notes.txt"), "keep me").unwrap();
    let o = fendan(d, &["init", "mine"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: mine is not empty; `fendan init` writes a plan only into a new or empty folder, so that no file there is replaced: choose another folder\n"
    );
    assert_eq!(walk(&d.join("mine")), ["notes.txt"]);
    // An empty folder is fine.
    fs::create_dir(d.join("empty")).unwrap();
    fendan_ok(d, &["init", "empty"]);
    assert!(d.join("empty/services/01-education.yaml").exists());
}

/// `--from` a scenario whose data are a GBK units file and a partial counts workbook:
/// the folder holds them as UTF-8 CSV (the partial cells in partial_counts.csv) and its
/// scenario gives the same tables as the scenario itself (overrides are not copied).
#[test]
fn init_from_a_scenario_keeps_its_data_replacements() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let units = fs::read_to_string(root().join("seeds/units.csv"))
        .unwrap()
        .replace("Daming County", "Daming County (our name)");
    fs::write(
        d.join("units.csv"),
        encoding_rs::GBK.encode(&units).0.as_ref(),
    )
    .unwrap();
    fs::write(
        d.join("counts.csv"),
        "year,unit_code,cohort,headcount\n2018,130425,pupils_primary,99999\n2019,130434,age_60_plus,130000\n",
    )
    .unwrap();
    fs::write(
        d.join("ours.yaml"),
        "name: ours\ntitle: ours\ndata:\n  units: units.csv\n  cohort_counts: counts.csv\n",
    )
    .unwrap();
    fendan_ok(d, &["init", "pkg", "--from", "ours.yaml"]);
    assert_eq!(fs::read_to_string(d.join("pkg/units.csv")).unwrap(), units);
    assert_eq!(
        fs::read_to_string(d.join("pkg/partial_counts.csv")).unwrap(),
        "year,unit_code,unit_name,cohort,headcount\n2019,130434,魏县,age_60_plus,130000\n2018,130425,大名县,pupils_primary,99999\n"
    );
    let yaml = fs::read_to_string(d.join("pkg/scenario.yaml")).unwrap();
    assert!(
        yaml.contains("data: {plan: ./, cohort_counts: partial_counts.csv}"),
        "{yaml}"
    );
    fendan_ok(d, &["simulate", "-q", "ours.yaml"]);
    fendan_ok(d, &["simulate", "-q", "pkg/scenario.yaml"]);
    // why: units.csv was GBK and is now UTF-8; the partial file is rewritten as one.
    same_tables(&d.join("output/ours"), &d.join("output/pkg"), false);
}

/// A capacity scenario's fiscal figures are the scenario's, not the plan's: `init --from`
/// writes them as `fiscal.csv`, names them in the folder's scenario with the capacity
/// rule it chose, and the folder's run gives the same capacity tables.
#[test]
fn init_from_a_capacity_scenario_keeps_its_fiscal_figures_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("median.yaml"),
        "name: median\ntitle: median\nextends: capacity_2019\ncapacity: {rule: city_median}\n",
    )
    .unwrap();
    fendan_ok(d, &["init", "pkg", "--from", "median.yaml"]);
    let yaml = fs::read_to_string(d.join("pkg/scenario.yaml")).unwrap();
    assert!(
        yaml.contains("data: {plan: ./, fiscal: fiscal.csv}")
            && yaml.contains("capacity: {rule: city_median}"),
        "{yaml}"
    );
    assert!(
        fs::read(d.join("pkg/fiscal.csv")).unwrap()
            == fs::read(root().join("scenarios/data/fiscal-illustrative-2019.csv")).unwrap()
    );
    fendan_ok(d, &["simulate", "-q", "median.yaml"]);
    fendan_ok(d, &["simulate", "-q", "pkg/scenario.yaml"]);
    same_tables(&d.join("output/median"), &d.join("output/pkg"), true);
    let summary = fs::read_to_string(d.join("output/median/capacity_summary.csv")).unwrap();
    assert!(summary.contains("city_median"), "{summary}");
    for f in ["capacity.csv", "capacity_summary.csv"] {
        assert!(
            fs::read(d.join("output/median").join(f)).unwrap()
                == fs::read(d.join("output/pkg").join(f)).unwrap(),
            "{f}"
        );
    }
}
