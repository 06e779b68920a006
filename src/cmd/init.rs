//! `fendan init DIR [--from SCENARIO]`: write the plan a run uses as an editable folder.

use std::path::Path;

use fendan::output::{Owner, Protected, Transaction};

use super::{Outcome, print, scenario_and_model};

pub fn run(dir: &Path, from: Option<&Path>) -> Outcome {
    let (scenario, model) = scenario_and_model(from)?;
    let shown = dir.display().to_string();
    let files = fendan::package::files(
        &scenario,
        &model,
        shown.trim_end_matches('/'),
        &fendan::package::scenario_name(dir),
    )?;
    let mut tx = Transaction::new(Protected::new(&scenario.files), false);
    let folder = tx.folder(dir, Owner::Plan)?;
    folder.write_files(&files)?;
    tx.commit()?;
    print(&format!(
        "wrote the plan of `{}` to {} ({} files); edit them, then run:\n  fendan simulate {}\n",
        scenario.name,
        dir.display(),
        files.len(),
        dir.join("scenario.yaml").display()
    ))
}
