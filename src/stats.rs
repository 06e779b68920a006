//! How evenly outlay per head is spread across units: the dispersion statistics of
//! `equalization.csv`, of `capacity.csv` and of the sweep's `equalization` metric, in
//! one place so that a sweep point and `simulate` report the same figures.
//!
//! Every statistic is population-weighted (a unit counts by its residents). The
//! minimum, maximum and group means are exact decimals from whole-fen amounts. The
//! coefficient of variation and the Theil index are published to 6 decimals, and they
//! are given rounded so: a square root and logarithms cannot be exact, so what is
//! defined is the rounding of the true value. [`indices`] decides it in `f64` with a
//! bound on every rounding error (`stats::fast`), and, when the bound straddles a rounding
//! step (a value within about 10^-12 of a half millionth), from 28-digit decimals. The
//! figures depend only on the amounts and populations, in the units' order: never on
//! the thread count or a sweep's shard.

mod fast;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

/// The places the coefficient of variation and the Theil index are given to.
pub const INDEX_DP: u32 = 6;

/// Dispersion of per-head outlay across units, population-weighted.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispersion {
    pub min: Decimal,
    pub max: Decimal,
    pub max_min_ratio: Decimal,
    /// Rounded to [`INDEX_DP`] places, half away from zero.
    pub cv: Decimal,
    /// Rounded to [`INDEX_DP`] places, half away from zero.
    pub theil: Decimal,
    pub districts: Decimal,
    pub counties: Decimal,
}

/// Population-weighted dispersion of `amounts` (fen) over `pops` (persons).
/// `urban[i]` marks districts and zones, compared with counties and county-level cities.
///
/// `None` when a unit has no residents, or when a statistic does not fit a decimal
/// (per-head amounts of more than about 10^14 yuan, far beyond the value bounds): the
/// arithmetic is checked, never wrapped or panicking.
pub fn dispersion(amounts: &[i64], pops: &[i64], urban: &[bool]) -> Option<Dispersion> {
    positive_total(pops)?;
    let xs: Vec<Decimal> = amounts
        .iter()
        .zip(pops)
        .map(|(a, p)| per_head(*a, *p))
        .collect::<Option<_>>()?;
    let min = *xs.iter().min()?;
    let max = *xs.iter().max()?;
    let group = |want: bool| -> Option<Decimal> {
        let pick = |v: &[i64]| {
            checked_sum(
                v.iter()
                    .zip(urban)
                    .filter(|(_, u)| **u == want)
                    .map(|(x, _)| *x),
            )
        };
        let (a, p) = (pick(amounts)?, pick(pops)?);
        if p > 0 {
            per_head(a, p)
        } else {
            Some(Decimal::ZERO)
        }
    };
    let (cv, theil) = indices(amounts, pops)?;
    Some(Dispersion {
        min,
        max,
        max_min_ratio: if min.is_zero() {
            Decimal::ZERO
        } else {
            max.checked_div(min)?
        },
        cv: Decimal::new(cv, INDEX_DP),
        theil: Decimal::new(theil, INDEX_DP),
        districts: group(true)?,
        counties: group(false)?,
    })
}

/// The coefficient of variation and the Theil index of outlay per head, in millionths
/// (rounded half away from zero): decided fast in `f64` where its error bound allows,
/// else from exact decimals. `None` as for [`dispersion`].
pub fn indices(amounts: &[i64], pops: &[i64]) -> Option<(i64, i64)> {
    fast::cv_theil(amounts, pops).or_else(|| exact_indices(amounts, pops))
}

/// The two indices from 28-digit decimals: only the square root and the logarithms
/// round, far below a millionth.
fn exact_indices(amounts: &[i64], pops: &[i64]) -> Option<(i64, i64)> {
    let pop = positive_total(pops)?;
    let mu = per_head(checked_sum(amounts.iter().copied())?, pop)?;
    let big_p = Decimal::from(pop);
    let mut var = Decimal::ZERO;
    let mut theil = Decimal::ZERO;
    for (a, p) in amounts.iter().zip(pops) {
        let x = per_head(*a, *p)?;
        let w = Decimal::from(*p).checked_div(big_p)?;
        let d = x.checked_sub(mu)?;
        var = var.checked_add(w.checked_mul(d)?.checked_mul(d)?)?;
        if !x.is_zero() && !mu.is_zero() {
            let r = x.checked_div(mu)?;
            theil = theil.checked_add(w.checked_mul(r)?.checked_mul(r.checked_ln()?)?)?;
        }
    }
    let cv = if mu.is_zero() {
        Decimal::ZERO
    } else {
        var.sqrt().unwrap_or_default().checked_div(mu)?
    };
    Some((micro(cv)?, micro(theil)?))
}

/// `x` in millionths, rounded half away from zero.
fn micro(x: Decimal) -> Option<i64> {
    x.round_dp_with_strategy(INDEX_DP, RoundingStrategy::MidpointAwayFromZero)
        .checked_mul(Decimal::from(10i64.pow(INDEX_DP)))?
        .to_i64()
}

/// The total of `pops` when every unit has residents.
fn positive_total(pops: &[i64]) -> Option<i64> {
    let pop = checked_sum(pops.iter().copied())?;
    (pop > 0 && pops.iter().all(|p| *p > 0)).then_some(pop)
}

/// Yuan per head from fen and persons.
fn per_head(amount: i64, pop: i64) -> Option<Decimal> {
    Decimal::from(amount).checked_div(Decimal::from(100).checked_mul(Decimal::from(pop))?)
}

fn checked_sum(xs: impl IntoIterator<Item = i64>) -> Option<i64> {
    crate::money::checked_sum(xs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit without outlay: the fast path declines and the decimals decide.
    #[test]
    fn a_unit_without_outlay_is_decided_in_decimals() {
        let (amounts, pops) = ([0, 300], [1, 1]);
        assert_eq!(fast::cv_theil(&amounts, &pops), None);
        // 0 and 3 yuan a head, mean 1.50: the deviation is 1.50 (cv 1) and the Theil
        // index ½ · 2 · ln 2 = 0.6931471…
        assert_eq!(indices(&amounts, &pops), Some((1_000_000, 693_147)));
        let d = dispersion(&amounts, &pops, &[true, false]).unwrap();
        assert_eq!(
            (d.cv.to_string(), d.theil.to_string()),
            ("1.000000".into(), "0.693147".into())
        );
        assert_eq!((d.districts, d.counties), (Decimal::ZERO, Decimal::from(3)));
        // A unit without residents has no per-head figure.
        assert_eq!(dispersion(&amounts, &[1, 0], &[true, false]), None);
    }
}
