//! Decimals read from the text of an input, never through a float: a literal with more
//! significant digits than a decimal holds, or beyond the largest number fendan
//! accepts, is refused rather than rounded, so every value in the tree is the one
//! written.

use std::fmt;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A decimal read from the text of a YAML scalar, never through a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub Decimal);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Dec, D::Error> {
        struct DecVisitor;
        impl Visitor<'_> for DecVisitor {
            type Value = Dec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number such as 685 or 0.375")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> std::result::Result<Dec, E> {
                parse_decimal(text).map(Dec).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Dec, E> {
                parse_decimal(&v.to_string()).map(Dec).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Dec, E> {
                parse_decimal(&v.to_string()).map(Dec).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DecVisitor)
    }
}

/// Written back as the text it was read from (the compiled plan stores it so).
impl serde::Serialize for Dec {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// The largest number, in magnitude, that fendan reads from a YAML input: 10¹⁸. Each
/// parameter unit has a smaller bound ([`crate::params::Unit::max`]); this one keeps sums of a few raw
/// values (shares checked to add up to one, say) far from what a decimal holds.
pub const MAX_NUMBER: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// Parse a plain decimal (`685`, `-0.5`, `0.375`) exactly; exponents and words are
/// refused, and so is a literal with more significant digits than a decimal holds
/// (28 or 29), which would otherwise be rounded without a word.
pub fn parse_decimal(text: &str) -> std::result::Result<Decimal, String> {
    let t = text.trim();
    let plain = !t.is_empty()
        && t.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')))
        && t.chars().filter(|c| *c == '.').count() <= 1
        && t.chars().any(|c| c.is_ascii_digit());
    if !plain {
        return Err(format!(
            "`{text}` is not a plain decimal number (write e.g. 685 or 0.375)"
        ));
    }
    let negative = t.starts_with('-');
    let body = t.trim_start_matches(['+', '-']);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let (int, frac) = (int.trim_start_matches('0'), frac.trim_end_matches('0'));
    let significant = if int.is_empty() {
        frac.trim_start_matches('0').len()
    } else {
        int.len() + frac.len()
    };
    let too_many = || {
        if frac.len() > 28 {
            format!(
                "`{text}` has {} digits after the point; a number fendan holds exactly has at most 28, so round it",
                frac.len()
            )
        } else {
            format!(
                "`{text}` has {significant} significant digits; a number fendan holds exactly has at most 28 (29 below 7.9×10²⁸), so round it"
            )
        }
    };
    if frac.len() > 28 || significant > 29 {
        return Err(too_many());
    }
    // The literal as written, or (when the decimal parser does not take that form, e.g.
    // many leading zeros) without its redundant zeros.
    let value: Decimal = body
        .parse()
        .or_else(|_| {
            let canonical = match (int.is_empty(), frac.is_empty()) {
                (true, true) => "0".to_owned(),
                (false, true) => int.to_owned(),
                (true, false) => format!("0.{frac}"),
                (false, false) => format!("{int}.{frac}"),
            };
            canonical.parse()
        })
        .map_err(|_| too_many())?;
    // `parse` rounds what it cannot hold (a 29-digit literal past about 7.9×10²⁸)
    // instead of refusing it, dropping digits after the point: check that the value
    // kept every decimal written.
    if value.normalize().scale() as usize != frac.len() {
        return Err(too_many());
    }
    if value > MAX_NUMBER {
        return Err(format!(
            "`{text}` is larger than any number fendan reads ({MAX_NUMBER} at most; each kind of parameter has a smaller bound)"
        ));
    }
    Ok(if negative && !value.is_zero() {
        -value
    } else {
        value
    })
}
