//! PostgreSQL for end-to-end tests: a fresh database per test on the server named by
//! `GATEHOUSE_TEST_PG_URL` ([`PgDatabase`]), or a whole cluster of the test's own that it
//! may stop and start again ([`PgCluster`]).
//!
//! `scripts/test` starts one throwaway cluster and sets `GATEHOUSE_TEST_PG_URL`; when it is
//! unset, tests that need PostgreSQL say they were skipped and return.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, bail};
use tokio::process::Command;

/// The environment variable naming the shared test server (an admin URL).
pub const PG_URL_VAR: &str = "GATEHOUSE_TEST_PG_URL";

/// The shared test server's admin URL, or `None` after printing that `test` is skipped.
pub fn pg_admin_url(test: &str) -> Option<String> {
    match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            println!("{test}: skipped, {PG_URL_VAR} is not set (scripts/test sets it)");
            None
        }
    }
}

/// A database of one test's own on a PostgreSQL server; drop it with [`PgDatabase::drop`].
pub struct PgDatabase {
    /// The URL of the database, for `GATEHOUSE_DATABASE_URL`.
    pub url: String,
    admin_url: String,
    name: String,
}

impl PgDatabase {
    /// Creates a database with a unique name on the server of `admin_url`.
    pub async fn create(admin_url: &str) -> anyhow::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "gh_e2e_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            unique_suffix()
        );
        let url = gatehouse_store::create_pg_database(admin_url, &name).await?;
        Ok(Self {
            url,
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    /// Drops the database, closing any connection still open to it.
    pub async fn drop(self) -> anyhow::Result<()> {
        gatehouse_store::drop_pg_database(&self.admin_url, &self.name).await?;
        Ok(())
    }
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or(0)
}

/// A PostgreSQL cluster of one test's own, started with `pg-throwaway.sh` in its own
/// directory on a free port; it can be paused (server stopped, data kept) and started again.
/// Deleted by [`PgCluster::stop`] (and on drop, best effort).
pub struct PgCluster {
    /// The cluster's admin URL.
    pub admin_url: String,
    dir: PathBuf,
    port: u16,
    _parent: tempfile::TempDir,
}

impl PgCluster {
    /// Starts a new cluster (needs PostgreSQL's server binaries, as `scripts/test` installs).
    pub async fn start() -> anyhow::Result<Self> {
        let parent = tempfile::tempdir()?;
        // Under root the server runs as `postgres`, which must reach its directory.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o755))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut cluster = Self {
            admin_url: String::new(),
            dir: parent.path().join("pg"),
            port,
            _parent: parent,
        };
        cluster.admin_url = cluster.script("start").await?;
        Ok(cluster)
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server, keeping its data.
    pub async fn pause(&self) -> anyhow::Result<()> {
        self.script("pause").await.map(|_| ())
    }

    /// Starts the server again after [`PgCluster::pause`].
    pub async fn resume(&self) -> anyhow::Result<()> {
        self.script("start").await.map(|_| ())
    }

    /// Stops the server and deletes the cluster.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.script("stop").await.map(|_| ())
    }

    async fn script(&self, verb: &str) -> anyhow::Result<String> {
        let output = Command::new(script_path())
            .arg(verb)
            .env("PG_THROWAWAY_DIR", &self.dir)
            .env("PG_THROWAWAY_PORT", self.port.to_string())
            .output()
            .await
            .with_context(|| format!("running pg-throwaway.sh {verb}"))?;
        if !output.status.success() {
            bail!(
                "pg-throwaway.sh {verb} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.dir.join("PG_VERSION").exists() {
            let _ = std::process::Command::new(script_path())
                .arg("stop")
                .env("PG_THROWAWAY_DIR", &self.dir)
                .env("PG_THROWAWAY_PORT", self.port.to_string())
                .output();
        }
    }
}

fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/scripts/pg-throwaway.sh")
}
