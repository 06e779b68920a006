//! One parameter tree with dated values.
//!
//! Every number the engine uses — a standard, a coverage rate, a cohort ratio, a split
//! share — is a [`Param`]: a unit, a list of (effective date, value) pairs, and where
//! each value came from. All of them live in one [`ParamTree`], addressed by a dotted
//! path such as `services.1.primary_public_funds.standard` or
//! `splits.compulsory_edu.central`. The same paths are what a scenario overrides, what
//! a sweep varies and what `explain` prints, so there is one mechanism, not three.
//!
//! Values are exact decimals read from text; they never pass through `f64`.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::exact::Exact;
use crate::grade::Grade;

mod decimal;
mod raw;
pub use decimal::{Dec, MAX_NUMBER, parse_decimal};
pub use raw::{DatedValues, RawParam, build_param, span_location};

/// What a parameter's values measure. The unit decides the allowed range and how a
/// standard is annualised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Unit {
    YuanPerYear,
    YuanPerMonth,
    YuanPerDay,
    /// A fraction in [0, 1]: coverage, a split share, a take-up rate.
    Share,
    /// A non-negative multiplier: a cohort ratio that may exceed 1.
    Ratio,
    DaysPerYear,
}

impl Unit {
    pub const ALL: [(Unit, &'static str); 6] = [
        (Unit::YuanPerYear, "yuan_per_year"),
        (Unit::YuanPerMonth, "yuan_per_month"),
        (Unit::YuanPerDay, "yuan_per_day"),
        (Unit::Share, "share"),
        (Unit::Ratio, "ratio"),
        (Unit::DaysPerYear, "days_per_year"),
    ];

    pub fn name(self) -> &'static str {
        Unit::ALL
            .iter()
            .find(|(u, _)| *u == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    pub fn parse(text: &str) -> Option<Unit> {
        Unit::ALL.iter().find(|(_, n)| *n == text).map(|(u, _)| *u)
    }

    pub fn is_money(self) -> bool {
        matches!(
            self,
            Unit::YuanPerYear | Unit::YuanPerMonth | Unit::YuanPerDay
        )
    }

    /// The largest value a parameter in this unit may take. A standard above 10⁹ yuan a
    /// head (a year, a month or a day) or a ratio above 1000 is a typing error, not a
    /// policy; refusing it where it is written keeps every cell amount far inside what
    /// the engine holds (see [`crate::money`]).
    pub fn max(self) -> Decimal {
        match self {
            Unit::YuanPerYear | Unit::YuanPerMonth | Unit::YuanPerDay => MAX_STANDARD,
            Unit::Share => Decimal::ONE,
            Unit::Ratio => MAX_RATIO,
            Unit::DaysPerYear => Decimal::from(366),
        }
    }

    /// Check a value against the unit's range; the message says what is allowed.
    pub fn check(self, value: Decimal) -> std::result::Result<(), String> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(format!(
                "{value} is negative; a {} value must be 0 or more",
                self.name()
            ));
        }
        if value <= self.max() {
            return Ok(());
        }
        Err(match self {
            Unit::Share => {
                format!("{value} is above 1; a share must lie between 0 and 1 (write 60% as 0.6)")
            }
            Unit::DaysPerYear => format!("{value} days is more than a year holds"),
            Unit::Ratio => format!(
                "{value} is above {MAX_RATIO}, the largest ratio fendan accepts (a cohort ratio or adjustment multiplies a headcount)"
            ),
            _ => format!(
                "{value} is above {MAX_STANDARD}, the largest standard fendan accepts ({MAX_STANDARD} yuan a head a year, a month or a day)"
            ),
        })
    }
}

/// The largest standard, in yuan a head a year, a month or a day: 10⁹.
pub const MAX_STANDARD: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// The largest cohort ratio or adjustment: 1000.
pub const MAX_RATIO: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// Index of a parameter in the [`ParamTree`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ParamId(pub u32);

/// One dated, sourced number.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Param {
    pub path: String,
    pub unit: Unit,
    /// (effective date, value), strictly increasing dates.
    pub values: Vec<(Date, Decimal)>,
    /// Straight line between dated values, by whole years.
    pub interpolate: bool,
    pub source: String,
    pub sources: BTreeMap<Date, String>,
    pub assumption: Option<String>,
    pub assumptions: BTreeMap<Date, String>,
    /// How far the general assumption can be trusted, and its plausible range.
    pub grade: Option<Grade>,
    /// The grade of each dated assumption.
    pub grades: BTreeMap<Date, Grade>,
    /// Where the parameter was defined.
    pub origin: Location,
    /// Where each dated value came from when a scenario changed it: date -> "file:line".
    pub overridden: BTreeMap<Date, String>,
    /// The last scenario override applied, for errors found after all are applied.
    pub last_override: Option<Location>,
}

