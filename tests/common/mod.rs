//! Shared helpers for the integration tests: run the `fendan` binary, load the
//! embedded model, read CSV outputs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use fendan::{Model, Outcome, Scenario, Years};

/// The path of the built `fendan` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fendan"))
}

/// Run `fendan` with `args` in `dir`.
pub fn fendan(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("fendan runs")
}

/// Run `fendan` with `args` in `dir`, which must succeed; its standard output.
pub fn fendan_ok(dir: &Path, args: &[&str]) -> String {
    let o = fendan(dir, args);
    assert!(
        o.status.success(),
        "fendan {args:?} failed: {}{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The project root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The embedded baseline, loaded once.
pub fn baseline() -> &'static (Scenario, Model) {
    static CELL: OnceLock<(Scenario, Model)> = OnceLock::new();
    CELL.get_or_init(|| {
        let s = Scenario::baseline();
        let m = fendan::load(&s.inputs).expect("embedded seeds load");
        (s, m)
    })
}

/// The baseline run, computed once.
pub fn baseline_run() -> &'static Outcome {
    static CELL: OnceLock<Outcome> = OnceLock::new();
    CELL.get_or_init(|| {
        let (s, m) = baseline();
        fendan::run(m, s.years).expect("baseline runs")
    })
}

pub const YEARS: Years = Years {
    first: 2016,
    last: 2020,
};

/// Parse a decimal literal.
pub fn d(s: &str) -> rust_decimal::Decimal {
    s.parse().expect("decimal literal")
}

/// Read a CSV file into a header and rows of strings.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv opens");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// Parse "1234.56" yuan into whole fen.
pub fn fen(text: &str) -> i64 {
    let (a, b) = text.split_once('.').expect("two decimals");
    assert_eq!(b.len(), 2, "amounts have two decimals: {text}");
    let sign = if a.starts_with('-') { -1 } else { 1 };
    sign * (a.trim_start_matches('-').parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap())
}

/// The `NAME=value` lines of a fixture's `env` file, if it has one: variables set for
/// that case only (e.g. a lower input size cap or disk limit).
pub fn fixture_env(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("env"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}
