//! fendan (分担, "sharing the cost") simulates who pays for Handan City's basic public
//! services — the 83 services of the city's 13th Five-Year Plan for equalizing basic
//! public services (邯政规〔2018〕21号, Annex 1) — and projects the outlays of the
//! central, provincial, city and county governments for 2016-2020.
//!
//! The library is the whole engine; the `fendan` binary is a thin command line over it.
//!
//! * [`params`]: one tree of dated, sourced parameters addressed by path.
//! * [`model`] and [`mod@load`]: the plan, units, cohorts and split rules, checked on load.
//! * [`scenario`]: a named run and its inputs.
//! * [`engine`]: headcount × coverage × standard, split into levels, exact to the fen.
//! * [`report`] and [`output`]: the published tables, written atomically.
//! * [`compare`]: two runs side by side, by level, year, unit, domain or service.
//! * [`sweep`]: grids, Latin hypercubes and Monte Carlo samples over any parameter,
//!   evaluated incrementally, sharded for clusters.
//! * `xlsx` (feature `xlsx`, on by default): the tables as an Excel workbook.

pub mod compare;
pub mod date;
pub mod engine;
pub mod error;
pub mod exact;
pub mod explain;
pub mod load;
pub mod model;
pub mod money;
pub mod output;
pub mod overrides;
pub mod params;
pub mod report;
pub mod scenario;
pub mod sweep;
pub mod synthetic;
#[cfg(feature = "xlsx")]
pub mod xlsx;

pub use engine::{Outcome, Years, run};
pub use error::{Error, Result};
pub use load::{Inputs, load};
pub use model::Model;
pub use scenario::Scenario;
