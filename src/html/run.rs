//! The report of one run: who pays, by level and year; how the 2019 reform moved the
//! shares; outlay per head and the county level's own burden per unit; the domains;
//! how evenly outlay per head is spread; what the figures rest on.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::charts::{self, Bar, Marker, Series};
use super::files::{RunFolder, UnitYear};
use super::page::{self, Align, Table, percent, wan};
use crate::error::{Error, Result};
use crate::model::Level;

/// Level names as the report shows them: Chinese, then English.
pub fn level_name(l: Level) -> String {
    format!("{} {}", l.zh(), l.key())
}

/// Yuan per head from whole fen and persons, two decimals.
fn per_head(fen: i64, persons: i64) -> Decimal {
    if persons <= 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(fen) / Decimal::from(100 * persons))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn yuan_text(d: Decimal) -> String {
    crate::money::grouped(&format!("{d:.2}"))
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The years of a run as category labels.
pub fn year_labels(years: &[i32]) -> Vec<String> {
    years.iter().map(|y| y.to_string()).collect()
}

/// The marker before 2019 when the run covers 2018 and 2019: the year the 2019
/// reform of the split rules (国办发〔2018〕6号, in force from 2019) took effect.
pub fn reform_marker(years: &[i32]) -> Option<Marker> {
    let i = years.iter().position(|y| *y == 2019)?;
    (i > 0).then(|| Marker {
        before: i,
        label: "2019 分担改革 reform".to_owned(),
    })
}

/// The levels × years table in 万元 with a totals row and a totals column.
pub fn levels_table(levels: &[(i32, [i64; 4])]) -> Table {
    let mut head: Vec<(String, String, Align)> = vec![("层级".into(), "level".into(), Align::Text)];
    for (y, _) in levels {
        head.push((y.to_string(), String::new(), Align::Num));
    }
    head.push(("合计".into(), "total".into(), Align::Num));
    let head_ref: Vec<(&str, &str, Align)> = head
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), *c))
        .collect();
    let mut t = Table::new(&head_ref);
    for (li, l) in Level::ALL.into_iter().enumerate() {
        let mut row = vec![level_name(l)];
        row.extend(levels.iter().map(|(_, v)| wan(v[li])));
        row.push(wan(levels.iter().map(|(_, v)| v[li]).sum()));
        t.row(row);
    }
    let mut row = vec!["合计 total".to_owned()];
    row.extend(levels.iter().map(|(_, v)| wan(v.iter().sum())));
    row.push(wan(levels.iter().flat_map(|(_, v)| v.iter()).sum()));
    t.total(row);
    t
}

/// The stacked-columns chart of levels × years, in 亿元.
pub fn levels_chart(id: &str, levels: &[(i32, [i64; 4])]) -> Result<String, Error> {
    let years: Vec<i32> = levels.iter().map(|(y, _)| *y).collect();
    let series: Vec<Series> = Level::ALL
        .into_iter()
        .enumerate()
        .map(|(li, l)| Series {
            name: level_name(l),
            color: charts::LEVEL_COLORS[li],
            values: levels.iter().map(|(_, v)| page::yi(v[li])).collect(),
        })
        .collect();
    charts::stacked_columns(
        id,
        "各级政府支出 outlays by level and year",
        &year_labels(&years),
        &series,
        "亿元 (100 million yuan)",
        reform_marker(&years).as_ref(),
    )
}

fn header(run: &RunFolder) -> String {
    let m = &run.meta;
    let total: i64 = run.levels.iter().flat_map(|(_, v)| v.iter()).sum();
    let mut s = format!(
        "<header>\n<h1>{} <span class=\"en\">{}, {}-{}</span></h1>\n",
        page::escape(&m.plan.title.zh),
        page::escape(&m.plan.title.en),
        m.years[0],
        m.years[1]
    );
    s.push_str(&page::para(
        "lede",
        &format!("情景 scenario `{}`: {}", m.scenario.name, m.scenario.title),
    ));
    let mut cards = vec![(
        format!("{}-{} 合计 (万元)", m.years[0], m.years[1]),
        "total, 10,000 yuan".to_owned(),
        wan(total),
    )];
    for (li, l) in Level::ALL.into_iter().enumerate() {
        let part: i64 = run.levels.iter().map(|(_, v)| v[li]).sum();
        cards.push((
            format!("{} 承担", l.zh()),
            format!("{} share", l.key()),
            format!("{} %", percent(part, total)),
        ));
    }
    s.push_str(&page::cards(&cards));
    s.push_str(&page::para(
        "note",
        "金额单位为万元（保留两位小数），图中为亿元；合计由整分相加而得，与文件一致。 Amounts in 10,000 yuan (charts: 100 million yuan); every total is a sum of whole fen, as in the run's files.",
    ));
    s.push_str("</header>\n");
    s
}

