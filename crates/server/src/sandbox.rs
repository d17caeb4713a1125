//! The sandbox's demo data and the credentials file it writes (ARCHITECTURE.md §5).
//!
//! One seed gives every dialect something to call: an administrator with a password and
//! a key for each dialect, a few users, courses and a course session, and the site secrets.
//! The credentials file is the contract with test harnesses and `gatehouse call
//! --profile-file`: its keys may grow but never change.

use gatehouse_domain::{
    CredentialKind, DomainError, EnrolmentRole, EnrolmentStatus, NewCourse, NewCourseSession,
    NewUser, PlatformRole, Secret, Store, Username,
};
use serde::Serialize;

use crate::credentials::{self, IssueRequest};
use crate::site_secrets::{self, random_alphanumeric};
use crate::state::AppState;

/// The sandbox credentials file.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialsFile {
    /// Where the shared listener answers (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// Chamilo's keys.
    pub chamilo: ChamiloCredentials,
    /// coreBOS's keys.
    pub corebos: CorebosCredentials,
    /// Forma's keys.
    pub forma: FormaCredentials,
    /// Wildix's keys.
    pub wildix: WildixCredentials,
    /// Demo users with their passwords, for trying sign-ins as a non-administrator.
    pub demo_users: Vec<Login>,
}

