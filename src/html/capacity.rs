//! The capacity page of a run's report, when the run has fiscal data: the county
//! level's outlay as a share of each unit's own general-budget revenue (sorted bars,
//! the threshold as a line), the transfer each unit above the threshold would need, a
//! table of every unit (no figure: "无数据 no data", never 0), and each year's summary.
//! Read from `capacity.csv` and `capacity_summary.csv`, checked against the manifest
//! like every other file of the folder. Figures made up for an example are flagged at
//! the top of the page.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::charts::{self, Bar};
use super::files::{Record, RunFolder, each_record, verify};
use super::page::{self, Align, Table, wan};
use crate::capacity::tables::{ILLUSTRATIVE_BASIS, SUMMARY_FILE, UNIT_FILE};
use crate::error::Result;

/// One row of `capacity.csv`, as far as the page needs it.
struct UnitRow {
    year: i32,
    code: String,
    name: String,
    /// The unit's kind, as the plan names it (`plan.unit_kinds` of the manifest).
    kind: crate::plan::KindInfo,
    county: i64,
    revenue: Option<i64>,
    share: Option<Decimal>,
    county_per_head: Option<Decimal>,
    revenue_per_head: Option<Decimal>,
    ceiling: Option<i64>,
    need: Option<i64>,
    basis: String,
}

/// One row of `capacity_summary.csv`.
struct YearRow {
    year: i32,
    rule: String,
    threshold: Option<Decimal>,
    units: i64,
    with_revenue: i64,
    above: i64,
    share: Option<Decimal>,
    need: Option<i64>,
    cv: Option<Decimal>,
    theil: Option<Decimal>,
    basis: String,
}

fn fen_or_none(r: &Record, k: usize) -> Result<Option<i64>> {
    if r.text(k).is_empty() {
        Ok(None)
    } else {
        r.fen(k).map(Some)
    }
}

fn pct(x: Decimal) -> String {
    let p = (x * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    format!("{p:.1} %")
}

fn f(x: Decimal) -> f64 {
    x.to_f64().unwrap_or(0.0)
}

const NO_DATA: &str = "无数据 no data";

fn read(run: &RunFolder) -> Result<Option<(Vec<UnitRow>, Vec<YearRow>)>> {
    let listed: Vec<_> = run
        .meta
        .outputs
        .iter()
        .filter(|o| o.name == UNIT_FILE || o.name == SUMMARY_FILE)
        .cloned()
        .collect();
    if listed.is_empty() {
        return Ok(None);
    }
    let files = verify(&run.dir, &listed, &[UNIT_FILE, SUMMARY_FILE])?;
    let shown = |n: &str| run.dir.join(n).display().to_string();
    let mut units = Vec::new();
    let plan = &run.meta.plan;
    let kinds = crate::plan::Plan::expected(plan.unit_kinds.iter().map(|k| &k.id));
    let want = [
        "year",
        "unit_code",
        "unit_name",
        "kind",
        "county_outlay",
        "own_revenue",
        "burden_share",
        "county_per_head",
        "revenue_per_head",
        "ceiling",
        "transfer_need",
        "basis",
    ];
    each_record(&shown(UNIT_FILE), &files[UNIT_FILE], &want, |r| {
        units.push(UnitRow {
            year: r.year(0)?,
            code: r.text(1).to_owned(),
            name: r.text(2).to_owned(),
            kind: r.parse(3, &format!("a unit kind of the plan ({kinds})"), |k| {
                plan.kind(k).cloned()
            })?,
            county: r.fen(4)?,
            revenue: fen_or_none(r, 5)?,
            share: r.decimal(6)?,
            county_per_head: r.decimal(7)?,
            revenue_per_head: r.decimal(8)?,
            ceiling: fen_or_none(r, 9)?,
            need: fen_or_none(r, 10)?,
            basis: r.text(11).to_owned(),
        });
        Ok(())
    })?;
    let mut years = Vec::new();
    let want = [
        "year",
        "rule",
        "threshold",
        "units",
        "units_with_revenue",
        "units_above",
        "burden_share",
        "transfer_need",
        "cv",
        "theil",
        "basis",
    ];
    each_record(&shown(SUMMARY_FILE), &files[SUMMARY_FILE], &want, |r| {
        years.push(YearRow {
            year: r.year(0)?,
            rule: r.text(1).to_owned(),
            threshold: r.decimal(2)?,
            units: r.int(3)?,
            with_revenue: r.int(4)?,
            above: r.int(5)?,
            share: r.decimal(6)?,
            need: fen_or_none(r, 7)?,
            cv: r.decimal(8)?,
            theil: r.decimal(9)?,
            basis: r.text(10).to_owned(),
        });
        Ok(())
    })?;
    Ok(Some((units, years)))
}

fn color(kind: &crate::plan::KindInfo) -> plotters::style::RGBColor {
    if kind.urban {
        charts::DISTRICT_COLOR
    } else {
        charts::COUNTY_COLOR
    }
}

/// Sorted bars (largest at the top), both ends of a long list.
fn bars(rows: &mut [(&UnitRow, Decimal)], note: impl Fn(Decimal) -> String) -> Vec<Bar> {
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(b.0.code.cmp(&a.0.code)));
    let bars = rows
        .iter()
        .map(|(u, v)| Bar {
            label: u.name.clone(),
            parts: vec![f(*v)],
            colors: vec![color(&u.kind)],
            note: Some(note(*v)),
        })
        .collect();
    charts::ends(bars, super::run::UNITS_AT_EACH_END).0
}

