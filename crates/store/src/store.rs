//! [`SqlStore`]: the connection pool, the master key, startup and health.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gatehouse_domain::{DomainError, DomainResult, Health};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row, Transaction};

use crate::crypto::Sealer;
use crate::error::{Failure, classify, db, reason};
use crate::migrate::Migrated;
use crate::options::{Target, redact_url, sqlite_driver_url};
use crate::outage::{OUTAGE_HOLD, OutageLatch};
use crate::{MasterKey, StoreError, StoreOptions};

/// The `store_meta` row that proves which master key the database belongs to.
pub(crate) const MASTER_KEY_CHECK: &str = "master_key_check";
pub(crate) const MASTER_KEY_CHECK_AAD: &str = "meta:master_key_check";
pub(crate) const MASTER_KEY_CHECK_VALUE: &[u8] = b"gatehouse master key check";

/// The two engines behind one set of queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    /// SQLite, embedded.
    Sqlite,
    /// PostgreSQL, for several instances behind a load balancer.
    Postgres,
}

/// The store: every port of the domain over one sqlx pool, SQLite or PostgreSQL.
///
/// Cheap to clone (the pool and key are shared); what the server's `AppState` holds as its
/// `Store`. Queries are written once with `$n` placeholders, which both engines accept.
#[derive(Clone)]
pub struct SqlStore {
    /// Reads (and, on PostgreSQL, everything).
    pub(crate) pool: AnyPool,
    /// Writes. On an SQLite file this is one connection: SQLite runs one writer at a time,
    /// and writers queueing fairly in the pool beat writers polling in SQLite's busy handler.
    pub(crate) writer: AnyPool,
    pub(crate) engine: Engine,
    pub(crate) sealer: Arc<Sealer>,
    /// Fails calls at once for a moment after the database could not be reached.
    outage: Arc<OutageLatch>,
    url: Arc<str>,
    /// SQLite only: the queue that commits concurrent user creates together.
    pub(crate) creates: Option<crate::user_batch::CreateQueue>,
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("engine", &self.engine)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl SqlStore {
    /// Opens the database named by `options.url` and keeps `master_key` for the secrets.
    /// An SQLite file is created (with its directory) if missing and put in WAL mode; a
    /// PostgreSQL server is retried for `options.connect_wait`. Does not migrate: call
    /// [`SqlStore::migrate`].
    pub async fn connect(
        options: &StoreOptions,
        master_key: MasterKey,
    ) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let target = Target::parse(&options.url)?;
        let redacted = redact_url(&options.url);
        let (driver_url, engine) = match &target {
            Target::SqliteFile { path, read_only } => {
                prepare_sqlite_file(path, *read_only)?;
                (sqlite_driver_url(path, *read_only), Engine::Sqlite)
            }
            Target::SqliteMemory => ("sqlite::memory:".to_owned(), Engine::Sqlite),
            Target::Postgres => (options.url.clone(), Engine::Postgres),
        };
        let connect_failed = |e: &sqlx::Error| match &target {
            Target::SqliteFile { path, .. } => StoreError::SqliteOpen {
                path: path.display().to_string(),
                reason: reason(e),
            },
            _ => StoreError::Connect {
                url: redacted.clone(),
                reason: reason(e),
            },
        };
        let connect_options =
            AnyConnectOptions::from_str(&driver_url).map_err(|e| StoreError::BadUrl {
                url: redacted.clone(),
                reason: reason(&e),
            })?;

        wait_for_database(&connect_options, options, &redacted)
            .await
            .map_err(|e| match connect_failed(&e) {
                StoreError::Connect { url, reason } if !options.connect_wait.is_zero() => {
                    StoreError::Connect {
                        url,
                        reason: format!(
                            "{reason}; gave up after retrying for {} s (database_startup_wait)",
                            options.connect_wait.as_secs()
                        ),
                    }
                }
                other => other,
            })?;
        let pool_options = pool_options(&target, options);
        let writer_options = match target {
            Target::SqliteFile { .. } => Some(pool_options.clone().max_connections(1)),
            Target::SqliteMemory | Target::Postgres => None,
        };
        let pool = pool_options
            .connect_with(connect_options.clone())
            .await
            .map_err(|e| connect_failed(&e))?;
        let writer = match writer_options {
            Some(writer_options) => writer_options
                .connect_with(connect_options)
                .await
                .map_err(|e| connect_failed(&e))?,
            None => pool.clone(),
        };
        tracing::debug!(url = %redacted, engine = ?engine, "store connected");
        let mut store = Self {
            pool,
            writer,
            engine,
            sealer: Arc::new(Sealer::new(&master_key)),
            outage: Arc::new(OutageLatch::new(engine == Engine::Postgres, OUTAGE_HOLD)),
            url: redacted.into(),
            creates: None,
        };
        if engine == Engine::Sqlite {
            store.creates = Some(crate::user_batch::CreateQueue::spawn(store.clone()));
        }
        Ok(store)
    }