/// A username and password.
#[derive(Debug, Clone, Serialize)]
pub struct Login {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The administrator as Chamilo REST sees them.
#[derive(Debug, Clone, Serialize)]
pub struct ChamiloAdmin {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// REST `api_key`.
    pub api_key: String,
}

/// The `chamilo` section.
#[derive(Debug, Clone, Serialize)]
pub struct ChamiloCredentials {
    /// Base URL a Chamilo client is configured with.
    pub url: String,
    /// The SOAP `security_key`.
    pub security_key: String,
    /// The configured `password_encryption` for PasswordCrypted calls.
    pub password_encryption: String,
    /// The administrator.
    pub admin: ChamiloAdmin,
}

/// The `corebos` section.
#[derive(Debug, Clone, Serialize)]
pub struct CorebosCredentials {
    /// Base URL a coreBOS client is configured with.
    pub url: String,
    /// Username.
    pub username: String,
    /// Access key.
    pub access_key: String,
}

/// The `forma` section.
#[derive(Debug, Clone, Serialize)]
pub struct FormaCredentials {
    /// Base URL a Forma client is configured with.
    pub url: String,
    /// API key.
    pub key: String,
    /// API secret.
    pub secret: String,
    /// SSO secret.
    pub sso_secret: String,
    /// The configured `auth_method` (`code`, `token` or `secret_key`), so a client knows
    /// which of these keys to use.
    pub auth_method: crate::dialects::forma::AuthMethod,
    /// The shared code, when `auth_method` is `code` and one is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The administrator.
    pub admin: Login,
}

/// The `wildix` section.
#[derive(Debug, Clone, Serialize)]
pub struct WildixCredentials {
    /// Base URL a Wildix client is configured with.
    pub url: String,
    /// Application id (`X-APP-ID`).
    pub app_id: String,
    /// Application name (`iss`).
    pub app_name: String,
    /// Application secret (HMAC key).
    pub secret: String,
}

/// What the seed made, before the listener's URL is known.
#[derive(Debug, Clone)]
pub struct Seeded {
    admin: Login,
    chamilo_api_key: Secret,
    corebos_access_key: Secret,
    wildix_app_id: String,
    wildix_app_name: String,
    wildix_secret: Secret,
    demo_users: Vec<Login>,
}

/// The administrator's username in the sandbox.
pub const ADMIN: &str = "admin";

/// Fills a fresh store with the sandbox's demo data, or, if the store already has the
/// administrator (a kept `--data-dir`), reads back what the credentials file needs.
pub async fn seed(state: &AppState) -> Result<Seeded, DomainError> {
    let store: &dyn Store = state.store.as_ref();
    site_secrets::ensure(store).await?;
    let admin_name = Username::parse(ADMIN)?;
    let admin_password = random_alphanumeric(16);
    let admin = match store.user_by_username(&admin_name).await? {
        Some(existing) => {
            // A reused store: give the administrator a fresh known password for this run.
            let hash = hash(state, &admin_password).await?;
            store.set_password(existing.id, Some(hash)).await?;
            existing
        }
        None => {
            let mut new = NewUser::new(admin_name);
            new.password = Some(hash(state, &admin_password).await?);
            new.first_name = "Ada".into();
            new.last_name = "Admin".into();
            new.email = "admin@sandbox.gatehouse.test".into();
            new.role = PlatformRole::Teacher;
            new.is_admin = true;
            new.language = "english".into();
            let admin = store.create_user(new).await?;
            seed_demo_data(state, admin.id).await?;
            admin
        }
    };

    let demo_users = demo_logins(state).await?;
    let chamilo_api_key =
        credential_for(store, admin.id, CredentialKind::ChamiloApiKey, "").await?;
    let corebos_access_key =
        credential_for(store, admin.id, CredentialKind::CorebosAccessKey, "").await?;
    let wildix_app_name = "sandbox".to_owned();
    let (wildix_app_id, wildix_secret) = {
        let existing = store
            .list_credentials(gatehouse_domain::CredentialFilter {
                owner: Some(admin.id),
                kind: Some(CredentialKind::WildixApp),
                include_revoked: false,
            })
            .await?
            .into_iter()
            .next();
        match existing {
            Some(app) => {
                let secret = store.reveal(app.id).await?;
                (app.public_id, secret)
            }
            None => {
                let (app, secret) = credentials::issue(
                    store,
                    IssueRequest {
                        kind: CredentialKind::WildixApp,
                        owner: admin.id,
                        label: wildix_app_name.clone(),
                        allowed_cidrs: Vec::new(),
                        expires_at: None,
                    },
                )
                .await?;
                (app.public_id, secret)
            }
        }
    };
    Ok(Seeded {
        admin: Login {
            username: ADMIN.to_owned(),
            password: admin_password,
        },
        chamilo_api_key,
        corebos_access_key,
        wildix_app_id,
        wildix_app_name,
        wildix_secret,
        demo_users,
    })
}

impl Seeded {
    /// The credentials file for a sandbox answering at `base_url`.
    pub fn credentials_file(
        &self,
        state: &AppState,
        base_url: &str,
    ) -> Result<CredentialsFile, DomainError> {
        let secret = |name: &'static str| {
            state
                .site_secret(name)
                .cloned()
                .ok_or_else(|| DomainError::Internal(format!("site secret {name} missing")))
        };
        let url = |mount: &str| format!("{base_url}{mount}");
        Ok(CredentialsFile {
            base_url: base_url.to_owned(),
            chamilo: ChamiloCredentials {
                url: url(&state.config.chamilo.mount),
                security_key: secret(site_secrets::CHAMILO_SECURITY_KEY)?
                    .expose()
                    .to_owned(),
                password_encryption: state.config.chamilo.password_encryption.as_str().into(),
                admin: ChamiloAdmin {
                    username: self.admin.username.clone(),
                    password: self.admin.password.clone(),
                    api_key: self.chamilo_api_key.expose().to_owned(),
                },
            },
            corebos: CorebosCredentials {
                url: url(&state.config.corebos.mount),
                username: self.admin.username.clone(),
                access_key: self.corebos_access_key.expose().to_owned(),
            },
            forma: FormaCredentials {
                url: url(&state.config.forma.mount),
                key: secret(site_secrets::FORMA_API_KEY)?.expose().to_owned(),
                secret: secret(site_secrets::FORMA_API_SECRET)?.expose().to_owned(),
                sso_secret: secret(site_secrets::FORMA_SSO_SECRET)?.expose().to_owned(),
                auth_method: state.config.forma.auth_method,
                code: state
                    .config
                    .forma
                    .shared_code
                    .clone()
                    .filter(|c| !c.is_empty()),
                admin: self.admin.clone(),
            },
            wildix: WildixCredentials {
                url: url(&state.config.wildix.mount),
                app_id: self.wildix_app_id.clone(),
                app_name: self.wildix_app_name.clone(),
                secret: self.wildix_secret.expose().to_owned(),
            },
            demo_users: self.demo_users.clone(),
        })
    }
}

async fn hash(
    state: &AppState,
    password: &str,
) -> Result<gatehouse_domain::PasswordHash, DomainError> {
    let policy = state.password_policy;
    let password = password.to_owned();
    state
        .passwords
        .run(move || policy.hash(&password))
        .await
        .map_err(|e| DomainError::Internal(e.to_string()))?
}

