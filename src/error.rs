//! Errors that a budget officer can act on.
//!
//! Every input error names the file, the line and column (or the CSV row), says what
//! was found and what was expected, and where it helps, what to do. Input errors exit
//! with code 2; they are raised before any output is written. The rendering — a
//! sentence, then ` --> file:line:col` and the offending line with a caret — follows
//! the style of `just` and `rustc`, and is pinned by the broken-fixture tests.

use std::fmt;
use std::path::PathBuf;

/// A place in an input text: a file (or embedded seed) name, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The text of the offending line, if known, for the snippet.
    pub snippet: Option<String>,
}

impl Location {
    /// A location inside `text`, with its line copied for the snippet.
    pub fn in_text(file: &str, text: &str, line: usize, column: usize) -> Location {
        let snippet = text.lines().nth(line.saturating_sub(1)).map(str::to_owned);
        Location {
            file: file.to_owned(),
            line,
            column: column.max(1),
            snippet,
        }
    }

    /// A whole-file location (line 0 means "the file as a whole").
    pub fn file(file: &str) -> Location {
        Location {
            file: file.to_owned(),
            line: 0,
            column: 0,
            snippet: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, " --> {}", self.file);
        }
        write!(f, " --> {}:{}:{}", self.file, self.line, self.column)?;
        if let Some(text) = &self.snippet {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            // Pad by display width, so the caret sits under the right character even
            // after Chinese text (two terminal columns per character).
            let caret_pad: String = text
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| match c {
                    '\t' => "\t".to_owned(),
                    _ => " ".repeat(unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)),
                })
                .collect();
            write!(f, "\n{pad} |\n{number} | {text}\n{pad} | {caret_pad}^")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in fendan.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A user-supplied input is wrong: bad YAML/CSV, an unknown id, a value out of range…
    #[error("{message}\n{location}")]
    Input { message: String, location: Location },

    /// An input file could not be read at all.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A command-line request that cannot be honoured (e.g. an unknown unit code).
    #[error("{0}")]
    Usage(String),

    /// Output could not be written (disk full, permissions…).
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The output directory already holds another scenario's results.
    #[error("{0}")]
    Refused(String),

    /// An amount or a headcount too large to hold exactly: the message names the cell
    /// (unit, service, year) or the sum, the parameter whose value made it so, and the
    /// largest value fendan holds; the location is where that value was set.
    #[error("{message}\n{location}")]
    Overflow { message: String, location: Location },

    /// Two computations of the same figure disagree: a bug in fendan, not in the inputs.
    #[error(
        "internal error (a bug in fendan, please report it with the command that showed it): {0}"
    )]
    Internal(String),
}

impl Error {
    /// An input error at a location.
    pub fn input(location: Location, message: impl Into<String>) -> Error {
        Error::Input {
            message: message.into(),
            location,
        }
    }

    /// An overflow located where the value that caused it was set.
    pub fn overflow(location: Location, message: impl Into<String>) -> Error {
        Error::Overflow {
            message: message.into(),
            location,
        }
    }

    /// The process exit code for this error: 2 for anything the user can fix in the
    /// inputs or the command line, 1 for failures of the environment (and for a bug
    /// fendan caught in itself).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. }
            | Error::Read { .. }
            | Error::Usage(_)
            | Error::Refused(_)
            | Error::Overflow { .. } => 2,
            Error::Write { .. } | Error::Internal(_) => 1,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
