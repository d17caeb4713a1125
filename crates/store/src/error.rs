//! Errors: [`StoreError`] for startup, and the one place where sqlx errors become
//! [`DomainError`]s.
//!
//! Nothing outside this crate sees an sqlx type: the port methods return `DomainError`,
//! and connect/migrate return `StoreError`, whose message is one line an operator can act on.

use gatehouse_domain::DomainError;
use sqlx::error::ErrorKind;

/// Why the store could not start: a bad URL, an unreachable database, a failed migration or
/// an unusable master key.
///
/// Each message is one line that names the setting to fix; URLs in it never show a password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is not one the store understands.
    #[error("database_url: {url} is not usable: {reason}; set GATEHOUSE_DATABASE_URL")]
    BadUrl {
        /// The URL, password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The SQLite file (or its directory) cannot be opened or created.
    #[error(
        "database_url: cannot open sqlite file {path} ({reason}); set GATEHOUSE_DATABASE_URL or fix the path"
    )]
    SqliteOpen {
        /// The file as configured.
        path: String,
        /// What the operating system or SQLite said.
        reason: String,
    },
    /// The database server cannot be reached or refused the connection.
    #[error("database_url: cannot connect to {url} ({reason})")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// What the driver said.
        reason: String,
    },
    /// A migration failed; it was rolled back and the schema is at the version before it.
    #[error("database_url: migration {version} ({name}) failed on {url}: {reason}")]
    Migrate {
        /// The migration's number.
        version: i64,
        /// The migration's name.
        name: &'static str,
        /// The URL, password redacted.
        url: String,
        /// What the database said.
        reason: String,
    },
    /// The database was migrated by a newer gatehouse; this one must not touch it.
    #[error(
        "database_url: {url} has schema version {found}, newer than this gatehouse knows ({known}); upgrade gatehouse"
    )]
    SchemaTooNew {
        /// The URL, password redacted.
        url: String,
        /// The version found in the database.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A query during startup failed (reading the schema version, an integrity check).
    #[error("database_url: {url}: {reason}")]
    Query {
        /// The URL, password redacted.
        url: String,
        /// What the database said.
        reason: String,
    },
    /// The master key is not the one this database's secrets were sealed with.
    #[error(
        "master key: not the key the secrets in {url} were sealed with; restore the original GATEHOUSE_MASTER_KEY or master.key"
    )]
    MasterKeyMismatch {
        /// The URL, password redacted.
        url: String,
    },
    /// An export or import could not be completed; nothing was imported.
    #[error("{0}")]
    Transfer(String),
    /// The master key is malformed.
    #[error("master key: {0}")]
    MasterKey(String),
    /// The master key file cannot be read or written.
    #[error("master key file {path}: {reason}")]
    MasterKeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// What a failed query means to the store, independent of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A unique or primary-key constraint refused the row.
    Unique,
    /// A foreign key refused the row (the referenced entity does not exist).
    ForeignKey,
    /// The database cannot be reached or did not answer in time.
    Unavailable,
    /// The database refused to write (read-only, disk full).
    WriteRefused,
    /// Anything else.
    Other,
}

// SQLite primary result codes (the low byte of an extended code).
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_READONLY: i64 = 8;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;

/// Classifies an sqlx error.
pub(crate) fn classify(err: &sqlx::Error) -> Failure {
    match err {
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => Failure::Unique,
            ErrorKind::ForeignKeyViolation => Failure::ForeignKey,
            _ => classify_code(db.code().as_deref().unwrap_or_default()),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Failure::Unavailable,
        _ => Failure::Other,
    }
}

fn classify_code(code: &str) -> Failure {
    // PostgreSQL SQLSTATEs are five characters; SQLite's extended codes have at most four digits.
    if code.len() == 5 {
        return match code {
            "25006" | "53100" => Failure::WriteRefused,
            "53300" | "57P01" | "57P02" | "57P03" => Failure::Unavailable,
            c if c.starts_with("08") => Failure::Unavailable,
            _ => Failure::Other,
        };
    }
    match code.parse::<i64>().map(|c| c & 0xff) {
        Ok(SQLITE_READONLY | SQLITE_FULL) => Failure::WriteRefused,
        Ok(SQLITE_BUSY | SQLITE_LOCKED | SQLITE_CANTOPEN) => Failure::Unavailable,
        _ => Failure::Other,
    }
}

/// The domain error for a query that failed for a reason the caller did not cause.
pub(crate) fn db(err: sqlx::Error) -> DomainError {
    let text = err.to_string();
    match classify(&err) {
        Failure::Unavailable => DomainError::Unavailable(text),
        Failure::WriteRefused => DomainError::WriteRefused(text),
        Failure::Unique | Failure::ForeignKey | Failure::Other => DomainError::Internal(text),
    }
}

/// Like [`db`], but a unique violation becomes `taken()`.
pub(crate) fn unique_or(err: sqlx::Error, taken: impl FnOnce() -> DomainError) -> DomainError {
    if classify(&err) == Failure::Unique {
        taken()
    } else {
        db(err)
    }
}

/// A row whose stored value cannot be read back (a damaged or hand-edited row).
pub(crate) fn corrupt(what: &str, reason: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("stored {what} is unreadable: {reason}"))
}

/// The short reason an sqlx error gives, for one-line startup messages.
pub(crate) fn reason(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => io.kind().to_string(),
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => "timed out".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_and_full_databases_refuse_writes_on_both_engines() {
        assert_eq!(classify_code("8"), Failure::WriteRefused);
        assert_eq!(classify_code("1032"), Failure::WriteRefused); // SQLITE_READONLY_DBMOVED
        assert_eq!(classify_code("13"), Failure::WriteRefused);
        assert_eq!(classify_code("25006"), Failure::WriteRefused);
        assert_eq!(classify_code("53100"), Failure::WriteRefused);
    }

    #[test]
    fn busy_and_disconnected_databases_are_unavailable() {
        assert_eq!(classify_code("5"), Failure::Unavailable);
        assert_eq!(classify_code("517"), Failure::Unavailable); // SQLITE_BUSY_SNAPSHOT
        assert_eq!(classify_code("08006"), Failure::Unavailable);
        assert_eq!(classify_code("57P01"), Failure::Unavailable);
        assert_eq!(classify(&sqlx::Error::PoolTimedOut), Failure::Unavailable);
        assert_eq!(classify_code("42P01"), Failure::Other);
        assert_eq!(classify_code("1"), Failure::Other);
    }
}
