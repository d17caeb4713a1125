//! `Colleagues`: the Directory's users with their extensions.
//!
//! Every user appears, whichever dialect created it. A user without a stored extension shows
//! `1000 + id` (the sandbox and `admin` store real ones).

use std::collections::HashMap;

use axum::response::Response;
use gatehouse_domain::{Page, Pbx, User, UserId, Users};
use serde_json::json;

use crate::dialects::wildix::codec::{self, Paging};
use crate::dialects::wildix::error::WildixError;

/// The extension shown for a user without a stored one.
pub fn default_extension(id: UserId) -> String {
    (1000 + id.0).to_string()
}

/// The extension of one user: the stored one, else the default.
pub async fn extension_of(pbx: &dyn Pbx, id: UserId) -> Result<String, WildixError> {
    Ok(pbx
        .extensions()
        .await?
        .into_iter()
        .find(|(user, _)| *user == id)
        .map_or_else(|| default_extension(id), |(_, ext)| ext))
}

fn render(user: &User, extension: &str) -> serde_json::Value {
    json!({
        "id": user.id.0,
        "name": format!("{} {}", user.first_name, user.last_name).trim(),
        "login": user.username.as_str(),
        "email": user.email,
        "extension": extension,
        "phone": user.phone,
        "active": user.active,
    })
}

/// Lists users with extensions.
pub async fn colleagues(
    users: &dyn Users,
    pbx: &dyn Pbx,
    paging: Paging,
) -> Result<Response, WildixError> {
    let extensions: HashMap<UserId, String> = pbx.extensions().await?.into_iter().collect();
    let list = users
        .list_users(Page {
            offset: paging.start,
            limit: paging.count,
        })
        .await?;
    let total = users.count_users(None).await?;
    let rows = list
        .iter()
        .map(|u| {
            let ext = extensions
                .get(&u.id)
                .cloned()
                .unwrap_or_else(|| default_extension(u.id));
            render(u, &ext)
        })
        .collect();
    Ok(codec::records(rows, paging, total))
}
