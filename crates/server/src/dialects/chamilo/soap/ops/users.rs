//! Users: create, edit, delete/disable/enable, look up, API key (specs/chamilo.md §4.1).

use gatehouse_domain::{
    Attributes, CredentialFilter, CredentialKind, Credentials, DomainError, EntityKind, EntityRef,
    NewCredential, NewUser, PasswordHash, PlatformRole, User, UserPatch, Username, Users,
};
use gatehouse_wire::SoapValue;

use super::{
    extras, hash_plain, id_value, intval, keyed_result, parse_expiry, role_from_status,
    user_by_external,
};
use crate::config::PasswordEncryption;
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;
use crate::state::AppState;

/// The password a create or edit carries.
enum Password {
    /// None given.
    Absent,
    /// A plain password, hashed with Argon2id here.
    Plain(String),
    /// A pre-hashed password, stored verbatim (PasswordCrypted, §4.1).
    Hashed(PasswordHash),
}

impl Password {
    async fn resolve(self, state: &AppState) -> Result<Option<PasswordHash>, SoapError> {
        Ok(match self {
            Self::Absent => None,
            Self::Plain(plain) => Some(hash_plain(state, &plain).await?),
            Self::Hashed(hash) => Some(hash),
        })
    }
}

/// Chamilo's encryption check of the PasswordCrypted calls (§4.1): `Err` carries the message
/// string that goes into `result`.
///
/// `encrypt_method` must equal the configured `password_encryption`; md5 and sha1 must be
/// 32 and 40 hex digits. Chamilo does not check bcrypt at all; gatehouse requires the `$2`
/// prefix so that what it stores is a hash it can verify. With `none` the "hash" is the plain
/// password, which is stored as its Argon2id hash, never as received (D12).
fn crypted_password(
    encryption: PasswordEncryption,
    method: &str,
    password: &str,
) -> Result<Password, String> {
    if method != encryption.as_str() {
        return Err(format!("This encryption {method} is not configured"));
    }
    let invalid = || format!("Encryption {method} is invalid");
    match encryption {
        PasswordEncryption::Sha1 => PasswordHash::legacy_sha1(password, None)
            .map(Password::Hashed)
            .map_err(|_| invalid()),
        PasswordEncryption::Md5 => PasswordHash::legacy_md5(password, None)
            .map(Password::Hashed)
            .map_err(|_| invalid()),
        PasswordEncryption::Bcrypt if password.starts_with("$2") => {
            Ok(Password::Hashed(PasswordHash::Bcrypt(password.to_owned())))
        }
        PasswordEncryption::Bcrypt => Err(invalid()),
        PasswordEncryption::None => Ok(Password::Plain(password.to_owned())),
    }
}

/// What the four create operations share.
struct Create<'a> {
    p: &'a Params,
    password: Password,
    active: bool,
}

/// Creates the user of `c`, or reactivates the inactive user with the same external id
/// (§4.1). Returns the id, or `0` when the external id is taken by an active user, the login
/// is taken or invalid.
async fn create_one(state: &AppState, c: Create<'_>) -> Result<SoapValue, SoapError> {
    let store = state.store.as_ref();
    let p = c.p;
    let (orig_name, orig_value) = (
        p.str("original_user_id_name"),
        p.str("original_user_id_value"),
    );
    if let Some(existing) = user_by_external(store, orig_name, orig_value).await? {
        if existing.active {
            return Ok(id_value(0));
        }
        let Ok(username) = Username::parse(p.str("loginname")) else {
            return Ok(id_value(0));
        };
        if taken_by_other(store, &username, &existing).await? {
            return Ok(id_value(0));
        }
        let patch = UserPatch {
            username: Some(username),
            first_name: Some(p.str("firstname").to_owned()),
            last_name: Some(p.str("lastname").to_owned()),
            email: Some(p.str("email").to_owned()),
            phone: Some(p.str("phone").to_owned()),
            role: Some(role_from_status(p.str("status"))),
            expires_at: Some(parse_expiry(p.str("expiration_date"))),
            active: Some(true),
            password: c.password.resolve(state).await?.map(Some),
            extra: extras(p),
            ..UserPatch::default()
        };
        store.update_user(existing.id, patch).await?;
        return Ok(id_value(existing.id.0));
    }
    let Ok(username) = Username::parse(p.str("loginname")) else {
        return Ok(id_value(0));
    };
    if store.user_by_username(&username).await?.is_some() {
        return Ok(id_value(0));
    }
    let mut new = NewUser::new(username);
    new.password = c.password.resolve(state).await?;
    new.first_name = p.str("firstname").trim().to_owned();
    new.last_name = p.str("lastname").trim().to_owned();
    new.email = p.str("email").to_owned();
    new.phone = p.str("phone").to_owned();
    new.official_code = p.str("official_code").to_owned();
    new.language = p.str("language").to_ascii_lowercase();
    new.role = role_from_status(p.str("status"));
    new.active = c.active;
    new.expires_at = parse_expiry(p.str("expiration_date"));
    new.auth_source = "platform".to_owned();
    if !orig_name.is_empty() && !orig_value.is_empty() {
        new.external_ids
            .push((orig_name.to_owned(), orig_value.to_owned()));
    }
    new.extra = extras(p);
    match store.create_user(new).await {
        Ok(user) => Ok(id_value(user.id.0)),
        Err(DomainError::UsernameTaken(_) | DomainError::ExternalIdTaken { .. }) => Ok(id_value(0)),
        Err(e) => Err(e.into()),
    }
}

