//! All integration tests, compiled into one test binary (see Cargo.toml `autotests = false`).

mod common;

mod boundaries;
mod bounds;
mod capacity;
mod cases;
mod catalog;
mod compare;
mod compare_years;
mod compiled;
mod detail;
mod engine;
mod exact;
mod explain;
mod init;
mod inputs;
mod params;
mod plans;
mod readme;
mod reconcile;
mod report;
mod scenarios;
mod schema;
mod shift;
mod shipped;
mod sources;
mod stake;
mod sweep;
mod validation;
mod workbook;
