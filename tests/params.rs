//! Finding a parameter: `fendan params`, `explain --param PREFIX`, `catalog --by
//! component`, and suggestions that stay within the service (rule, cohort, unit) typed,
//! in scenarios, sweep axes and `explain`.

use std::fs;

use crate::common::*;

fn out(args: &[&str]) -> std::process::Output {
    fendan(&root(), args)
}

#[test]
fn params_lists_every_path_with_a_value_per_year() {
    let o = out(&["params", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        h,
        [
            "path",
            "unit",
            "label",
            "2016",
            "2017",
            "2018",
            "2019",
            "2020",
            "source",
            "assumption",
            "confidence",
            "defined_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let (_, m) = baseline();
    // why: every parameter of the tree, and three attributes of each of the 20 units.
    assert_eq!(rows.len(), m.params.len() + 3 * m.units.len());
    let row = |p: &str| {
        rows.iter()
            .find(|r| &r[0] == p)
            .unwrap_or_else(|| panic!("{p}"))
    };
    // why: the city 低保 standard is 618 a month in 2019 and rises to 702 on 2020-03-01
    // (seeds/services/05-social_services.yaml); the change shows with its date.
    let r = row("services.48.urban_allowance.standard");
    assert_eq!(&r[1], "yuan_per_month");
    assert_eq!(&r[6], "618");
    assert_eq!(&r[7], "618 → 702 from 03-01");
    assert_eq!(&r[10], "medium");
    // why: the 2019 reform puts the resident pension minimum on the centre (gbf-2018-6).
    let r = row("splits.pension_base.central");
    assert_eq!(&r[7], "1");
    assert!(r[8].contains("gbf-2018-6"), "{}", &r[8]);
    let r = row("units.130425.fiscal_class");
    assert_eq!((&r[1], &r[3]), ("fiscal_class", "managed"));
}

#[test]
fn a_prefix_or_a_text_narrows_the_list() {
    let o = out(&["params", "services.48", "--format", "csv"]);
    let text = stdout(&o);
    // why: service 48 has four components (urban and rural, each also for the difficult
    // units), each with a standard and a coverage: 8 paths.
    assert_eq!(text.lines().count(), 1 + 8, "{text}");
    assert!(text.lines().skip(1).all(|l| l.starts_with("services.48.")));
    let o = out(&["params", "--grep", "城市低保", "--format", "csv"]);
    assert!(stdout(&o).lines().skip(1).all(|l| l.contains("城市低保")));
    assert!(stdout(&o).lines().count() > 1);
    let o = out(&["params", "services.84"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no parameter path is `services.84`"),
        "{}",
        stderr(&o)
    );
    // A scenario's values, with the line that changed them.
    let o = out(&[
        "params",
        "splits.pension_base.central",
        "--scenario",
        "pre_reform_shares",
        "--format",
        "csv",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains(",0.5,0.5,")
            && text.contains("scenario scenarios/pre_reform_shares.yaml (embedded):"),
        "{text}"
    );
}

#[test]
fn explain_lists_the_paths_under_a_prefix() {
    let o = out(&["explain", "--param", "services.48"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("`services.48` is the prefix of 8 paths"),
        "{text}"
    );
    assert!(text.contains("services.48.urban_allowance.standard"));
    let o = out(&["explain", "--param", "splits.compulsory_edu"]);
    let text = stdout(&o);
    // why: centre 0.6; a managed unit's rest 0.4 split 2:1:1 → 0.2 / 0.1 / 0.1 of the whole.
    assert!(
        text.lines().any(|l| l.contains("managed")
            && l.contains("0.6")
            && l.contains("0.2")
            && l.contains("0.1")),
        "{text}"
    );
    let o = out(&["explain", "--param", "units.130425.poverty"]);
    assert!(
        stdout(&o).starts_with("units.130425.poverty (大名县 · 贫困县类别, poverty): national"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn suggestions_stay_within_the_service_typed() {
    // why: `urban` is 1 edit from service 45's component name pattern but service 48 is
    // what was typed; the suggestion is a path of service 48, wherever the path is typed.
    let typo = "services.48.urban.standard";
    let want = "(did you mean `services.48.urban_allowance.standard`?)";
    let o = out(&["explain", "--param", typo]);
    assert!(
        stderr(&o).contains(want) || stderr(&o).contains("`services.48.urban_allowance`"),
        "{}",
        stderr(&o)
    );
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(
        d.join("s.yaml"),
        format!("name: s\ntitle: s\noverrides:\n  - {{path: {typo}, set: 600}}\n"),
    )
    .unwrap();
    let o = fendan(d, &["validate", "s.yaml"]);
    assert!(stderr(&o).contains(want), "{}", stderr(&o));
    fs::write(
        d.join("w.yaml"),
        format!("name: w\naxes:\n  - {{path: {typo}, values: [600]}}\n"),
    )
    .unwrap();
    let o = fendan(d, &["sweep", "w.yaml", "--out", "o"]);
    assert!(stderr(&o).contains(want), "{}", stderr(&o));
    // Nothing close under service 48: its paths are listed instead of another service's.
    let o = out(&["explain", "--param", "services.48.xyz.standard"]);
    assert!(
        stderr(&o)
            .contains("(the paths under `services.48` are `services.48.rural_allowance.coverage`"),
        "{}",
        stderr(&o)
    );
    // A prefix is completed.
    let o = out(&["explain", "--param", "services.48.urban"]);
    assert!(
        stderr(&o).contains("(did you mean `services.48.urban_allowance`?)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn catalog_by_component_gives_each_components_paths() {
    let o = out(&["catalog", "--by", "component", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(h[3], "component");
    let p = h.iter().position(|x| x == "parameters").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let (_, m) = baseline();
    assert_eq!(
        rows.len(),
        m.services.iter().map(|s| s.components.len()).sum::<usize>()
    );
    let row = rows
        .iter()
        .find(|r| &r[0] == "48" && &r[3] == "urban_allowance")
        .unwrap();
    let paths: Vec<&str> = row[p].split(';').collect();
    assert_eq!(paths[0], "services.48.urban_allowance.standard");
    assert!(
        paths.iter().all(|x| m.params.lookup(x).is_some()),
        "{paths:?}"
    );
    assert!(paths.iter().any(|x| x.starts_with("cohorts.")), "{paths:?}");
    assert!(paths.iter().any(|x| x.starts_with("splits.")), "{paths:?}");
    // The per-service CSV lists the service's own paths.
    let o = out(&["catalog", "--format", "csv", "--domain", "social_services"]);
    assert!(
        stdout(&o)
            .contains("services.48.rural_allowance.coverage;services.48.rural_allowance.standard")
    );
}

#[test]
fn money_is_the_display_unit_and_unit_stays_a_unit_code() {
    let a = out(&[
        "compare", "baseline", "baseline", "--by", "level", "--money", "yi",
    ]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(stdout(&a).contains("亿元"), "{}", stdout(&a));
    assert!(stderr(&a).is_empty());
    let zh = out(&[
        "compare", "baseline", "baseline", "--by", "level", "--money", "亿元",
    ]);
    assert_eq!(stdout(&zh), stdout(&a));
    // The old spelling works for one release, with a warning on stderr.
    let old = out(&[
        "compare", "baseline", "baseline", "--by", "level", "--unit", "yi",
    ]);
    assert!(old.status.success());
    assert_eq!(stdout(&old), stdout(&a));
    assert_eq!(
        stderr(&old),
        "warning: `--unit yi` is the old spelling of `--money yi` and goes in the next release; `--unit` means a unit code (as in `fendan explain --unit 130425`)\n"
    );
    let both = out(&[
        "compare", "baseline", "baseline", "--money", "yi", "--unit", "wan",
    ]);
    assert_eq!(both.status.code(), Some(2));
    let tmp = tempfile::tempdir().unwrap();
    let o = fendan(tmp.path(), &["simulate", "--out", "r", "--unit", "yuan"]);
    assert!(o.status.success());
    assert!(stderr(&o).starts_with("warning: `--unit yuan` is the old spelling"));
    assert!(
        stdout(&o).contains("outlays by level, 元 (yuan)"),
        "{}",
        stdout(&o)
    );
    // `--unit` in explain is a unit code, as before.
    let o = out(&[
        "explain",
        "--unit",
        "130425",
        "--service",
        "20",
        "--year",
        "2019",
        "--component",
        "basic_pension",
    ]);
    assert!(stdout(&o).starts_with("大名县"));
}
