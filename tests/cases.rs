//! Tests as data: golden cells written out by hand in `tests/cases/*.yaml`.
//!
//! Each file holds `cases:`, one per checked cell (or the sum of a service's
//! components), in the manner of OpenFisca's YAML tests:
//!
//! ```yaml
//! cases:
//!   - name: compulsory-education public funds in a district, 2016
//!     why: 55,967 pupils × 685 = 38,337,395.00; central 0.6; rest 1.5:1.5:1
//!     scenario: baseline          # optional: `baseline` (default) or a path from the repo root
//!     overrides:                  # optional: as in a scenario file's `overrides:`
//!       - {path: services.1.primary_public_funds.standard, set: 700, from: 2018-01-01}
//!     unit: "130402"
//!     service: 1
//!     component: primary_public_funds   # optional; without it, all the service's components
//!     year: 2016
//!     expect: {total: 38337395.00, central: 23002437.00, province: 5750609.25, city: 5750609.25, county: 3833739.50}
//! ```
//!
//! `why:` carries the hand arithmetic: the expected amounts are worked out from the
//! headcount, the standard, the coverage and the split rule, never copied from a run.
//! Every failing case is reported (name, file, expected and actual amounts), then the
//! test fails.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::common::*;
use fendan::overrides::{Override, RawOverride};
use fendan::{Model, Outcome, Scenario};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    why: String,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    overrides: Vec<Spanned<RawOverride>>,
    unit: String,
    service: u32,
    #[serde(default)]
    component: Option<String>,
    year: i32,
    expect: Expect,
}

/// Amounts in yuan, written with two decimals ("1234.56"), compared to the fen.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    total: String,
    central: String,
    province: String,
    city: String,
    county: String,
}

impl Expect {
    /// total, central, province, city, county in whole fen.
    fn fen(&self) -> Result<[i64; 5], String> {
        let mut out = [0i64; 5];
        for (slot, text) in out.iter_mut().zip([
            &self.total,
            &self.central,
            &self.province,
            &self.city,
            &self.county,
        ]) {
            *slot = parse_fen(text)?;
        }
        Ok(out)
    }
}

/// Parse "1234.56" (exactly two decimals, no sign) into whole fen, without a float.
fn parse_fen(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an amount in yuan with two decimals, e.g. 1234.56");
    let (a, b) = text.split_once('.').ok_or_else(bad)?;
    if a.is_empty()
        || b.len() != 2
        || !a.chars().all(|c| c.is_ascii_digit())
        || !b.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let yuan: i64 = a.parse().map_err(|_| bad())?;
    let fen: i64 = b.parse().map_err(|_| bad())?;
    Ok(yuan * 100 + fen)
}

fn yuan(fen: i64) -> String {
    fendan::money::yuan(fen)
}

