//! Comparing two runs: what changes, for whom, and why.
//!
//! A run is either the output folder of `fendan simulate` (its `outlays.csv`, read back
//! exactly to the fen, and its `manifest.json`, every file first checked against the
//! manifest's SHA-256s by [`crate::folder`]) or a scenario file, run on the fly. Both
//! become the same table — whole fen per year × unit × service × level — so a folder
//! and the scenario that produced it compare as identical. Two runs are comparable when
//! they cover the same years and the same units; anything else is an input error that
//! names what differs.
//!
//! A comparison adds A and B up along any combination of [`Dim`]s, in integers, and
//! reports B − A in fen and as a percentage of A (exact decimal, two places). The
//! manifests say why the runs differ: which input files and which parameters.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::engine::{Cell, Outcome, Years};
use crate::error::{Error, Location, Result};
use crate::folder::Folder;
use crate::model::{Level, Model};
use crate::money::{self, yuan};
use crate::report::CsvStyle;
use crate::scenario::Scenario;

/// A dimension to break a comparison down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    /// One row per level of government: central, province, city, county.
    Level,
    Year,
    /// One row per county-level unit.
    Unit,
    Domain,
    Service,
}

impl Dim {
    pub const ALL: [Dim; 5] = [Dim::Level, Dim::Year, Dim::Unit, Dim::Domain, Dim::Service];

    pub fn key(self) -> &'static str {
        match self {
            Dim::Level => "level",
            Dim::Year => "year",
            Dim::Unit => "unit",
            Dim::Domain => "domain",
            Dim::Service => "service",
        }
    }

    pub fn parse(text: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.key() == text)
    }

    /// The CSV columns that name a row of this dimension.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Dim::Level => &["level"],
            Dim::Year => &["year"],
            Dim::Unit => &["unit_code", "unit_name"],
            Dim::Domain => &["domain"],
            Dim::Service => &["service_id", "service_name"],
        }
    }
}

/// One run, reduced to what a comparison needs.
#[derive(Debug, Clone)]
pub struct Run {
    /// What the user named: a folder, a scenario file, or `baseline`.
    pub label: String,
    pub scenario: String,
    pub title: String,
    /// The scenarios this one extends, nearest first.
    pub extends: Vec<String>,
    pub years: Years,
    /// (code, name) of every unit, in the run's order.
    pub units: Vec<(String, String)>,
    /// Service id → (name, domain id).
    pub services: BTreeMap<u32, (String, String)>,
    /// The plan's domains in its order: (id, Chinese name).
    pub domains: Vec<(String, String)>,
    /// Input file name → SHA-256.
    pub inputs: BTreeMap<String, String>,
    /// Parameter path → its dated values (see [`crate::report::param_fingerprint`]).
    pub parameters: BTreeMap<String, String>,
    /// (year, unit code, service id) → whole fen per level.
    pub amounts: BTreeMap<(i32, String, u32), [i64; 4]>,
    /// The files read for this run (a folder's files, or a scenario and its inputs):
    /// `compare --out` and `--xlsx` may not be written over them.
    pub files: Vec<std::path::PathBuf>,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Run {
    /// Open what the user named: an output folder of `fendan simulate` (or a file in
    /// one), a scenario file (run now), or the name of a shipped scenario (`baseline`,
    /// `pre_reform_shares`, …) when nothing on disk has that name.
    pub fn open(path: &Path) -> Result<Run> {
        if path.is_dir() {
            return Run::from_dir(path);
        }
        // Anything else that exists is read as a scenario file (a pipe or a device is
        // refused there, with its name).
        if path.exists() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name == "manifest.json" || name.ends_with(".csv") {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                return Run::from_dir(dir);
            }
            let scenario = Scenario::from_path(path)?;
            return Run::from_scenario(&path.display().to_string(), &scenario);
        }
        if let Some(s) = crate::shipped::find(&path.to_string_lossy()) {
            return Run::from_scenario(&format!("{} (embedded)", s.name), &s.scenario()?);
        }
        Err(Error::Usage(format!(
            "`{}` does not exist; give an output folder of `fendan simulate`, a scenario file, or the name of a shipped scenario{} ({})",
            path.display(),
            crate::shipped::suggestion(&path.to_string_lossy()),
            crate::shipped::names()
        )))
    }

