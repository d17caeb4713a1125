//! Test helpers shared by gatehouse's test suites (a dev-dependency only).
//!
//! - [`TestApp`]: the server in-process over a fresh SQLite store, on a real loopback port,
//!   for dialect tests in `crates/server/tests/`. State is set up through public doors
//!   (`with_user`), not SQL.
//! - [`Sandbox`] and [`Served`]: the real `gatehouse` binary started as a child process,
//!   for `crates/cli/tests/`, where Cargo provides `CARGO_BIN_EXE_gatehouse`.
//! - [`PgDatabase`] and [`PgCluster`]: PostgreSQL databases and clusters of a test's own.
#![forbid(unsafe_code)]

mod pg;
mod process;
mod test_app;

pub use pg::{PG_URL_VAR, PgCluster, PgDatabase, pg_admin_url};
pub use process::{Sandbox, Served, run_gatehouse};
pub use test_app::TestApp;
