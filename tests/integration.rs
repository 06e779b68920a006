//! All integration tests, compiled into one test binary (see Cargo.toml `autotests = false`).

mod common;

mod bounds;
mod cases;
mod catalog;
mod compare;
mod engine;
mod exact;
mod explain;
mod readme;
mod scenarios;
mod sweep;
mod validation;
