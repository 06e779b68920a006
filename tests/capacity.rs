//! Capacity: cells checked by hand (a unit above the threshold, one below, one with no
//! revenue figure), the threshold moved by a scenario and by a sweep, the city-median
//! rule, the walk-through's relations, and published figures kept in their measure.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::common::*;

fn hand() -> std::path::PathBuf {
    root().join("tests/data/capacity/hand/scenario.yaml")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `fendan simulate SCENARIO --out DIR`, which must succeed; its stdout.
fn simulate(scenario: &Path, out: &Path) -> String {
    let o = fendan(&root(), &["simulate", s(scenario), "--out", s(out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// A CSV file's rows as column → value maps.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = read_csv(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn unit_row(rows: &[BTreeMap<String, String>], year: &str, code: &str) -> BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["year"] == year && r["unit_code"] == code)
        .unwrap_or_else(|| panic!("no row for {year} {code}"))
        .clone()
}

/// The hand case without its fiscal file, written into `dir`.
fn hand_without_fiscal(dir: &Path) -> std::path::PathBuf {
    let hand = root().join("tests/data/capacity/hand");
    let copy = dir.join("nofiscal.yaml");
    let text = fs::read_to_string(hand.join("scenario.yaml"))
        .unwrap()
        .replace("  fiscal: fiscal.csv\n", "")
        .replace("plan: .", &format!("plan: {}", s(&hand)))
        .replace(
            "[services.yaml]",
            &format!("[{}]", s(&hand.join("services.yaml"))),
        );
    fs::write(&copy, text).unwrap();
    copy
}

/// A scenario file in `dir` that extends the hand case with `extra` YAML lines.
fn extend_hand(dir: &Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("variant.yaml");
    let text = format!(
        "name: variant\ntitle: variant\nextends: {}\n{extra}",
        s(&hand())
    );
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn hand_computed_cells_above_below_and_without_revenue() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let said = simulate(&hand(), &out);
    let cap = rows(&out.join("capacity.csv"));
    assert_eq!(cap.len(), 20, "one row per unit of the one year");

    // Above: 邯山区, 100,000 residents.
    // why: 100,000 × 100 yuan = 10,000,000.00, half of it the county level's: 5,000,000.00.
    // why: 5,000,000 / 10,000,000 = 0.5000 of own revenue; ceiling 0.3 × 10,000,000 = 3,000,000.00;
    //      need 5,000,000 − 3,000,000 = 2,000,000.00.
    // why: per head 5,000,000 / 100,000 = 50.00 and 10,000,000 / 100,000 = 100.00;
    //      with general transfers 5,000,000 / (10,000,000 + 4,000,000) = 0.3571.
    let a = unit_row(&cap, "2019", "130402");
    let want = [
        ("population", "100000"),
        ("county_outlay", "5000000.00"),
        ("own_revenue", "10000000.00"),
        ("burden_share", "0.5000"),
        ("county_per_head", "50.00"),
        ("revenue_per_head", "100.00"),
        ("threshold", "0.3000"),
        ("ceiling", "3000000.00"),
        ("transfer_need", "2000000.00"),
        ("status", "above"),
        ("general_transfers", "4000000.00"),
        ("equalization_transfers", "1000000.00"),
        ("special_transfers", ""),
        ("total_revenue", ""),
        ("burden_share_with_general_transfers", "0.3571"),
        ("basis", "illustrative"),
        ("source", "illustrative (test figure)"),
    ];
    for (k, v) in want {
        assert_eq!(a[k], v, "130402 {k}");
    }

    // Below: 临漳县, 40,000 residents.
    // why: county level 40,000 × 100 / 2 = 2,000,000.00; 2,000,000 / 100,000,000 = 0.0200;
    //      ceiling 30,000,000.00 is above the outlay, so no need.
    let b = unit_row(&cap, "2019", "130423");
    for (k, v) in [
        ("county_outlay", "2000000.00"),
        ("burden_share", "0.0200"),
        ("ceiling", "30000000.00"),
        ("transfer_need", "0.00"),
        ("status", "within"),
    ] {
        assert_eq!(b[k], v, "130423 {k}");
    }

    // No revenue figure: 大名县 (an empty cell in the file).
    // why: its outlay is known (60,000 × 50 = 3,000,000.00), every measure built on revenue is empty, never 0.
    let c = unit_row(&cap, "2019", "130425");
    assert_eq!(c["county_outlay"], "3000000.00");
    assert_eq!(c["county_per_head"], "50.00");
    for k in [
        "own_revenue",
        "burden_share",
        "revenue_per_head",
        "threshold",
        "ceiling",
        "transfer_need",
        "status",
        "basis",
        "source",
    ] {
        assert_eq!(c[k], "", "130425 {k} stays empty");
    }

    // The year: the two units with revenue.
    // why: (5,000,000 + 2,000,000) / (10,000,000 + 100,000,000) = 0.0636; need 2,000,000.00;
    //      shares 0.02 and 0.5; districts (邯山区) 0.5, counties (临漳县) 0.02.
    // why: revenue-weighted, mean 7/110 = 0.063636: CV = sqrt(1/11 × 0.436364² + 10/11 × 0.043636²) / 0.063636 = 2.168419.
    let sum = rows(&out.join("capacity_summary.csv"));
    assert_eq!(sum.len(), 1);
    for (k, v) in [
        ("rule", "fixed"),
        ("threshold", "0.3000"),
        ("units", "20"),
        ("units_with_revenue", "2"),
        ("units_above", "1"),
        ("county_outlay", "7000000.00"),
        ("own_revenue", "110000000.00"),
        ("burden_share", "0.0636"),
        ("transfer_need", "2000000.00"),
        ("min_share", "0.0200"),
        ("max_share", "0.5000"),
        ("cv", "2.168419"),
        ("districts_share", "0.5000"),
        ("counties_share", "0.0200"),
        ("basis", "illustrative"),
    ] {
        assert_eq!(sum[0][k], v, "summary {k}");
    }

    // by_unit.csv carries the same figures at its end, empty where there is no figure.
    let by_unit = rows(&out.join("by_unit.csv"));
    let a = unit_row(&by_unit, "2019", "130402");
    assert_eq!(
        [
            &a["own_revenue"],
            &a["burden_share"],
            &a["transfer_need"],
            &a["fiscal_basis"]
        ],
        ["10000000.00", "0.5000", "2000000.00", "illustrative"]
    );
    let c = unit_row(&by_unit, "2019", "130425");
    assert_eq!(
        [
            &c["own_revenue"],
            &c["burden_share"],
            &c["transfer_need"],
            &c["fiscal_basis"]
        ],
        ["", "", "", ""]
    );
    // The summary says so, and labels the made-up figures.
    assert!(said.contains("│ 130402 邯山区 ┆ 50.00 %"), "{said}");
    assert!(said.contains("ILLUSTRATIVE 示例数据"), "{said}");
    assert!(said.contains("130425 大名县"), "{said}");
    // The manifest lists the fiscal file among the inputs and both capacity files.
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let names = |k: &str| -> Vec<String> {
        m[k].as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        names("inputs")
            .iter()
            .any(|n| n.ends_with("hand/fiscal.csv"))
    );
    assert!(names("outputs").contains(&"capacity.csv".to_owned()));
    assert!(names("outputs").contains(&"capacity_summary.csv".to_owned()));
}

#[test]
fn a_scenario_override_moves_the_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = extend_hand(
        tmp.path(),
        "overrides:\n  - path: capacity.threshold\n    set: 0.25\n",
    );
    simulate(&sc, &tmp.path().join("run"));
    let cap = rows(&tmp.path().join("run/capacity.csv"));
    // why: ceiling 0.25 × 10,000,000 = 2,500,000.00; need 5,000,000 − 2,500,000 = 2,500,000.00.
    let a = unit_row(&cap, "2019", "130402");
    assert_eq!(
        [&a["threshold"], &a["ceiling"], &a["transfer_need"]],
        ["0.2500", "2500000.00", "2500000.00"]
    );
}

#[test]
fn the_city_median_rule_takes_the_middle_share() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = extend_hand(tmp.path(), "capacity: {rule: city_median}\n");
    simulate(&sc, &tmp.path().join("run"));
    let cap = rows(&tmp.path().join("run/capacity.csv"));
    // why: the shares with data are 0.5 and 0.02; their median is (0.5 + 0.02) / 2 = 0.26;
    //      ceiling 0.26 × 10,000,000 = 2,600,000.00; need 5,000,000 − 2,600,000 = 2,400,000.00.
    let a = unit_row(&cap, "2019", "130402");
    assert_eq!(
        [&a["threshold"], &a["ceiling"], &a["transfer_need"]],
        ["0.2600", "2600000.00", "2400000.00"]
    );
    let sum = rows(&tmp.path().join("run/capacity_summary.csv"));
    assert_eq!(
        [&sum[0]["rule"], &sum[0]["threshold"]],
        ["city_median", "0.2600"]
    );
}

#[test]
fn a_run_without_fiscal_data_writes_no_capacity_files_and_the_same_by_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = hand_without_fiscal(tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let said = simulate(&copy, &a);
    simulate(&hand(), &b);
    assert!(!a.join("capacity.csv").exists());
    assert!(!said.contains("capacity: the county level"), "{said}");
    let (ha, ra) = read_csv(&a.join("by_unit.csv"));
    let (hb, rb) = read_csv(&b.join("by_unit.csv"));
    // The capacity columns are added at the end; the others are unchanged.
    assert_eq!(ha.len() + 4, hb.len());
    assert_eq!(ha[..], hb[..ha.len()]);
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x[..], y[..x.len()]);
    }
}

