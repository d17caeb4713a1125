//! The shapes of Wildix WMS results that specs/wildix.md §6 documents.
//!
//! List endpoints answer `result.records` with paging members; the record fields beyond the
//! documented ones (`id`, `name`, `description` for queues) vary by PBX version, so every
//! record keeps the rest in `other`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient::{flag, int, list, opt_int, text};

/// One page of a list endpoint: `{"records":[…], "count", "start", "total"}`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(bound(deserialize = "T: serde::de::DeserializeOwned"))]
pub struct Records<T> {
    /// The rows of this page.
    #[serde(deserialize_with = "list")]
    pub records: Vec<T>,
    /// The page size asked for, when the PBX echoes it.
    #[serde(default, deserialize_with = "opt_int")]
    pub count: Option<i64>,
    /// The offset, when echoed.
    #[serde(default, deserialize_with = "opt_int")]
    pub start: Option<i64>,
    /// The number of rows in all pages, when the PBX sends it (unconfirmed on real PBXs).
    #[serde(default, deserialize_with = "opt_int")]
    pub total: Option<i64>,
}

/// A call queue of `PBX/settings/CallQueues/`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CallQueue {
    /// The queue id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// The description.
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    /// The ring strategy, when sent.
    #[serde(default, deserialize_with = "text")]
    pub strategy: String,
    /// The members (only on one queue, `CallQueues/{id}/`, not in the list).
    #[serde(default, deserialize_with = "list")]
    pub members: Vec<QueueMember>,
    /// The other members of the record.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A member of a call queue.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueueMember {
    /// The member interface (e.g. `Local/101@pbxinternal`).
    #[serde(default, deserialize_with = "text")]
    pub member: String,
    /// The interface whose state is followed.
    #[serde(default, deserialize_with = "text")]
    pub state_interface: String,
    /// Whether it was added as a dynamic member.
    #[serde(default, deserialize_with = "flag")]
    pub dynamic: bool,
    /// The other members of the record.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The fields of a new call queue (`POST PBX/settings/CallQueues/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCallQueue {
    /// The name (required).
    pub name: String,
    /// The description.
    pub description: String,
    /// The ring strategy (`ringall`, ...); the PBX default when empty.
    pub strategy: String,
    /// Static member interfaces.
    pub members: Vec<String>,
}

/// A colleague of `Colleagues/`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Colleague {
    /// The user id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The display name.
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    /// The login.
    #[serde(default, deserialize_with = "text")]
    pub login: String,
    /// The email address.
    #[serde(default, deserialize_with = "text")]
    pub email: String,
    /// The extension.
    #[serde(default, deserialize_with = "text")]
    pub extension: String,
    /// The other members of the record.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A sound of `Sounds/`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Sound {
    /// The file name.
    #[serde(default, deserialize_with = "text")]
    pub filename: String,
    /// The directory.
    #[serde(default, deserialize_with = "text")]
    pub directory: String,
    /// The TTS text it was made from, if any.
    #[serde(default, deserialize_with = "text")]
    pub text: String,
    /// The other members of the record.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
