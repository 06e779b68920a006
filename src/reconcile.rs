//! `fendan reconcile`: how far is the model from what was budgeted or spent?
//!
//! A run's outlays (its `outlays.csv`, read back from a folder verified against its
//! manifest, see [`crate::folder`]) are set against actual figures by unit, year and
//! budget class (政府收支分类科目; a 款 or 项 code is counted in its 类), and by level of
//! government where the actuals say who paid. Everything is whole fen:
//!
//! * **matched** cells have both a modelled and an actual figure: their difference
//!   (actual − modelled) and ratio (actual ÷ modelled), added up along the breakdown
//!   asked for (`--by`), and by class, largest |gap| first;
//! * **model only**: outlays the actuals have no figure for (an empty amount is a figure
//!   the bureau does not have, so the model cell stays unmatched, never compared with 0);
//! * **actual only**: figures the model has no counterpart for (a class the plan does
//!   not touch, a year outside the run).
//!
//! The model prices only the plan's 83 services, so a class's actual spending is
//! expected to exceed the model's: the comparison shows where and by how much.
//! The actuals file is read by `load::actuals`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, Location, Result};
use crate::folder::Folder;
use crate::model::Level;
use crate::money::yuan;
use crate::report::CsvStyle;

/// Budget (预算) or final accounts (决算).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Budget,
    Final,
}

impl Stage {
    pub const ALL: [Stage; 2] = [Stage::Budget, Stage::Final];

    pub fn key(self) -> &'static str {
        match self {
            Stage::Budget => "budget",
            Stage::Final => "final",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Stage::Budget => "预算",
            Stage::Final => "决算",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .find(|s| s.key() == text || s.zh() == text)
    }
}

/// A level by its key (`county`) or Chinese name (`县`, `县(市、区)`, `县级`).
pub fn parse_level(text: &str) -> Option<Level> {
    Level::ALL.into_iter().find(|l| {
        let zh = l.zh().split('(').next().unwrap_or("");
        text == l.key() || text == l.zh() || text == zh || text == format!("{zh}级")
    })
}

/// One row of an actuals file.
#[derive(Debug, Clone)]
pub struct ActualRow {
    pub year: i32,
    pub unit: String,
    /// The unit's name as the row gives it (may be empty).
    pub unit_name: String,
    /// The code as given (类, 款 or 项) and its 类, the first three digits.
    pub code: String,
    pub class: String,
    pub level: Option<Level>,
    pub stage: Option<Stage>,
    /// `None`: the file has no figure for it (an empty cell).
    pub fen: Option<i64>,
    /// The row's line, and the columns (in characters, from 1) of its unit code, unit
    /// name, level and stage (of the amount, when the file has no such column).
    pub line: usize,
    pub at: [usize; 4],
}

/// A field of an actuals row, for [`Actuals::loc`].
#[derive(Debug, Clone, Copy)]
pub enum Field {
    Unit = 0,
    Name = 1,
    Level = 2,
    Stage = 3,
}

/// An actuals file, read and checked (see `load::actuals`).
#[derive(Debug, Clone)]
pub struct Actuals {
    pub file: String,
    pub path: Option<std::path::PathBuf>,
    /// The file's text, for the snippet of an error.
    pub text: String,
    pub rows: Vec<ActualRow>,
}

impl Actuals {
    /// Where a field of a row is, for an error.
    pub fn loc(&self, row: &ActualRow, field: Field) -> Location {
        Location::in_text(&self.file, &self.text, row.line, row.at[field as usize])
    }
}

/// A dimension of the breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    Year,
    Unit,
    Class,
    Level,
}

impl Dim {
    pub const ALL: [Dim; 4] = [Dim::Year, Dim::Unit, Dim::Class, Dim::Level];

    pub fn key(self) -> &'static str {
        match self {
            Dim::Year => "year",
            Dim::Unit => "unit",
            Dim::Class => "class",
            Dim::Level => "level",
        }
    }
}

/// A cell of the finest grain: year, unit (its place in the run), class, level
/// (`None`: all levels together).
type Fine = (i32, usize, String, Option<Level>);

/// A row's key along the breakdown: each part `None` when its dimension is not asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub year: Option<i32>,
    pub unit: Option<usize>,
    pub class: Option<String>,
    pub level: Option<Level>,
}

/// One row: modelled and actual in fen (`None` where that side has no figure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: Key,
    pub modelled: Option<i64>,
    pub actual: Option<i64>,
}

impl Row {
    /// actual − modelled, when both are known.
    pub fn diff(&self) -> Option<i64> {
        Some(self.actual? - self.modelled?)
    }

