//! The stores each contract test runs against.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use gatehouse_domain::{NewUser, User, Username, Users};
use gatehouse_store::{MasterKey, SqlStore, StoreOptions};
use rand::RngCore;
use sqlx::{AnyConnection, Connection, Executor};
use tempfile::TempDir;

/// The environment variable naming a PostgreSQL server (an admin URL that may create
/// databases) to run the contract tests against as well.
pub const PG_URL_VAR: &str = "GATEHOUSE_TEST_PG_URL";

/// One migrated, empty store and what it takes to clean it up.
pub struct TestStore {
    /// The store.
    pub store: SqlStore,
    /// `sqlite` or `postgres`, for assertion messages.
    pub label: &'static str,
    /// The URL the store was opened with.
    pub url: String,
    /// The key it was opened with.
    pub key: MasterKey,
    /// The SQLite file, if it is one.
    pub sqlite_path: Option<PathBuf>,
    _dir: Option<TempDir>,
    pg: Option<(String, String)>,
}

impl TestStore {
    /// Opens the same database again with another master key.
    pub async fn reopen_with(&self, key: MasterKey) -> SqlStore {
        SqlStore::connect(&StoreOptions::with_url(&self.url), key)
            .await
            .expect("reopen")
    }

    /// The same database opened again so that it refuses writes: SQLite with `?mode=ro`,
    /// PostgreSQL with read-only transactions by default.
    pub async fn read_only(&self) -> SqlStore {
        match &self.pg {
            None => {
                let url = format!("{}?mode=ro", self.url);
                SqlStore::connect(&StoreOptions::with_url(url), self.key.clone())
                    .await
                    .expect("reopen read-only")
            }
            Some((admin_url, name)) => {
                let mut admin = AnyConnection::connect(admin_url).await.expect("pg admin");
                admin
                    .execute(
                        format!("ALTER DATABASE {name} SET default_transaction_read_only = on")
                            .as_str(),
                    )
                    .await
                    .expect("make the database read-only");
                let _ = admin.close().await;
                self.reopen_with(self.key.clone()).await
            }
        }
    }

    /// Closes the store and drops its PostgreSQL database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = &self.pg {
            let mut admin = AnyConnection::connect(admin_url).await.expect("pg admin");
            admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await
                .expect("drop test database");
            let _ = admin.close().await;
        }
    }
}

/// A fresh migrated SQLite store, and a fresh PostgreSQL one if `GATEHOUSE_TEST_PG_URL` is set.
pub async fn stores() -> Vec<TestStore> {
    let out = unmigrated_stores().await;
    for t in &out {
        t.store.migrate().await.expect("migrate");
    }
    out
}

/// Like [`stores`], with empty databases that have not been migrated.
pub async fn unmigrated_stores() -> Vec<TestStore> {
    sqlx::any::install_default_drivers();
    let mut out = vec![sqlite().await];
    if let Ok(admin_url) = std::env::var(PG_URL_VAR) {
        if !admin_url.is_empty() {
            out.push(postgres(&admin_url).await);
        }
    }
    out
}

async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data/db.sqlite");
    let url = format!("sqlite://{}", path.display());
    let key = MasterKey::generate();
    let store = SqlStore::connect(&StoreOptions::with_url(&url), key.clone())
        .await
        .expect("open sqlite");
    TestStore {
        store,
        label: "sqlite",
        url,
        key,
        sqlite_path: Some(path),
        _dir: Some(dir),
        pg: None,
    }
}

async fn postgres(admin_url: &str) -> TestStore {
    let mut suffix = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut suffix);
    let name = format!("gh_test_{}", hex::encode(suffix));
    let mut admin = AnyConnection::connect(admin_url)
        .await
        .expect("connect to GATEHOUSE_TEST_PG_URL");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let url = with_database(admin_url, &name);
    let key = MasterKey::generate();
    let store = SqlStore::connect(&StoreOptions::with_url(&url), key.clone())
        .await
        .expect("open postgres");
    TestStore {
        store,
        label: "postgres",
        url,
        key,
        sqlite_path: None,
        _dir: None,
        pg: Some((admin_url.to_owned(), name)),
    }
}

/// The URL with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

/// A username, for brevity.
pub fn name(raw: &str) -> Username {
    Username::parse(raw).expect("valid username")
}

/// Creates a plain user.
pub async fn user(store: &SqlStore, username: &str) -> User {
    store
        .create_user(NewUser::new(name(username)))
        .await
        .expect("create user")
}

/// An instant, whole seconds since the epoch.
pub fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("valid instant")
}

#[test]
fn test_database_urls_keep_their_server_and_options() {
    assert_eq!(
        with_database(
            "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
            "x"
        ),
        "postgres://u:p@127.0.0.1:5432/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}
