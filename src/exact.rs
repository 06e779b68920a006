//! Exact rationals for the engine.
//!
//! A cell's amount is headcount × Σ months (coverage × standard × k × share) / 12, and
//! every factor is a rational number: a decimal read from the inputs, a point on a
//! straight line between two of them (a third of the way from 2017 to 2020), a month
//! of twelve. Rounding any intermediate result (as a 28-digit decimal division does)
//! can turn a true tie between two level remainders into an apparent winner, so the
//! engine keeps every amount as an integer numerator over one common denominator and
//! rounds only once, at the end ([`crate::money::allocate`]).
//!
//! The arithmetic is written once, generic over [`Int`]: it runs on `i128` with
//! checked operations (fast, enough for any realistic input), and when a number does
//! not fit, again on [`BigInt`] (any size). So the result is always exact; only an
//! amount that does not fit the published `i64` fen is refused, as an overflow.

use std::fmt;

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{CheckedAdd, CheckedMul, CheckedSub, One, ToPrimitive, Zero};
use rust_decimal::Decimal;

/// An integer the exact arithmetic runs on: `i128` (checked) or [`BigInt`].
pub trait Int:
    Clone
    + Ord
    + Zero
    + One
    + From<i64>
    + From<i128>
    + ToPrimitive
    + CheckedAdd
    + CheckedSub
    + CheckedMul
{
    /// Floor division: `(q, r)` with `self = q·d + r` and `0 ≤ r < d`, for `d > 0`.
    fn div_rem_floor(&self, d: &Self) -> (Self, Self);
    /// The greatest common divisor (non-negative).
    fn gcd_with(&self, other: &Self) -> Self;
    /// `self × other`, `None` on overflow (what `checked_mul` does, faster for `i128`).
    fn times(&self, other: &Self) -> Option<Self> {
        self.checked_mul(other)
    }
}

impl Int for i128 {
    #[inline]
    fn div_rem_floor(&self, d: &i128) -> (i128, i128) {
        let (a, d) = (*self, *d);
        if a >= 0 {
            // Most amounts and denominators fit in 64 bits, where division is native.
            if (a as u128 | d as u128) >> 64 == 0 {
                let (a, d) = (a as u64, d as u64);
                return ((a / d) as i128, (a % d) as i128);
            }
            let (a, d) = (a as u128, d as u128);
            ((a / d) as i128, (a % d) as i128)
        } else {
            (a.div_euclid(d), a.rem_euclid(d))
        }
    }

    fn gcd_with(&self, other: &i128) -> i128 {
        Integer::gcd(self, other)
    }

    #[inline]
    fn times(&self, other: &i128) -> Option<i128> {
        // Two numbers that fit in 64 bits multiply without overflow in 128, with one
        // machine multiplication; only larger ones need the checked 128-bit product.
        let (a, b) = (*self, *other);
        if a == i128::from(a as i64) && b == i128::from(b as i64) {
            Some(a * b)
        } else {
            a.checked_mul(b)
        }
    }
}

impl Int for BigInt {
    fn div_rem_floor(&self, d: &BigInt) -> (BigInt, BigInt) {
        self.div_mod_floor(d)
    }

    fn gcd_with(&self, other: &BigInt) -> BigInt {
        Integer::gcd(self, other)
    }
}

/// `num / den`, with `den > 0`; not necessarily in lowest terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ratio<I> {
    pub num: I,
    pub den: I,
}

impl<I: Int> Ratio<I> {
    pub fn integer(n: i64) -> Ratio<I> {
        Ratio {
            num: I::from(n),
            den: I::one(),
        }
    }
}

