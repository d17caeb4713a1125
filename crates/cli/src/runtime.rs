//! What `serve`, `sandbox` and `admin` share: configuration, logging, the master key, the
//! store, listeners and the shutdown signal.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow};
use gatehouse_server::config::{Config, ConfigSources, LogFormat};
use gatehouse_store::{MasterKey, SqlStore, StoreOptions};
use tokio::net::TcpListener;

/// The environment variable that carries the master key (base64 of 32 bytes, D7).
pub const MASTER_KEY_ENV: &str = "GATEHOUSE_MASTER_KEY";

/// The async runtime: `workers` worker threads, or by default one per core (tokio's
/// default, which `TOKIO_WORKER_THREADS` also sets). Password hashing runs on its own
/// bounded pool of blocking threads, not on these workers.
pub fn tokio_runtime(workers: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(workers) = workers {
        builder.worker_threads(workers);
    }
    builder.build()
}

/// Loads the configuration: `base` beneath, then `file`, the environment and `flags`.
pub fn load_config(
    base: Option<Config>,
    file: Option<&Path>,
    flags: Option<toml::Table>,
) -> anyhow::Result<Config> {
    Config::load(ConfigSources {
        base,
        file,
        env: std::env::vars().collect(),
        flags,
    })
    .map_err(|e| anyhow!(e))
}

/// Starts logging to stderr in the configured format; `RUST_LOG` overrides `log_level`.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let result = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

/// Where the master key came from, for the first-start message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `GATEHOUSE_MASTER_KEY`.
    Environment,
    /// A file that already existed.
    File(PathBuf),
    /// A file created now.
    Created(PathBuf),
}

/// The master key: `GATEHOUSE_MASTER_KEY`, else `<data_dir>/master.key` (created if missing).
pub fn master_key(config: &Config) -> anyhow::Result<(MasterKey, KeySource)> {
    if let Ok(encoded) = std::env::var(MASTER_KEY_ENV) {
        let key =
            MasterKey::from_base64(encoded.trim()).map_err(|e| anyhow!("{MASTER_KEY_ENV}: {e}"))?;
        return Ok((key, KeySource::Environment));
    }
    let path = config.data_dir.join("master.key");
    // The store's error already names the file.
    let (key, created) = MasterKey::load_or_create(&path).map_err(|e| anyhow!(e))?;
    Ok((
        key,
        if created {
            KeySource::Created(path)
        } else {
            KeySource::File(path)
        },
    ))
}

/// Connects to the configured database and brings its schema up to date.
pub async fn open_store(config: &Config, key: MasterKey) -> anyhow::Result<SqlStore> {
    let url = config.database_url();
    if let Some(path) = url.strip_prefix("sqlite://")
        && let Some(parent) = Path::new(path.split('?').next().unwrap_or(path)).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).with_context(|| {
            format!("database_url: cannot create directory {}", parent.display())
        })?;
    }
    let options = StoreOptions {
        url,
        max_connections: config.database_max_connections,
        acquire_timeout: std::time::Duration::from_secs(config.database_acquire_timeout),
        connect_wait: std::time::Duration::from_secs(config.database_startup_wait),
    };
    let store = SqlStore::connect(&options, key)
        .await
        .map_err(|e| anyhow!(e))?;
    store.migrate().await.map_err(|e| anyhow!(e))?;
    Ok(store)
}

/// Binds every address, or says which one could not be bound and why.
pub async fn bind_all(addrs: &[SocketAddr], what: &str) -> anyhow::Result<Vec<TcpListener>> {
    let mut listeners = Vec::with_capacity(addrs.len());
    for addr in addrs {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            let hint = match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "; another process is listening there: stop it or choose another address"
                }
                std::io::ErrorKind::PermissionDenied => "; ports below 1024 need privileges",
                _ => "",
            };
            anyhow!("{what} {addr}: cannot listen ({e}){hint}")
        })?;
        listeners.push(listener);
    }
    Ok(listeners)
}

/// The URL a listener answers at (`127.0.0.1:0` resolved to its port).
pub fn url_of(listener: &TcpListener) -> anyhow::Result<String> {
    let addr = listener.local_addr()?;
    let host = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
        ip if ip.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    };
    Ok(format!("http://{host}:{}", addr.port()))
}

/// Prints one stable line per mount (STYLE.md §12).
///
/// The operations line comes last, so a reader waiting for it has seen every mount.
pub fn print_mounts(config: &Config, base_url: &str) {
    for (name, section) in config.dialects() {
        if section.enabled && !section.mount.is_empty() {
            println!("listening on {base_url}{} ({name})", section.mount);
        }
    }
    println!("listening on {base_url}/healthz (operations)");
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Shares a store as the port object the server wants.
pub fn shared(store: SqlStore) -> Arc<dyn gatehouse_domain::Store> {
    Arc::new(store)
}
