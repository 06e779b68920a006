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
pub fn dispersion(amounts: &[i64], pops: &[i64], urban: &[bool]) -> Option<Dispersion> {
    let pop: i64 = pops.iter().sum();
    if pop <= 0 || pops.iter().any(|p| *p <= 0) {
        return None;
    }
    let per = |a: i64, p: i64| Decimal::from(a) / Decimal::from(100 * p);
    let xs: Vec<Decimal> = amounts.iter().zip(pops).map(|(a, p)| per(*a, *p)).collect();
    let mu = per(amounts.iter().sum(), pop);
    let min = *xs.iter().min()?;
    let max = *xs.iter().max()?;
    let big_p = Decimal::from(pop);
    let mut var = Decimal::ZERO;
    let mut theil = Decimal::ZERO;
    for (x, p) in xs.iter().zip(pops) {
        let w = Decimal::from(*p) / big_p;
        var += w * (*x - mu) * (*x - mu);
        if !x.is_zero() && !mu.is_zero() {
            let r = *x / mu;
            theil += w * r * r.ln();
        }
    }
    let group = |want: bool| {
        let a: i64 = amounts
            .iter()
            .zip(urban)
            .filter(|(_, u)| **u == want)
            .map(|(a, _)| *a)
            .sum();
        let p: i64 = pops
            .iter()
            .zip(urban)
            .filter(|(_, u)| **u == want)
            .map(|(p, _)| *p)
            .sum();
        if p > 0 { per(a, p) } else { Decimal::ZERO }
    };
    Some(Dispersion {
        min,
        max,
        max_min_ratio: if min.is_zero() {
            Decimal::ZERO
        } else {
            max / min
        },
        cv: if mu.is_zero() {
            Decimal::ZERO
        } else {
            var.sqrt().unwrap_or_default() / mu
        },
        theil,
        districts: group(true),
        counties: group(false),
    })
}