/// `10^n` for `n ≤ 38`.
fn pow10(n: u32) -> i128 {
    const POW10: [i128; 39] = {
        let mut t = [1i128; 39];
        let mut i = 1;
        while i < 39 {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    POW10[n as usize]
}

/// The exact value of a decimal: mantissa / 10^scale.
fn decimal_ratio<I: Int>(d: Decimal) -> Ratio<I> {
    Ratio {
        num: I::from(d.mantissa()),
        den: I::from(pow10(d.scale())),
    }
}

/// A value exactly as a parameter gives it for a month or a year: one of its dated
/// decimals, or a point on the straight line between two of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exact {
    Decimal(Decimal),
    /// `from + (to − from) × step / steps` (a straight line between dated values,
    /// `step` years of `steps` along; `0 < step < steps`).
    Line {
        from: Decimal,
        to: Decimal,
        step: i64,
        steps: i64,
    },
}

impl Exact {
    pub const ONE: Exact = Exact::Decimal(Decimal::ONE);

    pub fn integer(n: i64) -> Exact {
        Exact::Decimal(Decimal::from(n))
    }

    /// The value as `num / den` in `I`; `None` if it does not fit.
    pub fn ratio<I: Int>(&self) -> Option<Ratio<I>> {
        match *self {
            Exact::Decimal(d) => Some(decimal_ratio(d)),
            Exact::Line {
                from,
                to,
                step,
                steps,
            } => {
                // Both ends over 10^s, s the larger scale.
                let s = from.scale().max(to.scale());
                let a = I::from(from.mantissa()).checked_mul(&I::from(pow10(s - from.scale())))?;
                let b = I::from(to.mantissa()).checked_mul(&I::from(pow10(s - to.scale())))?;
                let num = a
                    .checked_mul(&I::from(steps))?
                    .checked_add(&b.checked_sub(&a)?.checked_mul(&I::from(step))?)?;
                let den = I::from(pow10(s)).checked_mul(&I::from(steps))?;
                Some(Ratio { num, den })
            }
        }
    }

    /// The value as a decimal: exact for a dated value, the nearest 28-digit decimal
    /// for a point on a line (for display and the headcount years; never summed).
    pub fn to_decimal(&self) -> Decimal {
        match *self {
            Exact::Decimal(d) => d,
            Exact::Line {
                from,
                to,
                step,
                steps,
            } => to
                .checked_sub(from)
                .and_then(|x| x.checked_mul(Decimal::from(step)))
                .and_then(|x| x.checked_div(Decimal::from(steps)))
                .and_then(|x| x.checked_add(from))
                // Unreachable: every value is at most 10^18 (`params::MAX_NUMBER`) and
                // a line spans at most 10^4 years, far inside a decimal.
                .unwrap_or(from),
        }
    }

    /// The value as a big rational (always exact), in lowest terms.
    pub fn big(&self) -> BigRational {
        let r = self
            .ratio::<BigInt>()
            .expect("big integers do not overflow");
        BigRational::new(r.num, r.den)
    }

    /// The value as a decimal when it is one (every dated value; a point on a line when
    /// its expansion ends), else `None`.
    pub fn as_decimal(&self) -> Option<Decimal> {
        match *self {
            Exact::Decimal(d) => Some(d),
            Exact::Line { .. } => terminating(&self.big()),
        }
    }
}

/// `r` as a decimal if its expansion ends within what a decimal holds.
pub fn terminating(r: &BigRational) -> Option<Decimal> {
    // A fraction in lowest terms ends iff its denominator is 2^a·5^b; then it has
    // max(a, b) decimals.
    let mut den = r.denom().clone();
    let (mut twos, mut fives) = (0u32, 0u32);
    while den.is_even() {
        den /= 2u32;
        twos += 1;
    }
    while (&den % 5u32).is_zero() {
        den /= 5u32;
        fives += 1;
    }
    let scale = twos.max(fives);
    if !den.is_one() || scale > 28 {
        return None;
    }
    let m = r.numer() * num_traits::pow(BigInt::from(10), scale as usize) / r.denom();
    Decimal::try_from_i128_with_scale(m.to_i128()?, scale).ok()
}

impl fmt::Display for Exact {
    /// A decimal as written (`0.375`), a point on a line as a fraction in lowest terms
    /// when it is not a decimal (`2803/3`): always the exact value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_decimal() {
            Some(d) => write!(f, "{}", d.normalize()),
            None => write!(f, "{}", self.big()),
        }
    }
}

/// Why a product of decimals is not a decimal: too large, or more digits than one holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotDecimal {
    /// Larger in magnitude than any decimal (about 7.9×10²⁸).
    TooLarge,
    /// More significant digits than a decimal holds; the exact value, written out.
    TooManyDigits(String),
}

/// `m / 10^scale` as a decimal, if one holds it exactly.
fn scaled_decimal(mut m: BigInt, mut scale: u32) -> Result<Decimal, NotDecimal> {
    let ten = BigInt::from(10);
    while scale > 0 && (&m % &ten).is_zero() {
        m /= &ten;
        scale -= 1;
    }
    let whole = &m / num_traits::pow(ten.clone(), scale as usize);
    if whole.magnitude().bits() > 96 {
        return Err(NotDecimal::TooLarge);
    }
    let fits = scale <= 28 && m.magnitude().bits() <= 96;
    match m.to_i128().filter(|_| fits) {
        Some(x) => Decimal::try_from_i128_with_scale(x, scale).map_err(|_| NotDecimal::TooLarge),
        None => {
            let digits = m.magnitude().to_string();
            let cut = digits.len().saturating_sub(scale as usize);
            let pad = "0".repeat((scale as usize).saturating_sub(digits.len()));
            let sign = if m < BigInt::zero() { "-" } else { "" };
            let int = if cut == 0 { "0" } else { &digits[..cut] };
            Err(NotDecimal::TooManyDigits(format!(
                "{sign}{int}.{pad}{}",
                &digits[cut..]
            )))
        }
    }
}

