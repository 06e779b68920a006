//! The report of two runs: B − A by level and year and by unit, and the inputs that
//! differ. A is the reference (`--compare`), B the run reported on; both folders are
//! verified against their manifests before [`crate::compare`] reads them.

use std::collections::BTreeMap;

use super::charts::{self, Bar, Series};
use super::files::RunFolder;
use super::page::{self, Align, Table, signed_wan, wan};
use super::run::{UNITS_AT_EACH_END, level_name, year_labels};
use crate::compare::{Comparison, Difference, Dim, KeyPart, Row};
use crate::error::Result;
use crate::model::Level;

/// A scale for differences: 亿元 when the largest is at least one, else 万元.
fn diff_scale(max_abs_fen: i64) -> (f64, &'static str) {
    if max_abs_fen >= 10_000_000_000 {
        (1e10, "亿元 (100 million yuan)")
    } else {
        (1e6, "万元 (10,000 yuan)")
    }
}

fn pct(r: &Row) -> String {
    match r.pct() {
        Some(p) if p > rust_decimal::Decimal::ZERO => format!("+{}", r.pct_text()),
        _ => r.pct_text(),
    }
}

fn header(cmp: &Comparison, total: &Row) -> Result<String> {
    let (a, b) = (&cmp.a, &cmp.b);
    let mut s = format!(
        "<header>\n<h1>方案对比 <span class=\"en\">Comparison of two runs: B − A, {}-{}</span></h1>\n",
        a.years.first, a.years.last
    );
    s.push_str(&page::facts(&[
        (
            "A 参照",
            "reference",
            format!("{} — {} ({})", a.scenario, a.title, a.label),
        ),
        (
            "B 本方案",
            "reported run",
            format!("{} — {} ({})", b.scenario, b.title, b.label),
        ),
        (
            "年度",
            "years",
            format!(
                "{}-{}（合计均为这些年度之和 totals cover these years）",
                a.years.first, a.years.last
            ),
        ),
    ]));
    let mut cards = vec![
        (
            "A 合计（万元）".to_owned(),
            "A total".to_owned(),
            wan(total.a),
        ),
        ("B 合计（万元）".into(), "B total".into(), wan(total.b)),
        (
            "B − A（万元）".into(),
            "difference".into(),
            signed_wan(total.diff()),
        ),
        ("变化率 %".into(), "change".into(), pct(total)),
    ];
    for r in cmp.rows(&[Dim::Level])? {
        if let [KeyPart::Level(l)] = r.key[..] {
            cards.push((
                format!("{} B − A（万元）", l.zh()),
                format!("{} difference", l.key()),
                signed_wan(r.diff()),
            ));
        }
    }
    s.push_str(&page::cards(&cards));
    s.push_str("</header>\n");
    Ok(s)
}

fn levels_section(cmp: &Comparison) -> Result<String> {
    let rows = cmp.rows(&[Dim::Year, Dim::Level])?;
    let years: Vec<i32> = (cmp.a.years.first..=cmp.a.years.last).collect();
    let cell = |y: i32, l: Level| {
        rows.iter()
            .find(|r| r.key == [KeyPart::Year(y), KeyPart::Level(l)])
            .map_or(0, Row::diff)
    };
    let max = rows.iter().map(|r| r.diff().abs()).max().unwrap_or(0);
    let (div, unit) = diff_scale(max);
    let series: Vec<Series> = Level::ALL
        .into_iter()
        .enumerate()
        .map(|(li, l)| Series {
            name: level_name(l),
            color: charts::LEVEL_COLORS[li],
            values: years.iter().map(|y| cell(*y, l) as f64 / div).collect(),
        })
        .collect();
    let svg = charts::diverging_columns(
        "chart-diff-levels",
        "B − A 按层级和年度 by level and year",
        &year_labels(&years),
        &series,
        unit,
    )?;
    let mut s = page::figure(
        &format!(
            "B − A，按层级和年度（{}）",
            unit.split(' ').next().unwrap_or(unit)
        ),
        "B − A by level and year",
        &svg,
    );
    let year_names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    let mut head: Vec<(&str, &str, Align)> = vec![("层级", "level", Align::Text)];
    for y in &year_names {
        head.push((y.as_str(), "", Align::Num));
    }
    head.push(("合计", "total", Align::Num));
    let mut t = Table::new(&head);
    for l in Level::ALL {
        let mut row = vec![level_name(l)];
        row.extend(years.iter().map(|y| signed_wan(cell(*y, l))));
        row.push(signed_wan(years.iter().map(|y| cell(*y, l)).sum()));
        t.row(row);
    }
    let mut row = vec!["合计 total".to_owned()];
    row.extend(
        years
            .iter()
            .map(|y| signed_wan(Level::ALL.iter().map(|l| cell(*y, *l)).sum())),
    );
    row.push(signed_wan(rows.iter().map(Row::diff).sum()));
    t.total(row);
    s.push_str(&page::para(
        "note",
        "万元；正数表示 B 多于 A。 10,000 yuan; positive means B pays more than A.",
    ));
    s.push_str(&t.html("diff-levels"));
    Ok(page::section(
        "diff-levels",
        "一、各级支出变化",
        "B − A by level and year",
        true,
        &s,
    ))
}

