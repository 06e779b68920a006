//! The compiled plan (`seeds/compiled/plan.bin`, see `src/load/compiled.rs`) is the
//! embedded seeds as loaded from their text now, byte for byte; the binary under test
//! carries it; and a run gives the same files from it as from the text.
//!
//! `FENDAN_BLESS=1 cargo test --release --test integration compiled` rewrites the file
//! after a deliberate change to the seeds or the loader (then rebuild: `build.rs` embeds
//! it only when it was made from the seeds and loader being built).

use std::fs;

use fendan::Inputs;
use fendan::load::compiled;

use crate::common::root;

/// Written once, here: the file the build embeds.
const FILE: &str = "seeds/compiled/plan.bin";

/// The committed file; while it is being rewritten (`FENDAN_BLESS`), what it will hold.
fn committed() -> Vec<u8> {
    if std::env::var_os("FENDAN_BLESS").is_some() {
        return compiled::encode(&compiled::load_seeds_text().unwrap()).unwrap();
    }
    fs::read(root().join(FILE)).unwrap_or_else(|e| panic!("{FILE}: {e}"))
}

#[test]
fn the_compiled_plan_is_the_seeds_loaded_from_their_text_now() {
    let model = compiled::load_seeds_text().unwrap_or_else(|e| panic!("{e}"));
    let bytes = compiled::encode(&model).unwrap();
    let path = root().join(FILE);
    if std::env::var_os("FENDAN_BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &bytes).unwrap();
        return;
    }
    let committed = fs::read(&path).unwrap_or_default();
    assert!(
        committed == bytes,
        "{FILE} is not the seeds as the loader reads them now ({} bytes, now {}): refresh it with \
         `FENDAN_BLESS=1 cargo test --release --test integration compiled`, then rebuild",
        committed.len(),
        bytes.len()
    );
    assert!(
        compiled::in_use(),
        "the binary under test was built without {FILE} (build.rs found it stale): rebuild after refreshing it"
    );
}

#[test]
fn the_encoding_is_the_same_from_one_load_to_the_next() {
    // No map with a random order is written (the parameter and source indexes are made
    // again on decoding), so two loads give the same bytes.
    let a = compiled::encode(&compiled::load_seeds_text().unwrap()).unwrap();
    let b = compiled::encode(&compiled::load_seeds_text().unwrap()).unwrap();
    assert!(a == b);
}

#[test]
fn the_compiled_plan_decodes_to_the_model_it_was_made_from() {
    let bytes = committed();
    let model = compiled::decode(&bytes).expect("the committed plan decodes in this build");
    // Every field is encoded (but the fiscal figures, which the seeds have none of), so
    // equal encodings mean equal models.
    assert!(compiled::encode(&model).unwrap() == bytes);
    assert!(model.fiscal.is_none());
    // The indexes made again on decoding find what the text's loader found.
    let text = compiled::load_seeds_text().unwrap();
    for (id, p) in text.params.iter() {
        assert_eq!(model.params.lookup(&p.path), Some(id), "{}", p.path);
    }
    for e in &text.bibliography.entries {
        assert_eq!(model.bibliography.get(&e.id).map(|x| &x.id), Some(&e.id));
    }
}

#[test]
fn a_compiled_plan_of_other_seeds_or_damaged_is_not_used() {
    let bytes = committed();
    // Another digest: made from other seeds, or by another loader.
    let mut other = bytes.clone();
    let digest_at = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    other[digest_at] = if other[digest_at] == b'0' { b'1' } else { b'0' };
    assert!(compiled::decode(&other).is_none());
    // Another version of the layout.
    assert!(compiled::decode(&bytes.replacen_first(b"plan 1", b"plan 9")).is_none());
    // Cut short, or with the model's bytes damaged.
    assert!(compiled::decode(&bytes[..bytes.len() / 2]).is_none());
    let mut damaged = bytes.clone();
    for b in damaged.iter_mut().skip(digest_at + 65).step_by(7) {
        *b = 0xff;
    }
    assert!(compiled::decode(&damaged).is_none());
    assert!(compiled::decode(b"").is_none());
}

#[test]
fn a_run_gives_the_same_files_from_the_compiled_plan_as_from_the_text() {
    // Every shipped scenario on the embedded seeds: its overrides applied to the model
    // from either form, then run and rendered.
    for shipped in fendan::shipped::SHIPPED {
        let s = shipped.scenario().unwrap_or_else(|e| panic!("{e}"));
        if !s.inputs.is_embedded() {
            continue;
        }
        let compiled_model = s.model().unwrap();
        let text_model = s.model_from(compiled::load_seeds_text().unwrap()).unwrap();
        let files = |m: &fendan::Model| {
            let out = fendan::run(m, s.years).unwrap();
            fendan::report::render(m, &out, &s).unwrap()
        };
        assert!(
            files(&compiled_model) == files(&text_model),
            "{}: the files differ",
            shipped.name
        );
    }
}

#[test]
fn only_the_embedded_seeds_none_replaced_take_the_compiled_plan() {
    assert!(Inputs::embedded().is_embedded());
    // The same text under another name (a plan folder that copies a seed) is the user's.
    let mut renamed = Inputs::embedded();
    renamed.units.name = "my-plan/units.csv".into();
    assert!(!renamed.is_embedded());
    let mut edited = Inputs::embedded();
    edited.splits.text.to_mut().push_str("\n# a comment\n");
    assert!(!edited.is_embedded());
    let mut partial = Inputs::embedded();
    partial.partial_counts.push(fendan::load::Source::new(
        "counts.csv",
        "year,unit,cohort,headcount\n",
    ));
    assert!(!partial.is_embedded());
}

trait ReplaceFirst {
    fn replacen_first(&self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceFirst for Vec<u8> {
    fn replacen_first(&self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = self
            .windows(from.len())
            .position(|w| w == from)
            .expect("the pattern is there");
        let mut out = self[..at].to_vec();
        out.extend_from_slice(to);
        out.extend_from_slice(&self[at + from.len()..]);
        out
    }
}