/// `a × b` exactly, as a decimal, or why it is not one.
pub fn mul_decimal(a: Decimal, b: Decimal) -> Result<Decimal, NotDecimal> {
    let scale = a.scale() + b.scale();
    if let Some(m) = a.mantissa().checked_mul(b.mantissa())
        && scale <= 28
        && let Ok(d) = Decimal::try_from_i128_with_scale(m, scale)
    {
        return Ok(d);
    }
    scaled_decimal(BigInt::from(a.mantissa()) * b.mantissa(), scale)
}

/// The decimals `xs` as integers over one power of ten (the largest scale).
fn common_scale<const N: usize>(xs: [Decimal; N]) -> ([BigInt; N], u32) {
    let s = xs.iter().map(|d| d.scale()).max().unwrap_or(0);
    let ten = BigInt::from(10);
    (
        xs.map(|d| {
            BigInt::from(d.mantissa()) * num_traits::pow(ten.clone(), (s - d.scale()) as usize)
        }),
        s,
    )
}

/// How many values `start + i × step` (`step > 0`) lie in `[start, stop]`, exactly;
/// `None` when there are more than `max`.
pub fn range_count(start: Decimal, step: Decimal, stop: Decimal, max: u64) -> Option<u64> {
    let ([a, b, c], _) = common_scale([start, step, stop]);
    if c < a {
        return Some(0);
    }
    let n = (c - a) / b + 1u32;
    n.to_u64().filter(|n| *n <= max)
}

/// `start + step × i` exactly, as a decimal, or why it is not one.
pub fn range_value(start: Decimal, step: Decimal, i: u64) -> Result<Decimal, NotDecimal> {
    let ([a, b], s) = common_scale([start, step]);
    scaled_decimal(a + b * i, s)
}

/// `a × b` rounded half away from zero to `dp ≤ 28` decimals; `TooLarge` past a decimal.
pub fn mul_round_decimal(a: Decimal, b: Decimal, dp: u32) -> Result<Decimal, NotDecimal> {
    let scale = a.scale() + b.scale();
    let m = BigInt::from(a.mantissa()) * b.mantissa();
    if scale <= dp {
        return scaled_decimal(m, scale);
    }
    let div = num_traits::pow(BigInt::from(10), (scale - dp) as usize);
    let q = round_div(&m, &div).map(BigInt::from);
    // `round_div` stops at i64; past it, round in big integers.
    let q = q.unwrap_or_else(|| {
        let (q, r) = m.div_rem_floor(&div);
        let rest = &div - &r;
        let up = if q >= BigInt::zero() {
            r >= rest
        } else {
            r > rest
        };
        if up { q + 1 } else { q }
    });
    scaled_decimal(q, dp).map_err(|e| match e {
        NotDecimal::TooManyDigits(_) => NotDecimal::TooLarge,
        e => e,
    })
}

/// `n × Π factors`, rounded half away from zero; `None` if it does not fit `i64`.
pub fn mul_round(n: i64, factors: &[Exact]) -> Option<i64> {
    fn go<I: Int>(n: i64, factors: &[Exact]) -> Option<Option<i64>> {
        let (mut num, mut den) = (I::from(n), I::one());
        for f in factors {
            let r = f.ratio::<I>()?;
            num = num.checked_mul(&r.num)?;
            den = den.checked_mul(&r.den)?;
        }
        Some(round_div(&num, &den))
    }
    go::<i128>(n, factors).unwrap_or_else(|| go::<BigInt>(n, factors).flatten())
}

/// A product of factors worked out once, to multiply many headcounts by: what
/// [`mul_round`] gives for `n × Π factors`, without converting each factor again for
/// each `n` (a run multiplies millions of headcounts by a few cohort ratios).
#[derive(Debug, Clone)]
pub struct Product {
    factors: Vec<Exact>,
    /// `Π num / Π den` of the factors in `i128`, when both fit.
    fast: Option<(i128, i128)>,
}

