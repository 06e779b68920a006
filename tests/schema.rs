//! `fendan schema`: the JSON Schemas an editor checks scenario and sweep files with,
//! tested with a real validator (the `jsonschema` crate, draft-07) on the files fendan
//! ships and on the broken fixtures, and kept in step with the keys the loader knows.

use std::collections::BTreeSet;
use std::path::Path;

use fendan::load::Source;
use serde_json::Value;

use crate::common::*;

/// The schema `fendan schema KIND` prints, parsed.
fn schema(kind: &str) -> Value {
    let o = fendan(&root(), &["schema", kind]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("the schema is JSON")
}

fn validator(schema: &Value) -> jsonschema::Validator {
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::new(schema).expect("a valid draft-07 schema")
}

/// A YAML file as the YAML language server sees it: the same data as JSON.
fn as_json(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("YAML reads as JSON data")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// The YAML blocks of the README that start with `first`.
fn readme_blocks(first: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.lines().any(|l| l.starts_with(first)))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_shipped_scenario_and_the_readme_examples_validate() {
    let v = validator(&schema("scenario"));
    let mut checked = 0;
    for f in yaml_files(&root().join("scenarios")) {
        let doc = as_json(&std::fs::read_to_string(&f).unwrap());
        let e = errors(&v, &doc);
        assert!(e.is_empty(), "{}: {e:#?}", f.display());
        checked += 1;
    }
    assert_eq!(checked, fendan::shipped::SHIPPED.len());
    let blocks = readme_blocks("overrides:");
    assert!(
        blocks.len() >= 2,
        "the README shows scenarios with overrides"
    );
    for b in blocks {
        let e = errors(&v, &as_json(&b));
        assert!(e.is_empty(), "README block:\n{b}\n{e:#?}");
    }
}

#[test]
fn every_shipped_sweep_and_the_readme_example_validate() {
    let v = validator(&schema("sweep"));
    let files = yaml_files(&root().join("tests/data/sweep"));
    assert!(files.iter().any(|f| f.ends_with("shift.yaml")));
    for f in &files {
        let doc = as_json(&std::fs::read_to_string(f).unwrap());
        let e = errors(&v, &doc);
        assert!(e.is_empty(), "{}: {e:#?}", f.display());
    }
    let blocks = readme_blocks("axes:");
    assert!(!blocks.is_empty(), "the README shows a sweep");
    for b in blocks {
        let e = errors(&v, &as_json(&b));
        assert!(e.is_empty(), "README block:\n{b}\n{e:#?}");
    }
}

#[test]
fn broken_scenarios_are_rejected_where_the_schema_can_tell() {
    let v = validator(&schema("scenario"));
    // Fixtures under tests/data/bad/ whose mistake is in the scenario file's own shape:
    // the editor flags them as they are typed.
    let rejected = [
        "bad_scenario_name",
        "index_on_a_share",
        "override_bad_fiscal_class",
        "override_negative_standard",
        "override_no_kind",
        "override_rule_without_shift",
        "override_share_above_one",
        "override_shift_bad_class",
        "override_shift_bad_level",
        "override_shift_on_a_share",
        "override_shift_share_above_one",
        "override_shift_unknown_rule",
        "override_shift_with_set",
        "override_two_kinds",
        "override_unit_with_from",
        "override_unknown_path",
        "override_unknown_unit_attribute",
        "scenario_missing_title",
        "scenario_unknown_field",
    ];
    for name in rejected {
        let f = root()
            .join("tests/data/bad")
            .join(name)
            .join("scenario.yaml");
        let doc = as_json(&std::fs::read_to_string(&f).unwrap());
        assert!(!v.is_valid(&doc), "{name} passes the schema");
    }
    // And a few by hand: the message points at the offending key.
    let cases = [
        (
            "a share above 1",
            "{path: splits.compulsory_edu.central, set: 1.2}",
            "/overrides/0/set",
        ),
        (
            "a negative money standard",
            "{path: services.1.primary_public_funds.standard, values: {2018: -5}}",
            "/overrides/0/values/2018",
        ),
        (
            "days beyond a year",
            "{path: services.2.primary_meals.days, set: 400}",
            "/overrides/0/set",
        ),
        (
            "a date that is not one",
            "{path: services.1.primary_public_funds.standard, set: 700, from: 2018-1-1}",
            "/overrides/0/from",
        ),
    ];
    for (what, ov, at) in cases {
        let doc = as_json(&format!("name: x\ntitle: x\noverrides:\n  - {ov}\n"));
        let e = errors(&v, &doc);
        assert!(
            e.iter().any(|m| m.ends_with(&format!(" at {at}"))),
            "{what}: {e:#?}"
        );
    }
}

#[test]
fn broken_sweeps_are_rejected_where_the_schema_can_tell() {
    let v = validator(&schema("sweep"));
    let rejected = [
        "empty_values",
        "no_axes",
        "range_step_zero",
        "share_above_one",
        "unit_attribute_axis",
        "unknown_metric",
        "unknown_path",
        "unknown_sampling",
    ];
    for name in rejected {
        let f = root()
            .join("tests/data/sweep/bad")
            .join(name)
            .join("spec.yaml");
        let doc = as_json(&std::fs::read_to_string(&f).unwrap());
        assert!(!v.is_valid(&doc), "{name} passes the schema");
    }
    let axis = |a: &str| as_json(&format!("name: x\naxes:\n  - {a}\n"));
    assert!(v.is_valid(&axis("{path: splits.compulsory_edu, mode: shift, shift: {from: county, to: province}, values: [0, 0.5]}")));
    for bad in [
        // a shift moves at most the whole share
        "{path: splits.compulsory_edu, mode: shift, shift: {from: county, to: province}, values: [1.5]}",
        // a rule needs `mode: shift`
        "{path: splits.compulsory_edu, values: [0.5]}",
        // `shift:` needs `mode: shift`
        "{path: splits.compulsory_edu.central, shift: {from: county, to: province}, values: [0.5]}",
        // a scale factor is 0 or more
        "{path: services.1.primary_public_funds.standard, mode: scale, values: [-1]}",
        // two kinds of values
        "{path: services.1.primary_public_funds.standard, values: [1], range: {start: 1, stop: 2, step: 1}}",
    ] {
        assert!(!v.is_valid(&axis(bad)), "passes: {bad}");
    }
}

/// The field names serde lists in the loader's "unknown field" message for `text`.
fn loader_fields(err: &str) -> BTreeSet<String> {
    let list = err
        .split("expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("no field list in: {err}"))
        .lines()
        .next()
        .unwrap();
    let list = list.trim_start_matches("one of ");
    list.split(", ")
        .flat_map(|x| x.split(" or "))
        .map(|x| x.trim().trim_matches('`').to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

fn schema_fields(obj: &Value) -> BTreeSet<String> {
    obj["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_schemas_list_exactly_the_keys_the_loader_knows() {
    let sc = schema("scenario");
    let scenario_err = |text: &str| {
        fendan::Scenario::parse(Source::new("t.yaml", text), Path::new("."))
            .expect_err("refused")
            .to_string()
    };
    let o = "overrides:\n  - {path: services.1.primary_public_funds.standard";
    for (yaml, at) in [
        ("name: x\ntitle: x\nzzz: 1\n".to_owned(), &sc),
        ("name: x\ntitle: x\ndata: {zzz: a}\n".to_owned(), &sc["properties"]["data"]),
        (format!("name: x\ntitle: x\n{o}, set: 1, zzz: 1}}\n"), &sc["definitions"]["override"]),
        (format!("name: x\ntitle: x\n{o}, index: {{rate: 0.1, zzz: 1}}}}\n"), &sc["definitions"]["override"]["properties"]["index"]),
        ("name: x\ntitle: x\noverrides:\n  - {path: splits.compulsory_edu, shift: {from: county, to: city, share: 1, zzz: 1}}\n".to_owned(), &sc["definitions"]["override"]["properties"]["shift"]),
    ] {
        assert_eq!(schema_fields(at), loader_fields(&scenario_err(&yaml)), "{yaml}");
    }
    let sw = schema("sweep");
    let spec_err = |text: &str| {
        fendan::sweep::Spec::parse(Source::new("s.yaml", text), Path::new("."))
            .expect_err("refused")
            .to_string()
    };
    let a = "axes:\n  - {path: splits.compulsory_edu.central, values: [0.5]";
    let axis = &sw["definitions"]["axis"];
    for (yaml, at) in [
        ("name: x\nzzz: 1\naxes: []\n".to_owned(), &sw),
        (format!("name: x\n{a}, zzz: 1}}\n"), axis),
        ("name: x\naxes:\n  - {path: splits.compulsory_edu.central, range: {start: 0, stop: 1, step: 1, zzz: 1}}\n".to_owned(), &axis["properties"]["range"]),
        ("name: x\nsampling: {lhs: {n: 2, seed: 1}}\naxes:\n  - {path: splits.compulsory_edu.central, distribution: {kind: uniform, min: 0, max: 1, zzz: 1}}\n".to_owned(), &axis["properties"]["distribution"]),
        ("name: x\naxes:\n  - {path: splits.compulsory_edu, mode: shift, shift: {from: county, to: city, zzz: 1}, values: [1]}\n".to_owned(), &axis["properties"]["shift"]),
    ] {
        assert_eq!(schema_fields(at), loader_fields(&spec_err(&yaml)), "{yaml}");
    }
}

#[test]
fn every_path_is_enumerated_with_its_meaning() {
    let (_, model) = baseline();
    let sc = schema("scenario");
    let path = &sc["definitions"]["path"];
    let names: Vec<&str> = path["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let notes = path["enumDescriptions"].as_array().unwrap();
    assert_eq!(names.len(), notes.len());
    // why: every parameter, every share rule (for `shift`), three attributes per unit.
    let rules = model
        .rules
        .iter()
        .filter(|r| matches!(r.kind, fendan::model::SplitKind::Shares { .. }))
        .count();
    assert_eq!(
        names.len(),
        model.params.len() + rules + 3 * model.units.len()
    );
    for p in model.params.paths() {
        assert!(names.contains(&p), "{p}");
    }
    let i = names
        .iter()
        .position(|n| *n == "services.48.urban_allowance.standard")
        .unwrap();
    assert!(
        notes[i].as_str().unwrap().contains("城市低保"),
        "{}",
        notes[i]
    );
    // The same text twice: the schema is deterministic.
    let again = fendan(&root(), &["schema", "scenario"]);
    assert_eq!(serde_json::from_slice::<Value>(&again.stdout).unwrap(), sc);
}
