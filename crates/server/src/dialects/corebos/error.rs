//! The dialect's errors and the ONE table from them to coreBOS wire codes and messages
//! (specs/corebos.md §3). Every error travels as HTTP 200 in the JSON envelope.

use gatehouse_domain::DomainError;

/// Everything a coreBOS request can fail with, as the caller will be told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorebosError {
    /// No live session on an operation that needs one (D7).
    #[error("authentication required")]
    AuthenticationRequired,
    /// `getchallenge` for a username no user has; the name is echoed, as coreBOS does (§4).
    #[error("unknown user {0:?} at getchallenge")]
    ChallengeUserNotFound(String),
    /// `login` for a username no user has (§5).
    #[error("unknown user at login")]
    LoginUserNotFound,
    /// `login` with the right proof for an inactive or expired user (D18).
    #[error("user is inactive")]
    UserInactive,
    /// `login` with no live challenge for the user (§5).
    #[error("no live challenge")]
    InvalidAuthToken,
    /// `login` for a user without an access key (§5).
    #[error("user has no access key")]
    AccessKeyUndefined,
    /// `login` with a proof that matches no live challenge (§5).
    #[error("wrong access key proof")]
    InvalidUserCredentials,
    /// `extendsession` without a valid `gatehouse_session` cookie (D15).
    #[error("no web session to extend")]
    NoWebSession,
    /// A missing or unknown `operation`.
    #[error("unknown operation")]
    UnknownOperation,
    /// A parameter that cannot be read (bad JSON, too large a body, D9); the text says which.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// `format` other than `json` (§1: anything else is undefined, so refused).
    #[error("unsupported format")]
    UnsupportedFormat,
    /// A module that does not exist or that the caller may not use.
    #[error("module {0:?} denied")]
    ModuleDenied(String),
    /// An id whose entity prefix names no module (anything unparsable is prefix 0, §8.1).
    #[error("id prefix {0} denied")]
    IdDenied(String),
    /// An operation the caller's role does not allow (a non-admin creating users).
    #[error("operation denied")]
    OperationDenied,
    /// A record the caller may not read, or that is not there on update/delete (§8.4).
    #[error("record read denied")]
    ReadDenied,
    /// An `assigned_user_id` that names no user.
    #[error("cannot assign to that user")]
    CannotAssign,
    /// `delete` of a Users record (coreBOS wants `deleteUser`).
    #[error("users are not deleted with delete")]
    UseDeleteUser,
    /// A VTQL field the module does not have (or that is never shown).
    #[error("field {0:?} denied")]
    FieldDenied(String),
    /// Rate-limited or the password queue is full, on any operation but `login` (D9);
    /// carries the seconds to wait.
    #[error("too many requests")]
    TooManyRequests(u64),
    /// Rate-limited or the password queue is full at `login`: the code clients already
    /// handle for a refused login, with the wait in the message (D9).
    #[error("too many logins")]
    LoginTooManyRequests(u64),
    /// An empty, malformed or wrong-module id, or a missing record on retrieve (§3).
    #[error("incorrect id")]
    InvalidId,
    /// A mandatory field left empty.
    #[error("mandatory field {field} missing")]
    MandatoryFieldMissing {
        /// The field's label.
        label: String,
        /// The field's name.
        field: String,
    },
    /// `revise` whose `element` is not an object.
    #[error("element missing")]
    ElementMissing,
    /// A reference field pointing at a record of a module it cannot reference.
    #[error("invalid reference for {0}")]
    ReferenceInvalid(String),
    /// A VTQL statement that does not parse; the text is the parser's (§8.6).
    #[error("query syntax error: {0}")]
    QuerySyntax(String),
    /// A value the store refused (a username already taken, ...); the text is the reason.
    #[error("validation failed: {0}")]
    ValidationFailed(String),
    /// The store failed (D9).
    #[error("database error")]
    Database,
    /// Anything else that went wrong on the server (D9).
    #[error("internal error")]
    Internal,
}

