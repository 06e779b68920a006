//! Fixed-point numbers as text: metric values are integers carrying a known number of
//! decimals (fen, or millionths for equalization indices), written without a float and
//! read back exactly by `merge`.

use super::MISSING;

/// Append `v` (an integer carrying `scale` decimals) as a decimal number.
pub(super) fn push_fixed(buf: &mut Vec<u8>, v: i64, scale: u8) {
    if v == MISSING {
        return;
    }
    if v < 0 {
        buf.push(b'-');
    }
    let a = v.unsigned_abs();
    let p = 10u64.pow(u32::from(scale));
    let mut f = itoa::Buffer::new();
    buf.extend_from_slice(f.format(a / p).as_bytes());
    buf.push(b'.');
    let mut frac = a % p;
    let start = buf.len();
    for _ in 0..scale {
        buf.push(b'0' + (frac % 10) as u8);
        frac /= 10;
    }
    buf[start..].reverse();
}

pub(super) fn fixed(v: i64, scale: u8) -> String {
    let mut b = Vec::new();
    push_fixed(&mut b, v, scale);
    String::from_utf8(b).expect("ascii")
}

/// Parse a number written by [`push_fixed`]; `None` if it is not one.
pub(super) fn parse_fixed(s: &[u8], scale: u8) -> Option<i64> {
    if s.is_empty() {
        return Some(MISSING);
    }
    let (neg, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let dot = body.iter().position(|b| *b == b'.')?;
    if body.len() - dot - 1 != usize::from(scale) || dot == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in body.iter().filter(|b| **b != b'.') {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_numbers_round_trip_and_match_yuan() {
        for v in [0i64, 5, -5, 100, -100, 123_456_789, -123_456_789, i64::MAX] {
            assert_eq!(fixed(v, 2), crate::money::yuan(v));
            assert_eq!(parse_fixed(fixed(v, 2).as_bytes(), 2), Some(v));
            assert_eq!(parse_fixed(fixed(v, 6).as_bytes(), 6), Some(v));
        }
        assert_eq!(fixed(123, 6), "0.000123");
        assert_eq!(parse_fixed(b"1.2", 2), None);
    }
}
