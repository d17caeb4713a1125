//! `gatehouse admin secrets ...`.

use clap::Subcommand;

use super::Admin;

/// `gatehouse admin secrets` verbs.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Show the site secrets (as `***` unless --show-secret).
    Show {
        /// Print them in clear.
        #[arg(long)]
        show_secret: bool,
    },
}

#[derive(serde::Serialize)]
struct Named {
    name: String,
    value: String,
}

/// Runs one secrets verb.
pub async fn run(admin: &Admin, command: SecretsCommand) -> anyhow::Result<()> {
    let SecretsCommand::Show { show_secret } = command;
    let store = admin.store();
    let mut rows = Vec::new();
    for name in store.site_secret_names().await? {
        let value = match store.site_secret(&name).await? {
            Some(secret) if show_secret => secret.expose().to_owned(),
            Some(_) => "***".to_owned(),
            None => continue,
        };
        rows.push(Named { name, value });
    }
    admin.out.list(&rows, &["NAME", "VALUE"], |r| {
        vec![r.name.clone(), r.value.clone()]
    })
}