impl CorebosError {
    /// The `Retry-After` seconds of a rate-limit answer.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests(seconds) | Self::LoginTooManyRequests(seconds) => Some(*seconds),
            _ => None,
        }
    }

    /// The wire `code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AuthenticationRequired
            | Self::ChallengeUserNotFound(_)
            | Self::LoginUserNotFound
            | Self::UserInactive
            | Self::NoWebSession => "AUTHENTICATION_REQUIRED",
            Self::InvalidAuthToken => "INVALID_AUTH_TOKEN",
            Self::AccessKeyUndefined => "ACCESSKEY_UNDEFINED",
            Self::InvalidUserCredentials | Self::LoginTooManyRequests(_) => {
                "INVALID_USER_CREDENTIALS"
            }
            Self::UnknownOperation => "UNKNOWN_OPERATION",
            Self::InvalidParameter(_) | Self::UnsupportedFormat => "INVALID_PARAMETER",
            Self::ModuleDenied(_)
            | Self::IdDenied(_)
            | Self::OperationDenied
            | Self::ReadDenied
            | Self::CannotAssign
            | Self::UseDeleteUser
            | Self::FieldDenied(_)
            | Self::TooManyRequests(_) => "ACCESS_DENIED",
            Self::InvalidId => "INVALID_ID_ATTRIBUTE",
            Self::MandatoryFieldMissing { .. } | Self::ElementMissing => "MANDATORY_FIELDS_MISSING",
            Self::ReferenceInvalid(_) => "REFERENCE_INVALID",
            Self::QuerySyntax(_) => "QUERY_SYNTAX_ERROR",
            Self::ValidationFailed(_) => "VALIDATION_FAILED",
            Self::Database => "DATABASE_QUERY_ERROR",
            Self::Internal => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The wire `message`, spelled as coreBOS spells it (§3).
    pub fn message(&self) -> String {
        match self {
            Self::AuthenticationRequired | Self::NoWebSession => "Authentication required".into(),
            Self::ChallengeUserNotFound(name) => format!("Given user cannot be found: {name}"),
            Self::LoginUserNotFound => "Given user cannot be found".into(),
            Self::UserInactive => "Given user is inactive".into(),
            Self::InvalidAuthToken => "Specified token is invalid or expired".into(),
            Self::AccessKeyUndefined => "Access key for the user is undefined".into(),
            Self::InvalidUserCredentials => "Invalid username or password".into(),
            Self::UnknownOperation => "Unknown operation requested".into(),
            Self::InvalidParameter(text) => text.clone(),
            Self::UnsupportedFormat => "Unsupported format: only json is served".into(),
            Self::ModuleDenied(name) => {
                format!("Permission to perform the operation is denied for {name}")
            }
            Self::IdDenied(prefix) => {
                format!("Permission to perform the operation is denied for id: {prefix}")
            }
            Self::OperationDenied => "Permission to perform the operation is denied".into(),
            Self::ReadDenied => "Permission to read given object is denied".into(),
            Self::CannotAssign => "Cannot assign record to the given user".into(),
            Self::UseDeleteUser => "Incorrect method: use DeleteUser method to delete users".into(),
            // Literally with the quote-dot pairs (§3).
            Self::FieldDenied(field) => {
                format!("Permission to access '.{field}.' attribute denied.")
            }
            Self::TooManyRequests(seconds) | Self::LoginTooManyRequests(seconds) => {
                format!("Too many requests, retry in {seconds} s")
            }
            Self::InvalidId => "Id specified is incorrect".into(),
            Self::MandatoryFieldMissing { label, field } => {
                format!("{label} ({field}) does not have a value")
            }
            Self::ElementMissing => "Mandatory field does not have a value".into(),
            Self::ReferenceInvalid(field) => format!("Invalid reference specified for {field}"),
            Self::QuerySyntax(text) => text.clone(),
            Self::ValidationFailed(text) => text.clone(),
            Self::Database => "Database error while performing requested operation".into(),
            Self::Internal => "Unknown Error while processing request".into(),
        }
    }

    /// The outcome label for metrics (coreBOS answers every error with HTTP 200).
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::AuthenticationRequired
            | Self::ChallengeUserNotFound(_)
            | Self::LoginUserNotFound
            | Self::UserInactive
            | Self::InvalidAuthToken
            | Self::AccessKeyUndefined
            | Self::InvalidUserCredentials
            | Self::NoWebSession => "auth_failure",
            Self::ModuleDenied(_)
            | Self::IdDenied(_)
            | Self::OperationDenied
            | Self::ReadDenied
            | Self::CannotAssign
            | Self::UseDeleteUser
            | Self::FieldDenied(_) => "forbidden",
            Self::TooManyRequests(_) | Self::LoginTooManyRequests(_) => "rate_limited",
            Self::Database | Self::Internal => "server_error",
            _ => "bad_request",
        }
    }
}

