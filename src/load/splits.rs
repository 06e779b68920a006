//! `splits.yaml`: the split rules — dated versions of the central share and the local
//! shares by fiscal class (which must add up to one), or a national base with a top-up.
//! The keys of `local:` are the plan's fiscal classes (`plan.yaml`), or `all`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Source;
use super::yaml::at;
use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::params::{Dec, Param, ParamTree, RawParam, Unit as PUnit, build_param};
use crate::suggest::did_you_mean;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSplitsFile {
    rules: BTreeMap<String, Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    name: Text,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    versions: Vec<Spanned<RawVersion>>,
    #[serde(default)]
    base: Option<Spanned<RawParam>>,
    #[serde(default)]
    base_rule: Option<Spanned<String>>,
    #[serde(default)]
    topup_rule: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVersion {
    from: Spanned<String>,
    central: Spanned<Dec>,
    local: BTreeMap<String, Spanned<RawLocal>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    assumption: Option<String>,
    /// The grade of the version's assumption, and the plausible range of its central share.
    #[serde(default)]
    confidence: Option<Spanned<String>>,
    #[serde(default)]
    range: Option<Spanned<crate::grade::RawRange>>,
    /// Which shares the assumption covers: `central`, `local` or (by default) both.
    #[serde(default)]
    assumed: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLocal {
    province: Dec,
    city: Dec,
    county: Dec,
}

/// Check the split rules of `splits.yaml` (`file`, as parsed) and add their shares to
/// `params`.
pub(super) fn load_splits(
    src: &Source,
    file: RawSplitsFile,
    plan: &Plan,
    params: &mut ParamTree,
) -> Result<Vec<SplitRule>> {
    let ids: Vec<&str> = file.rules.keys().map(String::as_str).collect();
    let rule_id = |name: &Spanned<String>| -> Result<RuleId> {
        ids.iter()
            .position(|k| *k == name.value)
            .map(|i| RuleId(i as u32))
            .ok_or_else(|| {
                Error::input(
                    at(src, &name.referenced),
                    format!(
                        "`{}` is not a split rule{}",
                        name.value,
                        did_you_mean(&name.value, ids.iter().copied())
                    ),
                )
            })
    };
    let mut rules = Vec::new();
    for (id, rr) in &file.rules {
        let r = &rr.value;
        let origin = at(src, &rr.referenced);
        let kind_name = r
            .kind
            .as_ref()
            .map(|k| k.value.as_str())
            .unwrap_or("shares");
        let kind = match kind_name {
            "shares" => build_shares(src, id, r, &origin, plan, params)?,
            "base_topup" => {
                let missing = |what: &str| {
                    Error::input(
                        origin.clone(),
                        format!("the base_topup rule `{id}` needs `{what}:`"),
                    )
                };
                let base = r.base.as_ref().ok_or_else(|| missing("base"))?;
                let p = build_param(
                    base,
                    &format!("splits.{id}.base"),
                    Some(&[PUnit::YuanPerYear, PUnit::YuanPerMonth, PUnit::YuanPerDay]),
                    &src.name,
                    &src.text,
                )?;
                SplitKind::BaseTopup {
                    base: params.insert(p)?,
                    base_rule: rule_id(r.base_rule.as_ref().ok_or_else(|| missing("base_rule"))?)?,
                    topup_rule: rule_id(
                        r.topup_rule.as_ref().ok_or_else(|| missing("topup_rule"))?,
                    )?,
                }
            }
            other => {
                let loc = r
                    .kind
                    .as_ref()
                    .map(|k| at(src, &k.referenced))
                    .unwrap_or(origin.clone());
                return Err(Error::input(
                    loc,
                    format!("`{other}` is not a kind of split rule; expected shares or base_topup"),
                ));
            }
        };
        rules.push(SplitRule {
            id: id.clone(),
            name: r.name.clone(),
            source: r.source.clone().unwrap_or_default(),
            kind,
            origin,
        });
    }
    // A base_topup rule must point at plain share rules.
    for rule in &rules {
        if let SplitKind::BaseTopup {
            base_rule,
            topup_rule,
            ..
        } = rule.kind
        {
            for r in [base_rule, topup_rule] {
                if matches!(rules[r.0 as usize].kind, SplitKind::BaseTopup { .. }) {
                    return Err(Error::input(
                        rule.origin.clone(),
                        format!(
                            "the rule `{}` refers to `{}`, another base_topup rule; it must refer to share rules",
                            rule.id, rules[r.0 as usize].id
                        ),
                    ));
                }
            }
        }
    }
    Ok(rules)
}

pub(super) fn build_shares(
    src: &Source,
    id: &str,
    r: &RawRule,
    origin: &Location,
    plan: &Plan,
    params: &mut ParamTree,
) -> Result<SplitKind> {
    if r.versions.is_empty() {
        return Err(Error::input(
            origin.clone(),
            format!("the split rule `{id}` has no `versions:`"),
        ));
    }
    let mut central: Vec<(Date, Decimal)> = Vec::new();
    let n_classes = plan.classes.len();
    let mut local: Vec<[Vec<(Date, Decimal)>; 3]> = vec![Default::default(); n_classes];
    let mut sources = BTreeMap::new();
    let mut assumptions = BTreeMap::new();
    let mut graded = crate::grade::SplitGrades::default();
    for v in &r.versions {
        let vl = at(src, &v.referenced);
        let from: Date = v
            .value
            .from
            .value
            .parse()
            .map_err(|e: String| Error::input(at(src, &v.value.from.referenced), e))?;
        if let Some((prev, _)) = central.last()
            && *prev >= from
        {
            return Err(Error::input(
                at(src, &v.value.from.referenced),
                format!(
                    "the versions of `{id}` overlap: {from} is not after {prev}; list versions once each, oldest first"
                ),
            ));
        }
        let c = v.value.central.value.0;
        PUnit::Share.check(c).map_err(|e| {
            Error::input(
                at(src, &v.value.central.referenced),
                format!("`splits.{id}.central`: {e}"),
            )
        })?;
        central.push((from, c));
        let mut filled = vec![false; n_classes];
        for (key, shares) in &v.value.local {
            let classes: Vec<FiscalClassId> = if key == "all" {
                plan.class_ids().collect()
            } else {
                vec![plan.parse_class(key).ok_or_else(|| {
                    Error::input(
                        at(src, &shares.referenced),
                        format!(
                            "`{key}` is not a fiscal class; expected {}",
                            crate::plan::Plan::expected(
                                plan.classes.iter().map(|c| c.id.as_str()).chain(["all"])
                            )
                        ),
                    )
                })?]
            };
            let s = [
                shares.value.province.0,
                shares.value.city.0,
                shares.value.county.0,
            ];
            let sum: Decimal = s.iter().sum();
            if sum != Decimal::ONE || s.iter().any(|x| x.is_sign_negative() && !x.is_zero()) {
                return Err(Error::input(
                    at(src, &shares.referenced),
                    format!(
                        "the local shares of `{id}` for `{key}` from {from} add up to {sum}, not 1 (province {} + city {} + county {}); they divide what the centre does not pay",
                        s[0], s[1], s[2]
                    ),
                ));
            }
            for class in classes {
                if filled[class.index()] {
                    return Err(Error::input(
                        at(src, &shares.referenced),
                        format!(
                            "`{id}` gives the `{}` class twice in one version",
                            plan.class(class).id
                        ),
                    ));
                }
                filled[class.index()] = true;
                for (lvl, x) in s.iter().enumerate() {
                    local[class.index()][lvl].push((from, *x));
                }
            }
        }
        if let Some(missing) = plan.class_ids().find(|c| !filled[c.index()]) {
            return Err(Error::input(
                vl,
                format!(
                    "the version of `{id}` from {from} gives no local shares for `{}` units; add it or use `all`",
                    plan.class(missing).id
                ),
            ));
        }
        if let Some(s) = &v.value.source {
            sources.insert(from, s.clone());
        }
        if let Some(a) = &v.value.assumption {
            assumptions.insert(from, a.clone());
        }
        graded.version(
            src,
            &vl,
            id,
            from,
            v.value.assumption.is_some(),
            v.value.confidence.as_ref(),
            v.value.range.as_ref(),
            v.value.assumed.as_ref(),
        )?;
    }
    let mk = |path: String, values: Vec<(Date, Decimal)>, central: bool| Param {
        path,
        unit: PUnit::Share,
        values,
        interpolate: false,
        source: r.source.clone().unwrap_or_default(),
        sources: sources.clone(),
        assumption: None,
        assumptions: graded.assumptions(&assumptions, central),
        grade: None,
        grades: graded.grades(central),
        origin: origin.clone(),
        overridden: BTreeMap::new(),
        last_override: None,
    };
    let central = params.insert(mk(format!("splits.{id}.central"), central, true))?;
    let mut ids = vec![[central; 3]; n_classes];
    for class in plan.class_ids() {
        for (lvl, name) in ["province", "city", "county"].iter().enumerate() {
            let values = std::mem::take(&mut local[class.index()][lvl]);
            ids[class.index()][lvl] = params.insert(mk(
                format!("splits.{id}.local.{}.{name}", plan.class(class).id),
                values,
                false,
            ))?;
        }
    }
    Ok(SplitKind::Shares {
        central,
        local: ids.into_boxed_slice(),
    })
}