/// The capacity page, or `None` when the run has no fiscal data. `year`: the one asked
/// for, else the last year with revenue figures.
pub fn section(run: &RunFolder, year: Option<i32>) -> Result<Option<String>> {
    let Some((units, years)) = read(run)? else {
        return Ok(None);
    };
    let year = year
        .or_else(|| {
            years
                .iter()
                .rev()
                .find(|y| y.with_revenue > 0)
                .map(|y| y.year)
        })
        .or_else(|| years.last().map(|y| y.year))
        .unwrap_or(run.meta.years[1]);
    let mut s = String::new();
    if years.iter().any(|y| y.basis == ILLUSTRATIVE_BASIS) {
        s.push_str(&format!(
            "<p class=\"illustrative\" style=\"border:2px solid #a33;color:#a33;padding:6px 10px;font-weight:bold\">{}</p>\n",
            page::escape(
                "示例数据，非真实：本页所用的部分或全部财政收入数字是为演示而编制的（来源标注为 illustrative），不是统计数据。 ILLUSTRATIVE, NOT REAL DATA: some or all of the fiscal figures on this page were made up for an example (source `illustrative`); they are not statistics."
            )
        ));
    }
    let summary = years.iter().find(|y| y.year == year);
    let threshold = summary.and_then(|y| y.threshold);
    let rule = summary.map(|y| y.rule.as_str()).unwrap_or("fixed");
    s.push_str(&page::para(
        "lede",
        &format!(
            "县级负担 = 模型中县级承担的支出 ÷ 本级一般公共预算收入。门槛{}；超出门槛的部分即为使县级负担降至门槛所需的转移支付。 The county level's burden is its modelled outlay ÷ its own general-budget revenue. Threshold: {}; what a unit pays above it is the transfer that would bring its burden down to the threshold.",
            match rule {
                "city_median" => "为当年各单位负担的中位数".to_owned(),
                _ => format!("为本级收入的 {}", threshold.map(pct).unwrap_or_default()),
            },
            match rule {
                "city_median" => "the year's city median".to_owned(),
                _ => format!("{} of own revenue", threshold.map(pct).unwrap_or_default()),
            }
        ),
    ));
    let in_year: Vec<&UnitRow> = units.iter().filter(|u| u.year == year).collect();
    if let Some(y) = summary {
        s.push_str(&page::cards(&[
            (
                format!("{year} 年有收入数据的单位"),
                "units with revenue".into(),
                format!("{} / {}", y.with_revenue, y.units),
            ),
            (
                "超出门槛".into(),
                "above the threshold".into(),
                y.above.to_string(),
            ),
            (
                "县级支出 / 本级收入".into(),
                "outlay ÷ revenue".into(),
                y.share.map(pct).unwrap_or_else(|| NO_DATA.into()),
            ),
            (
                "所需转移支付（万元）".into(),
                "transfer need, 万元".into(),
                y.need.map(wan).unwrap_or_else(|| NO_DATA.into()),
            ),
        ]));
    }
    let mut shares: Vec<(&UnitRow, Decimal)> = in_year
        .iter()
        .filter_map(|u| u.share.map(|x| (*u, x * Decimal::ONE_HUNDRED)))
        .collect();
    if shares.is_empty() {
        s.push_str(&page::para(
            "note",
            &format!(
                "{year} 年没有任何单位的本级收入数据，无法判断。 No unit has an own-revenue figure for {year}: nothing can be said."
            ),
        ));
    } else {
        let reference = threshold.map(|t| {
            (
                f(t * Decimal::ONE_HUNDRED),
                format!("门槛 threshold {}", pct(t)),
            )
        });
        let svg = charts::sorted_bars(
            "chart-capacity-burden",
            &format!(
                "{year} 年县级负担占本级收入比重 county level's outlay as a share of own revenue"
            ),
            &bars(&mut shares, |v| format!("{v:.1} %")),
            &super::run::groups(run),
            "% 本级一般公共预算收入 (% of own revenue)",
            reference.as_ref().map(|(x, l)| (*x, l.as_str())),
        )?;
        s.push_str(&page::figure(
            &format!("{year} 年各单位县级负担占本级收入比重（%）"),
            &format!("The county level's outlay as a share of own revenue by unit, {year}, %"),
            &svg,
        ));
        let mut needs: Vec<(&UnitRow, Decimal)> = in_year
            .iter()
            .filter_map(|u| u.need.filter(|n| *n > 0).map(|n| (*u, Decimal::new(n, 6))))
            .collect();
        if needs.is_empty() {
            s.push_str(&page::para(
                "note",
                &format!(
                    "{year} 年没有单位超出门槛，无需转移支付。 No unit is above the threshold in {year}: no transfer is needed."
                ),
            ));
        } else {
            let svg = charts::sorted_bars(
                "chart-capacity-need",
                &format!("{year} 年所需转移支付 transfer need by unit"),
                &bars(&mut needs, |v| format!("{v:.2}")),
                &super::run::groups(run),
                "万元 (10,000 yuan)",
                None,
            )?;
            s.push_str(&page::figure(
                &format!("{year} 年使县级负担降至门槛所需的转移支付（万元）"),
                &format!("The transfer that brings each unit down to the threshold, {year}, 万元"),
                &svg,
            ));
        }
    }
    let missing: Vec<String> = in_year
        .iter()
        .filter(|u| u.revenue.is_none())
        .map(|u| format!("{} {}", u.code, u.name))
        .collect();
    if !missing.is_empty() {
        s.push_str(&page::para(
            "note",
            &format!(
                "无本级收入数据（不作 0 处理） no own-revenue figure (not taken as 0): {}",
                missing.join("、")
            ),
        ));
    }
    s.push_str(&unit_table(&in_year));
    s.push_str(&years_table(&years));
    Ok(Some(page::section(
        "capacity",
        "八、县级财力：能否承担自身分担",
        "Can each county afford its share?",
        false,
        &s,
    )))
}

