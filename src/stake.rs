//! The money at stake behind each assumption.
//!
//! An assumption is a run of a parameter's dated values that rest on our judgement (or
//! one version of a split rule, or a unit's assumed fiscal class). Each is moved over its
//! plausible range — the `range:` its basis gives, else ±20 % — one at a time, everything
//! else at the scenario's values, and the change of each level's total over the run is
//! recorded: a tornado. The movement is computed by the sweep machinery
//! ([`crate::sweep::Evaluator`]): the assumptions become the axes of a sweep spec built
//! here, and each axis's low and high values are evaluated with the same incremental
//! code a sweep uses, so the figures are those `simulate` would give for a scenario
//! that sets the value. A unit's fiscal class is not a number a sweep can move; it is
//! switched in a copy of the model and run through the same engine.
//!
//! The three local shares of a split (province, city, county) must keep adding up to
//! one, so they move together: the province's part of the local share moves by ±20 %
//! (the city's when the province has none) and the county's part absorbs the change
//! (the city's, where the county's is too small).

pub mod reload;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::date::Date;
use crate::engine::{self, Years};
use crate::error::Result;
use crate::grade::{Confidence, Range};
use crate::load::Source;
use crate::model::{Model, SplitKind};
use crate::params::{Param, ParamId, Unit};
use crate::scenario::Scenario;
use crate::sweep::{Assign, Evaluator, Spec};

/// What an assumption is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A run of dated values of one parameter.
    Param,
    /// The local shares of a split rule for one fiscal class, in one version.
    LocalShares,
    /// A unit's assumed fiscal class.
    FiscalClass,
}

/// One assumption and the money it moves.
#[derive(Debug, Clone)]
pub struct Assumption {
    pub kind: Kind,
    /// The parameter path (for local shares `splits.<rule>.local.<class>`; for a unit
    /// `units.<code>.fiscal_class`).
    pub path: String,
    /// Other parameters that carry the same assumption (the same basis, word for word, over
    /// the same dates) and move with it.
    pub also: Vec<String>,
    /// The first date of the assumed values, and the last day they are in force (open
    /// when they run to the end).
    pub from: Option<Date>,
    pub until: Option<Date>,
    /// The assumed value(s), as text (`0.5` or `90; 93`).
    pub value: String,
    pub unit: String,
    pub basis: String,
    pub confidence: Option<Confidence>,
    /// The range used, and whether the basis gave it (else ±20 %).
    pub range: String,
    pub range_given: bool,
    pub defined_at: String,
    /// Change of each level's total over the run (fen): central, province, city, county,
    /// total, at the low and at the high end of the range.
    pub low: [i64; 5],
    pub high: [i64; 5],
}

impl Assumption {
    /// How far level `l` (0-3; 4 the total) moves between the two ends of the range.
    pub fn swing(&self, l: usize) -> i64 {
        let (a, b) = (self.low[l], self.high[l]);
        let hi = a.max(b).max(0);
        let lo = a.min(b).min(0);
        hi - lo
    }

    /// The money at stake: the largest movement of any one level's total.
    pub fn stake(&self) -> i64 {
        (0..4).map(|l| self.swing(l)).max().unwrap_or(0)
    }
}

fn pred(d: Date) -> Date {
    if d.day > 1 {
        return Date::new(d.year, d.month, d.day - 1);
    }
    let (y, m) = if d.month == 1 {
        (d.year - 1, 12)
    } else {
        (d.year, d.month - 1)
    };
    let mut last = Date::new(y, m, 28);
    while last.succ().month == m {
        last = last.succ();
    }
    last
}

fn num(x: Decimal) -> String {
    x.normalize().to_string()
}

/// The highest value a parameter of this unit may take, if any.
fn ceiling(unit: Unit) -> Option<Decimal> {
    match unit {
        Unit::Share => Some(Decimal::ONE),
        Unit::DaysPerYear => Some(Decimal::from(366)),
        _ => None,
    }
}

/// One axis of the generated spec.
struct AxisText {
    path: String,
    from: Option<Date>,
    until: Option<Date>,
    scale: bool,
    low: Decimal,
    high: Decimal,
}

/// A planned assumption: its row (without money yet) and the axes that move it.
struct Plan {
    row: Assumption,
    axes: Vec<AxisText>,
}