    /// Run a scenario and keep its table.
    pub fn from_scenario(label: &str, scenario: &Scenario) -> Result<Run> {
        let model = scenario.model()?;
        let out = crate::engine::run(&model, scenario.years)?;
        Run::from_outcome(label, scenario, &model, &out)
    }

    /// The table of a run already computed.
    pub fn from_outcome(
        label: &str,
        scenario: &Scenario,
        model: &Model,
        out: &Outcome,
    ) -> Result<Run> {
        let (nu, ns) = (model.units.len(), model.services.len());
        // Summed in a dense grid (year, unit, service), then keyed.
        let mut grid = vec![None::<[i64; 4]>; out.years.len() * nu * ns];
        for c in &out.cells {
            let i = ((c.year - out.years.first) as usize * nu + c.unit as usize) * ns
                + c.service as usize;
            let e = grid[i].get_or_insert([0; 4]);
            money::add_levels(e, &c.levels).map_err(|_| {
                let same = |x: &&Cell| (x.year, x.unit, x.service) == (c.year, c.unit, c.service);
                crate::engine::sum_overflow(
                    model,
                    out.cells.iter().filter(same),
                    "a service's total",
                )
            })?;
        }
        let mut amounts = BTreeMap::new();
        for (i, levels) in grid.into_iter().enumerate() {
            if let Some(levels) = levels {
                let (yu, s) = (i / ns, i % ns);
                let (y, u) = (out.years.first + (yu / nu) as i32, yu % nu);
                amounts.insert(
                    (y, model.units[u].code.clone(), model.services[s].id),
                    levels,
                );
            }
        }
        Ok(Run {
            label: label.to_owned(),
            scenario: scenario.name.clone(),
            title: scenario.title.clone(),
            extends: scenario.extends.clone(),
            years: out.years,
            units: model
                .units
                .iter()
                .map(|u| (u.code.clone(), u.name_zh.clone()))
                .collect(),
            services: model
                .services
                .iter()
                .map(|s| {
                    let d = model.plan.domain(s.domain).id.clone();
                    (s.id, (s.name.zh.clone(), d))
                })
                .collect(),
            domains: model
                .plan
                .domains
                .iter()
                .map(|d| (d.id.clone(), d.name.zh.clone()))
                .collect(),
            inputs: model
                .inputs
                .iter()
                .map(|i| (i.name.clone(), i.sha256.clone()))
                .collect(),
            parameters: crate::report::parameter_fingerprints(model),
            amounts,
            files: scenario.files.clone(),
        })
    }