async fn taken_by_other<S: Users + ?Sized>(
    store: &S,
    username: &Username,
    user: &User,
) -> Result<bool, SoapError> {
    Ok(store
        .user_by_username(username)
        .await?
        .is_some_and(|other| other.id != user.id))
}

fn plain(p: &Params) -> Password {
    match p.str("password") {
        "" => Password::Absent,
        pw => Password::Plain(pw.to_owned()),
    }
}

/// `WSCreateUser`: like one `WSCreateUsers` item, but inactive unless `active` is a non-zero
/// integer, as Chamilo does (D18).
pub async fn create_user(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let active = intval(p.str("active")) != 0;
    create_one(
        state,
        Create {
            p,
            password: plain(p),
            active,
        },
    )
    .await
}

/// `WSCreateUsers`: one `{original_user_id_value, result}` per item; new users are active.
pub async fn create_users(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("users") {
        let result = create_one(
            state,
            Create {
                p: item,
                password: plain(item),
                active: true,
            },
        )
        .await?;
        out.push(keyed_result(
            "original_user_id_value",
            item.str("original_user_id_value"),
            result,
        ));
    }
    Ok(SoapValue::Array(out))
}

async fn create_crypted(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let encryption = state.config.chamilo.password_encryption;
    match crypted_password(encryption, p.str("encrypt_method"), p.str("password")) {
        Ok(password) => {
            create_one(
                state,
                Create {
                    p,
                    password,
                    active: true,
                },
            )
            .await
        }
        Err(message) => Ok(SoapValue::Text(message)),
    }
}

/// `WSCreateUserPasswordCrypted`: the hash is stored verbatim; the user is active.
pub async fn create_user_password_crypted(
    state: &AppState,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    create_crypted(state, p).await
}

/// `WSCreateUsersPasswordCrypted`: one result per item, a message string on a bad hash.
pub async fn create_users_password_crypted(
    state: &AppState,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("users") {
        let result = create_crypted(state, item).await?;
        out.push(keyed_result(
            "original_user_id_value",
            item.str("original_user_id_value"),
            result,
        ));
    }
    Ok(SoapValue::Array(out))
}

/// What the edit operations differ in.
struct Edit<'a> {
    p: &'a Params,
    password: Password,
    /// WSEditUser: an inactive user is edited (and enabled) only when `enable` is set.
    allow_inactive: bool,
    /// WSEditUser also sets the language.
    language: bool,
}

/// Edits the user found by external id (§4.1); `1`-style results are the caller's choice,
/// this returns the user or `None` for Chamilo's `0` cases.
///
/// Safe where Chamilo was destructive: an empty `username` keeps the current login instead
/// of blanking it, and an empty `status` keeps students students (Chamilo's default 5) but
/// never demotes an administrator (Chamilo forces admins to 1, which we store as teacher).
async fn edit_one(state: &AppState, e: Edit<'_>) -> Result<Option<User>, SoapError> {
    let store = state.store.as_ref();
    let p = e.p;
    let Some(user) = user_by_external(
        store,
        p.str("original_user_id_name"),
        p.str("original_user_id_value"),
    )
    .await?
    else {
        return Ok(None);
    };
    if !user.active && !e.allow_inactive {
        return Ok(None);
    }
    let username = match p.str("username").trim() {
        "" => None,
        raw => match Username::parse(raw) {
            Ok(name) if taken_by_other(store, &name, &user).await? => return Ok(None),
            Ok(name) => Some(name),
            Err(_) => return Ok(None),
        },
    };
    let non_empty = |k: &str| Some(p.str(k)).filter(|v| !v.is_empty()).map(str::to_owned);
    let role = if user.is_admin {
        PlatformRole::Teacher
    } else {
        role_from_status(p.str("status"))
    };
    let patch = UserPatch {
        username,
        first_name: non_empty("firstname"),
        last_name: non_empty("lastname"),
        email: Some(p.str("email").to_owned()),
        phone: Some(p.str("phone").to_owned()),
        official_code: Some(String::new()),
        language: if e.language {
            non_empty("language")
        } else {
            None
        },
        role: Some(role),
        active: Some(true),
        expires_at: Some(parse_expiry(p.str("expiration_date"))),
        password: e.password.resolve(state).await?.map(Some),
        extra: extras(p),
        ..UserPatch::default()
    };
    Ok(Some(store.update_user(user.id, patch).await?))
}