/// The runs of a parameter's values that share one assumption: (first index, last index,
/// dated?) for each run.
fn runs(p: &Param) -> Vec<(usize, usize)> {
    let key = |i: usize| -> Option<(bool, Date)> {
        let d = p.values[i].0;
        p.assumption_at(d)?;
        Some(if p.assumptions.contains_key(&d) {
            (true, d)
        } else {
            (false, Date::new(1, 1, 1))
        })
    };
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut prev = None;
    for i in 0..p.values.len() {
        let k = key(i);
        match (k, prev) {
            (Some(k), Some(pk)) if k == pk && !k.0 => {
                out.last_mut().expect("an open run").1 = i;
            }
            (Some(_), _) => out.push((i, i)),
            (None, _) => {}
        }
        prev = k;
    }
    out
}

fn span_in_run(
    from: Date,
    until: Option<Date>,
    years: Years,
) -> Option<(Option<Date>, Option<Date>)> {
    let start = Date::new(years.first, 1, 1);
    let end = Date::new(years.last, 12, 31);
    if from > end || until.is_some_and(|u| u < start) {
        return None;
    }
    let f = (from > start).then_some(from);
    let u = until.filter(|u| *u < end);
    Some((f, u))
}

fn plan_param(p: &Param, years: Years, plans: &mut Vec<Plan>) {
    for (a, b) in runs(p) {
        let from = p.values[a].0;
        let until = p.values.get(b + 1).map(|(d, _)| pred(*d));
        let Some((f, u)) = span_in_run(from, until, years) else {
            continue;
        };
        let grade = p.grade_at(from);
        let given = grade.and_then(|g| g.range);
        let mut range = given.unwrap_or_else(Range::default_factors);
        let vals: Vec<Decimal> = p.values[a..=b].iter().map(|v| v.1).collect();
        let vmax = vals.iter().copied().max().unwrap_or_default();
        if range.scale
            && let Some(cap) = ceiling(p.unit)
            && vmax > Decimal::ZERO
            && vmax * range.high > cap
        {
            range.high = (cap / vmax)
                .round_dp_with_strategy(4, RoundingStrategy::ToZero)
                .max(Decimal::ONE);
        }
        plans.push(Plan {
            row: Assumption {
                kind: Kind::Param,
                path: p.path.clone(),
                also: Vec::new(),
                from: Some(from),
                until,
                value: vals.iter().map(|v| num(*v)).collect::<Vec<_>>().join("; "),
                unit: p.unit.name().to_owned(),
                basis: p.assumption_at(from).unwrap_or_default().to_owned(),
                confidence: grade.map(|g| g.confidence),
                range: range.to_string(),
                range_given: given.is_some(),
                defined_at: format!("{}:{}", p.origin.file, p.origin.line),
                low: [0; 5],
                high: [0; 5],
            },
            axes: vec![AxisText {
                path: p.path.clone(),
                from: f,
                until: u,
                scale: range.scale,
                low: range.low,
                high: range.high,
            }],
        });
    }
}

/// Move the local shares (province, city, county) of one class by ±20 % of the province's
/// part (the city's if the province has none), the county's part (else the city's)
/// absorbing the change; `None` when nothing can move.
fn local_moves(s: [Decimal; 3]) -> Option<[[Decimal; 3]; 2]> {
    let mover = if s[0] > Decimal::ZERO {
        0
    } else if s[1] > Decimal::ZERO && s[2] > Decimal::ZERO {
        1
    } else {
        return None;
    };
    let f = Range::default_factors();
    let moved = |factor: Decimal| -> Option<[Decimal; 3]> {
        let mut out = s;
        let target = (s[mover] * factor).min(Decimal::ONE);
        let mut delta = target - s[mover];
        out[mover] = target;
        for absorb in [2usize, 1, 0] {
            if absorb == mover || delta.is_zero() {
                continue;
            }
            let take = delta.min(out[absorb]);
            out[absorb] -= take;
            delta -= take;
        }
        delta.is_zero().then_some(out)
    };
    Some([moved(f.low)?, moved(f.high)?])
}