impl Product {
    pub fn new(factors: &[Exact]) -> Product {
        let fast = factors.iter().try_fold((1i128, 1i128), |(num, den), f| {
            let r = f.ratio::<i128>()?;
            Some((num.checked_mul(r.num)?, den.checked_mul(r.den)?))
        });
        Product {
            factors: factors.to_vec(),
            fast,
        }
    }

    /// `n × Π factors` rounded half away from zero, exactly as [`mul_round`]: the
    /// numerator and denominator are the same integers, so the rounding is the same.
    pub fn mul_round(&self, n: i64) -> Option<i64> {
        if let Some((num, den)) = self.fast
            && let Some(x) = i128::from(n).checked_mul(num)
        {
            return round_div(&x, &den);
        }
        mul_round(n, &self.factors)
    }
}

/// The values `xs` as numerators over their least common denominator (and that
/// denominator), in `I`; `None` if a number does not fit.
pub fn align<I: Int, const N: usize>(xs: &[Exact; N]) -> Option<([I; N], I)> {
    align_with(|i| &xs[i])
}

/// [`align`] for the `N` values `x(0) … x(N − 1)`, wherever they are.
pub fn align_with<'a, I: Int, const N: usize>(
    x: impl Fn(usize) -> &'a Exact,
) -> Option<([I; N], I)> {
    // Decimals (nearly every value) share the denominator 10^(largest scale): each
    // numerator is its mantissa times a power of ten, with no division.
    let mut scale = 0;
    for i in 0..N {
        match x(i) {
            Exact::Decimal(d) => scale = scale.max(d.scale()),
            Exact::Line { .. } => return align_ratios(x),
        }
    }
    let mut out: [I; N] = std::array::from_fn(|_| I::zero());
    for (i, o) in out.iter_mut().enumerate() {
        let Exact::Decimal(d) = x(i) else {
            unreachable!("checked above")
        };
        let m = I::from(d.mantissa());
        *o = if d.scale() == scale {
            m
        } else {
            m.times(&I::from(pow10(scale - d.scale())))?
        };
    }
    Some((out, I::from(pow10(scale))))
}

/// [`align`] for any exact values: the least common multiple of their denominators.
fn align_ratios<'a, I: Int, const N: usize>(x: impl Fn(usize) -> &'a Exact) -> Option<([I; N], I)> {
    let mut ratios: [Ratio<I>; N] = std::array::from_fn(|_| Ratio::integer(0));
    let mut den = I::one();
    for (i, r) in ratios.iter_mut().enumerate() {
        *r = x(i).ratio()?;
        if r.den != den && !den.div_rem_floor(&r.den).1.is_zero() {
            let g = den.gcd_with(&r.den);
            den = den.checked_mul(&r.den.div_rem_floor(&g).0)?;
        }
    }
    let mut out: [I; N] = std::array::from_fn(|_| I::zero());
    for (o, r) in out.iter_mut().zip(ratios) {
        *o = if r.den == den {
            r.num
        } else {
            r.num.checked_mul(&den.div_rem_floor(&r.den).0)?
        };
    }
    Some((out, den))
}