    /// actual ÷ modelled, four decimals, when both are known and modelled is not 0.
    pub fn ratio(&self) -> Option<Decimal> {
        let (a, m) = (self.actual?, self.modelled?);
        (m != 0).then(|| {
            (Decimal::from(a) / Decimal::from(m))
                .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        })
    }
}

/// A run set against its actuals.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    pub run: String,
    pub scenario: String,
    pub years: [i32; 2],
    /// (code, name) of the run's units.
    pub units: Vec<(String, String)>,
    pub actuals_file: String,
    pub stage: Option<Stage>,
    pub dims: Vec<Dim>,
    /// Matched cells along the breakdown, in key order.
    pub matched: Vec<Row>,
    /// Matched cells by class, largest |actual − modelled| first.
    pub by_class: Vec<Row>,
    pub model_only: Vec<Row>,
    pub actual_only: Vec<Row>,
    /// Rows of the actuals with no amount, left out.
    pub empty_rows: usize,
    /// Every file read (the run's and the actuals), never written over.
    pub files: Vec<std::path::PathBuf>,
}

fn overflow(file: &str) -> Error {
    Error::input(
        Location::file(file),
        format!(
            "the amounts of {file} add up to more than fendan can hold (about 92,000 trillion yuan); check the amounts, which are in yuan"
        ),
    )
}

fn add(into: &mut i64, x: i64, file: &str) -> Result<()> {
    *into = into.checked_add(x).ok_or_else(|| overflow(file))?;
    Ok(())
}

/// The run's outlays by (year, unit code, class): whole fen per level.
type Modelled = BTreeMap<(i32, String, String), [i64; 4]>;

fn read_run(folder: &Folder) -> Result<(Modelled, Vec<(String, String)>)> {
    let file = folder.path("outlays.csv");
    let bytes = folder.file("outlays.csv").unwrap_or_default();
    let t = crate::outlays::Table::new(
        &file,
        bytes,
        &[
            "year",
            "unit_code",
            "unit_name",
            "budget_class",
            "central",
            "province",
            "city",
            "county",
        ],
    )?;
    let mut out: Modelled = BTreeMap::new();
    let mut units: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    t.each(|f, cell| {
        let text = |k: usize| String::from_utf8_lossy(f[k]).into_owned();
        let year: i32 = text(0)
            .parse()
            .map_err(|_| cell.error(0, format!("`{}` in {file} is not a year", text(0))))?;
        let code = text(1);
        if seen.insert(code.clone()) {
            units.push((code.clone(), text(2)));
        }
        let e = out.entry((year, code, text(3))).or_insert([0; 4]);
        for (l, slot) in e.iter_mut().enumerate() {
            let v = crate::money::parse_yuan(&text(4 + l)).ok_or_else(|| {
                cell.error(
                    4 + l,
                    format!("`{}` in {file} is not an amount in yuan", text(4 + l)),
                )
            })?;
            add(slot, v, &file)?;
        }
        Ok(())
    })?;
    Ok((out, units))
}

/// What the actuals say for one (year, unit, class): one figure for all levels, or a
/// figure per level (for the levels given); and the line of the first row that said it.
enum Said {
    Whole(i64, usize),
    ByLevel([Option<i64>; 4], usize),
}