impl Param {
    /// A constant parameter with no file behind it (defaults, tests).
    pub fn constant(path: &str, unit: Unit, from: Date, value: Decimal, source: &str) -> Param {
        Param {
            path: path.to_owned(),
            unit,
            values: vec![(from, value)],
            interpolate: false,
            source: source.to_owned(),
            sources: BTreeMap::new(),
            assumption: None,
            assumptions: BTreeMap::new(),
            grade: None,
            grades: BTreeMap::new(),
            origin: Location::file("(built in)"),
            overridden: BTreeMap::new(),
            last_override: None,
        }
    }

    /// The value in force on `date` (step function), ignoring interpolation.
    pub fn at(&self, date: Date) -> Option<Decimal> {
        let i = self.values.partition_point(|(d, _)| *d <= date);
        (i > 0).then(|| self.values[i - 1].1)
    }

    /// The value for month `month` (1-12) of `year`: the value in force on the 1st of
    /// the month, or the year's point on the line when the parameter interpolates.
    pub fn in_month(&self, year: i32, month: u32) -> Option<Decimal> {
        if self.interpolate {
            self.in_year_linear(year)
        } else {
            self.at(Date::first_of(year, month))
        }
    }

    /// The twelve monthly values of `year`.
    pub fn months(&self, year: i32) -> Option<[Decimal; 12]> {
        let mut out = [Decimal::ZERO; 12];
        for (m, slot) in (1..=12).zip(out.iter_mut()) {
            *slot = self.in_month(year, m)?;
        }
        Some(out)
    }

    /// Replace a straight-line parameter by its yearly steps over `first..=last`, so that
    /// an override can change part of it. The values the engine sees do not change; if
    /// one of them is not a decimal (a third of the way between two values), nothing
    /// changes and that year and value are returned, since a step holds a decimal.
    pub fn to_steps(&mut self, first: i32, last: i32) -> std::result::Result<(), (i32, Exact)> {
        if !self.interpolate {
            return Ok(());
        }
        let mut steps: Vec<(Date, Decimal)> = self
            .values
            .iter()
            .copied()
            .filter(|(d, _)| d.year < first)
            .collect();
        for y in first..=last {
            if let Some(v) = self.exact_linear(y) {
                let d = v.as_decimal().ok_or((y, v))?;
                steps.push((Date::new(y, 1, 1), d));
            }
        }
        self.values = steps;
        self.interpolate = false;
        Ok(())
    }

    /// The value used once per year (cohort ratios): in force on 1 July, or the
    /// year's point on the line.
    pub fn for_year(&self, year: i32) -> Option<Decimal> {
        self.exact_for_year(year).map(|e| e.to_decimal())
    }

    /// The exact value for month `month` (1-12) of `year` (see [`Param::in_month`]).
    pub fn exact_in_month(&self, year: i32, month: u32) -> Option<Exact> {
        if self.interpolate {
            self.exact_linear(year)
        } else {
            self.at(Date::first_of(year, month)).map(Exact::Decimal)
        }
    }

    /// The exact values of the twelve months of `year` into `out` (what
    /// [`Param::exact_in_month`] gives for each, in one pass); `None` if a month has none.
    pub fn exact_months(&self, year: i32, out: &mut [Exact; 12]) -> Option<()> {
        if self.interpolate {
            *out = [self.exact_linear(year)?; 12];
            return Some(());
        }
        let mut i = self
            .values
            .partition_point(|(d, _)| *d <= Date::first_of(year, 1));
        for (m, slot) in (1..=12).zip(out.iter_mut()) {
            let first = Date::first_of(year, m);
            while i < self.values.len() && self.values[i].0 <= first {
                i += 1;
            }
            *slot = Exact::Decimal(self.values.get(i.checked_sub(1)?)?.1);
        }
        Some(())
    }

    /// The exact value used once per year (see [`Param::for_year`]).
    pub fn exact_for_year(&self, year: i32) -> Option<Exact> {
        if self.interpolate {
            self.exact_linear(year)
        } else {
            self.at(Date::new(year, 7, 1)).map(Exact::Decimal)
        }
    }

    fn in_year_linear(&self, year: i32) -> Option<Decimal> {
        self.exact_linear(year).map(|e| e.to_decimal())
    }

    /// The year's point on the line between the dated values around it, exactly.
    fn exact_linear(&self, year: i32) -> Option<Exact> {
        let first = self.values.first()?;
        if year < first.0.year {
            return None;
        }
        let i = self.values.partition_point(|(d, _)| d.year <= year);
        let (y0, v0) = (self.values[i - 1].0.year, self.values[i - 1].1);
        match self.values.get(i) {
            Some(&(d1, v1)) if year > y0 => Some(Exact::Line {
                from: v0,
                to: v1,
                step: i64::from(year - y0),
                steps: i64::from(d1.year - y0),
            }),
            _ => Some(Exact::Decimal(v0)),
        }
    }

