//! JSON Schemas of the scenario and sweep file formats, for editors.
//!
//! A scenario or sweep file is typed by hand, and every mistake in it — a path that
//! does not exist, a share above 1, `set` and `scale` in one override — is found only
//! when fendan runs. An editor that knows the format finds them while typing: VS
//! Code's YAML extension (and any editor using the YAML language server) completes and
//! checks a YAML file against a JSON Schema. `fendan schema scenario|sweep` writes one,
//! with every parameter path of the model enumerated (each with its meaning, shown on
//! completion and hover) and, per kind of parameter, the values it accepts: shares
//! between 0 and 1, money and ratios 0 or more, days up to 366, a unit's fiscal class
//! or poverty status from its list. The schema is JSON Schema draft-07, the draft the
//! YAML language server supports best (`if`/`then` carries the per-kind rules).
//!
//! The schema describes; the loader decides. Whatever the schema accepts is checked
//! again when fendan reads the file (split shares adding up to 1 after all overrides,
//! dates inside the run …), and tests keep the two in step: every shipped scenario and
//! sweep validates, broken ones do not, and the keys listed are the keys the loader
//! knows.

use serde_json::{Map, Value, json};

use crate::model::{Level, Model, SplitKind};
use crate::params::Unit;
use crate::sweep::Metric;

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";
/// A date as fendan reads it: `YYYY-MM-DD`, or a bare year meaning its 1 January.
const DATE: &str = "^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$";
/// A plain decimal written as text (`"0.375"`); exponents are refused by the loader.
const DECIMAL: &str = "^[+-]?[0-9]+(\\.[0-9]+)?$";
/// Scenario, sweep and axis names name folders and columns.
const NAME: &str = "^[A-Za-z0-9_-]+$";
const AXIS_NAME: &str = "^[A-Za-z0-9_.-]+$";

/// The kinds of path, each with the values it takes.
struct Kinds {
    /// (path, meaning) of every number of the parameter tree, sorted by path.
    params: Vec<(String, String, Unit)>,
    /// `splits.<rule>` of every share rule: what a `shift` names.
    rules: Vec<(String, String)>,
    /// `units.<code>.<attribute>` with their meaning.
    units: Vec<(String, String)>,
}

fn kinds(model: &Model) -> Kinds {
    let mut params: Vec<(String, String, Unit)> = model
        .params
        .iter()
        .map(|(_, p)| {
            let label = crate::provenance::label(model, &p.path);
            (
                p.path.clone(),
                format!("{label} ({})", p.unit.name()),
                p.unit,
            )
        })
        .collect();
    params.sort_by(|a, b| a.0.cmp(&b.0));
    let rules = model
        .rules
        .iter()
        .filter(|r| matches!(r.kind, SplitKind::Shares { .. }))
        .map(|r| {
            (
                format!("splits.{}", r.id),
                format!(
                    "分担规则 {} / {}: move a share between levels with `shift`",
                    r.name.zh, r.name.en
                ),
            )
        })
        .collect();
    let mut units = Vec::new();
    let class_ids = class_ids(model).join(", ");
    let poverty_ids = poverty_ids(model).join(", ");
    let attrs = [
        ("fiscal_class", format!("财政体制类别 ({class_ids})")),
        ("poverty", format!("贫困县类别 ({poverty_ids})")),
        (
            "poverty_exit",
            "退出贫困县日期 (a date, or none)".to_owned(),
        ),
    ];
    for u in &model.units {
        for (attr, zh) in &attrs {
            units.push((
                format!("units.{}.{attr}", u.code),
                format!("{} {}: {zh}", u.name_zh, u.name_en),
            ));
        }
    }
    Kinds {
        params,
        rules,
        units,
    }
}

/// An `enum` of paths with their meanings as `enumDescriptions` (shown by the YAML
/// language server and VS Code on completion and hover).
fn path_enum<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, about: &str) -> Value {
    let (names, notes): (Vec<&str>, Vec<&str>) = items.into_iter().unzip();
    json!({
        "type": "string",
        "description": about,
        "enum": names,
        "enumDescriptions": notes,
    })
}

/// The paths of the parameters whose unit `keep` accepts.
fn params_where(k: &Kinds, keep: impl Fn(Unit) -> bool) -> Vec<&str> {
    k.params
        .iter()
        .filter(|(_, _, u)| keep(*u))
        .map(|(p, _, _)| p.as_str())
        .collect()
}

/// The numbers a parameter of `unit` may take, as a schema for a number.
fn bounds(unit: Unit) -> Value {
    match unit {
        Unit::Share => json!({"type": "number", "minimum": 0, "maximum": 1}),
        Unit::DaysPerYear => json!({"type": "number", "minimum": 0, "maximum": 366}),
        _ => json!({"type": "number", "minimum": 0}),
    }
}

