//! Embeds the plan package in `seeds/` into the binary: every YAML and CSV file of the
//! folder and of `seeds/services/` (not `seeds/census/`, which only the cohort
//! derivation reads), listed in name order in `$OUT_DIR/seeds.rs`. Which files make up
//! the embedded plan is therefore the folder's content, not a list in the code.

use std::fmt::Write;
use std::path::Path;

fn files(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "csv"))
        .map(|p| {
            format!(
                "{prefix}{}",
                p.file_name().expect("a file name").to_string_lossy()
            )
        })
        .collect();
    names.sort();
    names
}

fn main() {
    let seeds = Path::new("seeds");
    println!("cargo:rerun-if-changed=seeds");
    println!("cargo:rerun-if-changed=build.rs");
    let mut names = files(seeds, "");
    names.extend(files(&seeds.join("services"), "services/"));
    let mut out = String::from(
        "/// The embedded plan package: (path under `seeds/`, text), in name order.\n\
         pub(crate) const SEEDS: &[(&str, &str)] = &[\n",
    );
    for n in names {
        writeln!(
            out,
            "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/seeds/{n}\"))),"
        )
        .expect("writing to a string");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("seeds.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
