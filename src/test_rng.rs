//! A seeded xorshift generator for the unit tests that draw many random cases: the
//! same numbers on every platform and run, without a dependency.

/// Marsaglia's xorshift64 (13, 7, 17) from a fixed seed.
pub struct XorShift(u64);

impl XorShift {
    /// A generator started at `seed` (not 0).
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed)
    }

    /// The next number, reduced below `m`.
    pub fn below(&mut self, m: u64) -> u64 {
        let x = &mut self.0;
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x % m
    }
}
