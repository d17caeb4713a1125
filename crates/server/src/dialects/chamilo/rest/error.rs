//! The REST dialect's errors and the ONE table from errors to Chamilo's message strings.
//!
//! Chamilo REST has no error codes: every failure is HTTP 200 with
//! `{"error":true,"message":"<text>"}` (specs/chamilo.md §6). The texts below are the 1.11.6
//! English language file's where the spec quotes them; keys added after 1.11.6 (`UserNotFound`,
//! `UnsupportedUpdate`, `LanguageUnavailable`, `CouldNotUpdateExtraFieldValue`) have no
//! verified English text (§8.6), so gatehouse writes a plain English sentence for them.

use gatehouse_domain::DomainError;

/// Why a REST call failed, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    /// `api_key` missing, wrong, revoked or not the user's (`InvalidApiKey`).
    #[error("Invalid API key")]
    InvalidApiKey,
    /// `authenticate` refused: unknown user, wrong password, inactive or expired (`InvalideUserDetected`).
    #[error("Invalid user detected.")]
    InvalidUser,
    /// An admin-only action called by someone else (`NotAllowed`).
    #[error(
        "You are not allowed to see this page. Either your connection has expired or you are trying to access a page for which you do not have the sufficient privileges."
    )]
    NotAllowed,
    /// An action gatehouse does not know.
    #[error("Invalid action")]
    InvalidAction,
    /// `save_user` with a taken login (`UserNameNotAvailable`).
    #[error("This login is not available")]
    UserNameNotAvailable,
    /// `save_user` failed for another reason (`UserNotRegistered`).
    #[error("User not registered.")]
    UserNotRegistered,
    /// A required input is missing (`NoData`).
    #[error("No data available")]
    NoData,
    /// The routing `course` names no course.
    #[error("This course could not be found")]
    CourseNotFound,
    /// The routing `session` names no session.
    #[error("The session could not be found")]
    SessionNotFound,
    /// `delete_course` of a course that does not exist (Chamilo's own wording).
    #[error("Course doesn't exists")]
    CourseDoesNotExist,
    /// `update_user_from_username` or an API-key action for a user that does not exist.
    #[error("User not found")]
    UserNotFound,
    /// `update_user_from_username` with a key it does not change.
    #[error("Unsupported update '{0}'")]
    UnsupportedUpdate(String),
    /// `update_user_from_username` with a language that is not installed.
    #[error("Language unavailable")]
    LanguageUnavailable,
    /// A date gatehouse could not read (`Invalid date`).
    #[error("Invalid date")]
    InvalidDate,
    /// The body is over the limit (D9).
    #[error("Request body too large (limit {0} bytes)")]
    BodyTooLarge(usize),
    /// The body ended before its declared length, or its connection failed: a malformed
    /// request, in the words of the too-large answer.
    #[error("Request body incomplete")]
    BodyIncomplete,
    /// Rate-limited or the password queue is full (D9); carries the seconds to wait.
    #[error("Too many requests, retry in {0} s")]
    TooManyRequests(u64),
    /// A panic, timeout or store failure (D9); carries the request id.
    #[error("Internal error (request {0})")]
    Internal(String),
}

impl RestError {
    /// The `message` of the error envelope.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The outcome label for metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::InvalidApiKey | Self::InvalidUser => "auth_failure",
            Self::NotAllowed => "forbidden",
            Self::TooManyRequests(_) => "rate_limited",
            Self::Internal(_) => "server_error",
            Self::BodyTooLarge(_) => "too_large",
            _ => "bad_request",
        }
    }

    /// The answer for a body that was not read (D9): too large, incomplete, or stopped by
    /// the request's timeout (the internal error for `request_id`).
    pub fn from_body(error: crate::edge::body::BodyError, request_id: &str) -> Self {
        use crate::edge::body::BodyError;
        match error {
            BodyError::TooLarge(limit) => Self::BodyTooLarge(limit),
            BodyError::Incomplete => Self::BodyIncomplete,
            BodyError::Stopped(_) => Self::Internal(request_id.to_owned()),
        }
    }

    /// The answer for a domain error that an operation did not handle itself: store
    /// failures become [`RestError::Internal`] for `request_id`, the rest the closest
    /// Chamilo text.
    pub fn from_domain(error: &DomainError, request_id: &str) -> Self {
        if error.is_store_failure() {
            tracing::error!(%error, request_id, "chamilo rest: store failure");
            return Self::Internal(request_id.to_owned());
        }
        match error {
            DomainError::UserNotFound(_) => Self::UserNotFound,
            DomainError::CourseNotFound(_) => Self::CourseNotFound,
            DomainError::SessionNotFound(_) => Self::SessionNotFound,
            DomainError::UsernameTaken(_) => Self::UserNameNotAvailable,
            _ => Self::NoData,
        }
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_domain::UserId;

    use super::*;

    #[test]
    fn store_failures_become_internal_errors_naming_the_request() {
        let error = RestError::from_domain(&DomainError::Unavailable("down".into()), "r-9");
        assert_eq!(error, RestError::Internal("r-9".into()));
        assert_eq!(
            RestError::from_domain(&DomainError::WriteRefused("ro".into()), "r-1").outcome(),
            "server_error"
        );
        assert_eq!(
            RestError::from_domain(&DomainError::UserNotFound(UserId(3)), "r-2"),
            RestError::UserNotFound
        );
    }

    #[test]
    fn messages_are_chamilos_english_texts() {
        assert_eq!(RestError::InvalidApiKey.message(), "Invalid API key");
        assert_eq!(RestError::InvalidUser.message(), "Invalid user detected.");
        assert!(
            RestError::NotAllowed
                .message()
                .starts_with("You are not allowed")
        );
        assert_eq!(
            RestError::BodyTooLarge(2_097_152).message(),
            "Request body too large (limit 2097152 bytes)"
        );
        assert_eq!(
            RestError::Internal("abc-1".into()).message(),
            "Internal error (request abc-1)"
        );
    }

    #[test]
    fn an_incomplete_body_is_a_bad_request_not_too_large() {
        use crate::edge::body::BodyError;
        use crate::edge::contain::Stopped;
        let incomplete = RestError::from_body(BodyError::Incomplete, "r-3");
        assert_eq!(incomplete.message(), "Request body incomplete");
        assert_eq!(incomplete.outcome(), "bad_request");
        assert_eq!(
            RestError::from_body(BodyError::TooLarge(10), "r-3").outcome(),
            "too_large"
        );
        assert_eq!(
            RestError::from_body(BodyError::Stopped(Stopped::Timeout), "r-3"),
            RestError::Internal("r-3".into())
        );
    }
}
