//! User actions: `username_exist`, `save_user` (and its JSON and API-key forms),
//! `update_user_from_username`, `delete_user`, `user_profile`, `get_users` (specs/chamilo.md §6).

use gatehouse_domain::{
    Attributes, DomainError, EntityKind, EntityRef, NewUser, Page, PasswordHash, PasswordPolicy,
    User, UserId, UserPatch, Username, Users,
};
use gatehouse_schemes::php_value::PhpValue;

use super::{chamilo_status, parse_date, role_from_status};
use crate::dialects::chamilo::rest::auth::{Caller, find_user};
use crate::dialects::chamilo::rest::codec::UserFields;
use crate::dialects::chamilo::rest::error::RestError;
use crate::dialects::chamilo::rest::json::Json;
use crate::dialects::chamilo::rest::params::extra_pairs;
use crate::edge::{PasswordPool, PasswordPoolError};

/// Where passwords are hashed: the bounded pool and the Argon2id cost.
#[derive(Clone, Copy)]
pub struct Hashing<'a> {
    /// The pool.
    pub pool: &'a PasswordPool,
    /// The cost.
    pub policy: PasswordPolicy,
}

impl Hashing<'_> {
    /// Argon2id of `plain`, on the pool.
    pub async fn hash(&self, plain: &str, request_id: &str) -> Result<PasswordHash, RestError> {
        let policy = self.policy;
        let plain = plain.to_owned();
        match self.pool.run(move || policy.hash(&plain)).await {
            Ok(Ok(hash)) => Ok(hash),
            Err(PasswordPoolError::Busy) => Err(RestError::TooManyRequests(
                crate::edge::password::BUSY_RETRY_AFTER,
            )),
            Ok(Err(_)) | Err(PasswordPoolError::Failed) => {
                Err(RestError::Internal(request_id.to_owned()))
            }
        }
    }
}

/// The languages a Chamilo 1.11 installation ships, by folder name; `update_user_from_username`
/// refuses others with `LanguageUnavailable`.
const LANGUAGES: &[&str] = &[
    "arabic",
    "asturian",
    "basque",
    "bosnian",
    "brazilian",
    "bulgarian",
    "catalan",
    "croatian",
    "czech",
    "danish",
    "dari",
    "dutch",
    "english",
    "esperanto",
    "estonian",
    "finnish",
    "french",
    "friulian",
    "galician",
    "georgian",
    "german",
    "greek",
    "hebrew",
    "hindi",
    "hungarian",
    "indonesian",
    "italian",
    "japanese",
    "korean",
    "latvian",
    "lithuanian",
    "macedonian",
    "malay",
    "norwegian",
    "occitan",
    "pashto",
    "persian",
    "polish",
    "portuguese",
    "quechua_cusco",
    "romanian",
    "russian",
    "serbian",
    "simpl_chinese",
    "slovak",
    "slovenian",
    "somali",
    "spanish",
    "swahili",
    "swedish",
    "tagalog",
    "thai",
    "trad_chinese",
    "turkish",
    "ukrainian",
    "vietnamese",
    "xhosa",
    "yoruba",
];

/// `username_exist` → `[true|false]`.
pub async fn username_exist<S: Users + ?Sized>(
    store: &S,
    loginname: &str,
) -> Result<Json, RestError> {
    let found = find_user(store, loginname)
        .await
        .map_err(|e| RestError::from_domain(&e, "-"))?;
    Ok(Json::Array(vec![Json::Bool(found.is_some())]))
}

