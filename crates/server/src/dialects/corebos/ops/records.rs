//! `create`, `retrieve`, `update`, `revise`, `delete` (specs/corebos.md §8.4), over the
//! `Crm` port for CRM modules; `Users` goes to [`super::users`].

use std::collections::BTreeMap;

use gatehouse_domain::{CrmRecord, NewCrmRecord, RecordId, Store, UserId};

use super::super::auth::{Caller, USERS_PREFIX, user_ws_id};
use super::super::codec::{Element, Reply};
use super::super::error::CorebosError;
use super::super::json::Json;
use super::super::modules::{self, Module, parse_ws_id};
use super::super::vtql::Row;
use super::fields::{check_mandatory, datetime, text_of, with_defaults, writable_values};
use super::users;
use crate::state::AppState;

/// What a ws id points at.
pub enum Target {
    /// A CRM record of a module.
    Record(&'static Module, Option<CrmRecord>),
    /// A user (`19x<id>`).
    User(&'static Module, UserId),
}

/// `ACCESS_DENIED` for a record that is not there on update/delete: coreBOS's module check
/// runs first and then refuses to read it (§8.4).
fn denied_read() -> CorebosError {
    CorebosError::ReadDenied
}

/// Resolves a ws id (or a bare record id, §8.1): an empty id is `INVALID_ID_ATTRIBUTE`,
/// an unknown prefix `ACCESS_DENIED ... denied for id: <n>`, a record of another module
/// `INVALID_ID_ATTRIBUTE`.
pub async fn locate(store: &dyn Store, id: &str) -> Result<Target, CorebosError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(CorebosError::InvalidId);
    }
    let (prefix, record) = match parse_ws_id(id) {
        Some(parts) => parts,
        None if id.bytes().all(|b| b.is_ascii_digit()) => {
            let record = id
                .parse()
                .ok()
                .map(RecordId)
                .ok_or(CorebosError::InvalidId)?;
            let found = store
                .crm_record(record)
                .await?
                .ok_or(CorebosError::InvalidId)?;
            let module = modules::by_name(&found.module).ok_or(CorebosError::InvalidId)?;
            return Ok(Target::Record(module, Some(found)));
        }
        // Anything else maps to 0x0 in coreBOS.
        None => return Err(CorebosError::IdDenied("0".into())),
    };
    let module =
        modules::by_prefix(prefix).ok_or_else(|| CorebosError::IdDenied(prefix.to_string()))?;
    if module.is_users() {
        return Ok(Target::User(module, UserId(record)));
    }
    let found = store.crm_record(RecordId(record)).await?;
    if found.as_ref().is_some_and(|r| r.module != module.name) {
        return Err(CorebosError::InvalidId);
    }
    Ok(Target::Record(module, found))
}

/// A CRM record as a row of strings in field order, `id` last (§8.5).
pub fn record_row(module: &Module, record: &CrmRecord) -> Row {
    let mut row: Row = module
        .fields
        .iter()
        .filter(|f| !f.is_secret())
        .map(|field| {
            if let Some(prefix) = &field.autonumber {
                return (field.name.clone(), format!("{prefix}{}", record.id));
            }
            let value = match (field.name.as_str(), field.type_name()) {
                (_, "owner") => record.assigned_user.map(user_ws_id).unwrap_or_default(),
                ("createdtime", _) => datetime(record.created_at),
                ("modifiedtime", _) => datetime(record.modified_at),
                (name, _) => record.fields.get(name).cloned().unwrap_or_default(),
            };
            (field.name.clone(), value)
        })
        .collect();
    row.push(("id".into(), format!("{}x{}", module.id_prefix, record.id)));
    row
}

