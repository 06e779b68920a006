//! `fendan simulate`: run a scenario, write its tables atomically, print a summary.

use std::path::{Path, PathBuf};

use fendan::Error;
use fendan::model::Level;
use fendan::money::wan;

use super::{Outcome, print, scenario_and_model, table};

pub fn run(
    scenario: Option<&Path>,
    out: Option<&Path>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
) -> Outcome {
    let (scenario, model) = scenario_and_model(scenario)?;
    let threads = threads.or_else(|| {
        std::env::var("SLURM_CPUS_PER_TASK")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| {
            Error::Usage(format!(
                "cannot start {} worker threads: {e}",
                threads.unwrap_or(0)
            ))
        })?;
    let outcome = pool.install(|| fendan::run(&model, scenario.years))?;
    let files = fendan::report::render(&model, &outcome, &scenario)?;
    let dir: PathBuf = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    fendan::output::write_atomically(&dir, &files, &scenario.name, force)?;
    if quiet {
        return Ok(());
    }
    let mut header = vec!["year"];
    header.extend(Level::ALL.iter().map(|l| l.key()));
    header.push("total");
    let mut t = table(header);
    for (y, l) in fendan::report::level_totals(&outcome) {
        let mut row = vec![y.to_string()];
        row.extend(l.iter().map(|f| wan(*f)));
        row.push(wan(l.iter().sum()));
        t.add_row(row);
    }
    print(&format!(
        "{} — {}\noutlays by level, 万元 (10,000 yuan):\n{t}\nwrote {} files to {}\n",
        scenario.name,
        scenario.title,
        files.len(),
        dir.display()
    ))
}
