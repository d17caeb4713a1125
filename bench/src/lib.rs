//! gatehouse's load benchmark (issue #10): a `gatehouse sandbox` pinned to one core with one
//! runtime worker, driven from the other core over loopback by a fixed number of HTTP/1.1
//! keep-alive connections, one scenario at a time. See bench/README.md.

pub mod load;
pub mod report;
pub mod scenarios;
pub mod server;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::load::{Bound, Stats, drive};
use crate::report::{MemoryRow, Report, Row, ScaleRow};
use crate::scenarios::{ALL, KEY_CHECKED, Target};
use crate::server::{Running, Server, ServerOptions};

/// Everything a run is told.
#[derive(Debug, Clone)]
pub struct Options {
    /// How the server is started.
    pub server: ServerOptions,
    /// How long each scenario runs.
    pub duration: Duration,
    /// Connections of the load generator.
    pub connections: usize,
    /// Connections that flood `authenticate` in `read-during-login-flood`.
    pub flood_connections: usize,
    /// Only this scenario (or `scale`, `memory`).
    pub scenario: Option<String>,
    /// Users seeded for the main run (the "1k" store).
    pub base_users: u64,
    /// Users and enrolments seeded for the scale run.
    pub scale_users: u64,
    /// Enrolments seeded for the scale run.
    pub scale_enrolments: u64,
    /// coreBOS sessions opened for the per-session memory figure.
    pub sessions: u64,
}

impl Options {
    /// The defaults of a full run, for the `gatehouse` binary at `gatehouse`.
    pub fn new(gatehouse: PathBuf) -> Self {
        Self {
            server: ServerOptions {
                gatehouse,
                pin: true,
                database_url: None,
            },
            duration: Duration::from_secs(10),
            connections: 32,
            flood_connections: 8,
            scenario: None,
            base_users: 1_000,
            scale_users: 1_000_000,
            scale_enrolments: 100_000,
            sessions: 10_000,
        }
    }

    fn wants(&self, name: &str) -> bool {
        self.scenario.as_deref().is_none_or(|s| s == name)
    }
}

/// Runs the benchmark and returns its report.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    if let Some(name) = &options.scenario
        && !ALL.contains(&name.as_str())
        && name != "scale"
        && name != "memory"
    {
        bail!(
            "unknown scenario {name:?}; known: {}, scale, memory",
            ALL.join(", ")
        );
    }
    let mut report = Report::new(options);
    let postgres = options.server.database_url.is_some();
    let main_names: Vec<&str> = ALL
        .iter()
        .copied()
        .filter(|n| !postgres || *n == "healthz" || KEY_CHECKED.contains(n))
        .filter(|n| {
            // `read-during-login-flood` is compared with the read alone, so asking for it
            // measures that read too.
            let flood_baseline = options.scenario.as_deref() == Some("read-during-login-flood")
                && *n == "chamilo-rest-profile";
            options.wants(n) || *n == "healthz" || flood_baseline
        })
        .collect();
    let scale_too = !postgres && options.wants("scale");
    let memory_too = !postgres && options.wants("memory");
    let main_needed = main_names.len() > 1
        || options.scenario.as_deref() == Some("healthz")
        || scale_too
        || memory_too;

    if main_needed {
        let dir = tempfile::Builder::new()
            .prefix("gatehouse-bench-")
            .tempdir()?;
        let seeded = options
            .server
            .seed(dir.path(), options.base_users, 0)
            .context("seeding the main store")?;
        report.notes.push(format!("main store: {seeded}"));
        let running = options.server.start(dir.path())?;
        let target = Target::prepare(running.credentials.clone(), options.base_users).await?;
        let names: Vec<&str> = if scale_too || memory_too {
            let mut names = main_names.clone();
            for n in KEY_CHECKED {
                if !names.contains(n) {
                    names.push(n);
                }
            }
            names.sort_by_key(|n| ALL.iter().position(|a| a == n));
            names
        } else {
            main_names.clone()
        };
        for name in names {
            let row = if name == "read-during-login-flood" {
                flood(options, &target, &report).await?
            } else {
                measure(options, &target, name, &running.server).await?
            };
            report.push(row);
        }
        if memory_too {
            report
                .memory
                .extend(sessions_memory(options, &running, &target).await?);
        }
        drop(running);
        if scale_too {
            scale(options, &mut report).await?;
        }
    }
    Ok(report)
}

