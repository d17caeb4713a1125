//! PBX records: call queues, call history (originated calls included), sounds, extensions.
//!
//! The Wildix dialect serves these (specs/wildix.md §6); they are plain data here, with no
//! telephony behind them. A user's extension is what Wildix's `Colleagues` shows; users
//! created through any dialect appear there.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{DomainResult, Page, UserId};

/// A call queue (`PBX/settings/CallQueues`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallQueue {
    /// Internal id, the `{id}` of the queue's URL.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Ring strategy as Asterisk names it (`ringall`, `rrmemory`, ...).
    pub strategy: String,
    /// Members in the order they were added.
    pub members: Vec<QueueMember>,
}

/// One member of a call queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueMember {
    /// The member as the PBX dials it (an extension, or `Local/1001@users`).
    pub interface: String,
    /// Whether it was added at run time (`members/dynamic`) rather than configured.
    pub dynamic: bool,
}

/// What creating a call queue needs.
#[derive(Debug, Clone, Default)]
pub struct NewCallQueue {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Ring strategy; empty means `ringall`.
    pub strategy: String,
    /// Static members.
    pub members: Vec<String>,
}

/// One call of the call history, or an originate request recorded as a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    /// Internal id.
    pub id: i64,
    /// The call's details.
    #[serde(flatten)]
    pub call: NewCallRecord,
}

/// The details of a call, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCallRecord {
    /// When the call started.
    pub start: DateTime<Utc>,
    /// When it ended.
    pub end: DateTime<Utc>,
    /// Calling number.
    pub src: String,
    /// Called number.
    pub dst: String,
    /// Seconds answered.
    pub billsec: i64,
    /// `ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED`, or `ORIGINATED` for a request with no telephony.
    pub disposition: String,
    /// The channel dialled.
    pub channel: String,
    /// The dialplan context.
    pub context: String,
    /// Caller id text (`Name <num>`).
    pub callerid: String,
    /// Whether it was created by an originate request.
    pub originated: bool,
}

/// Which calls to list.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Calls that started at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Calls that started at or before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Calls where this extension is the source or the destination.
    pub extension: Option<String>,
}

/// A sound file of the PBX (`Sounds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sound {
    /// Internal id.
    pub id: i64,
    /// The sound's details.
    #[serde(flatten)]
    pub sound: NewSound,
    /// When it was created or last replaced.
    pub created_at: DateTime<Utc>,
}

/// What creating a sound needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSound {
    /// Directory (`custom`, `moh`, ...).
    pub directory: String,
    /// Name, unique inside its directory.
    pub name: String,
    /// The text it speaks (TTS); may be empty.
    pub text: String,
    /// The TTS voice asked for.
    pub voice: String,
    /// The rendered audio file under the data directory, if one was rendered.
    pub audio_file: Option<String>,
}

/// The PBX records of the store.
#[async_trait]
pub trait Pbx: Send + Sync {
    /// Creates a call queue; its name must be unique.
    async fn create_queue(&self, new: NewCallQueue) -> DomainResult<CallQueue>;
    /// Call queues ordered by id, and how many there are.
    async fn queues(&self, page: Page) -> DomainResult<(Vec<CallQueue>, u64)>;
    /// One call queue with its members.
    async fn queue(&self, id: i64) -> DomainResult<Option<CallQueue>>;
    /// Adds a member to a queue; `false` if it was already a member.
    async fn add_queue_member(
        &self,
        queue: i64,
        interface: &str,
        dynamic: bool,
    ) -> DomainResult<bool>;
    /// Removes a dynamic member; `false` if there was none by that interface.
    async fn remove_queue_member(&self, queue: i64, interface: &str) -> DomainResult<bool>;
    /// Records a call.
    async fn record_call(&self, call: NewCallRecord) -> DomainResult<CallRecord>;
    /// Calls matching `filter`, newest first, and how many match.
    async fn calls(&self, filter: &CallFilter, page: Page) -> DomainResult<(Vec<CallRecord>, u64)>;
    /// Creates a sound, or replaces the one with the same directory and name.
    async fn put_sound(&self, sound: NewSound) -> DomainResult<Sound>;
    /// Sounds ordered by directory and name, optionally of one directory only.
    async fn sounds(&self, directory: Option<&str>) -> DomainResult<Vec<Sound>>;
    /// Deletes the sounds called `name` (in `directory` if given) and returns them.
    async fn delete_sounds(&self, name: &str, directory: Option<&str>) -> DomainResult<Vec<Sound>>;
    /// Sets or clears a user's extension; an extension belongs to one user at most.
    async fn set_extension(&self, user: UserId, extension: Option<&str>) -> DomainResult<()>;
    /// Every stored extension, ordered by user id.
    async fn extensions(&self) -> DomainResult<Vec<(UserId, String)>>;
    /// Marks `key` used until `until`; `false` if it was already marked and the mark has not
    /// expired. Stored, so that every instance behind a load balancer shares the marks.
    async fn mark_once(&self, key: &str, until: DateTime<Utc>) -> DomainResult<bool>;
}
