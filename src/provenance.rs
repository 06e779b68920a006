//! What a run rests on, in words a reader of its results understands.
//!
//! A report is made later, from the output folder alone (`fendan report`), so the
//! folder must say what the numbers rest on: every assumed figure with a readable
//! label and its basis, and every source the parameters cite. [`crate::report`] writes
//! both into `manifest.json`; this module builds them from the model, in a fixed order,
//! so reruns stay byte-identical.
//!
//! [`AtStake`] is the shape of "money at stake" per assumption (issue 11): how far each
//! level's total moves when one assumption moves over its plausible range. A run that
//! carries it (as `at_stake.csv`, listed in its manifest) gets its assumptions ranked
//! by that in the report; without it the report lists them without amounts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Level, Model};

/// One figure that rests on our judgement rather than the plan or a cited document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssumedFigure {
    /// The parameter path (`services.48.urban_allowance.standard`), or
    /// `units.<code>.fiscal_class` for an assumed fiscal class.
    pub path: String,
    /// What the path means, in Chinese: service, component and field; rule, class and level.
    pub label: String,
    /// Why the figure was chosen: the distinct bases of its assumed values, in date order.
    pub basis: String,
}

/// A source cited by the parameters, and how many parameters cite it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceUse {
    pub source: String,
    pub parameters: usize,
}

/// How far each level's total over the run's years moves when one assumption moves
/// over its plausible range: `low[l]` and `high[l]` are level `l`'s total with the
/// assumption at the low and at the high end, minus the run's own total, in whole fen
/// (levels in [`Level::ALL`] order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtStake {
    pub path: String,
    pub label: String,
    pub low: [i64; 4],
    pub high: [i64; 4],
}

impl AtStake {
    /// The widest move of the four levels together: |high − low| of their sum.
    pub fn swing(&self) -> i64 {
        let sum = |v: &[i64; 4]| v.iter().sum::<i64>();
        (sum(&self.high) - sum(&self.low)).abs()
    }
}

/// The name of the money-at-stake file in a run's folder.
pub const AT_STAKE: &str = "at_stake.csv";