/// A unit's B − A per level, and its A and B totals, whole fen.
type UnitChange = ([i64; 4], i64, i64);

fn units_section(cmp: &Comparison) -> Result<String> {
    let rows = cmp.rows(&[Dim::Unit, Dim::Level])?;
    let mut per_unit: BTreeMap<usize, UnitChange> = BTreeMap::new();
    for r in &rows {
        if let [KeyPart::Unit(u), KeyPart::Level(l)] = r.key[..] {
            let e = per_unit.entry(u).or_default();
            e.0[l as usize] += r.diff();
            e.1 += r.a;
            e.2 += r.b;
        }
    }
    let max = per_unit
        .values()
        .map(|(d, _, _)| {
            let neg: i64 = d.iter().filter(|x| **x < 0).sum();
            let pos: i64 = d.iter().filter(|x| **x > 0).sum();
            pos.max(-neg)
        })
        .max()
        .unwrap_or(0);
    let (div, unit) = diff_scale(max);
    let mut order: Vec<(usize, [i64; 4])> = per_unit.iter().map(|(u, v)| (*u, v.0)).collect();
    order.sort_by_key(|(u, d)| (d.iter().sum::<i64>(), d[3], std::cmp::Reverse(*u)));
    let bars: Vec<Bar> = order
        .iter()
        .map(|(u, d)| Bar {
            label: cmp.a.units[*u].1.clone(),
            parts: d.iter().map(|x| *x as f64 / div).collect(),
            colors: charts::LEVEL_COLORS.to_vec(),
            note: None,
        })
        .collect();
    let (bars, _) = charts::ends(bars, UNITS_AT_EACH_END);
    let legend: Vec<_> = Level::ALL
        .into_iter()
        .enumerate()
        .map(|(li, l)| (level_name(l), charts::LEVEL_COLORS[li]))
        .collect();
    let svg = charts::diverging_bars(
        "chart-diff-units",
        "B − A 按单位 by unit",
        &bars,
        &legend,
        unit,
    )?;
    let (y0, y1) = (cmp.a.years.first, cmp.a.years.last);
    let mut s = page::figure(
        &format!(
            "B − A，按单位，{y0}-{y1} 合计（{}）",
            unit.split(' ').next().unwrap_or(unit)
        ),
        &format!("B − A by unit and level, {y0}-{y1}"),
        &svg,
    );
    let mut t = Table::new(&[
        ("单位", "unit", Align::Text),
        ("A（万元）", "A", Align::Num),
        ("B（万元）", "B", Align::Num),
        ("中央", "central", Align::Num),
        ("省", "province", Align::Num),
        ("市", "city", Align::Num),
        ("县(市、区)", "county", Align::Num),
        ("B − A", "difference", Align::Num),
        ("%", "", Align::Num),
    ]);
    let mut all = ([0i64; 4], 0i64, 0i64);
    for (d, a, b) in per_unit.values() {
        for (x, y) in all.0.iter_mut().zip(d) {
            *x += y;
        }
        all.1 += a;
        all.2 += b;
    }
    let mut listed: Vec<(&usize, &UnitChange)> = per_unit.iter().collect();
    if listed.len() > 2 * UNITS_AT_EACH_END {
        // The units whose outlay changes most, largest first.
        listed.sort_by_key(|(u, (_, a, b))| (std::cmp::Reverse((b - a).abs()), **u));
        listed.truncate(2 * UNITS_AT_EACH_END);
    }
    for (u, (d, a, b)) in listed {
        let (code, name) = &cmp.a.units[*u];
        let mut row = vec![format!("{code} {name}"), wan(*a), wan(*b)];
        row.extend(d.iter().map(|x| signed_wan(*x)));
        let r = Row {
            key: Vec::new(),
            a: *a,
            b: *b,
        };
        row.push(signed_wan(r.diff()));
        row.push(pct(&r));
        t.row(row);
    }
    if per_unit.len() > 2 * UNITS_AT_EACH_END {
        t.row(vec![format!(
            "…… 变化最大的 {} 个单位如上，合计含全部 {} 个; the {} that change most, the total covers all {} ……",
            2 * UNITS_AT_EACH_END,
            per_unit.len(),
            2 * UNITS_AT_EACH_END,
            per_unit.len()
        )]);
    }
    let r = Row {
        key: Vec::new(),
        a: all.1,
        b: all.2,
    };
    let mut row = vec!["合计 total".to_owned(), wan(all.1), wan(all.2)];
    row.extend(all.0.iter().map(|x| signed_wan(*x)));
    row.push(signed_wan(r.diff()));
    row.push(pct(&r));
    t.total(row);
    s.push_str(&t.html("diff-units"));
    Ok(page::section(
        "diff-units",
        "二、各单位变化",
        "B − A by unit",
        false,
        &s,
    ))
}

