//! YAML parsing with located errors: serde-saphyr's messages turned into fendan's
//! sentence-then-location form, with the common mistakes (a key given twice) said plainly.

use serde::de::DeserializeOwned;

use super::Source;
use crate::error::{Error, Location, Result};
use crate::params::span_location;

/// Parse YAML into `T`, turning a syntax or shape error into a located input error.
pub fn parse_yaml<T: DeserializeOwned>(src: &Source) -> Result<T> {
    let options = serde_saphyr::options! { with_snippet: false };
    serde_saphyr::from_str_with_options::<T>(&src.text, options).map_err(|e| {
        let location = match e.location() {
            Some(loc) => span_location(&src.name, &src.text, &loc),
            None => Location::file(&src.name),
        };
        let message = e.to_string();
        let message = message.lines().next().unwrap_or("invalid YAML").trim();
        // The location is printed below the sentence; drop serde-saphyr's own copy.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].trim_end_matches(',').to_owned(),
            None => message.to_owned(),
        };
        if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
            let key = rest.split(',').next().unwrap_or(rest).trim();
            return Error::input(
                location,
                format!("`{key}` is given twice in this mapping; give each key (each date) once"),
            );
        }
        Error::input(
            location,
            format!("this YAML does not fit fendan's format: {message}"),
        )
    })
}

pub(super) fn at(src: &Source, loc: &serde_saphyr::Location) -> Location {
    span_location(&src.name, &src.text, loc)
}
