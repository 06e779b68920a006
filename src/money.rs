//! Money to the fen, and the checked arithmetic every amount and headcount goes through.
//!
//! Published amounts are whole fen (分) in `i64`, so every total is an exact integer
//! sum of the cells below it. Each cell is computed exactly (see [`crate::exact`]),
//! rounded once, half away from zero, and its level shares are allocated by the
//! largest-remainder method so that they add up to the rounded cell exactly — a budget
//! officer who sums the four level columns in Excel gets the total column, to the fen.
//!
//! An `i64` holds 92,233,720,368,547,758.07 yuan. No realistic budget comes near it, but
//! a mistyped standard can, and plain `+` or `*` would then wrap around (or panic) and
//! publish a total smaller than its own parts. So every sum and product of amounts or
//! headcounts goes through the helpers here, which return [`Overflow`] instead; the
//! caller turns it into an exit-2 error that names the cell and the parameter. Most
//! such values are refused earlier, when they are read, by the bounds of each parameter
//! unit ([`crate::params::Unit::max`]) and [`MAX_HEADCOUNT`].

use rust_decimal::{Decimal, RoundingStrategy};

use crate::exact::Int;

/// An amount (whole fen) or a headcount that does not fit in an `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// The largest headcount (persons, places or households of one cohort in one unit and
/// year) fendan accepts: 2×10⁹, more than the population of China.
pub const MAX_HEADCOUNT: i64 = 2_000_000_000;

/// Check a headcount against [`MAX_HEADCOUNT`]; the message says what is allowed.
pub fn check_headcount(h: i64) -> Result<(), String> {
    if (0..=MAX_HEADCOUNT).contains(&h) {
        Ok(())
    } else if h < 0 {
        Err(format!("{h} is negative; a headcount must be 0 or more"))
    } else {
        Err(format!(
            "{h} is above the largest headcount fendan accepts ({MAX_HEADCOUNT}, more than the population of China)"
        ))
    }
}

/// `a + b`, or [`Overflow`].
#[inline]
pub fn checked_add(a: i64, b: i64) -> Result<i64, Overflow> {
    a.checked_add(b).ok_or(Overflow)
}

/// `a − b`, or [`Overflow`].
#[inline]
pub fn checked_sub(a: i64, b: i64) -> Result<i64, Overflow> {
    a.checked_sub(b).ok_or(Overflow)
}

/// `a × b`, or [`Overflow`].
#[inline]
pub fn checked_mul(a: i64, b: i64) -> Result<i64, Overflow> {
    a.checked_mul(b).ok_or(Overflow)
}

/// The sum of `xs`, or [`Overflow`].
pub fn checked_sum(xs: impl IntoIterator<Item = i64>) -> Result<i64, Overflow> {
    xs.into_iter().try_fold(0i64, checked_add)
}

/// Add `add` to `into` element by element (level by level), or [`Overflow`] (then
/// `into` may be partly updated; the caller stops).
#[inline]
pub fn add_levels<const N: usize>(into: &mut [i64; N], add: &[i64; N]) -> Result<(), Overflow> {
    for (a, b) in into.iter_mut().zip(add) {
        *a = checked_add(*a, *b)?;
    }
    Ok(())
}

/// Round a yuan amount to whole fen, half away from zero; `None` past `i64`.
pub fn to_fen(yuan: Decimal) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    yuan.checked_mul(Decimal::ONE_HUNDRED)?
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

