//! The real `gatehouse` binary as a child process.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a started binary may take to become ready (a debug build on a busy 2-core CI machine).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `gatehouse sandbox`, killed when dropped.
pub struct Sandbox {
    /// The credentials file's content (ARCHITECTURE.md §5).
    pub credentials: serde_json::Value,
    /// Where the credentials file was written.
    pub credentials_path: PathBuf,
    /// `base_url` from the credentials file.
    pub base_url: String,
    dir: tempfile::TempDir,
    child: Child,
}

impl Sandbox {
    /// Starts `bin sandbox --listen 127.0.0.1:0` and waits for its credentials file.
    pub async fn start(bin: &Path) -> anyhow::Result<Self> {
        Self::start_with(bin, &[], &[]).await
    }

    /// Starts the sandbox with extra arguments and environment variables.
    pub async fn start_with(
        bin: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let credentials_path = dir.path().join("credentials.json");
        let mut command = Command::new(bin);
        command
            .arg("sandbox")
            .args(["--listen", "127.0.0.1:0", "--credentials-file"])
            .arg(&credentials_path)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.path().join("stdout.log"))?)
            .stderr(std::fs::File::create(dir.path().join("stderr.log"))?)
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(text) = std::fs::read_to_string(&credentials_path)
                && let Ok(credentials) = serde_json::from_str::<serde_json::Value>(&text)
            {
                let base_url = credentials["base_url"]
                    .as_str()
                    .ok_or_else(|| anyhow!("credentials file has no base_url"))?
                    .to_owned();
                return Ok(Self {
                    credentials,
                    credentials_path,
                    base_url,
                    dir,
                    child,
                });
            }
            if let Some(status) = child.try_wait()? {
                bail!(
                    "sandbox exited with {status} before it was ready; stderr: {}",
                    std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!("sandbox not ready after {READY_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// What the sandbox printed on stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout.log")).unwrap_or_default()
    }

    /// What the sandbox printed on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// The process id, for sending signals.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would: no graceful
    /// shutdown, nothing flushed; returns once it is gone.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill().await.map_err(Into::into)
    }

    /// Stops the sandbox with SIGTERM and waits (up to 20 s) for it to exit: a graceful
    /// shutdown, after which every audit event it batched is stored.
    pub async fn stop(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        if let Some(pid) = self.child.id() {
            Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await?;
        }
        self.wait_exit(Duration::from_secs(20)).await
    }

    /// Waits up to `timeout` for the process to exit by itself (after a signal).
    pub async fn wait_exit(
        &mut self,
        timeout: Duration,
    ) -> anyhow::Result<std::process::ExitStatus> {
        tokio::time::timeout(timeout, self.child.wait())
            .await
            .map_err(|_| anyhow!("sandbox did not exit within {timeout:?}"))?
            .map_err(Into::into)
    }
}

/// A running `gatehouse serve`, killed when dropped.
pub struct Served {
    /// The URL of the first shared listener, read from the `listening on` line.
    pub base_url: String,
    /// Everything printed on stdout up to readiness.
    pub banner: Vec<String>,
    logs: std::sync::Arc<std::sync::Mutex<String>>,
    child: Child,
}

impl Served {
    /// Starts `bin serve` in `cwd` with `args` and `env`, and waits for its first `listening on` line.
    pub async fn start(
        bin: &Path,
        cwd: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let mut child = Command::new(bin)
            .arg("serve")
            .args(args)
            .current_dir(cwd)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        // Collect stderr (the logs), which also keeps the child from blocking on a full pipe.
        let logs = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = logs.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut logs) = sink.lock() {
                    logs.push_str(&line);
                    logs.push('\n');
                }
            }
        });
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let found = tokio::time::timeout(READY_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                banner.push(line.clone());
                if let Some(rest) = line.strip_prefix("listening on ") {
                    let url = rest.split_whitespace().next().unwrap_or("");
                    if let Some(base) = url.strip_suffix("/healthz") {
                        return Ok::<_, std::io::Error>(Some(base.to_owned()));
                    }
                }
            }
            Ok(None)
        })
        .await;
        let base_url = match found {
            Ok(Ok(Some(url))) => url,
            Ok(Ok(None)) | Ok(Err(_)) => {
                let status = child.wait().await?;
                bail!("serve exited with {status} before listening; stdout: {banner:?}");
            }
            Err(_) => bail!("serve not listening after {READY_TIMEOUT:?}"),
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            base_url,
            banner,
            logs,
            child,
        })
    }

    /// What the server logged on stderr so far.
    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Stops the server with SIGTERM, waits for it to exit, and returns its logs.
    pub async fn stop(mut self) -> anyhow::Result<String> {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
        }
        match tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        // Give the stderr reader a moment to drain the last lines.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(self.logs())
    }
}

/// Runs `bin args...` to completion with `env`, in `cwd`; returns (status code, stdout, stderr).
pub async fn run_gatehouse(
    bin: &Path,
    cwd: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> anyhow::Result<(i32, String, String)> {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).await?;
        }
        drop(pipe);
    }
    let output = tokio::time::timeout(READY_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| anyhow!("gatehouse {args:?} did not finish in {READY_TIMEOUT:?}"))??;
    Ok((
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}
