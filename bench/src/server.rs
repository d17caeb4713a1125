//! The server under test: `gatehouse admin seed` into a data directory, then
//! `gatehouse sandbox` on it, pinned to core 0 with one runtime worker.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

/// The master key of benchmark PostgreSQL databases: base64 of
/// `gatehouse-bench fixed master key`. Benchmark data only.
const POSTGRES_MASTER_KEY: &str = "Z2F0ZWhvdXNlLWJlbmNoIGZpeGVkIG1hc3RlciBrZXk=";

/// How the server is started.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The `gatehouse` binary.
    pub gatehouse: PathBuf,
    /// Pin the server to core 0 with `taskset -c 0`.
    pub pin: bool,
    /// A PostgreSQL URL instead of the data directory's SQLite file.
    pub database_url: Option<String>,
}

impl ServerOptions {
    fn command(&self, data_dir: &Path) -> Command {
        let mut command = if self.pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(&self.gatehouse);
            c
        } else {
            Command::new(&self.gatehouse)
        };
        // D10: the benchmarks measure capacity, so the rate limits are off. An environment
        // variable (unlike a config file line) is ignored by a build that lacks the key.
        command
            .env("GATEHOUSE_GUARD__RATE_LIMITS", "false")
            .env("GATEHOUSE_DATA_DIR", data_dir)
            .env_remove("GATEHOUSE_CONFIG")
            .env_remove("GATEHOUSE_MASTER_KEY");
        match &self.database_url {
            // A PostgreSQL database outlives the temporary data directory, so its master key
            // must too: the bench uses a fixed one there (a key is checked at migration).
            Some(url) => command
                .env("GATEHOUSE_DATABASE_URL", url)
                .env("GATEHOUSE_MASTER_KEY", POSTGRES_MASTER_KEY),
            None => command.env_remove("GATEHOUSE_DATABASE_URL"),
        };
        command
    }

    /// `gatehouse admin seed --users N --enrolments M` into `data_dir`'s database.
    pub fn seed(&self, data_dir: &Path, users: u64, enrolments: u64) -> anyhow::Result<String> {
        let output = self
            .command(data_dir)
            .args(["admin", "seed", "--users", &users.to_string()])
            .args(["--enrolments", &enrolments.to_string()])
            .output()
            .context("running gatehouse admin seed")?;
        if !output.status.success() {
            bail!(
                "gatehouse admin seed failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Starts `gatehouse sandbox --workers 1` on `data_dir` and waits for its credentials file.
    pub fn start(&self, data_dir: &Path) -> anyhow::Result<Running> {
        let credentials_path = data_dir.join("bench-credentials.json");
        let _ = std::fs::remove_file(&credentials_path);
        let log = data_dir.join("sandbox.log");
        let child = self
            .command(data_dir)
            .args(["sandbox", "--workers", "1", "--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--credentials-file")
            .arg(&credentials_path)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(data_dir.join("sandbox.out"))?)
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .with_context(|| format!("starting {}", self.gatehouse.display()))?;
        let mut server = Server { child, log };
        // Polled: the credentials file appearing means the sandbox is listening.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(text) = std::fs::read_to_string(&credentials_path)
                && let Ok(credentials) = serde_json::from_str::<serde_json::Value>(&text)
            {
                return Ok(server.ready(credentials));
            }
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "sandbox exited with {status}: {}",
                    std::fs::read_to_string(&server.log).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!("sandbox not ready after 120 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A running sandbox, killed when dropped.
pub struct Server {
    child: Child,
    log: PathBuf,
}

/// A running sandbox and its credentials file.
pub struct Running {
    /// The process.
    pub server: Server,
    /// The credentials file's content.
    pub credentials: serde_json::Value,
}

impl Server {
    fn ready(self, credentials: serde_json::Value) -> Running {
        Running {
            server: self,
            credentials,
        }
    }

    /// A `/proc/<pid>/status` field in KiB (`VmRSS`, `VmHWM`).
    pub fn memory_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("reading the server's /proc status")?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow!("no {field} in /proc status"))
    }
}

impl Server {
    /// CPU time the server has used so far, all threads, user plus system, in seconds.
    ///
    /// Read from `/proc/<pid>/stat` (fields 14 and 15, in USER_HZ ticks, which Linux fixes
    /// at 100 per second for that file). Divided by the requests of a scenario it gives the
    /// server CPU per request, a figure other load on the machine barely moves, unlike
    /// req/s.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .context("reading the server's /proc stat")?;
        // The command name (field 2) may hold spaces; the fields after its ')' do not.
        let after_name = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .ok_or_else(|| anyhow!("unreadable /proc stat"))?;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // `after_name` starts at field 3, so fields 14 and 15 are at 11 and 12.
        let ticks = |i: usize| -> anyhow::Result<u64> {
            fields
                .get(i)
                .and_then(|f| f.parse().ok())
                .ok_or_else(|| anyhow!("no CPU time in /proc stat"))
        };
        Ok((ticks(11)? + ticks(12)?) as f64 / 100.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
