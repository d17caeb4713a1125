//! Authentication decisions: the failure type, its diagnostics header, and its audit record.
//!
//! Every dialect's auth step ends in a [`Principal`](gatehouse_domain::Principal) or an
//! [`AuthFailure`], and either way in one audit event built by [`AuthRecord`]. The failure
//! carries a stable reason code for audit and metrics, and what the sandbox may reveal in
//! `X-Gatehouse-Diagnostic` (D16): the canonical input with secrets replaced by named
//! placeholders, and, only in the sandbox, the expected value.

use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};
use gatehouse_domain::{Audit, AuditEvent, Outcome, Principal};
use http::HeaderValue;

/// The response header that says why authentication failed.
pub const DIAGNOSTIC_HEADER: &str = "x-gatehouse-diagnostic";

/// How much an authentication failure may reveal to the caller (D16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagnosticsMode {
    /// No diagnostic header (`serve`'s default).
    #[default]
    Off,
    /// Reason and redacted canonical input (`serve` with `diagnostics = true`).
    Redacted,
    /// Reason, redacted canonical input and the expected value (the sandbox).
    Full,
}

/// A failed authentication, as the edge and the audit see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// Stable snake_case reason code (`mismatch`, `unknown_user`, `expired`, `locked_out`, ...).
    pub reason: &'static str,
    /// The username or key id the caller claimed, if any (for audit and lockout).
    pub claimed: Option<String>,
    /// The canonical input with every secret replaced by a placeholder naming it.
    pub canonical: Option<String>,
    /// The value the server expected; a working credential, so shown only in the sandbox.
    pub expected: Option<String>,
    /// When an active lockout ends.
    pub locked_until: Option<DateTime<Utc>>,
}

impl AuthFailure {
    /// A failure with this reason code and nothing else known.
    pub fn new(reason: &'static str) -> Self {
        Self {
            reason,
            claimed: None,
            canonical: None,
            expected: None,
            locked_until: None,
        }
    }

    /// Records who the caller claimed to be.
    pub fn claimed(mut self, who: impl Into<String>) -> Self {
        self.claimed = Some(who.into());
        self
    }

    /// Adds the redacted canonical input and the expected value.
    pub fn diagnosis(mut self, canonical: impl Into<String>, expected: Option<String>) -> Self {
        self.canonical = Some(canonical.into());
        self.expected = expected;
        self
    }

    /// The `X-Gatehouse-Diagnostic` value for this failure in `mode`, if any (D16 format:
    /// `reason=<code>; canonical="<redacted>"[; expected="<value>"][; locked_until=<RFC 3339>]`).
    pub fn diagnostic_header(&self, mode: DiagnosticsMode) -> Option<HeaderValue> {
        if mode == DiagnosticsMode::Off {
            return None;
        }
        let mut text = format!("reason={}", self.reason);
        if let Some(canonical) = &self.canonical {
            text.push_str(&format!(
                "; canonical=\"{}\"",
                percent_encode_quoted(canonical)
            ));
        }
        if mode == DiagnosticsMode::Full
            && let Some(expected) = &self.expected
        {
            text.push_str(&format!(
                "; expected=\"{}\"",
                percent_encode_quoted(expected)
            ));
        }
        if let Some(until) = self.locked_until {
            text.push_str(&format!(
                "; locked_until={}",
                until.to_rfc3339_opts(SecondsFormat::Secs, true)
            ));
        }
        HeaderValue::from_str(&text).ok()
    }
}

/// Percent-encodes what may not stand inside a quoted header value: quotes, backslashes,
/// `%`, controls and non-ASCII (D16), so the header stays one ASCII line.
pub fn percent_encode_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte == b'"' || byte == b'\\' || byte == b'%' || !(0x20..0x7f).contains(&byte) {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push(byte as char);
        }
    }
    out
}

