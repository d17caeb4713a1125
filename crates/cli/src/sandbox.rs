//! `gatehouse sandbox`: a throwaway server with demo data and keys for every dialect.

use std::path::{Path, PathBuf};

use clap::Args;
use gatehouse_server::config::Config;
use gatehouse_server::edge::GuardConfig;
use gatehouse_server::{AppState, sandbox};
use gatehouse_store::MasterKey;

use crate::runtime::{self};

/// Options of `gatehouse sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Listen address; `127.0.0.1:0` picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Write the credentials (JSON) here once listening; the file appearing means "ready".
    #[arg(long, value_name = "FILE")]
    pub credentials_file: Option<PathBuf>,
    /// Keep the store in DIR (created with demo data if absent, reused if present) instead
    /// of a fresh temporary directory removed at exit.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration (the same file as `serve`); the sandbox's own defaults sit beneath it.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lockout rules: `sandbox` (a username is locked for 10 s after 10 failures, no IP
    /// lockout) or `production` (serve's: 60 s doubling to 15 min, per username and IP).
    #[arg(long, value_enum, default_value = "sandbox")]
    pub guard: GuardMode,
    /// Async runtime worker threads (default: one per core). Benchmarks pin the server to
    /// one core with `taskset -c 0` and `--workers 1`.
    #[arg(long, env = "GATEHOUSE_WORKERS", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
}

/// Which lockout rules the sandbox applies (D6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GuardMode {
    /// Forgiving: integrators are still getting signatures wrong.
    Sandbox,
    /// Exactly as `serve` has them.
    Production,
}

/// The sandbox's defaults beneath the file (D7): diagnostics on, a forgiving guard (D6).
fn sandbox_defaults(data_dir: &Path, guard: GuardMode) -> Config {
    Config {
        diagnostics: true,
        data_dir: data_dir.to_owned(),
        database_url: None,
        guard: match guard {
            GuardMode::Sandbox => GuardConfig::sandbox(),
            GuardMode::Production => GuardConfig::default(),
        },
        ..Config::default()
    }
}

/// Runs the sandbox until SIGINT or SIGTERM.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let (temp, data_dir) = match &args.data_dir {
        Some(dir) => (None, dir.clone()),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("gatehouse-sandbox-")
                .tempdir()?;
            let path = temp.path().to_owned();
            (Some(temp), path)
        }
    };
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| anyhow::anyhow!("--data-dir: cannot create {} ({e})", data_dir.display()))?;

    let mut flags = toml::Table::new();
    flags.insert(
        "listen".into(),
        toml::Value::Array(vec![args.listen.to_string().into()]),
    );
    flags.insert("data_dir".into(), data_dir.display().to_string().into());
    let config = runtime::load_config(
        Some(sandbox_defaults(&data_dir, args.guard)),
        args.config.as_deref(),
        Some(flags),
    )?;
    runtime::init_logging(&config);

    // A temporary sandbox's key lives only as long as its store; a kept one is kept with it.
    let key = if temp.is_some() {
        MasterKey::generate()
    } else {
        runtime::master_key(&config)?.0
    };
    let store = runtime::open_store(&config, key).await?;
    let state = AppState::build(config.clone(), runtime::shared(store))
        .await?
        .with_sandbox_diagnostics();
    let seeded = sandbox::seed(&state).await?;

    let listener = runtime::bind_all(&config.listen, "--listen")
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("--listen: no address"))?;
    let base_url = runtime::url_of(&listener)?;
    runtime::print_mounts(&config, &base_url);
    // D14: Wildix clients are configured with a bare host, so Wildix also gets a listener
    // of its own, at `/`, on the --listen host.
    let wildix_listener = runtime::bind_all(
        &[std::net::SocketAddr::new(listener.local_addr()?.ip(), 0)],
        "wildix listener",
    )
    .await?
    .into_iter()
    .next()
    .ok_or_else(|| anyhow::anyhow!("wildix listener: no address"))?;
    let wildix_url = runtime::url_of(&wildix_listener)?;
    println!("listening on {wildix_url}/api/v1/ (wildix)");

    let mut credentials = seeded.credentials_file(&state, &base_url)?;
    credentials.wildix.url = wildix_url;
    let path = args
        .credentials_file
        .clone()
        .unwrap_or_else(|| data_dir.join("credentials.json"));
    write_atomically(&path, &serde_json::to_vec_pretty(&credentials)?)?;
    println!("sandbox credentials written to {}", path.display());
    println!(
        "  administrator: {} / {}",
        credentials.chamilo.admin.username, credentials.chamilo.admin.password
    );

    // Audit retention: purge now and hourly (`audit_retention_days`, 0 = keep for ever).
    let _retention = gatehouse_server::ops::retention::spawn(
        state.store.clone(),
        state.config.audit_retention_days,
    );
    let audit = state.audit.clone();
    let mut listeners = vec![(listener, gatehouse_server::app(state.clone()))];
    if let Some(router) = gatehouse_server::dialect_app(state, "wildix") {
        listeners.push((wildix_listener, router));
    }
    let result = gatehouse_server::serve(listeners, runtime::shutdown_signal()).await;
    // Every request has finished: store the successful authentications still batched.
    audit.flush().await;
    drop(temp);
    result?;
    Ok(())
}

/// Writes via a temporary file and a rename, so a watcher never reads half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("--credentials-file {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.persist(path)
        .map_err(|e| anyhow::anyhow!("--credentials-file {}: {}", path.display(), e.error))?;
    Ok(())
}
