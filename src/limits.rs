//! The limits fendan enforces at its boundaries, in one place, with the environment
//! variables that move them. The README's "Limits" section states the same figures.
//!
//! * Input size: no input file is read past [`DEFAULT_MAX_INPUT_BYTES`] (64 MiB) unless
//!   `FENDAN_MAX_INPUT_BYTES` raises it, so `extends: /dev/zero`-like mistakes (or a
//!   huge file named by accident) fail at once instead of filling memory.
//! * Threads: `--threads` and `SLURM_CPUS_PER_TASK` take 1 to [`MAX_THREADS`].
//! * Sizes in the environment (`FENDAN_MAX_INPUT_BYTES`, `FENDAN_SWEEP_DISK_LIMIT`,
//!   `FENDAN_SWEEP_MEMORY_LIMIT`) are bytes, or a number with kB, MB, GB, TB (powers of
//!   1000) or KiB, MiB, GiB, TiB (powers of 1024).

use crate::error::{Error, Result};

/// The most bytes read from one input file unless `FENDAN_MAX_INPUT_BYTES` says more.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// The environment variable that raises (or lowers) the input size cap.
pub const MAX_INPUT_BYTES_VAR: &str = "FENDAN_MAX_INPUT_BYTES";

/// The most worker threads `--threads` (or `SLURM_CPUS_PER_TASK`) may ask for. A
/// projection splits into a few thousand tasks at most; more threads than this only
/// cost memory (a stack each) and start-up time.
pub const MAX_THREADS: usize = 1024;

/// Parse a size: bytes, or a number with a unit (`500MB`, `64MiB`, `2 GB`).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    num.parse::<u64>().ok().map(|n| n.saturating_mul(mult))
}

/// A size from the environment variable `name`, if it is set; a value that is not a
/// size is a usage error naming the variable.
pub fn env_size(name: &str) -> Result<Option<u64>> {
    let Some(text) = std::env::var_os(name) else {
        return Ok(None);
    };
    let text = text.to_string_lossy();
    match parse_size(&text) {
        Some(n) => Ok(Some(n)),
        None => Err(Error::Usage(format!(
            "{name}={text} is not a size; give bytes, or a number with kB, MB, GB, TB or KiB, MiB, GiB, TiB (e.g. 500MB)"
        ))),
    }
}

/// The input size cap in force.
pub fn max_input_bytes() -> Result<u64> {
    Ok(env_size(MAX_INPUT_BYTES_VAR)?.unwrap_or(DEFAULT_MAX_INPUT_BYTES))
}

/// A thread count, 1 to [`MAX_THREADS`]; the error says what is allowed (the caller
/// names the flag or variable).
pub fn parse_threads(text: &str) -> Result<usize, String> {
    let t = text.trim();
    match t.parse::<i128>() {
        Ok(n) if (1..=MAX_THREADS as i128).contains(&n) => Ok(n as usize),
        Ok(n) if n < 1 => Err(format!(
            "`{t}` is not a number of threads fendan can start; give 1 to {MAX_THREADS}"
        )),
        Ok(_) => Err(format!(
            "`{t}` threads is more than fendan starts; give 1 to {MAX_THREADS}"
        )),
        Err(_) => Err(format!(
            "`{t}` is not a whole number; give a number of threads from 1 to {MAX_THREADS}"
        )),
    }
}

/// The thread count from `SLURM_CPUS_PER_TASK`, if it is set (a bad value is a usage
/// error naming the variable).
pub fn slurm_threads() -> Result<Option<usize>> {
    let Some(text) = std::env::var_os("SLURM_CPUS_PER_TASK") else {
        return Ok(None);
    };
    let text = text.to_string_lossy();
    parse_threads(&text)
        .map(Some)
        .map_err(|e| Error::Usage(format!("SLURM_CPUS_PER_TASK={text}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size("500MB"), Some(500_000_000));
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size(" 2 gb "), Some(2_000_000_000));
        assert_eq!(parse_size("1.5GB"), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_size("lots"), None);
    }

    #[test]
    fn threads_are_one_to_the_maximum() {
        assert_eq!(parse_threads("1"), Ok(1));
        assert_eq!(parse_threads("1024"), Ok(1024));
        for bad in [
            "0",
            "-1",
            "1025",
            "100000",
            "99999999999999999999999",
            "two",
            "",
        ] {
            assert!(parse_threads(bad).is_err(), "{bad}");
        }
    }
}