/// A value as an override writes it: a number within `bounds`, or a plain decimal as text.
fn value_of(bounds: Value) -> Value {
    json!({"anyOf": [bounds, {"type": "string", "pattern": DECIMAL}]})
}

/// Units grouped by the values they accept (one `if`/`then` per group).
const UNIT_GROUPS: [&[Unit]; 4] = [
    &[Unit::Share],
    &[Unit::DaysPerYear],
    &[Unit::YuanPerYear, Unit::YuanPerMonth, Unit::YuanPerDay],
    &[Unit::Ratio],
];

fn date() -> Value {
    json!({
        "description": "a date YYYY-MM-DD, or a year (its 1 January)",
        "anyOf": [
            {"type": "integer", "minimum": 1900, "maximum": 2200},
            {"type": "string", "pattern": DATE},
        ],
    })
}

fn levels() -> Value {
    json!({"enum": Level::ALL.iter().map(|l| l.key()).collect::<Vec<_>>()})
}

/// The ids of the plan's fiscal classes.
fn class_ids(model: &Model) -> Vec<&str> {
    model.plan.classes.iter().map(|c| c.id.as_str()).collect()
}

/// The ids of the plan's poverty lists, and `none`.
fn poverty_ids(model: &Model) -> Vec<&str> {
    let mut ids: Vec<&str> = model.plan.poverty.iter().map(|c| c.id.as_str()).collect();
    ids.push("none");
    ids
}

fn classes(model: &Model) -> Value {
    json!({
        "description": "only these fiscal classes (not with the centre, whose share is one for all classes)",
        "type": "array",
        "minItems": 1,
        "uniqueItems": true,
        "items": {"enum": class_ids(model)},
    })
}

/// `if` the object's `path` is one of `paths` (and, if given, `extra` holds) `then` `then`.
fn when_path(paths: &[&str], extra: Option<(&str, Value)>, then: Value) -> Value {
    let mut props = Map::new();
    props.insert("path".into(), json!({"enum": paths}));
    if let Some((k, v)) = extra {
        props.insert(k.into(), v);
    }
    json!({"if": {"required": ["path"], "properties": props}, "then": then})
}

fn document(title: &str, description: &str, body: Value) -> String {
    let mut v = json!({
        "$schema": DRAFT,
        "title": title,
        "description": description,
    });
    if let (Value::Object(head), Value::Object(rest)) = (&mut v, body) {
        head.extend(rest);
    }
    let mut text = serde_json::to_string_pretty(&v).expect("a schema serialises");
    text.push('\n');
    text
}

fn shipped_names() -> Vec<&'static str> {
    crate::shipped::SHIPPED.iter().map(|s| s.name).collect()
}

