//! `fendan report`: an HTML report of a run, of two runs, or of a sweep, written
//! atomically. The work is in [`fendan::html`] (cargo feature `report`).

use std::path::Path;

use super::{Outcome, print};

#[cfg(feature = "report")]
pub fn run(
    dir: &Path,
    compare: Option<&Path>,
    year: Option<i32>,
    out: &Path,
    force: bool,
) -> Outcome {
    use fendan::output::{Owner, Protected, Transaction};
    use std::io::Write;
    let (kind, html, notes) = fendan::html::report_with_notes(dir, compare, year)?;
    for note in notes {
        let _ = writeln!(std::io::stderr(), "note: {note}");
    }
    // The report never replaces a file of the runs it reads, nor a file fendan did not write.
    let inputs: Vec<std::path::PathBuf> = std::iter::once(dir)
        .chain(compare)
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| e.path())
        .collect();
    let mut tx = Transaction::new(Protected::new(inputs.iter()), force);
    tx.file(out, Owner::Report)?.write_whole(html.as_bytes())?;
    tx.commit()?;
    print(&format!(
        "wrote the {} report {} ({} KB)\n",
        kind.key(),
        out.display(),
        html.len().div_ceil(1024)
    ))
}

#[cfg(not(feature = "report"))]
pub fn run(_: &Path, _: Option<&Path>, _: Option<i32>, _: &Path, _: bool) -> Outcome {
    let _ = print;
    Err(fendan::Error::Usage(
        "this fendan was built without reports; rebuild it with `cargo build --release --features report`".into(),
    )
    .into())
}