fn plan_local(model: &Model, years: Years, plans: &mut Vec<Plan>) {
    let p = &model.params;
    for rule in &model.rules {
        let SplitKind::Shares { local, .. } = &rule.kind else {
            continue;
        };
        for class in model.plan.class_ids() {
            if !model.units.iter().any(|u| u.fiscal_class == class) {
                continue;
            }
            let ids: [ParamId; 3] = local[class.index()];
            let prov = p.get(ids[0]);
            for (i, (date, _)) in prov.values.iter().enumerate() {
                let Some(basis) = prov.assumption_at(*date) else {
                    continue;
                };
                let until = prov.values.get(i + 1).map(|(d, _)| pred(*d));
                let Some((f, u)) = span_in_run(*date, until, years) else {
                    continue;
                };
                let shares = ids.map(|id| p.get(id).at(*date).unwrap_or_default());
                let Some([lo, hi]) = local_moves(shares) else {
                    continue;
                };
                let axes = (0..3)
                    .map(|l| AxisText {
                        path: p.get(ids[l]).path.clone(),
                        from: f,
                        until: u,
                        scale: false,
                        low: lo[l],
                        high: hi[l],
                    })
                    .collect();
                plans.push(Plan {
                    row: Assumption {
                        kind: Kind::LocalShares,
                        path: format!("splits.{}.local.{}", rule.id, model.plan.class(class).id),
                        also: Vec::new(),
                        from: Some(*date),
                        until,
                        value: shares.map(num).join("; "),
                        unit: "share".to_owned(),
                        basis: basis.to_owned(),
                        confidence: prov.grade_at(*date).map(|g| g.confidence),
                        range: format!("{} – {}", lo.map(num).join("/"), hi.map(num).join("/")),
                        range_given: false,
                        defined_at: format!("{}:{}", prov.origin.file, prov.origin.line),
                        low: [0; 5],
                        high: [0; 5],
                    },
                    axes,
                });
            }
        }
    }
}

/// One assumption written in several places (the same basis, word for word, over the same
/// dates: a 低保 path used by several components, the 2016 public-health figure of every
/// package item) is one assumption: its parameters move together.
fn merge_same(plans: Vec<Plan>) -> Vec<Plan> {
    let key = |p: &Plan| {
        (
            p.row.basis.split_whitespace().collect::<Vec<_>>().join(" "),
            p.row.from,
            p.row.until,
        )
    };
    let mut out: Vec<Plan> = Vec::new();
    for plan in plans {
        let k = key(&plan);
        let same = (plan.row.kind == Kind::Param)
            .then(|| {
                out.iter_mut()
                    .find(|o| o.row.kind == Kind::Param && key(o) == k)
            })
            .flatten();
        match same {
            Some(o) => {
                o.row.also.push(plan.row.path);
                o.axes.extend(plan.axes);
            }
            None => out.push(plan),
        }
    }
    out
}

fn spec_text(plans: &[Plan]) -> String {
    let mut t =
        String::from("name: assumptions\ntitle: money at stake behind each assumption\naxes:\n");
    let mut n = 0;
    for plan in plans {
        for a in &plan.axes {
            t.push_str(&format!("  - path: \"{}\"\n    name: a{n}\n", a.path));
            if let Some(f) = a.from {
                t.push_str(&format!("    from: \"{f}\"\n"));
            }
            if let Some(u) = a.until {
                t.push_str(&format!("    until: \"{u}\"\n"));
            }
            t.push_str(&format!(
                "    mode: {}\n    values: [\"{}\", \"{}\"]\n",
                if a.scale { "scale" } else { "set" },
                num(a.low),
                num(a.high)
            ));
            n += 1;
        }
    }
    t
}

/// Every assumption of the scenario `base`, with the money it moves, largest first
/// (equal ones by path and date).
pub fn assumptions(base: &Scenario) -> Result<Vec<Assumption>> {
    assumptions_on(base, &base.model()?)
}

