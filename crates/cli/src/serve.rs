//! `gatehouse serve`: the server.

use std::path::PathBuf;

use clap::Args;
use gatehouse_server::{AppState, site_secrets};

use crate::runtime::{self, KeySource};

/// Options of `gatehouse serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML configuration file (see gatehouse.example.toml); every key has a default.
    #[arg(long, short, env = "GATEHOUSE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen address, overriding `listen` (repeat for several).
    #[arg(long, value_name = "ADDR")]
    pub listen: Vec<std::net::SocketAddr>,
    /// Data directory, overriding `data_dir`.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Async runtime worker threads (default: one per core). Benchmarks pin the server to
    /// one core with `taskset -c 0` and `--workers 1`.
    #[arg(long, env = "GATEHOUSE_WORKERS", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut flags = toml::Table::new();
    if !args.listen.is_empty() {
        flags.insert(
            "listen".into(),
            toml::Value::Array(args.listen.iter().map(|a| a.to_string().into()).collect()),
        );
    }
    if let Some(dir) = &args.data_dir {
        flags.insert("data_dir".into(), dir.display().to_string().into());
    }
    let config = runtime::load_config(None, args.config.as_deref(), Some(flags))?;
    runtime::init_logging(&config);

    // Listen first: a port in use is reported before anything is created or migrated.
    let listeners = runtime::bind_all(&config.listen, "listen").await?;
    let mut dialect_listeners = Vec::new();
    for (name, section) in config.dialects() {
        if section.enabled && !section.listen.is_empty() {
            dialect_listeners.push((
                name,
                runtime::bind_all(&section.listen, &format!("{name}.listen")).await?,
            ));
        }
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "data_dir: cannot create {} ({e})",
            config.data_dir.display()
        )
    })?;
    let (key, key_source) = runtime::master_key(&config)?;
    let store = runtime::open_store(&config, key).await?;
    let created_secrets = site_secrets::ensure(&store).await?;
    if let KeySource::Created(path) = &key_source {
        println!("first start: created the master key {}", path.display());
        println!(
            "  keep it safe and back it up: every stored secret is encrypted with it (or set GATEHOUSE_MASTER_KEY instead)"
        );
    }
    if !created_secrets.is_empty() {
        println!(
            "created site secrets {} in {}",
            created_secrets.join(", "),
            gatehouse_server::config::redact_url(&config.database_url())
        );
        println!("  read them with: gatehouse admin secrets show --show-secret");
    }

    let state = AppState::build(config.clone(), runtime::shared(store)).await?;
    let mut served = Vec::new();
    for listener in listeners {
        let url = runtime::url_of(&listener)?;
        runtime::print_mounts(&config, &url);
        served.push((listener, gatehouse_server::app(state.clone())));
    }
    for (name, listeners) in dialect_listeners {
        let Some(router) = gatehouse_server::dialect_app(state.clone(), name) else {
            tracing::warn!(
                dialect = name,
                "{name}.listen is set but the dialect serves nothing yet"
            );
            continue;
        };
        for listener in listeners {
            println!("listening on {} ({name})", runtime::url_of(&listener)?);
            served.push((listener, router.clone()));
        }
    }
    // Audit retention: purge now and hourly (`audit_retention_days`, 0 = keep for ever).
    let _retention =
        gatehouse_server::ops::retention::spawn(state.store.clone(), config.audit_retention_days);
    let result = gatehouse_server::serve(served, runtime::shutdown_signal()).await;
    // Every request has finished: store the successful authentications still batched.
    state.audit.flush().await;
    result?;
    Ok(())
}
