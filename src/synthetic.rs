//! Synthetic inputs for measuring how the engine scales.
//!
//! Handan has 20 county-level units; China has about 2,850. To know whether fendan
//! could run a province or the whole country on the same engine, the benchmarks and
//! `examples/synthetic.rs` need inputs of that size. Real data at that scale is not
//! ours to ship, so [`replicate`] makes it from the seeds: it repeats every unit and
//! its headcounts `copies` times under new codes, and leaves the plan, the split rules
//! and the parameters as they are. Each copy costs exactly what its original costs, so
//! the totals of a replicated run are `copies ×` those of the original — a check as
//! well as a load.
//!
//! The result is for timing only; it is not a statement about any real place.

use std::collections::HashMap;

use crate::load::{Inputs, Source};

/// `inputs` with `copies` copies of every unit in `units.csv` and of its rows in
/// `cohorts.csv`; every other input is unchanged.
///
/// Copy `k` (1-based) of a unit gets the code `9` + `k` + the last digits of the
/// original code (e.g. copy 42 of 130402 is `904202`), or the unit's position in
/// `units.csv` when those digits do not tell the units apart; codes are as long as the
/// originals (6 digits for Handan's), so they follow the plan's code rule and load, and
/// start with 9, which no GB/T 2260 province code does. When the copy number and the
/// unit do not fit in the digits after the 9 (1,430 copies of Handan's 20 units,
/// township scale), unit `i` of copy `k` is numbered `9` + (k − 1) × units + i in those
/// digits instead. Names get ` #k`.
/// The copies are listed copy by copy, in the original order; the output is a pure
/// function of the input.
///
/// # Panics
///
/// If `copies` is 0, if codes as long as the originals cannot number `copies × units` units, or if
/// `units.csv` or `cohorts.csv` lacks the columns fendan requires (load the
/// original first to get a located error instead).
pub fn replicate(inputs: &Inputs, copies: usize) -> Inputs {
    assert!(copies > 0, "replicate needs at least one copy");
    let units = records(&inputs.units);
    let codes: Vec<&str> = {
        let col = column(&units.0, "code", &inputs.units.name);
        units.1.iter().map(|r| r[col].trim()).collect()
    };
    // New codes are as long as the originals, so they follow the plan's code rule.
    let width = codes.first().map_or(6, |c| c.len());
    let copy_width = copies.to_string().len();
    let digits = width - 1;
    let rest = digits.saturating_sub(copy_width);
    let n = codes.len();
    // Copy number and a tail of the original code fit in the digits after the 9; else
    // (township scale) the copies are numbered straight through: `9` + (k − 1) × units + i.
    let fits = |count: usize, d: usize| 10usize.checked_pow(d as u32).is_none_or(|m| count <= m);
    let by_copy = rest > 0 && fits(n, rest);
    assert!(
        by_copy || fits(copies * n, digits),
        "cannot number {copies} copies of {n} units with {width}-digit codes"
    );
    // The last `rest` digits of each code, if they tell the units apart; else the position.
    let tails: Vec<String> = codes
        .iter()
        .map(|c| c[c.len().saturating_sub(rest)..].to_owned())
        .collect();
    let distinct = {
        let mut t = tails.clone();
        t.sort();
        t.dedup();
        t.len() == tails.len() && tails.iter().all(|t| t.len() == rest)
    };
    let tail = |i: usize| {
        if distinct {
            tails[i].clone()
        } else {
            format!("{i:0rest$}")
        }
    };
    let new_code = |k: usize, i: usize| {
        if by_copy {
            format!("9{k:0copy_width$}{}", tail(i))
        } else {
            format!("9{:0digits$}", (k - 1) * n + i)
        }
    };

    let code_col = column(&units.0, "code", &inputs.units.name);
    let name_cols: Vec<usize> = ["name_zh", "name_en"]
        .iter()
        .filter_map(|n| units.0.iter().position(|h| h.trim() == *n))
        .collect();
    let mut unit_rows = Vec::with_capacity(copies * units.1.len());
    for k in 1..=copies {
        for (i, r) in units.1.iter().enumerate() {
            let mut row = r.clone();
            row[code_col] = new_code(k, i);
            for &c in &name_cols {
                row[c] = format!("{} #{k}", r[c].trim());
            }
            unit_rows.push(row);
        }
    }

    let counts = records(&inputs.cohort_counts);
    let unit_col = column(&counts.0, "unit_code", &inputs.cohort_counts.name);
    let position: HashMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut count_rows = Vec::with_capacity(copies * counts.1.len());
    for k in 1..=copies {
        for r in &counts.1 {
            let mut row = r.clone();
            if let Some(&i) = position.get(r[unit_col].trim()) {
                row[unit_col] = new_code(k, i);
            }
            count_rows.push(row);
        }
    }

    Inputs {
        units: Source::new(
            format!("{} ×{copies}", inputs.units.name),
            write(&units.0, &unit_rows),
        ),
        cohort_counts: Source::new(
            format!("{} ×{copies}", inputs.cohort_counts.name),
            write(&counts.0, &count_rows),
        ),
        ..inputs.clone()
    }
}

