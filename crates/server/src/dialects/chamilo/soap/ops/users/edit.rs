//! The edit operations (§4.1).

use gatehouse_domain::{PlatformRole, User, UserPatch, Username};
use gatehouse_wire::SoapValue;

use super::super::{
    extras, id_value, keyed_result, parse_expiry, role_from_status, user_by_external,
};
use super::{Password, crypted_password, plain, taken_by_other};
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;
use crate::state::AppState;

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
