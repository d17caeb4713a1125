//! Audit events: one per authentication decision and per write.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// How an audited decision ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Authenticated, or the write was applied.
    Success,
    /// The credential was checked and found wrong, or the write was refused.
    Failure,
    /// Refused unchecked because a lockout is active (D8).
    LockedOut,
    /// Refused unchecked by a rate limit.
    RateLimited,
    /// gatehouse itself failed (store, panic, timeout).
    Error,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::LockedOut => "locked_out",
            Self::RateLimited => "rate_limited",
            Self::Error => "error",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        [
            Self::Success,
            Self::Failure,
            Self::LockedOut,
            Self::RateLimited,
            Self::Error,
        ]
        .into_iter()
        .find(|o| o.as_str() == name)
        .ok_or_else(|| {
            DomainError::invalid(
                "outcome",
                format!("unknown outcome {name:?} (expected success, failure, locked_out, rate_limited or error)"),
            )
        })
    }
}

/// An event to record. Carries a reason code, never a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The request it belongs to (`X-Request-Id`), if any.
    pub request_id: Option<String>,
    /// `chamilo-soap`, `corebos`, `forma`, `wildix`, `admin`, ...
    pub dialect: String,
    /// The authentication scheme (`soap_key`, `api_key`, `challenge`, `jwt`, `password`, ...).
    pub scheme: String,
    /// The operation as the wire names it (`WSCreateUser`, `login`, `user/create`, ...).
    pub operation: String,
    /// The username the caller claimed or proved, if any.
    pub principal: Option<String>,
    /// The resolved client IP, if the event came over the network.
    pub ip: Option<IpAddr>,
    /// How it ended.
    pub outcome: Outcome,
    /// A stable internal reason code (`ok`, `mismatch`, `unknown_user`, `expired`, ...).
    pub reason: String,
}

/// An event as stored, with its sequence number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAuditEvent {
    /// Increasing sequence number.
    pub id: i64,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// Which events to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only events at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only events of this principal (compared case-insensitively).
    pub principal: Option<String>,
    /// Only events with this outcome.
    pub outcome: Option<Outcome>,
    /// At most this many (newest first); 0 means no limit.
    pub limit: u32,
}
