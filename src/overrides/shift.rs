//! Moving a share of the cost from one level to another, in one override.
//!
//! "The province takes over half of the county's share of compulsory education from
//! 2018" is one sentence of policy but touches up to ten numbers of a split rule: the
//! centre's share of the whole cost and, for each fiscal class, the province's, city's
//! and county's shares of the rest. The override
//!
//! ```yaml
//! - {path: splits.compulsory_edu, shift: {from: county, to: province, share: 0.5}, from: 2018-01-01}
//! ```
//!
//! computes them, exactly, on every date any of them changes within its period.
//!
//! `share` is the fraction of the giving level's **part of the whole cost** that moves:
//! with the centre paying 0.6 and the county 0.25 of the rest (0.1 of the whole), half
//! of the county's part is 0.05 of the whole cost, whatever the fiscal class.
//!
//! * Between two local levels the centre is untouched; in each class (or only those of
//!   `classes:`) the giver keeps `1 − share` of its local share and the taker gets the
//!   rest: exact decimal products, still adding up to 1.
//! * From the centre, the centre's share falls by `share × central` and the taker's
//!   part of the whole grows by as much in every class; the other levels keep their
//!   parts of the whole cost, so their shares of the (larger) rest are divided anew.
//! * To the centre, the centre takes `share` of the giver's part of the whole. The
//!   centre's share is one figure for all classes, so the giver's part must be the same
//!   in every class (as the county's is in compulsory education); otherwise the move
//!   cannot be written as one central share, and the override is refused, saying so.
//!
//! A division that does not end (0.5 / 0.7) is rounded to [`DECIMALS`] places and the
//! largest share takes the remainder, so the three local shares still add up to exactly
//! 1; `explain --param splits.<rule>` prints the resulting parts of the whole cost. A
//! move to or from the centre cannot be limited to some classes: the centre's share
//! would change for the others too.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Override;
use crate::date::Date;
use crate::engine::Years;
use crate::error::{Error, Result};
use crate::model::{FiscalClassId, Level, Model, Plan, SplitKind};
use crate::params::{Dec, ParamId, Unit};
use crate::suggest::did_you_mean;

/// Decimal places of a local share that a division leaves without end.
pub const DECIMALS: u32 = 20;

/// `shift:` as written in a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShift {
    /// The level that gives part of its share: central, province, city or county.
    pub from: Spanned<String>,
    /// The level that takes it.
    pub to: Spanned<String>,
    /// The fraction of the giver's part of the whole cost that moves (0 to 1).
    pub share: Spanned<Dec>,
    /// Only these fiscal classes (local levels only).
    #[serde(default)]
    pub classes: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A checked shift: who gives, who takes, how much, in which classes.
#[derive(Debug, Clone)]
pub struct Shift {
    pub from: Level,
    pub to: Level,
    pub share: Decimal,
    /// The ids of the plan's fiscal classes, in the plan's order (for messages).
    pub names: Vec<String>,
    /// The classes changed, by [`FiscalClassId::index`] (all of them unless `classes:`
    /// limits them).
    pub classes: Vec<bool>,
}

fn level(ov: &Override, s: &Spanned<String>) -> Result<Level> {
    Level::ALL
        .into_iter()
        .find(|l| l.key() == s.value)
        .ok_or_else(|| {
            Error::input(
                ov.at(&s.referenced),
                format!(
                    "`{}` is not a level{}; a share moves between central, province, city and county",
                    s.value,
                    did_you_mean(&s.value, Level::ALL.iter().map(|l| l.key()))
                ),
            )
        })
}

