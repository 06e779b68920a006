//! How evenly outlay per head is spread across units: the dispersion statistics of
//! `equalization.csv` and of the sweep's `equalization` metric, in one place so that a
//! sweep point and `simulate` report the same coefficient of variation and Theil index.
//!
//! Every statistic is population-weighted (a unit counts by its residents), computed in
//! exact decimals from whole-fen amounts; only the square root and logarithm round.

use rust_decimal::{Decimal, MathematicalOps};

/// Dispersion of per-head outlay across units, population-weighted.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispersion {
    pub min: Decimal,
    pub max: Decimal,
    pub max_min_ratio: Decimal,
    pub cv: Decimal,
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
    let pop = checked_sum(pops.iter().copied())?;
    if pop <= 0 || pops.iter().any(|p| *p <= 0) {
        return None;
    }
    let per = |a: i64, p: i64| {
        Decimal::from(a).checked_div(Decimal::from(100).checked_mul(Decimal::from(p))?)
    };
    let xs: Vec<Decimal> = amounts
        .iter()
        .zip(pops)
        .map(|(a, p)| per(*a, *p))
        .collect::<Option<_>>()?;
    let mu = per(checked_sum(amounts.iter().copied())?, pop)?;
    let min = *xs.iter().min()?;
    let max = *xs.iter().max()?;
    let big_p = Decimal::from(pop);
    let mut var = Decimal::ZERO;
    let mut theil = Decimal::ZERO;
    for (x, p) in xs.iter().zip(pops) {
        let w = Decimal::from(*p).checked_div(big_p)?;
        let d = x.checked_sub(mu)?;
        var = var.checked_add(w.checked_mul(d)?.checked_mul(d)?)?;
        if !x.is_zero() && !mu.is_zero() {
            let r = x.checked_div(mu)?;
            theil = theil.checked_add(w.checked_mul(r)?.checked_mul(r.checked_ln()?)?)?;
        }
    }
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
            per(a, p)
        } else {
            Some(Decimal::ZERO)
        }
    };
    Some(Dispersion {
        min,
        max,
        max_min_ratio: if min.is_zero() {
            Decimal::ZERO
        } else {
            max.checked_div(min)?
        },
        cv: if mu.is_zero() {
            Decimal::ZERO
        } else {
            var.sqrt().unwrap_or_default().checked_div(mu)?
        },
        theil,
        districts: group(true)?,
        counties: group(false)?,
    })
}

fn checked_sum(mut xs: impl Iterator<Item = i64>) -> Option<i64> {
    xs.try_fold(0i64, |a, b| a.checked_add(b))
}
