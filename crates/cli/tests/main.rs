//! End-to-end tests of the real `gatehouse` binary (one test binary, modules inside).

mod admin;
mod call;
mod client_typed;
mod explain;
mod hygiene;
mod multi;
mod sandbox;
mod seed;
mod serve;
mod startup_errors;
mod wildix_admin;
mod wildix_explain;
mod wildix_sandbox;

use std::path::Path;

/// The binary under test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_gatehouse"))
}
