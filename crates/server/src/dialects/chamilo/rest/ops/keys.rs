//! API-key actions: `update_user_apikey`, `get_user_api_key`, `get_users_api_keys`
//! (specs/chamilo.md §6). Keys are stored encrypted and shown again on request (D12).

use chrono::Utc;
use gatehouse_domain::{
    CredentialFilter, CredentialKind, Credentials, DomainError, Page, Secret, UserId, Users,
};

use crate::credentials;
use crate::dialects::chamilo::rest::auth::{Caller, find_user, user_api_key};
use crate::dialects::chamilo::rest::error::RestError;
use crate::dialects::chamilo::rest::json::Json;

/// `update_user_apikey`: replaces the key of `user_id` (the caller, or anyone for an admin)
/// when `current_api_key` is that user's key → `{"api_key":"<new>"}`; otherwise NotAllowed.
pub async fn update_user_apikey<S: Credentials + ?Sized>(
    store: &S,
    caller: &Caller,
    user_id: i64,
    current_api_key: &str,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    if !caller.is_admin() && caller.user.id.0 != user_id {
        return Err(RestError::NotAllowed);
    }
    let now = Utc::now();
    let current = store
        .list_credentials(CredentialFilter {
            owner: Some(UserId(user_id)),
            kind: Some(CredentialKind::ChamiloApiKey),
            include_revoked: false,
        })
        .await
        .map_err(fail)?
        .into_iter()
        .find(|c| c.is_usable(now));
    let Some(current) = current else {
        return Err(RestError::NotAllowed);
    };
    let secret: Secret = store.reveal(current.id).await.map_err(fail)?;
    // Compared in constant time; Chamilo compared with `!=`.
    if current_api_key.is_empty() || !secret.ct_eq(current_api_key) {
        return Err(RestError::NotAllowed);
    }
    let fresh = credentials::new_secret(CredentialKind::ChamiloApiKey);
    store
        .rotate_credential(current.id, fresh.clone())
        .await
        .map_err(fail)?;
    Ok(Json::object([("api_key", Json::from(fresh.expose()))]))
}

/// `get_user_api_key`: `{id, username, api_key|null}` of the user called `user`; with
/// `force` a key is issued when they have none.
pub async fn get_user_api_key<S: Users + Credentials + ?Sized>(
    store: &S,
    user: &str,
    force: bool,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let user = find_user(store, user)
        .await
        .map_err(fail)?
        .ok_or(RestError::UserNotFound)?;
    let key = user_api_key(store, user.id, force).await.map_err(fail)?;
    Ok(Json::object([
        ("id", Json::Int(user.id.0)),
        ("username", Json::from(user.username.as_str())),
        ("api_key", Json::from(key.map(|k| k.expose().to_owned()))),
    ]))
}

/// `get_users_api_keys`: one page of `{id, username, api_key|null}` with `total`, `length`
/// and, when there is a next page, `next` (its URL).
pub async fn get_users_api_keys<S: Users + Credentials + ?Sized>(
    store: &S,
    page: i64,
    per_page: i64,
    force: bool,
    endpoint: &str,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let page = page.clamp(1, i64::from(u32::MAX));
    let per_page = per_page.clamp(1, 1000);
    let total = store.count_users(None).await.map_err(fail)?;
    let offset = u64::try_from((page - 1) * per_page).unwrap_or(0);
    let limit = u64::try_from(per_page).unwrap_or(30);
    let users = store
        .list_users(Page { offset, limit })
        .await
        .map_err(fail)?;
    let mut list = Vec::new();
    for user in &users {
        let key = user_api_key(store, user.id, force).await.map_err(fail)?;
        list.push(Json::object([
            ("id", Json::Int(user.id.0)),
            ("username", Json::from(user.username.as_str())),
            ("api_key", Json::from(key.map(|k| k.expose().to_owned()))),
        ]));
    }
    let length = i64::try_from(list.len()).unwrap_or(i64::MAX);
    let mut out = vec![
        ("total", Json::Int(i64::try_from(total).unwrap_or(i64::MAX))),
        ("list", Json::Array(list)),
        ("length", Json::Int(length)),
    ];
    if offset + limit < total {
        out.push((
            "next",
            Json::from(format!(
                "{endpoint}?action=get_users_api_keys&page={}&per_page={per_page}&force={}",
                page + 1,
                u8::from(force)
            )),
        ));
    }
    Ok(Json::object(out))
}
