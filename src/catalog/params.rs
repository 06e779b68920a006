//! Every path a scenario, a sweep or `explain` can name, with what it holds over a run.
//!
//! The parameter tree is addressed by dotted paths, but a path is only useful once it
//! can be found: this module lists them (`fendan params`), with each one's unit, its
//! value in each year of the run, and the source or assumption behind it, and answers
//! for a prefix (`services.48`, `splits.compulsory_edu`) with the paths under it. The
//! unit attributes a scenario may `set` (`units.<code>.fiscal_class`, `.poverty`,
//! `.poverty_exit`) are listed with the parameters, so the list is exactly what an
//! override may name.
//!
//! A value is shown per year: when it is the same in all twelve months, that value;
//! when it changes within the year, each value with the date it starts, e.g.
//! `560 → 702 from 03-01` (the engine prorates by month, see `explain`).

use rust_decimal::Decimal;

use crate::date::Date;
use crate::engine::Years;
use crate::model::Model;
use crate::params::Param;
use crate::provenance::collapse;

/// One path and what it holds over the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    /// The parameter's unit (`share`, `yuan_per_month` …), or for a unit attribute
    /// `fiscal_class`, `poverty` or `date`.
    pub unit: String,
    /// What the path means, in Chinese (see [`crate::provenance::label`]).
    pub label: String,
    /// The value in each year of the run, as text (see the module doc).
    pub years: Vec<String>,
    /// The distinct sources of the values in force during the run, ` / `-separated
    /// (a value a scenario changed says which line changed it).
    pub source: String,
    /// The distinct assumption bases of the values in force during the run.
    pub assumption: String,
    /// The lowest confidence grade among those assumptions (`low`, `medium`, `high`).
    pub confidence: String,
    /// Where the path is defined: `file:line`.
    pub defined_at: String,
}

impl Entry {
    /// Whether this is a unit attribute rather than a number of the parameter tree.
    pub fn is_unit_attribute(&self) -> bool {
        self.path.starts_with("units.")
    }
}

fn num(x: Decimal) -> String {
    x.normalize().to_string()
}

/// The value of `p` in `year` as text: one value, or each value with the date it
/// starts when it changes within the year; `—` when the parameter has no value yet.
pub fn year_text(p: &Param, year: i32) -> String {
    let mut runs: Vec<(u32, Option<Decimal>)> = Vec::new();
    for m in 1..=12 {
        let v = p.in_month(year, m);
        if runs.last().is_none_or(|(_, last)| *last != v) {
            runs.push((m, v));
        }
    }
    let show = |v: Option<Decimal>| v.map(num).unwrap_or_else(|| "—".to_owned());
    let mut text = show(runs[0].1);
    for (m, v) in &runs[1..] {
        // The engine reads a month's value on its first day; show the change's own date.
        let day = p
            .effective(Date::first_of(year, *m))
            .filter(|d| d.year == year && d.month == *m)
            .map(|d| d.day)
            .unwrap_or(1);
        text.push_str(&format!(" → {} from {m:02}-{day:02}", show(*v)));
    }
    text
}

/// The dates of the values of `p` in force at some time during the run.
fn dates_in_run(p: &Param, years: Years) -> Vec<Date> {
    let mut out: Vec<Date> = Vec::new();
    for y in years.iter() {
        for m in 1..=12 {
            if let Some(d) = p.effective(Date::first_of(y, m))
                && !out.contains(&d)
            {
                out.push(d);
            }
        }
    }
    // A change on a day other than the first still holds within its month.
    for (d, _) in &p.values {
        if d.year >= years.first && d.year <= years.last && !out.contains(d) {
            out.push(*d);
        }
    }
    out.sort();
    out
}

fn entry(model: &Model, p: &Param, years: Years) -> Entry {
    let mut sources: Vec<String> = Vec::new();
    let mut bases: Vec<String> = Vec::new();
    let mut worst: Option<crate::grade::Confidence> = None;
    for d in dates_in_run(p, years) {
        let s = collapse(p.source_at(d));
        if !s.is_empty() && !sources.contains(&s) {
            sources.push(s);
        }
        if let Some(a) = p.assumption_at(d).map(collapse)
            && !bases.contains(&a)
        {
            bases.push(a);
        }
        // High < Medium < Low: the least trusted grade is the largest.
        if let Some(g) = p.grade_at(d) {
            worst = worst.max(Some(g.confidence));
        }
    }
    Entry {
        path: p.path.clone(),
        unit: p.unit.name().to_owned(),
        label: crate::provenance::label(model, &p.path),
        years: years.iter().map(|y| year_text(p, y)).collect(),
        source: sources.join(" / "),
        assumption: bases.join(" / "),
        confidence: worst.map(|c| c.key().to_owned()).unwrap_or_default(),
        defined_at: format!("{}:{}", p.origin.file, p.origin.line),
    }
}