    /// Read an output folder of `fendan simulate`, verified (see [`crate::folder`]):
    /// `manifest.json`, `outlays.csv` (and the unit list from `by_unit.csv`).
    pub fn from_dir(dir: &Path) -> Result<Run> {
        let folder = Folder::open(dir)?;
        let outlays = folder.file("outlays.csv").unwrap_or_default();
        let mut amounts: BTreeMap<(i32, String, u32), [i64; 4]> = BTreeMap::new();
        let mut grand = 0i64;
        let mut services = BTreeMap::new();
        let mut units: Vec<(String, String)> = Vec::new();
        let mut seen_units = BTreeSet::new();
        let file = folder.path("outlays.csv");
        // Amounts are 0 or more (checked as each row is read), so when the grand total
        // fits, every sum of them a comparison makes fits too.
        let too_large = |cell: &crate::outlays::Cells| {
            cell.error(
                6,
                format!(
                    "with this row, the amounts of {file} add up to more than fendan can hold ({} yuan); rerun `fendan simulate` for a folder that can be compared",
                    money::yuan(i64::MAX)
                ),
            )
        };
        crate::outlays::read(&file, outlays, |o, cell| {
            grand = money::checked_add(grand, o.total).map_err(|_| too_large(cell))?;
            if seen_units.insert(o.unit_code.to_owned()) {
                units.push((o.unit_code.to_owned(), o.unit_name.to_owned()));
            }
            services
                .entry(o.service_id)
                .or_insert_with(|| (o.service_name.to_owned(), o.domain.to_owned()));
            let e = amounts
                .entry((o.year, o.unit_code.to_owned(), o.service_id))
                .or_insert([0; 4]);
            money::add_levels(e, &o.levels).map_err(|_| too_large(cell))?;
            Ok(())
        })?;
        // by_unit.csv lists every unit, also one without a single outlay row.
        if let Some(bytes) = folder.file("by_unit.csv") {
            let file = folder.path("by_unit.csv");
            let t = crate::outlays::Table::new(&file, bytes, &["unit_code", "unit_name"])?;
            let mut listed = Vec::new();
            let mut seen = BTreeSet::new();
            t.each(|f, _| {
                if seen.insert(text(f[0])) {
                    listed.push((text(f[0]), text(f[1])));
                }
                Ok(())
            })?;
            for u in units {
                if !seen.contains(&u.0) {
                    listed.push(u);
                }
            }
            units = listed;
        }
        // by_domain.csv names the domains in the plan's order, in Chinese too.
        let mut domains: Vec<(String, String)> = Vec::new();
        if let Some(bytes) = folder.file("by_domain.csv") {
            let file = folder.path("by_domain.csv");
            let t = crate::outlays::Table::new(&file, bytes, &["domain", "domain_zh"])?;
            t.each(|f, _| {
                let d = text(f[0]);
                if !domains.iter().any(|(k, _)| *k == d) {
                    domains.push((d, text(f[1])));
                }
                Ok(())
            })?;
        }
        for (_, d) in services.values() {
            if !domains.iter().any(|(k, _)| k == d) {
                domains.push((d.clone(), d.clone()));
            }
        }
        let files = folder.files();
        let m = folder.manifest;
        Ok(Run {
            files,
            label: dir.display().to_string(),
            scenario: m.scenario.name,
            title: m.scenario.title,
            extends: m.extends,
            years: Years {
                first: m.years[0],
                last: m.years[1],
            },
            units,
            services,
            domains,
            inputs: m.inputs.into_iter().map(|f| (f.name, f.sha256)).collect(),
            parameters: m.parameters,
            amounts,
        })
    }

    /// Total outlay of every level, all years, whole fen.
    pub fn total(&self) -> Result<i64> {
        money::checked_sum(self.amounts.values().flatten().copied())
            .map_err(|_| self.overflow("the total"))
    }

    /// The error for a sum of this run's amounts that does not fit — unreachable, since
    /// every run's amounts are 0 or more and their grand total was checked when read.
    fn overflow(&self, what: &str) -> Error {
        Error::overflow(
            Location::file(&self.label),
            format!(
                "{what} of {} is more than fendan can hold ({} yuan)",
                self.label,
                money::yuan(i64::MAX)
            ),
        )
    }
}

/// One part of a row's key, in the order of the dimensions asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    Level(Level),
    Year(i32),
    /// The unit's place in A's list of units.
    Unit(usize),
    /// The domain's place in the comparison's list of domains (A's, then B's own).
    Domain(usize),
    Service(u32),
}

/// One row of a comparison: A and B in whole fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: Vec<KeyPart>,
    pub a: i64,
    pub b: i64,
}

impl Row {
    /// B − A, whole fen.
    pub fn diff(&self) -> i64 {
        self.b - self.a
    }

    /// (B − A) / A × 100, rounded half away from zero to two decimals; `None` when A is zero.
    pub fn pct(&self) -> Option<Decimal> {
        (self.a != 0).then(|| {
            (Decimal::from(self.diff()) * Decimal::ONE_HUNDRED / Decimal::from(self.a))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        })
    }

