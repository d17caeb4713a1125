//! `gatehouse admin lockout ...`.

use std::net::IpAddr;

use clap::{ArgGroup, Subcommand};
use gatehouse_domain::{LockoutState, LockoutSubject};

use super::Admin;
use super::output::when;

/// `gatehouse admin lockout` verbs.
#[derive(Debug, Subcommand)]
pub enum LockoutCommand {
    /// Usernames and IPs with failures or a lockout, most recent first.
    List,
    /// Forget a username's or an IP's failures and lift its lockout.
    #[command(group(ArgGroup::new("subject").required(true).args(["user", "ip"])))]
    Clear {
        /// The username.
        #[arg(long)]
        user: Option<String>,
        /// The client IP.
        #[arg(long)]
        ip: Option<IpAddr>,
    },
}

/// Runs one lockout verb.
pub async fn run(admin: &Admin, command: LockoutCommand) -> anyhow::Result<()> {
    let store = admin.store();
    match command {
        LockoutCommand::List => {
            let now = chrono::Utc::now();
            let states = store.list_lockouts().await?;
            admin.out.list(
                &states,
                &[
                    "SUBJECT",
                    "FAILURES",
                    "LEVEL",
                    "LOCKED UNTIL",
                    "LAST FAILURE",
                ],
                |s: &LockoutState| {
                    vec![
                        s.subject.to_string(),
                        s.failures.to_string(),
                        s.level.to_string(),
                        if s.is_locked(now) {
                            when(s.locked_until)
                        } else {
                            "-".into()
                        },
                        when(s.last_failure),
                    ]
                },
            )
        }
        LockoutCommand::Clear { user, ip } => {
            let subject = match (user, ip) {
                (Some(user), _) => LockoutSubject::username(&user),
                (None, Some(ip)) => LockoutSubject::Ip(ip),
                (None, None) => anyhow::bail!("lockout clear: give --user or --ip"),
            };
            let cleared = admin
                .audited(format!("lockout clear {subject}"), async {
                    Ok(store.clear_lockout(&subject).await?)
                })
                .await?;
            admin.out.done(
                &if cleared {
                    format!("cleared {subject}")
                } else {
                    format!("{subject} had no failures")
                },
                serde_json::json!({"ok": true, "cleared": cleared, "subject": subject}),
            )
        }
    }
}
