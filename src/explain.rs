//! The audit trail of one cell, or of one parameter.
//!
//! `explain` answers an auditor's "where does this number come from?" in Chinese and
//! English: the headcount and the cohort it was derived from, the coverage, the
//! standard with its effective dates and source, month by month where anything changed
//! within the year, the amount, and the split rule in force with its source document,
//! down to each level's amount in fen — the same figures `outlays.csv` publishes, taken
//! from the same cells.

use std::fmt::Write;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;

use crate::date::Date;
use crate::engine::{
    Factors, Outcome, RuleFactors, SplitFactors, eligible_months, shares_in_month,
};
use crate::error::{Error, Result};
use crate::exact::{self, Exact};
use crate::model::*;
use crate::money::{self, yuan};
use crate::params::{Param, ParamId};

fn num(x: Decimal) -> String {
    x.normalize().to_string()
}

/// Pad `text` with spaces to `width` terminal columns (Chinese characters take two).
fn pad(text: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
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

/// An exact number as explain prints it: a decimal when it is one (`0.375`), else a
/// whole part and a fraction (`856666 2/3`, `2/3`), so that it can be read back exactly.
fn show(r: &BigRational) -> String {
    if let Some(d) = exact::terminating(r) {
        return d.normalize().to_string();
    }
    let whole = r.trunc();
    if whole.is_zero() {
        return r.to_string();
    }
    let frac = (r - &whole).abs();
    format!("{} {}", whole.to_integer(), frac)
}

fn big(n: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

/// A run of eligible months in which every factor stays the same.
struct Term {
    first: u32,
    last: u32,
    coverage: Exact,
    standard: Exact,
    k: Exact,
    /// Base + top-up rules: the national base in force.
    base: Option<Exact>,
    /// The level shares of the whole amount (or of the part up to the base) …
    shares: [BigRational; 4],
    /// … and of the part above the base.
    topup: Option<[BigRational; 4]>,
}

impl Term {
    fn months(&self) -> u32 {
        self.last - self.first + 1
    }

    /// headcount × months/12 × coverage × `standard` × k.
    fn amount(&self, h: i64, standard: &BigRational) -> BigRational {
        big(h)
            * BigRational::new(self.months().into(), 12.into())
            * self.coverage.big()
            * standard
            * self.k.big()
    }

    /// The whole amount, and for a base + top-up rule its part up to the base.
    fn parts(&self, h: i64) -> (BigRational, Option<BigRational>) {
        let std = self.standard.big();
        let whole = self.amount(h, &std);
        let below = self.base.map(|b| self.amount(h, &std.clone().min(b.big())));
        (whole, below)
    }
}

/// The amount of one cell as explain prints it — headcount × months/12 × coverage ×
/// standard × k over runs of eligible months, and each level's share of it — evaluated
/// by explain itself, exactly, from the values it prints.
struct Formula {
    headcount: i64,
    terms: Vec<Term>,
}

impl Formula {
    fn new(f: &Factors, class: FiscalClassId, eligible: &[bool; 12], headcount: i64) -> Formula {
        let shares = |rule: &RuleFactors, m: usize| -> [BigRational; 4] {
            let c = rule.central[m].big();
            let rest = big(1) - &c;
            let l = &rule.local[class.index()];
            [
                c,
                &rest * l[0][m].big(),
                &rest * l[1][m].big(),
                &rest * l[2][m].big(),
            ]
        };
        let mut terms: Vec<Term> = Vec::new();
        for m in (0..12).filter(|m| eligible[*m]) {
            let (base, sh, topup) = match &f.split {
                SplitFactors::Shares(rule) => (None, shares(rule, m), None),
                SplitFactors::BaseTopup {
                    base,
                    base_rule,
                    topup_rule,
                } => (
                    Some(base[m]),
                    shares(base_rule, m),
                    Some(shares(topup_rule, m)),
                ),
            };
            let term = Term {
                first: m as u32 + 1,
                last: m as u32 + 1,
                coverage: f.coverage[m],
                standard: f.standard[m],
                k: f.k[m],
                base,
                shares: sh,
                topup,
            };
            match terms.last_mut() {
                Some(t)
                    if t.last == term.first - 1
                        && (t.coverage, t.standard, t.k, t.base)
                            == (term.coverage, term.standard, term.k, term.base)
                        && (&t.shares, &t.topup) == (&term.shares, &term.topup) =>
                {
                    t.last = term.last
                }
                _ => terms.push(term),
            }
        }
        Formula { headcount, terms }
    }

    /// The whole amount, and for a base + top-up rule its part up to the base.
    fn sums(&self) -> (BigRational, Option<BigRational>) {
        let mut whole = BigRational::zero();
        let mut below: Option<BigRational> = None;
        for t in &self.terms {
            let (w, b) = t.parts(self.headcount);
            whole += w;
            if let Some(b) = b {
                *below.get_or_insert_with(BigRational::zero) += b;
            }
        }
        (whole, below)
    }

    /// The exact amount of each level, in yuan.
    fn levels(&self) -> [BigRational; 4] {
        let mut out: [BigRational; 4] = std::array::from_fn(|_| BigRational::zero());
        for t in &self.terms {
            let (whole, below) = t.parts(self.headcount);
            for (l, o) in out.iter_mut().enumerate() {
                *o += match (&below, &t.topup) {
                    (Some(b), Some(top)) => b * &t.shares[l] + (&whole - b) * &top[l],
                    _ => &whole * &t.shares[l],
                };
            }
        }
        out
    }

    /// The published figures: the total rounded once to the fen, the levels allocated
    /// by largest remainder, from [`Formula::levels`].
    fn fen(&self) -> Result<(i64, [i64; 4]), money::Overflow> {
        let fen = self.levels().map(|x| x * big(100));
        let den = fen.iter().fold(BigInt::from(1), |d, x| {
            num_integer::Integer::lcm(&d, x.denom())
        });
        let parts = fen.map(|x| x.numer() * (&den / x.denom()));
        money::allocate(&parts, &den)
    }

    fn write_amount(&self, t: &mut String, unit: crate::params::Unit) {
        use crate::params::Unit as U;
        let (k_head, k_of) = match unit {
            U::YuanPerMonth => (" × 12 (months a year)", true),
            U::YuanPerDay => (" × days (a year)", true),
            _ => ("", false),
        };
        let _ = writeln!(
            t,
            "  金额 amount      headcount × months/12 × coverage × standard{k_head}, exactly 精确:"
        );
        let k = |x: &Term| {
            if k_of {
                format!(" × {}", x.k)
            } else {
                String::new()
            }
        };
        let mut sums = Vec::new();
        let mut total = BigRational::zero();
        for x in &self.terms {
            let (whole, below) = x.parts(self.headcount);
            let _ = writeln!(
                t,
                "                   {}: {} × {}/12 × {} × {}{} = {}",
                months_label(x.first, x.last),
                self.headcount,
                x.months(),
                x.coverage,
                x.standard,
                k(x),
                show(&whole)
            );
            if let (Some(b), Some(base)) = (&below, x.base) {
                let under = if x.standard.big() <= base.big() {
                    x.standard
                } else {
                    base
                };
                let _ = writeln!(
                    t,
                    "                     up to the national base 国家基础标准 {base}: {} × {}/12 × {} × {under}{} = {}; the rest 超出部分 {}",
                    self.headcount,
                    x.months(),
                    x.coverage,
                    k(x),
                    show(b),
                    show(&(&whole - b))
                );
            }
            sums.push(show(&whole));
            total += whole;
        }
        if self.terms.is_empty() {
            let _ = writeln!(t, "                   no eligible month 无符合条件的月份");
        }
        let joined = if sums.len() > 1 {
            format!("{} = ", sums.join(" + "))
        } else {
            String::new()
        };
        let parts = match self.sums() {
            (whole, Some(b)) => format!(
                " (up to the national base 国家基础标准部分 {}, the rest 超出部分 {})",
                show(&b),
                show(&(whole - &b))
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            t,
            "                   sum 合计 {joined}{} yuan 元{parts}",
            show(&total)
        );
    }

    fn write_levels(&self, t: &mut String, fen: &[i64; 4], total: i64) {
        let exact = self.levels();
        // When the shares hold all year, each level is one product (two with a top-up).
        let same = self
            .terms
            .windows(2)
            .all(|w| (&w[0].shares, &w[0].topup) == (&w[1].shares, &w[1].topup));
        let (whole, below) = self.sums();
        let mut floors = 0i64;
        for (l, level) in Level::ALL.iter().enumerate() {
            let products: Vec<String> = if same && self.terms.len() > 1 {
                let x = &self.terms[0];
                match (&below, &x.topup) {
                    (Some(b), Some(top)) => vec![format!(
                        "{} × {} + {} × {}",
                        show(b),
                        show(&x.shares[l]),
                        show(&(&whole - b)),
                        show(&top[l])
                    )],
                    _ => vec![format!("{} × {}", show(&whole), show(&x.shares[l]))],
                }
            } else {
                self.terms
                    .iter()
                    .map(|x| match (x.parts(self.headcount), &x.topup) {
                        ((whole, Some(b)), Some(top)) => format!(
                            "{} × {} + {} × {}",
                            show(&b),
                            show(&x.shares[l]),
                            show(&(whole - &b)),
                            show(&top[l])
                        ),
                        ((whole, _), _) => format!("{} × {}", show(&whole), show(&x.shares[l])),
                    })
                    .collect()
            };
            let expr = if products.is_empty() {
                "0".to_owned()
            } else {
                products.join(" + ")
            };
            floors += (&exact[l] * big(100))
                .floor()
                .to_integer()
                .to_i64()
                .unwrap_or(fen[l]);
            let _ = writeln!(
                t,
                "    {} {:<9} {expr} = {} → {}",
                pad(level.zh(), 11),
                level.key(),
                show(&exact[l]),
                yuan(fen[l])
            );
        }
        let sum: BigRational = exact.iter().sum();
        let _ = writeln!(
            t,
            "    {} {:<9} {} → {} (rounded once to the fen 分, half away from zero)",
            pad("合计", 11),
            "total",
            show(&sum),
            yuan(total)
        );
        let left = total - floors;
        if left > 0 {
            let _ = writeln!(
                t,
                "    (each level gets the fen below its exact amount; the {left} fen left go to the largest remainders 最大余额法, ties to central, province, city, county)"
            );
        }
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
        let adjust = |co: &Cohort| p.get(co.adjust).exact_for_year(year).unwrap_or(Exact::ONE);
        let adjusted = |co: &Cohort| {
            let a = p.get(co.adjust);
            match adjust(co) {
                x if x != Exact::ONE => {
                    format!(" × adjust {x} ({})", provenance(a, Date::new(year, 7, 1)))
                }
                _ => String::new(),
            }
        };
        // A derived or adjusted headcount, recomputed from the printed factors.
        let check = |co: &Cohort, h: i64, base: i64, factors: &[Exact]| -> Result<()> {
            let x = factors
                .iter()
                .fold(big(base), |acc, f| acc * f.big())
                .round();
            if x == big(h) {
                Ok(())
            } else {
                Err(Error::Internal(format!(
                    "the headcount of `{}` in {unit} in {year} is {h}, but explain's recomputation from the printed factors gives {x}",
                    co.id
                )))
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
                    let r = rp.exact_for_year(year).unwrap_or(Exact::ONE);
                    let fh = out.headcounts.get(year, u, from);
                    check(co, h, fh, &[r, adjust(co)])?;
                    lines.push(format!(
                        "{} {h} = round({} {fh} × {r}{}) — {}",
                        co.id,
                        model.cohort(from).id,
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
                    let raw = model.counts.rows.get(&chain).and_then(|grid| {
                        let yi = model.counts.years.binary_search(&year).ok()?;
                        Some(grid[(yi, u)])
                    });
                    match raw {
                        Some(raw) if adjust(co) != Exact::ONE => {
                            check(co, h, raw, &[adjust(co)])?;
                            lines.push(format!(
                                "{} {h} = round(data 数据 {raw}{}) ({src})",
                                co.id,
                                adjusted(co)
                            ));
                        }
                        _ => lines.push(format!("{} {h}: data 数据 ({src})", co.id)),
                    }
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
            num(cy.coverage),
            provenance(cov_p, Date::new(year, 12, 1))
        );
        let unit_word = match std_p.unit {
            crate::params::Unit::YuanPerMonth => "yuan a month 元/月",
            crate::params::Unit::YuanPerDay => "yuan a day 元/天",
            _ => "yuan a year 元/年",
        };
        for (a, b, v) in month_runs(|m| std_p.exact_in_month(year, m)) {
            let date = Date::first_of(year, a);
            let days = c
                .days
                .and_then(|d| p.get(d).exact_in_month(year, a))
                .map(|d| format!(" × {d} days 天"))
                .unwrap_or_default();
            let _ = writeln!(
                t,
                "  标准 standard    {} {unit_word}{days}, {} — {}",
                v.map(|v| v.to_string()).unwrap_or_default(),
                months_label(a, b),
                provenance(std_p, date)
            );
        }
        let _ = writeln!(
            t,
            "                   → {:.2} yuan a year per head 每人每年 (annualised 年化, rounded for display)",
            cy.standard_annual
        );
        if cell.months < 12 {
            let _ = writeln!(
                t,
                "  资格 eligible    {} of 12 months 个月 (unit's poverty status or kind; paid only while eligible)",
                cell.months
            );
        }
        let factors = Factors::of(model, si, ci, year)?;
        let eligible = eligible_months(c, unit_, year).unwrap_or([true; 12]);
        let formula = Formula::new(&factors, unit_.fiscal_class, &eligible, cell.headcount);
        formula.write_amount(&mut t, std_p.unit);
        let rule = model.rule(c.split);
        let _ = writeln!(
            t,
            "  分担 split       {} {} / {}",
            rule.id, rule.name.zh, rule.name.en
        );
        let topup = match &rule.kind {
            SplitKind::BaseTopup { topup_rule, .. } => Some(model.rule(*topup_rule)),
            SplitKind::Shares { .. } => None,
        };
        let class = unit_.fiscal_class;
        for (a, b, (sh, top)) in month_runs(|m| {
            (
                shares_in_month(model, rule, class, year, m),
                topup.map(|r| shares_in_month(model, r, class, year, m)),
            )
        }) {
            let list = |sh: &[BigRational; 4]| -> String {
                let v: Vec<String> = Level::ALL
                    .iter()
                    .zip(sh.iter())
                    .map(|(l, x)| format!("{} {}", l.key(), show(x)))
                    .collect();
                v.join(", ")
            };
            match &top {
                None => {
                    let _ = writeln!(
                        t,
                        "                   {}: {}",
                        months_label(a, b),
                        list(&sh)
                    );
                }
                Some(top) => {
                    let _ = writeln!(
                        t,
                        "                   {}: up to the base 基础部分 {}; the rest 超出部分 {}",
                        months_label(a, b),
                        list(&sh),
                        list(top)
                    );
                }
            }
            match &rule.kind {
                SplitKind::Shares { central, local } => {
                    let _ = writeln!(
                        t,
                        "                   rule 规则: {}",
                        provenance(p.get(*central), Date::first_of(year, a))
                    );
                    if let Some(n) = crate::overrides::shift::local_note(
                        model,
                        local,
                        unit_.fiscal_class,
                        Date::first_of(year, a),
                    ) {
                        let _ = writeln!(t, "                   local 地方: {n}");
                    }
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
                        bp.exact_in_month(year, a)
                            .map(|v| v.to_string())
                            .unwrap_or_default(),
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
        // explain's own result, from the factors it printed, must be the published one.
        let (total, levels) = formula.fen().map_err(|_| {
            Error::Internal(format!(
                "explain cannot hold the amount of {unit} · service {service} `{}` · {year} in fen",
                c.id
            ))
        })?;
        if (total, levels) != (cell.total, cell.levels) {
            return Err(Error::Internal(format!(
                "for {unit} · service {service} `{}` · {year}, explain's recomputation from the printed factors gives {} ({}) but the engine gives {} ({})",
                c.id,
                yuan(total),
                levels.map(yuan).join(", "),
                yuan(cell.total),
                cell.levels.map(yuan).join(", ")
            )));
        }
        formula.write_levels(&mut t, &levels, total);
        let [central, province, city, county] = cell.levels;
        money::add_levels(&mut sum, &[central, province, city, county, cell.total])
            .map_err(|_| crate::engine::sum_overflow(model, [cell], "the service total"))?;
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