fn levels_section(run: &RunFolder) -> Result<String> {
    let mut s = page::figure(
        "各级政府支出（亿元）",
        "Outlays by level and year, 100 million yuan",
        &levels_chart("chart-levels", &run.levels)?,
    );
    s.push_str(&levels_table(&run.levels).html("levels"));
    Ok(page::section(
        "levels",
        "一、各级政府支出",
        "Outlays by level and year",
        true,
        &s,
    ))
}

fn shares_section(run: &RunFolder) -> Result<String> {
    let years = run.years();
    let share = |v: &[i64; 4], li: usize| {
        let t: i64 = v.iter().sum();
        if t == 0 {
            0.0
        } else {
            v[li] as f64 * 100.0 / t as f64
        }
    };
    let series: Vec<Series> = Level::ALL
        .into_iter()
        .enumerate()
        .map(|(li, l)| Series {
            name: level_name(l),
            color: charts::LEVEL_COLORS[li],
            values: run.levels.iter().map(|(_, v)| share(v, li)).collect(),
        })
        .collect();
    let marker = reform_marker(&years);
    let svg = charts::lines(
        "chart-shares",
        "各级分担比例 each level's share by year",
        &year_labels(&years),
        &series,
        "%",
        (1, "%"),
        marker.as_ref(),
    )?;
    let mut s = page::figure("各级分担比例（%）", "Each level's share by year, %", &svg);
    let at = |y: i32| run.levels.iter().find(|(yy, _)| *yy == y).map(|(_, v)| *v);
    if let (Some(before), Some(after)) = (at(2018), at(2019)) {
        let moves: Vec<String> = Level::ALL
            .into_iter()
            .enumerate()
            .map(|(li, l)| {
                format!(
                    "{} {} % → {} %",
                    l.zh(),
                    percent(before[li], before.iter().sum()),
                    percent(after[li], after.iter().sum())
                )
            })
            .collect();
        s.push_str(&page::para(
            "",
            &format!(
                "2019 年起，基本公共服务领域中央与地方共同财政事权和支出责任划分改革生效。2018 → 2019: {}. From 2019 the reform of shared spending responsibilities (国办发〔2018〕6号) applies.",
                moves.join("；")
            ),
        ));
    }
    let mut head: Vec<(&str, &str, Align)> = vec![("年度", "year", Align::Text)];
    let names: Vec<String> = Level::ALL.iter().map(|l| l.zh().to_owned()).collect();
    for (li, l) in Level::ALL.iter().enumerate() {
        head.push((names[li].as_str(), l.key(), Align::Num));
    }
    let mut t = Table::new(&head);
    for (y, v) in &run.levels {
        let mut row = vec![y.to_string()];
        row.extend((0..4).map(|li| percent(v[li], v.iter().sum())));
        t.row(row);
    }
    s.push_str(&t.html("shares"));
    Ok(page::section(
        "shares",
        "二、各级分担比例",
        "Each level's share",
        false,
        &s,
    ))
}

fn group_of(u: &UnitYear) -> usize {
    if u.kind.urban { 0 } else { 1 }
}

