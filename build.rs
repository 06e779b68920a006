//! Embeds the plan package in `seeds/` into the binary: every YAML and CSV file of the
//! folder and of `seeds/services/` (not `seeds/census/`, which only the cohort
//! derivation reads), listed in name order in `$OUT_DIR/seeds.rs`. Which files make up
//! the embedded plan is therefore the folder's content, not a list in the code.
//!
//! It also decides whether the binary carries the compiled plan,
//! `seeds/compiled/plan.bin` (see `src/load/compiled.rs`): the embedded plan loaded
//! and checked once, in a binary form that loads in a fraction of the time. The file
//! is used only when it was made from exactly these seeds by exactly this loader: its
//! first lines record the SHA-256 of both (the seeds, and the source files that read
//! them into the model), and this script computes the same digest now. When they
//! differ the binary parses the seeds' text as any plan is parsed (slower, never
//! wrong), and cargo prints a warning saying how to refresh the file.

use std::fmt::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The compiled plan, relative to the package root.
const COMPILED: &str = "seeds/compiled/plan.bin";
/// Its first line; the second is the digest.
const MAGIC: &str = "fendan compiled plan 1";

/// The source files whose content decides the compiled plan: the loader, and the files
/// that define the model's types (their fields are the binary form's layout).
const LOADER: &[&str] = &[
    "src/load",
    "src/model.rs",
    "src/plan.rs",
    "src/params.rs",
    "src/params",
    "src/grade.rs",
    "src/sources.rs",
    "src/error.rs",
    "src/date.rs",
    "src/engine.rs",
    "src/money.rs",
    "src/capacity/fiscal.rs",
];

fn files(dir: &Path, prefix: &str, keep: &dyn Fn(&Path) -> bool) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && keep(p))
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

/// Feed a file to the digest with its name and length, so that moving bytes from one
/// file to the next changes the digest.
fn hash_file(hasher: &mut Sha256, name: &str) {
    let bytes = std::fs::read(name).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
    hasher.update(name.as_bytes());
    hasher.update([0]);
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(&bytes);
}

fn main() {
    let seeds = Path::new("seeds");
    println!("cargo:rerun-if-changed=seeds");
    println!("cargo:rerun-if-changed=build.rs");
    let plan_file = |p: &Path| p.extension().is_some_and(|x| x == "yaml" || x == "csv");
    let mut names = files(seeds, "", &plan_file);
    names.extend(files(&seeds.join("services"), "services/", &plan_file));

    let mut hasher = Sha256::new();
    for n in &names {
        hash_file(&mut hasher, &format!("seeds/{n}"));
    }
    for entry in LOADER {
        println!("cargo:rerun-if-changed={entry}");
        let path = Path::new(entry);
        if path.is_dir() {
            let rust = |p: &Path| p.extension().is_some_and(|x| x == "rs");
            for f in files(path, &format!("{entry}/"), &rust) {
                hash_file(&mut hasher, &f);
            }
        } else {
            hash_file(&mut hasher, entry);
        }
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

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
    writeln!(
        out,
        "/// The SHA-256 of the seeds and of the loader, as `build.rs` computed it.\n\
         pub(crate) const DIGEST: &str = {digest:?};"
    )
    .expect("writing to a string");

    let header = format!("{MAGIC}\n{digest}\n");
    let fresh = std::fs::read(COMPILED)
        .map(|bytes| bytes.starts_with(header.as_bytes()))
        .unwrap_or(false);
    if fresh {
        writeln!(
            out,
            "/// The compiled plan, made from these seeds by this loader.\n\
             pub(crate) const COMPILED: &[u8] = include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{COMPILED}\"));"
        )
    } else {
        println!(
            "cargo:warning={COMPILED} was not made from these seeds by this loader: this build parses the seeds' text at every start (slower, same figures); refresh it with `FENDAN_BLESS=1 cargo test --release --test integration compiled`"
        );
        writeln!(
            out,
            "/// No compiled plan: it is missing or was made from other seeds.\n\
             pub(crate) const COMPILED: &[u8] = &[];"
        )
    }
    .expect("writing to a string");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("seeds.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
