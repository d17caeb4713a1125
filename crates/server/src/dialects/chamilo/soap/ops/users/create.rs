//! The four create operations (§4.1).

use gatehouse_domain::{DomainError, NewUser, PasswordHash, UserPatch, Username};
use gatehouse_wire::SoapValue;

use super::super::{
    extras, id_value, intval, keyed_result, parse_expiry, role_from_status, user_by_external,
};
use super::{Password, crypted_password, plain, taken_by_other};
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;
use crate::state::AppState;

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
    let c = match create_unchecked(state, c).await? {
        Ok(id) => return Ok(id),
        Err(c) => c,
    };
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
    let password = c.password.resolve(state).await?;
    match store
        .create_user(new_user(p, username, password, c.active))
        .await
    {
        Ok(user) => Ok(id_value(user.id.0)),
        Err(DomainError::UsernameTaken(_) | DomainError::ExternalIdTaken { .. }) => Ok(id_value(0)),
        Err(e) => Err(e.into()),
    }
}

/// The user a create of `p` makes.
fn new_user(
    p: &Params,
    username: Username,
    password: Option<PasswordHash>,
    active: bool,
) -> NewUser {
    let (orig_name, orig_value) = (
        p.str("original_user_id_name"),
        p.str("original_user_id_value"),
    );
    let mut new = NewUser::new(username);
    new.password = password;
    new.first_name = p.str("firstname").trim().to_owned();
    new.last_name = p.str("lastname").trim().to_owned();
    new.email = p.str("email").to_owned();
    new.phone = p.str("phone").to_owned();
    new.official_code = p.str("official_code").to_owned();
    new.language = p.str("language").to_ascii_lowercase();
    new.role = role_from_status(p.str("status"));
    new.active = active;
    new.expires_at = parse_expiry(p.str("expiration_date"));
    new.auth_source = "platform".to_owned();
    if !orig_name.is_empty() && !orig_value.is_empty() {
        new.external_ids
            .push((orig_name.to_owned(), orig_value.to_owned()));
    }
    new.extra = extras(p);
    new
}

/// The common create first, without the two reads before it (issue #10): when the login is
/// free and the external id unknown, the insert alone succeeds, and the unique constraints
/// refuse exactly what those reads would have found. Anything refused (`Err(c)`) goes
/// through the checked path of [`create_one`], which reactivates or answers `0` as before;
/// the refused insert stored nothing. A plain password keeps the checks first, so that a
/// taken login costs no Argon2id hash.
async fn create_unchecked<'a>(
    state: &AppState,
    c: Create<'a>,
) -> Result<Result<SoapValue, Create<'a>>, SoapError> {
    if matches!(c.password, Password::Plain(_)) {
        return Ok(Err(c));
    }
    let Ok(username) = Username::parse(c.p.str("loginname")) else {
        return Ok(Err(c));
    };
    let password = c.password.resolve(state).await?;
    let new = new_user(c.p, username, password.clone(), c.active);
    match state.store.create_user(new).await {
        Ok(user) => Ok(Ok(id_value(user.id.0))),
        Err(DomainError::UsernameTaken(_) | DomainError::ExternalIdTaken { .. }) => {
            Ok(Err(Create {
                password: password.map_or(Password::Absent, Password::Hashed),
                ..c
            }))
        }
        Err(e) => Err(e.into()),
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