/// The two groups of units the charts colour: the plan's urban districts (市辖区、功能区
/// in Handan) and the others, named by their kinds.
pub(super) fn groups(run: &RunFolder) -> Vec<(String, plotters::style::RGBColor)> {
    let names = |urban: bool| {
        let kinds: Vec<&crate::plan::KindInfo> = run
            .meta
            .plan
            .unit_kinds
            .iter()
            .filter(|k| k.urban == urban)
            .collect();
        let zh: Vec<&str> = kinds.iter().map(|k| k.name.zh.as_str()).collect();
        let en: Vec<&str> = kinds.iter().map(|k| k.name.en.as_str()).collect();
        format!("{} {}", zh.join("、"), en.join(", "))
    };
    vec![
        (names(true), charts::DISTRICT_COLOR),
        (names(false), charts::COUNTY_COLOR),
    ]
}

/// Bars of a value per unit, sorted so that the largest is at the top.
/// Units drawn at each end of a sorted chart, and listed in a table, when a run has
/// more (a synthetic run of thousands of units).
pub const UNITS_AT_EACH_END: usize = 25;

fn unit_bars(units: &[&UnitYear], value: impl Fn(&UnitYear) -> Decimal) -> Vec<Bar> {
    let mut rows: Vec<(&UnitYear, Decimal)> = units.iter().map(|u| (*u, value(u))).collect();
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(b.0.code.cmp(&a.0.code)));
    let colors = [charts::DISTRICT_COLOR, charts::COUNTY_COLOR];
    let bars = rows
        .into_iter()
        .map(|(u, v)| Bar {
            label: u.name.clone(),
            parts: vec![f(v)],
            colors: vec![colors[group_of(u)]],
            note: Some(yuan_text(v)),
        })
        .collect();
    charts::ends(bars, UNITS_AT_EACH_END).0
}

fn units_section(run: &RunFolder, year: i32) -> Result<String> {
    let units: Vec<&UnitYear> = run.units.iter().filter(|u| u.year == year).collect();
    let pop: i64 = units.iter().map(|u| u.population).sum();
    let total: i64 = units.iter().map(|u| u.total).sum();
    let county: i64 = units.iter().map(|u| u.levels[3]).sum();
    let avg = per_head(total, pop);
    let county_avg = per_head(county, pop);
    let svg = charts::sorted_bars(
        "chart-per-head",
        &format!("{year} 年各单位人均支出 outlay per head by unit"),
        &unit_bars(&units, |u| per_head(u.total, u.population)),
        &groups(run),
        "元/人 (yuan per head)",
        Some((f(avg), &format!("全市平均 city average {}", yuan_text(avg)))),
    )?;
    let mut s = page::figure(
        &format!("{year} 年各单位人均支出（元/人，四级合计）"),
        &format!("Outlay per head by unit, {year}, yuan, all levels"),
        &svg,
    );
    let svg = charts::sorted_bars(
        "chart-county-burden",
        &format!("{year} 年各单位县级自负人均 county level's own burden per head"),
        &unit_bars(&units, |u| per_head(u.levels[3], u.population)),
        &groups(run),
        "元/人 (yuan per head)",
        Some((
            f(county_avg),
            &format!("全市平均 city average {}", yuan_text(county_avg)),
        )),
    )?;
    s.push_str(&page::figure(
        &format!("{year} 年县级自身负担（元/人）"),
        &format!("The county level's own burden per head, {year}, yuan"),
        &svg,
    ));
    let mut t = Table::new(&[
        ("单位", "unit", Align::Text),
        ("类型", "kind", Align::Tag),
        ("常住人口", "population", Align::Num),
        ("支出合计（万元）", "total", Align::Num),
        ("人均（元）", "per head", Align::Num),
        ("县级负担（万元）", "county level", Align::Num),
        ("县级人均（元）", "county per head", Align::Num),
        ("县级占比 %", "county share", Align::Num),
    ]);
    let mut sorted = units.clone();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    let many = sorted.len() > 2 * UNITS_AT_EACH_END;
    if many {
        // The units spending most and least per head, most first.
        sorted.sort_by(|a, b| {
            per_head(b.total, b.population)
                .cmp(&per_head(a.total, a.population))
                .then(a.code.cmp(&b.code))
        });
        let n = sorted.len();
        sorted.drain(UNITS_AT_EACH_END..n - UNITS_AT_EACH_END);
    }
    for (i, u) in sorted.iter().enumerate() {
        if many && i == UNITS_AT_EACH_END {
            t.row(vec![format!(
                "…… 另有 {} 个单位见 by_unit.csv; {} more units in by_unit.csv ……",
                units.len() - 2 * UNITS_AT_EACH_END,
                units.len() - 2 * UNITS_AT_EACH_END
            )]);
        }
        t.row(vec![
            format!("{} {}", u.code, u.name),
            u.kind.name.zh.clone(),
            crate::money::grouped(&u.population.to_string()),
            wan(u.total),
            yuan_text(per_head(u.total, u.population)),
            wan(u.levels[3]),
            yuan_text(per_head(u.levels[3], u.population)),
            percent(u.levels[3], u.total),
        ]);
    }
    t.total(vec![
        "合计 total".into(),
        String::new(),
        crate::money::grouped(&pop.to_string()),
        wan(total),
        yuan_text(avg),
        wan(county),
        yuan_text(county_avg),
        percent(county, total),
    ]);
    s.push_str(&t.html("units"));
    Ok(page::section(
        "units",
        "三、各单位人均支出与县级负担",
        "Per head by unit, and the county level's own burden",
        false,
        &s,
    ))
}

