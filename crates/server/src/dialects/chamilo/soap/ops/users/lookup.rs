//! Delete/disable/enable, lookups and the SOAP API key (§4.1).

use gatehouse_domain::{
    Attributes, CredentialFilter, CredentialKind, Credentials, DomainError, EntityKind, EntityRef,
    NewCredential, User, UserPatch, Username, Users,
};
use gatehouse_wire::SoapValue;

use super::super::{id_value, keyed_result, user_by_external};
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;

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
