//! `gatehouse admin`: users, courses, enrolments, credentials, secrets and the audit trail,
//! straight against the configured database (D17).
//!
//! Errors go to stderr with exit status 1; usage errors exit 2 (clap). Secrets print as
//! `***` unless `--show-secret`, except a new secret, which is shown once when issued.

mod audit;
mod course;
mod credential;
mod lockout;
mod output;
mod secrets;
mod seed;
mod transfer;
mod user;
mod wildix_app;
mod wildix_queue;

use std::future::Future;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use gatehouse_domain::{Audit, AuditEvent, Outcome, Store};
use gatehouse_store::SqlStore;

use crate::runtime;
pub use output::Output;

/// Options of `gatehouse admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// TOML configuration file naming the database (the same file as `serve`).
    #[arg(
        long,
        short,
        env = "GATEHOUSE_CONFIG",
        value_name = "FILE",
        global = true
    )]
    pub config: Option<PathBuf>,
    /// Print one JSON value (an array for lists) instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to manage.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The nouns of `gatehouse admin`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Users: add, list, show, enable, disable, delete.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Courses: add, list, show.
    #[command(subcommand)]
    Course(course::CourseCommand),
    /// Enrol a user in a course (or change the role of an enrolment).
    Enrol(course::EnrolArgs),
    /// Credentials (API keys, access keys, Wildix apps): add, list, show, rotate, revoke.
    #[command(subcommand)]
    Credential(credential::CredentialCommand),
    /// Site secrets (Chamilo security key, Forma key, secret and SSO secret).
    #[command(subcommand)]
    Secrets(secrets::SecretsCommand),
    /// The audit trail: tail, search.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Lockouts after repeated authentication failures: list, clear.
    #[command(subcommand)]
    Lockout(lockout::LockoutCommand),
    /// Wildix S2S applications: add, list, rotate, revoke.
    #[command(subcommand)]
    WildixApp(wildix_app::WildixAppCommand),
    /// Wildix call queues: add, list.
    #[command(subcommand)]
    WildixQueue(wildix_queue::WildixQueueCommand),
    /// Bulk-create numbered users, courses and enrolments for benchmarks only (one shared
    /// password hash for every seeded user).
    Seed(seed::SeedArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write every row (users, credentials still sealed, courses, records, secrets) to
    /// stdout as JSON lines, to move the install to another database.
    Export,
    /// Read an export from stdin into the configured database (empty unless --merge).
    Import(transfer::ImportArgs),
}

/// Runs one admin command.
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let config = runtime::load_config(None, args.config.as_deref(), None)?;
    runtime::init_logging(&gatehouse_server::config::Config {
        log_level: "warn".into(),
        ..config.clone()
    });
    let (key, _) = runtime::master_key(&config)?;
    let store = runtime::open_store(&config, key).await?;
    let out = Output { json: args.json };
    let admin = Admin { store, out };
    match args.command {
        AdminCommand::User(cmd) => user::run(&admin, cmd).await,
        AdminCommand::Course(cmd) => course::run(&admin, cmd).await,
        AdminCommand::Enrol(cmd) => course::enrol(&admin, cmd).await,
        AdminCommand::Credential(cmd) => credential::run(&admin, cmd).await,
        AdminCommand::Secrets(cmd) => secrets::run(&admin, cmd).await,
        AdminCommand::Audit(cmd) => audit::run(&admin, cmd).await,
        AdminCommand::Lockout(cmd) => lockout::run(&admin, cmd).await,
        AdminCommand::WildixApp(cmd) => wildix_app::run(&admin, cmd).await,
        AdminCommand::WildixQueue(cmd) => wildix_queue::run(&admin, cmd).await,
        AdminCommand::Export => transfer::export(&admin).await,
        AdminCommand::Import(args) => transfer::import(&admin, args).await,
        AdminCommand::Seed(cmd) => seed::run(&admin, cmd).await,
        AdminCommand::Migrate => out.done(
            &format!("database is up to date ({})", admin.store.engine()),
            serde_json::json!({"ok": true, "engine": admin.store.engine()}),
        ),
    }
}

/// What every admin command works with.
pub struct Admin {
    store: SqlStore,
    out: Output,
}

impl Admin {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    /// Runs one admin write (its look-ups included) and records it in the audit trail
    /// however it ends (issue #8: every write is audited): outcome `success`; `failure` with
    /// the reason code of [`failure_reason`]; or `error`, `store_failure` when the store
    /// failed. `operation` names the write as the operator typed it; the error's text goes
    /// to the operator, never into the trail.
    async fn audited<T>(
        &self,
        operation: String,
        write: impl Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        let result = write.await;
        let (outcome, reason) = match &result {
            Ok(_) => (Outcome::Success, "ok"),
            Err(error) => failure_reason(error),
        };
        let event = AuditEvent {
            at: chrono::Utc::now(),
            request_id: None,
            dialect: "admin".into(),
            scheme: "local".into(),
            operation,
            principal: std::env::var("USER").ok(),
            ip: None,
            outcome,
            reason: reason.into(),
        };
        if let Err(error) = Audit::record(&self.store, event).await {
            eprintln!("warning: audit event not recorded: {error}");
        }
        result
    }
}

/// The outcome and reason code of a failed admin write: the store's own failures are
/// `error`/`store_failure`; a domain refusal says which (`not_found`, `taken`, `invalid`);
/// anything else the command refused (`user "x" not found`, a revoked credential, bad
/// input) is `refused`.
fn failure_reason(error: &anyhow::Error) -> (Outcome, &'static str) {
    use gatehouse_domain::DomainError as E;
    let Some(domain) = error.downcast_ref::<E>() else {
        return (Outcome::Failure, "refused");
    };
    if domain.is_store_failure() {
        return (Outcome::Error, "store_failure");
    }
    let reason = match domain {
        E::UserNotFound(_)
        | E::CourseNotFound(_)
        | E::SessionNotFound(_)
        | E::CredentialNotFound(_)
        | E::CredentialIdNotFound(_) => "not_found",
        E::UsernameTaken(_)
        | E::CourseCodeTaken(_)
        | E::SessionNameTaken(_)
        | E::ExternalIdTaken { .. } => "taken",
        E::Invalid { .. } => "invalid",
        _ => "refused",
    };
    (Outcome::Failure, reason)
}

#[cfg(test)]
mod tests {
    use gatehouse_domain::{DomainError, UserId};

    use super::*;

    #[test]
    fn failed_writes_get_a_reason_code_never_the_error_text() {
        let cases = [
            (
                DomainError::UsernameTaken("dave".into()).into(),
                (Outcome::Failure, "taken"),
            ),
            (
                DomainError::UserNotFound(UserId(7)).into(),
                (Outcome::Failure, "not_found"),
            ),
            (
                DomainError::invalid("username", "empty").into(),
                (Outcome::Failure, "invalid"),
            ),
            (
                DomainError::WriteRefused("ro".into()).into(),
                (Outcome::Error, "store_failure"),
            ),
            (
                anyhow::anyhow!("user \"x\" not found"),
                (Outcome::Failure, "refused"),
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(failure_reason(&error), expected, "{error}");
        }
    }
}