    /// [`Row::pct`] as printed: two decimals, or empty.
    pub fn pct_text(&self) -> String {
        self.pct().map(|p| format!("{p:.2}")).unwrap_or_default()
    }
}

mod inputs;
pub use inputs::{Difference, InputDiff};
use inputs::{differences, file_differences};

/// Two comparable runs.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub a: Run,
    pub b: Run,
    unit_index: BTreeMap<String, usize>,
    /// Every domain of A, then those only B has: (id, Chinese name).
    domains: Vec<(String, String)>,
}

/// A list for a message: the first ten, then how many more.
fn some(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > 10 {
        s.push_str(&format!(" and {} more", items.len() - 10));
    }
    s
}

impl Comparison {
    /// Check that `a` and `b` cover the same years and units.
    pub fn new(a: Run, b: Run) -> Result<Comparison> {
        let mut problems = Vec::new();
        if a.years != b.years {
            problems.push(format!(
                "years: A covers {}-{}, B covers {}-{}",
                a.years.first, a.years.last, b.years.first, b.years.last
            ));
        }
        let codes = |r: &Run| r.units.iter().map(|u| u.0.clone()).collect::<BTreeSet<_>>();
        let (ca, cb) = (codes(&a), codes(&b));
        for (side, run, mine, theirs) in [("A", &a, &ca, &cb), ("B", &b, &cb, &ca)] {
            let only: Vec<String> = run
                .units
                .iter()
                .filter(|u| mine.contains(&u.0) && !theirs.contains(&u.0))
                .map(|u| format!("{} {}", u.0, u.1))
                .collect();
            if !only.is_empty() {
                problems.push(format!(
                    "units only in {side} ({}): {}",
                    only.len(),
                    some(&only)
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Error::Usage(format!(
                "cannot compare A ({}, scenario `{}`) with B ({}, scenario `{}`): they must cover the same years and units, but they differ in\n  - {}",
                a.label,
                a.scenario,
                b.label,
                b.scenario,
                problems.join("\n  - ")
            )));
        }
        let unit_index = a
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.0.clone(), i))
            .collect();
        let mut domains = a.domains.clone();
        for d in &b.domains {
            if !domains.iter().any(|x| x.0 == d.0) {
                domains.push(d.clone());
            }
        }
        Ok(Comparison {
            a,
            b,
            unit_index,
            domains,
        })
    }

    /// A domain's place in [`Comparison::domain`]'s list.
    fn domain_index(&self, id: &str) -> usize {
        self.domains
            .iter()
            .position(|d| d.0 == id)
            .expect("every service's domain is listed (Comparison::new)")
    }

    /// The domain of a row key: (id, Chinese name).
    pub fn domain(&self, d: usize) -> (&str, &str) {
        let (id, zh) = &self.domains[d];
        (id, zh)
    }

    /// The comparison restricted to `years` (within both runs' years): every total,
    /// row and file then covers those years only.
    pub fn only_years(mut self, years: Years) -> Result<Comparison> {
        let all = self.a.years;
        if years.first > years.last || years.first < all.first || years.last > all.last {
            return Err(Error::Usage(format!(
                "the runs cover {}; the years {} are not all within them, so choose years within {}",
                years_text(all),
                years_text(years),
                years_text(all)
            )));
        }
        for run in [&mut self.a, &mut self.b] {
            run.amounts
                .retain(|(y, _, _), _| (years.first..=years.last).contains(y));
            run.years = years;
        }
        Ok(self)
    }

    /// The years every total of this comparison covers: `2016-2020`, or `2019`.
    pub fn years_text(&self) -> String {
        years_text(self.a.years)
    }