/// The JSON Schema of a scenario file, with the paths of `model`.
pub fn scenario(model: &Model) -> String {
    let k = kinds(model);
    let all = k
        .params
        .iter()
        .map(|(p, l, _)| (p.as_str(), l.as_str()))
        .chain(k.rules.iter().map(|(p, l)| (p.as_str(), l.as_str())))
        .chain(k.units.iter().map(|(p, l)| (p.as_str(), l.as_str())));
    let path = path_enum(
        all,
        "a parameter path (`fendan params` lists them with their values), a split rule (for `shift`), or a unit attribute",
    );
    let mut rules: Vec<Value> = Vec::new();
    for units in UNIT_GROUPS {
        let paths = params_where(&k, |u| units.contains(&u));
        let b = bounds(units[0]);
        let mut then = json!({
            "properties": {
                "set": value_of(b.clone()),
                "values": {"additionalProperties": value_of(b)},
            },
        });
        if !units[0].is_money() {
            // `index` grows money standards only.
            then["not"] = json!({"required": ["index"]});
        }
        rules.push(when_path(&paths, None, then));
    }
    let rule_paths: Vec<&str> = k.rules.iter().map(|(p, _)| p.as_str()).collect();
    rules.push(when_path(&rule_paths, None, json!({"required": ["shift"]})));
    rules.push(json!({
        "if": {"required": ["shift"]},
        "then": {"properties": {"path": {"enum": rule_paths}}},
    }));
    for (attr, set) in [
        ("fiscal_class", json!({"enum": class_ids(model)})),
        ("poverty", json!({"enum": poverty_ids(model)})),
        (
            "poverty_exit",
            json!({"anyOf": [{"const": "none"}, {"type": "string", "pattern": DATE}]}),
        ),
    ] {
        let suffix = format!(".{attr}");
        let paths: Vec<&str> = k
            .units
            .iter()
            .map(|(p, _)| p.as_str())
            .filter(|p| p.ends_with(&suffix))
            .collect();
        rules.push(when_path(
            &paths,
            None,
            json!({
                "required": ["set"],
                "properties": {"set": set},
                "not": {"anyOf": [{"required": ["from"]}, {"required": ["until"]}]},
            }),
        ));
    }
    let body = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "title"],
        "properties": {
            "name": {"type": "string", "pattern": NAME, "description": "names the run and its output folder output/<name>"},
            "title": {"type": "string", "description": "the question the scenario answers (Chinese / English)"},
            "description": {"type": "string"},
            "extends": {
                "description": "the scenario this one builds on: a file (relative to this one; a file there comes first) or a shipped scenario's name",
                "anyOf": [{"enum": shipped_names()}, {"type": "string", "minLength": 1}],
            },
            "years": {
                "type": "object",
                "additionalProperties": false,
                "required": ["first", "last"],
                "properties": {
                    "first": {"type": "integer", "minimum": 1900, "maximum": 2200},
                    "last": {"type": "integer", "minimum": 1900, "maximum": 2200},
                },
            },
            "data": {
                "description": "your own inputs instead of the embedded seeds (paths relative to this file): a plan folder (as `fendan init` writes one), or a map of input files",
                "type": ["string", "object"],
                "additionalProperties": false,
                "properties": {
                    "plan": {"type": "string", "description": "a plan folder: every plan file it holds replaces the embedded one"},
                    "units": {"type": "string"},
                    "cohort_counts": {"type": "string"},
                    "cohorts": {"type": "string"},
                    "splits": {"type": "string"},
                    "services": {"type": "array", "items": {"type": "string"}},
                    "indicators": {"type": "string"},
                    "budget_classes": {"type": "string"},
                    "sources": {"type": "string"},
                    "fiscal": {"type": "string", "description": "fiscal figures per unit and year (own revenue, transfers), for the capacity measures"},
                    "capacity": {"type": "string", "description": "the capacity parameters (capacity.threshold) instead of seeds/capacity.yaml"},
                },
            },
            "capacity": {
                "description": "how the capacity threshold is chosen (needs `data: fiscal`)",
                "type": "object",
                "additionalProperties": false,
                "required": ["rule"],
                "properties": {
                    "rule": {"enum": crate::capacity::Rule::ALL.iter().map(|r| r.key()).collect::<Vec<_>>(), "description": "fixed: capacity.threshold, a share of own revenue; city_median: the year's median burden share"},
                },
            },
            "overrides": {"type": "array", "items": {"$ref": "#/definitions/override"}},
        },
        "definitions": {
            "path": path,
            "date": date(),
            "override": {
                "type": "object",
                "additionalProperties": false,
                "required": ["path"],
                "properties": {
                    "path": {"$ref": "#/definitions/path"},
                    "from": {"$ref": "#/definitions/date"},
                    "until": {"$ref": "#/definitions/date"},
                    "set": {"description": "the value from `from` (or the run's start) through `until`", "type": ["number", "string"]},
                    "scale": {"description": "a factor on the values from `from` through `until`", "type": "number", "minimum": 0},
                    "values": {
                        "description": "dated values, e.g. {2018: 1100, 2019-09-01: 1200}",
                        "type": "object",
                        "minProperties": 1,
                        "propertyNames": {"pattern": DATE},
                        "additionalProperties": {"type": ["number", "string"]},
                    },
                    "index": {
                        "description": "grow a money standard by `rate` each 1 January after its last published value",
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["rate"],
                        "properties": {
                            "rate": {"type": "number"},
                            "rounding": {"type": "integer", "minimum": 0, "maximum": 28},
                        },
                    },
                    "shift": {
                        "description": "move `share` of one level's part of the whole cost to another level (path: splits.<rule>)",
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["from", "to", "share"],
                        "properties": {
                            "from": levels(),
                            "to": levels(),
                            "share": {"type": "number", "minimum": 0, "maximum": 1},
                            "classes": classes(model),
                        },
                    },
                    "note": {"type": "string", "description": "why (shown by `fendan explain --param`)"},
                },
                "oneOf": [
                    {"required": ["set"]},
                    {"required": ["scale"]},
                    {"required": ["values"]},
                    {"required": ["index"]},
                    {"required": ["shift"]},
                ],
                "allOf": rules,
            },
        },
    });
    document(
        "fendan scenario",
        "A fendan scenario file (see the README, Scenarios). Generated by `fendan schema scenario`.",
        body,
    )
}

