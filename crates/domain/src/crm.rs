//! CRM records: the entities of coreBOS modules (`Contacts`, `Accounts`, `Leads`, ...).
//!
//! Stored generically — a module name and its field values — because the modules are
//! defined as data by the dialect (specs/corebos.md §8.3); the domain checks nothing about
//! which fields a module has.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{DomainResult, UserId};

/// The internal id of a CRM record (the `<recordId>` of coreBOS `12x<recordId>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(pub i64);

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A CRM record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmRecord {
    /// Internal id.
    pub id: RecordId,
    /// The module it belongs to, as the dialect names it (`Contacts`).
    pub module: String,
    /// Field values by field name; reference fields hold the dialect's rendering.
    pub fields: BTreeMap<String, String>,
    /// The user the record is assigned to (coreBOS `assigned_user_id`).
    pub assigned_user: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub modified_at: DateTime<Utc>,
}

/// Everything needed to create a CRM record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCrmRecord {
    /// The module.
    pub module: String,
    /// Field values.
    pub fields: BTreeMap<String, String>,
    /// The assigned user.
    pub assigned_user: Option<UserId>,
}

/// CRM records of every module.
#[async_trait]
pub trait Crm: Send + Sync {
    /// Creates a record.
    async fn create_record(&self, new: NewCrmRecord) -> DomainResult<CrmRecord>;
    /// The record with this id.
    async fn crm_record(&self, id: RecordId) -> DomainResult<Option<CrmRecord>>;
    /// Replaces a record's fields and assignment; `None` if it does not exist.
    async fn replace_record(
        &self,
        id: RecordId,
        fields: BTreeMap<String, String>,
        assigned_user: Option<UserId>,
    ) -> DomainResult<Option<CrmRecord>>;
    /// Deletes a record; `false` if there was none.
    async fn delete_record(&self, id: RecordId) -> DomainResult<bool>;
    /// Every record of `module`, ordered by id (VTQL is evaluated over these).
    async fn module_records(&self, module: &str) -> DomainResult<Vec<CrmRecord>>;
}
