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
}
