//! A split rule's shares of the whole cost, level by level, as a reader checks them.
//!
//! A rule is stored as the centre's share of the whole cost and, by fiscal class, the
//! province's, city's and county's shares of *the rest*. Whether "the province takes
//! over half of the county's share" did what was meant is easiest to see in parts of
//! the whole cost, so `explain --param splits.<rule>` prints them here: every date on
//! which any of the rule's shares changes during the run, each class's four parts
//! (exact decimals adding up to 1), and the scenario line behind a change.

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::date::Date;
use crate::engine::Years;
use crate::model::{FiscalClassId, Level, Model, SplitKind, SplitRule};
use crate::params::ParamId;

fn num(x: Decimal) -> String {
    x.normalize().to_string()
}

/// The four parts of the whole cost (central, province, city, county) of a share rule
/// for `class` on `date`.
pub fn parts(
    model: &Model,
    rule: &SplitRule,
    class: FiscalClassId,
    date: Date,
) -> Option<[Decimal; 4]> {
    let SplitKind::Shares { central, local } = &rule.kind else {
        return None;
    };
    let v = |id: ParamId| model.params.get(id).at(date).unwrap_or_default();
    let c = v(*central);
    let rest = Decimal::ONE - c;
    let l = local[class.index()];
    Some([c, rest * v(l[0]), rest * v(l[1]), rest * v(l[2])])
}

/// The table of a share rule's parts over `years`, or of the two rules a base + top-up
/// rule is made of; `None` when `id` is not a rule.
pub fn rule_table(model: &Model, id: &str, years: Years) -> Option<String> {
    let rule = model.rules.iter().find(|r| r.id == id)?;
    let mut t = String::new();
    let _ = writeln!(t, "{} {} / {}", rule.id, rule.name.zh, rule.name.en);
    match &rule.kind {
        SplitKind::Shares { .. } => t.push_str(&shares_table(model, rule, years)),
        SplitKind::BaseTopup {
            base,
            base_rule,
            topup_rule,
        } => {
            let (b, top) = (model.rule(*base_rule), model.rule(*topup_rule));
            let _ = writeln!(
                t,
                "the standard up to the national base `{}` is split by `{}`, the part above it by `{}`:",
                model.params.get(*base).path,
                b.id,
                top.id
            );
            for r in [b, top] {
                let _ = writeln!(t, "\n{} {} / {}", r.id, r.name.zh, r.name.en);
                t.push_str(&shares_table(model, r, years));
            }
        }
    }
    Some(t)
}

fn shares_table(model: &Model, rule: &SplitRule, years: Years) -> String {
    let SplitKind::Shares { central, local } = &rule.kind else {
        return String::new();
    };
    let mut ids: Vec<ParamId> = vec![*central];
    ids.extend(local.iter().flatten());
    let start = Date::new(years.first, 1, 1);
    let end = Date::new(years.last, 12, 31);
    let mut dates: Vec<Date> = vec![start];
    for id in &ids {
        for (d, _) in &model.params.get(*id).values {
            if *d > start && *d <= end && !dates.contains(d) {
                dates.push(*d);
            }
        }
    }
    dates.sort();
    let mut t = String::new();
    let heads: Vec<String> = Level::ALL
        .iter()
        .map(|l| format!("{:<8}", l.key()))
        .collect();
    let _ = writeln!(
        t,
        "  shares of the whole cost 占总成本的比例 (中央 / 省 / 市 / 县):"
    );
    let _ = writeln!(
        t,
        "  {:<16} {:<9} {}",
        "",
        "class",
        heads.join(" ").trim_end()
    );
    for d in dates {
        let changed: Vec<String> = ids
            .iter()
            .filter_map(|id| model.params.get(*id).overridden.get(&d).cloned())
            .fold(Vec::new(), |mut v, o| {
                if !v.contains(&o) {
                    v.push(o);
                }
                v
            });
        for (i, class) in model.plan.class_ids().enumerate() {
            let p = parts(model, rule, class, d).expect("a share rule");
            let cells: Vec<String> = p.iter().map(|x| format!("{:<8}", num(*x))).collect();
            let when = if i == 0 {
                format!("from {d}")
            } else {
                String::new()
            };
            let _ = writeln!(
                t,
                "  {when:<16} {:<9} {}",
                model.plan.class(class).id,
                cells.join(" ").trim_end()
            );
        }
        if !changed.is_empty() {
            let _ = writeln!(t, "  {:<16} ← scenario 情景 {}", "", changed.join(", "));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compulsory_education_parts_add_up_to_one() {
        let s = crate::Scenario::baseline();
        let m = s.model().unwrap();
        let rule = m.rules.iter().find(|r| r.id == "compulsory_edu").unwrap();
        let managed = m.plan.parse_class("managed").unwrap();
        let p = parts(&m, rule, managed, Date::new(2016, 1, 1)).unwrap();
        // why: central 0.6; the rest 0.4 split 2:1:1 → 0.2, 0.1, 0.1.
        let want: [Decimal; 4] = ["0.6", "0.2", "0.1", "0.1"].map(|x| x.parse().unwrap());
        assert_eq!(p, want);
        let t = rule_table(&m, "compulsory_edu", s.years).unwrap();
        assert!(t.contains("from 2019-01-01"), "{t}");
        assert!(
            rule_table(&m, "pension_resident", s.years)
                .unwrap()
                .contains("pension_topup")
        );
        assert!(rule_table(&m, "nope", s.years).is_none());
    }
}
