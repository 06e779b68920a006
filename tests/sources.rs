//! Every source inside the repository: no seed, scenario or tool points outside it, every
//! `source:` resolves in the bibliography, every document there is cited, and the cohort
//! derivation reads only files in the repository. Plus the enrolment calibration it does.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;

/// Text files under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn no_seed_scenario_or_tool_refers_outside_the_repository() {
    // The research notes the seeds were built from are not shipped; a figure must cite the
    // original document (seeds/sources.yaml) and a tool must read files in the repository.
    let outside = [
        "domain-data.md",
        "handan-bulletins.md",
        "shared/reference",
        "../shared",
        "anchors-mission.md",
        "design-review.md",
    ];
    let mut hits = Vec::new();
    for dir in ["seeds", "scenarios", "tools"] {
        for f in files(&root().join(dir)) {
            let Ok(text) = fs::read_to_string(&f) else {
                continue;
            };
            for (n, line) in text.lines().enumerate() {
                if outside.iter().any(|o| line.contains(o)) {
                    hits.push(format!("{}:{}: {line}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "references outside the repository:\n{}",
        hits.join("\n")
    );
}

#[test]
fn every_source_resolves_and_every_document_is_cited() {
    let (_, m) = baseline();
    let b = &m.bibliography;
    // The loader refuses a source that does not resolve; check the result anyway, source by source.
    let mut texts: Vec<(String, &str)> = Vec::new();
    for (_, p) in m.params.iter() {
        if !fendan::sources::is_not_a_citation(&p.source) && !p.source.is_empty() {
            texts.push((p.path.clone(), &p.source));
        }
        for s in p.sources.values() {
            texts.push((p.path.clone(), s));
        }
    }
    for s in &m.services {
        texts.push((format!("service {}", s.id), &s.source));
    }
    for c in m.cohorts.iter().filter(|c| !c.source.is_empty()) {
        texts.push((format!("cohort {}", c.id), &c.source));
    }
    for r in m.rules.iter().filter(|r| !r.source.is_empty()) {
        texts.push((format!("rule {}", r.id), &r.source));
    }
    for u in &m.units {
        texts.push((format!("unit {}", u.code), &u.source));
    }
    for i in &m.indicators {
        texts.push((format!("indicator {}", i.id), &i.source));
    }
    assert!(texts.len() > 500, "{} sources", texts.len());
    for (what, t) in &texts {
        let cites = fendan::sources::parse_citations(t)
            .unwrap_or_else(|e| panic!("{what}: `{t}` does not parse: {e}"));
        for c in cites {
            assert!(
                b.get(&c.id).is_some(),
                "{what}: `{}` is not in sources.yaml",
                c.id
            );
        }
    }
    // Every document of the bibliography is cited somewhere: by the seeds, or by the
    // published fiscal figures a shipped scenario reads (scenarios/data/fiscal-published.csv).
    let usage = fendan::sources::usage(m);
    let published = fendan::Scenario::from_path(&root().join("scenarios/capacity_published.yaml"))
        .and_then(|s| s.model())
        .expect("the published fiscal figures load");
    let fiscal = fendan::sources::usage(&published);
    let unused: Vec<&String> = usage
        .iter()
        .filter(|(id, (p, o))| p + o + fiscal[*id].1 == 0)
        .map(|(id, _)| id)
        .collect();
    assert!(unused.is_empty(), "documents cited by nothing: {unused:?}");
    // Articles of the plan are cited as plan:附件1#N with N one of its 83 items.
    for (what, t) in &texts {
        for c in fendan::sources::parse_citations(t).unwrap() {
            if let Some(item) = c.locator.as_deref().and_then(|l| l.strip_prefix("附件1#")) {
                assert_eq!(c.id, "plan", "{what}");
                for n in item.split('-') {
                    let n: u32 = n
                        .parse()
                        .unwrap_or_else(|_| panic!("{what}: item `{item}`"));
                    assert!((1..=83).contains(&n), "{what}: item {n}");
                }
            }
        }
    }
}

#[test]
fn the_citation_grammar_accepts_notes_and_refuses_free_text() {
    use fendan::sources::parse_citations;
    let c =
        parse_citations("plan:附件1#48 (城市560元/月 (2018); 农村3660元/年); gbf-2018-6").unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].id, "plan");
    assert_eq!(c[0].locator.as_deref(), Some("附件1#48"));
    assert_eq!(
        c[0].note.as_deref(),
        Some("城市560元/月 (2018); 农村3660元/年")
    );
    assert_eq!(
        (c[1].id.as_str(), c[1].note.as_deref()),
        ("gbf-2018-6", None)
    );
    for bad in [
        "邯政规〔2018〕21号 附件1 第1项",
        "plan:附件1#1 extra words",
        "plan: 附件1#1",
        "plan (unclosed",
        "",
        "plan;",
    ] {
        assert!(parse_citations(bad).is_err(), "`{bad}` should be refused");
    }
}

#[test]
fn sources_lists_the_bibliography_with_how_often_each_is_cited() {
    let o = fendan(&root(), &["sources", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        h,
        [
            "id",
            "title",
            "number",
            "issuer",
            "date",
            "published",
            "via",
            "read",
            "taken",
            "parameters",
            "other_uses"
        ]
    );
    let rows: BTreeMap<String, csv::StringRecord> = r
        .records()
        .map(Result::unwrap)
        .map(|rec| (rec[0].to_owned(), rec))
        .collect();
    let (_, m) = baseline();
    assert_eq!(rows.len(), m.bibliography.entries.len());
    // The plan is cited by more parameters than anything else; its 文号 is listed.
    let plan = &rows["plan"];
    assert_eq!(&plan[2], "邯政规〔2018〕21号");
    let params = |id: &str| rows[id][9].parse::<usize>().unwrap();
    assert!(rows.keys().all(|id| params(id) <= params("plan")));
    // The 2020 低保 notice is cited by the 2020 standards of services 48, 49 and 74 (and
    // the gap ratios): count those parameters directly.
    let count = m
        .params
        .iter()
        .filter(|(_, p)| {
            std::iter::once(&p.source)
                .chain(p.sources.values())
                .any(|s| {
                    m.bibliography
                        .cited(s)
                        .iter()
                        .any(|e| e.id == "handan-dibao-2020")
                })
        })
        .count();
    assert_eq!(params("handan-dibao-2020"), count);
    assert!(count >= 10, "{count}");
    // A scenario that reads the published fiscal figures cites every document.
    let o = fendan(&root(), &["sources", "scenarios/capacity_published.yaml"]);
    assert!(
        stdout(&o).contains("documents; 0 not cited by any input"),
        "{}",
        stdout(&o)
    );
}

/// Sum of a data cohort over the units, per year, from seeds/cohorts.csv.
fn city_cohort(cohort: &str) -> BTreeMap<i32, i64> {
    let text = fs::read_to_string(root().join("seeds/cohorts.csv")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[2] == cohort {
            *out.entry(f[0].parse().unwrap()).or_insert(0) += f[3].parse::<i64>().unwrap();
        }
    }
    out
}

#[test]
fn school_age_cohorts_are_calibrated_between_the_2015_actuals_and_the_2020_census() {
    // 2015: ages 6-11 plus 0.96 × ages 12-14 reproduce the city's 136.14万 pupils, and 0.9202 ×
    // ages 15-17 its 13.83万 + 8.12万 upper-secondary students (rounding per unit: a few persons).
    let (a611, a1214, a1517) = (
        city_cohort("age_6_11"),
        city_cohort("age_12_14"),
        city_cohort("age_15_17"),
    );
    let compulsory_2015 = a611[&2015] as f64 + 0.96 * a1214[&2015] as f64;
    assert!(
        (compulsory_2015 - 1_361_400.0).abs() < 20.0,
        "{compulsory_2015}"
    );
    let upper_2015 = 0.9202 * a1517[&2015] as f64;
    assert!((upper_2015 - 219_500.0).abs() < 20.0, "{upper_2015}");
    // The factor rises on a straight line to 1 in 2020, so the cohorts grow every year.
    for y in 2016..=2020 {
        assert!(
            a611[&y] > a611[&(y - 1)] && a1517[&y] > a1517[&(y - 1)],
            "{y}"
        );
    }
    // The 2016 enrolment the engine uses lies between the 2015 actual and the 2020
    // census-based count, for primary + junior and for vocational students.
    let run = baseline_run();
    let (_, m) = baseline();
    let city = |name: &str, y: i32| -> i64 {
        let c = m.cohort_by_name(name).unwrap();
        (0..m.units.len())
            .map(|u| run.headcounts.get(y, u, c))
            .sum()
    };
    let pupils = |y| city("pupils_primary", y) + city("pupils_junior", y);
    assert!(
        1_361_400 < pupils(2016) && pupils(2016) < pupils(2020),
        "primary + junior 2016 {} (2020 {})",
        pupils(2016),
        pupils(2020)
    );
    let voc = |y| city("students_vocational", y);
    assert!(
        81_200 < voc(2016) && voc(2016) < voc(2020),
        "vocational 2016 {}",
        voc(2016)
    );
    // The population is untouched: the city totals are the published ones.
    let pop = city_cohort("pop_total");
    assert_eq!(
        (pop[&2015], pop[&2017], pop[&2020]),
        (9_433_000, 9_511_100, 9_413_990)
    );
}

#[test]
fn the_cohort_derivation_reproduces_the_seeds_from_the_repository_alone() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("python3 not installed: skipped (CI installs it)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cohorts.csv");
    let o = std::process::Command::new("python3")
        .current_dir(root())
        .args([
            "tools/derive_cohorts.py",
            "seeds/census",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        fs::read(&out).unwrap(),
        fs::read(root().join("seeds/cohorts.csv")).unwrap(),
        "tools/derive_cohorts.py seeds/census reproduces seeds/cohorts.csv"
    );
}
