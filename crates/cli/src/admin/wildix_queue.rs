//! `gatehouse admin wildix-queue ...`: the PBX's call queues (D17).

use clap::Subcommand;
use gatehouse_domain::{NewCallQueue, Page};

use super::Admin;

/// `gatehouse admin wildix-queue` verbs.
#[derive(Debug, Subcommand)]
pub enum WildixQueueCommand {
    /// Create a call queue.
    Add {
        /// Queue name (unique).
        name: String,
        /// A static member, e.g. an extension (repeatable).
        #[arg(long = "member", value_name = "EXT")]
        members: Vec<String>,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List call queues with their members.
    List,
}

/// Runs one verb.
pub async fn run(admin: &Admin, command: WildixQueueCommand) -> anyhow::Result<()> {
    let store = admin.store();
    match command {
        WildixQueueCommand::Add {
            name,
            members,
            description,
        } => {
            let operation = format!("wildix-queue add {name}");
            let new = NewCallQueue {
                name,
                description,
                strategy: String::new(),
                members,
            };
            let queue = admin
                .audited(operation, async { Ok(store.create_queue(new).await?) })
                .await?;
            let members = queue
                .members
                .iter()
                .map(|m| m.interface.clone())
                .collect::<Vec<_>>()
                .join(", ");
            admin.out.record(
                &queue,
                vec![
                    ("id", queue.id.to_string()),
                    ("name", queue.name.clone()),
                    ("description", queue.description.clone()),
                    ("members", members),
                ],
            )
        }
        WildixQueueCommand::List => {
            let (queues, _) = store.queues(Page::all()).await?;
            admin.out.list(&queues, &["ID", "NAME", "MEMBERS"], |q| {
                vec![
                    q.id.to_string(),
                    q.name.clone(),
                    q.members
                        .iter()
                        .map(|m| m.interface.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
        }
    }
}
