//! The `gatehouse` command: one server for the web-service dialects of Chamilo, coreBOS,
//! Forma LMS and Wildix, its sandbox, its administration, and `explain` for signatures.
#![forbid(unsafe_code)]

mod admin;
mod call;
mod explain;
mod runtime;
mod sandbox;
mod serve;

use std::process::ExitCode;

/// mimalloc instead of the C library's allocator: a request is many small short-lived
/// allocations (parsing, rows, answers), which mimalloc serves in a fraction of the time;
/// see bench/RESULTS.md for the measured difference.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// gatehouse speaks the web-service dialects of Chamilo, coreBOS/vtiger, Forma LMS and
/// Wildix over one identity store.
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  gatehouse sandbox --listen 127.0.0.1:0 --credentials-file /tmp/creds.json
  gatehouse serve --config gatehouse.toml
  gatehouse admin user add alice --password-stdin --email alice@example.com
  gatehouse admin credential add --kind chamilo-api-key --user alice
  gatehouse admin audit search --since 30m --outcome failure
  gatehouse explain corebos --token 5a7b3c9d1e2f4 --access-key Kq3mZ8vB2xL9pT4w";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (creates ./gatehouse-data/ with database and secrets on first start).
    Serve(serve::ServeArgs),
    /// Run a throwaway server with demo data, demo keys for every dialect and diagnostics on.
    Sandbox(sandbox::SandboxArgs),
    /// Manage users, courses, credentials, secrets and the audit trail in the database.
    Admin(admin::AdminArgs),
    /// Call a dialect with its handshake done for you: chamilo, corebos, forma or wildix.
    Call(call::CallArgs),
    /// Show the canonical string and expected value of a dialect's signature, and where a
    /// client's value differs.
    Explain(explain::ExplainArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let workers = match &cli.command {
        Command::Serve(args) => args.workers.map(usize::from),
        Command::Sandbox(args) => args.workers.map(usize::from),
        _ => None,
    };
    match runtime::tokio_runtime(workers) {
        Ok(tokio) => tokio.block_on(run(cli)),
        Err(error) => {
            eprintln!("gatehouse: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Admin(args) => admin::run(args).await,
        Command::Call(args) => call::run(args).await,
        Command::Explain(args) => match explain::run(args) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(error) => Err(error),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gatehouse: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line, as startup failures must be (issue #2).
fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
