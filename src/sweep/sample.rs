//! Seeded, platform-independent sampling.
//!
//! Each point's draws depend only on the seed and the point's index (ChaCha8, one
//! stream per point), so any shard can compute any point without the others. A Latin
//! hypercube gives each axis a pseudo-random permutation of the `n` strata (a keyed
//! Feistel network, cycle-walked to `[0, n)`), so it needs no memory per point either.
//! Quantile functions use only IEEE basic operations and the pure-Rust `libm`, so the
//! same seed gives the same values on every machine; the draws are then rounded to the
//! axis's decimals, so every sampled value is an exact decimal.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

use super::spec::{Dist, Sampling};

/// The uniform draws in `[0, 1)` of point `i`, one per axis.
pub fn uniforms(sampling: Sampling, i: u64, out: &mut [f64]) {
    let (n, seed, lhs) = match sampling {
        Sampling::Grid => unreachable!("a grid draws nothing"),
        Sampling::Lhs { n, seed } => (n, seed, true),
        Sampling::MonteCarlo { n, seed } => (n, seed, false),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i);
    for (a, u) in out.iter_mut().enumerate() {
        let jitter = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        *u = if lhs {
            let stratum = permute(i, n, axis_key(seed, a));
            ((stratum as f64 + jitter) / n as f64).min(1.0 - f64::EPSILON / 2.0)
        } else {
            jitter
        };
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn axis_key(seed: u64, axis: usize) -> u64 {
    splitmix(seed ^ splitmix(axis as u64 + 1))
}

/// A pseudo-random permutation of `[0, n)` keyed by `key`: a four-round Feistel network
/// on the smallest even number of bits that holds `n`, cycle-walked back into range.
pub fn permute(x: u64, n: u64, key: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let bits = 64 - (n - 1).leading_zeros();
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut v = x;
    loop {
        let mut l = v >> half;
        let mut r = v & mask;
        for round in 0..4u64 {
            let f =
                splitmix(r ^ key.wrapping_add(round.wrapping_mul(0xA076_1D64_78BD_642F))) & mask;
            (l, r) = (r, l ^ f);
        }
        v = (l << half) | r;
        if v < n {
            return v;
        }
    }
}

/// The index of a discrete axis value for the draw `u`.
pub fn pick(u: f64, len: u64) -> u64 {
    ((u * len as f64) as u64).min(len - 1)
}

fn f(x: Decimal) -> f64 {
    x.to_f64().unwrap_or(0.0)
}

/// Standard normal CDF.
fn phi(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal quantile: Acklam's rational approximation, refined by one Halley step.
fn phi_inv(p: f64) -> f64 {
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383_577_518_672_69e2,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    let lo = 0.02425;
    let x = if p < lo {
        let q = libm::sqrt(-2.0 * libm::log(p));
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - lo {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = libm::sqrt(-2.0 * libm::log(1.0 - p));
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let e = phi(x) - p;
    let u = e * libm::sqrt(2.0 * std::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// The value of `dist` at probability `u`, rounded to `decimals` (half away from zero)
/// and kept within the bounds.
pub fn quantile(dist: &Dist, u: f64, decimals: u32) -> Decimal {
    let x = match *dist {
        Dist::Uniform { min, max } => f(min) + u * (f(max) - f(min)),
        Dist::Triangular { min, mode, max } => {
            let (a, c, b) = (f(min), f(mode), f(max));
            if b <= a {
                a
            } else if u < (c - a) / (b - a) {
                a + libm::sqrt(u * (b - a) * (c - a))
            } else {
                b - libm::sqrt((1.0 - u) * (b - a) * (b - c))
            }
        }
        Dist::Normal { mean, sd, min, max } => {
            let (m, s) = (f(mean), f(sd));
            let pa = phi((f(min) - m) / s);
            let pb = phi((f(max) - m) / s);
            m + s * phi_inv(pa + u * (pb - pa))
        }
    };
    let (lo, hi) = dist.bounds();
    if let Some(k) = rounded(x, decimals) {
        return Decimal::new(k, decimals).clamp(lo, hi).normalize();
    }
    let v = Decimal::from_f64(x)
        .unwrap_or(lo)
        .round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    v.clamp(lo, hi).normalize()
}

/// `x` rounded half away from zero to `decimals`, as an integer number of 10^-decimals,
/// when that is certain in `f64` (the common case): `x × 10^decimals` is far from both an
/// integer boundary's midpoint and 2^50, so the decimal conversion below (which keeps
/// about 16 significant digits of `x`) rounds the same way. `None` otherwise.
fn rounded(x: f64, decimals: u32) -> Option<i64> {
    let y = x * 10f64.powi(decimals as i32);
    if !y.is_finite() || y.abs() >= (1u64 << 50) as f64 {
        return None;
    }
    let margin = 1e-12 * y.abs() + 1e-9;
    let frac = y - y.floor();
    ((frac - 0.5).abs() > margin).then(|| y.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast rounding gives what the decimal conversion gives, wherever it decides.
    #[test]
    fn fast_rounding_equals_the_decimal_rounding() {
        let mut state: u64 = 0x1234_5678_9ABC_DEF1;
        let mut decided = 0;
        for i in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let scale = [1e-3, 1.0, 700.0, 1e6, 1e9][i % 5];
            let x = (u - 0.3) * scale;
            let d = (i % 7) as u32;
            let slow = Decimal::from_f64(x)
                .unwrap()
                .round_dp_with_strategy(d, RoundingStrategy::MidpointAwayFromZero);
            if let Some(k) = rounded(x, d) {
                decided += 1;
                assert_eq!(Decimal::new(k, d), slow, "{x} to {d} decimals");
            }
        }
        assert!(decided > 150_000, "{decided}");
        // Midpoints are left to the decimal conversion.
        assert_eq!(rounded(0.125, 2), None);
        assert_eq!(rounded(2.5, 0), None);
    }

    #[test]
    fn permutations_are_bijections() {
        for n in [1u64, 2, 3, 7, 16, 17, 1000] {
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = permute(x, n, 42) as usize;
                assert!(!seen[y], "n={n}");
                seen[y] = true;
            }
        }
    }

    #[test]
    fn normal_quantile_is_accurate() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959963984540054),
            (0.001, -3.090232306167813),
        ] {
            assert!((phi_inv(p) - z).abs() < 1e-12, "{p}");
        }
    }

    #[test]
    fn lhs_puts_one_point_in_each_stratum() {
        let n = 100;
        let mut hit = vec![0; n as usize];
        let mut u = [0.0; 2];
        for i in 0..n {
            uniforms(Sampling::Lhs { n, seed: 7 }, i, &mut u);
            hit[(u[1] * n as f64) as usize] += 1;
        }
        assert!(hit.iter().all(|h| *h == 1));
    }
}
