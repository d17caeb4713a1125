//! End-to-end tests of the real `gatehouse` binary (one test binary, modules inside).

mod admin;
mod call;
mod explain;
mod sandbox;
mod serve;
mod startup_errors;

use std::path::Path;

/// The binary under test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_gatehouse"))
}