/// The admin's credential of `kind`, issued if missing; returns its secret.
async fn credential_for(
    store: &dyn Store,
    owner: gatehouse_domain::UserId,
    kind: CredentialKind,
    label: &str,
) -> Result<Secret, DomainError> {
    let existing = store
        .list_credentials(gatehouse_domain::CredentialFilter {
            owner: Some(owner),
            kind: Some(kind),
            include_revoked: false,
        })
        .await?
        .into_iter()
        .next();
    match existing {
        Some(credential) => store.reveal(credential.id).await,
        None => {
            let (_, secret) = credentials::issue(
                store,
                IssueRequest {
                    kind,
                    owner,
                    label: label.to_owned(),
                    allowed_cidrs: Vec::new(),
                    expires_at: None,
                },
            )
            .await?;
            Ok(secret)
        }
    }
}

/// The demo users: (username, first name, last name, role).
const DEMO_USERS: [(&str, &str, &str, PlatformRole); 3] = [
    ("alice", "Alice", "Liddell", PlatformRole::Student),
    ("bob", "Bob", "Marley", PlatformRole::Student),
    ("carol", "Carol", "Danvers", PlatformRole::Teacher),
];

async fn seed_demo_data(
    state: &AppState,
    admin: gatehouse_domain::UserId,
) -> Result<(), DomainError> {
    let store = state.store.as_ref();
    crate::dialects::corebos::seed_demo(store, admin).await?;
    let mut users = Vec::new();
    for (i, (username, first, last, role)) in DEMO_USERS.into_iter().enumerate() {
        let mut new = NewUser::new(Username::parse(username)?);
        new.first_name = first.into();
        new.last_name = last.into();
        new.email = format!("{username}@sandbox.gatehouse.test");
        new.role = role;
        new.language = "english".into();
        new.official_code = format!("EMP{:04}", 1001 + i);
        new.external_ids = vec![("hr_id".into(), format!("E{}", 1001 + i))];
        users.push(store.create_user(new).await?);
    }
    let mut welcome = NewCourse::new("DEMO101", "Welcome to gatehouse");
    welcome.category = "DEMO".into();
    welcome.language = "english".into();
    welcome.tutor_name = "Carol Danvers".into();
    welcome.description = "A demo course every sandbox has.".into();
    let welcome = store.create_course(welcome).await?;
    let mut crm = NewCourse::new("CRM201", "Customer relations basics");
    crm.category = "DEMO".into();
    crm.language = "english".into();
    let crm = store.create_course(crm).await?;
    for user in &users {
        let role = if user.role == PlatformRole::Teacher {
            EnrolmentRole::Instructor
        } else {
            EnrolmentRole::Student
        };
        store
            .enrol(user.id, welcome.id, role, EnrolmentStatus::Subscribed)
            .await?;
    }
    if let Some(alice) = users.first() {
        store
            .enrol(
                alice.id,
                crm.id,
                EnrolmentRole::Student,
                EnrolmentStatus::Subscribed,
            )
            .await?;
    }
    // One course session, so Chamilo's session operations have something to list.
    let mut session = NewCourseSession::new("Demo cohort");
    session.coach = users.get(2).map(|carol| carol.id);
    session.description = "A demo session with the welcome course and its learners.".into();
    let session = store.create_session(session).await?;
    store.add_session_course(session.id, welcome.id).await?;
    for user in users.iter().take(2) {
        store.add_session_user(session.id, user.id).await?;
    }
    crate::dialects::wildix::demo::seed(store, admin, &users).await?;
    Ok(())
}

/// Gives each demo user a fresh password for this run and returns the logins.
async fn demo_logins(state: &AppState) -> Result<Vec<Login>, DomainError> {
    let store = state.store.as_ref();
    let mut logins = Vec::new();
    for (username, ..) in DEMO_USERS {
        let Some(user) = store.user_by_username(&Username::parse(username)?).await? else {
            continue;
        };
        let password = random_alphanumeric(12);
        store
            .set_password(user.id, Some(hash(state, &password).await?))
            .await?;
        logins.push(Login {
            username: username.to_owned(),
            password,
        });
    }
    Ok(logins)
}
