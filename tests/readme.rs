//! The README's examples stay true: its scenario file validates, its case format parses.

use crate::common::*;

fn yaml_blocks(readme: &str) -> Vec<String> {
    readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_readme_scenario_example_is_valid_and_does_what_it_says() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = yaml_blocks(&readme)
        .into_iter()
        .find(|b| b.contains("name: pension_full_central"))
        .expect("README shows a scenario");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.yaml");
    std::fs::write(&path, block).unwrap();
    let o = fendan(&root(), &["validate", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = fendan(
        &root(),
        &[
            "explain",
            path.to_str().unwrap(),
            "--param",
            "splits.pension_base.central",
        ],
    );
    let text = stdout(&o);
    let values: Vec<&str> = text.lines().filter(|l| l.starts_with("  20")).collect();
    assert_eq!(values.len(), 1, "one value, 1 from 2016 on:\n{text}");
    assert!(
        values[0].contains("2016-01-01") && values[0].trim_end().contains(" 1 "),
        "{text}"
    );
}

#[test]
fn the_readme_commands_table_lists_every_subcommand() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let help = stdout(&fendan(&root(), &["--help"]));
    for line in help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
    {
        let Some(cmd) = line.split_whitespace().next() else {
            break;
        };
        if cmd == "help" {
            continue;
        }
        assert!(
            readme.contains(&format!("fendan {cmd}")),
            "README does not mention `fendan {cmd}`"
        );
    }
}

#[test]
fn the_readme_summary_table_is_what_simulate_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let o = fendan(
        &root(),
        &[
            "simulate",
            "scenarios/baseline.yaml",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = stdout(&o);
    let section = readme
        .split("## What a run gives you")
        .nth(1)
        .unwrap()
        .split("```")
        .nth(1)
        .unwrap();
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("│ 20")).collect();
    assert_eq!(rows.len(), 5, "the README shows the five years");
    for row in rows {
        assert!(
            printed.contains(row),
            "README row not printed by simulate:\n{row}\n---\n{printed}"
        );
    }
}

#[test]
fn the_readme_limits_are_the_ones_enforced() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Limits")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Limits section");
    let mib = fendan::limits::DEFAULT_MAX_INPUT_BYTES / (1024 * 1024);
    assert!(section.contains(&format!("**{mib} MiB**")), "input cap");
    assert!(section.contains(fendan::limits::MAX_INPUT_BYTES_VAR));
    assert!(
        section.contains(&format!("**1 to {}**", fendan::limits::MAX_THREADS)),
        "thread range"
    );
    assert!(section.contains("`--force`"));
}

#[test]
fn the_readme_top_ten_assumptions_are_what_fendan_assumptions_ranks_first() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Where the figures are weakest")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let rows: Vec<Vec<String>> = section
        .lines()
        .filter(|l| l.starts_with("| ") && l[2..].starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    assert_eq!(rows.len(), 10, "the README shows ten assumptions");
    let o = fendan(&root(), &["assumptions", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    // 万元 with two decimals, half away from zero, of the distance between the two ends.
    let wan = |fen: i64| {
        let w = rust_decimal::Decimal::from(fen) / rust_decimal::Decimal::from(1_000_000);
        format!(
            "{:.2}",
            w.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        )
    };
    for (row, rec) in rows.iter().zip(r.records().map(Result::unwrap)) {
        assert_eq!(row[1], rec[col("rank")].to_owned());
        assert!(
            row[2].starts_with(&format!("`{}`", &rec[col("path")])),
            "rank {}: README {} vs {}",
            row[1],
            row[2],
            &rec[col("path")]
        );
        for (i, level) in ["central", "province", "city", "county", "total"]
            .iter()
            .enumerate()
        {
            let (a, b) = (
                fen(&rec[col(&format!("{level}_low"))]),
                fen(&rec[col(&format!("{level}_high"))]),
            );
            let swing = a.max(b).max(0) - a.min(b).min(0);
            assert_eq!(row[6 + i], wan(swing), "rank {} {level}", row[1]);
        }
    }
}