/// `save_user`: creates an active user with the original id and extras (fields created as
/// needed, as SOAP's create operations do); returns the new id.
pub async fn save_user<S: Users + ?Sized>(
    store: &S,
    hashing: Hashing<'_>,
    fields: &UserFields,
    request_id: &str,
) -> Result<UserId, RestError> {
    let Ok(username) = Username::parse(&fields.loginname) else {
        return Err(RestError::UserNotRegistered);
    };
    if find_user(store, username.as_str())
        .await
        .map_err(|e| RestError::from_domain(&e, request_id))?
        .is_some()
    {
        return Err(RestError::UserNameNotAvailable);
    }
    // Chamilo refuses a platform account without a password.
    if fields.password.is_empty() && fields.auth_source == "platform" {
        return Err(RestError::UserNotRegistered);
    }
    let mut new = NewUser::new(username);
    if !fields.password.is_empty() {
        new.password = Some(hashing.hash(&fields.password, request_id).await?);
    }
    new.first_name = fields.firstname.clone();
    new.last_name = fields.lastname.clone();
    new.email = fields.email.clone();
    new.phone = fields.phone.clone();
    new.language = fields.language.trim().to_ascii_lowercase();
    new.role = role_from_status(fields.status);
    new.auth_source = fields.auth_source.clone();
    new.expires_at = parse_date(&fields.expiration_date)?;
    new.external_ids = fields.original_id.clone().into_iter().collect();
    new.extra = fields.extra.clone();
    match store.create_user(new).await {
        Ok(user) => Ok(user.id),
        Err(DomainError::UsernameTaken(_)) => Err(RestError::UserNameNotAvailable),
        Err(e) if e.is_store_failure() => Err(RestError::from_domain(&e, request_id)),
        Err(_) => Err(RestError::UserNotRegistered),
    }
}

/// Keys `update_user_from_username` accepts and gatehouse keeps nowhere (Chamilo profile
/// fields with no place in the shared identity model); accepted so clients do not fail.
const ACCEPTED_UNSTORED: &[&str] = &[
    "address",
    "roles",
    "profile_completed",
    "auth_source",
    "picture_uri",
    "creator_id",
    "competences",
    "diplomas",
    "openarea",
    "teach",
    "productions",
    "registration_date",
    "openid",
    "theme",
    "hr_dept_id",
];

/// Keys only an administrator may change, even on their own account: Chamilo lets a user
/// re-activate themselves or change their platform status; gatehouse does not.
const ADMIN_KEYS: &[&str] = &["status", "active", "enabled", "expiration_date"];

/// `update_user_from_username`: the body is the patch, the user is `loginname`; any key
/// outside Chamilo's list (including `password`) refuses the whole update → `[true]`.
pub async fn update_user_from_username<S: Users + ?Sized>(
    store: &S,
    caller: &Caller,
    fields: &[(String, PhpValue)],
    request_id: &str,
) -> Result<Json, RestError> {
    let text = |v: &PhpValue| String::from_utf8_lossy(&v.to_php_string()).into_owned();
    let Some(loginname) = fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("loginname"))
        .map(|(_, v)| text(v))
    else {
        return Err(RestError::NoData);
    };
    let user = find_user(store, &loginname)
        .await
        .map_err(|e| RestError::from_domain(&e, request_id))?
        .ok_or(RestError::UserNotFound)?;
    if !caller.is_admin() && caller.user.id != user.id {
        return Err(RestError::NotAllowed);
    }
    let mut patch = UserPatch::default();
    for (name, value) in fields {
        let key = name.to_ascii_lowercase();
        if ADMIN_KEYS.contains(&key.as_str()) && !caller.is_admin() {
            return Err(RestError::NotAllowed);
        }
        match key.as_str() {
            "username" | "api_key" | "action" | "loginname" => {}
            "email" => patch.email = Some(text(value)),
            "firstname" => patch.first_name = Some(text(value)),
            "lastname" => patch.last_name = Some(text(value)),
            "phone" => patch.phone = Some(text(value)),
            "official_code" => patch.official_code = Some(text(value)),
            "status" => {
                patch.role = Some(role_from_status(super::super::params::php_int(&text(
                    value,
                ))))
            }
            "active" | "enabled" => {
                patch.active = Some(!matches!(text(value).trim(), "" | "0" | "false"));
            }
            "expiration_date" => patch.expires_at = Some(parse_date(&text(value))?),
            "language" => {
                let language = text(value).trim().to_ascii_lowercase();
                if !LANGUAGES.contains(&language.as_str()) {
                    return Err(RestError::LanguageUnavailable);
                }
                patch.language = Some(language);
            }
            "extra" => patch.extra = extra_pairs(Some(value)),
            other if ACCEPTED_UNSTORED.contains(&other) => {}
            _ => return Err(RestError::UnsupportedUpdate(name.clone())),
        }
    }
    store
        .update_user(user.id, patch)
        .await
        .map_err(|e| RestError::from_domain(&e, request_id))?;
    Ok(Json::Array(vec![Json::Bool(true)]))
}

