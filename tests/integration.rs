//! All integration tests, compiled into one test binary (see Cargo.toml `autotests = false`).

mod common;

mod cases;
mod catalog;
mod compare;
mod engine;
mod explain;
mod readme;
mod scenarios;
mod sources;
mod sweep;
mod validation;
