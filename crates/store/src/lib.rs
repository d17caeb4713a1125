//! gatehouse's store: every port of [`gatehouse_domain`] on sqlx, over an embedded SQLite
//! file (the default) or PostgreSQL (several instances behind a load balancer).
//!
//! The engine follows the URL's scheme at runtime (`sqlite://PATH`, `sqlite://PATH?mode=ro`,
//! `sqlite::memory:`, `postgres://…`/`postgresql://…`); one set of queries with `$n`
//! placeholders serves both through sqlx's Any driver. Timestamps are stored as integer Unix
//! microseconds (UTC), flags as 0/1. On an SQLite file (WAL, `synchronous=NORMAL`, foreign
//! keys on, 5 s busy timeout) writes go through one connection and reads through the pool.
//! A connection that comes back from a failed transaction still inside it is closed rather
//! than pooled, and on PostgreSQL a failed connection makes calls fail at once for a second
//! (the outage latch) rather than each waiting out the acquire timeout.
//!
//! Tables (migration 1): `store_meta`, `users`, `external_ids`, `extra_fields`,
//! `extra_values`, `courses`, `enrolments`, `credentials`, `site_secrets`, `audit_events`,
//! and the runner's `schema_migrations`; migration 2 adds the lockout table, migration 3
//! `course_sessions`, `session_users`, `session_courses` and `course_descriptions`.
//! Secrets are sealed with XChaCha20-Poly1305 under a [`MasterKey`] kept outside the
//! database, beside a SHA-256 lookup hash (D12). [`SqlStore::export_to`] and
//! [`SqlStore::import_from`] move every row between databases of either engine. sqlx errors become
//! [`gatehouse_domain::DomainError`]s in one module and nowhere else; startup failures are
//! [`StoreError`]s whose message names the setting to fix.
//!
//! ```no_run
//! # async fn start() -> Result<(), gatehouse_store::StoreError> {
//! use gatehouse_store::{MasterKey, SqlStore, StoreOptions};
//! let (key, _created) = MasterKey::load_or_create("./gatehouse-data/master.key".as_ref())?;
//! let store = SqlStore::connect(&StoreOptions::default(), key).await?;
//! store.migrate().await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod attributes;
mod audit;
mod course_descriptions;
mod course_sessions;
mod courses;
mod credentials;
mod crm;
mod crypto;
mod enrolments;
mod error;
mod forma;
mod lockouts;
mod migrate;
mod options;
mod outage;
mod pbx;
mod provision;
mod rows;
mod seed;
mod sessions;
mod site_secrets;
mod store;
mod transfer;
mod user_batch;
mod users;

pub use audit::{INSERT_ROWS as AUDIT_INSERT_ROWS, PURGE_BATCH};
pub use crypto::MasterKey;
pub use error::StoreError;
pub use migrate::Migrated;
pub use options::{StoreOptions, redact_url};
pub use provision::{create_pg_database, drop_pg_database};
pub use store::SqlStore;
pub use transfer::{EXPORT_FORMAT, ImportMode, TransferSummary};