/// Round `Σ parts / den` fen once, half away from zero, and split it into whole-fen
/// parts that add up to it.
///
/// `parts` are exact amounts in fen as numerators over one denominator `den > 0`. Each
/// part gets the fen below its exact value; the fen still missing (at most one a part)
/// go one each to the parts with the largest remainders — exact remainders, so a tie
/// is a tie — ties to the earlier part (central before province before city before
/// county). Returns (total, parts), or [`Overflow`] when a result does not fit `i64`.
pub fn allocate<I: Int, const N: usize>(
    parts: &[I; N],
    den: &I,
) -> Result<(i64, [i64; N]), Overflow> {
    let mut fen = [0i64; N];
    let mut rem: [I; N] = std::array::from_fn(|_| I::zero());
    let mut floor = 0i64;
    // Σ remainders = carry × den + acc, with 0 ≤ acc < den; kept so, it cannot overflow.
    let mut acc = I::zero();
    let mut carry = 0i64;
    for i in 0..N {
        let (q, r) = parts[i].div_rem_floor(den);
        fen[i] = num_traits::ToPrimitive::to_i64(&q).ok_or(Overflow)?;
        floor = checked_add(floor, fen[i])?;
        let room = den.checked_sub(&acc).ok_or(Overflow)?;
        if r >= room {
            acc = r.checked_sub(&room).ok_or(Overflow)?;
            carry += 1;
        } else {
            acc = acc.checked_add(&r).ok_or(Overflow)?;
        }
        rem[i] = r;
    }
    // The exact total is floor + carry + acc/den; round it half away from zero.
    let whole = checked_add(floor, carry)?;
    let rest = den.checked_sub(&acc).ok_or(Overflow)?;
    let up = if whole >= 0 { acc >= rest } else { acc > rest };
    let total = checked_add(whole, i64::from(up))?;
    let mut given = [false; N];
    for _ in 0..total - floor {
        let mut best: Option<usize> = None;
        for i in 0..N {
            if !given[i] && best.is_none_or(|b| rem[i] > rem[b]) {
                best = Some(i);
            }
        }
        let i = best.expect("at most one missing fen a part");
        given[i] = true;
        fen[i] = checked_add(fen[i], 1)?;
    }
    Ok((total, fen))
}

/// Format whole fen as yuan with two decimals (`1234567` → `12345.67`).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Whole fen as 万元 (10,000 yuan), rounded half away from zero to two decimals, for display.
pub fn wan(fen: i64) -> String {
    let w = (Decimal::from(fen) / Decimal::from(1_000_000))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    format!("{w:.2}")
}

/// Read yuan written with at most two decimals (`-1234.5`, `12.34`, `7`) as whole fen,
/// exactly; `None` for anything else (a third decimal, a thousands separator, text).
pub fn parse_yuan(text: &str) -> Option<i64> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = match body.split_once('.') {
        Some((int, frac)) if digits(frac) && frac.len() <= 2 => (int, frac),
        Some(_) => return None,
        None => (body, ""),
    };
    if !digits(int) {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let fen = whole.checked_mul(100)?.checked_add(cents)?;
    Some(if neg { -fen } else { fen })
}

/// The unit amounts are shown in on screen: 元, 万元 (10,000 yuan) or 亿元 (100 million
/// yuan). Files stay in yuan with two decimals; a scale only changes what is displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    Yuan,
    #[default]
    Wan,
    Yi,
}

impl Scale {
    /// Fen in one unit of this scale.
    pub fn fen(self) -> i64 {
        match self {
            Scale::Yuan => 100,
            Scale::Wan => 1_000_000,
            Scale::Yi => 10_000_000_000,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Scale::Yuan => "元",
            Scale::Wan => "万元",
            Scale::Yi => "亿元",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Scale::Yuan => "yuan",
            Scale::Wan => "10,000 yuan",
            Scale::Yi => "100 million yuan",
        }
    }

    /// Whole fen in this scale, rounded half away from zero to two decimals.
    pub fn format(self, fen: i64) -> String {
        if self == Scale::Yuan {
            return yuan(fen);
        }
        let x = (Decimal::from(fen) / Decimal::from(self.fen()))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        format!("{x:.2}")
    }
}

