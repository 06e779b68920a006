//! The capacity measures of one year, from integers only: each unit's county-level
//! outlay (fen), its own revenue if known (fen), and the threshold rule. `simulate`
//! and the sweep's `capacity` metric both call [`year`], so a sweep point and a run
//! report the same transfer need to the fen.
//!
//! * burden share = county-level outlay ÷ own revenue (exact decimal);
//! * ceiling = threshold × own revenue, rounded once to the fen (half away from zero):
//!   the most the unit can carry itself;
//! * transfer need = max(0, outlay − ceiling): what a transfer must add so that the
//!   unit's own burden stays at or below the threshold.
//!
//! A unit without a revenue figure has none of these (never 0). A unit whose revenue is
//! 0 has no share (it is not a number) and a ceiling of 0, so its whole outlay is need.
//! The spread of the burden share (CV, Theil) is weighted by own revenue, so its mean
//! is the aggregate share Σ outlay ÷ Σ revenue of the units with data.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::stats::dispersion;

/// How a year's threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rule {
    /// `capacity.threshold`, a share of own revenue, from the parameter tree.
    #[default]
    Fixed,
    /// The median burden share of the year's units with revenue above 0.
    CityMedian,
}

impl Rule {
    pub const ALL: [Rule; 2] = [Rule::Fixed, Rule::CityMedian];

    pub fn key(self) -> &'static str {
        match self {
            Rule::Fixed => "fixed",
            Rule::CityMedian => "city_median",
        }
    }

    pub fn parse(text: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.key() == text)
    }
}

/// Decimal places a threshold is held to. A sweep carries the threshold as an integer
/// of this many decimals; `simulate` rounds it the same way, so both agree.
pub const THRESHOLD_DP: u32 = 12;

