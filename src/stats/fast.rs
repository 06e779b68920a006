//! The coefficient of variation and the Theil index fast: in `f64`, in a fixed order
//! (the units' order), with a bound on the rounding error of every operation.
//!
//! When the interval `value ± bound` lies within one rounding step of 6 decimals, that
//! step is the rounding of the true value, which is what the exact computation (28-digit
//! decimals, [`super::exact_indices`]) also gives; otherwise (a value within about
//! 10^-12 of a half millionth, or a unit without residents or outlay) this gives `None`
//! and the caller computes the figure exactly. A decimal logarithm costs about 10 µs and
//! this one about 20 ns: the Theil index of 2,860 units for 5 years and 2 measures took
//! 0.3 s of CPU in decimals.

/// Unit roundoff of `f64`.
const EPS: f64 = f64::EPSILON / 2.0;

/// Added to every bound: room for the 28-digit decimal logarithm and square root of the
/// exact computation, which round too (far below this).
const SLACK: f64 = 1e-12;

/// `x` in millionths, rounded half away from zero, if every value of `[x − e, x + e]`
/// rounds the same; `None` otherwise.
fn micro(x: f64, e: f64) -> Option<i64> {
    let r = |v: f64| {
        let m = v * 1e6;
        m.signum() * (m.abs() + 0.5).floor()
    };
    // The product by 10^6 rounds once more: widen by its error.
    let e = e + (x.abs() + e) * 4.0 * EPS;
    let (lo, hi) = (r(x - e), r(x + e));
    (lo == hi && lo.abs() < 9.0e15).then_some(lo as i64)
}

/// (cv, theil) in millionths from whole-fen `amounts` and `pops`, or `None` when the
/// fast computation cannot decide a figure (the caller then computes it exactly).
pub(super) fn cv_theil(amounts: &[i64], pops: &[i64]) -> Option<(i64, i64)> {
    let n = amounts.len();
    if n == 0 || pops.iter().any(|p| *p <= 0) || amounts.iter().any(|a| *a <= 0) {
        return None;
    }
    let total_pop = super::checked_sum(pops.iter().copied())?;
    let total = super::checked_sum(amounts.iter().copied())?;
    // Integers up to 2^53 convert exactly; larger ones with relative error EPS.
    let big_p = total_pop as f64;
    let mu = total as f64 / (100.0 * big_p);
    let nf = n as f64;
    let mut var = 0.0f64;
    let mut var_err = 0.0f64;
    let mut theil = 0.0f64;
    let mut theil_abs = 0.0f64;
    let mut theil_err = 0.0f64;
    for (a, p) in amounts.iter().zip(pops) {
        let x = *a as f64 / (100.0 * *p as f64);
        let w = *p as f64 / big_p;
        let d = x - mu;
        // x and mu carry at most 4 roundings each; d one more.
        let ed = 5.0 * EPS * (x + mu);
        var += w * d * d;
        var_err += w * (2.0 * d.abs() * ed + ed * ed);
        let r = x / mu;
        let l = r.ln();
        let t = w * r * l;
        theil += t;
        theil_abs += t.abs();
        // r carries about 10 roundings; ln adds one ulp of its result and turns the
        // relative error of r into an absolute one.
        theil_err += w * r * (12.0 * EPS * (1.0 + l.abs()) + 2.0 * EPS * l.abs());
    }
    var_err = 4.0 * (var_err + (nf + 4.0) * EPS * var);
    theil_err = 4.0 * (theil_err + (nf + 4.0) * EPS * theil_abs) + SLACK;
    let var_lo = (var - var_err).max(0.0);
    let var_hi = var + var_err;
    let cv_lo = var_lo.sqrt() / mu * (1.0 - 8.0 * EPS);
    let cv_hi = var_hi.sqrt() / mu * (1.0 + 8.0 * EPS);
    let cv_mid = (cv_lo + cv_hi) / 2.0;
    let cv = micro(cv_mid, (cv_hi - cv_lo) / 2.0 + SLACK)?;
    let th = micro(theil, theil_err)?;
    Some((cv, th))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(amounts: &[i64], pops: &[i64]) -> (i64, i64) {
        super::super::exact_indices(amounts, pops).unwrap()
    }

    /// Wherever the fast computation decides, it gives the exact decimal figure.
    #[test]
    fn the_fast_indices_equal_the_exact_ones() {
        let mut rng = crate::test_rng::XorShift::new(0x2545_F491_4F6C_DD1D);
        let mut next = |m: u64| 1 + rng.below(m);
        let mut decided = 0;
        for i in 0..3000 {
            let n = 1 + (i % 20);
            // Weights are residents, or (capacity.csv) own revenue in fen: up to 10^13,
            // with amounts of fen in the billions. (Amounts of a few fen over such
            // weights, 10^-12 yuan a head, are beyond the decimals: they keep 28 places,
            // so the squares of the deviations keep only a few digits.)
            let most = if i % 5 == 0 && i % 7 != 0 {
                10_000_000_000_000
            } else {
                3_000_000
            };
            let pops: Vec<i64> = (0..n).map(|_| next(most) as i64).collect();
            let amounts: Vec<i64> = (0..n)
                .map(|_| next(if i % 7 == 0 { 1_000 } else { 900_000_000_000 }) as i64)
                .collect();
            if let Some(fast) = cv_theil(&amounts, &pops) {
                decided += 1;
                assert_eq!(fast, exact(&amounts, &pops), "{amounts:?} {pops:?}");
            }
        }
        assert!(decided > 2900, "decided {decided} of 3000");
        // Equal outlay per head: both indices are 0.
        assert_eq!(cv_theil(&[200, 400], &[1, 2]), Some((0, 0)));
    }
}