type Rows = (Vec<String>, Vec<Vec<String>>);

fn records(src: &Source) -> Rows {
    let text = src.text.strip_prefix('\u{feff}').unwrap_or(&src.text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap_or_else(|e| panic!("{}: cannot read the CSV header: {e}", src.name))
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: cannot read a CSV row: {e}", src.name))
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str, file: &str) -> usize {
    header
        .iter()
        .position(|h| h.trim() == name)
        .unwrap_or_else(|| panic!("{file} has no `{name}` column"))
}

fn write(header: &[String], rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(header).expect("writing to memory");
    for r in rows {
        w.write_record(r).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("the input was UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Years, headcounts};

    const YEARS: Years = Years {
        first: 2016,
        last: 2020,
    };

    fn city_population(model: &crate::Model, year: i32) -> i64 {
        let hc = headcounts(model, YEARS).unwrap();
        let pop = model.population;
        (0..model.units.len()).map(|u| hc.get(year, u, pop)).sum()
    }

    #[test]
    fn copies_every_unit_under_new_codes() {
        let original = Inputs::embedded();
        let base = crate::load(&original).unwrap();
        let replicated = replicate(&original, 3);
        let model = crate::load(&replicated).expect("the replicated inputs load");
        assert_eq!(model.units.len(), 3 * base.units.len());
        assert_eq!(model.units[0].code, "910402");
        assert!(model.units[0].name_zh.ends_with(" #1"));
        let last = model.units.last().unwrap();
        assert_eq!(last.code, "930481");
        assert!(last.name_en.ends_with(" #3"));
        assert!(model.units.iter().all(|u| u.code.len() == 6));
        for y in YEARS.iter() {
            assert_eq!(city_population(&model, y), 3 * city_population(&base, y));
        }
    }

    #[test]
    fn scaled_run_costs_copies_times_the_original() {
        let original = Inputs::embedded();
        let base = crate::load(&original).unwrap();
        let model = crate::load(&replicate(&original, 2)).unwrap();
        let a = crate::report::level_totals(&base, &crate::run(&base, YEARS).unwrap()).unwrap();
        let b = crate::report::level_totals(&model, &crate::run(&model, YEARS).unwrap()).unwrap();
        for (y, l) in a {
            assert_eq!(b[&y], l.map(|x| 2 * x), "{y}");
        }
    }

    #[test]
    fn codes_stay_unique_at_national_scale() {
        let replicated = replicate(&Inputs::embedded(), 143);
        let model = crate::load(&replicated).expect("2,860 units load");
        assert_eq!(model.units.len(), 2860);
        assert_eq!(model.units[0].code, "900102");
        assert_eq!(model.units[2859].code, "914381");
    }

    #[test]
    fn township_scale_numbers_the_units_straight_through() {
        let replicated = replicate(&Inputs::embedded(), 1430);
        let model = crate::load(&replicated).expect("28,600 units load");
        assert_eq!(model.units.len(), 28_600);
        // why: copy 1's first unit is 9 + 00000; copy 1430's last is (1429 × 20 + 19).
        assert_eq!(model.units[0].code, "900000");
        assert_eq!(model.units[28_599].code, "928599");
        assert!(model.units[28_599].name_zh.ends_with(" #1430"));
    }

    #[test]
    fn falls_back_to_positions_when_tails_clash() {
        let mut inputs = Inputs::embedded();
        // Two units whose last digits agree: 130402 and a made-up 139902.
        inputs.units.text = inputs.units.text.replacen("130403,", "139902,", 1).into();
        inputs.cohort_counts.text = inputs
            .cohort_counts
            .text
            .replace(",130403,", ",139902,")
            .into();
        let model = crate::load(&replicate(&inputs, 143)).unwrap();
        assert_eq!(model.units[0].code, "900100");
        assert_eq!(model.units[1].code, "900101");
    }
}
