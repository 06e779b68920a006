//! fendan (分担, "sharing the cost") simulates who pays for Handan City's basic public
//! services — the 83 services of the city's 13th Five-Year Plan for equalizing basic
//! public services (邯政规〔2018〕21号, Annex 1) — and projects the outlays of the
//! central, provincial, city and county governments for 2016-2020.
//!
//! The library is the whole engine; the `fendan` binary is a thin command line over it.
//!
//! * [`params`]: one tree of dated, sourced parameters addressed by path.
//! * [`model`] and [`mod@load`]: the plan, units, cohorts and split rules, checked on load;
//!   [`plan`]: what differs from one plan to another (`plan.yaml`), as data.
//! * [`scenario`]: a named run and its inputs; [`shipped`]: the scenarios compiled in,
//!   run by name from any folder; [`package`]: a run's plan written out as an editable
//!   folder (`fendan init`).
//! * [`engine`]: headcount × coverage × standard, split into levels, exact to the fen.
//! * [`provenance`]: the assumed figures and cited sources a run rests on, for its manifest.
//! * `html` (feature `report`, on by default): self-contained HTML reports with SVG charts.
//! * [`report`] and [`output`]: the published tables, written atomically; [`outlays`]:
//!   the schema of the detailed table, and how a row is read back.
//! * [`input`]: every input file is opened and decoded there (regular files only, a size
//!   cap, UTF-8 or GBK with located errors); [`sheet`]: an `.xlsx` sheet read as a table;
//!   [`limits`]: the caps and the variables that move them.
//! * [`compare`]: two runs side by side, by level, year, unit, domain or service; output
//!   folders are verified against their manifests first ([`folder`]).
//! * [`catalog`]: every parameter path and what it holds (`fendan params`), a rule's
//!   shares of the whole cost, a component's paths.
//! * [`schema`]: JSON Schemas of the scenario and sweep files, for editors.
//! * [`stats`]: dispersion (CV, Theil); [`suggest`]: "did you mean".
//! * [`sweep`]: grids, Latin hypercubes and Monte Carlo samples over any parameter,
//!   evaluated incrementally, sharded for clusters.
//! * [`sources`]: the bibliography every `source:` cites; [`grade`]: how far each
//!   assumption can be trusted; [`stake`]: the money each assumption moves.
//! * `xlsx` (feature `xlsx`, on by default): the tables as an Excel workbook.
//! * [`capacity`]: can each county afford its share? Burden per own revenue and the
//!   transfer need, from a bureau's fiscal figures; [`reconcile`]: a run against its
//!   budget or final accounts.

pub mod capacity;
pub mod catalog;
pub mod compare;
pub mod date;
pub mod engine;
pub mod error;
pub mod exact;
pub mod explain;
pub mod folder;
pub mod grade;
#[cfg(feature = "report")]
pub mod html;
pub mod input;
pub mod limits;
pub mod load;
pub mod model;
pub mod money;
pub mod outlays;
pub mod output;
pub mod overrides;
pub mod package;
pub mod params;
pub mod plan;
pub mod provenance;
pub mod reconcile;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod sheet;
pub mod shipped;
pub mod sources;
pub mod stake;
pub mod stats;
pub mod suggest;
pub mod sweep;
pub mod synthetic;
#[cfg(test)]
mod test_rng;
#[cfg(feature = "xlsx")]
pub mod xlsx;

pub use engine::{Outcome, Years, run};
pub use error::{Error, Result};
pub use load::{Inputs, load};
pub use model::Model;
pub use scenario::Scenario;