    /// A and B added up by `dims` (in that order; at least one), sorted by key. Without
    /// [`Dim::Level`] a row holds all levels together.
    pub fn rows(&self, dims: &[Dim]) -> Result<Vec<Row>> {
        let by_level = dims.contains(&Dim::Level);
        let mut sums: BTreeMap<Vec<KeyPart>, (i64, i64)> = BTreeMap::new();
        for (side, run) in [(0, &self.a), (1, &self.b)] {
            let overflow = |_| run.overflow("a total of the comparison");
            for ((y, code, id), levels) in &run.amounts {
                let unit = self.unit_index[code];
                let domain = self.domain_index(&run.services[id].1);
                let mut add = |level: Level, amount: i64| {
                    let key = dims
                        .iter()
                        .map(|d| match d {
                            Dim::Level => KeyPart::Level(level),
                            Dim::Year => KeyPart::Year(*y),
                            Dim::Unit => KeyPart::Unit(unit),
                            Dim::Domain => KeyPart::Domain(domain),
                            Dim::Service => KeyPart::Service(*id),
                        })
                        .collect();
                    let e = sums.entry(key).or_default();
                    let side = if side == 0 { &mut e.0 } else { &mut e.1 };
                    *side = money::checked_add(*side, amount)?;
                    Ok::<(), money::Overflow>(())
                };
                if by_level {
                    for (l, amount) in Level::ALL.into_iter().zip(levels) {
                        add(l, *amount).map_err(overflow)?;
                    }
                } else {
                    let all = money::checked_sum(levels.iter().copied()).map_err(overflow)?;
                    add(Level::Central, all).map_err(overflow)?;
                }
            }
        }
        Ok(sums
            .into_iter()
            .map(|(key, (a, b))| Row { key, a, b })
            .collect())
    }

    /// The CSV fields that name a row: a unit by code and name, a service by number and name.
    pub fn key_fields(&self, key: &[KeyPart]) -> Vec<String> {
        let mut out = Vec::new();
        for k in key {
            match k {
                KeyPart::Level(l) => out.push(l.key().to_owned()),
                KeyPart::Year(y) => out.push(y.to_string()),
                KeyPart::Unit(u) => {
                    let (code, name) = &self.a.units[*u];
                    out.push(code.clone());
                    out.push(name.clone());
                }
                KeyPart::Domain(d) => out.push(self.domains[*d].0.clone()),
                KeyPart::Service(id) => {
                    out.push(id.to_string());
                    out.push(self.service_name(*id).to_owned());
                }
            }
        }
        out
    }

    /// A service's Chinese name, from A or else B.
    pub fn service_name(&self, id: u32) -> &str {
        self.a
            .services
            .get(&id)
            .or_else(|| self.b.services.get(&id))
            .map_or("", |s| s.0.as_str())
    }

    /// The comparison as CSV: the key columns of `dims`, then `a, b, diff, pct`, amounts
    /// in yuan with two decimals, and `years`, the years the amounts cover (`2016-2020`);
    /// `total`, the totals row, last.
    pub fn csv(&self, dims: &[Dim], rows: &[Row], total: &Row, style: CsvStyle) -> Vec<u8> {
        let mut header: Vec<&str> = dims
            .iter()
            .flat_map(|d| d.columns().iter().copied())
            .collect();
        let keys = header.len();
        header.extend(["a", "b", "diff", "pct", "years"]);
        let years = self.years_text();
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(&header).expect("writing to memory");
        let amounts = |r: &Row| {
            [
                yuan(r.a),
                yuan(r.b),
                yuan(r.diff()),
                r.pct_text(),
                years.clone(),
            ]
        };
        for r in rows {
            let mut fields = self.key_fields(&r.key);
            fields.extend(amounts(r));
            w.write_record(&fields).expect("writing to memory");
        }
        let mut fields = vec![String::new(); keys];
        fields[0] = "total".to_owned();
        fields.extend(amounts(total));
        w.write_record(&fields).expect("writing to memory");
        style.apply(w.into_inner().expect("writing to memory"))
    }

    /// Which input files and parameters differ, from the manifests.
    pub fn inputs(&self) -> InputDiff {
        InputDiff {
            files: file_differences(&self.a.inputs, &self.b.inputs),
            parameters: differences(&self.a.parameters, &self.b.parameters),
        }
    }
}