/// Runs scenario `name` against `server` and measures it, with the server CPU it used.
async fn measure(
    options: &Options,
    target: &Target,
    name: &str,
    server: &Server,
) -> anyhow::Result<Row> {
    target.check(name).await?;
    let cpu_before = server.cpu_seconds()?;
    let stats = drive(
        target.addr_for(name),
        options.connections,
        Bound::Time(options.duration),
        target.iteration(name)?,
    )
    .await?;
    let cpu = server.cpu_seconds()? - cpu_before;
    let mut row = Row::new(name, stats);
    row.cpu_us = (row.stats.ok > 0).then(|| cpu * 1e6 / row.stats.ok as f64);
    Ok(row)
}

/// Chamilo REST `user_profile` while `authenticate` floods the Argon2id pool.
async fn flood(options: &Options, target: &Target, report: &Report) -> anyhow::Result<Row> {
    let logins = drive(
        target.addr,
        options.flood_connections,
        Bound::Time(options.duration),
        target.iteration("argon2-login")?,
    );
    let reads = drive(
        target.addr,
        options.connections,
        Bound::Time(options.duration),
        target.iteration("chamilo-rest-profile")?,
    );
    let (logins, reads) = tokio::join!(logins, reads);
    let (logins, mut reads): (Stats, Stats) = (logins?, reads?);
    reads.errors += logins.errors;
    if reads.first_error.is_none() {
        reads.first_error = logins.first_error.clone();
    }
    let mut row = Row::new("read-during-login-flood", reads);
    row.flood_logins = Some(logins.rate());
    row.alone = report.rate_of("chamilo-rest-profile");
    Ok(row)
}

/// RSS growth per live coreBOS session.
async fn sessions_memory(
    options: &Options,
    running: &Running,
    target: &Target,
) -> anyhow::Result<Vec<MemoryRow>> {
    let before = running.server.memory_kib("VmRSS")?;
    let stats = scenarios::login_pairs(target, options.connections, options.sessions).await?;
    if stats.errors > 0 {
        bail!(
            "opening sessions: {} errors ({})",
            stats.errors,
            stats.first_error.unwrap_or_default()
        );
    }
    let after = running.server.memory_kib("VmRSS")?;
    let per_session = (after.saturating_sub(before) as f64 * 1024.0) / options.sessions as f64;
    Ok(vec![MemoryRow {
        what: format!("RSS per live coreBOS session ({} opened)", options.sessions),
        value: format!("{per_session:.0} B ({before} → {after} KiB)"),
        target: "≤ 2 KiB".into(),
        met: Some(per_session <= 2048.0),
        errors: stats.errors,
    }])
}

/// The key-checked reads again on a store of `scale_users` users and `scale_enrolments` enrolments.
async fn scale(options: &Options, report: &mut Report) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("gatehouse-bench-scale-")
        .tempdir()?;
    let started = std::time::Instant::now();
    let seeded = options
        .server
        .seed(dir.path(), options.scale_users, options.scale_enrolments)
        .context("seeding the scale store")?;
    report.notes.push(format!(
        "scale store: {seeded} (wall time {:.1} s)",
        started.elapsed().as_secs_f64()
    ));
    let running = options.server.start(dir.path())?;
    let target = Target::prepare(running.credentials.clone(), options.scale_users).await?;
    let baseline = measure(options, &target, "healthz", &running.server).await?;
    for name in KEY_CHECKED {
        let row = measure(options, &target, name, &running.server).await?;
        let small = report.row(name).map(|r| (r.stats.rate(), r.stats.errors));
        report.scale.push(ScaleRow {
            scenario: (*name).to_owned(),
            small: small.map(|s| s.0),
            large: row.stats.rate(),
            large_ratio: row.stats.rate() / baseline.stats.rate().max(1.0),
            errors: row.stats.errors + small.map_or(0, |s| s.1),
            first_error: row.stats.first_error.clone(),
        });
    }
    let peak = running.server.memory_kib("VmHWM")?;
    report.memory.insert(
        0,
        MemoryRow {
            what: format!(
                "peak RSS (VmHWM) after the {}-user run",
                report::thousands(options.scale_users as f64)
            ),
            value: format!("{:.1} MiB", peak as f64 / 1024.0),
            target: "≤ 200 MiB".into(),
            met: Some(peak <= 200 * 1024),
            errors: 0,
        },
    );
    Ok(())
}
