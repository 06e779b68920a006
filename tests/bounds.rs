//! Hostile numbers: whatever values, dates and kinds of change a scenario gives, loading
//! and running end in a result or in a located input error (an input error or an
//! overflow, with the file and line that set the value) — never a panic, never a total
//! that wrapped around.

use sha2::Digest;
use std::path::Path;

use proptest::prelude::*;

use crate::common::*;
use fendan::error::{Error, Location};
use fendan::load::Source;
use fendan::params::Unit;

/// Every parameter path of the baseline model with its unit, and the unit attributes.
fn paths() -> Vec<(String, Option<Unit>)> {
    let (_, m) = baseline();
    let mut p: Vec<(String, Option<Unit>)> = m
        .params
        .iter()
        .map(|(_, p)| (p.path.clone(), Some(p.unit)))
        .collect();
    p.sort_by(|a, b| a.0.cmp(&b.0));
    for u in m.units.iter().take(3) {
        for a in ["fiscal_class", "poverty", "poverty_exit"] {
            p.push((format!("units.{}.{a}", u.code), None));
        }
    }
    p
}

fn decimal(max: u64, scale: u32) -> BoxedStrategy<String> {
    (0..=max)
        .prop_map(move |m| {
            rust_decimal::Decimal::new(m as i64, scale)
                .normalize()
                .to_string()
        })
        .boxed()
}

/// A value a parameter of `unit` may take, its bound included, sometimes with all the
/// digits a decimal holds.
fn valid(unit: Option<Unit>) -> BoxedStrategy<String> {
    let top = |t: &'static str| Just(t.to_owned()).boxed();
    match unit {
        Some(Unit::Share) => prop_oneof![
            decimal(1000, 3),
            decimal(1_000_000, 6),
            top("1"),
            top("0"),
            top("0.3333333333333333333333333333")
        ]
        .boxed(),
        Some(Unit::Ratio) => prop_oneof![decimal(100_000, 3), top("1000"), top("0")].boxed(),
        Some(Unit::DaysPerYear) => prop_oneof![decimal(366, 0), decimal(3660, 1)].boxed(),
        Some(_) => prop_oneof![
            decimal(10_000_000, 2),
            top("1000000000"),
            top("999999999.9999999999999999999"),
            top("0")
        ]
        .boxed(),
        None => prop::sample::select(vec![
            "direct",
            "managed",
            "district",
            "national",
            "provincial",
            "none",
            "2018-07-01",
            "x",
        ])
        .prop_map(str::to_owned)
        .boxed(),
    }
}

/// Numbers as a careless or hostile user writes them: zero, negative, the bounds and
/// just past them, huge, with more digits than a decimal holds, and not numbers at all.
fn hostile() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "0", "-1", "-0.5", "367", "1000.5", "1000000001", "999999999999999999",
            "1000000000000000000", "100000000000000000000", "79228162514264337593543950335",
            "0.12345678901234567890123456789", "1.0000000000000000000000000001",
            "0.00000000000000000000000000001", "1e3", ".5", "0x10", "abc", "''",
        ]).prop_map(str::to_owned),
        1 => "[0-9]{1,40}(\\.[0-9]{1,40})?",
    ]
    .boxed()
}

fn value(unit: Option<Unit>) -> BoxedStrategy<String> {
    prop_oneof![4 => valid(unit), 1 => hostile()].boxed()
}

fn date() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (2016i32..=2020, 1u32..=12, prop::sample::select(vec![1u32, 15, 28])).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        1 => (2010i32..=2030).prop_map(|y| y.to_string()),
        1 => prop::sample::select(vec!["2015-12-31", "2021-01-01", "2018-02-30", "2019-13-01", "x"]).prop_map(str::to_owned),
    ]
    .boxed()
}

/// A growth rate for `index`: small, large, negative or not a number.
fn rate() -> BoxedStrategy<String> {
    prop_oneof![
        3 => decimal(200, 3),
        1 => prop::sample::select(vec!["-0.5", "-2", "10", "1000000000"]).prop_map(str::to_owned),
        1 => hostile(),
    ]
    .boxed()
}

/// One override of a real path: `set`, `scale`, `values` or `index`, with or without
/// `from` and `until`.
fn override_text() -> impl Strategy<Value = String> {
    prop::sample::select(paths()).prop_flat_map(|(path, unit)| {
        (
            0u8..4,
            value(unit),
            value(unit),
            prop_oneof![3 => decimal(3000, 3), 1 => hostile()],
            rate(),
            (date(), date()),
            (prop::option::of(date()), prop::option::of(date())),
            0u32..40,
        )
            .prop_map(
                move |(kind, v, w, factor, rate, (d1, d2), (from, until), rounding)| {
                    let mut t = format!("  - path: {path}\n");
                    match kind {
                        0 => t.push_str(&format!("    set: {v}\n")),
                        1 => t.push_str(&format!("    scale: {factor}\n")),
                        2 => {
                            let (a, b) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
                            t.push_str(&format!("    values: {{{a}: {v}, {b}: {w}}}\n"));
                            return t;
                        }
                        _ => t.push_str(&format!(
                            "    index: {{rate: {rate}, rounding: {rounding}}}\n"
                        )),
                    }
                    if let Some(f) = from {
                        t.push_str(&format!("    from: {f}\n"));
                    }
                    if let Some(u) = until {
                        t.push_str(&format!("    until: {u}\n"));
                    }
                    t
                },
            )
    })
}