/// `num / den` rounded to an integer, half away from zero (`den > 0`); `None` past `i64`.
pub fn round_div<I: Int>(num: &I, den: &I) -> Option<i64> {
    let (q, r) = num.div_rem_floor(den);
    let rest = den.checked_sub(&r)?;
    let up = if q >= I::zero() { r >= rest } else { r > rest };
    let q = q.to_i64()?;
    if up { q.checked_add(1) } else { Some(q) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_point_on_a_line_is_exact() {
        // A third of the way from 0.9 to 1: 0.9333…, which no decimal holds.
        let x = Exact::Line {
            from: d("0.9"),
            to: d("1"),
            step: 1,
            steps: 3,
        };
        assert_eq!(x.big(), BigRational::new(14.into(), 15.into()));
        assert_eq!(x.to_string(), "14/15");
        assert_eq!(x.as_decimal(), None);
        // Half-way it is a decimal again.
        let h = Exact::Line {
            from: d("0.9"),
            to: d("1.00"),
            step: 1,
            steps: 2,
        };
        assert_eq!(h.as_decimal(), Some(d("0.95")));
        assert_eq!(h.to_string(), "0.95");
        let r = x.ratio::<i128>().unwrap();
        assert_eq!(BigRational::new(r.num.into(), r.den.into()), x.big());
    }

    #[test]
    fn alignment_uses_the_least_common_denominator() {
        let xs = [
            Exact::Decimal(d("0.25")),
            Exact::Line {
                from: Decimal::ZERO,
                to: Decimal::ONE,
                step: 1,
                steps: 6,
            },
            Exact::integer(3),
        ];
        // 1/4, 1/6 and 3 over 100 × 6 / gcd = 300: 75, 50, 900.
        assert_eq!(align::<i128, 3>(&xs), Some(([75, 50, 900], 300)));
        let (big, den) = align::<BigInt, 3>(&xs).unwrap();
        assert_eq!(den, BigInt::from(300));
        assert_eq!(big, [75, 50, 900].map(BigInt::from));
        let huge = [
            Exact::Decimal(Decimal::new(1, 28)),
            Exact::Line {
                from: Decimal::new(1, 28),
                to: Decimal::ONE,
                step: 1,
                steps: 7_000_000_000_000,
            },
        ];
        assert_eq!(align::<i128, 2>(&huge), None);
        assert!(align::<BigInt, 2>(&huge).is_some());
    }

    #[test]
    fn decimal_products_are_exact_or_refused() {
        assert_eq!(mul_decimal(d("1234.5678"), d("1.02")), Ok(d("1259.259156")));
        assert_eq!(mul_decimal(d("0.5"), d("0.2")), Ok(d("0.1")));
        assert_eq!(
            mul_decimal(d("1234.5678"), d("1.0000000000000000000000000001")),
            Err(NotDecimal::TooManyDigits(
                "1234.56780000000000000000000012345678".into()
            ))
        );
        assert_eq!(
            mul_decimal(d("1000000000000000"), d("100000000000000000000")),
            Err(NotDecimal::TooLarge)
        );
        // A long product whose trailing zeros go is still exact.
        assert_eq!(
            mul_decimal(
                d("0.0000000000000000000000000002"),
                d("0.5000000000000000000000000000")
            ),
            Ok(d("0.0000000000000000000000000001"))
        );
        assert_eq!(mul_round_decimal(d("685"), d("1.025"), 0), Ok(d("702")));
        assert_eq!(mul_round_decimal(d("2.5"), d("1"), 0), Ok(d("3")));
        assert_eq!(mul_round_decimal(d("-2.5"), d("1"), 0), Ok(d("-3")));
        assert_eq!(mul_round_decimal(d("1.05"), d("1.05"), 2), Ok(d("1.10")));
        assert_eq!(
            mul_round_decimal(Decimal::MAX, d("10"), 0),
            Err(NotDecimal::TooLarge)
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        for (n, dd, want) in [
            (5i128, 2i128, 3i64),
            (-5, 2, -3),
            (7, 3, 2),
            (-7, 3, -2),
            (8, 3, 3),
            (-8, 3, -3),
            (0, 7, 0),
        ] {
            assert_eq!(round_div(&n, &dd), Some(want), "{n}/{dd}");
            assert_eq!(
                round_div(&BigInt::from(n), &BigInt::from(dd)),
                Some(want),
                "{n}/{dd}"
            );
        }
        assert_eq!(round_div(&i128::MAX, &1), None);
    }

    #[test]
    fn floor_division_agrees_across_widths() {
        for a in [
            0i128,
            1,
            17,
            -17,
            1 << 70,
            -(1 << 70),
            i128::MAX,
            i128::MIN + 1,
        ] {
            for d in [1i128, 3, 12, 1 << 65, i128::MAX] {
                let (q, r) = a.div_rem_floor(&d);
                let (bq, br) = BigInt::from(a).div_rem_floor(&BigInt::from(d));
                assert_eq!((BigInt::from(q), BigInt::from(r)), (bq, br), "{a} / {d}");
                assert!(r >= 0 && r < d);
            }
        }
    }

    #[test]
    fn a_product_rounds_as_mul_round() {
        let line = Exact::Line {
            from: d("0.93"),
            to: d("1.07"),
            step: 1,
            steps: 3,
        };
        let huge = Exact::Decimal(Decimal::MAX);
        let factors: [&[Exact]; 6] = [
            &[],
            &[Exact::Decimal(d("0.5"))],
            &[Exact::Decimal(d("1.025")), Exact::Decimal(d("0.333"))],
            &[line, Exact::Decimal(d("0"))],
            &[line, Exact::Decimal(d("-1.5"))],
            // Past i128: the product falls back to `mul_round` (big integers).
            &[huge, huge],
        ];
        for f in factors {
            let p = Product::new(f);
            for n in [0, 1, 3, 5, -5, 12_345, 1 << 40, i64::MAX, i64::MIN + 1] {
                assert_eq!(p.mul_round(n), mul_round(n, f), "{n} × {f:?}");
            }
        }
    }
}
