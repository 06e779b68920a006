//! All integration tests, compiled into one test binary (see Cargo.toml `autotests = false`).

mod common;

mod catalog;
mod engine;
mod validation;
