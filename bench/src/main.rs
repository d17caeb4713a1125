//! `gatehouse-bench`: runs the load benchmark and prints its markdown table (bench/README.md).

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use gatehouse_bench::{Options, report, run};

/// Set in the re-executed, pinned load generator.
const PINNED_ENV: &str = "GATEHOUSE_BENCH_PINNED";

/// Benchmarks a `gatehouse sandbox` pinned to core 0 with one runtime worker, driven from
/// core 1 over loopback, one scenario at a time; prints req/s, p50, p99 and the ratio to
/// `GET /healthz` of the same run. Rate limits are off (D10).
#[derive(Debug, Parser)]
#[command(name = "gatehouse-bench", version)]
struct Args {
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Keep-alive connections of the load generator.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Run only this scenario (plus healthz for the ratio); `scale` and `memory` run those parts.
    #[arg(long, value_name = "NAME")]
    scenario: Option<String>,
    /// Run the baseline and the key-checked reads against this PostgreSQL database
    /// (seeded with 1,000 users, which are kept) instead of SQLite.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// The gatehouse binary (default: `gatehouse` beside this one, built with cargo if missing).
    #[arg(long, value_name = "FILE")]
    gatehouse: Option<PathBuf>,
    /// Users in the scale run's large store.
    #[arg(long, default_value_t = 1_000_000)]
    scale_users: u64,
    /// Enrolments in the scale run's large store.
    #[arg(long, default_value_t = 100_000)]
    scale_enrolments: u64,
    /// coreBOS sessions opened for the per-session memory figure.
    #[arg(long, default_value_t = 10_000)]
    sessions: u64,
    /// Do not pin the server and the load generator to cores 0 and 1.
    #[arg(long)]
    no_pin: bool,
    /// Also rewrite the generated section of this file (bench/RESULTS.md).
    #[arg(long, value_name = "FILE")]
    write_results: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.no_pin && std::env::var_os(PINNED_ENV).is_none() {
        // The load generator runs on core 1: re-executed under taskset (no unsafe affinity call).
        match repin() {
            Ok(Some(code)) => return code,
            Ok(None) => {
                eprintln!("gatehouse-bench: taskset not found; the load generator is not pinned")
            }
            Err(error) => {
                eprintln!("gatehouse-bench: {error:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    match main_pinned(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("gatehouse-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs this program again under `taskset -c 1`; `None` if taskset is missing.
fn repin() -> anyhow::Result<Option<ExitCode>> {
    let exe = std::env::current_exe()?;
    let status = match Command::new("taskset")
        .args(["-c", "1"])
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(PINNED_ENV, "1")
        .status()
    {
        Ok(status) => status,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }))
}

fn main_pinned(args: Args) -> anyhow::Result<ExitCode> {
    let gatehouse = match args.gatehouse {
        Some(path) => path,
        None => gatehouse_binary()?,
    };
    let mut options = Options::new(gatehouse);
    options.duration = Duration::from_secs_f64(args.duration);
    options.connections = args.connections;
    options.scenario = args.scenario;
    let postgres = args.database_url.is_some();
    options.server.database_url = args.database_url;
    options.server.pin = !args.no_pin;
    options.scale_users = args.scale_users;
    options.scale_enrolments = args.scale_enrolments;
    options.sessions = args.sessions;
    // One thread: the generator's whole budget is the core it is pinned to.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(&options))?;
    let table = report.markdown();
    print!("{table}");
    if let Some(path) = args.write_results {
        let document = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(
            &path,
            report::rewrite_section(&document, report::markers(postgres), &table),
        )
        .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("gatehouse-bench: table written to {}", path.display());
    }
    Ok(if report.errors() == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("gatehouse-bench: some requests failed; their figures are not valid");
        ExitCode::FAILURE
    })
}

/// `gatehouse` beside this binary (the same cargo profile), built if missing.
fn gatehouse_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("binary without a directory")?;
    let release = dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "-p", "gatehouse", "--bin", "gatehouse"]);
    if release {
        build.arg("--release");
    }
    eprintln!(
        "gatehouse-bench: building the gatehouse binary ({})",
        if release { "release" } else { "debug" }
    );
    let status = build.status().context("running cargo build -p gatehouse")?;
    if !status.success() {
        bail!("cargo build -p gatehouse failed");
    }
    let path = dir.join("gatehouse");
    if !path.exists() {
        bail!(
            "{} not found after building; pass --gatehouse FILE",
            path.display()
        );
    }
    Ok(path)
}