/// `text` (a number as [`Scale::format`] or [`yuan`] print it) with a comma between each
/// group of three digits of its whole part: `7447670.30` → `7,447,670.30`. For screens
/// and reports only; files keep plain numbers, which spreadsheets read in any locale.
pub fn grouped(text: &str) -> String {
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match body.find('.') {
        Some(i) => body.split_at(i),
        None => (body, ""),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(to_fen(d("2.345")), Some(235));
        assert_eq!(to_fen(d("0.125")), Some(13));
        assert_eq!(to_fen(d("0.124999")), Some(12));
        assert_eq!(to_fen(d("-0.125")), Some(-13));
        assert_eq!(to_fen(Decimal::MAX), None);
    }

    #[test]
    fn largest_remainder_adds_up_and_breaks_ties_by_level_order() {
        // 1/3 fen of 300 fen each: exact thirds; one fen goes to the first.
        let (t, parts) = allocate(&[100i128, 100, 100, 0], &3).unwrap();
        assert_eq!(t, 100);
        assert_eq!(parts, [34, 33, 33, 0]);
        // 0.5 + 0.5 fen = 1 fen, which goes to the first.
        assert_eq!(allocate(&[1i128, 1], &2), Ok((1, [1, 0])));
        // A larger remainder wins over the order: 30.1, 30.9, 39 fen.
        assert_eq!(allocate(&[301i128, 309, 390], &10), Ok((100, [30, 31, 39])));
        // Issue 9's cell: exact levels 1199333.33⅓, 479733.33⅓, 239866.66⅔ and
        // 479733.33⅓ yuan (thirds of a fen); the city's ⅔ rounds up, then central,
        // province and county tie at ⅓ and the one fen left goes to central.
        let thirds = [359_800_000i128, 143_920_000, 71_960_000, 143_920_000];
        assert_eq!(
            allocate(&thirds, &3),
            Ok((
                239_866_667,
                [119_933_334, 47_973_333, 23_986_667, 47_973_333]
            ))
        );
    }

    #[test]
    fn remainders_are_compared_exactly_however_large() {
        // Remainders that differ by 1 in 10^30 are not a tie.
        let den = 10i128.pow(30);
        let (t, p) = allocate(&[den / 2, den / 2 + 1], &den).unwrap();
        assert_eq!((t, p), (1, [0, 1]));
        // Negative amounts round half away from zero too.
        assert_eq!(allocate(&[-5i128, 0], &2), Ok((-3, [-3, 0])));
        assert_eq!(allocate(&[-3i128, 0], &2), Ok((-2, [-2, 0])));
    }

    #[test]
    fn amounts_past_i64_are_an_overflow_not_a_wrap() {
        let big = i128::from(i64::MAX);
        assert_eq!(allocate(&[big, 1], &1), Err(Overflow));
        assert_eq!(allocate(&[big + 1], &1), Err(Overflow));
        assert_eq!(allocate(&[big * 2, 0], &2), Ok((i64::MAX, [i64::MAX, 0])));
        assert_eq!(checked_sum([i64::MAX, 1]), Err(Overflow));
        assert_eq!(checked_sum([i64::MAX, 0]), Ok(i64::MAX));
        let mut l = [1i64, i64::MAX];
        assert_eq!(add_levels(&mut l, &[1, 1]), Err(Overflow));
        assert_eq!(checked_mul(i64::MAX, 2), Err(Overflow));
        assert_eq!(check_headcount(MAX_HEADCOUNT), Ok(()));
        assert!(check_headcount(MAX_HEADCOUNT + 1).is_err());
        assert!(check_headcount(-1).is_err());
    }

    #[test]
    fn formats_yuan_and_wan() {
        assert_eq!(yuan(123456789), "1234567.89");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(wan(123456789), "123.46");
    }

    #[test]
    fn scales_round_for_display_only() {
        for fen in [0, 1, -1, 49_999, 50_000, -50_000, 123_456_789_012] {
            assert_eq!(Scale::Wan.format(fen), wan(fen));
            assert_eq!(Scale::Yuan.format(fen), yuan(fen));
        }
        assert_eq!(Scale::Yi.format(123_456_789_012), "12.35");
        assert_eq!(Scale::Yi.format(-50_000_000), "-0.01");
    }

    #[test]
    fn groups_thousands_for_display() {
        for (plain, shown) in [
            ("7447670.30", "7,447,670.30"),
            ("-7447670.30", "-7,447,670.30"),
            ("100.00", "100.00"),
            ("1000", "1,000"),
            ("-0.01", "-0.01"),
            ("123456", "123,456"),
            ("1234567890123.45", "1,234,567,890,123.45"),
        ] {
            assert_eq!(grouped(plain), shown);
        }
    }

    #[test]
    fn parses_yuan_exactly() {
        for fen in [0, 5, -5, 100, -100, 123_456_789, i64::MAX / 1000] {
            assert_eq!(parse_yuan(&yuan(fen)), Some(fen));
        }
        assert_eq!(parse_yuan("12.5"), Some(1250));
        assert_eq!(parse_yuan("7"), Some(700));
        for bad in [
            "", "-", ".5", "1.234", "1,000.00", "1e3", "12.", "+1.00", " 1.00", "1.-1",
        ] {
            assert_eq!(parse_yuan(bad), None, "{bad:?}");
        }
    }
}
