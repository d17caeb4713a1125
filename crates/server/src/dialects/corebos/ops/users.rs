//! The `Users` module over the Directory: the users Chamilo and Forma see (§9; D18).
//!
//! Only administrators create users; others may read and change only themselves.
//! `user_password` is write-only (hashed at once) and never returned.

use std::collections::BTreeMap;

use gatehouse_domain::{NewUser, Page, Store, User, UserId, UserPatch, Username};

use super::super::auth::{Caller, user_ws_id};
use super::super::codec::{Element, Reply};
use super::super::error::CorebosError;
use super::super::modules::Module;
use super::super::vtql::Row;
use super::fields::{check_mandatory, datetime, row_json, with_defaults, writable_values};
use crate::edge::PasswordPoolError;
use crate::state::AppState;

fn denied() -> CorebosError {
    CorebosError::OperationDenied
}

fn denied_read() -> CorebosError {
    CorebosError::ReadDenied
}

/// A user as a row of strings in field order, `id` last (§9).
pub fn user_row(module: &Module, user: &User) -> Row {
    let mut row: Row = module
        .fields
        .iter()
        .filter(|f| !f.is_secret())
        .map(|field| {
            let value = match field.name.as_str() {
                "user_name" => user.username.as_str().to_owned(),
                "first_name" => user.first_name.clone(),
                "last_name" => user.last_name.clone(),
                "email1" => user.email.clone(),
                "status" => if user.active { "Active" } else { "Inactive" }.to_owned(),
                "is_admin" => if user.is_admin { "on" } else { "off" }.to_owned(),
                "phone_work" => user.phone.clone(),
                "language" => user.language.clone(),
                "createdtime" => datetime(user.created_at),
                "modifiedtime" => datetime(user.updated_at),
                _ => String::new(),
            };
            (field.name.clone(), value)
        })
        .collect();
    row.push(("id".into(), user_ws_id(user.id)));
    row
}

/// The users `who` may see: all for administrators, else only themselves (§8.6).
pub async fn visible_rows(
    store: &dyn Store,
    who: &Caller,
    module: &Module,
) -> Result<Vec<Row>, CorebosError> {
    if !who.principal.is_admin {
        return Ok(vec![user_row(module, &who.user)]);
    }
    Ok(store
        .list_users(Page::all())
        .await?
        .iter()
        .map(|u| user_row(module, u))
        .collect())
}

fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "on" | "1" | "true" | "yes"
    )
}

async fn hash_password(
    state: &AppState,
    plain: String,
) -> Result<gatehouse_domain::PasswordHash, CorebosError> {
    let policy = state.password_policy;
    state
        .passwords
        .run(move || policy.hash(&plain))
        .await
        .map_err(|error| match error {
            // D9: a full password queue is ACCESS_DENIED "Too many requests" off login.
            PasswordPoolError::Busy => {
                CorebosError::TooManyRequests(crate::edge::password::BUSY_RETRY_AFTER)
            }
            PasswordPoolError::Failed => CorebosError::Internal,
        })?
        .map_err(CorebosError::from)
}

/// `create Users`: administrators only; the user is the Directory's (§9).
pub async fn create(
    state: &AppState,
    who: &Caller,
    module: &Module,
    element: &Element,
) -> Result<Reply, CorebosError> {
    if !who.principal.is_admin {
        return Err(denied());
    }
    let values = with_defaults(module, writable_values(module, element));
    check_mandatory(module, &values, None)?;
    let get = |name: &str| values.get(name).cloned().unwrap_or_default();
    let username = Username::parse(&get("user_name")).map_err(CorebosError::from)?;
    let mut new = NewUser::new(username);
    new.first_name = get("first_name");
    new.last_name = get("last_name");
    new.email = get("email1");
    new.phone = get("phone_work");
    new.language = get("language");
    new.is_admin = truthy(&get("is_admin"));
    new.active = !get("status").eq_ignore_ascii_case("Inactive");
    let password = get("user_password");
    if !password.is_empty() {
        new.password = Some(hash_password(state, password).await?);
    }
    let user = state.store.create_user(new).await?;
    Ok(Reply::new(row_json(&user_row(module, &user))))
}

/// `retrieve 19x<id>`: anyone may read themselves; administrators anyone.
pub async fn retrieve(
    store: &dyn Store,
    who: &Caller,
    module: &Module,
    id: UserId,
) -> Result<Reply, CorebosError> {
    if !who.principal.is_admin && who.user.id != id {
        return Err(denied_read());
    }
    // The caller's own record was read with their session in this request: not again.
    if who.user.id == id {
        return Ok(Reply::new(row_json(&user_row(module, &who.user))));
    }
    let user = store.user(id).await?.ok_or(CorebosError::InvalidId)?;
    Ok(Reply::new(row_json(&user_row(module, &user))))
}

/// `update` / `revise` of a user. Non-administrators may change only themselves, and not
/// their admin flag or status.
pub async fn save(
    state: &AppState,
    who: &Caller,
    module: &Module,
    id: UserId,
    element: &Element,
    partial: bool,
) -> Result<Reply, CorebosError> {
    if !who.principal.is_admin && who.user.id != id {
        return Err(denied_read());
    }
    let user = state.store.user(id).await?.ok_or_else(denied_read)?;
    let mut given = writable_values(module, element);
    if !who.principal.is_admin {
        given.remove("is_admin");
        given.remove("status");
    }
    let names: Vec<String> = given.keys().cloned().collect();
    let mut merged: BTreeMap<String, String> = user_row(module, &user).into_iter().collect();
    merged.extend(given.clone());
    check_mandatory(module, &merged, partial.then_some(names.as_slice()))?;
    let mut patch = UserPatch::default();
    for (name, value) in &given {
        match name.as_str() {
            "user_name" => {
                patch.username = Some(Username::parse(value).map_err(CorebosError::from)?)
            }
            "first_name" => patch.first_name = Some(value.clone()),
            "last_name" => patch.last_name = Some(value.clone()),
            "email1" => patch.email = Some(value.clone()),
            "phone_work" => patch.phone = Some(value.clone()),
            "language" => patch.language = Some(value.clone()),
            "is_admin" => patch.is_admin = Some(truthy(value)),
            "status" => patch.active = Some(!value.eq_ignore_ascii_case("Inactive")),
            "user_password" if !value.is_empty() => {
                patch.password = Some(Some(hash_password(state, value.clone()).await?));
            }
            _ => {}
        }
    }
    let user = if patch.is_empty() {
        user
    } else {
        state.store.update_user(id, patch).await?
    };
    Ok(Reply::new(row_json(&user_row(module, &user))))
}
