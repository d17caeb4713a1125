//! Forma's errors and the ONE table from them to the messages of its error envelope
//! (specs/forma.md §3, §4; D9). Every message is Forma's own, misspellings included.

use gatehouse_domain::DomainError;

/// Everything a Forma call can answer instead of a success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormaError {
    /// An error envelope with no message (`<error></error>`, `{"error":null}`): what Forma
    /// answers for a missing `X-Authorization` and several course failures.
    #[error("empty error")]
    Empty,
    /// Method 0 refused (§3.1).
    #[error("bad shared code")]
    BadCode,
    /// Method 1 refused (§3.2).
    #[error("bad token")]
    BadToken,
    /// Method 2 refused (§3.3.1).
    #[error("bad signature")]
    BadSignature,
    /// `auth/authenticate` when the method is not `token` (§3.3.5).
    #[error("tokens not used")]
    TokensNotUsed,
    /// `auth/authenticate` without username or password.
    #[error("invalid login data")]
    InvalidLoginData,
    /// `auth/authenticate` with an unknown user or wrong password.
    #[error("invalid user")]
    InvalidUser,
    /// A function the module does not have.
    #[error("unknown function {0}")]
    UnknownFunction(String),
    /// A module that does not exist.
    #[error("unknown module {0}")]
    UnknownModule(String),
    /// Any other message of an endpoint, verbatim (`User not found`, `NO_DATA_FOUND`, ...).
    #[error("{0}")]
    Message(String),
    /// Body over the limit (D9).
    #[error("body too large")]
    TooLarge,
    /// Body cut short or failed in transit: a malformed request, worded like `TooLarge`.
    #[error("body incomplete")]
    Incomplete,
    /// Rate-limited or the password queue is full (D9); carries the seconds to wait.
    #[error("too many requests, retry in {0} s")]
    TooManyRequests(u64),
    /// A store failure, a panic or a timeout (D9); carries the request id.
    #[error("internal error (request {0})")]
    Internal(String),
}

impl FormaError {
    /// An endpoint's own message.
    pub fn msg(text: impl Into<String>) -> Self {
        Self::Message(text.into())
    }

    /// The message the envelope carries; `None` is Forma's empty error.
    pub fn message(&self) -> Option<String> {
        Some(match self {
            Self::Empty => return None,
            Self::BadCode => "Autentication code is not valid".into(),
            Self::BadToken => "Autentication Token is not valid".into(),
            Self::BadSignature => "Api Key or Secret not valid".into(),
            Self::TokensNotUsed => "Error: Tokens are not used on this installation.".into(),
            Self::InvalidLoginData => "Error: invalid login data provided.".into(),
            Self::InvalidUser => "Error: invalid user.".into(),
            Self::UnknownFunction(f) => format!("Error: unknown function: {f}."),
            Self::UnknownModule(m) => format!("File not found : api.{m}.php"),
            Self::Message(text) => text.clone(),
            Self::TooLarge => "Error: request body too large.".into(),
            Self::Incomplete => "Error: request body incomplete.".into(),
            Self::TooManyRequests(seconds) => {
                format!("Error: too many requests, retry in {seconds} s.")
            }
            Self::Internal(id) => format!("Error: internal error (request {id})."),
        })
    }

    /// The outcome label for metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::BadCode | Self::BadToken | Self::BadSignature | Self::InvalidUser => {
                "auth_failure"
            }
            Self::Internal(_) => "server_error",
            Self::TooManyRequests(_) => "rate_limited",
            _ => "bad_request",
        }
    }

    /// The refusal of a full password queue (D9).
    pub fn busy() -> Self {
        Self::TooManyRequests(crate::edge::password::BUSY_RETRY_AFTER)
    }

    /// The `Retry-After` seconds of a rate-limit answer.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests(seconds) => Some(*seconds),
            _ => None,
        }
    }

    /// A body that was not read (D9): too large, incomplete, or stopped by the request's
    /// timeout (the internal error).
    pub fn from_body(error: crate::edge::body::BodyError, request_id: Option<&str>) -> Self {
        use crate::edge::body::BodyError;
        match error {
            BodyError::TooLarge(_) => Self::TooLarge,
            BodyError::Incomplete => Self::Incomplete,
            BodyError::Stopped(_) => Self::Internal(request_id.unwrap_or("-").to_owned()),
        }
    }

    /// A store failure as the caller sees it (D9).
    pub fn internal(request_id: Option<&str>, error: &DomainError) -> Self {
        tracing::error!(%error, "forma: store failure");
        Self::Internal(request_id.unwrap_or("-").to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_forma_s_own_strings() {
        assert_eq!(
            FormaError::BadCode.message().as_deref(),
            Some("Autentication code is not valid")
        );
        assert_eq!(FormaError::Empty.message(), None);
        assert_eq!(
            FormaError::TooManyRequests(4).message().as_deref(),
            Some("Error: too many requests, retry in 4 s.")
        );
        assert_eq!(
            FormaError::Internal("r-1".into()).message().as_deref(),
            Some("Error: internal error (request r-1).")
        );
    }

    #[test]
    fn bodies_not_read_say_whether_too_large_or_incomplete() {
        use crate::edge::body::BodyError;
        let message = |e| FormaError::from_body(e, Some("r-2")).message();
        assert_eq!(
            message(BodyError::TooLarge(9)).as_deref(),
            Some("Error: request body too large.")
        );
        assert_eq!(
            message(BodyError::Incomplete).as_deref(),
            Some("Error: request body incomplete.")
        );
        assert_eq!(
            message(BodyError::Stopped(crate::edge::contain::Stopped::Timeout)).as_deref(),
            Some("Error: internal error (request r-2).")
        );
    }
}

/// A refused request: the wire error plus, for authentication failures, what the
/// diagnostics header may say (D16).
#[derive(Debug)]
pub struct Refusal {
    /// The error the caller is told.
    pub error: FormaError,
    /// The authentication failure behind it, if any.
    pub failure: Option<Box<crate::edge::AuthFailure>>,
}

impl From<FormaError> for Refusal {
    fn from(error: FormaError) -> Self {
        Self {
            error,
            failure: None,
        }
    }
}