/// `at_stake.csv`, the file a run carries when its money at stake is known:
/// `path, label, level, low, high`, one row per assumption and level (yuan, two
/// decimals, change from the run's total over its years), assumptions in the order
/// given. `fendan report` reads it when the run's manifest lists it.
pub fn at_stake_csv(stakes: &[AtStake]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["path", "label", "level", "low", "high"])
        .expect("writing to memory");
    for a in stakes {
        for (li, l) in Level::ALL.into_iter().enumerate() {
            w.write_record([
                a.path.as_str(),
                a.label.as_str(),
                l.key(),
                &crate::money::yuan(a.low[li]),
                &crate::money::yuan(a.high[li]),
            ])
            .expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

/// A text on one line: every run of whitespace (line breaks of a YAML block included)
/// as one space, none at either end. How sources and assumption bases are listed.
pub fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Every assumed figure of `model`, parameters by path, then assumed fiscal classes.
pub fn assumed_figures(model: &Model) -> Vec<AssumedFigure> {
    let mut out: Vec<AssumedFigure> = Vec::new();
    let mut params: Vec<_> = model
        .params
        .iter()
        .filter(|(_, p)| p.has_assumption())
        .map(|(_, p)| p)
        .collect();
    params.sort_by(|a, b| a.path.cmp(&b.path));
    for p in params {
        // Most values share one basis: each distinct text is tidied once.
        let mut raw: Vec<&str> = Vec::new();
        for (date, _) in &p.values {
            if let Some(b) = p.assumption_at(*date)
                && !raw.contains(&b)
            {
                raw.push(b);
            }
        }
        let mut bases: Vec<String> = Vec::new();
        for b in raw.into_iter().map(collapse) {
            if !bases.contains(&b) {
                bases.push(b);
            }
        }
        if bases.is_empty() {
            continue;
        }
        out.push(AssumedFigure {
            path: p.path.clone(),
            label: label(model, &p.path),
            basis: bases.join(" / "),
        });
    }
    for u in model.units.iter().filter(|u| u.fiscal_class_assumed) {
        let path = format!("units.{}.fiscal_class", u.code);
        out.push(AssumedFigure {
            label: class_label(u),
            path,
            basis: assumed_class_basis(model, u),
        });
    }
    out
}

/// Why a unit's fiscal class is an assumption: the plan's reason (`plan.yaml`
/// `units.assumed_class`), and the class the unit is taken to be by its kind.
pub fn assumed_class_basis(model: &Model, u: &crate::model::Unit) -> String {
    let reason = &model.plan.assumed_class_basis;
    let taken = format!(
        "{} is taken as {} by its kind",
        u.name_zh,
        model.plan.class(u.fiscal_class).name.zh
    );
    if reason.is_empty() {
        taken
    } else {
        format!("{reason}; {taken}")
    }
}

/// Every source the parameters cite, most cited first (then by text); a parameter
/// counts once per source however many of its values cite it.
pub fn sources(model: &Model) -> Vec<SourceUse> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, p) in model.params.iter() {
        let mut raw: Vec<&str> = p.values.iter().map(|(d, _)| p.source_at(*d)).collect();
        raw.sort_unstable();
        raw.dedup();
        let mut mine: Vec<String> = raw
            .into_iter()
            .map(collapse)
            .filter(|s| !s.is_empty())
            .collect();
        mine.sort();
        mine.dedup();
        for s in mine {
            *counts.entry(s).or_default() += 1;
        }
    }
    let mut out: Vec<SourceUse> = counts
        .into_iter()
        .map(|(source, parameters)| SourceUse { source, parameters })
        .collect();
    out.sort_by(|a, b| {
        b.parameters
            .cmp(&a.parameters)
            .then(a.source.cmp(&b.source))
    });
    out
}

/// What a parameter path means, in Chinese: `services.48.urban_allowance.standard` →
/// `48 城乡最低生活保障 · 城市低保 · 标准`. A path of no known shape is returned as is.
pub fn label(model: &Model, path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let field = |f: &str| match f {
        "standard" => "标准",
        "coverage" => "覆盖率",
        "days" => "天数",
        "ratio" => "占比",
        "adjust" => "调整系数",
        "base" => "基数",
        "central" => "中央",
        _ => "",
    };
    let level = |key: &str| {
        Level::ALL
            .into_iter()
            .find(|l| l.key() == key)
            .map(|l| l.zh())
    };
    let known = match parts.as_slice() {
        ["services", id, component, f] => id.parse::<u32>().ok().and_then(|id| {
            let s = model.service(id)?;
            let c = s.components.iter().find(|c| c.id == *component)?;
            Some(format!("{id} {} · {} · {}", s.name.zh, c.name.zh, field(f)))
        }),
        ["splits", rule, "central" | "base"] => model
            .rules
            .iter()
            .find(|r| r.id == *rule)
            .map(|r| format!("分担 {} · {}", r.name.zh, field(parts[2]))),
        ["splits", rule, "local", class, lvl] => {
            model.rules.iter().find(|r| r.id == *rule).and_then(|r| {
                Some(format!(
                    "分担 {} · {} · {}",
                    r.name.zh,
                    model.plan.class(model.plan.parse_class(class)?).name.zh,
                    level(lvl)?
                ))
            })
        }
        // The three local shares of a class, moved together (the money at stake).
        ["splits", rule, "local", class] => {
            model.rules.iter().find(|r| r.id == *rule).and_then(|r| {
                Some(format!(
                    "分担 {} · {} · 地方分担",
                    r.name.zh,
                    model.plan.class(model.plan.parse_class(class)?).name.zh
                ))
            })
        }
        ["cohorts", id, f] => model
            .cohort_by_name(id)
            .map(|c| format!("人群 {} · {}", model.cohort(c).name.zh, field(f))),
        ["units", code, "fiscal_class"] => {
            model.unit_index(code).map(|u| class_label(&model.units[u]))
        }
        _ => None,
    };
    known.unwrap_or_else(|| path.to_owned())
}