/// Years as a header says them: `2016-2020`, or `2019` for one year.
pub fn years_text(years: Years) -> String {
    if years.first == years.last {
        years.first.to_string()
    } else {
        format!("{}-{}", years.first, years.last)
    }
}

/// The sum of `rows`: A, B and so the difference of the whole breakdown.
pub fn total(rows: &[Row]) -> Result<Row> {
    let sum = |side: fn(&Row) -> i64| {
        money::checked_sum(rows.iter().map(side)).map_err(|_| {
            Error::overflow(
                Location::file("(comparison)"),
                format!(
                    "the total of the comparison is more than fendan can hold ({} yuan)",
                    money::yuan(i64::MAX)
                ),
            )
        })
    };
    Ok(Row {
        key: Vec::new(),
        a: sum(|r| r.a)?,
        b: sum(|r| r.b)?,
    })
}

/// The `n` rows with the largest |B − A|, largest first; equal ones in key order.
pub fn top(mut rows: Vec<Row>, n: usize) -> Vec<Row> {
    rows.sort_by(|x, y| {
        y.diff()
            .unsigned_abs()
            .cmp(&x.diff().unsigned_abs())
            .then_with(|| x.key.cmp(&y.key))
    });
    rows.truncate(n);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_moved_to_a_folder_differs_only_where_it_was_edited() {
        let map = |v: &[(&str, &str)]| -> BTreeMap<String, String> {
            v.iter()
                .map(|(k, h)| (k.to_string(), h.to_string()))
                .collect()
        };
        let a = map(&[
            ("seeds/units.csv", "u"),
            ("seeds/services/01-education.yaml", "e"),
            ("seeds/services/02-employment.yaml", "j"),
            ("seeds/sources.yaml", "s"),
        ]);
        let b = map(&[
            ("my-plan/units.csv", "u"),
            ("my-plan/services/01-education.yaml", "E"),
            ("my-plan/services/02-employment.yaml", "j"),
            ("seeds/sources.yaml", "s2"),
            ("counts.csv", "c"),
        ]);
        let d = file_differences(&a, &b);
        let items: Vec<(&str, Option<&str>, Option<&str>)> = d
            .iter()
            .map(|x| (x.item.as_str(), x.a.as_deref(), x.b.as_deref()))
            .collect();
        assert_eq!(
            items,
            [
                ("counts.csv", None, Some("c")),
                (
                    "seeds/services/01-education.yaml → my-plan/services/01-education.yaml",
                    Some("e"),
                    Some("E")
                ),
                ("seeds/sources.yaml", Some("s"), Some("s2")),
            ]
        );
    }

    fn row(k: i32, a: i64, b: i64) -> Row {
        Row {
            key: vec![KeyPart::Year(k)],
            a,
            b,
        }
    }

    #[test]
    fn percentages_are_exact_and_empty_without_a_base() {
        assert_eq!(row(0, 300, 400).pct_text(), "33.33");
        assert_eq!(row(0, 300, 200).pct_text(), "-33.33");
        assert_eq!(row(0, 8, 9).pct_text(), "12.50");
        assert_eq!(row(0, 200_000, 200_001).pct_text(), "0.00");
        assert_eq!(row(0, 0, 5).pct_text(), "");
        assert_eq!(row(0, 7, 7).pct_text(), "0.00");
    }

    #[test]
    fn top_sorts_by_absolute_difference_then_key() {
        let rows = vec![row(1, 0, 5), row(2, 10, 0), row(3, 0, -10), row(4, 1, 1)];
        let t = top(rows, 3);
        let keys: Vec<_> = t.iter().map(|r| r.key[0]).collect();
        assert_eq!(keys, [KeyPart::Year(2), KeyPart::Year(3), KeyPart::Year(1)]);
    }

    #[test]
    fn dims_parse_by_key() {
        for d in Dim::ALL {
            assert_eq!(Dim::parse(d.key()), Some(d));
        }
        assert_eq!(Dim::parse("county"), None);
    }
}