/// [`assumptions`], with the scenario's model already loaded.
fn assumptions_on(base: &Scenario, model: &Model) -> Result<Vec<Assumption>> {
    let years = base.years;
    let mut plans = Vec::new();
    for (_, p) in model.params.iter() {
        if p.path.starts_with("splits.") && p.path.contains(".local.") {
            continue;
        }
        plan_param(p, years, &mut plans);
    }
    plan_local(model, years, &mut plans);
    let plans = merge_same(plans);

    let mut rows: Vec<Assumption> = Vec::new();
    if !plans.is_empty() {
        let text = spec_text(&plans);
        let spec = Spec::parse_on(Source::new("(assumptions)", text), base.clone())?;
        let ev = Evaluator::new(&spec)?;
        let mut scratch = ev.scratch();
        let mut out = vec![0i64; ev.acc_len];
        let ny = years.len();
        let mut axis = 0;
        for plan in plans {
            let n = plan.axes.len();
            let ends: Vec<Vec<Assign>> = (axis..axis + n)
                .map(|a| ev.tornado_values(a, false))
                .collect();
            axis += n;
            let mut row = plan.row;
            for (end, slot) in [&mut row.low, &mut row.high].into_iter().enumerate() {
                let assigns: Vec<Assign> = ends.iter().map(|v| v[end]).collect();
                ev.axes_delta(&mut scratch, &assigns, &mut out)?;
                for yi in 0..ny {
                    for l in 0..4 {
                        slot[l] += out[yi * 4 + l];
                        slot[4] += out[yi * 4 + l];
                    }
                }
            }
            rows.push(row);
        }
    }
    rows.extend(fiscal_classes(model, years)?);
    rows.sort_by(|a, b| {
        b.stake()
            .cmp(&a.stake())
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.from.cmp(&b.from))
    });
    Ok(rows)
}

/// The money at stake of every assumption of `base`, as a run's `at_stake.csv` holds
/// it (see [`crate::provenance::at_stake_csv`]): the change of each level's total at
/// the low and at the high end of the assumption's range, largest first.
pub fn at_stake(base: &Scenario) -> Result<Vec<crate::provenance::AtStake>> {
    let model = base.model()?;
    Ok(assumptions_on(base, &model)?
        .into_iter()
        .map(|a| crate::provenance::AtStake {
            label: match a.also.len() {
                0 => crate::provenance::label(&model, &a.path),
                n => format!("{} (+{n} more)", crate::provenance::label(&model, &a.path)),
            },
            path: a.path,
            low: [a.low[0], a.low[1], a.low[2], a.low[3]],
            high: [a.high[0], a.high[1], a.high[2], a.high[3]],
        })
        .collect())
}

/// Each unit's assumed fiscal class, switched to the plausible other class (a county to
/// 省直管县; a functional zone or a district made from a county to 市管县, as the plan's
/// unit kinds say in `if_assumed`) in a copy of the model.
fn fiscal_classes(model: &Model, years: Years) -> Result<Vec<Assumption>> {
    let mut out = Vec::new();
    let base = engine::run(model, years)?;
    let total = |o: &engine::Outcome| -> [i64; 5] {
        let mut t = [0i64; 5];
        for c in &o.cells {
            for l in 0..4 {
                t[l] += c.levels[l];
                t[4] += c.levels[l];
            }
        }
        t
    };
    let base_t = total(&base);
    for (i, u) in model.units.iter().enumerate() {
        if !u.fiscal_class_assumed {
            continue;
        }
        // The plausible other class of a unit of this kind (plan.yaml `if_assumed`).
        let alternative = model.plan.kind(u.kind).if_assumed.as_ref();
        let why = alternative.map_or("", |a| a.why.as_str());
        let other = alternative
            .map(|a| a.class)
            .filter(|c| *c != u.fiscal_class);
        let mut moved = [0i64; 5];
        if let Some(c) = other {
            let mut m = model.clone();
            m.units[i].fiscal_class = c;
            let t = total(&engine::run(&m, years)?);
            for l in 0..5 {
                moved[l] = t[l] - base_t[l];
            }
        }
        out.push(Assumption {
            kind: Kind::FiscalClass,
            path: format!("units.{}.fiscal_class", u.code),
            also: Vec::new(),
            from: None,
            until: None,
            value: model.plan.class(u.fiscal_class).id.clone(),
            unit: "class".to_owned(),
            basis: if why.is_empty() {
                format!("{} ({})", u.name_zh, u.name_en)
            } else {
                format!("{} ({}): {why}", u.name_zh, u.name_en)
            },
            confidence: u.fiscal_class_confidence,
            range: match other {
                Some(c) => format!(
                    "{} or {}",
                    model.plan.class(u.fiscal_class).id,
                    model.plan.class(c).id
                ),
                None => model.plan.class(u.fiscal_class).id.clone(),
            },
            range_given: true,
            defined_at: "units.csv".to_owned(),
            low: [0; 5],
            high: moved,
        });
    }
    Ok(out)
}