/// A threshold as it is used: rounded half away from zero to [`THRESHOLD_DP`] places.
pub fn held(t: Decimal) -> Decimal {
    t.round_dp_with_strategy(THRESHOLD_DP, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount past what fendan can hold (i64 fen, or a decimal product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// One unit in one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitMeasure {
    /// The county level's modelled outlay, fen.
    pub county: i64,
    pub revenue: Option<i64>,
    /// county ÷ revenue, exact; `None` without revenue or with revenue 0.
    pub share: Option<Decimal>,
    /// threshold × revenue in fen; `None` without revenue or without a threshold.
    pub ceiling: Option<i64>,
    /// max(0, county − ceiling) in fen.
    pub need: Option<i64>,
}

impl UnitMeasure {
    /// Above the threshold (`Some(true)`), at or below it, or unknown.
    pub fn above(&self) -> Option<bool> {
        self.ceiling.map(|c| self.county > c)
    }
}

/// One year: every unit, and the figures of the units with revenue data.
#[derive(Debug, Clone, PartialEq)]
pub struct YearMeasure {
    /// The threshold used (a share of own revenue), or `None` when the rule has no data.
    pub threshold: Option<Decimal>,
    pub units: Vec<UnitMeasure>,
    pub with_revenue: usize,
    pub above: usize,
    /// Σ outlay and Σ revenue over the units with revenue data, fen.
    pub county: i64,
    pub revenue: i64,
    /// Σ need, fen; `None` when no unit has a ceiling.
    pub need: Option<i64>,
    pub min_share: Option<Decimal>,
    pub max_share: Option<Decimal>,
    /// Revenue-weighted CV and Theil index of the burden share (units with revenue > 0).
    pub cv: Option<Decimal>,
    pub theil: Option<Decimal>,
    /// Σ outlay ÷ Σ revenue of the units of urban kinds (districts and zones in Handan), and
    /// of the others (counties and the county-level city).
    pub districts_share: Option<Decimal>,
    pub counties_share: Option<Decimal>,
}

impl YearMeasure {
    /// Σ outlay ÷ Σ revenue of the units with revenue data.
    pub fn share(&self) -> Option<Decimal> {
        ratio(self.county, self.revenue)
    }
}

fn ratio(a: i64, b: i64) -> Option<Decimal> {
    (b > 0).then(|| Decimal::from(a) / Decimal::from(b))
}

fn add(a: i64, b: i64) -> Result<i64, Overflow> {
    a.checked_add(b).ok_or(Overflow)
}

/// threshold × revenue, rounded once to the fen.
pub fn ceiling(threshold: Decimal, revenue: i64) -> Result<i64, Overflow> {
    threshold
        .checked_mul(Decimal::from(revenue))
        .map(|x| x.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
        .and_then(|x| x.to_i64())
        .ok_or(Overflow)
}

/// The median of `xs` (the mean of the two middle values when their number is even).
fn median(mut xs: Vec<Decimal>) -> Option<Decimal> {
    xs.sort();
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(xs[n / 2]),
        _ => Some((xs[n / 2 - 1] + xs[n / 2]) / Decimal::TWO),
    }
}

/// The measures of one year: `county[u]` the county level's outlay of unit `u` (fen),
/// `revenue[u]` its own revenue if known (fen), `urban[u]` whether it is a district or
/// zone; `fixed` the `capacity.threshold` in force (used by [`Rule::Fixed`]).
pub fn year(
    county: &[i64],
    revenue: &[Option<i64>],
    urban: &[bool],
    rule: Rule,
    fixed: Decimal,
) -> Result<YearMeasure, Overflow> {
    let shares: Vec<Option<Decimal>> = county
        .iter()
        .zip(revenue)
        .map(|(c, r)| r.and_then(|r| ratio(*c, r)))
        .collect();
    let threshold = match rule {
        Rule::Fixed => Some(held(fixed)),
        Rule::CityMedian => median(shares.iter().flatten().copied().collect()).map(held),
    };
    let mut units = Vec::with_capacity(county.len());
    let (mut with_revenue, mut above) = (0, 0);
    let (mut c_sum, mut r_sum) = (0i64, 0i64);
    let mut need: Option<i64> = None;
    // [districts, counties]: (Σ outlay, Σ revenue)
    let mut groups = [(0i64, 0i64); 2];
    for (u, (&c, &r)) in county.iter().zip(revenue).enumerate() {
        let ceiling = match (r, threshold) {
            (Some(r), Some(t)) => Some(ceiling(t, r)?),
            _ => None,
        };
        let unit_need = ceiling.map(|cap| (c - cap).max(0));
        if let Some(r) = r {
            with_revenue += 1;
            c_sum = add(c_sum, c)?;
            r_sum = add(r_sum, r)?;
            let g = &mut groups[usize::from(!urban[u])];
            g.0 = add(g.0, c)?;
            g.1 = add(g.1, r)?;
        }
        if let Some(n) = unit_need {
            need = Some(add(need.unwrap_or(0), n)?);
        }
        let m = UnitMeasure {
            county: c,
            revenue: r,
            share: shares[u],
            ceiling,
            need: unit_need,
        };
        if m.above() == Some(true) {
            above += 1;
        }
        units.push(m);
    }
    // The spread over the units with revenue above 0, weighted by revenue.
    let (mut a, mut w, mut g) = (Vec::new(), Vec::new(), Vec::new());
    for (u, m) in units.iter().enumerate() {
        if let Some(r) = m.revenue.filter(|r| *r > 0) {
            a.push(m.county);
            w.push(r);
            g.push(urban[u]);
        }
    }
    let spread = dispersion(&a, &w, &g);
    let known: Vec<Decimal> = shares.iter().flatten().copied().collect();
    Ok(YearMeasure {
        threshold,
        with_revenue,
        above,
        county: c_sum,
        revenue: r_sum,
        need,
        min_share: known.iter().min().copied(),
        max_share: known.iter().max().copied(),
        cv: spread.as_ref().map(|d| d.cv),
        theil: spread.as_ref().map(|d| d.theil),
        districts_share: ratio(groups[0].0, groups[0].1),
        counties_share: ratio(groups[1].0, groups[1].1),
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_unit_above_one_below_and_one_without_revenue() {
        // Outlays 4,500.00, 1,000.00 and 700.00 yuan; revenues 10,000.00, 10,000.00, none.
        let county = [450_000, 100_000, 70_000];
        let revenue = [Some(1_000_000), Some(1_000_000), None];
        let y = year(
            &county,
            &revenue,
            &[false, true, false],
            Rule::Fixed,
            d("0.3"),
        )
        .unwrap();
        // why: 0.3 × 10,000.00 = 3,000.00; 4,500.00 − 3,000.00 = 1,500.00 of need.
        assert_eq!(y.units[0].ceiling, Some(300_000));
        assert_eq!(y.units[0].need, Some(150_000));
        assert_eq!(y.units[0].share, Some(d("0.45")));
        assert_eq!(y.units[0].above(), Some(true));
        // why: 1,000.00 ≤ 3,000.00, so no need.
        assert_eq!(y.units[1].need, Some(0));
        assert_eq!(y.units[1].above(), Some(false));
        // why: no revenue figure, so nothing is known (not 0).
        assert_eq!(y.units[2].need, None);
        assert_eq!(y.units[2].share, None);
        assert_eq!(y.units[2].above(), None);
        // why: the two units with data: (4,500 + 1,000) / 20,000 = 0.275; need 1,500.00.
        assert_eq!((y.with_revenue, y.above), (2, 1));
        assert_eq!(y.share(), Some(d("0.275")));
        assert_eq!(y.need, Some(150_000));
        // why: districts 1,000/10,000 = 0.1, counties 4,500/10,000 = 0.45.
        assert_eq!(y.districts_share, Some(d("0.1")));
        assert_eq!(y.counties_share, Some(d("0.45")));
    }

    #[test]
    fn the_ceiling_is_rounded_once_half_away_from_zero() {
        // why: 0.3 × 0.05 yuan = 0.015 yuan = 1.5 fen → 2 fen.
        assert_eq!(ceiling(d("0.3"), 5), Ok(2));
        assert_eq!(ceiling(d("0.3"), 0), Ok(0));
        assert_eq!(ceiling(d("2"), i64::MAX), Err(Overflow));
    }

    #[test]
    fn the_city_median_is_the_middle_share() {
        // Shares 0.1, 0.2, 0.4 and 0.8: the median is (0.2 + 0.4) / 2 = 0.3.
        let county = [100, 200, 400, 800, 5];
        let revenue = [Some(1000), Some(1000), Some(1000), Some(1000), Some(0)];
        let y = year(&county, &revenue, &[true; 5], Rule::CityMedian, d("0.9")).unwrap();
        assert_eq!(y.threshold, Some(d("0.3")));
        // why: ceiling 300; 400 − 300 = 100 and 800 − 300 = 500; revenue 0 → ceiling 0, need 5.
        let needs: Vec<_> = y.units.iter().map(|u| u.need).collect();
        assert_eq!(needs, [Some(0), Some(0), Some(100), Some(500), Some(5)]);
        assert_eq!(y.need, Some(605));
        // No data at all: no median, so nothing is known.
        let y = year(&[1], &[None], &[true], Rule::CityMedian, d("0.3")).unwrap();
        assert_eq!((y.threshold, y.need, y.with_revenue), (None, None, 0));
        assert_eq!((y.cv, y.share()), (None, None));
    }

    #[test]
    fn equal_shares_have_no_spread() {
        let y = year(
            &[300, 600],
            &[Some(1000), Some(2000)],
            &[true, false],
            Rule::Fixed,
            d("0.3"),
        )
        .unwrap();
        assert_eq!(y.cv, Some(Decimal::ZERO));
        assert_eq!(y.theil, Some(Decimal::ZERO));
        // why: both exactly at 0.3: the ceiling is reached, not passed.
        assert_eq!((y.above, y.need), (0, Some(0)));
    }
}
