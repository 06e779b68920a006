//! Broken inputs, as data: one folder per error kind under `tests/data/bad/<kind>/`.
//!
//! Each folder holds a `scenario.yaml` whose `data:` points at the broken file(s) next
//! to it, and `expected.stderr`, the exact text `fendan validate scenario.yaml` prints
//! when run in that folder. Every case must exit with code 2, print exactly the
//! expected message (file, line:col, snippet, what was expected), never panic, and
//! write nothing. An absolute path to the fixture's own folder (the `extends` cycle
//! check prints canonical paths) is written `<fixture>/` before the comparison. A
//! folder may hold an `env` file of `NAME=value` lines, set for that case only (e.g.
//! `FENDAN_MAX_INPUT_BYTES=200` to try the input size cap on a small file).
//!
//! To add a case, make a folder, run `fendan validate scenario.yaml 2> expected.stderr`
//! in it and *read* the message. After a deliberate change of wording, rerun with
//! `FENDAN_BLESS=1 cargo test --test integration validation` to rewrite every
//! `expected.stderr`, then review the change with a diff before committing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// The broken-fixture folders, sorted by name.
fn fixtures() -> Vec<PathBuf> {
    let bad = root().join("tests/data/bad");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&bad)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", bad.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn name_of(dir: &Path) -> String {
    dir.file_name()
        .expect("fixture folder has a name")
        .to_string_lossy()
        .into_owned()
}

/// A line diff (longest common subsequence): ` ` both, `-` expected only, `+` actual only.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the two texts differ in their final newline)\n");
    }
    out
}

/// Messages that print a file's canonical path (the `extends` chain) would pin this
/// checkout's location; write the fixture's own folder as `<fixture>/` instead.
fn redact(err: &str, dir: &Path) -> String {
    let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut out = err.to_owned();
    for d in [canonical.as_path(), dir] {
        out = out.replace(&format!("{}/", d.display()), "<fixture>/");
    }
    out
}

#[test]
fn every_broken_fixture_fails_with_its_exact_message() {
    let bless = std::env::var_os("FENDAN_BLESS").is_some();
    let cases = fixtures();
    assert!(
        cases.len() >= 28,
        "expected at least 28 broken fixtures, found {}",
        cases.len()
    );
    let mut failing: Vec<String> = Vec::new();
    let mut first_diff: Option<String> = None;
    for dir in &cases {
        let name = name_of(dir);
        let out = Command::new(bin())
            .current_dir(dir)
            .args(["validate", "scenario.yaml"])
            .env_remove("FENDAN_MAX_INPUT_BYTES")
            .envs(fixture_env(dir))
            .output()
            .expect("fendan runs");
        let err = redact(&stderr(&out), dir);
        let mut problems: Vec<String> = Vec::new();
        if out.status.code() != Some(2) {
            problems.push(format!("exit code {:?}, not 2", out.status.code()));
        }
        if err.contains("panicked") {
            problems.push("panicked".to_owned());
        }
        if !out.stdout.is_empty() {
            problems.push(format!("printed to stdout: {:?}", stdout(&out)));
        }
        if dir.join("output").exists() {
            problems.push("created an `output` folder".to_owned());
        }
        let expected_path = dir.join("expected.stderr");
        if bless && problems.is_empty() {
            fs::write(&expected_path, &err).expect("write expected.stderr");
        }
        match fs::read_to_string(&expected_path) {
            Err(e) => problems.push(format!("cannot read expected.stderr: {e}")),
            Ok(expected) if expected != err => {
                problems.push("stderr differs from expected.stderr".to_owned());
                if first_diff.is_none() {
                    first_diff = Some(format!(
                        "{name}: stderr (- expected.stderr, + actual)\n{}",
                        diff(&expected, &err)
                    ));
                }
            }
            Ok(_) => {}
        }
        if !problems.is_empty() {
            failing.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    if !failing.is_empty() {
        panic!(
            "{} of {} broken fixtures fail:\n  {}\n\n{}",
            failing.len(),
            cases.len(),
            failing.join("\n  "),
            first_diff.unwrap_or_default()
        );
    }
}

#[test]
fn simulate_on_broken_input_writes_nothing() {
    // Two cases that fail late: after every file has loaded (a parameter that starts
    // after the first simulated year) and after the counts are read (a data cohort
    // with no rows).
    for name in ["year_not_covered", "missing_cohort_rows"] {
        let dir = root().join("tests/data/bad").join(name);
        let tmp = tempfile::tempdir().expect("temporary folder");
        let target = tmp.path().join("out");
        let target_arg = target.to_str().expect("temporary path is UTF-8");
        let out = fendan(&dir, &["simulate", "scenario.yaml", "--out", target_arg]);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: exit code; stderr:\n{err}"
        );
        assert!(!err.contains("panicked"), "{name}: panicked:\n{err}");
        let expected = fs::read_to_string(dir.join("expected.stderr")).expect("expected.stderr");
        assert_eq!(
            err, expected,
            "{name}: simulate reports what validate reports"
        );
        assert!(!target.exists(), "{name}: {} was created", target.display());
        let left: Vec<String> = fs::read_dir(tmp.path())
            .expect("list the temporary folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.is_empty(), "{name}: left behind {left:?}");
        assert!(
            !dir.join("output").exists(),
            "{name}: an `output` folder appeared in the fixture"
        );
    }
}
