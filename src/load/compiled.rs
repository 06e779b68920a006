//! The embedded plan, compiled: the seeds loaded and checked once, and the resulting
//! [`Model`] stored in a compact binary form (`seeds/compiled/plan.bin`, postcard),
//! which loads in well under a millisecond where parsing and checking 400 KB of YAML
//! takes ten. A finance bureau runs the baseline dozens of times a day, and `catalog`
//! or `explain` should answer at once.
//!
//! Why a file in the repository and not one made by `build.rs`: the loader is most of
//! the crate (it reaches the engine's years, the grades, the sources, the capacity
//! threshold and the workbook reader), and a build script cannot run the crate it
//! builds. So the file is made by a test, and three things keep it honest:
//!
//! * its first lines carry the SHA-256 of the seeds and of the loader's source files it
//!   was made from; `build.rs` computes the same digest and embeds the file only when
//!   they agree. Otherwise the binary parses the seeds' text, as it parses any plan:
//!   slower, never different, and the build prints how to refresh the file.
//! * the test `compiled` loads the seeds' text, encodes the model and requires the
//!   very bytes of the file (`FENDAN_BLESS=1` rewrites it), and that the binary under
//!   test carries it; CI runs it on every change.
//! * the shipped scenarios give byte-identical outputs from either form (tested).
//!
//! Only the embedded seeds, none replaced, take this path ([`Inputs::is_embedded`]):
//! a scenario with its own data is loaded from its text with every check and located
//! error.

use super::Inputs;
use super::inputs::seeds;
use crate::model::Model;

/// The first line of a compiled plan: what it is, and the version of its layout.
const MAGIC: &str = "fendan compiled plan 1";

/// The model the embedded seeds load into, from the compiled plan, when this binary
/// carries one made from its seeds (else `None`, and the caller parses the text).
pub fn embedded() -> Option<Model> {
    decode(seeds::COMPILED)
}

/// Whether this binary carries the compiled plan (`build.rs` found it fresh).
pub fn in_use() -> bool {
    !seeds::COMPILED.is_empty()
}

/// The compiled plan of `model`: the header (the format, then the digest of the seeds
/// and loader this binary was built from), then the model. Only a model of the
/// embedded seeds is compiled, so fiscal figures (a scenario's own data) are refused.
pub fn encode(model: &Model) -> Result<Vec<u8>, String> {
    if model.fiscal.is_some() {
        return Err("a model with fiscal figures is not the embedded plan".to_owned());
    }
    postcard::to_extend(model, header().into_bytes())
        .map_err(|e| format!("the model cannot be encoded: {e}"))
}

/// The model in `bytes`, if they are a compiled plan made from this binary's seeds and
/// loader; anything else (another version, a stale or damaged file) gives `None`.
pub fn decode(bytes: &[u8]) -> Option<Model> {
    let body = bytes.strip_prefix(header().as_bytes())?;
    postcard::from_bytes(body).ok()
}

fn header() -> String {
    format!("{MAGIC}\n{}\n", seeds::DIGEST)
}

/// The embedded seeds' text loaded with every check, whether or not the compiled plan
/// is in use: what the compiled plan is made from, and what the tests compare it with.
pub fn load_seeds_text() -> crate::error::Result<Model> {
    super::load_text(&Inputs::embedded())
}