/// `WSEditUser`: the user id, or `0` when not found or inactive without `enable`.
pub async fn edit_user(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let enable = !matches!(p.str("enable").trim(), "" | "0" | "false");
    let edit = Edit {
        p,
        password: plain(p),
        allow_inactive: enable,
        language: true,
    };
    Ok(id_value(edit_one(state, edit).await?.map_or(0, |u| u.id.0)))
}

/// `WSEditUsers`: one `{original_user_id_value, result}` per item, result the id or `0`.
pub async fn edit_users(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("users") {
        let edit = Edit {
            p: item,
            password: plain(item),
            allow_inactive: false,
            language: false,
        };
        let id = edit_one(state, edit).await?.map_or(0, |u| u.id.0);
        out.push(keyed_result(
            "original_user_id_value",
            item.str("original_user_id_value"),
            id_value(id),
        ));
    }
    Ok(SoapValue::Array(out))
}

/// The PasswordCrypted edit checks (§4.1), each message with Chamilo's trailing space.
fn crypted_edit_password(state: &AppState, p: &Params) -> Result<Password, String> {
    match (p.str("password"), p.str("encrypt_method")) {
        ("", "") => Ok(Password::Absent),
        (_, "") => Err("If password is not empty the encrypt_method param is required ".into()),
        ("", _) => Err("If encrypt_method is not empty the password param is required ".into()),
        (password, method) => {
            crypted_password(state.config.chamilo.password_encryption, method, password)
        }
    }
}

async fn edit_crypted(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let password = match crypted_edit_password(state, p) {
        Ok(password) => password,
        Err(message) => return Ok(SoapValue::Text(message)),
    };
    let edit = Edit {
        p,
        password,
        allow_inactive: false,
        language: false,
    };
    // Chamilo put a DB statement object here and crashed serialising it; `1` is success (§4.1).
    Ok(id_value(i64::from(edit_one(state, edit).await?.is_some())))
}

/// `WSEditUserPasswordCrypted`: `1`, `0`, or a message string.
pub async fn edit_user_password_crypted(
    state: &AppState,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    edit_crypted(state, p).await
}

/// `WSEditUsersPasswordCrypted`: one `{original_user_id_value, result}` per item.
pub async fn edit_users_password_crypted(
    state: &AppState,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("users") {
        let result = edit_crypted(state, item).await?;
        out.push(keyed_result(
            "original_user_id_value",
            item.str("original_user_id_value"),
            result,
        ));
    }
    Ok(SoapValue::Array(out))
}

/// `WSEditUserCredentials`: sets the username (and the password if given); `1`, or `0` when
/// the user is unknown, inactive or the username belongs to someone else. An empty username
/// keeps the current one (Chamilo would blank it).
pub async fn edit_user_credentials(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let store = state.store.as_ref();
    let Some(user) = user_by_external(
        store,
        p.str("original_user_id_name"),
        p.str("original_user_id_value"),
    )
    .await?
    else {
        return Ok(id_value(0));
    };
    if !user.active {
        return Ok(id_value(0));
    }
    let username = match p.str("username").trim() {
        "" => None,
        raw => match Username::parse(raw) {
            Ok(name) if taken_by_other(store, &name, &user).await? => return Ok(id_value(0)),
            Ok(name) => Some(name),
            Err(_) => return Ok(id_value(0)),
        },
    };
    let patch = UserPatch {
        username,
        password: plain(p).resolve(state).await?.map(Some),
        ..UserPatch::default()
    };
    if !patch.is_empty() {
        store.update_user(user.id, patch).await?;
    }
    Ok(id_value(1))
}

/// What `WSDeleteUsers`, `WSDisableUsers` and `WSEnableUsers` do to each user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Hard delete.
    Delete,
    /// Set inactive.
    Disable,
    /// Set active.
    Enable,
}

/// One `{original_user_id_value, result}` per id: `1` if found and done, else `0`.
pub async fn act_on_users<S: Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
    action: Action,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for id in p.list("ids") {
        let value = id.str("original_user_id_value");
        let done = match user_by_external(store, id.str("original_user_id_name"), value).await? {
            None => false,
            Some(user) => {
                match action {
                    Action::Delete => store.delete_user(user.id).await?,
                    Action::Disable | Action::Enable => {
                        let patch = UserPatch {
                            active: Some(action == Action::Enable),
                            ..UserPatch::default()
                        };
                        store.update_user(user.id, patch).await?;
                    }
                }
                true
            }
        };
        out.push(keyed_result(
            "original_user_id_value",
            value,
            id_value(i64::from(done)),
        ));
    }
    Ok(SoapValue::Array(out))
}