/// Check a `shift:` as written.
fn checked(ov: &Override, raw: &RawShift, plan: &Plan) -> Result<Shift> {
    let from = level(ov, &raw.from)?;
    let to = level(ov, &raw.to)?;
    if from == to {
        return Err(Error::input(
            ov.at(&raw.to.referenced),
            format!(
                "`shift` moves a share from `{}` to `{}`, the same level; name two different levels",
                from.key(),
                to.key()
            ),
        ));
    }
    let share = raw.share.value.0;
    if share.is_sign_negative() && !share.is_zero() || share > Decimal::ONE {
        return Err(Error::input(
            ov.at(&raw.share.referenced),
            format!(
                "`share` is {share}; it is the fraction of the {}'s part that moves, between 0 and 1 (0.5 moves half of it)",
                from.key()
            ),
        ));
    }
    let mut classes = vec![true; plan.classes.len()];
    if let Some(list) = &raw.classes {
        if from == Level::Central || to == Level::Central {
            return Err(Error::input(
                ov.at(&list.referenced),
                "a move to or from the centre cannot be limited to some fiscal classes: the centre's share is one figure for every class; leave out `classes`",
            ));
        }
        if list.value.is_empty() {
            return Err(Error::input(
                ov.at(&list.referenced),
                format!(
                    "`classes` is empty; name one or more of {}, or leave it out for all",
                    plan.expected_classes()
                ),
            ));
        }
        classes = vec![false; plan.classes.len()];
        for c in &list.value {
            let class = plan.parse_class(&c.value).ok_or_else(|| {
                Error::input(
                    ov.at(&c.referenced),
                    format!(
                        "`{}` is not a fiscal class{}; use {}",
                        c.value,
                        did_you_mean(&c.value, plan.classes.iter().map(|c| c.id.as_str())),
                        plan.expected_classes()
                    ),
                )
            })?;
            if classes[class.index()] {
                return Err(Error::input(
                    ov.at(&c.referenced),
                    format!("`{}` is listed twice in `classes`", c.value),
                ));
            }
            classes[class.index()] = true;
        }
    }
    Ok(Shift {
        from,
        to,
        share,
        names: plan.classes.iter().map(|c| c.id.clone()).collect(),
        classes,
    })
}

/// The shares of a rule on one date: the centre's share of the whole, and by class (in
/// the plan's order) the province's, city's and county's shares of the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shares {
    pub central: Decimal,
    pub local: Vec<[Decimal; 3]>,
}

/// Local shares from the parts of the rest `parts` (which add up to `rest` > 0): exact
/// when the divisions end, else rounded to [`DECIMALS`] places with the largest share
/// taking the remainder. Returns whether anything was rounded.
fn renormalised(parts: [Decimal; 3], rest: Decimal) -> ([Decimal; 3], bool) {
    let mut out = parts.map(|p| {
        (p / rest).round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointAwayFromZero)
    });
    let rounded = out.iter().zip(parts).any(|(s, p)| *s * rest != p);
    let sum: Decimal = out.iter().sum();
    if sum != Decimal::ONE {
        let largest = (0..3)
            .max_by_key(|&i| (out[i], std::cmp::Reverse(i)))
            .expect("three");
        out[largest] += Decimal::ONE - sum;
    }
    (out.map(|x| x.normalize()), rounded)
}

impl Shift {
    /// The shares after the move, or why the move cannot be made (as a sentence).
    pub fn moved(&self, old: Shares) -> std::result::Result<(Shares, bool), String> {
        let c = old.central;
        let rest = Decimal::ONE - c;
        let s = self.share;
        let local = |l: Level| l as usize - 1;
        let mut new = old.clone();
        let mut rounded = false;
        match (self.from, self.to) {
            (Level::Central, to) => {
                let m = s * c;
                if m.is_zero() {
                    return Ok((old, false));
                }
                new.central = c - m;
                let rest_new = rest + m;
                for (k, shares) in old.local.iter().enumerate() {
                    let mut parts = shares.map(|x| rest * x);
                    parts[local(to)] += m;
                    let (l, r) = renormalised(parts, rest_new);
                    new.local[k] = l;
                    rounded |= r;
                }
            }
            (from, Level::Central) => {
                let f = local(from);
                let parts: Vec<Decimal> = old.local.iter().map(|l| rest * l[f]).collect();
                if parts.iter().any(|p| *p != parts[0]) {
                    let each: Vec<String> = self
                        .names
                        .iter()
                        .zip(&parts)
                        .map(|(k, p)| format!("{k} {}", p.normalize()))
                        .collect();
                    return Err(format!(
                        "the {}'s part of the whole cost differs between the fiscal classes ({}), but the centre's share is one figure for all of them, so the centre cannot take the same fraction of it in each; move it to a local level, or set `central` and the local shares with `set`",
                        from.key(),
                        each.join(", ")
                    ));
                }
                let m = s * parts[0];
                if m.is_zero() {
                    return Ok((old, false));
                }
                new.central = c + m;
                let rest_new = rest - m;
                if rest_new.is_zero() {
                    // The centre pays everything: the local shares divide nothing and stay.
                    return Ok((new, false));
                }
                for (k, shares) in old.local.iter().enumerate() {
                    let mut parts = shares.map(|x| rest * x);
                    parts[f] -= m;
                    let (l, r) = renormalised(parts, rest_new);
                    new.local[k] = l;
                    rounded |= r;
                }
            }
            (from, to) => {
                for (k, shares) in new.local.iter_mut().enumerate() {
                    if !self.classes[k] {
                        continue;
                    }
                    let moved = s * shares[local(from)];
                    shares[local(from)] -= moved;
                    shares[local(to)] += moved;
                    *shares = shares.map(|x| x.normalize());
                }
            }
        }
        Ok((new, rounded))
    }