    /// The date of the value in force on `date`.
    pub fn effective(&self, date: Date) -> Option<Date> {
        let i = self.values.partition_point(|(d, _)| *d <= date);
        (i > 0).then(|| self.values[i - 1].0)
    }

    /// The source of the value in force on `date`.
    pub fn source_at(&self, date: Date) -> &str {
        self.effective(date)
            .and_then(|d| self.sources.get(&d))
            .unwrap_or(&self.source)
    }

    /// The assumption basis of the value in force on `date`, if it is one: its own
    /// dated basis, else the parameter's general `assumption` unless that value has a
    /// cited source of its own.
    pub fn assumption_at(&self, date: Date) -> Option<&str> {
        let d = self.effective(date)?;
        match self.assumptions.get(&d) {
            Some(basis) => Some(basis),
            // A value with its own cited source is not covered by the general assumption.
            None if self.sources.contains_key(&d) => None,
            None => self.assumption.as_deref(),
        }
    }

    /// The grade of the assumption behind the value in force on `date`, if it is one.
    pub fn grade_at(&self, date: Date) -> Option<Grade> {
        self.assumption_at(date)?;
        let d = self.effective(date)?;
        self.grades.get(&d).copied().or(self.grade)
    }

    /// Whether any value of this parameter is an assumption.
    pub fn has_assumption(&self) -> bool {
        self.assumption.is_some() || !self.assumptions.is_empty()
    }
}

/// All parameters, addressed by path. Stored (in the compiled plan, see
/// [`crate::load::compiled`]) as the list alone: the index is made again from it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<Param>", into = "Vec<Param>")]
pub struct ParamTree {
    params: Vec<Param>,
    index: HashMap<String, ParamId>,
}

impl From<Vec<Param>> for ParamTree {
    fn from(params: Vec<Param>) -> ParamTree {
        let index = params
            .iter()
            .enumerate()
            .map(|(i, p)| (p.path.clone(), ParamId(i as u32)))
            .collect();
        ParamTree { params, index }
    }
}

impl From<ParamTree> for Vec<Param> {
    fn from(tree: ParamTree) -> Vec<Param> {
        tree.params
    }
}

impl ParamTree {
    /// Add a parameter; its path must be new.
    pub fn insert(&mut self, param: Param) -> Result<ParamId> {
        if let Some(existing) = self.index.get(&param.path) {
            let first = &self.params[existing.0 as usize].origin;
            return Err(Error::input(
                param.origin.clone(),
                format!(
                    "the parameter `{}` is defined twice (first at {}:{}); ids must be unique",
                    param.path, first.file, first.line
                ),
            ));
        }
        let id = ParamId(self.params.len() as u32);
        self.index.insert(param.path.clone(), id);
        self.params.push(param);
        Ok(id)
    }

    pub fn get(&self, id: ParamId) -> &Param {
        &self.params[id.0 as usize]
    }

    pub fn get_mut(&mut self, id: ParamId) -> &mut Param {
        &mut self.params[id.0 as usize]
    }