#[test]
fn the_walk_through_measures_follow_from_outlay_and_revenue() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    simulate(&root().join("scenarios/capacity_2019.yaml"), &out);
    let cap = rows(&out.join("capacity.csv"));
    let by_unit = rows(&out.join("by_unit.csv"));
    let mut need = 0;
    let mut with = 0;
    for r in &cap {
        let u = unit_row(&by_unit, &r["year"], &r["unit_code"]);
        assert_eq!(r["county_outlay"], u["county"], "{r:?}");
        if r["own_revenue"].is_empty() {
            for k in ["burden_share", "ceiling", "transfer_need", "status"] {
                assert_eq!(r[k], "", "{r:?}");
            }
            continue;
        }
        with += 1;
        assert_eq!(r["year"], "2019", "only 2019 has figures");
        assert_eq!(r["basis"], "illustrative");
        let (county, revenue) = (fen(&r["county_outlay"]), fen(&r["own_revenue"]));
        // ceiling = 0.3 × revenue (revenues are whole 万元, so exact); need = max(0, outlay − ceiling)
        let ceiling = revenue * 3 / 10;
        assert_eq!(fen(&r["ceiling"]), ceiling, "{r:?}");
        assert_eq!(fen(&r["transfer_need"]), (county - ceiling).max(0), "{r:?}");
        assert_eq!(
            r["status"],
            if county > ceiling { "above" } else { "within" }
        );
        need += fen(&r["transfer_need"]);
    }
    assert_eq!(with, 18, "two functional zones have no figure");
    let sum = rows(&out.join("capacity_summary.csv"));
    let y2019 = sum.iter().find(|r| r["year"] == "2019").unwrap();
    assert_eq!(fen(&y2019["transfer_need"]), need);
    for r in sum.iter().filter(|r| r["year"] != "2019") {
        assert_eq!(
            (
                r["units_with_revenue"].as_str(),
                r["transfer_need"].as_str()
            ),
            ("0", "")
        );
    }
}