/// Every path of `model` over `years`: the parameters by path, then each unit's attributes.
pub fn entries(model: &Model, years: Years) -> Vec<Entry> {
    let mut params: Vec<&Param> = model.params.iter().map(|(_, p)| p).collect();
    params.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out: Vec<Entry> = params.into_iter().map(|p| entry(model, p, years)).collect();
    let n = years.len();
    for u in &model.units {
        let attrs = [
            (
                "fiscal_class",
                "fiscal_class",
                model.plan.class(u.fiscal_class).id.clone(),
            ),
            (
                "poverty",
                "poverty",
                model.plan.poverty_key(u.poverty).to_owned(),
            ),
            (
                "poverty_exit",
                "date",
                u.poverty_exit
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "none".to_owned()),
            ),
        ];
        for (attr, unit, value) in attrs {
            let assumed = attr == "fiscal_class" && u.fiscal_class_assumed;
            out.push(Entry {
                path: format!("units.{}.{attr}", u.code),
                unit: unit.to_owned(),
                label: format!("{} {}", u.name_zh, attr_zh(attr)),
                years: vec![value; n],
                source: collapse(&u.source),
                assumption: if assumed {
                    crate::provenance::assumed_class_basis(model, u)
                } else {
                    String::new()
                },
                confidence: if assumed {
                    u.fiscal_class_confidence
                        .map(|c| c.key().to_owned())
                        .unwrap_or_default()
                } else {
                    String::new()
                },
                defined_at: "units.csv".to_owned(),
            });
        }
    }
    out
}

fn attr_zh(attr: &str) -> &'static str {
    match attr {
        "fiscal_class" => "· 财政体制类别",
        "poverty" => "· 贫困县类别",
        _ => "· 退出贫困县日期",
    }
}

/// Whether `path` lies under `prefix`: the prefix itself, or the prefix followed by `.`.
pub fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || (path.len() > prefix.len()
            && path.starts_with(prefix)
            && path.as_bytes()[prefix.len()] == b'.')
}

/// The entries under `prefix` (all of them for an empty prefix).
pub fn under<'a>(entries: &'a [Entry], prefix: &str) -> Vec<&'a Entry> {
    let prefix = prefix.trim_end_matches('.');
    entries
        .iter()
        .filter(|e| prefix.is_empty() || is_under(&e.path, prefix))
        .collect()
}

/// The entries whose path, label, source or assumption contains `text`, ignoring case.
pub fn grep<'a>(entries: impl IntoIterator<Item = &'a Entry>, text: &str) -> Vec<&'a Entry> {
    let want = text.to_lowercase();
    entries
        .into_iter()
        .filter(|e| {
            [&e.path, &e.label, &e.source, &e.assumption]
                .iter()
                .any(|f| f.to_lowercase().contains(&want))
        })
        .collect()
}

/// Every path and every proper prefix of one (`services`, `services.48`,
/// `services.48.urban_allowance` …), sorted: what `explain --param` accepts, and so
/// what its suggestions are drawn from.
pub fn paths_and_prefixes(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in entries {
        let mut end = 0;
        for (i, c) in e.path.char_indices() {
            if c == '.' {
                out.push(e.path[..i].to_owned());
            }
            end = i + c.len_utf8();
        }
        out.push(e.path[..end].to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// The entries as CSV: `path, unit, label`, one column per year (`2016`, …), then
/// `source, assumption, confidence, defined_at`.
pub fn csv(entries: &[&Entry], years: Years) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header: Vec<String> = vec!["path".into(), "unit".into(), "label".into()];
    header.extend(years.iter().map(|y| y.to_string()));
    header.extend(
        ["source", "assumption", "confidence", "defined_at"]
            .iter()
            .map(|s| s.to_string()),
    );
    w.write_record(&header).expect("writing to memory");
    for e in entries {
        let mut row: Vec<&str> = vec![&e.path, &e.unit, &e.label];
        row.extend(e.years.iter().map(String::as_str));
        row.extend([
            e.source.as_str(),
            &e.assumption,
            &e.confidence,
            &e.defined_at,
        ]);
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Unit;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_change_within_the_year_shows_both_values_and_the_date() {
        let mut p = Param::constant(
            "p",
            Unit::YuanPerMonth,
            Date::new(2016, 1, 1),
            d("560"),
            "s",
        );
        p.values.push((Date::new(2020, 3, 1), d("702")));
        assert_eq!(year_text(&p, 2019), "560");
        assert_eq!(year_text(&p, 2020), "560 → 702 from 03-01");
        assert_eq!(year_text(&p, 2015), "—");
    }

    #[test]
    fn prefixes_stop_at_dots() {
        assert!(is_under("services.48.x.standard", "services.48"));
        assert!(!is_under("services.480.x.standard", "services.48"));
        assert!(is_under("services.48", "services.48"));
    }

    #[test]
    fn the_baseline_lists_every_parameter_and_unit_attribute() {
        let s = crate::Scenario::baseline();
        let m = s.model().unwrap();
        let all = entries(&m, s.years);
        assert_eq!(all.len(), m.params.len() + 3 * m.units.len());
        let e = all
            .iter()
            .find(|e| e.path == "splits.compulsory_edu.central")
            .unwrap();
        // why: 0.6 in 2016-2018 (assumed, graded medium) and 0.6 from 2019 (gbf-2018-6).
        assert_eq!(e.years, ["0.6"; 5]);
        assert_eq!(e.confidence, "medium");
        assert!(e.source.contains("gbf-2018-6"), "{}", e.source);
        assert_eq!(under(&all, "services.48").len(), 8);
        assert_eq!(
            under(&all, "services.4").len(),
            under(&all, "services.4.").len()
        );
        assert!(grep(&all, "低保").len() >= 4);
        let p = paths_and_prefixes(&all);
        assert!(p.binary_search(&"splits.compulsory_edu".to_owned()).is_ok());
        assert!(
            p.binary_search(&"units.130425.fiscal_class".to_owned())
                .is_ok()
        );
    }
}