fn domains_section(run: &RunFolder) -> Result<String> {
    // Summed over the years, in the plan's order (the order of by_domain.csv).
    let mut sums: Vec<(&str, [i64; 4])> = Vec::new();
    for d in &run.domains {
        let i = match sums.iter().position(|(z, _)| *z == d.domain_zh) {
            Some(i) => i,
            None => {
                sums.push((&d.domain_zh, [0; 4]));
                sums.len() - 1
            }
        };
        for (a, b) in sums[i].1.iter_mut().zip(d.levels) {
            *a += b;
        }
    }
    let mut order: Vec<(usize, &str, [i64; 4])> = sums
        .into_iter()
        .enumerate()
        .map(|(i, (d, v))| (i, d, v))
        .collect();
    order.sort_by_key(|(i, _, v)| (v.iter().sum::<i64>(), std::cmp::Reverse(*i)));
    let mut order: Vec<(&str, [i64; 4])> = order.into_iter().map(|(_, d, v)| (d, v)).collect();
    let bars: Vec<Bar> = order
        .iter()
        .map(|(d, v)| Bar {
            label: (*d).to_owned(),
            parts: v.iter().map(|x| page::yi(*x)).collect(),
            colors: charts::LEVEL_COLORS.to_vec(),
            note: Some(charts::figure(page::yi(v.iter().sum()), 1)),
        })
        .collect();
    let legend: Vec<(String, plotters::style::RGBColor)> = Level::ALL
        .into_iter()
        .enumerate()
        .map(|(li, l)| (level_name(l), charts::LEVEL_COLORS[li]))
        .collect();
    let (y0, y1) = (run.meta.years[0], run.meta.years[1]);
    let svg = charts::sorted_bars(
        "chart-domains",
        "各领域支出 outlays by domain",
        &bars,
        &legend,
        "亿元 (100 million yuan)",
        None,
    )?;
    let mut s = page::figure(
        &format!("各领域支出，{y0}-{y1} 合计（亿元）"),
        &format!("Outlays by domain, {y0}-{y1}, 100 million yuan"),
        &svg,
    );
    let mut t = Table::new(&[
        ("领域", "domain", Align::Text),
        ("中央", "central", Align::Num),
        ("省", "province", Align::Num),
        ("市", "city", Align::Num),
        ("县(市、区)", "county", Align::Num),
        ("合计（万元）", "total", Align::Num),
    ]);
    order.reverse();
    let mut all = [0i64; 4];
    for (d, v) in &order {
        let mut row = vec![(*d).to_owned()];
        row.extend(v.iter().map(|x| wan(*x)));
        row.push(wan(v.iter().sum()));
        t.row(row);
        for (a, b) in all.iter_mut().zip(v) {
            *a += b;
        }
    }
    let mut row = vec!["合计 total".to_owned()];
    row.extend(all.iter().map(|x| wan(*x)));
    row.push(wan(all.iter().sum()));
    t.total(row);
    s.push_str(&t.html("domains"));
    Ok(page::section(
        "domains",
        "四、分领域支出",
        "Outlays by domain",
        false,
        &s,
    ))
}