    /// Applies the pending schema migrations; safe to call on every start and from several
    /// instances at once.
    /// Refuses a database migrated by a newer gatehouse.
    /// Also checks the master key (see [`SqlStore::check_master_key`]).
    pub async fn migrate(&self) -> Result<Migrated, StoreError> {
        let migrated = crate::migrate::run(&self.writer, self.engine, &self.url).await?;
        self.check_master_key().await?;
        Ok(migrated)
    }

    /// Confirms that the master key is the one this database's secrets are sealed with; on a
    /// database that has no record of a key yet, records this one.
    /// A lost or swapped key then stops startup with one clear line instead of failing every
    /// later secret read; called by [`SqlStore::migrate`].
    pub async fn check_master_key(&self) -> Result<(), StoreError> {
        let query_error = |e: sqlx::Error| StoreError::Query {
            url: self.url.to_string(),
            reason: reason(&e),
        };
        sqlx::query(
            "INSERT INTO store_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(MASTER_KEY_CHECK)
        .bind(
            self.sealer
                .seal(MASTER_KEY_CHECK_AAD, MASTER_KEY_CHECK_VALUE)
                .map_err(|_| StoreError::MasterKeyMismatch {
                    url: self.url.to_string(),
                })?,
        )
        .execute(&self.writer)
        .await
        .map_err(query_error)?;
        let row = sqlx::query("SELECT value FROM store_meta WHERE name = $1")
            .bind(MASTER_KEY_CHECK)
            .fetch_one(&self.pool)
            .await
            .map_err(query_error)?;
        let sealed: String = row.try_get("value").map_err(query_error)?;
        match self.sealer.open(MASTER_KEY_CHECK_AAD, &sealed) {
            Ok(value) if value == MASTER_KEY_CHECK_VALUE => Ok(()),
            _ => Err(StoreError::MasterKeyMismatch {
                url: self.url.to_string(),
            }),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    /// For startup lines and `/healthz`.
    pub fn engine(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }

    /// The database URL with any password redacted.
    /// For startup lines and messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes every connection, waiting for queries in flight.
    /// Call on shutdown so SQLite checkpoints its WAL and PostgreSQL sees clean disconnects.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// Checks the database's consistency: SQLite's `PRAGMA integrity_check`; on PostgreSQL,
    /// which checks itself, that a query over the schema answers.
    /// For crash tests and `gatehouse admin`.
    pub async fn integrity_check(&self) -> DomainResult<()> {
        match self.engine {
            Engine::Sqlite => {
                let rows = sqlx::query("PRAGMA integrity_check")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                let problems: Vec<String> = rows
                    .iter()
                    .filter_map(|row| row.try_get::<String, _>(0).ok())
                    .filter(|line| line != "ok")
                    .collect();
                if problems.is_empty() && !rows.is_empty() {
                    Ok(())
                } else {
                    Err(DomainError::Internal(format!(
                        "integrity check failed: {}",
                        problems.join("; ")
                    )))
                }
            }
            Engine::Postgres => {
                sqlx::query("SELECT COUNT(*) FROM schema_migrations")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }
        }
    }

    /// A transaction for a write: on SQLite it takes the write lock at `BEGIN`, so a
    /// read-then-write cannot fail half-way when another connection wrote in between.
    /// Refused at once while the database is known to be down (see [`OutageLatch`]).
    pub(crate) async fn write_tx(&self) -> DomainResult<Transaction<'static, Any>> {
        self.outage.check()?;
        let begun = begin_write(&self.writer, self.engine).await;
        self.note_acquire(begun.as_ref().err());
        begun.map_err(db)
    }

    /// A connection for reads (on PostgreSQL the one pool serves both).
    /// Every read goes through here so that the outage latch sees it.
    pub(crate) async fn reader(&self) -> DomainResult<PoolConnection<Any>> {
        self.acquire(&self.pool).await
    }

    /// A connection for a single-statement write outside a transaction.
    /// On an SQLite file it is the one writer connection.
    pub(crate) async fn write_conn(&self) -> DomainResult<PoolConnection<Any>> {
        self.acquire(&self.writer).await
    }

    /// Takes a connection from `pool`, unless the database is known to be down.
    async fn acquire(&self, pool: &AnyPool) -> DomainResult<PoolConnection<Any>> {
        self.outage.check()?;
        let acquired = pool.acquire().await;
        self.note_acquire(acquired.as_ref().err());
        acquired.map_err(db)
    }

    /// Tells the outage latch how getting a connection went: a connection, or a failure
    /// that says nothing about reachability (a closed pool, a bad statement), clears it;
    /// a failure to reach the database sets it.
    fn note_acquire(&self, error: Option<&sqlx::Error>) {
        match error {
            Some(e)
                if classify(e) == Failure::Unavailable && !matches!(e, sqlx::Error::PoolClosed) =>
            {
                self.outage.failed();
            }
            Some(_) | None => self.outage.answered(),
        }
    }
}

/// Opens one plain connection, retrying until `options.connect_wait` has passed.
/// The pool would retry a refused connection until its timeout and then report only
/// "timed out", hiding the reason an operator needs.
async fn wait_for_database(
    connect_options: &AnyConnectOptions,
    options: &StoreOptions,
    redacted: &str,
) -> Result<(), sqlx::Error> {
    let deadline = Instant::now() + options.connect_wait;
    let mut announced = false;
    loop {
        let attempt = tokio::time::timeout(
            options.acquire_timeout.max(Duration::from_secs(1)),
            AnyConnection::connect_with(connect_options),
        )
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut));
        match attempt {
            Ok(conn) => {
                let _ = conn.close().await;
                return Ok(());
            }
            Err(e) if Instant::now() < deadline => {
                // One line for the operator, then quiet retries until the deadline.
                if announced {
                    tracing::debug!(url = %redacted, reason = %reason(&e), "database not reachable yet; retrying");
                } else {
                    announced = true;
                    tracing::info!(
                        url = %redacted,
                        reason = %reason(&e),
                        wait_seconds = options.connect_wait.as_secs(),
                        "database not reachable yet; retrying until database_startup_wait has passed"
                    );
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The pool settings for a target: SQLite connections get their pragmas as they open.
fn pool_options(target: &Target, options: &StoreOptions) -> AnyPoolOptions {
    let mut pool_options = AnyPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.acquire_timeout);
    if *target != Target::SqliteMemory {
        // A private in-memory database lives in its one connection: closing that would
        // silently empty the database, so it keeps its connection whatever happens.
        pool_options = pool_options
            .after_release(|conn, _meta| Box::pin(left_no_transaction_open(conn)))
            .before_acquire(|conn, _meta| Box::pin(async move { Ok(!conn.is_in_transaction()) }));
    }
    if matches!(target, Target::SqliteFile { .. } | Target::SqliteMemory) {
        let read_only = matches!(
            target,
            Target::SqliteFile {
                read_only: true,
                ..
            }
        );
        // An embedded file cannot drop a connection the way a network server can, so the
        // ping sqlx sends before handing out each connection (a round trip to the
        // connection's worker thread on every query) buys nothing here.
        pool_options = pool_options.test_before_acquire(false);
        pool_options = pool_options.after_connect(move |conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; with synchronous=NORMAL a
                // committed transaction survives a crash of the process (not of the OS).
                // A read-only connection cannot switch the journal mode; the file keeps
                // the WAL mode its writer set.
                if !read_only {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                }
                for pragma in [
                    "PRAGMA synchronous = NORMAL",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA busy_timeout = 5000",
                ] {
                    conn.execute(pragma).await?;
                }
                Ok(())
            })
        });
    }
    if *target == Target::SqliteMemory {
        // A private in-memory database lives as long as its one connection.
        pool_options = pool_options
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    pool_options
}

/// Whether a connection coming back to the pool is outside any transaction, as the pool
/// must hand it out; `false` closes it (the pool opens a fresh one when needed).
///
/// A dropped [`Transaction`] only queues its ROLLBACK; the ping runs it. When the engine
/// has already ended the transaction itself (SQLite rolls back on its own when a COMMIT or
/// a statement fails with a full disk or an I/O error), that ROLLBACK fails too and sqlx
/// keeps counting the transaction as open: every later `BEGIN` on the connection would fail
/// with "begin_with at non-zero transaction depth" until a restart. Closing the connection
/// ends that at the root, whichever store call's transaction failed.
///
/// A connection that counts no open transaction has nothing queued to run, so it goes back
/// without the ping: the common case costs no round trip to the connection's thread.
async fn left_no_transaction_open(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!(
            "closing a database connection whose transaction could not be ended (failed COMMIT or ROLLBACK)"
        );
    }
    Ok(clean)
}

/// Begins a write transaction on `pool` (see [`SqlStore::write_tx`]).
pub(crate) async fn begin_write(
    pool: &AnyPool,
    engine: Engine,
) -> Result<Transaction<'static, Any>, sqlx::Error> {
    match engine {
        Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Engine::Postgres => pool.begin().await,
    }
}

