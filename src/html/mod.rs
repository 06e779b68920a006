//! `fendan report`: one self-contained HTML file that a budget officer can hand to a
//! director — a run, two runs compared, or a sweep — made from an output folder alone.
//!
//! Why a file of its own: the CSV files and workbooks are exact but show no picture.
//! The report adds the charts, the totals a reader looks for and the sources, and it
//! works anywhere: no script, no font or image fetched, inline SVG drawn with
//! plotters' SVG backend ([`charts`]), a style sheet that prints on A4 ([`page`]).
//!
//! Its numbers are the folder's numbers: every file the manifest lists is checked
//! against its SHA-256 first ([`files`]), and the figures are read from the published
//! tables — by level, unit, domain, equalization; for a comparison, the outlays via
//! [`crate::compare`]; for a sweep, `summary.csv` and `points.csv`. Amounts are whole
//! fen until printed (万元 with thousands separators); `f64` only places shapes.

mod capacity;
pub mod charts;
mod compare;
mod evidence;
pub mod files;
pub mod page;
mod run;
mod sweep;

use std::path::Path;

use crate::compare::{Comparison, Run};
use crate::error::{Error, Result};

pub use files::RunFolder;
pub use sweep::{SweepFolder, nearest_rank};

/// Which kind of report was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Compare,
    Sweep,
}

impl Kind {
    pub fn key(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
        }
    }
}

/// The report of `dir` (a run or a sweep), or of the run `dir` compared with the run
/// `reference` (B = `dir`, A = `reference`): its kind and its HTML text. `year`
/// chooses the year of the per-unit charts (run) or the tornado charts (sweep).
pub fn report(dir: &Path, reference: Option<&Path>, year: Option<i32>) -> Result<(Kind, String)> {
    report_with_notes(dir, reference, year).map(|(k, html, _)| (k, html))
}

/// [`report`], with notes for the person who made it: where a run's money at stake
/// came from, or why the report has none and how to get it.
pub fn report_with_notes(
    dir: &Path,
    reference: Option<&Path>,
    year: Option<i32>,
) -> Result<(Kind, String, Vec<String>)> {
    let (text, kind) = files::manifest(dir)?;
    match (kind, reference) {
        (files::Kind::Run, None) => {
            let mut run = RunFolder::open(dir, &text)?;
            let mut notes = Vec::new();
            if run.at_stake.is_none() {
                // Computed now when the run's scenario reloads exactly (crate::stake::reload).
                match crate::stake::reload::scenario_of_run(dir, &text, &run.levels)? {
                    Ok((scenario, how)) => {
                        run.at_stake = Some(crate::stake::at_stake(&scenario)?);
                        notes.push(format!(
                            "the money at stake was computed now from {how}, reloaded exactly (the run carries no at_stake.csv)"
                        ));
                        run.stake_origin = files::StakeOrigin::Computed(how);
                    }
                    Err(why) => {
                        notes.push(format!(
                            "the report lists the assumptions without the money at stake: {why}"
                        ));
                        run.stake_origin = files::StakeOrigin::Missing(why);
                    }
                }
            }
            Ok((Kind::Run, run::render(&run, year)?, notes))
        }
        (files::Kind::Run, Some(other)) => {
            if year.is_some() {
                return Err(Error::Usage(
                    "--year applies to the report of one run or of a sweep; a comparison covers all the runs' years".into(),
                ));
            }
            let (other_text, other_kind) = files::manifest(other)?;
            if !matches!(other_kind, files::Kind::Run) {
                return Err(Error::Usage(format!(
                    "--compare needs the output folder of `fendan simulate`; {} holds a sweep",
                    other.display()
                )));
            }
            let b = RunFolder::open(dir, &text)?;
            let a = RunFolder::open(other, &other_text)?;
            let cmp = Comparison::new(Run::from_dir(other)?, Run::from_dir(dir)?)?;
            Ok((Kind::Compare, compare::render(&cmp, &a, &b)?, Vec::new()))
        }
        (files::Kind::Sweep, None) => {
            let sw = SweepFolder::open(dir, &text)?;
            Ok((Kind::Sweep, sweep::render(&sw, year)?, Vec::new()))
        }
        (files::Kind::Sweep, Some(_)) => Err(Error::Usage(format!(
            "{} holds a sweep; --compare is for two runs of `fendan simulate`",
            dir.display()
        ))),
    }
}
