//! The Wildix dialect's errors and the ONE table from them to HTTP status and `reason`.
//!
//! Every answer is `{"type":"error","reason":"…"}` (specs/wildix.md §6). Authentication
//! failures are 401, never 5xx, because the PHP client throws 5xx at its caller (§4);
//! validation errors are 400 naming the field (D4); limits and failures follow D9.

use axum::response::{IntoResponse, Response};
use gatehouse_domain::DomainError;
use http::{HeaderValue, StatusCode, header};

use crate::edge::observe::ResponseOutcome;
use crate::edge::{AuthFailure, DiagnosticsMode};

/// What went wrong with a Wildix request.
#[derive(Debug)]
pub enum WildixError {
    /// Authentication failed; `reason` is the specific text shown in the sandbox.
    Auth {
        /// The failure, for the diagnostic header and the audit.
        failure: AuthFailure,
        /// How much the answer may reveal.
        diagnostics: DiagnosticsMode,
    },
    /// A field of the request is missing or malformed (D4).
    Invalid {
        /// The field as the wire names it.
        field: String,
        /// Why, in words a caller can act on.
        reason: String,
    },
    /// No such resource.
    NotFound,
    /// The path exists, the method does not.
    MethodNotAllowed,
    /// The body is over the limit (D9).
    TooLarge(usize),
    /// Too many requests; retry after this many seconds (D9).
    TooManyRequests(u64),
    /// The store failed.
    Store(DomainError),
    /// Something else in gatehouse failed; the text is for the log.
    Internal(String),
}

impl WildixError {
    /// A validation error naming `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The outcome label for metrics and write audit events.
    pub fn outcome(&self) -> &'static str {
        self.table().2
    }

    /// The status, the `reason` text and the metrics outcome: the dialect's one table.
    fn table(&self) -> (StatusCode, String, &'static str) {
        match self {
            Self::Auth {
                failure,
                diagnostics,
            } => {
                let reason = if *diagnostics == DiagnosticsMode::Full {
                    auth_reason_text(failure.reason).to_owned()
                } else {
                    "Authentication failed".to_owned()
                };
                (StatusCode::UNAUTHORIZED, reason, "auth_failure")
            }
            Self::Invalid { field, reason } => (
                StatusCode::BAD_REQUEST,
                format!("{field}: {reason}"),
                "bad_request",
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "Not found".into(), "not_found"),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed".into(),
                "bad_request",
            ),
            Self::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body too large (limit {limit} bytes)"),
                "too_large",
            ),
            Self::TooManyRequests(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests".into(),
                "rate_limited",
            ),
            Self::Store(DomainError::Invalid { field, reason }) => (
                StatusCode::BAD_REQUEST,
                format!("{field}: {reason}"),
                "bad_request",
            ),
            Self::Store(DomainError::Unavailable(_)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable".into(),
                "server_error",
            ),
            Self::Store(_) | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error".into(),
                "server_error",
            ),
        }
    }
}

/// A body that was not read (D9): over the limit 413; cut short or failed in transit 400
/// naming `body`, like any malformed body; stopped by the timeout the internal error.
impl From<crate::edge::body::BodyError> for WildixError {
    fn from(error: crate::edge::body::BodyError) -> Self {
        use crate::edge::body::BodyError;
        match error {
            BodyError::TooLarge(limit) => Self::TooLarge(limit),
            BodyError::Incomplete => Self::invalid("body", "incomplete"),
            BodyError::Stopped(why) => Self::Internal(format!("request {}", why.reason())),
        }
    }
}

impl From<DomainError> for WildixError {
    fn from(error: DomainError) -> Self {
        Self::Store(error)
    }
}

/// The specific text of an authentication failure, by reason code (sandbox only).
fn auth_reason_text(code: &str) -> &'static str {
    match code {
        "missing" => "Authorization missing: send Authorization: Bearer <token> and X-APP-ID",
        "wrong_scheme" => "Authorization must be Bearer (S2S token) or Basic",
        "unknown_app" => "Unknown application (X-APP-ID)",
        "revoked" => "Application revoked or expired",
        "ip_not_allowed" => "Application not allowed from this address",
        "owner_inactive" => "The application's user is inactive",
        "bad_encoding" => "Malformed token or body",
        "unsupported_alg" => "Unsupported algorithm: only HS256 tokens with sign.alg sha256",
        "bad_signature" => "Token signature invalid (wrong secret or altered token)",
        "expired" => "Token expired",
        "not_yet_valid" => "Token issued in the future (iat beyond the leeway)",
        "lifetime_too_long" => "Token lifetime (exp - iat) over the limit",
        "iss_mismatch" => "Token iss is not the application's name",
        "bad_claim" | "bad_length" | "bad_time" => "Token claim malformed",
        "missing_claim" => "Token misses a required claim",
        "mismatch" => "sign.hash does not match the request (method, path, headers, params, body)",
        "replayed" => "Token already used",
        // A lockout answers exactly as a wrong password does (D9); the diagnostic header
        // says when it ends.
        "unknown_user" | "wrong_password" | "locked_out" => "Invalid username or password",
        _ => "Authentication failed",
    }
}

impl IntoResponse for WildixError {
    fn into_response(self) -> Response {
        let (status, reason, outcome) = self.table();
        match &self {
            Self::Store(error) if error.is_store_failure() => {
                tracing::error!(%error, "wildix request failed in the store");
            }
            Self::Internal(error) => tracing::error!(%error, "wildix request failed"),
            _ => {}
        }
        let body = serde_json::json!({"type": "error", "reason": reason}).to_string();
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        response.extensions_mut().insert(ResponseOutcome(outcome));
        match &self {
            Self::Auth {
                failure,
                diagnostics,
            } => {
                if let Some(value) = failure.diagnostic_header(*diagnostics) {
                    response
                        .headers_mut()
                        .insert(crate::edge::auth::DIAGNOSTIC_HEADER, value);
                }
            }
            Self::TooManyRequests(secs) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            _ => {}
        }
        response
    }
}
