//! Write a synthetic scenario with `copies` copies of every Handan unit, for timing
//! fendan at the scale of a province or of China (about 2,850 county-level units).
//!
//! ```text
//! cargo run --release --example synthetic -- 143 /tmp/synthetic
//! fendan simulate /tmp/synthetic/scenario.yaml
//! ```
//!
//! The folder gets `units.csv`, `cohorts.csv` and `scenario.yaml`; every other input
//! is the embedded seed. See `fendan::synthetic` and BENCHMARKS.md.

use std::path::PathBuf;
use std::process::ExitCode;

use fendan::Inputs;
use fendan::synthetic::replicate;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (copies, dir) = match args.as_slice() {
        [n, dir] => match n.parse::<usize>() {
            Ok(n) if n > 0 => (n, PathBuf::from(dir)),
            _ => return usage(&format!("`{n}` is not a number of copies (1 or more)")),
        },
        _ => return usage("expected two arguments"),
    };
    let inputs = replicate(&Inputs::embedded(), copies);
    let units = match fendan::load(&inputs) {
        Ok(model) => model.units.len(),
        Err(e) => {
            eprintln!("error: the synthetic inputs do not load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let scenario = format!(
        "# Synthetic: {copies} copies of each of Handan's units ({units} units), for timing only.\n\
         # Written by `cargo run --release --example synthetic -- {copies} <dir>`.\n\
         name: synthetic_{units}units\n\
         title: 合成数据 {units} 个县级单位 / Synthetic, {units} units ({copies} copies of the seeds)\n\
         description: >-\n  \
         Every unit of seeds/units.csv and its headcounts repeated {copies} times under\n  \
         new codes (9…); all other inputs are the embedded seeds. Not a real place.\n\
         data: ./      # this folder: units.csv and cohorts.csv (the full table); the rest embedded\n"
    );
    let files = [
        ("units.csv", &*inputs.units.text),
        ("cohorts.csv", &*inputs.cohort_counts.text),
        ("scenario.yaml", scenario.as_str()),
    ];
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "wrote {units} units to {}; run: fendan simulate {}",
        dir.display(),
        dir.join("scenario.yaml").display()
    );
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!(
        "error: {problem}\nusage: cargo run --release --example synthetic -- <copies> <out_dir>"
    );
    ExitCode::from(2)
}
