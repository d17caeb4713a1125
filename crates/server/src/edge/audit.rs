//! Audit events for writes and for requests gatehouse itself failed (issue #8).
//!
//! Authentication decisions are audited by [`crate::edge::auth`]. This module covers the
//! rest: each dialect builds one [`RequestAudit`] at its single dispatch point and, when the
//! operation is a write, records its end with [`RequestAudit::write_done`]; a panic or a
//! timeout is recorded by [`crate::edge::contain`] through the same type. Events carry a
//! reason code, never a value the caller sent.

use std::net::IpAddr;

use chrono::Utc;
use gatehouse_domain::{AuditEvent, Outcome};

use crate::edge::AuditWriter;

/// Who did what, where: everything an event of one request has besides its ending.
#[derive(Debug, Clone)]
pub struct RequestAudit {
    /// `chamilo-soap`, `chamilo-rest`, `corebos`, `forma`, `wildix`.
    pub dialect: &'static str,
    /// The scheme that authenticated the caller (`soap_key`, `api_key`, `session`, ...);
    /// `none` when the request failed before authentication.
    pub scheme: &'static str,
    /// The operation as the wire names it.
    pub operation: String,
    /// The authenticated username; `None` for site-wide keys and unauthenticated requests.
    pub principal: Option<String>,
    /// The resolved client IP.
    pub ip: Option<IpAddr>,
    /// The request id.
    pub request_id: Option<String>,
}

/// The outcome label a dialect gives a successful answer (see
/// [`crate::edge::observe::ResponseOutcome`]).
pub const OK: &str = "ok";

/// The outcome label of gatehouse's own failures (store, panic, timeout).
pub const SERVER_ERROR: &str = "server_error";

impl RequestAudit {
    /// A record for `operation` of `dialect`, before anyone is authenticated.
    pub fn new(
        dialect: &'static str,
        operation: impl Into<String>,
        ip: IpAddr,
        request_id: Option<String>,
    ) -> Self {
        Self {
            dialect,
            scheme: "none",
            operation: operation.into(),
            principal: None,
            ip: Some(ip),
            request_id,
        }
    }

    /// The same record for an authenticated caller.
    pub fn by(mut self, scheme: &'static str, principal: Option<&str>) -> Self {
        self.scheme = scheme;
        self.principal = principal.map(str::to_owned);
        self
    }

    /// The event with this ending.
    pub fn event(&self, outcome: Outcome, reason: &str) -> AuditEvent {
        AuditEvent {
            at: Utc::now(),
            request_id: self.request_id.clone(),
            dialect: self.dialect.to_owned(),
            scheme: self.scheme.to_owned(),
            operation: self.operation.clone(),
            principal: self.principal.clone(),
            ip: self.ip,
            outcome,
            reason: reason.to_owned(),
        }
    }

    /// The event of a write whose answer carries the outcome label `label` (`ok`, or the
    /// dialect's error label such as `bad_request`, `not_found`, `server_error`): `ok` is a
    /// success, `server_error` is gatehouse's own error, anything else a refused write with
    /// the label as its reason.
    pub fn write_event(&self, label: &str) -> AuditEvent {
        match label {
            OK => self.event(Outcome::Success, OK),
            SERVER_ERROR => self.event(Outcome::Error, SERVER_ERROR),
            other => self.event(Outcome::Failure, other),
        }
    }

    /// Records the end of a write (see [`Self::write_event`]) and returns once the event is
    /// committed, so the write is never answered before its audit event is stored; the event
    /// shares a transaction with those of concurrent writes ([`AuditWriter::record_awaited`]).
    pub async fn write_done(&self, audit: &AuditWriter, label: &str) {
        audit.record_awaited(self.write_event(label)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit() -> RequestAudit {
        RequestAudit::new(
            "corebos",
            "create",
            "127.0.0.1".parse().unwrap(),
            Some("r-1".into()),
        )
        .by("session", Some("admin"))
    }

    #[test]
    fn write_labels_become_outcomes() {
        let ok = audit().write_event("ok");
        assert_eq!((ok.outcome, ok.reason.as_str()), (Outcome::Success, "ok"));
        assert_eq!(ok.principal.as_deref(), Some("admin"));
        assert_eq!(ok.scheme, "session");
        let refused = audit().write_event("bad_request");
        assert_eq!(
            (refused.outcome, refused.reason.as_str()),
            (Outcome::Failure, "bad_request")
        );
        let broken = audit().write_event("server_error");
        assert_eq!(broken.outcome, Outcome::Error);
    }
}
