//! Money per head as a polynomial of the axis values, exactly.
//!
//! A (component, year)'s money per head for one level is a sum over months of
//! standard × coverage × days × share, each factor as its parameter gives it that month.
//! An axis that sets or scales one parameter makes that parameter's monthly values
//! affine in the axis's value (the value itself, or the base value times it, inside the
//! axis's window; unchanged outside). When the axes of a component's factors change
//! different parameters and its split rule is a plain share rule (no base + top-up,
//! whose `min(standard, base)` is not affine), each month's product is affine in each
//! axis separately, so the money per head is *multilinear* in the axes:
//!
//! ```text
//! rate(x) = Σ over subsets S of the axes  g_S × Π_{a in S} X_a
//! ```
//!
//! with `X_a = (x_a − x0_a) × 10^s_a` an integer (`s_a` the axis's decimals) and every
//! `g_S` a rational. The `g_S` are found from the engine's own money per head at the
//! 2^k corners of the axes' ranges, in exact big rationals, then put over one
//! denominator, so that a point costs a few integer multiplications instead of
//! recomputing its factors; the result is the same rational number the engine would
//! compute, so the cell it gives is the same to the fen. The form is checked against
//! the engine at one more point before it is used.

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use rust_decimal::Decimal;

use super::eval::Evaluator;
use super::plan::{Entry, Plan, Point};
use super::read::Rate;
use super::spec::Domain;

/// Axes a multilinear form may have (2^k corners are computed).
pub(super) const MAX_AXES: usize = 3;

/// The money per head of one entry as a multilinear polynomial of its factor axes.
#[derive(Debug, Clone)]
pub(super) struct Linear {
    axes: Vec<usize>,
    /// Per axis: its lowest value times 10^s, and s.
    x0: Vec<i128>,
    scale: Vec<u32>,
    den: i128,
    inv: u64,
    /// `coef[(variant × 4 + level) × 2^k + S]`: the numerator of `g_S` over `den`.
    coef: Vec<i128>,
}

/// An axis's lowest and highest value and its decimals, if its values span a range.
fn span(ev: &Evaluator, a: usize) -> Option<(Decimal, Decimal, u32)> {
    let d = &ev.axes[a].domain;
    let (lo, hi, s) = match d {
        Domain::List(v) => {
            let lo = v.iter().map(|x| x.0).min()?;
            let hi = v.iter().map(|x| x.0).max()?;
            let s = v.iter().map(|x| x.0.normalize().scale()).max()?;
            (lo, hi, s)
        }
        Domain::Range {
            start, step, count, ..
        } => {
            let hi = d.value(count - 1).0;
            (
                *start,
                hi,
                start.normalize().scale().max(step.normalize().scale()),
            )
        }
        Domain::Dist { dist, decimals, .. } => {
            let (lo, hi) = dist.bounds();
            let s = (*decimals)
                .max(lo.normalize().scale())
                .max(hi.normalize().scale());
            (lo, hi, s)
        }
    };
    (lo < hi && s <= 18).then_some((lo, hi, s))
}

fn ratio(r: &Rate, l: usize) -> Option<BigRational> {
    let (parts, den) = r.raw();
    (den > 0).then(|| BigRational::new(BigInt::from(parts[l]), BigInt::from(den)))
}