fn domains_table(cmp: &Comparison) -> Result<String> {
    let rows = cmp.rows(&[Dim::Domain])?;
    let mut t = Table::new(&[
        ("领域", "domain", Align::Text),
        ("A（万元）", "A", Align::Num),
        ("B（万元）", "B", Align::Num),
        ("B − A", "difference", Align::Num),
        ("%", "", Align::Num),
    ]);
    for r in &rows {
        if let [KeyPart::Domain(d)] = r.key[..] {
            t.row(vec![
                cmp.domain(d).1.to_owned(),
                wan(r.a),
                wan(r.b),
                signed_wan(r.diff()),
                pct(r),
            ]);
        }
    }
    let total = crate::compare::total(&rows)?;
    t.total(vec![
        "合计 total".into(),
        wan(total.a),
        wan(total.b),
        signed_wan(total.diff()),
        pct(&total),
    ]);
    Ok(format!(
        "<h3>{}</h3>\n{}",
        page::bilingual("按领域", "By domain"),
        t.html("diff-domains")
    ))
}

fn inputs_section(cmp: &Comparison) -> String {
    let diff = cmp.inputs();
    let mut s = String::new();
    let none = |v: &Option<String>| v.clone().unwrap_or_else(|| "（无 none）".to_owned());
    if diff.files.is_empty() && diff.parameters.is_empty() {
        s.push_str(&page::para(
            "",
            "两次运行的输入文件与参数完全相同。 The two runs have the same input files and parameters.",
        ));
    }
    if !diff.files.is_empty() {
        let mut t = Table::new(&[
            ("输入文件", "input file", Align::Code),
            ("A SHA-256", "", Align::Code),
            ("B SHA-256", "", Align::Code),
        ]);
        for Difference { item, a, b } in &diff.files {
            t.row(vec![item.clone(), none(a), none(b)]);
        }
        s.push_str(&t.html("diff-files"));
    }
    if !diff.parameters.is_empty() {
        s.push_str(&page::para(
            "",
            &format!(
                "{} 个参数不同（生效日期=数值；~ 表示按年线性插值）。 {} parameters differ (date=value from that date; ~ marks a straight line between dates).",
                diff.parameters.len(),
                diff.parameters.len()
            ),
        ));
        let mut t = Table::new(&[
            ("参数路径", "parameter", Align::Code),
            ("A", "", Align::Code),
            ("B", "", Align::Code),
        ]);
        for Difference { item, a, b } in &diff.parameters {
            t.row(vec![item.clone(), none(a), none(b)]);
        }
        s.push_str(&t.html("diff-parameters"));
    }
    page::section(
        "inputs",
        "三、输入差异",
        "The inputs that differ",
        false,
        &s,
    )
}

/// The whole comparison report. `a` and `b` are the verified folders behind `cmp`.
pub fn render(cmp: &Comparison, a: &RunFolder, b: &RunFolder) -> Result<String> {
    let all = cmp.rows(&[Dim::Level])?;
    let total = crate::compare::total(&all)?;
    let mut body = header(cmp, &total)?;
    body.push_str(&levels_section(cmp)?);
    let mut units = units_section(cmp)?;
    // The domain table belongs with the units, before the section closes.
    units.insert_str(units.len() - "</section>\n".len(), &domains_table(cmp)?);
    body.push_str(&units);
    body.push_str(&inputs_section(cmp));
    body.push_str(&page::footer(
        env!("CARGO_PKG_VERSION"),
        &format!(
            "A {} ({}) · B {}",
            a.meta.scenario.name,
            a.dir.display(),
            b.meta.scenario.name
        ),
        &b.dir,
    ));
    Ok(page::document(
        &format!(
            "方案对比 {} − {} ({}-{})",
            cmp.b.scenario, cmp.a.scenario, cmp.a.years.first, cmp.a.years.last
        ),
        &body,
    ))
}
