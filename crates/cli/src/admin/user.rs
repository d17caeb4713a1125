//! `gatehouse admin user ...`.

use std::io::Read;

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use gatehouse_domain::{NewUser, PlatformRole, User, UserPatch, Username};

use super::Admin;
use super::output::when;

/// `gatehouse admin user` verbs.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        /// Login name (unique, compared case-insensitively).
        username: String,
        /// Password (visible in the process list; prefer --password-stdin).
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// E-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// Given name.
        #[arg(long, default_value = "")]
        first_name: String,
        /// Family name.
        #[arg(long, default_value = "")]
        last_name: String,
        /// Platform role: teacher, session_admin, hr_manager, student, anonymous, student_boss, invitee.
        #[arg(long, default_value = "student")]
        role: String,
        /// Make the user a platform administrator.
        #[arg(long)]
        admin: bool,
        /// Create the account disabled.
        #[arg(long)]
        inactive: bool,
    },
    /// List users.
    List {
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Show at most this many.
        #[arg(long, default_value_t = 1000)]
        limit: u64,
    },
    /// Show one user with external ids and extra fields.
    Show {
        /// Login name.
        username: String,
    },
    /// Allow a user to sign in again.
    Enable {
        /// Login name.
        username: String,
    },
    /// Stop a user from signing in (keeps the account).
    Disable {
        /// Login name.
        username: String,
    },
    /// Delete a user with enrolments and credentials.
    Delete {
        /// Login name.
        username: String,
    },
}

pub(super) async fn find(admin: &Admin, username: &str) -> anyhow::Result<User> {
    let name = Username::parse(username)?;
    admin
        .store()
        .user_by_username(&name)
        .await?
        .ok_or_else(|| anyhow!("user {username:?} not found"))
}

/// Runs one user verb.
pub async fn run(admin: &Admin, command: UserCommand) -> anyhow::Result<()> {
    let store = admin.store();
    let out = admin.out;
    match command {
        UserCommand::Add {
            username,
            password,
            password_stdin,
            email,
            first_name,
            last_name,
            role,
            admin: is_admin,
            inactive,
        } => {
            let password = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("--password-stdin: cannot read standard input")?;
                let line = text.lines().next().unwrap_or("").to_owned();
                if line.is_empty() {
                    bail!("--password-stdin: standard input holds no password");
                }
                Some(line)
            } else {
                password
            };
            let operation = format!("user add {username}");
            let user = admin
                .audited(operation, async {
                    let mut new = NewUser::new(Username::parse(&username)?);
                    new.email = email;
                    new.first_name = first_name;
                    new.last_name = last_name;
                    new.role = PlatformRole::parse(&role)?;
                    new.is_admin = is_admin;
                    new.active = !inactive;
                    new.auth_source = "platform".into();
                    if let Some(password) = password {
                        let policy = gatehouse_domain::PasswordPolicy::default();
                        new.password = Some(
                            tokio::task::spawn_blocking(move || policy.hash(&password)).await??,
                        );
                    }
                    Ok(store.create_user(new).await?)
                })
                .await?;
            print_user(admin, &user).await
        }
        UserCommand::List { offset, limit } => {
            let users = store
                .list_users(gatehouse_domain::Page { offset, limit })
                .await?;
            out.list(
                &users,
                &["ID", "USERNAME", "NAME", "EMAIL", "ROLE", "ADMIN", "ACTIVE"],
                |u| {
                    vec![
                        u.id.to_string(),
                        u.username.to_string(),
                        format!("{} {}", u.first_name, u.last_name)
                            .trim()
                            .to_owned(),
                        u.email.clone(),
                        u.role.as_str().to_owned(),
                        yes_no(u.is_admin),
                        yes_no(u.active),
                    ]
                },
            )
        }
        UserCommand::Show { username } => {
            let user = find(admin, &username).await?;
            print_user(admin, &user).await
        }
        UserCommand::Enable { username } => set_active(admin, &username, true).await,
        UserCommand::Disable { username } => set_active(admin, &username, false).await,
        UserCommand::Delete { username } => {
            let user = admin
                .audited(format!("user delete {username}"), async {
                    let user = find(admin, &username).await?;
                    store.delete_user(user.id).await?;
                    Ok(user)
                })
                .await?;
            out.done(
                &format!("deleted user {} (id {})", user.username, user.id),
                serde_json::json!({"ok": true, "deleted": user.username.as_str(), "id": user.id}),
            )
        }
    }
}

async fn set_active(admin: &Admin, username: &str, active: bool) -> anyhow::Result<()> {
    let verb = if active { "enable" } else { "disable" };
    let user = admin
        .audited(format!("user {verb} {username}"), async {
            let user = find(admin, username).await?;
            let patch = UserPatch {
                active: Some(active),
                ..UserPatch::default()
            };
            Ok(admin.store().update_user(user.id, patch).await?)
        })
        .await?;
    print_user(admin, &user).await
}

async fn print_user(admin: &Admin, user: &User) -> anyhow::Result<()> {
    use gatehouse_domain::{EntityKind, EntityRef};
    let entity = EntityRef {
        kind: EntityKind::User,
        id: user.id.0,
    };
    let external = admin.store().external_ids(entity).await?;
    let extra = admin.store().extra_values(entity).await?;
    let json = serde_json::json!({
        "user": user,
        "has_password": user.password.is_some(),
        "external_ids": external,
        "extra": extra,
    });
    let mut fields = vec![
        ("id", user.id.to_string()),
        ("username", user.username.to_string()),
        ("first name", user.first_name.clone()),
        ("last name", user.last_name.clone()),
        ("email", user.email.clone()),
        ("phone", user.phone.clone()),
        ("official code", user.official_code.clone()),
        ("language", user.language.clone()),
        ("role", user.role.as_str().to_owned()),
        ("admin", yes_no(user.is_admin)),
        ("active", yes_no(user.active)),
        ("expires", when(user.expires_at)),
        (
            "password",
            if user.password.is_some() {
                "set".into()
            } else {
                "none".into()
            },
        ),
        ("created", when(Some(user.created_at))),
    ];
    for id in &external {
        fields.push(("external id", format!("{}={}", id.name, id.value)));
    }
    for value in &extra {
        fields.push(("extra", format!("{}={}", value.field, value.value)));
    }
    admin.out.record(&json, fields)
}

fn yes_no(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}