/// A body that was not read (D9): too large and incomplete are both `INVALID_PARAMETER`,
/// the text says which; a timeout while reading is the internal error.
impl From<crate::edge::body::BodyError> for CorebosError {
    fn from(error: crate::edge::body::BodyError) -> Self {
        use crate::edge::body::BodyError;
        match error {
            BodyError::TooLarge(limit) => {
                Self::InvalidParameter(format!("Request body too large (limit {limit} bytes)"))
            }
            BodyError::Incomplete => Self::InvalidParameter("Request body incomplete".into()),
            BodyError::Stopped(_) => Self::Internal,
        }
    }
}

impl From<DomainError> for CorebosError {
    fn from(error: DomainError) -> Self {
        if error.is_store_failure() {
            tracing::error!(%error, "store failure in a coreBOS request");
            return Self::Database;
        }
        match error {
            DomainError::UsernameTaken(name) => {
                Self::ValidationFailed(format!("Username {name} already exists"))
            }
            DomainError::Invalid { field, reason } => {
                Self::ValidationFailed(format!("{field}: {reason}"))
            }
            other => {
                tracing::error!(error = %other, "unexpected domain error in a coreBOS request");
                Self::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_failures_use_the_codes_and_messages_of_core_bos() {
        let table = [
            (
                CorebosError::LoginUserNotFound,
                "AUTHENTICATION_REQUIRED",
                "Given user cannot be found",
            ),
            (
                CorebosError::UserInactive,
                "AUTHENTICATION_REQUIRED",
                "Given user is inactive",
            ),
            (
                CorebosError::InvalidAuthToken,
                "INVALID_AUTH_TOKEN",
                "Specified token is invalid or expired",
            ),
            (
                CorebosError::AccessKeyUndefined,
                "ACCESSKEY_UNDEFINED",
                "Access key for the user is undefined",
            ),
            (
                CorebosError::InvalidUserCredentials,
                "INVALID_USER_CREDENTIALS",
                "Invalid username or password",
            ),
        ];
        for (error, code, message) in table {
            assert_eq!((error.code(), error.message().as_str()), (code, message));
        }
    }

    #[test]
    fn rate_limits_keep_the_login_code_at_login_and_access_denied_elsewhere() {
        let login = CorebosError::LoginTooManyRequests(3);
        assert_eq!(
            (login.code(), login.message().as_str(), login.retry_after()),
            (
                "INVALID_USER_CREDENTIALS",
                "Too many requests, retry in 3 s",
                Some(3)
            )
        );
        let other = CorebosError::TooManyRequests(2);
        assert_eq!(
            (other.code(), other.message().as_str()),
            ("ACCESS_DENIED", "Too many requests, retry in 2 s")
        );
    }

    #[test]
    fn bodies_not_read_say_whether_too_large_or_incomplete() {
        use crate::edge::body::BodyError;
        let large = CorebosError::from(BodyError::TooLarge(200));
        assert_eq!(
            (large.code(), large.message().as_str()),
            (
                "INVALID_PARAMETER",
                "Request body too large (limit 200 bytes)"
            )
        );
        let cut = CorebosError::from(BodyError::Incomplete);
        assert_eq!(
            (cut.code(), cut.message().as_str()),
            ("INVALID_PARAMETER", "Request body incomplete")
        );
        let late = CorebosError::from(BodyError::Stopped(crate::edge::contain::Stopped::Timeout));
        assert_eq!(late.code(), "INTERNAL_SERVER_ERROR");
    }

    #[test]
    fn store_failures_answer_database_query_error() {
        let error = CorebosError::from(DomainError::Unavailable("down".into()));
        assert_eq!(error.code(), "DATABASE_QUERY_ERROR");
    }
}