#[test]
fn published_figures_stay_in_their_measure() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    simulate(&root().join("scenarios/capacity_published.yaml"), &out);
    let cap = rows(&out.join("capacity.csv"));
    assert!(cap.iter().all(|r| r["own_revenue"].is_empty()));
    // 肥乡区's 2020 全部财政收入 is all revenue collected, not own revenue: it is shown, not used.
    let f = unit_row(&cap, "2020", "130407");
    assert_eq!(f["total_revenue"], "1510000000.00");
    assert_eq!([&f["burden_share"], &f["transfer_need"]], ["", ""]);
    assert_eq!(f["basis"], "data");
    assert!(f["source"].starts_with("feixiang-profile-2021"));
    let sum = rows(&out.join("capacity_summary.csv"));
    assert!(
        sum.iter()
            .all(|r| r["units_with_revenue"] == "0" && r["transfer_need"].is_empty())
    );
}

/// The sweep's capacity metric at a point equals `simulate` with the point's overrides;
/// the threshold axis moves it, and moves no outlay.
#[test]
fn a_threshold_axis_moves_the_capacity_metric_as_simulate_does() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let spec = root().join("tests/data/sweep/capacity.yaml");
    let o = fendan(&root(), &["sweep", s(&spec), "--out", s(&out), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let points = rows(&out.join("points.csv"));
    assert_eq!(points.len(), 10);
    // The made-up revenues are named in the sweep's manifest and summary.
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["fiscal_basis"], "illustrative");
    let needs: std::collections::BTreeSet<&str> = points
        .iter()
        .map(|p| p["transfer_need_2019"].as_str())
        .collect();
    assert!(needs.len() >= 5, "the threshold moves the need: {needs:?}");
    for p in [0usize, 5, 9] {
        let point = &points[p];
        let (t, std) = (
            &point["capacity.threshold"],
            &point["services.1.primary_public_funds.standard"],
        );
        let sc = tmp.path().join(format!("p{p}.yaml"));
        fs::write(
            &sc,
            format!(
                "name: p{p}\ntitle: p\nextends: {}\noverrides:\n  - path: capacity.threshold\n    set: {t}\n  - path: services.1.primary_public_funds.standard\n    from: 2019-01-01\n    set: {std}\n",
                s(&root().join("scenarios/capacity_2019.yaml"))
            ),
        )
        .unwrap();
        let run = tmp.path().join(format!("p{p}"));
        simulate(&sc, &run);
        let sum = rows(&run.join("capacity_summary.csv"));
        let y = sum.iter().find(|r| r["year"] == "2019").unwrap();
        assert_eq!(point["transfer_need_2019"], y["transfer_need"], "point {p}");
        assert_eq!(point["burden_share_2019"], y["burden_share"], "point {p}");
        assert_eq!(
            point["transfer_need_2018"], "",
            "no figures in 2018: missing"
        );
        let levels = rows(&run.join("by_level.csv"));
        let l = levels.iter().find(|r| r["year"] == "2019").unwrap();
        assert_eq!(point["county_2019"], l["county"], "point {p}");
    }
    // Points that differ only in the threshold have the same outlays.
    assert_eq!(points[0]["county_2019"], points[8]["county_2019"]);
    assert_ne!(
        points[0]["transfer_need_2019"],
        points[8]["transfer_need_2019"]
    );
}