/// The [`label`] of `units.<code>.fiscal_class`, for a unit in hand (a national run
/// has thousands: finding each by its code would take a scan of them all).
fn class_label(u: &crate::model::Unit) -> String {
    format!("{} · 财政体制类别", u.name_zh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let s = crate::Scenario::baseline();
        crate::load(&s.inputs).unwrap()
    }

    #[test]
    fn labels_name_the_service_rule_cohort_and_unit() {
        let m = model();
        let l = label(&m, "services.1.primary_public_funds.standard");
        assert!(
            l.starts_with("1 免费义务教育 · ") && l.ends_with(" · 标准"),
            "{l}"
        );
        let l = label(&m, "splits.compulsory_edu.local.managed.county");
        assert!(l.contains("市管县") && l.ends_with("县(市、区)"), "{l}");
        assert_eq!(
            label(&m, "splits.compulsory_edu.local.managed"),
            "分担 义务教育公用经费分担 · 市管县 · 地方分担"
        );
        assert_eq!(
            label(&m, "units.130402.fiscal_class"),
            "邯山区 · 财政体制类别"
        );
        assert_eq!(label(&m, "no.such.path"), "no.such.path");
        assert_eq!(
            label(&m, "services.999.x.standard"),
            "services.999.x.standard"
        );
    }

    #[test]
    fn every_assumed_parameter_is_listed_once_with_a_basis() {
        let m = model();
        let figures = assumed_figures(&m);
        // A parameter counts when one of its values in force is an assumption: a general
        // `assumption` does not cover values with a cited source of their own.
        let assumed = m
            .params
            .iter()
            .filter(|(_, p)| p.values.iter().any(|(d, _)| p.assumption_at(*d).is_some()))
            .count();
        let units = m.units.iter().filter(|u| u.fiscal_class_assumed).count();
        assert_eq!(figures.len(), assumed + units);
        assert!(assumed > 300, "{assumed}");
        assert!(figures.iter().all(|f| !f.basis.is_empty()));
        let mut paths: Vec<_> = figures.iter().map(|f| &f.path).collect();
        paths.dedup();
        assert_eq!(paths.len(), figures.len());
    }

    #[test]
    fn money_at_stake_is_written_one_row_per_level() {
        let stakes = [AtStake {
            path: "services.48.urban_allowance.standard".into(),
            label: "48 城乡最低生活保障, 城市".into(),
            low: [-150, -2, 0, 7],
            high: [300, 2, 0, -7],
        }];
        assert_eq!(
            String::from_utf8(at_stake_csv(&stakes)).unwrap(),
            "path,label,level,low,high\n\
             services.48.urban_allowance.standard,\"48 城乡最低生活保障, 城市\",central,-1.50,3.00\n\
             services.48.urban_allowance.standard,\"48 城乡最低生活保障, 城市\",province,-0.02,0.02\n\
             services.48.urban_allowance.standard,\"48 城乡最低生活保障, 城市\",city,0.00,0.00\n\
             services.48.urban_allowance.standard,\"48 城乡最低生活保障, 城市\",county,0.07,-0.07\n"
        );
        // why: the levels sum to −1.45 yuan at the low end and +2.95 at the high: 440 fen.
        assert_eq!(stakes[0].swing(), 440);
    }

    #[test]
    fn sources_are_counted_per_parameter_and_ranked() {
        let m = model();
        let s = sources(&m);
        assert!(s.windows(2).all(|w| w[0].parameters >= w[1].parameters));
        let total: usize = s.iter().map(|x| x.parameters).sum();
        // Every parameter cites at least one source, some several over time.
        assert!(total >= m.params.len(), "{total} < {}", m.params.len());
    }
}
