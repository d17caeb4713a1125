//! `gatehouse admin wildix-app ...`: Wildix S2S applications, as thin verbs over the
//! `wildix-app` credentials (app id = public id `s2s-<name>-<random>`, name = label).

use chrono::{DateTime, Utc};
use clap::Subcommand;
use ipnet::IpNet;

use super::Admin;
use super::credential::{self, CredentialCommand};

const KIND: &str = "wildix-app";

/// `gatehouse admin wildix-app` verbs.
#[derive(Debug, Subcommand)]
pub enum WildixAppCommand {
    /// Create an application; its app id and secret are printed (the secret once).
    Add {
        /// The app name, which clients send as `iss`.
        name: String,
        /// The user whose rights the application acts with.
        #[arg(long)]
        user: String,
        /// Only usable from this network (repeatable).
        #[arg(long = "allow-cidr", value_name = "CIDR")]
        allow_cidr: Vec<IpNet>,
        /// Stops working after this instant (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        expires: Option<DateTime<Utc>>,
    },
    /// List applications (secrets hidden unless --show-secret).
    List {
        /// Include revoked ones.
        #[arg(long)]
        all: bool,
        /// Print the secrets in clear.
        #[arg(long)]
        show_secret: bool,
    },
    /// Replace an application's secret; the new one is printed once.
    Rotate {
        /// The app id (`X-APP-ID`).
        app_id: String,
    },
    /// Revoke an application for good.
    Revoke {
        /// The app id (`X-APP-ID`).
        app_id: String,
    },
}

/// Runs one verb through the credential helpers.
pub async fn run(admin: &Admin, command: WildixAppCommand) -> anyhow::Result<()> {
    let command = match command {
        WildixAppCommand::Add {
            name,
            user,
            allow_cidr,
            expires,
        } => {
            if name.trim().is_empty() {
                anyhow::bail!("NAME: the application needs a name (clients send it as iss)");
            }
            CredentialCommand::Add {
                kind: KIND.into(),
                user,
                label: name,
                allow_cidr,
                expires,
            }
        }
        WildixAppCommand::List { all, show_secret } => CredentialCommand::List {
            user: None,
            kind: Some(KIND.into()),
            all,
            show_secret,
        },
        WildixAppCommand::Rotate { app_id } => {
            ensure_app(admin, &app_id).await?;
            CredentialCommand::Rotate { public_id: app_id }
        }
        WildixAppCommand::Revoke { app_id } => {
            ensure_app(admin, &app_id).await?;
            CredentialCommand::Revoke { public_id: app_id }
        }
    };
    credential::run(admin, command).await
}

/// Refuses an id that is some other kind of credential.
async fn ensure_app(admin: &Admin, app_id: &str) -> anyhow::Result<()> {
    match admin.store().credential(app_id).await? {
        Some(c) if c.kind == gatehouse_domain::CredentialKind::WildixApp => Ok(()),
        _ => anyhow::bail!("wildix app {app_id:?} not found (see gatehouse admin wildix-app list)"),
    }
}