#[test]
fn the_capacity_metric_needs_fiscal_data() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec.yaml");
    fs::write(
        &spec,
        "name: x\nbase: baseline\naxes:\n  - path: capacity.threshold\n    values: [0.2, 0.3]\nmetrics: [capacity]\n",
    )
    .unwrap();
    let o = fendan(tmp.path(), &["sweep", "spec.yaml", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: the metric `capacity` needs fiscal figures, but the base scenario has none; give it `data: {fiscal: FILE}`"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("spec.yaml:6:"), "{}", stderr(&o));
}

/// The README's walk-through: every command it shows prints the lines it shows, and the
/// figures in its prose are those of the runs and of the capacity sweep.
#[test]
fn the_readme_walk_through_is_what_fendan_prints() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("### Walk-through: which counties cannot afford their share in 2019?")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the walk-through");
    let tmp = tempfile::tempdir().unwrap();
    // The median scenario as the README shows it, saved beside capacity_2019.yaml.
    let yaml = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the median scenario");
    let median = tmp.path().join("capacity_2019_median.yaml");
    fs::write(
        &median,
        yaml.replace(
            "extends: capacity_2019.yaml",
            &format!(
                "extends: {}",
                s(&root().join("scenarios/capacity_2019.yaml"))
            ),
        ),
    )
    .unwrap();
    let mut printed = BTreeMap::new();
    for block in section.split("```text\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let command = block.lines().next().unwrap();
        let scenario = command
            .strip_prefix("$ fendan simulate ")
            .unwrap_or_else(|| panic!("a simulate command: {command}"));
        let path = if scenario.ends_with("capacity_2019_median.yaml") {
            median.clone()
        } else {
            root().join(scenario)
        };
        let out = tmp.path().join(scenario.replace('/', "_"));
        let o = fendan(
            &root(),
            &["simulate", scenario_arg(&path), "--out", s(&out)],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let said = stdout(&o);
        for line in block.lines().skip(1) {
            if line == "…" || line.starts_with("wrote ") {
                continue;
            }
            assert!(
                said.contains(line),
                "README line not printed by `{command}`:\n{line}\n---\n{said}"
            );
        }
        printed.insert(scenario.to_owned(), out);
    }
    assert_eq!(printed.len(), 3, "three runs shown");
    let wan = |fen: i64| {
        let scale = fendan::money::Scale::Wan;
        format!("{}万元", fendan::money::grouped(&scale.format(fen)))
    };
    let need = |dir: &Path| -> i64 {
        let sum = rows(&dir.join("capacity_summary.csv"));
        fen(&sum.iter().find(|r| r["year"] == "2019").unwrap()["transfer_need"])
    };
    // The prose, with its line breaks as spaces.
    let section = section.split_whitespace().collect::<Vec<_>>().join(" ");
    let fixed = need(&printed["scenarios/capacity_2019.yaml"]);
    let by_median = need(&printed["scenarios/capacity_2019_median.yaml"]);
    assert!(section.contains(&format!("{} (about 9.26亿元)", wan(fixed))));
    assert!(section.contains(&format!("the need falls to {}", wan(by_median))));
    let cap = rows(&printed["scenarios/capacity_2019.yaml"].join("capacity.csv"));
    let wei = unit_row(&cap, "2019", "130434");
    let daming = unit_row(&cap, "2019", "130425");
    let (w, d) = (fen(&wei["transfer_need"]), fen(&daming["transfer_need"]));
    assert!(section.contains(&format!("魏县 {}", wan(w))));
    assert!(section.contains(&format!("大名县 {} alone", wan(d))));
    // why: (21,531.11 + 20,076.31) / 92,550.54 = 44.96 % → 45 %.
    assert_eq!(((w + d) * 100 + fixed / 2) / fixed, 45);
    assert!(section.contains("alone are 45 % of it"));
    assert!(section.contains(&format!(
        "{} yuan a head of county-level outlay against {} of",
        fendan::money::grouped(&wei["county_per_head"]),
        fendan::money::grouped(&wei["revenue_per_head"])
    )));
    // The sweep's range of the 2019 need.
    let sweep = tmp.path().join("sweep");
    let spec = root().join("tests/data/sweep/capacity.yaml");
    let o = fendan(&root(), &["sweep", s(&spec), "--out", s(&sweep), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = rows(&sweep.join("summary.csv"));
    let t = summary
        .iter()
        .find(|r| r["metric"] == "transfer_need_2019" && r["axis"] == "capacity.threshold")
        .unwrap();
    assert_eq!([&t["at_low"], &t["at_high"]], ["0.4", "0.2"]);
    assert!(section.contains(&format!(
        "from {} (threshold 0.4) to {} (0.2)",
        wan(fen(&t["low"])),
        wan(fen(&t["high"]))
    )));
}

/// A scenario path as `fendan` is given it from the project root.
fn scenario_arg(p: &Path) -> &str {
    let r = root();
    let text = s(p);
    text.strip_prefix(s(&r))
        .map(|rest| rest.trim_start_matches('/'))
        .unwrap_or(text)
}

#[cfg(feature = "report")]
#[test]
fn the_report_has_a_capacity_page_only_with_fiscal_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    simulate(&root().join("scenarios/capacity_2019.yaml"), &run);
    let report = |year: Option<&str>| -> String {
        let html = tmp.path().join("r.html");
        let mut args = vec!["report", s(&run), "--out", s(&html), "--force"];
        if let Some(y) = year {
            args.extend(["--year", y]);
        }
        let o = fendan(&root(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
        fs::read_to_string(&html).unwrap()
    };
    let html = report(None);
    for id in ["chart-capacity-burden", "chart-capacity-need"] {
        assert_eq!(html.matches(&format!("id=\"{id}\"")).count(), 1, "{id}");
    }
    assert!(html.contains("ILLUSTRATIVE, NOT REAL DATA"));
    // The default year is the last with revenue figures; the zones are marked, not 0.
    assert!(html.contains("2019 年各单位县级负担占本级收入比重"));
    assert!(html.contains("130471 邯郸经济技术开发区、130473 邯郸冀南新区"));
    assert!(html.contains("92,550.54"), "the year's need in 万元");
    // A year without figures says so and draws no capacity chart.
    let html = report(Some("2020"));
    assert!(html.contains("No unit has an own-revenue figure for 2020"));
    assert!(!html.contains("chart-capacity-burden"));
    // A run without fiscal figures has no capacity page.
    let plain = tmp.path().join("plain");
    simulate(&hand_without_fiscal(tmp.path()), &plain);
    let html_path = tmp.path().join("p.html");
    let o = fendan(&root(), &["report", s(&plain), "--out", s(&html_path)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !fs::read_to_string(&html_path)
            .unwrap()
            .contains("id=\"capacity\"")
    );
}

#[cfg(feature = "xlsx")]
#[test]
fn the_workbook_has_the_capacity_sheets_with_numbers() {
    use calamine::{Data, Reader};
    let tmp = tempfile::tempdir().unwrap();
    let (run, book) = (tmp.path().join("run"), tmp.path().join("b.xlsx"));
    let o = fendan(
        &root(),
        &[
            "simulate",
            s(&hand()),
            "--out",
            s(&run),
            "--xlsx",
            s(&book),
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&book).unwrap();
    let names = wb.sheet_names();
    for (sheet, _) in fendan::xlsx::CAPACITY_SHEETS {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
    let (sheet, file) = fendan::xlsx::CAPACITY_SHEETS[0];
    let range = wb.worksheet_range(sheet).unwrap();
    let (header, rows) = read_csv(&run.join(file));
    let need = header.iter().position(|h| h == "transfer_need").unwrap();
    assert_eq!(range.height(), rows.len() + 2);
    for (got, want) in range.rows().skip(2).zip(&rows) {
        match &got[need] {
            // why: amounts are numbers equal to the CSV's, to the fen; no figure, no cell.
            Data::Float(x) => assert_eq!((x * 100.0).round() as i64, fen(&want[need])),
            Data::Empty => assert_eq!(want[need], ""),
            other => panic!("{other:?}"),
        }
    }
}