fn user_struct(user: Option<&User>) -> Vec<(&'static str, SoapValue)> {
    match user {
        Some(u) => vec![
            ("user_id", id_value(u.id.0)),
            ("firstname", SoapValue::text(u.first_name.clone())),
            ("lastname", SoapValue::text(u.last_name.clone())),
        ],
        None => vec![
            ("user_id", SoapValue::text("")),
            ("firstname", SoapValue::text("")),
            ("lastname", SoapValue::text("")),
        ],
    }
}

/// `WSGetUser`: `{user_id, firstname, lastname}`, all empty when not found.
pub async fn get_user<S: Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let user = user_by_external(
        store,
        p.str("original_user_id_name"),
        p.str("original_user_id_value"),
    )
    .await?;
    Ok(SoapValue::record(user_struct(user.as_ref())))
}

async fn user_by_name<S: Users + ?Sized>(store: &S, name: &str) -> Result<Option<User>, SoapError> {
    match Username::parse(name) {
        Ok(username) => Ok(store.user_by_username(&username).await?),
        Err(_) => Ok(None),
    }
}

/// `WSGetUserFromUsername`: the user with `extra_fields`, a JSON object of its extra values
/// (§4.1), empty strings when not found.
pub async fn get_user_from_username<S: Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let user = user_by_name(store, p.str("username")).await?;
    let mut members = user_struct(user.as_ref());
    let extra = match &user {
        Some(u) => {
            let values = store
                .extra_values(EntityRef {
                    kind: EntityKind::User,
                    id: u.id.0,
                })
                .await?;
            let map: serde_json::Map<String, serde_json::Value> = values
                .into_iter()
                .map(|v| (v.field, serde_json::Value::String(v.value)))
                .collect();
            serde_json::Value::Object(map).to_string()
        }
        None => String::new(),
    };
    members.push(("extra_fields", SoapValue::Text(extra)));
    Ok(SoapValue::record(members))
}

/// `WSUpdateUserOriginalIdFromUsername`: attaches (`original_user_id_name`,
/// `original_user_id_value`) to the user found by username; answers the `User` struct.
pub async fn update_user_original_id_from_username<S: Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let user = user_by_name(store, p.str("username")).await?;
    let (name, value) = (
        p.str("original_user_id_name"),
        p.str("original_user_id_value"),
    );
    let user = match user {
        Some(u) if !name.is_empty() && !value.is_empty() => {
            let entity = EntityRef {
                kind: EntityKind::User,
                id: u.id.0,
            };
            match store.set_external_id(entity, name, value).await {
                Ok(()) => Some(u),
                Err(DomainError::ExternalIdTaken { .. }) => None,
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    Ok(SoapValue::record(user_struct(user.as_ref())))
}

/// `WSUpdateUserApiKey`: the user's SOAP API key (Chamilo's `dokeos` service), created on
/// first use and shown again after (D12). The user is found by external id, else by
/// `chamilo_username` (then bound to the external id); neither → `0`.
pub async fn update_user_api_key<S: Users + Attributes + Credentials + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let (name, value) = (
        p.str("original_user_id_name"),
        p.str("original_user_id_value"),
    );
    let user = match user_by_external(store, name, value).await? {
        Some(u) => u,
        None => match user_by_name(store, p.str("chamilo_username")).await? {
            Some(u) => {
                if !name.is_empty() && !value.is_empty() {
                    let entity = EntityRef {
                        kind: EntityKind::User,
                        id: u.id.0,
                    };
                    match store.set_external_id(entity, name, value).await {
                        Ok(()) | Err(DomainError::ExternalIdTaken { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                u
            }
            None => return Ok(id_value(0)),
        },
    };
    let filter = CredentialFilter {
        owner: Some(user.id),
        kind: Some(CredentialKind::ChamiloSoapApiKey),
        include_revoked: false,
    };
    let existing = store.list_credentials(filter).await?;
    let secret = match existing.first() {
        Some(credential) => store.reveal(credential.id).await?,
        None => {
            let kind = CredentialKind::ChamiloSoapApiKey;
            let secret = crate::credentials::new_secret(kind);
            store
                .issue_credential(NewCredential {
                    kind,
                    owner: user.id,
                    public_id: crate::credentials::new_public_id(kind, "dokeos"),
                    label: "dokeos".to_owned(),
                    secret: secret.clone(),
                    allowed_cidrs: Vec::new(),
                    expires_at: None,
                })
                .await?;
            secret
        }
    };
    Ok(SoapValue::Text(secret.expose().to_owned()))
}