/// Creates the SQLite file's directory and the file itself, so that a permission problem is
/// reported in the operating system's words rather than SQLite's "unable to open"; a file
/// opened read-only must exist.
fn prepare_sqlite_file(path: &std::path::Path, read_only: bool) -> Result<(), StoreError> {
    let failed = |e: std::io::Error| StoreError::SqliteOpen {
        path: path.display().to_string(),
        reason: e.kind().to_string(),
    };
    if read_only {
        return std::fs::File::open(path).map(|_| ()).map_err(failed);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(failed)?;
    Ok(())
}

#[async_trait]
impl Health for SqlStore {
    async fn ping(&self) -> DomainResult<()> {
        sqlx::query("SELECT 1")
            .fetch_one(&mut *self.reader().await?)
            .await
            .map_err(db)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Pool hygiene: a connection whose transaction the engine ended behind sqlx's back (a
    //! full disk, a failed COMMIT) never goes back into the pool, so one failure does not
    //! turn into every later write failing. Run on SQLite always and on PostgreSQL when
    //! `GATEHOUSE_TEST_PG_URL` is set, like the contract tests.

    use gatehouse_domain::{DomainError, NewUser, Username, Users};
    use rand::RngCore;

    use super::*;

    /// A fresh migrated store of each engine, with what it takes to remove it.
    async fn stores() -> Vec<(
        SqlStore,
        Option<(String, String)>,
        Option<tempfile::TempDir>,
    )> {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let mut out = vec![(open(&url).await, None, Some(dir))];
        if let Some(admin) = std::env::var("GATEHOUSE_TEST_PG_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            let mut suffix = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut suffix);
            let name = format!("gh_unit_{}", hex::encode(suffix));
            let url = crate::create_pg_database(&admin, &name).await.unwrap();
            out.push((open(&url).await, Some((admin, name)), None));
        }
        out
    }

    async fn open(url: &str) -> SqlStore {
        let store = SqlStore::connect(&StoreOptions::with_url(url), MasterKey::generate())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store
    }

    async fn finish(store: SqlStore, pg: Option<(String, String)>) {
        store.close().await;
        if let Some((admin, name)) = pg {
            crate::drop_pg_database(&admin, &name).await.unwrap();
        }
    }

    fn new_user(name: &str) -> NewUser {
        NewUser::new(Username::parse(name).unwrap())
    }

    #[tokio::test]
    async fn a_commit_after_the_engine_ended_the_transaction_does_not_poison_the_writer() {
        for (store, pg, _dir) in stores().await {
            // The engine rolls the transaction back on its own (as SQLite does on a full
            // disk); sqlx still counts it open, and its COMMIT fails or finds nothing to do.
            let mut tx = store.write_tx().await.unwrap();
            sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
            let _ = tx.commit().await;
            for n in 0..3 {
                store
                    .create_user(new_user(&format!("after{n}")))
                    .await
                    .unwrap_or_else(|e| {
                        panic!("{}: write {n} after the failed commit: {e}", store.engine())
                    });
            }
            finish(store, pg).await;
        }
    }

    #[tokio::test]
    async fn a_write_refused_by_a_full_sqlite_database_leaves_later_writes_working() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = open(&url).await;
        // The writer is one connection: cap its file at the pages it has, so the next page
        // it needs fails with SQLITE_FULL, as a full disk would.
        sqlx::query("PRAGMA max_page_count = 1")
            .execute(&store.writer)
            .await
            .unwrap();
        let big = "x".repeat(64 * 1024);
        let mut refused = None;
        for n in 0..50 {
            let mut user = new_user(&format!("filler{n}"));
            user.first_name = big.clone();
            if let Err(e) = store.create_user(user).await {
                refused = Some(e);
                break;
            }
        }
        assert!(
            matches!(refused, Some(DomainError::WriteRefused(_))),
            "{refused:?}"
        );
        // Space returns (on a fresh connection the cap is gone; on the old one lift it).
        sqlx::query("PRAGMA max_page_count = 1073741823")
            .execute(&store.writer)
            .await
            .unwrap();
        for n in 0..3 {
            store
                .create_user(new_user(&format!("after{n}")))
                .await
                .unwrap_or_else(|e| panic!("write {n} after the disk filled: {e}"));
        }
        store.close().await;
    }
}
