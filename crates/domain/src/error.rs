//! The one error type of the domain and its ports.

use crate::{CourseId, CourseSessionId, CredentialId, UserId};

/// What went wrong in the domain or in a store behind a port.
///
/// No status codes and no store types: each dialect maps these onto its own wire error in
/// one table, and the store turns its private errors into these and nowhere else.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// A user id that no user has.
    #[error("user {0} not found")]
    UserNotFound(UserId),
    /// A course id that no course has.
    #[error("course {0} not found")]
    CourseNotFound(CourseId),
    /// A course session id that no session has.
    #[error("session {0} not found")]
    SessionNotFound(CourseSessionId),
    /// A credential that does not exist.
    #[error("credential {0} not found")]
    CredentialNotFound(String),
    /// A credential id that no credential has.
    #[error("credential {0} not found")]
    CredentialIdNotFound(CredentialId),
    /// Another user already has this username (compared case-insensitively).
    #[error("username {0:?} is already taken")]
    UsernameTaken(String),
    /// Another course already has this code.
    #[error("course code {0:?} is already taken")]
    CourseCodeTaken(String),
    /// Another course session already has this name.
    #[error("session name {0:?} is already taken")]
    SessionNameTaken(String),
    /// An external id (name, value) already points at another entity of the same kind.
    #[error("external id {name}={value} already belongs to another {kind}")]
    ExternalIdTaken {
        /// The entity kind (`user`, `course`, ...).
        kind: &'static str,
        /// The external id's name.
        name: String,
        /// The external id's value.
        value: String,
    },
    /// A value that breaks a rule of the domain.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// Why, in words a caller can act on.
        reason: String,
    },
    /// The store cannot be reached or is not answering in time.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store refused a write (read-only file, disk full) while reads may still work.
    #[error("store refused the write: {0}")]
    WriteRefused(String),
    /// A stored secret could not be decrypted (wrong master key or corrupted row).
    #[error("stored secret {0} cannot be decrypted: wrong master key or damaged data")]
    SecretUnreadable(String),
    /// Anything else that went wrong in the store; the text is for logs, not callers.
    #[error("store error: {0}")]
    Internal(String),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Whether the failure is the store's (unavailable, refused write, internal), not the caller's.
    pub fn is_store_failure(&self) -> bool {
        matches!(
            self,
            Self::Unavailable(_)
                | Self::WriteRefused(_)
                | Self::Internal(_)
                | Self::SecretUnreadable(_)
        )
    }
}
