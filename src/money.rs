//! Money to the fen.
//!
//! Published amounts are whole fen (分) in `i64`, so every total is an exact integer
//! sum of the cells below it. Each cell is rounded once, half away from zero, and its
//! level shares are allocated by the largest-remainder method so that they add up to
//! the rounded cell exactly — a budget officer who sums the four level columns in
//! Excel gets the total column, to the fen.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// Round a yuan amount to whole fen, half away from zero.
pub fn to_fen(yuan: Decimal) -> i64 {
    (yuan * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .expect("amount within i64 fen")
}

/// Split a total (the rounded sum of `parts`) into whole-fen parts that add up to it.
///
/// Each part gets the fen below its exact value; the fen still missing go one each to
/// the parts with the largest remainders, ties to the earlier part (central before
/// province before city before county). `parts` must be non-negative.
pub fn allocate<const N: usize>(parts: [Decimal; N]) -> (i64, [i64; N]) {
    let total: Decimal = parts.iter().sum();
    let total_fen = to_fen(total);
    let mut out = [0i64; N];
    let mut rem = [Decimal::ZERO; N];
    for i in 0..N {
        let scaled = parts[i] * Decimal::ONE_HUNDRED;
        let floor = scaled.floor();
        out[i] = floor.to_i64().expect("amount within i64 fen");
        rem[i] = scaled - floor;
    }
    let mut missing = total_fen - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..N).collect();
    order.sort_by(|&a, &b| rem[b].cmp(&rem[a]).then(a.cmp(&b)));
    for &i in order.iter().cycle() {
        if missing <= 0 {
            break;
        }
        out[i] += 1;
        missing -= 1;
    }
    (total_fen, out)
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
        assert_eq!(to_fen(d("2.345")), 235);
        assert_eq!(to_fen(d("0.125")), 13);
        assert_eq!(to_fen(d("0.124999")), 12);
    }

    #[test]
    fn largest_remainder_adds_up_and_breaks_ties_by_level_order() {
        // 1/3 each of 1.00: exact 0.3333…; total rounds to 1.00; one fen goes to the first.
        let third = Decimal::ONE / Decimal::from(3);
        let (t, parts) = allocate([third, third, third, Decimal::ZERO]);
        assert_eq!(t, 100);
        assert_eq!(parts, [34, 33, 33, 0]);
        // 0.005 + 0.005 = 0.01: the total rounds to 1 fen, which goes to the first.
        let (t, parts) = allocate([d("0.005"), d("0.005")]);
        assert_eq!((t, parts), (1, [1, 0]));
        // A larger remainder wins over the order.
        let (t, parts) = allocate([d("0.301"), d("0.309"), d("0.39")]);
        assert_eq!((t, parts), (100, [30, 31, 39]));
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