/// Set the run in `dir` against `actuals`, broken down by `dims` (at least one).
pub fn reconcile(
    dir: &Path,
    actuals: &Actuals,
    dims: &[Dim],
    stage: Option<Stage>,
) -> Result<Reconciliation> {
    let folder = Folder::open(dir)?;
    let (modelled, units) = read_run(&folder)?;
    let years = folder.manifest.years;
    let unit_index: BTreeMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.0.as_str(), i))
        .collect();
    let file = actuals.file.as_str();
    // The stage compared: the one asked for, or the only one the file has.
    let stages: BTreeSet<Option<Stage>> = actuals.rows.iter().map(|r| r.stage).collect();
    let stage = match stage {
        Some(s) => {
            if let Some(r) = actuals.rows.iter().find(|r| r.stage.is_none()) {
                return Err(Error::input(
                    actuals.loc(r, Field::Stage),
                    format!(
                        "--stage {} keeps the rows of one stage, but this row of {file} says none; give every row a stage (budget 预算 or final 决算)",
                        s.key()
                    ),
                ));
            }
            Some(s)
        }
        None if stages.len() > 1 => {
            return Err(Error::Usage(format!(
                "{file} holds figures of more than one stage ({}); compare one at a time with --stage budget (预算) or --stage final (决算)",
                stages
                    .iter()
                    .map(|s| s.map_or("none", |s| s.key()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        None => stages.into_iter().next().flatten(),
    };
    let by_level = dims.contains(&Dim::Level);
    let mut said: BTreeMap<(i32, usize, String), Said> = BTreeMap::new();
    let mut empty_rows = 0;
    for r in actuals.rows.iter().filter(|r| r.stage == stage) {
        let Some(&u) = unit_index.get(r.unit.as_str()) else {
            return Err(Error::input(
                actuals.loc(r, Field::Unit),
                format!(
                    "`{}` is not a unit of the run in {}{}; the actuals are compared unit by unit, by the codes of units.csv",
                    r.unit,
                    dir.display(),
                    crate::suggest::did_you_mean(&r.unit, units.iter().map(|u| u.0.as_str()))
                ),
            ));
        };
        if !r.unit_name.is_empty() && r.unit_name != units[u].1 {
            return Err(Error::input(
                actuals.loc(r, Field::Name),
                format!(
                    "the unit {} is {} in the run, but this row of {file} names it `{}`; check the code (or leave unit_name empty)",
                    r.unit, units[u].1, r.unit_name
                ),
            ));
        }
        let Some(fen) = r.fen else {
            empty_rows += 1;
            continue;
        };
        let key = (r.year, u, r.class.clone());
        let mixed = |first: &usize| {
            Error::input(
                actuals.loc(r, Field::Level),
                format!(
                    "the rows of {} / {} / class {} mix figures with and without a level (the first on line {first}); give every row of a unit, year and class a level, or none",
                    r.year, r.unit, r.class
                ),
            )
        };
        match (said.get_mut(&key), r.level) {
            (None, None) => {
                said.insert(key, Said::Whole(fen, r.line));
            }
            (None, Some(l)) => {
                let mut v = [None; 4];
                v[l as usize] = Some(fen);
                said.insert(key, Said::ByLevel(v, r.line));
            }
            (Some(Said::Whole(x, _)), None) => add(x, fen, file)?,
            (Some(Said::ByLevel(v, _)), Some(l)) => {
                let slot = v[l as usize].get_or_insert(0);
                add(slot, fen, file)?;
            }
            (Some(Said::Whole(_, first) | Said::ByLevel(_, first)), _) => {
                return Err(mixed(first));
            }
        }
    }
    // The cells of the finest grain, in three parts.
    let mut matched: Vec<(Fine, i64, i64)> = Vec::new();
    let mut model_only: Vec<(Fine, i64)> = Vec::new();
    let mut actual_only: Vec<(Fine, i64)> = Vec::new();
    let model_keys: BTreeSet<(i32, usize, String)> = modelled
        .keys()
        .map(|(y, c, k)| (*y, unit_index[c.as_str()], k.clone()))
        .collect();
    let all: BTreeSet<&(i32, usize, String)> = model_keys.iter().chain(said.keys()).collect();
    for key in all {
        let (y, u, class) = key;
        let m = modelled.get(&(*y, units[*u].0.clone(), class.clone()));
        let fine = |l: Option<Level>| (*y, *u, class.clone(), l);
        match (m, said.get(key)) {
            (Some(m), None) => {
                if by_level {
                    for l in Level::ALL {
                        if m[l as usize] != 0 {
                            model_only.push((fine(Some(l)), m[l as usize]));
                        }
                    }
                } else {
                    let sum = m.iter().try_fold(0i64, |a, b| a.checked_add(*b));
                    let sum = sum.ok_or_else(|| overflow(file))?;
                    if sum != 0 {
                        model_only.push((fine(None), sum));
                    }
                }
            }
            (None, Some(Said::Whole(x, at))) => {
                if by_level {
                    return Err(needs_level(actuals, *at));
                }
                actual_only.push((fine(None), *x));
            }
            (None, Some(Said::ByLevel(v, _))) => {
                let mut sum = 0;
                for (l, x) in Level::ALL.into_iter().zip(v) {
                    if let Some(x) = x {
                        if by_level {
                            actual_only.push((fine(Some(l)), *x));
                        } else {
                            add(&mut sum, *x, file)?;
                        }
                    }
                }
                if !by_level {
                    actual_only.push((fine(None), sum));
                }
            }
            (Some(m), Some(Said::Whole(x, at))) => {
                if by_level {
                    return Err(needs_level(actuals, *at));
                }
                let mut sum = 0;
                for v in m {
                    add(&mut sum, *v, file)?;
                }
                matched.push((fine(None), sum, *x));
            }
            (Some(m), Some(Said::ByLevel(v, _))) => {
                let (mut ms, mut xs, mut rest) = (0, 0, 0);
                for (l, x) in Level::ALL.into_iter().zip(v) {
                    let mv = m[l as usize];
                    match (x, by_level) {
                        (Some(x), true) => matched.push((fine(Some(l)), mv, *x)),
                        (None, true) if mv != 0 => model_only.push((fine(Some(l)), mv)),
                        (None, true) => {}
                        (Some(x), false) => {
                            add(&mut ms, mv, file)?;
                            add(&mut xs, *x, file)?;
                        }
                        (None, false) => add(&mut rest, mv, file)?,
                    }
                }
                if !by_level {
                    matched.push((fine(None), ms, xs));
                    if rest != 0 {
                        model_only.push((fine(None), rest));
                    }
                }
            }
            (None, None) => {}
        }
    }
    let key_of = |f: &Fine, dims: &[Dim]| Key {
        year: dims.contains(&Dim::Year).then_some(f.0),
        unit: dims.contains(&Dim::Unit).then_some(f.1),
        class: dims.contains(&Dim::Class).then(|| f.2.clone()),
        level: if dims.contains(&Dim::Level) {
            f.3
        } else {
            None
        },
    };
    let group =
        |cells: &mut dyn Iterator<Item = (Key, Option<i64>, Option<i64>)>| -> Result<Vec<Row>> {
            let mut sums: BTreeMap<Key, (Option<i64>, Option<i64>)> = BTreeMap::new();
            for (k, m, a) in cells {
                let e = sums.entry(k).or_default();
                for (slot, v) in [(&mut e.0, m), (&mut e.1, a)] {
                    if let Some(v) = v {
                        add(slot.get_or_insert(0), v, file)?;
                    }
                }
            }
            Ok(sums
                .into_iter()
                .map(|(key, (modelled, actual))| Row {
                    key,
                    modelled,
                    actual,
                })
                .collect())
        };
    let matched_rows = group(
        &mut matched
            .iter()
            .map(|(f, m, a)| (key_of(f, dims), Some(*m), Some(*a))),
    )?;
    let mut by_class = group(
        &mut matched
            .iter()
            .map(|(f, m, a)| (key_of(f, &[Dim::Class]), Some(*m), Some(*a))),
    )?;
    by_class.sort_by(|x, y| {
        let g = |r: &Row| r.diff().unwrap_or(0).unsigned_abs();
        g(y).cmp(&g(x)).then_with(|| x.key.cmp(&y.key))
    });
    let model_only = group(
        &mut model_only
            .iter()
            .map(|(f, m)| (key_of(f, dims), Some(*m), None)),
    )?;
    let actual_only = group(
        &mut actual_only
            .iter()
            .map(|(f, a)| (key_of(f, dims), None, Some(*a))),
    )?;
    let mut files = folder.files();
    files.extend(actuals.path.clone());
    Ok(Reconciliation {
        run: dir.display().to_string(),
        scenario: folder.manifest.scenario.name.clone(),
        years,
        units,
        actuals_file: actuals.file.clone(),
        stage,
        dims: dims.to_vec(),
        matched: matched_rows,
        by_class,
        model_only,
        actual_only,
        empty_rows,
        files,
    })
}

/// The error for a row (at `line`) without a level when `--by level` needs one.
fn needs_level(actuals: &Actuals, line: usize) -> Error {
    let r = actuals
        .rows
        .iter()
        .find(|r| r.line == line)
        .expect("the row that said it");
    Error::input(
        actuals.loc(r, Field::Level),
        format!(
            "--by level compares each level's figure, but this row of {} gives no level; add a level (central, province, city, county, or 中央/省/市/县) to every row, or leave level out of --by",
            actuals.file
        ),
    )
}

/// The totals of `rows`, and the sum of |actual − modelled| (fen).
pub fn total(rows: &[Row]) -> Row {
    let sum = |f: fn(&Row) -> Option<i64>| -> Option<i64> {
        let mut any = false;
        let mut s: i64 = 0;
        for r in rows {
            if let Some(v) = f(r) {
                any = true;
                s = s.saturating_add(v);
            }
        }
        any.then_some(s)
    };
    Row {
        key: Key::default(),
        modelled: sum(|r| r.modelled),
        actual: sum(|r| r.actual),
    }
}

/// The columns of the reconciliation CSV, in order.
pub const COLUMNS: [&str; 13] = [
    "part",
    "year",
    "unit_code",
    "unit_name",
    "budget_class",
    "budget_class_name",
    "level",
    "modelled",
    "actual",
    "diff",
    "ratio",
    "share_of_gap",
    "stage",
];

/// The names of the budget classes (政府收支分类科目) fendan ships with.
pub fn class_names() -> BTreeMap<String, String> {
    let src = crate::load::Inputs::embedded().budget_classes;
    let mut r = csv::ReaderBuilder::new().from_reader(src.text.as_bytes());
    r.records()
        .flatten()
        .filter_map(|rec| Some((rec.get(0)?.to_owned(), rec.get(1)?.to_owned())))
        .collect()
}

impl Reconciliation {
    /// Σ |actual − modelled| of the matched classes, fen.
    pub fn gap(&self) -> i64 {
        self.by_class
            .iter()
            .map(|r| r.diff().unwrap_or(0).unsigned_abs().min(i64::MAX as u64) as i64)
            .fold(0i64, i64::saturating_add)
    }

    /// The key fields of a row: year, unit code and name, class and its name, level.
    pub fn key_fields(&self, k: &Key, names: &BTreeMap<String, String>) -> [String; 6] {
        let (code, name) = match k.unit {
            Some(u) => self.units[u].clone(),
            None => Default::default(),
        };
        let class = k.class.clone().unwrap_or_default();
        let class_name = names.get(&class).cloned().unwrap_or_default();
        [
            k.year.map(|y| y.to_string()).unwrap_or_default(),
            code,
            name,
            class,
            class_name,
            k.level.map(|l| l.key().to_owned()).unwrap_or_default(),
        ]
    }

    /// Every part as CSV rows (see [`COLUMNS`]): matched, total, by_class, model_only,
    /// actual_only.
    pub fn records(&self) -> Vec<Vec<String>> {
        let names = class_names();
        let gap = self.gap();
        let stage = self.stage.map(|s| s.key()).unwrap_or_default();
        let mut out = Vec::new();
        let mut push = |part: &str, r: &Row, share: Option<Decimal>| {
            let mut f = vec![part.to_owned()];
            f.extend(self.key_fields(&r.key, &names));
            f.push(r.modelled.map(yuan).unwrap_or_default());
            f.push(r.actual.map(yuan).unwrap_or_default());
            f.push(r.diff().map(yuan).unwrap_or_default());
            f.push(r.ratio().map(|x| format!("{x:.4}")).unwrap_or_default());
            f.push(share.map(|x| format!("{x:.4}")).unwrap_or_default());
            f.push(stage.to_owned());
            out.push(f);
        };
        for r in &self.matched {
            push("matched", r, None);
        }
        push("total", &total(&self.matched), None);
        for r in &self.by_class {
            let share = (gap > 0).then(|| {
                (Decimal::from(r.diff().unwrap_or(0).abs()) / Decimal::from(gap))
                    .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
            });
            push("by_class", r, share);
        }
        for r in &self.model_only {
            push("model_only", r, None);
        }
        for r in &self.actual_only {
            push("actual_only", r, None);
        }
        out
    }

    /// The reconciliation as one CSV file, amounts in yuan with two decimals.
    pub fn csv(&self, style: CsvStyle) -> Vec<u8> {
        style.apply(crate::report::csv_bytes(&COLUMNS, self.records()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_stages_read_in_english_and_chinese() {
        assert_eq!(parse_level("county"), Some(Level::County));
        assert_eq!(parse_level("县"), Some(Level::County));
        assert_eq!(parse_level("县级"), Some(Level::County));
        assert_eq!(parse_level("县(市、区)"), Some(Level::County));
        assert_eq!(parse_level("中央"), Some(Level::Central));
        assert_eq!(parse_level("省级"), Some(Level::Province));
        assert_eq!(parse_level("town"), None);
        assert_eq!(Stage::parse("决算"), Some(Stage::Final));
        assert_eq!(Stage::parse("budget"), Some(Stage::Budget));
    }

    fn row(m: Option<i64>, a: Option<i64>) -> Row {
        Row {
            key: Key::default(),
            modelled: m,
            actual: a,
        }
    }

    #[test]
    fn differences_and_ratios_need_both_sides() {
        // why: 1,250.00 − 1,000.00 = 250.00; 1,250 / 1,000 = 1.25.
        let r = row(Some(100_000), Some(125_000));
        assert_eq!(r.diff(), Some(25_000));
        assert_eq!(r.ratio(), Some("1.2500".parse().unwrap()));
        assert_eq!(row(Some(100), None).diff(), None);
        assert_eq!(row(None, Some(100)).ratio(), None);
        assert_eq!(row(Some(0), Some(100)).ratio(), None);
        // why: 2/3 = 0.66666… → 0.6667 (half away from zero).
        assert_eq!(
            row(Some(3), Some(2)).ratio(),
            Some("0.6667".parse().unwrap())
        );
    }
}