    /// What the move does, in words, for provenance.
    pub fn describe(&self) -> String {
        let only: Vec<&str> = self
            .names
            .iter()
            .zip(&self.classes)
            .filter(|(_, on)| **on)
            .map(|(c, _)| c.as_str())
            .collect();
        format!(
            "shift {} of the {}'s part to the {}{}",
            self.share.normalize(),
            self.from.key(),
            self.to.key(),
            if only.len() < self.names.len() {
                format!(" ({} only)", only.join(", "))
            } else {
                String::new()
            }
        )
    }
}

/// Whether `path` names a split rule (`splits.<rule>`), the path a `shift` takes.
pub fn is_rule_path(model: &Model, path: &str) -> bool {
    path.strip_prefix("splits.")
        .is_some_and(|id| model.rules.iter().any(|r| r.id == id))
}

/// The parameters of a share rule: the centre's, then province, city, county by class.
fn rule_ids(model: &Model, id: &str) -> Option<(ParamId, Box<[[ParamId; 3]]>)> {
    match &model.rules.iter().find(|r| r.id == id)?.kind {
        SplitKind::Shares { central, local } => Some((*central, local.clone())),
        SplitKind::BaseTopup { .. } => None,
    }
}

fn shares_on(model: &Model, central: ParamId, local: &[[ParamId; 3]], d: Date) -> Shares {
    let v = |id: ParamId| model.params.get(id).at(d).unwrap_or_default();
    Shares {
        central: v(central),
        local: local.iter().map(|l| l.map(v)).collect(),
    }
}