/// Load and run a scenario text over the embedded seeds (loaded once; the overrides
/// are applied to a copy, as `Scenario::model` does).
fn run(text: &str) -> fendan::Result<()> {
    let scenario = fendan::Scenario::parse(Source::new("fuzz.yaml", text), Path::new("."))?;
    let mut model = baseline().1.clone();
    fendan::overrides::apply(&mut model, &scenario.overrides, scenario.years)?;
    let out = fendan::run(&model, scenario.years)?;
    // The sums the tables publish are checked too.
    fendan::report::render(&model, &out, &scenario)?;
    Ok(())
}

fn located(e: &Error) -> Option<&Location> {
    match e {
        Error::Input { location, .. } | Error::Overflow { location, .. } => Some(location),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_scenario_runs_or_says_where_it_is_wrong(
        overrides in prop::collection::vec(override_text(), 1..3),
    ) {
        let text = format!("name: fuzz\ntitle: generated\noverrides:\n{}", overrides.concat());
        if let Err(e) = run(&text) {
            let at = located(&e);
            prop_assert!(at.is_some(), "not an input error: {e}\n{text}");
            let at = at.unwrap();
            prop_assert!(!at.file.is_empty(), "no file: {e}\n{text}");
            if at.file == "fuzz.yaml" {
                prop_assert!(at.line > 0, "no line: {e}\n{text}");
            }
        }
    }
}

/// Issue 9 item 1, each example: a clean exit 2 with the line that set the value.
#[test]
fn the_overflow_examples_of_issue_9_are_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for (change, line, says) in [
        (
            "set: 1000000000000000",
            6,
            "the largest standard fendan accepts",
        ),
        (
            "scale: 100000000000000000000",
            6,
            "larger than any number fendan reads",
        ),
        (
            "index: {rate: 1000000000}",
            6,
            "the largest standard fendan accepts",
        ),
        (
            "set: 400000000000",
            6,
            "the largest standard fendan accepts",
        ),
    ] {
        let sc = tmp.path().join("s.yaml");
        std::fs::write(
            &sc,
            format!("name: s\ntitle: t\nextends: baseline\noverrides:\n  - path: services.1.primary_public_funds.standard\n    {change}\n"),
        )
        .unwrap();
        let out = tmp.path().join("out");
        let o = fendan(
            tmp.path(),
            &[
                "simulate",
                "s.yaml",
                "--quiet",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{change}: {err}");
        assert!(err.contains(says), "{change}: {err}");
        assert!(err.contains(&format!("s.yaml:{line}:")), "{change}: {err}");
        assert!(!out.exists(), "{change}: wrote {}", out.display());
    }
}

/// A sweep point whose cells do not fit is refused with the spec line, and no point is
/// written. (The axes are each within their bounds; together they are not.)
#[test]
fn a_sweep_point_that_overflows_is_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("spec.yaml"),
        "name: big\naxes:\n  - path: services.2.primary_meals.standard\n    values: [4, 1000000000]\n  - path: cohorts.rural_pupils_primary.adjust\n    values: [1, 1000]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = fendan(
        tmp.path(),
        &[
            "sweep",
            "spec.yaml",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("more than fendan can hold"), "{err}");
    assert!(err.contains("spec.yaml:3:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.join("points.csv").exists());
}

/// `compare` reads amounts from files a user may have edited: rows that each add up but
/// whose sum does not fit, a row whose levels overflow, and negative amounts are refused
/// at their row, not wrapped around.
#[test]
fn compare_refuses_amounts_that_do_not_add_up_in_an_i64() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let o = fendan(
        &root(),
        &["simulate", "--quiet", "--out", a.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let path = a.join("outlays.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let (h, _) = read_csv(&path);
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let manifest = a.join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    // why: half of i64::MAX fen in each of three rows; each row is consistent (central
    // = total, the other levels 0), but the three totals overflow when added.
    let half = "46116860184275879.03";
    let consistent = |v: &str| -> Vec<(usize, String)> {
        let mut c = vec![(col("central"), v.to_owned()), (col("total"), v.to_owned())];
        for l in ["province", "city", "county"] {
            c.push((col(l), "0.00".to_owned()));
        }
        c
    };
    for (rows, changes, says) in [
        (3, consistent(half), "more than fendan can hold"),
        (
            1,
            vec![(col("central"), "92233720368547758.07".to_owned())],
            "central + province + city + county = more than fendan can hold",
        ),
        (
            1,
            vec![(col("central"), "-1.00".to_owned())],
            "is not an amount in yuan, 0 or more",
        ),
    ] {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        for l in lines.iter_mut().skip(1).take(rows) {
            let mut f: Vec<String> = l.split(',').map(str::to_owned).collect();
            for (i, v) in &changes {
                f[*i] = v.clone();
            }
            *l = f.join(",");
        }
        let edited = lines.join("\n") + "\n";
        std::fs::write(&path, &edited).unwrap();
        // The manifest is updated too, as a careful editor would: the sums must be
        // refused on their own, not only because the file's hash changed.
        let old_sha = hex(&sha2::Sha256::digest(text.as_bytes()));
        assert!(m.contains(&old_sha));
        let new_sha = hex(&sha2::Sha256::digest(edited.as_bytes()));
        std::fs::write(&manifest, m.replace(&old_sha, &new_sha)).unwrap();
        let o = fendan(&root(), &["compare", a.to_str().unwrap(), "baseline"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(err.contains("outlays.csv:"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
