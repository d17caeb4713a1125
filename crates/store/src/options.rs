//! Where the store lives and how hard to try reaching it: [`StoreOptions`] and the URL rules.

use std::path::PathBuf;
use std::time::Duration;

use crate::StoreError;

/// How to reach the database.
///
/// Mirrors the `database_url` configuration key (D7); the pool settings have defaults that
/// suit one instance on a small machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// `sqlite://PATH` (file, created if missing with its parent directory; `?mode=ro` opens
    /// an existing file read-only), `sqlite::memory:`
    /// (tests only) or `postgres://USER:PASSWORD@HOST:PORT/DB` (also `postgresql://`).
    pub url: String,
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long a query waits for a free connection before the store reports itself unavailable.
    pub acquire_timeout: Duration,
    /// How long to keep retrying the first connection at startup (a database container that is
    /// still starting); zero tries once.
    pub connect_wait: Duration,
}

impl StoreOptions {
    /// The default URL: an embedded SQLite file under the default data directory (D7).
    pub const DEFAULT_URL: &'static str = "sqlite://./gatehouse-data/db.sqlite";

    /// The defaults with another URL.
    pub fn with_url(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            url: Self::DEFAULT_URL.to_owned(),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            connect_wait: Duration::ZERO,
        }
    }
}

/// The database engine behind a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An SQLite file at this path; `?mode=ro` opens it read-only (writes are refused).
    SqliteFile {
        /// The file.
        path: PathBuf,
        /// Opened read-only.
        read_only: bool,
    },
    /// A private in-memory SQLite database (one connection).
    SqliteMemory,
    /// A PostgreSQL server; the URL is passed to the driver as given.
    Postgres,
}

impl Target {
    /// Reads the engine from the URL's scheme.
    pub(crate) fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let bad = |reason: String| StoreError::BadUrl {
                url: redact_url(url),
                reason,
            };
            if path == ":memory:" {
                return Ok(Self::SqliteMemory);
            }
            if path.is_empty() {
                return Err(bad("the sqlite URL names no file".into()));
            }
            let mut read_only = false;
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair {
                    "mode=ro" => read_only = true,
                    "mode=rw" | "mode=rwc" => read_only = false,
                    other => {
                        return Err(bad(format!(
                            "unknown sqlite URL option {other:?} (only mode=ro|rw|rwc)"
                        )));
                    }
                }
            }
            return Ok(Self::SqliteFile {
                path: PathBuf::from(percent_decode(path)),
                read_only,
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres);
        }
        Err(StoreError::BadUrl {
            url: redact_url(url),
            reason: "expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB".into(),
        })
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..authority_start],
        &userinfo[..colon],
        &url[authority_start + at..]
    )
}

/// The driver URL for an SQLite file: absolute, percent-encoded, opened read-write-create
/// or read-only.
pub(crate) fn sqlite_driver_url(path: &std::path::Path, read_only: bool) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut encoded = String::new();
    for byte in absolute.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let mode = if read_only { "ro" } else { "rwc" };
    format!("sqlite://{encoded}?mode={mode}")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://gh:s3cret@127.0.0.1:5432/gh"),
            "postgres://gh:***@127.0.0.1:5432/gh"
        );
        assert_eq!(
            redact_url("postgres://gh@127.0.0.1/gh"),
            "postgres://gh@127.0.0.1/gh"
        );
        assert_eq!(
            redact_url("postgres://gh:p@ss@host/db?x=1"),
            "postgres://gh:***@host/db?x=1"
        );
        assert_eq!(
            redact_url("sqlite://./gatehouse-data/db.sqlite"),
            "sqlite://./gatehouse-data/db.sqlite"
        );
    }

    #[test]
    fn the_engine_follows_the_url_scheme() {
        let file = |path: &str, read_only| Target::SqliteFile {
            path: PathBuf::from(path),
            read_only,
        };
        assert_eq!(
            Target::parse("sqlite://./gatehouse-data/db.sqlite").unwrap(),
            file("./gatehouse-data/db.sqlite", false)
        );
        assert_eq!(
            Target::parse("sqlite:///var/lib/gh/db.sqlite?mode=rwc").unwrap(),
            file("/var/lib/gh/db.sqlite", false)
        );
        assert_eq!(
            Target::parse("sqlite:///var/lib/gh/db.sqlite?mode=ro").unwrap(),
            file("/var/lib/gh/db.sqlite", true)
        );
        assert_eq!(
            Target::parse("sqlite:db%20file.sqlite").unwrap(),
            file("db file.sqlite", false)
        );
        assert!(Target::parse("sqlite:db.sqlite?journal=off").is_err());
        assert_eq!(
            Target::parse("sqlite::memory:").unwrap(),
            Target::SqliteMemory
        );
        assert_eq!(
            Target::parse("postgresql://u:p@h/d").unwrap(),
            Target::Postgres
        );
        let err = Target::parse("mysql://u:p@h/d").unwrap_err().to_string();
        assert!(err.starts_with("database_url: "), "{err}");
        assert!(err.contains("mysql://u:***@h/d"), "{err}");
    }

    #[test]
    fn sqlite_driver_urls_are_absolute_and_escaped() {
        let url = sqlite_driver_url(std::path::Path::new("/tmp/a b?#.sqlite"), false);
        assert_eq!(url, "sqlite:///tmp/a%20b%3F%23.sqlite?mode=rwc");
    }
}