/// Apply one `shift:` override (its `path` a split rule) to `model`.
pub(super) fn apply(model: &mut Model, ov: &Override, years: Years) -> Result<()> {
    let r = &ov.raw.value;
    let path = r.path.value.as_str();
    let Some(raw) = &r.shift else {
        let rule = path.trim_start_matches("splits.");
        return Err(Error::input(
            ov.here(),
            format!(
                "`{path}` is a split rule, not one share: move a share between levels with `shift: {{from: county, to: province, share: 0.5}}`, or override one share such as `splits.{rule}.central` (`fendan explain --param {path}` lists them)"
            ),
        ));
    };
    for (given, key) in [
        (r.set.is_some(), "set"),
        (r.scale.is_some(), "scale"),
        (r.values.is_some(), "values"),
        (r.index.is_some(), "index"),
    ] {
        if given {
            return Err(Error::input(
                ov.here(),
                format!(
                    "the override of `{path}` gives both `shift` and `{key}`; keep one (one override, one kind of change)"
                ),
            ));
        }
    }
    let Some(id) = path.strip_prefix("splits.") else {
        return Err(not_a_rule(model, ov, path));
    };
    let Some((central, local)) = rule_ids(model, id) else {
        if let Some(rule) = model.rules.iter().find(|x| x.id == id)
            && let SplitKind::BaseTopup {
                base_rule,
                topup_rule,
                ..
            } = rule.kind
        {
            return Err(Error::input(
                ov.here(),
                format!(
                    "`{path}` splits a standard in two parts by two rules; shift a share of `splits.{}` (up to the national base) or of `splits.{}` (the part above it)",
                    model.rule(base_rule).id,
                    model.rule(topup_rule).id
                ),
            ));
        }
        return Err(not_a_rule(model, ov, path));
    };
    let shift = checked(ov, &raw.value, &model.plan)?;
    let run_start = Date::first_of(years.first, 1);
    let run_end = Date::new(years.last, 12, 31);
    let (from, until) = super::window(ov, years)?;
    let ids: Vec<ParamId> = std::iter::once(central)
        .chain(local.iter().flatten().copied())
        .collect();
    for id in &ids {
        let p = model.params.get_mut(*id);
        p.to_steps(years.first, years.last).map_err(|(y, v)| {
            Error::input(
                ov.here(),
                format!(
                    "`{}` lies on a straight line whose {y} value is {v}, not a decimal, so a shift cannot keep it exactly as dated steps; give all of its values with `values:`",
                    p.path
                ),
            )
        })?;
    }
    let start = from.unwrap_or(run_start);
    let last = until.unwrap_or(run_end);
    // Every date on which a share of the rule changes within the period.
    let mut dates: Vec<Date> = vec![start];
    for id in &ids {
        for (d, _) in &model.params.get(*id).values {
            if *d > start && *d <= last && !dates.contains(d) {
                dates.push(*d);
            }
        }
    }
    dates.sort();
    let mut moved: Vec<(Date, Shares, bool)> = Vec::new();
    for d in &dates {
        let old = shares_on(model, central, &local, *d);
        let (new, rounded) = shift
            .moved(old)
            .map_err(|why| Error::input(ov.here(), format!("`{path}` on {d}: {why}")))?;
        moved.push((*d, new, rounded));
    }
    let origin = ov.origin();
    let note = r
        .note
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let what = shift.describe();
    let after = until.map(Date::succ);
    let new_of = |s: &Shares, k: usize| -> Decimal {
        if k == 0 {
            s.central
        } else {
            s.local[(k - 1) / 3][(k - 1) % 3]
        }
    };
    for (k, id) in ids.iter().enumerate() {
        let p = model.params.get_mut(*id);
        let old = p.values.clone();
        let changed: Vec<(Date, Decimal, bool)> = moved
            .iter()
            .map(|(d, s, r)| (*d, new_of(s, k), *r))
            .filter(|(d, v, _)| p.at(*d) != Some(*v))
            .collect();
        if changed.is_empty() {
            continue;
        }
        let mut values: Vec<(Date, Decimal)> =
            old.iter().copied().filter(|(d, _)| *d < start).collect();
        values.extend(moved.iter().map(|(d, s, _)| (*d, new_of(s, k))));
        if let Some(a) = after {
            if let Some(x) = p.at(a)
                && !old.iter().any(|(d, _)| *d == a)
            {
                values.push((a, x));
            }
            values.extend(old.iter().copied().filter(|(d, _)| *d >= a));
        }
        for (d, v) in &values {
            Unit::Share.check(*v).map_err(|e| {
                Error::input(
                    ov.here(),
                    format!("`{}` on {d} after this shift: {e}", p.path),
                )
            })?;
        }
        p.values = values;
        for (d, v, rounded) in changed {
            let exact = if rounded {
                format!(
                    " → {} (rounded to {DECIMALS} decimals; the largest share of the class takes the remainder)",
                    v
                )
            } else {
                format!(" → {v}")
            };
            p.overridden.insert(d, origin.clone());
            p.sources
                .insert(d, format!("scenario {origin}: {what}{exact}{note}"));
            p.assumptions.remove(&d);
        }
        p.last_override = Some(ov.here());
    }
    Ok(())
}

/// For `explain`: the scenario line that changed the local shares of `class` in force on
/// `date`, as the source of the first one it changed says it.
pub fn local_note(
    model: &Model,
    local: &[[ParamId; 3]],
    class: FiscalClassId,
    date: Date,
) -> Option<String> {
    local[class.index()].iter().find_map(|id| {
        let p = model.params.get(*id);
        let d = p.effective(date)?;
        p.overridden
            .contains_key(&d)
            .then(|| format!("{} from {d}; source 来源: {}", p.path, p.source_at(d)))
    })
}

