//! `fendan report`: an HTML report of a run, of two runs, or of a sweep, written
//! atomically. The work is in [`fendan::html`] (cargo feature `report`).

use std::path::Path;

use super::{Outcome, print};

#[cfg(feature = "report")]
pub fn run(dir: &Path, compare: Option<&Path>, year: Option<i32>, out: &Path) -> Outcome {
    let (kind, html) = fendan::html::report(dir, compare, year)?;
    fendan::output::write_file_atomically(out, html.as_bytes())?;
    print(&format!(
        "wrote the {} report {} ({} KB)\n",
        kind.key(),
        out.display(),
        html.len().div_ceil(1024)
    ))
}

#[cfg(not(feature = "report"))]
pub fn run(_: &Path, _: Option<&Path>, _: Option<i32>, _: &Path) -> Outcome {
    let _ = print;
    Err(fendan::Error::Usage(
        "this fendan was built without reports; rebuild it with `cargo build --release --features report`".into(),
    )
    .into())
}