impl Linear {
    /// The form of entry `e`, or `None` when the engine cannot give its corners in
    /// `i128` or the numbers do not fit.
    pub(super) fn build(plan: &Plan, ev: &Evaluator, e: &Entry) -> Option<Linear> {
        let k = e.f_axes.len();
        if k == 0 || k > MAX_AXES {
            return None;
        }
        let spans: Vec<(Decimal, Decimal, u32)> = e
            .f_axes
            .iter()
            .map(|a| span(ev, *a))
            .collect::<Option<_>>()?;
        let n_axes = ev.axes.len();
        let n_sub = 1usize << k;
        let rates_at = |pick: &dyn Fn(usize) -> Decimal| -> Option<Vec<Rate>> {
            let mut vals = vec![Decimal::ZERO; n_axes];
            let mut idx = vec![super::plan::OFF; n_axes];
            for (j, a) in e.f_axes.iter().enumerate() {
                vals[*a] = pick(j);
                idx[*a] = super::plan::LOOSE;
            }
            plan.entry_rates(
                ev,
                e,
                &Point {
                    vals: &vals,
                    idx: &idx,
                },
            )
        };
        // The rates at the corners: bit j of T set = axis j at its highest value.
        let corners: Vec<Vec<Rate>> = (0..n_sub)
            .map(|t| {
                rates_at(&|j| {
                    if t >> j & 1 == 1 {
                        spans[j].1
                    } else {
                        spans[j].0
                    }
                })
            })
            .collect::<Option<_>>()?;
        let n_v = e.variants.len();
        let big = |d: Decimal| -> BigRational {
            BigRational::new(
                BigInt::from(d.mantissa()),
                num_traits::pow(BigInt::from(10), d.scale() as usize),
            )
        };
        let widths: Vec<BigRational> = spans.iter().map(|(lo, hi, _)| big(*hi - *lo)).collect();
        let tens: Vec<BigRational> = spans
            .iter()
            .map(|(_, _, s)| {
                BigRational::from_integer(num_traits::pow(BigInt::from(10), *s as usize))
            })
            .collect();
        let mut g: Vec<BigRational> = Vec::with_capacity(n_v * 4 * n_sub);
        // Variant v of every corner: the corners are indexed by subset, not iterated.
        #[allow(clippy::needless_range_loop)]
        for v in 0..n_v {
            for l in 0..4 {
                for s in 0..n_sub {
                    // c_S = Σ_{T ⊆ S} (−1)^{|S|−|T|} R(T) / Π_{a ∈ S} width_a; g_S = c_S / 10^{s_S}.
                    let mut c = BigRational::zero();
                    let mut t = s;
                    loop {
                        let r = ratio(&corners[t][v], l)?;
                        if (s.count_ones() - t.count_ones()) % 2 == 0 {
                            c += r;
                        } else {
                            c -= r;
                        }
                        if t == 0 {
                            break;
                        }
                        t = (t - 1) & s;
                    }
                    for j in 0..k {
                        if s >> j & 1 == 1 {
                            c = c / &widths[j] / &tens[j];
                        }
                    }
                    g.push(c);
                }
            }
        }
        let den = g.iter().fold(BigInt::one(), |d, x| d.lcm(x.denom()));
        let coef: Vec<i128> = g
            .iter()
            .map(|x| (x.numer() * (&den / x.denom())).to_i128())
            .collect::<Option<_>>()?;
        let lin = Linear {
            axes: e.f_axes.clone(),
            x0: spans
                .iter()
                .map(|(lo, _, s)| lo.mantissa() * 10i128.pow(s - lo.scale()))
                .collect(),
            scale: spans.iter().map(|s| s.2).collect(),
            den: den.to_i128()?,
            inv: Rate::inverse(den.to_i128()?),
            coef,
        };
        // One more point, off the corners, computed both ways.
        let mid: Vec<Decimal> = spans
            .iter()
            .map(|(lo, hi, s)| {
                ((*lo * Decimal::from(2) + *hi) / Decimal::from(3))
                    .round_dp(*s)
                    .clamp(*lo, *hi)
            })
            .collect();
        let want = rates_at(&|j| mid[j])?;
        let mut vals = vec![Decimal::ZERO; n_axes];
        for (j, a) in e.f_axes.iter().enumerate() {
            vals[*a] = mid[j];
        }
        let mut got = vec![Rate::BAD; n_v];
        lin.rates(&vals, &mut got)?;
        let same = want
            .iter()
            .zip(&got)
            .all(|(w, g)| (0..4).all(|l| ratio(w, l).is_some() && ratio(w, l) == ratio(g, l)));
        same.then_some(lin)
    }

    /// The rates at the axis values `vals` (all axes; only this form's are read) into
    /// `out` (one per variant); `None` when a value is off the axis's decimals or a
    /// number does not fit.
    pub(super) fn rates(&self, vals: &[Decimal], out: &mut [Rate]) -> Option<()> {
        let k = self.axes.len();
        let n_sub = 1usize << k;
        let mut x = [0i128; MAX_AXES];
        for (j, a) in self.axes.iter().enumerate() {
            // X = v × 10^s − x0 × 10^s, in integers: v = mantissa / 10^scale.
            let (m, sc, s) = (vals[*a].mantissa(), vals[*a].scale(), self.scale[j]);
            let v = if sc <= s {
                m.checked_mul(10i128.pow(s - sc))?
            } else {
                let p = 10i128.pow(sc - s);
                if m % p != 0 {
                    return None;
                }
                m / p
            };
            x[j] = v.checked_sub(self.x0[j])?;
        }
        let mut prod = [1i128; 1 << MAX_AXES];
        for (s, p) in prod.iter_mut().enumerate().take(n_sub).skip(1) {
            let j = s.trailing_zeros() as usize;
            *p = prod_of(s & (s - 1), &x, j)?;
        }
        for (v, r) in out.iter_mut().enumerate() {
            let mut parts = [0i128; 4];
            for (l, part) in parts.iter_mut().enumerate() {
                let c = &self.coef[(v * 4 + l) * n_sub..(v * 4 + l + 1) * n_sub];
                let mut sum = 0i128;
                for s in 0..n_sub {
                    sum = sum.checked_add(c[s].checked_mul(prod[s])?)?;
                }
                *part = sum;
            }
            *r = Rate::with_inverse(parts, self.den, self.inv);
        }
        Some(())
    }
}

/// Π_{j in rest ∪ {j}} x_j, from the product over `rest` (computed again: k ≤ 3).
fn prod_of(rest: usize, x: &[i128; MAX_AXES], j: usize) -> Option<i128> {
    let mut p = x[j];
    for (i, xi) in x.iter().enumerate() {
        if rest >> i & 1 == 1 {
            p = p.checked_mul(*xi)?;
        }
    }
    Some(p)
}