/// `delete_user` → `{"status":bool}`; false for an unknown user or the caller themself.
pub async fn delete_user<S: Users + ?Sized>(
    store: &S,
    caller: &Caller,
    user_id: i64,
    request_id: &str,
) -> Result<Json, RestError> {
    let status = if user_id <= 0 || user_id == caller.user.id.0 {
        false
    } else {
        match store.delete_user(UserId(user_id)).await {
            Ok(()) => true,
            Err(DomainError::UserNotFound(_)) => false,
            Err(e) => return Err(RestError::from_domain(&e, request_id)),
        }
    };
    Ok(Json::object([("status", Json::Bool(status))]))
}

/// `user_profile`: the caller's own profile with their extra values as `{title, value}`.
pub async fn user_profile<S: Attributes + ?Sized>(
    store: &S,
    caller: &Caller,
    root: &str,
    request_id: &str,
) -> Result<Json, RestError> {
    let user = &caller.user;
    let fetched;
    let extra = match &caller.extra {
        // Read with the key check, in the same round trip.
        Some(extra) => extra,
        None => {
            fetched = store
                .extra_values(EntityRef {
                    kind: EntityKind::User,
                    id: user.id.0,
                })
                .await
                .map_err(|e| RestError::from_domain(&e, request_id))?;
            &fetched
        }
    };
    Ok(Json::object([
        ("pictureUri", Json::from(picture_uri(root))),
        ("id", Json::Int(user.id.0)),
        ("status", Json::Int(chamilo_status(user.role))),
        ("fullName", Json::from(full_name(user))),
        ("username", Json::from(user.username.as_str())),
        ("officialCode", Json::from(user.official_code.as_str())),
        ("phone", Json::from(user.phone.as_str())),
        (
            "extra",
            Json::Array(
                extra
                    .iter()
                    .map(|x| {
                        Json::object([
                            ("title", Json::from(x.field.as_str())),
                            ("value", Json::from(x.value.as_str())),
                        ])
                    })
                    .collect(),
            ),
        ),
    ]))
}

/// `get_users`: users with `status` (all for `*`), each with the asked extra fields.
pub async fn get_users<S: Users + Attributes + ?Sized>(
    store: &S,
    status: Option<i64>,
    extra_fields: &[String],
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let users = store.list_users(Page::all()).await.map_err(fail)?;
    let mut rows = Vec::new();
    for user in users
        .into_iter()
        .filter(|u| status.is_none_or(|s| chamilo_status(u.role) == s))
    {
        let mut row = vec![
            ("id".to_owned(), Json::Int(user.id.0)),
            ("firstname".to_owned(), Json::from(user.first_name.as_str())),
            ("lastname".to_owned(), Json::from(user.last_name.as_str())),
            ("email".to_owned(), Json::from(user.email.as_str())),
            ("username".to_owned(), Json::from(user.username.as_str())),
            ("active".to_owned(), Json::Int(i64::from(user.active))),
        ];
        if !extra_fields.is_empty() {
            let values = store
                .extra_values(EntityRef {
                    kind: EntityKind::User,
                    id: user.id.0,
                })
                .await
                .map_err(fail)?;
            for field in extra_fields {
                let value = values
                    .iter()
                    .find(|v| &v.field == field)
                    .map(|v| v.value.clone());
                row.push((field.clone(), Json::from(value)));
            }
        }
        rows.push(Json::Object(row));
    }
    Ok(Json::Array(rows))
}

/// "First Last", as Chamilo's `api_get_person_name`.
pub fn full_name(user: &User) -> String {
    format!("{} {}", user.first_name, user.last_name)
        .trim()
        .to_owned()
}

/// The default avatar Chamilo shows for a user without a picture.
pub fn picture_uri(root: &str) -> String {
    format!("{root}main/img/icons/128/unknown.png")
}