/// The case files, sorted by name.
fn case_files() -> Vec<PathBuf> {
    let dir = root().join("tests/cases");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// A run to look cells up in.
struct Run {
    model: Model,
    outcome: Outcome,
}

/// What a case finds: total, central, province, city, county in fen, and for each
/// component its id, headcount and eligible months.
type Found = ([i64; 5], Vec<(String, i64, u8)>);

/// The level amounts of the case's cell(s) and the headcount(s) behind them, or why
/// they cannot be found.
fn actual(case: &Case, run: &Run) -> Result<Found, String> {
    let m = &run.model;
    let u = m
        .unit_index(&case.unit)
        .ok_or_else(|| format!("no unit `{}`", case.unit))? as u16;
    let si = m
        .services
        .iter()
        .position(|s| s.id == case.service)
        .ok_or_else(|| format!("no service {}", case.service))?;
    let comps = &m.services[si].components;
    let wanted: Vec<usize> = match &case.component {
        Some(c) => vec![comps.iter().position(|x| x.id == *c).ok_or_else(|| {
            let ids: Vec<&str> = comps.iter().map(|x| x.id.as_str()).collect();
            format!(
                "service {} has no component `{c}` (it has {})",
                case.service,
                ids.join(", ")
            )
        })?],
        None => (0..comps.len()).collect(),
    };
    let years = run.outcome.years;
    if case.year < years.first || case.year > years.last {
        return Err(format!(
            "the run covers {}-{}, not {}",
            years.first, years.last, case.year
        ));
    }
    let mut sum = [0i64; 5];
    let mut heads = Vec::new();
    for ci in wanted {
        let cell = run
            .outcome
            .cells
            .iter()
            .find(|c| {
                c.year == case.year
                    && c.unit == u
                    && c.service as usize == si
                    && c.component as usize == ci
            })
            .ok_or_else(|| format!("no cell for component `{}`", comps[ci].id))?;
        sum[0] += cell.total;
        for (s, l) in sum[1..].iter_mut().zip(cell.levels) {
            *s += l;
        }
        heads.push((comps[ci].id.clone(), cell.headcount, cell.months));
    }
    Ok((sum, heads))
}

#[test]
fn every_hand_computed_case_matches_the_engine() {
    let files = case_files();
    let mut failing: Vec<String> = Vec::new();
    let mut count = 0usize;
    let mut per_file: Vec<(String, usize)> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    // Runs of scenarios without case overrides, by scenario.
    let mut cached: HashMap<String, Rc<Run>> = HashMap::new();
    for path in &files {
        let file_name = relative(path);
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let parsed: CaseFile = match serde_saphyr::from_str(&text) {
            Ok(p) => p,
            Err(e) => {
                failing.push(format!("{file_name} is not a case file: {e}"));
                continue;
            }
        };
        per_file.push((file_name.clone(), parsed.cases.len()));
        for mut case in parsed.cases {
            count += 1;
            if let Some(other) = names.insert(case.name.clone(), file_name.clone()) {
                failing.push(format!(
                    "{file_name}: `{}`: the name is also used in {other}; give each case its own name",
                    case.name
                ));
            }
            if case.why.trim().is_empty() {
                failing.push(format!(
                    "{file_name}: `{}` has an empty `why`; write out the hand arithmetic",
                    case.name
                ));
            }
            let overrides = std::mem::take(&mut case.overrides);
            let run: Result<Rc<Run>, String> = if overrides.is_empty() {
                let key = case
                    .scenario
                    .clone()
                    .unwrap_or_else(|| "baseline".to_owned());
                match cached.get(&key) {
                    Some(r) => Ok(r.clone()),
                    None => {
                        let r = if key == "baseline" {
                            let (_, m) = baseline();
                            Ok(Run {
                                model: m.clone(),
                                outcome: baseline_run().clone(),
                            })
                        } else {
                            run_case_with(&case, Vec::new(), &file_name, &text)
                        };
                        r.map(|r| {
                            let r = Rc::new(r);
                            cached.insert(key, r.clone());
                            r
                        })
                    }
                }
            } else {
                run_case_with(&case, overrides, &file_name, &text).map(Rc::new)
            };
            let expected = match case.expect.fen() {
                Ok(e) => e,
                Err(e) => {
                    failing.push(format!("{file_name}: `{}`: {e}", case.name));
                    continue;
                }
            };
            let what = format!(
                "{} {} service {}{}",
                case.year,
                case.unit,
                case.service,
                case.component
                    .as_deref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default()
            );
            match run.and_then(|r| actual(&case, &r)) {
                Err(e) => failing.push(format!("{file_name}: `{}` ({what}): {e}", case.name)),
                Ok((got, heads)) if got != expected => {
                    let labels = ["total", "central", "province", "city", "county"];
                    let rows: Vec<String> = (0..5)
                        .map(|i| {
                            format!(
                                "      {:<8} expected {:>16}  actual {:>16}{}",
                                labels[i],
                                yuan(expected[i]),
                                yuan(got[i]),
                                if expected[i] == got[i] { "" } else { "  <--" }
                            )
                        })
                        .collect();
                    let heads: Vec<String> = heads
                        .iter()
                        .map(|(c, h, m)| format!("{c}: headcount {h}, {m} months"))
                        .collect();
                    failing.push(format!(
                        "{file_name}: `{}` ({what})\n{}\n      ({})",
                        case.name,
                        rows.join("\n"),
                        heads.join("; ")
                    ));
                }
                Ok(_) => {}
            }
        }
    }
    if count < 40 {
        failing.push(format!(
            "there are {count} cases in tests/cases; keep at least 40"
        ));
    }
    for (f, n) in &per_file {
        if *n < 3 {
            failing.push(format!("{f} has {n} cases; give every domain at least 3"));
        }
    }
    if !failing.is_empty() {
        panic!(
            "{} of {count} hand-computed cases fail:\n  {}",
            failing.len(),
            failing.join("\n  ")
        );
    }
}

/// Run a case's scenario with `overrides` (moved out of the case) appended.
fn run_case_with(
    case: &Case,
    overrides: Vec<Spanned<RawOverride>>,
    file_name: &str,
    file_text: &str,
) -> Result<Run, String> {
    let mut scenario = match case.scenario.as_deref() {
        None | Some("baseline") => Scenario::baseline(),
        Some(path) => Scenario::from_path(&root().join(path)).map_err(|e| e.to_string())?,
    };
    let src = fendan::load::Source::new(file_name, file_text);
    scenario
        .overrides
        .extend(overrides.into_iter().map(|o| Override {
            raw: o.into(),
            src: src.clone(),
        }));
    let model = scenario.model().map_err(|e| e.to_string())?;
    let outcome = fendan::run(&model, scenario.years).map_err(|e| e.to_string())?;
    Ok(Run { model, outcome })
}

/// `tests/cases/01-education.yaml`, relative to the repository root.
fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}
