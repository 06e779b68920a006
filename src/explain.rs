//! The audit trail of one cell, or of one parameter.
//!
//! `explain` answers an auditor's "where does this number come from?" in Chinese and
//! English: the headcount and the cohort it was derived from, the coverage, the
//! standard with its effective dates and source, month by month where anything changed
//! within the year, the amount, and the split rule in force with its source document,
//! down to each level's amount in fen — the same figures `outlays.csv` publishes, taken
//! from the same cells.

use std::fmt::Write;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::date::Date;
use crate::engine::{Outcome, shares_in_month};
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::yuan;
use crate::params::{Param, ParamId};

fn num(x: Decimal) -> String {
    x.normalize().to_string()
}

/// Pad `text` with spaces to `width` terminal columns (Chinese characters take two).
fn pad(text: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

fn round2(x: Decimal) -> String {
    format!(
        "{:.2}",
        x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    )
}

/// One line of provenance for the value of `p` in force on `date`.
fn provenance(p: &Param, date: Date) -> String {
    let Some(eff) = p.effective(date) else {
        return "no value".into();
    };
    let mut s = format!("{} from {eff}", p.path);
    let src = p.source_at(date);
    if !src.is_empty() {
        let _ = write!(s, "; source 来源: {src}");
    }
    if let Some(a) = p.assumption_at(date) {
        let a: String = a.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = write!(s, "; ASSUMPTION 假设: {a}");
    }
    s
}

/// Group the months of `year` into runs where `key(m)` stays the same.
fn month_runs<T: PartialEq>(key: impl Fn(u32) -> T) -> Vec<(u32, u32, T)> {
    let mut runs: Vec<(u32, u32, T)> = Vec::new();
    for m in 1..=12 {
        let k = key(m);
        match runs.last_mut() {
            Some(last) if last.2 == k => last.1 = m,
            _ => runs.push((m, m, k)),
        }
    }
    runs
}

fn months_label(a: u32, b: u32) -> String {
    if a == 1 && b == 12 {
        "the whole year 全年".into()
    } else if a == b {
        format!("month {a} ({a}月)")
    } else {
        format!("months {a}-{b} ({a}-{b}月)")
    }
}

/// Explain the cells of `service` (one component or all) in `unit` for `year`.
pub fn cell(
    model: &Model,
    out: &Outcome,
    unit: &str,
    service: u32,
    component: Option<&str>,
    year: i32,
) -> Result<String> {
    let u = model.unit_index(unit).ok_or_else(|| {
        Error::Usage(format!(
            "`{unit}` is not a unit code; `fendan catalog` and seeds/units.csv list them"
        ))
    })?;
    let si = model
        .services
        .iter()
        .position(|s| s.id == service)
        .ok_or_else(|| {
            Error::Usage(format!(
                "there is no service {service}; services are numbered 1-{}",
                model.services.len()
            ))
        })?;
    if year < out.years.first || year > out.years.last {
        return Err(Error::Usage(format!(
            "{year} is outside the run ({}-{})",
            out.years.first, out.years.last
        )));
    }
    let s = &model.services[si];
    if let Some(c) = component
        && !s.components.iter().any(|x| x.id == c)
    {
        let ids: Vec<&str> = s.components.iter().map(|x| x.id.as_str()).collect();
        return Err(Error::Usage(format!(
            "service {service} has no component `{c}`; it has {}",
            ids.join(", ")
        )));
    }
    let unit_ = &model.units[u];
    let p = &model.params;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} {} ({}, {}) · {year} · 服务 service {}: {} / {}",
        unit_.name_zh,
        model.plan.kind(unit_.kind).id,
        unit_.code,
        unit_.name_en,
        s.id,
        s.name.zh,
        s.name.en
    );
    let _ = writeln!(
        t,
        "财政体制 fiscal class: {} {}{}; 贫困县 poverty status {}: {}{}",
        model.plan.class(unit_.fiscal_class).name.zh,
        model.plan.class(unit_.fiscal_class).id,
        if unit_.fiscal_class_assumed {
            " (assumed 假设)"
        } else {
            ""
        },
        model.plan.years.first,
        model.plan.poverty_key(unit_.poverty),
        unit_
            .poverty_exit
            .map(|d| format!(", left the list 退出 {d}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        t,
        "支出责任 responsibility: {} / {}",
        s.responsibility.zh, s.responsibility.en
    );
    let _ = writeln!(t, "来源 source: {}", s.source);
    let mut sum = [0i64; 5];
    for (ci, c) in s.components.iter().enumerate() {
        if component.is_some_and(|want| want != c.id) {
            continue;
        }
        let cell = out
            .cells
            .iter()
            .find(|x| {
                x.year == year
                    && x.unit as usize == u
                    && x.service as usize == si
                    && x.component as usize == ci
            })
            .expect("every (year, unit, service, component) has a cell");
        let cy = &out.component_years[si][ci][(year - out.years.first) as usize];
        let _ = writeln!(t, "\n[{}] {} / {}", c.id, c.name.zh, c.name.en);
        // Headcount and where it came from.
        let cohort = model.cohort(c.cohort);
        let _ = write!(
            t,
            "  人数 headcount   {} {} ({} / {})",
            cell.headcount,
            cohort.unit.key(),
            cohort.id,
            cohort.name.en
        );
        let adjusted = |co: &Cohort| {
            let a = p.get(co.adjust);
            match a.for_year(year) {
                Some(x) if x != Decimal::ONE => format!(
                    " × adjust {} ({})",
                    num(x),
                    provenance(a, Date::new(year, 7, 1))
                ),
                _ => String::new(),
            }
        };
        let mut chain = c.cohort;
        let mut lines = Vec::new();
        loop {
            let co = model.cohort(chain);
            let h = out.headcounts.get(year, u, chain);
            if let Some(g) = model.counts.given(chain, year, u) {
                let at = match g.at.line {
                    0 => g.at.file.clone(),
                    n => format!("{}:{n}", g.at.file),
                };
                lines.push(format!(
                    "{} {h}: given 给定 {}{} ({at})",
                    co.id,
                    g.headcount,
                    adjusted(co)
                ));
                break;
            }
            match (out.headcounts.from_data[chain.0 as usize], co.derived) {
                (false, Some((from, ratio))) => {
                    let rp = p.get(ratio);
                    let r = rp.for_year(year).unwrap_or_default();
                    let fh = out.headcounts.get(year, u, from);
                    lines.push(format!(
                        "{} {h} = round({} {fh} × {}{}) — {}",
                        co.id,
                        model.cohort(from).id,
                        num(r),
                        adjusted(co),
                        provenance(rp, Date::new(year, 7, 1))
                    ));
                    chain = from;
                }
                _ => {
                    let src = if co.source.is_empty() {
                        "cohort counts file"
                    } else {
                        co.source.as_str()
                    };
                    lines.push(format!("{} {h}: data 数据{} ({src})", co.id, adjusted(co)));
                    break;
                }
            }
        }
        let _ = writeln!(t);
        for l in lines {
            let _ = writeln!(t, "                   {l}");
        }
        // Coverage, standard and split by month.
        let std_p = p.get(c.standard);
        let cov_p = p.get(c.coverage);
        let _ = writeln!(
            t,
            "  覆盖率 coverage  {} on average over the year — {}",
            num(cy.coverage.round_dp(6)),
            provenance(cov_p, Date::new(year, 12, 1))
        );
        let unit_word = match std_p.unit {
            crate::params::Unit::YuanPerMonth => "yuan a month 元/月",
            crate::params::Unit::YuanPerDay => "yuan a day 元/天",
            _ => "yuan a year 元/年",
        };
        for (a, b, v) in month_runs(|m| std_p.in_month(year, m)) {
            let date = Date::first_of(year, a);
            let days = c
                .days
                .map(|d| {
                    format!(
                        " × {} days 天",
                        num(p.get(d).in_month(year, a).unwrap_or_default())
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                t,
                "  标准 standard    {} {unit_word}{days}, {} — {}",
                num(v.unwrap_or_default()),
                months_label(a, b),
                provenance(std_p, date)
            );
        }
        let _ = writeln!(
            t,
            "                   → {} yuan a year per head 每人每年 (annualised 年化)",
            round2(cy.standard_annual)
        );
        if cell.months < 12 {
            let _ = writeln!(
                t,
                "  资格 eligible    {} of 12 months 个月 (unit's poverty status or kind; paid only while eligible)",
                cell.months
            );
        }
        let per_head = if cell.headcount > 0 {
            Decimal::from(cell.total) / Decimal::from(100 * cell.headcount)
        } else {
            Decimal::ZERO
        };
        let _ = writeln!(
            t,
            "  金额 amount      {} × {} × {} ≈ {} → {} yuan 元 (rounded once to the fen 分)",
            cell.headcount,
            num(cy.coverage.round_dp(4)),
            round2(cy.standard_annual),
            round2(per_head * Decimal::from(cell.headcount)),
            yuan(cell.total)
        );
        let rule = model.rule(c.split);
        let _ = writeln!(
            t,
            "  分担 split       {} {} / {}",
            rule.id, rule.name.zh, rule.name.en
        );
        for (a, b, sh) in month_runs(|m| shares_in_month(model, rule, unit_.fiscal_class, year, m))
        {
            let shares: Vec<String> = Level::ALL
                .iter()
                .zip(sh.iter())
                .map(|(l, x)| format!("{} {}", l.key(), num(*x)))
                .collect();
            let _ = writeln!(
                t,
                "                   {}: {}",
                months_label(a, b),
                shares.join(", ")
            );
            match &rule.kind {
                SplitKind::Shares { central, .. } => {
                    let _ = writeln!(
                        t,
                        "                   rule 规则: {}",
                        provenance(p.get(*central), Date::first_of(year, a))
                    );
                }
                SplitKind::BaseTopup {
                    base,
                    base_rule,
                    topup_rule,
                } => {
                    let bp = p.get(*base);
                    let _ = writeln!(
                        t,
                        "                   national base 国家基础标准 {} ({}), paid by `{}`; the part above it by `{}`",
                        num(bp.in_month(year, a).unwrap_or_default()),
                        provenance(bp, Date::first_of(year, a)),
                        model.rule(*base_rule).id,
                        model.rule(*topup_rule).id
                    );
                    for r in [base_rule, topup_rule] {
                        if let SplitKind::Shares { central, .. } = &model.rule(*r).kind {
                            let _ = writeln!(
                                t,
                                "                   `{}`: {}",
                                model.rule(*r).id,
                                provenance(p.get(*central), Date::first_of(year, a))
                            );
                        }
                    }
                }
            }
        }
        for (l, f) in Level::ALL.iter().zip(cell.levels) {
            let _ = writeln!(t, "    {} {:<9} {:>18}", pad(l.zh(), 11), l.key(), yuan(f));
        }
        let _ = writeln!(
            t,
            "    {} {:<9} {:>18}",
            pad("合计", 11),
            "total",
            yuan(cell.total)
        );
        for (i, f) in cell.levels.iter().enumerate() {
            sum[i] += f;
        }
        sum[4] += cell.total;
    }
    if component.is_none() && s.components.len() > 1 {
        let _ = writeln!(
            t,
            "\n服务合计 service total: central {} · province {} · city {} · county {} · total {}",
            yuan(sum[0]),
            yuan(sum[1]),
            yuan(sum[2]),
            yuan(sum[3]),
            yuan(sum[4])
        );
    }
    t.push_str(&crate::sources::references(model, si, component));
    Ok(t)
}

/// The dated values of one parameter after the scenario's overrides, and where each came from.
pub fn param(model: &Model, path: &str) -> Result<String> {
    let id: ParamId = model.params.lookup(path).ok_or_else(|| {
        Error::Usage(format!(
            "`{path}` is not a parameter{}",
            crate::suggest::did_you_mean(path, model.params.paths())
        ))
    })?;
    let p = model.params.get(id);
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} ({}{})",
        p.path,
        p.unit.name(),
        if p.interpolate {
            ", straight line between dates 线性插值"
        } else {
            ""
        }
    );
    let _ = writeln!(t, "defined at 定义于 {}:{}", p.origin.file, p.origin.line);
    for (d, v) in &p.values {
        let from = match p.overridden.get(d) {
            Some(o) => format!("scenario 情景 {o}"),
            None => format!("seed 种子数据 {}:{}", p.origin.file, p.origin.line),
        };
        let _ = writeln!(t, "  {d}  {:>14}  {from}", num(*v));
        let src = p.source_at(*d);
        if !src.is_empty() {
            let _ = writeln!(t, "              source 来源: {src}");
            for e in model.bibliography.cited(src) {
                let _ = writeln!(t, "                {}", e.full());
            }
        }
        if let Some(a) = p.assumption_at(*d) {
            let a: String = a.split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(t, "              ASSUMPTION 假设: {a}");
        }
    }
    Ok(t)
}
