//! The input files of a run: each one's text and the name errors and manifests call it
//! by. The seeds are compiled into the binary, so `fendan` runs with no files at all; a
//! scenario replaces any of them with its own.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::input::{Text, Whence};

/// The text of one input, with the name errors and the manifest call it by.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
    /// The file it was read from; `None` for embedded or generated text. Outputs are
    /// never written over it (see [`crate::output`]).
    pub path: Option<PathBuf>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
            path: None,
        }
    }

    /// Read a file named on the command line (see [`crate::input`] for what is refused).
    pub fn read(path: &Path) -> Result<Source> {
        Source::read_from(path, Whence::Arg)
    }

    /// Read a file named by `whence`: a file, UTF-8, within the input size cap.
    pub fn read_from(path: &Path, whence: Whence) -> Result<Source> {
        let text = crate::input::read_text(path, whence, Text::of(path))?;
        Ok(Source {
            name: path.display().to_string(),
            text,
            path: Some(path.to_owned()),
        })
    }

    pub fn sha256(&self) -> String {
        let digest = Sha256::digest(self.text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Every input file of a run.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub units: Source,
    pub cohort_counts: Source,
    pub cohorts: Source,
    pub splits: Source,
    pub services: Vec<Source>,
    pub indicators: Source,
    pub budget_classes: Source,
    /// The bibliography every `source:` cites (see [`crate::sources`]).
    pub sources: Source,
    /// The capacity threshold (`capacity.threshold`, see [`crate::capacity`]).
    pub capacity: Source,
    /// Fiscal figures per unit and year (`data: {fiscal: …}`); none unless a scenario gives them.
    pub fiscal: Option<Source>,
}

macro_rules! seed {
    ($path:literal) => {
        Source {
            name: concat!("seeds/", $path).to_owned(),
            text: include_str!(concat!("../../seeds/", $path)).to_owned(),
            path: None,
        }
    };
}

impl Inputs {
    /// The default data compiled into the binary.
    pub fn embedded() -> Inputs {
        Inputs {
            units: seed!("units.csv"),
            cohort_counts: seed!("cohorts.csv"),
            cohorts: seed!("cohorts.yaml"),
            splits: seed!("splits.yaml"),
            services: vec![
                seed!("services/01-education.yaml"),
                seed!("services/02-employment.yaml"),
                seed!("services/03-social_insurance.yaml"),
                seed!("services/04-health.yaml"),
                seed!("services/05-social_services.yaml"),
                seed!("services/06-housing.yaml"),
                seed!("services/07-culture_sports.yaml"),
                seed!("services/08-disability.yaml"),
            ],
            indicators: seed!("indicators.yaml"),
            budget_classes: seed!("budget_classes.csv"),
            sources: seed!("sources.yaml"),
            capacity: seed!("capacity.yaml"),
            fiscal: None,
        }
    }

    pub fn all(&self) -> Vec<&Source> {
        let mut v = vec![
            &self.units,
            &self.cohort_counts,
            &self.cohorts,
            &self.splits,
        ];
        v.extend(self.services.iter());
        v.push(&self.indicators);
        v.push(&self.budget_classes);
        v.push(&self.sources);
        v.push(&self.capacity);
        v.extend(self.fiscal.as_ref());
        v
    }
}
