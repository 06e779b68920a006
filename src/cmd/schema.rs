//! `fendan schema scenario|sweep`: a JSON Schema of the file format, every parameter
//! path enumerated, for editors (see [`fendan::schema`]).

use std::path::Path;

use super::{Outcome, print, scenario_and_model};
use crate::cli::SchemaKind;

pub fn run(kind: SchemaKind, scenario: Option<&Path>) -> Outcome {
    let (_, model) = scenario_and_model(scenario)?;
    let schema = match kind {
        SchemaKind::Scenario => fendan::schema::scenario(&model),
        SchemaKind::Sweep => fendan::schema::sweep(&model),
    };
    print(&schema)
}
