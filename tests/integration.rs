//! All integration tests, compiled into one test binary (see Cargo.toml `autotests = false`).

mod common;

mod boundaries;
mod cases;
mod catalog;
mod compare;
mod compare_years;
mod engine;
mod explain;
mod init;
mod inputs;
mod plans;
mod readme;
mod report;
mod scenarios;
mod sources;
mod sweep;
mod validation;
mod workbook;