/// A record as create/retrieve/update return it: the row, plus `<field>ename` for every
/// non-empty reference (`{module, reference}`: the target's module and label, §8.5).
pub async fn record_json(
    store: &dyn Store,
    module: &Module,
    record: &CrmRecord,
) -> Result<Json, CorebosError> {
    let row = record_row(module, record);
    let mut pairs: Vec<(String, Json)> = Vec::new();
    let mut enames = Vec::new();
    for (name, value) in &row {
        pairs.push((name.clone(), Json::Str(value.clone())));
        let Some(field) = module.field(name).filter(|f| f.is_reference()) else {
            continue;
        };
        if let Some((prefix, id)) = parse_ws_id(value) {
            if let Some(label) = reference_label(store, prefix, id).await? {
                enames.push((
                    format!("{}ename", field.name),
                    Json::obj([
                        ("module", Json::Str(label.0)),
                        ("reference", Json::Str(label.1)),
                    ]),
                ));
            }
        }
    }
    // `id` stays last.
    let id = pairs.pop();
    pairs.extend(enames);
    pairs.extend(id);
    Ok(Json::Obj(pairs))
}

/// The module and label of the record a reference points at.
async fn reference_label(
    store: &dyn Store,
    prefix: i64,
    id: i64,
) -> Result<Option<(String, String)>, CorebosError> {
    let Some(target) = modules::by_prefix(prefix) else {
        return Ok(None);
    };
    if target.is_users() {
        return Ok(store.user(UserId(id)).await?.map(|u| {
            let full = format!("{} {}", u.first_name, u.last_name);
            let label = if full.trim().is_empty() {
                u.username.as_str().to_owned()
            } else {
                full.trim().to_owned()
            };
            (target.name.clone(), label)
        }));
    }
    Ok(store.crm_record(RecordId(id)).await?.map(|r| {
        let label: Vec<&str> = target
            .label_fields
            .iter()
            .filter_map(|f| r.fields.get(f).map(String::as_str))
            .filter(|v| !v.is_empty())
            .collect();
        (target.name.clone(), label.join(" "))
    }))
}

/// Checks the reference and owner fields among `values` (§8.4): references must be ws ids
/// of a module the field refers to and of a record that exists (`REFERENCE_INVALID`); the
/// owner must be an existing user (`ACCESS_DENIED Cannot assign record to the given user`).
/// Empty references (`""`, `NNx0`) are dropped. Returns the owner, if given.
async fn check_references(
    store: &dyn Store,
    module: &Module,
    values: &mut BTreeMap<String, String>,
) -> Result<Option<Option<UserId>>, CorebosError> {
    let mut owner = None;
    for field in module.fields.iter().filter(|f| f.is_reference()) {
        let Some(value) = values.get(&field.name).cloned() else {
            continue;
        };
        let parsed = parse_ws_id(&value);
        if value.trim().is_empty() || parsed.is_some_and(|(_, id)| id == 0) {
            values.remove(&field.name);
            if field.type_name() == "owner" {
                owner = Some(None);
            }
            continue;
        }
        if field.type_name() == "owner" {
            let cannot = || CorebosError::CannotAssign;
            let (prefix, id) = parsed.ok_or_else(cannot)?;
            if prefix != USERS_PREFIX || store.user(UserId(id)).await?.is_none() {
                return Err(cannot());
            }
            values.remove(&field.name);
            owner = Some(Some(UserId(id)));
            continue;
        }
        let invalid = || CorebosError::ReferenceInvalid(field.name.clone());
        let (prefix, id) = parsed.ok_or_else(invalid)?;
        let target = modules::by_prefix(prefix).ok_or_else(invalid)?;
        if !field.refers_to().contains(&target.name.as_str()) {
            return Err(invalid());
        }
        let exists = match target.is_users() {
            true => store.user(UserId(id)).await?.is_some(),
            false => store
                .crm_record(RecordId(id))
                .await?
                .is_some_and(|r| r.module == target.name),
        };
        if !exists {
            return Err(invalid());
        }
        values.insert(field.name.clone(), format!("{prefix}x{id}"));
    }
    Ok(owner)
}

