//! `gatehouse admin credential ...`.

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use gatehouse_domain::{Credential, CredentialFilter, CredentialKind, Secret};
use gatehouse_server::credentials::{self, IssueRequest};
use ipnet::IpNet;

use super::Admin;
use super::output::when;

/// `gatehouse admin credential` verbs.
#[derive(Debug, Subcommand)]
pub enum CredentialCommand {
    /// Issue a credential; its secret is printed once.
    Add {
        /// chamilo-api-key, chamilo-soap-api-key, corebos-access-key or wildix-app.
        #[arg(long)]
        kind: String,
        /// The user whose rights it carries.
        #[arg(long)]
        user: String,
        /// A name (the Wildix app name, which clients send as `iss`).
        #[arg(long, default_value = "")]
        label: String,
        /// Only usable from this network (repeatable), e.g. 203.0.113.0/24.
        #[arg(long = "allow-cidr", value_name = "CIDR")]
        allow_cidr: Vec<IpNet>,
        /// Stops working after this instant (RFC 3339, e.g. 2027-01-01T00:00:00Z).
        #[arg(long, value_name = "RFC3339")]
        expires: Option<DateTime<Utc>>,
    },
    /// List credentials (secrets hidden unless --show-secret).
    List {
        /// Only this user's.
        #[arg(long)]
        user: Option<String>,
        /// Only this kind.
        #[arg(long)]
        kind: Option<String>,
        /// Include revoked ones.
        #[arg(long)]
        all: bool,
        /// Print the secrets in clear.
        #[arg(long)]
        show_secret: bool,
    },
    /// Show one credential.
    Show {
        /// Its public id.
        public_id: String,
        /// Print the secret in clear.
        #[arg(long)]
        show_secret: bool,
    },
    /// Replace a credential's secret; the new one is printed once.
    Rotate {
        /// Its public id.
        public_id: String,
    },
    /// Revoke a credential for good.
    Revoke {
        /// Its public id.
        public_id: String,
    },
}

async fn find(admin: &Admin, public_id: &str) -> anyhow::Result<Credential> {
    admin.store().credential(public_id).await?.ok_or_else(|| {
        anyhow!("credential {public_id:?} not found (see gatehouse admin credential list)")
    })
}

/// Runs one credential verb.
pub async fn run(admin: &Admin, command: CredentialCommand) -> anyhow::Result<()> {
    let store = admin.store();
    match command {
        CredentialCommand::Add {
            kind,
            user,
            label,
            allow_cidr,
            expires,
        } => {
            // The public id is issued by the write, so the operation names kind and owner.
            let operation = format!("credential add {kind} {user}");
            let (owner, (credential, secret)) = admin
                .audited(operation, async {
                    let kind = CredentialKind::parse(&kind)?;
                    let owner = super::user::find(admin, &user).await?;
                    let request = IssueRequest {
                        kind,
                        owner: owner.id,
                        label,
                        allowed_cidrs: allow_cidr,
                        expires_at: expires,
                    };
                    let issued = credentials::issue(store, request).await?;
                    Ok((owner, issued))
                })
                .await?;
            print_one(
                admin,
                &credential,
                &owner.username.to_string(),
                Some(&secret),
            )
        }
        CredentialCommand::List {
            user,
            kind,
            all,
            show_secret,
        } => {
            let owner = match user {
                Some(name) => Some(super::user::find(admin, &name).await?.id),
                None => None,
            };
            let kind = kind.as_deref().map(CredentialKind::parse).transpose()?;
            let list = store
                .list_credentials(CredentialFilter {
                    owner,
                    kind,
                    include_revoked: all,
                })
                .await?;
            let mut rows = Vec::new();
            for c in list {
                let owner = owner_name(admin, &c).await?;
                let secret = if show_secret {
                    store.reveal(c.id).await?.expose().to_owned()
                } else {
                    "***".to_owned()
                };
                rows.push(Row::new(c, owner, secret));
            }
            admin.out.list(
                &rows,
                &[
                    "PUBLIC ID",
                    "KIND",
                    "OWNER",
                    "LABEL",
                    "SECRET",
                    "EXPIRES",
                    "REVOKED",
                ],
                |r| {
                    vec![
                        r.credential.public_id.clone(),
                        r.credential.kind.as_str().to_owned(),
                        r.owner.clone(),
                        r.credential.label.clone(),
                        r.secret.clone(),
                        when(r.credential.expires_at),
                        when(r.credential.revoked_at),
                    ]
                },
            )
        }
        CredentialCommand::Show {
            public_id,
            show_secret,
        } => {
            let credential = find(admin, &public_id).await?;
            let owner = owner_name(admin, &credential).await?;
            let secret = if show_secret {
                Some(store.reveal(credential.id).await?)
            } else {
                None
            };
            print_one(admin, &credential, &owner, secret.as_ref())
        }
        CredentialCommand::Rotate { public_id } => {
            let (rotated, secret) = admin
                .audited(format!("credential rotate {public_id}"), async {
                    let credential = find(admin, &public_id).await?;
                    if credential.revoked_at.is_some() {
                        return Err(anyhow!(
                            "credential {public_id:?} is revoked; issue a new one"
                        ));
                    }
                    Ok(credentials::rotate(store, &credential).await?)
                })
                .await?;
            let owner = owner_name(admin, &rotated).await?;
            print_one(admin, &rotated, &owner, Some(&secret))
        }
        CredentialCommand::Revoke { public_id } => {
            let revoked = admin
                .audited(format!("credential revoke {public_id}"), async {
                    let credential = find(admin, &public_id).await?;
                    Ok(store.revoke_credential(credential.id).await?)
                })
                .await?;
            let owner = owner_name(admin, &revoked).await?;
            print_one(admin, &revoked, &owner, None)
        }
    }
}

#[derive(serde::Serialize)]
struct Row {
    #[serde(flatten)]
    credential: Credential,
    owner: String,
    secret: String,
}

impl Row {
    fn new(credential: Credential, owner: String, secret: String) -> Self {
        Self {
            credential,
            owner,
            secret,
        }
    }
}

async fn owner_name(admin: &Admin, credential: &Credential) -> anyhow::Result<String> {
    Ok(admin
        .store()
        .user(credential.owner)
        .await?
        .map(|u| u.username.to_string())
        .unwrap_or_else(|| credential.owner.to_string()))
}

fn print_one(
    admin: &Admin,
    credential: &Credential,
    owner: &str,
    secret: Option<&Secret>,
) -> anyhow::Result<()> {
    let shown = secret.map_or_else(|| "***".to_owned(), |s| s.expose().to_owned());
    let row = Row::new(credential.clone(), owner.to_owned(), shown.clone());
    let cidrs = if credential.allowed_cidrs.is_empty() {
        "any".to_owned()
    } else {
        credential
            .allowed_cidrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    admin.out.record(
        &row,
        vec![
            ("public id", credential.public_id.clone()),
            ("kind", credential.kind.as_str().to_owned()),
            ("owner", owner.to_owned()),
            ("label", credential.label.clone()),
            ("secret", shown),
            ("allowed from", cidrs),
            ("expires", when(credential.expires_at)),
            ("revoked", when(credential.revoked_at)),
            ("created", when(Some(credential.created_at))),
            ("rotated", when(credential.rotated_at)),
        ],
    )
}
