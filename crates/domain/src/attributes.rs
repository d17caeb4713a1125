//! External ids and extra fields: what integrations attach to users, courses and sessions.

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The kinds of entity that carry external ids and extra fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A user.
    User,
    /// A course.
    Course,
    /// A course session.
    Session,
}

impl EntityKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Course => "course",
            Self::Session => "session",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        match name {
            "user" => Ok(Self::User),
            "course" => Ok(Self::Course),
            "session" => Ok(Self::Session),
            other => Err(DomainError::invalid(
                "kind",
                format!("unknown entity kind {other:?}"),
            )),
        }
    }
}

/// One entity of a kind, by internal id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntityRef {
    /// The kind.
    pub kind: EntityKind,
    /// The internal id (a `UserId`, `CourseId` or `CourseSessionId` value).
    pub id: i64,
}

/// An id that another system gave an entity (Chamilo's `original_user_id_name/value`).
///
/// Unique per (kind, name, value): one value names at most one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalId {
    /// The id system's name.
    pub name: String,
    /// The value in that system.
    pub value: String,
}

/// One value of an extra (custom) field of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtraValue {
    /// The field's name (Chamilo's `variable`).
    pub field: String,
    /// The value.
    pub value: String,
}