/// `create(elementType, element)`: returns the saved record as retrieve does.
pub async fn create(
    state: &AppState,
    who: &Caller,
    element_type: &str,
    element: &Element,
) -> Result<Reply, CorebosError> {
    let module = modules::by_name(element_type)
        .ok_or_else(|| CorebosError::ModuleDenied(element_type.to_owned()))?;
    if module.is_users() {
        return users::create(state, who, module, element).await;
    }
    let store = state.store.as_ref();
    let mut values = with_defaults(module, writable_values(module, element));
    // Clients fill in the caller as owner; so does gatehouse when they do not (§8.4).
    values
        .entry("assigned_user_id".into())
        .or_insert_with(|| who.ws_id());
    let owner = check_references(store, module, &mut values).await?;
    check_mandatory(module, &with_owner(&values, owner.flatten()), None)?;
    let record = store
        .create_record(NewCrmRecord {
            module: module.name.clone(),
            fields: values,
            assigned_user: owner.flatten(),
        })
        .await?;
    Ok(Reply::new(record_json(store, module, &record).await?))
}

/// The values with the owner put back, for the mandatory check.
fn with_owner(
    values: &BTreeMap<String, String>,
    owner: Option<UserId>,
) -> BTreeMap<String, String> {
    let mut all = values.clone();
    if let Some(owner) = owner {
        all.insert("assigned_user_id".into(), user_ws_id(owner));
    }
    all
}

/// `retrieve(id)`: a missing record is `INVALID_ID_ATTRIBUTE` (§8.4).
pub async fn retrieve(store: &dyn Store, who: &Caller, id: &str) -> Result<Reply, CorebosError> {
    match locate(store, id).await? {
        Target::User(module, user) => users::retrieve(store, who, module, user).await,
        Target::Record(module, Some(record)) => {
            Ok(Reply::new(record_json(store, module, &record).await?))
        }
        Target::Record(_, None) => Err(CorebosError::InvalidId),
    }
}

/// `update(element)`: a full replace — stored values merged under the given ones, every
/// mandatory field still set (§8.4).
pub async fn update(
    state: &AppState,
    who: &Caller,
    element: &Element,
) -> Result<Reply, CorebosError> {
    save(state, who, element, false).await
}

/// `revise(element)`: a partial update; only the fields sent are validated (§8.4).
pub async fn revise(
    state: &AppState,
    who: &Caller,
    element: Option<&Element>,
) -> Result<Reply, CorebosError> {
    let element = element.ok_or(CorebosError::ElementMissing)?;
    save(state, who, element, true).await
}

async fn save(
    state: &AppState,
    who: &Caller,
    element: &Element,
    partial: bool,
) -> Result<Reply, CorebosError> {
    let id = element.get("id").map(text_of).unwrap_or_default();
    let store = state.store.as_ref();
    let (module, record) = match locate(store, &id).await? {
        Target::User(module, user) => {
            return users::save(state, who, module, user, element, partial).await;
        }
        Target::Record(module, record) => (module, record.ok_or_else(denied_read)?),
    };
    let given = writable_values(module, element);
    let names: Vec<String> = given.keys().cloned().collect();
    let mut values = record.fields.clone();
    values.extend(given);
    if !values.contains_key("assigned_user_id") {
        if let Some(owner) = record.assigned_user {
            values.insert("assigned_user_id".into(), user_ws_id(owner));
        }
    }
    let owner = check_references(store, module, &mut values).await?;
    let assigned = match owner {
        Some(owner) => owner,
        None => record.assigned_user,
    };
    check_mandatory(
        module,
        &with_owner(&values, assigned),
        partial.then_some(names.as_slice()),
    )?;
    let saved = store
        .replace_record(record.id, values, assigned)
        .await?
        .ok_or_else(denied_read)?;
    Ok(Reply::new(record_json(store, module, &saved).await?))
}

/// `delete(id)`: `{"status":"successful"}`; users are refused as coreBOS refuses them (§8.4).
pub async fn delete(store: &dyn Store, _who: &Caller, id: &str) -> Result<Reply, CorebosError> {
    match locate(store, id).await? {
        Target::User(..) => Err(CorebosError::UseDeleteUser),
        Target::Record(_, Some(record)) => {
            if !store.delete_record(record.id).await? {
                return Err(denied_read());
            }
            Ok(Reply::new(Json::obj([("status", Json::str("successful"))])))
        }
        Target::Record(_, None) => Err(denied_read()),
    }
}
