//! Creating and dropping PostgreSQL databases on a server, for test harnesses and
//! provisioning scripts that give each run a database of its own.

use sqlx::{AnyConnection, Connection, Executor};

use crate::StoreError;
use crate::error::reason;
use crate::options::redact_url;

/// Creates the database `name` on the PostgreSQL server of `admin_url` (a URL of a role
/// that may create databases) and returns the URL of the new database.
///
/// `name` must be lowercase ASCII letters, digits and underscores: it is written into the
/// SQL, which cannot take a database name as a parameter.
pub async fn create_pg_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    run_admin(admin_url, name, &format!("CREATE DATABASE {name}")).await?;
    Ok(database_url(admin_url, name))
}

/// Drops the database `name` (closing its connections) on the server of `admin_url`.
pub async fn drop_pg_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    run_admin(
        admin_url,
        name,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
}

async fn run_admin(admin_url: &str, name: &str, sql: &str) -> Result<(), StoreError> {
    let failed = |reason: String| StoreError::Connect {
        url: redact_url(admin_url),
        reason,
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(failed(format!("{name:?} is not a plain database name")));
    }
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(admin_url)
        .await
        .map_err(|e| failed(reason(&e)))?;
    let result = conn.execute(sql).await.map_err(|e| failed(reason(&e)));
    let _ = conn.close().await;
    result.map(|_| ())
}

/// `admin_url` with its database (the path) replaced by `name`, query kept.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_database_replaces_the_path_of_the_admin_url() {
        assert_eq!(
            database_url("postgres://u:p@127.0.0.1:5432/postgres", "gh_1"),
            "postgres://u:p@127.0.0.1:5432/gh_1"
        );
        assert_eq!(
            database_url("postgres://u@h:1?sslmode=disable", "gh_2"),
            "postgres://u@h:1/gh_2?sslmode=disable"
        );
    }
}