fn not_a_rule(model: &Model, ov: &Override, path: &str) -> Error {
    let rules: Vec<String> = model
        .rules
        .iter()
        .filter(|r| matches!(r.kind, SplitKind::Shares { .. }))
        .map(|r| format!("splits.{}", r.id))
        .collect();
    if let Some(rule) = rules
        .iter()
        .find(|r| crate::catalog::params::is_under(path, r))
    {
        return Error::input(
            ov.here(),
            format!(
                "`shift` moves a share of a whole rule, so it takes the rule's path `{rule}`, not `{path}`, one of its shares"
            ),
        );
    }
    Error::input(
        ov.here(),
        format!(
            "`{path}` is not a split rule{}; `shift` takes a rule's path, splits.<rule> (`fendan explain --param splits` lists them)",
            did_you_mean(path, rules.iter().map(String::as_str))
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// compulsory_edu: central 0.6; direct 3:0:1, managed 2:1:1, district 1.5:1.5:1.
    fn edu() -> Shares {
        Shares {
            central: d("0.6"),
            local: vec![
                [d("0.75"), d("0"), d("0.25")],
                [d("0.5"), d("0.25"), d("0.25")],
                [d("0.375"), d("0.375"), d("0.25")],
            ],
        }
    }

    fn shift(from: Level, to: Level, share: &str) -> Shift {
        Shift {
            from,
            to,
            share: d(share),
            names: ["direct", "managed", "district"].map(String::from).to_vec(),
            classes: vec![true; 3],
        }
    }

    /// The parts of the whole cost of one class.
    fn parts(s: &Shares, k: usize) -> [Decimal; 4] {
        let r = Decimal::ONE - s.central;
        [
            s.central,
            r * s.local[k][0],
            r * s.local[k][1],
            r * s.local[k][2],
        ]
    }

    #[test]
    fn half_the_countys_share_to_the_province() {
        let (new, rounded) = shift(Level::County, Level::Province, "0.5")
            .moved(edu())
            .unwrap();
        assert!(!rounded);
        // why: the county keeps half its local 0.25 → 0.125; the province gets the other
        // 0.125 (managed 0.5 → 0.625); in whole-cost terms 0.1 → 0.05 and 0.2 → 0.25.
        assert_eq!(new.central, d("0.6"));
        assert_eq!(new.local[1], [d("0.625"), d("0.25"), d("0.125")]);
        assert_eq!(parts(&new, 1), [d("0.6"), d("0.25"), d("0.1"), d("0.05")]);
        for l in &new.local {
            assert_eq!(l.iter().sum::<Decimal>(), Decimal::ONE);
        }
    }

    #[test]
    fn from_the_centre_the_other_levels_keep_their_parts() {
        let (new, rounded) = shift(Level::Central, Level::Province, "0.5")
            .moved(edu())
            .unwrap();
        // why: the centre gives 0.3 of the whole (half of 0.6); in a managed unit the
        // province's part becomes 0.2 + 0.3 = 0.5 of the whole, city and county keep 0.1
        // each; the rest is now 0.7, so the shares are 5/7, 1/7, 1/7 — rounded.
        assert!(rounded);
        assert_eq!(new.central, d("0.3"));
        for l in &new.local {
            assert_eq!(l.iter().sum::<Decimal>(), Decimal::ONE);
            assert!(l.iter().all(|x| !x.is_sign_negative()));
        }
        let p = parts(&new, 1);
        let tiny = d("1e-19");
        for (got, want) in p.iter().zip([d("0.3"), d("0.5"), d("0.1"), d("0.1")]) {
            assert!((*got - want).abs() < tiny, "{got} vs {want}");
        }
        // In a district (0.15 each to province and city) the parts are exact: 0.45/0.15/0.1 of 0.7.
        assert_eq!(
            parts(&new, 2)[1] + parts(&new, 2)[2] + parts(&new, 2)[3] + new.central,
            Decimal::ONE
        );
    }

    #[test]
    fn to_the_centre_only_when_the_givers_part_is_the_same_in_every_class() {
        // why: the county's part is 0.1 of the whole in every class; the centre takes
        // half of it, 0.05: central 0.65, the rest 0.35, county part 0.05 → 1/7 of it.
        let (new, _) = shift(Level::County, Level::Central, "0.5")
            .moved(edu())
            .unwrap();
        assert_eq!(new.central, d("0.65"));
        let p = parts(&new, 1);
        assert!((p[3] - d("0.05")).abs() < d("1e-19"));
        assert!((p[1] - d("0.2")).abs() < d("1e-19"));
        // The province's part differs by class (0.3, 0.2, 0.15): refused.
        let err = shift(Level::Province, Level::Central, "0.5")
            .moved(edu())
            .unwrap_err();
        assert!(
            err.contains("direct 0.3, managed 0.2, district 0.15"),
            "{err}"
        );
    }

    #[test]
    fn all_of_a_share_and_nothing_at_all() {
        let (new, _) = shift(Level::County, Level::City, "1").moved(edu()).unwrap();
        assert_eq!(new.local[0], [d("0.75"), d("0.25"), d("0")]);
        let (same, _) = shift(Level::County, Level::City, "0").moved(edu()).unwrap();
        assert_eq!(same, edu());
        // The centre takes the whole county part: it never goes below zero.
        let (new, _) = shift(Level::County, Level::Central, "1")
            .moved(edu())
            .unwrap();
        assert_eq!(new.central, d("0.7"));
        for l in &new.local {
            assert!(l.iter().all(|x| !x.is_sign_negative()), "{l:?}");
            assert_eq!(l[2], Decimal::ZERO);
            assert_eq!(l.iter().sum::<Decimal>(), Decimal::ONE);
        }
    }
}