fn unit_table(rows: &[&UnitRow]) -> String {
    let mut t = Table::new(&[
        ("单位", "unit", Align::Tag),
        ("县级支出（万元）", "county outlay", Align::Num),
        ("本级收入（万元）", "own revenue", Align::Num),
        ("负担 %", "share", Align::Num),
        ("县级人均（元）", "outlay per head", Align::Num),
        ("人均收入（元）", "revenue per head", Align::Num),
        ("可承受上限（万元）", "ceiling", Align::Num),
        ("所需转移支付（万元）", "transfer need", Align::Num),
        ("数据", "basis", Align::Tag),
    ]);
    let opt = |v: Option<i64>| v.map(wan).unwrap_or_else(|| NO_DATA.into());
    let dec = |v: Option<Decimal>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
    for u in rows {
        t.row(vec![
            format!("{} {}", u.code, u.name),
            wan(u.county),
            opt(u.revenue),
            u.share.map(pct).unwrap_or_default(),
            dec(u.county_per_head),
            dec(u.revenue_per_head),
            u.ceiling.map(wan).unwrap_or_default(),
            u.need.map(wan).unwrap_or_default(),
            u.basis.clone(),
        ]);
    }
    let known: Vec<&&UnitRow> = rows.iter().filter(|u| u.revenue.is_some()).collect();
    if !known.is_empty() {
        let county: i64 = known.iter().map(|u| u.county).sum();
        let revenue: i64 = known.iter().filter_map(|u| u.revenue).sum();
        let share = (revenue > 0).then(|| Decimal::from(county) / Decimal::from(revenue));
        t.total(vec![
            format!(
                "合计（有数据的 {} 个单位） total of the units with data",
                known.len()
            ),
            wan(county),
            wan(revenue),
            share.map(pct).unwrap_or_default(),
            String::new(),
            String::new(),
            wan(known.iter().filter_map(|u| u.ceiling).sum()),
            wan(known.iter().filter_map(|u| u.need).sum()),
            String::new(),
        ]);
    }
    t.html("capacity-units")
}

fn years_table(years: &[YearRow]) -> String {
    let mut t = Table::new(&[
        ("年度", "year", Align::Tag),
        ("有数据单位", "with revenue", Align::Num),
        ("超出门槛", "above", Align::Num),
        ("门槛", "threshold", Align::Num),
        ("负担 %", "share", Align::Num),
        ("所需转移支付（万元）", "transfer need", Align::Num),
        ("变异系数", "CV", Align::Num),
        ("泰尔指数", "Theil", Align::Num),
        ("数据", "basis", Align::Tag),
    ]);
    for y in years {
        t.row(vec![
            y.year.to_string(),
            format!("{} / {}", y.with_revenue, y.units),
            y.above.to_string(),
            y.threshold.map(pct).unwrap_or_default(),
            y.share.map(pct).unwrap_or_default(),
            y.need.map(wan).unwrap_or_default(),
            y.cv.map(|x| format!("{x:.4}")).unwrap_or_default(),
            y.theil.map(|x| format!("{x:.6}")).unwrap_or_default(),
            y.basis.clone(),
        ]);
    }
    t.html("capacity-years")
}