fn equalization_section(run: &RunFolder) -> Result<String> {
    let years = run.years();
    let pick = |measure: &str, g: fn(&super::files::Equalization) -> Decimal| -> Vec<f64> {
        years
            .iter()
            .map(|y| {
                run.equalization
                    .iter()
                    .find(|e| e.year == *y && e.measure == measure)
                    .map_or(0.0, |e| f(g(e)))
            })
            .collect()
    };
    let series = |g: fn(&super::files::Equalization) -> Decimal| {
        vec![
            Series {
                name: "全部支出 all levels".into(),
                color: charts::TOTAL_COLOR,
                values: pick("total", g),
            },
            Series {
                name: "县级负担 county level".into(),
                color: charts::LEVEL_COLORS[3],
                values: pick("county_level", g),
            },
        ]
    };
    let cv = series(|e| e.cv);
    let theil = series(|e| e.theil);
    let svg = charts::line_pair(
        "chart-equalization",
        "均等化 equalization: CV and Theil by year",
        &year_labels(&years),
        [("变异系数 CV", &cv), ("泰尔指数 Theil T", &theil)],
        4,
    )?;
    let mut s = page::figure(
        "人均支出的单位间差异（人口加权）",
        "How evenly outlay per head is spread across units (population-weighted)",
        &svg,
    );
    s.push_str(&page::para(
        "note",
        "数值越小越均衡；0 表示各单位人均支出相同。 Lower is more even; 0 means every unit spends the same per head.",
    ));
    let mut t = Table::new(&[
        ("年度", "year", Align::Tag),
        ("口径", "measure", Align::Text),
        ("变异系数", "CV", Align::Num),
        ("泰尔指数", "Theil", Align::Num),
        ("最高/最低", "max/min", Align::Num),
        ("市辖区人均（元）", "districts", Align::Num),
        ("县(市)人均（元）", "counties", Align::Num),
    ]);
    for e in &run.equalization {
        t.row(vec![
            e.year.to_string(),
            if e.measure == "total" {
                "全部支出 all".into()
            } else {
                "县级负担 county level".into()
            },
            format!("{:.4}", e.cv),
            format!("{:.6}", e.theil),
            format!("{:.4}", e.max_min_ratio),
            yuan_text(e.districts),
            yuan_text(e.counties),
        ]);
    }
    s.push_str(&t.html("equalization"));
    Ok(page::section(
        "equalization",
        "五、均等化程度",
        "Equalization",
        false,
        &s,
    ))
}

/// The whole report of a run; per-unit charts are for `year` (default: the last).
pub fn render(run: &RunFolder, year: Option<i32>) -> Result<String> {
    let explicit = year;
    let years = run.years();
    let year = match year {
        None => *years.last().ok_or_else(|| {
            Error::Usage(format!(
                "{} holds no years in by_level.csv",
                run.dir.display()
            ))
        })?,
        Some(y) if years.contains(&y) => y,
        Some(y) => {
            return Err(Error::Usage(format!(
                "--year {y} is outside the run's years {}-{}",
                run.meta.years[0], run.meta.years[1]
            )));
        }
    };
    let mut body = header(run);
    body.push_str(&levels_section(run)?);
    body.push_str(&shares_section(run)?);
    body.push_str(&units_section(run, year)?);
    body.push_str(&domains_section(run)?);
    body.push_str(&equalization_section(run)?);
    body.push_str(&super::evidence::assumptions_section(run));
    body.push_str(&super::evidence::sources_section(run));
    if let Some(s) = super::capacity::section(run, explicit)? {
        body.push_str(&s);
    }
    body.push_str(&page::footer(
        &run.meta.fendan_version,
        &format!("情景 scenario {}", run.meta.scenario.name),
        &run.dir,
    ));
    Ok(page::document(
        &format!(
            "基本公共服务支出分担报告 — {} ({}-{})",
            run.meta.scenario.name, run.meta.years[0], run.meta.years[1]
        ),
        &body,
    ))
}