/// The JSON Schema of a sweep spec, with the paths of `model`.
pub fn sweep(model: &Model) -> String {
    let k = kinds(model);
    let all = k
        .params
        .iter()
        .map(|(p, l, _)| (p.as_str(), l.as_str()))
        .chain(k.rules.iter().map(|(p, l)| (p.as_str(), l.as_str())));
    let path = path_enum(
        all,
        "a parameter path (`fendan params` lists them), or a split rule for `mode: shift`",
    );
    let rule_paths: Vec<&str> = k.rules.iter().map(|(p, _)| p.as_str()).collect();
    let within = |b: Value| {
        json!({
            "properties": {
                "values": {"items": b.clone()},
                "range": {"properties": {"start": b.clone(), "stop": b.clone()}},
                "distribution": {"properties": {"min": b.clone(), "max": b}},
            },
        })
    };
    let mut rules: Vec<Value> = Vec::new();
    // Money and ratios share their bounds (0 or more): one rule for both.
    for units in &UNIT_GROUPS[..3] {
        let mut paths = params_where(&k, |u| units.contains(&u));
        if units[0].is_money() {
            paths.extend(params_where(&k, |u| u == Unit::Ratio));
        }
        rules.push(when_path(
            &paths,
            Some(("mode", json!({"const": "set"}))),
            within(bounds(units[0])),
        ));
    }
    rules.push(json!({
        "if": {"required": ["mode"], "properties": {"mode": {"const": "scale"}}},
        "then": within(json!({"type": "number", "minimum": 0})),
    }));
    rules.push(json!({
        "if": {"required": ["mode"], "properties": {"mode": {"const": "shift"}}},
        "then": {
            "required": ["shift"],
            "properties": {"path": {"enum": rule_paths}},
            "allOf": [within(json!({"type": "number", "minimum": 0, "maximum": 1}))],
        },
        "else": {"not": {"required": ["shift"]}},
    }));
    rules.push(when_path(
        &rule_paths,
        None,
        json!({"required": ["mode"], "properties": {"mode": {"const": "shift"}}}),
    ));
    let number = json!({"type": "number"});
    let design = |key: &str| {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": [key],
            "properties": {key: {
                "type": "object",
                "additionalProperties": false,
                "required": ["n", "seed"],
                "properties": {
                    "n": {"type": "integer", "minimum": 1},
                    "seed": {"type": "integer", "minimum": 0},
                },
            }},
        })
    };
    let body = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "axes"],
        "properties": {
            "name": {"type": "string", "pattern": NAME, "description": "names the sweep and its output folder output/<name>"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "base": {
                "description": "the base scenario: a file (relative to this spec; a file there comes first) or a shipped scenario's name [default: baseline]",
                "anyOf": [{"enum": shipped_names()}, {"type": "string", "minLength": 1}],
            },
            "sampling": {
                "description": "grid (every combination), or a Latin hypercube or Monte Carlo sample of n points",
                "anyOf": [{"const": "grid"}, design("lhs"), design("monte_carlo")],
            },
            "metrics": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": true,
                "items": {"enum": Metric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>()},
            },
            "axes": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/axis"}},
        },
        "definitions": {
            "path": path,
            "date": date(),
            "axis": {
                "type": "object",
                "additionalProperties": false,
                "required": ["path"],
                "properties": {
                    "path": {"$ref": "#/definitions/path"},
                    "name": {"type": "string", "pattern": AXIS_NAME, "description": "the column in points.csv [default: the path]"},
                    "from": {"$ref": "#/definitions/date"},
                    "until": {"$ref": "#/definitions/date"},
                    "mode": {
                        "description": "set: the value itself; scale: a factor on the base values; shift: the share moved between two levels (path: splits.<rule>)",
                        "enum": ["set", "scale", "shift"],
                    },
                    "shift": {
                        "description": "the levels a `mode: shift` axis moves a share between; the axis's values are the share moved",
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["from", "to"],
                        "properties": {"from": levels(), "to": levels(), "classes": classes(model)},
                    },
                    "values": {"type": "array", "minItems": 1, "items": number},
                    "range": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["start", "stop", "step"],
                        "properties": {"start": number, "stop": number, "step": {"type": "number", "exclusiveMinimum": 0}},
                    },
                    "distribution": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["kind", "min", "max"],
                        "properties": {
                            "kind": {"enum": ["uniform", "normal", "triangular"]},
                            "min": number, "max": number, "mean": number,
                            "sd": {"type": "number", "exclusiveMinimum": 0},
                            "mode": number,
                        },
                    },
                    "decimals": {"type": "integer", "minimum": 0, "maximum": crate::sweep::spec::MAX_DECIMALS},
                },
                "oneOf": [
                    {"required": ["values"]},
                    {"required": ["range"]},
                    {"required": ["distribution"]},
                ],
                "allOf": rules,
            },
        },
    });
    document(
        "fendan sweep",
        "A fendan sweep spec (see the README, Sweeps). Generated by `fendan schema sweep`.",
        body,
    )
}