    pub fn lookup(&self, path: &str) -> Option<ParamId> {
        self.index.get(path).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (ParamId, &Param)> {
        self.params
            .iter()
            .enumerate()
            .map(|(i, p)| (ParamId(i as u32), p))
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Param> {
        self.params.iter_mut()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// All paths, sorted (for "did you mean" and listings).
    pub fn paths(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.index.keys().map(String::as_str).collect();
        p.sort_unstable();
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::d;

    mod rust_decimal_macros_free {
        pub fn d(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    fn param(values: &[(&str, &str)], interpolate: bool) -> Param {
        Param {
            values: values
                .iter()
                .map(|(a, b)| (a.parse().unwrap(), d(b)))
                .collect(),
            interpolate,
            ..Param::constant(
                "p",
                Unit::Share,
                Date::new(2016, 1, 1),
                Decimal::ZERO,
                "test",
            )
        }
    }

    #[test]
    fn step_values_change_on_the_first_of_the_month() {
        let p = param(&[("2016-01-01", "560"), ("2020-03-01", "702")], false);
        let m = p.months(2020).unwrap();
        assert_eq!(m[1], d("560"));
        assert_eq!(m[2], d("702"));
        assert_eq!(p.in_month(2015, 12), None);
    }

    #[test]
    fn the_months_of_a_year_are_looked_up_in_one_pass_as_one_by_one() {
        let p = param(
            &[
                ("2016-01-01", "560"),
                ("2016-01-15", "570"),
                ("2017-03-01", "600"),
                ("2017-03-02", "610"),
                ("2017-12-01", "620"),
                ("2019-07-01", "702"),
            ],
            false,
        );
        for y in 2015..=2020 {
            let mut out = [Exact::ONE; 12];
            let one_by_one: Option<Vec<Exact>> = (1..=12).map(|m| p.exact_in_month(y, m)).collect();
            match one_by_one {
                Some(v) => {
                    assert_eq!(p.exact_months(y, &mut out), Some(()));
                    assert_eq!(out.to_vec(), v, "{y}");
                }
                None => assert_eq!(p.exact_months(y, &mut out), None, "{y}"),
            }
        }
    }

    #[test]
    fn linear_ramp_goes_year_by_year() {
        let p = param(&[("2015-01-01", "0.13"), ("2020-01-01", "0.80")], true);
        assert_eq!(p.for_year(2016).unwrap(), d("0.264"));
        assert_eq!(p.for_year(2018).unwrap(), d("0.532"));
        assert_eq!(p.for_year(2020).unwrap(), d("0.80"));
        assert_eq!(p.for_year(2023).unwrap(), d("0.80"));
    }

    #[test]
    fn decimals_parse_exactly_and_refuse_exponents() {
        assert_eq!(parse_decimal("0.1").unwrap(), d("0.1"));
        assert_eq!(
            parse_decimal("12345678901234567.89").unwrap(),
            d("12345678901234567.89")
        );
        assert!(parse_decimal("1e-3").is_err());
        assert!(parse_decimal("twenty").is_err());
        for bad in ["", ".", "-", "1.2.3", "--1", "0x10", "1_000"] {
            assert!(parse_decimal(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn literals_a_decimal_cannot_hold_are_refused_not_rounded() {
        // rust_decimal itself rounds these without a word.
        for bad in [
            "9.0000000000000000000000000001",
            "0.00000000000000000000000000001",
            "1.00000000000000000000000000001",
            "0.12345678901234567890123456789",
            "79228162514264337593543950336",
            "123456789012345678901234567890",
            "9234567890.1234567890123456789",
        ] {
            let e = parse_decimal(bad).unwrap_err();
            assert!(e.contains("round it"), "{bad}: {e}");
        }
        // Redundant zeros are not digits that would be lost.
        for (good, value) in [
            (".5", "0.5"),
            ("5.", "5"),
            ("0000000000000000000000000000000000000001.5", "1.5"),
            (
                "9.000000000000000000000000001",
                "9.000000000000000000000000001",
            ),
            ("0.1000000000000000000000000000000", "0.1"),
            ("000685.50", "685.5"),
            ("-0", "0"),
            ("+12", "12"),
            (
                "0.0000000000000000000000000001",
                "0.0000000000000000000000000001",
            ),
            ("1000000000000000000", "1000000000000000000"),
        ] {
            assert_eq!(parse_decimal(good).unwrap(), d(value), "{good}");
        }
        assert!(
            parse_decimal("1000000000000000001")
                .unwrap_err()
                .contains("larger than any number")
        );
        assert!(
            parse_decimal("-1000000000000000001")
                .unwrap_err()
                .contains("larger than any number")
        );
    }

    #[test]
    fn yaml_numbers_reach_dec_as_text() {
        // serde-saphyr hands a plain scalar to `Dec` as its text, whatever its size, so
        // nothing is rounded through an integer or a float on the way.
        #[derive(serde::Deserialize)]
        struct T {
            a: Dec,
        }
        let read = |v: &str| serde_saphyr::from_str::<T>(&format!("a: {v}\n")).map(|t| t.a.0);
        assert!(
            read("18446744073709551616")
                .unwrap_err()
                .to_string()
                .contains("larger than any number")
        );
        assert!(read("0.12345678901234567890123456789012").is_err());
        assert!(read("1.5e3").is_err());
        assert!(read(".inf").is_err());
        assert_eq!(read("'0.5'").unwrap(), d("0.5"));
        assert_eq!(
            read("12345678901234567.89").unwrap(),
            d("12345678901234567.89")
        );
    }

    #[test]
    fn each_unit_has_an_upper_bound() {
        assert!(Unit::YuanPerDay.check(MAX_STANDARD).is_ok());
        assert!(
            Unit::YuanPerYear
                .check(MAX_STANDARD + Decimal::new(1, 2))
                .is_err()
        );
        assert!(Unit::Ratio.check(MAX_RATIO).is_ok());
        assert!(Unit::Ratio.check(MAX_RATIO + Decimal::ONE).is_err());
        assert!(Unit::Share.check(Decimal::ONE).is_ok());
        assert!(Unit::DaysPerYear.check(Decimal::from(367)).is_err());
        assert_eq!(MAX_NUMBER, Decimal::from(1_000_000_000_000_000_000i64));
    }
}