/// The context of one authentication decision, turned into its audit event.
#[derive(Debug, Clone)]
pub struct AuthRecord {
    /// `chamilo-soap`, `chamilo-rest`, `corebos`, `forma`, `forma-sso`, `wildix`, ...
    pub dialect: &'static str,
    /// The scheme checked (`soap_key`, `api_key`, `challenge`, `signature`, `jwt`, `password`, ...).
    pub scheme: &'static str,
    /// The operation as the wire names it.
    pub operation: String,
    /// The resolved client IP.
    pub ip: Option<IpAddr>,
    /// The request id.
    pub request_id: Option<String>,
}

impl AuthRecord {
    /// The event for a success.
    pub fn success(&self, principal: &Principal) -> AuditEvent {
        self.event(
            principal.username().map(str::to_owned),
            Outcome::Success,
            "ok",
        )
    }

    /// The event for a failure.
    pub fn failure(&self, failure: &AuthFailure) -> AuditEvent {
        let outcome = match failure.reason {
            "locked_out" => Outcome::LockedOut,
            "rate_limited" => Outcome::RateLimited,
            _ => Outcome::Failure,
        };
        self.event(failure.claimed.clone(), outcome, failure.reason)
    }

    fn event(&self, principal: Option<String>, outcome: Outcome, reason: &str) -> AuditEvent {
        AuditEvent {
            at: Utc::now(),
            request_id: self.request_id.clone(),
            dialect: self.dialect.to_owned(),
            scheme: self.scheme.to_owned(),
            operation: self.operation.clone(),
            principal,
            ip: self.ip,
            outcome,
            reason: reason.to_owned(),
        }
    }
}

/// Records an audit event; a store failure is logged, not raised, so an outage of the audit
/// table never turns a decision already made into a different answer.
pub async fn record(audit: &dyn Audit, event: AuditEvent) {
    let (dialect, outcome, reason) = (event.dialect.clone(), event.outcome, event.reason.clone());
    if let Err(error) = audit.record(event).await {
        tracing::warn!(%error, dialect, outcome = outcome.as_str(), reason, "audit event not recorded");
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn failure() -> AuthFailure {
        AuthFailure::new("mismatch")
            .claimed("admin")
            .diagnosis("203.0.113.10{security_key}", Some("abc123".into()))
    }

    #[test]
    fn diagnostics_are_off_unless_asked_for() {
        assert_eq!(failure().diagnostic_header(DiagnosticsMode::Off), None);
    }

    #[test]
    fn serve_diagnostics_never_carry_the_expected_value() {
        let header = failure()
            .diagnostic_header(DiagnosticsMode::Redacted)
            .unwrap();
        assert_eq!(
            header.to_str().unwrap(),
            r#"reason=mismatch; canonical="203.0.113.10{security_key}""#
        );
    }

    #[test]
    fn sandbox_diagnostics_carry_the_expected_value_and_the_lockout_end() {
        let mut f = failure();
        f.locked_until = Some(Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 10).unwrap());
        let header = f.diagnostic_header(DiagnosticsMode::Full).unwrap();
        assert_eq!(
            header.to_str().unwrap(),
            r#"reason=mismatch; canonical="203.0.113.10{security_key}"; expected="abc123"; locked_until=2026-11-23T10:00:10Z"#
        );
    }

    #[test]
    fn quotes_controls_and_non_ascii_are_percent_encoded() {
        assert_eq!(
            percent_encode_quoted("a\"b\\c\n%é"),
            "a%22b%5Cc%0A%25%C3%A9"
        );
    }

    #[test]
    fn failures_become_audit_events_with_their_reason_and_claimed_name() {
        let record = AuthRecord {
            dialect: "corebos",
            scheme: "challenge",
            operation: "login".into(),
            ip: Some("127.0.0.1".parse().unwrap()),
            request_id: Some("r-1".into()),
        };
        let event = record.failure(&failure());
        assert_eq!(event.outcome, Outcome::Failure);
        assert_eq!(event.reason, "mismatch");
        assert_eq!(event.principal.as_deref(), Some("admin"));
        let locked = record.failure(&AuthFailure::new("locked_out"));
        assert_eq!(locked.outcome, Outcome::LockedOut);
        let ok = record.success(&Principal::site("soap_key"));
        assert_eq!(ok.outcome, Outcome::Success);
        assert_eq!(ok.reason, "ok");
    }
}
