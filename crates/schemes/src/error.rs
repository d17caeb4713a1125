//! The one error type every `verify` returns.
//!
//! A failed verification must say *why* in a form the server can audit (a stable reason
//! code), show an integrator (the canonical input with each secret replaced by a
//! placeholder) and, in the sandbox only, reveal (the expected value). `DECISIONS.md` D16
//! fixes what each of these may contain.

use std::fmt;

/// Why a credential was refused.
/// Each variant maps to one stable snake_case [`Reason::code`] that audit events and the
/// `X-Gatehouse-Diagnostic` header carry (D16); the fields never hold a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// The credential (header, parameter, token) was absent or empty.
    #[error("{what} is missing")]
    Missing {
        /// What was missing, e.g. `"X-Authorization header"`.
        what: &'static str,
    },
    /// An `Authorization` header used another scheme than the one expected.
    #[error("authorization scheme is not {expected}")]
    WrongScheme {
        /// The scheme that was expected, e.g. `"Basic"`.
        expected: &'static str,
    },
    /// The value had the wrong length for its encoding (e.g. a sha1 hex that is not 40 chars).
    #[error("{what} has length {actual}, expected {expected}")]
    BadLength {
        /// What was measured.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The value could not be decoded (bad hex, base64, JSON, UTF-8, missing separator).
    #[error("{what} is malformed: {detail}")]
    BadEncoding {
        /// What could not be decoded.
        what: &'static str,
        /// How it is malformed.
        detail: &'static str,
    },
    /// A time value was not a number or calendar time the scheme accepts.
    #[error("time {detail}")]
    BadTime {
        /// How the time is malformed.
        detail: &'static str,
    },
    /// The server-side secret is empty, so the scheme would be open to anyone.
    /// Forma's and coreBOS's open defaults are refused rather than replicated (forma.md §6, corebos.md §13).
    #[error("{what} is not configured")]
    SecretUnset {
        /// Which secret is empty.
        what: &'static str,
    },
    /// The public key id inside the credential is not the expected one (Forma's api key).
    #[error("api key does not match")]
    WrongKey,
    /// The recomputed hash differs from the one received.
    #[error("{what} does not match")]
    Mismatch {
        /// What was compared, e.g. `"secret_key"`.
        what: &'static str,
    },
    /// The JWT's HMAC signature is wrong (wrong secret or tampered token).
    #[error("token signature is invalid")]
    BadSignature,
    /// The credential's validity ended before `now` (leeway included).
    #[error("expired at {expired_at} (now {now})")]
    Expired {
        /// Unix seconds at which it stopped being valid.
        expired_at: i64,
        /// The verifier's clock, Unix seconds.
        now: i64,
    },
    /// The credential claims a time too far in the future.
    #[error("not valid before {valid_from} (now {now})")]
    NotYetValid {
        /// Unix seconds of the claimed issue time.
        valid_from: i64,
        /// The verifier's clock, Unix seconds.
        now: i64,
    },
    /// The token lives longer than the configured cap on `exp - iat`.
    #[error("token lifetime {lifetime} s exceeds the maximum of {max} s")]
    LifetimeTooLong {
        /// `exp - iat` of the token.
        lifetime: i64,
        /// The configured cap.
        max: i64,
    },
    /// The token names an algorithm other than the one the scheme allows.
    #[error("algorithm {alg:?} is not supported")]
    UnsupportedAlg {
        /// The algorithm named (truncated to 32 chars).
        alg: String,
    },
    /// A required claim is absent.
    #[error("claim {claim} is missing")]
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// A claim has the wrong type or an impossible value.
    #[error("claim {claim} is malformed")]
    BadClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// The token's issuer is not the application's name (enforced mode only).
    #[error("issuer does not match the application name")]
    IssuerMismatch,
}

impl Reason {
    /// The stable snake_case code for audit events and diagnostics.
    /// Codes are a contract with logs and dashboards (D16): never rename one.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Missing { .. } => "missing",
            Reason::WrongScheme { .. } => "wrong_scheme",
            Reason::BadLength { .. } => "bad_length",
            Reason::BadEncoding { .. } => "bad_encoding",
            Reason::BadTime { .. } => "bad_time",
            Reason::SecretUnset { .. } => "secret_unset",
            Reason::WrongKey => "wrong_key",
            Reason::Mismatch { .. } => "mismatch",
            Reason::BadSignature => "bad_signature",
            Reason::Expired { .. } => "expired",
            Reason::NotYetValid { .. } => "not_yet_valid",
            Reason::LifetimeTooLong { .. } => "lifetime_too_long",
            Reason::UnsupportedAlg { .. } => "unsupported_alg",
            Reason::MissingClaim { .. } => "missing_claim",
            Reason::BadClaim { .. } => "bad_claim",
            Reason::IssuerMismatch => "iss_mismatch",
        }
    }
}

/// A refused credential: the reason, plus what the verifier computed, for diagnostics.
/// `canonical` never contains a secret (each is replaced by `{name}`); `expected` is a working
/// credential, so it is kept out of `Debug` and `Display` and only the server decides where it may
/// appear (D16: the sandbox's diagnostic header, never logs).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct VerifyError {
    reason: Reason,
    canonical: Option<String>,
    expected: Option<String>,
}

impl VerifyError {
    /// Creates an error with no computed canonical input.
    /// Used for failures found before any hashing (missing, malformed, wrong length).
    pub fn new(reason: Reason) -> Self {
        VerifyError {
            reason,
            canonical: None,
            expected: None,
        }
    }

    /// Attaches the redacted canonical input the verifier hashed.
    /// The caller must already have replaced every secret with its placeholder.
    pub fn with_canonical(mut self, redacted: impl Into<String>) -> Self {
        self.canonical = Some(redacted.into());
        self
    }

    /// Attaches the value the verifier expected.
    /// Kept apart from the canonical input because it is itself a valid credential.
    pub fn with_expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Why the credential was refused.
    /// Match on it for scheme-specific handling; use [`VerifyError::reason_code`] for audit.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// The stable snake_case reason code (`mismatch`, `expired`, ...).
    /// This is all that logs and audit events may carry (D16).
    pub fn reason_code(&self) -> &'static str {
        self.reason.code()
    }

    /// The canonical input the verifier hashed, with each secret replaced by `{name}`.
    /// `None` when the failure came before anything was hashed.
    pub fn canonical(&self) -> Option<&str> {
        self.canonical.as_deref()
    }

    /// The value the verifier expected (hash, header or token hash).
    /// A working credential: show it only where D16 allows (sandbox diagnostics, `explain`).
    pub fn expected(&self) -> Option<&str> {
        self.expected.as_deref()
    }
}

impl VerifyError {
    /// The `X-Gatehouse-Diagnostic` value of D16, minus the server's `locked_until`:
    /// `reason=<code>; canonical="<redacted>"[; expected="<value>"]`, one ASCII line.
    /// `with_expected` is for the sandbox only; quotes, backslashes, controls and non-ASCII
    /// are percent-encoded so the header stays one valid line.
    pub fn diagnostic(&self, with_expected: bool) -> String {
        let mut line = format!("reason={}", self.reason_code());
        if let Some(c) = &self.canonical {
            line.push_str(&format!("; canonical=\"{}\"", header_escape(c)));
        }
        if let (true, Some(e)) = (with_expected, &self.expected) {
            line.push_str(&format!("; expected=\"{}\"", header_escape(e)));
        }
        line
    }
}

fn header_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b == b'"' || b == b'\\' || b.is_ascii_control() || !b.is_ascii() {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

impl From<Reason> for VerifyError {
    fn from(reason: Reason) -> Self {
        VerifyError::new(reason)
    }
}

impl fmt::Debug for VerifyError {
    // `expected` is a working credential: Debug output ends up in logs, so it is withheld here.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyError")
            .field("reason", &self.reason)
            .field("canonical", &self.canonical)
            .field("expected", &self.expected.as_ref().map(|_| "***"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_expected_value() {
        let err = VerifyError::new(Reason::Mismatch { what: "secret_key" })
            .with_canonical("203.0.113.10{security_key}")
            .with_expected("78f94282503da8b8934661183379d12fb23f75e1");
        let debug = format!("{err:?}");
        assert!(!debug.contains("78f94282"), "{debug}");
        assert!(debug.contains("{security_key}"));
        assert!(!err.to_string().contains("78f94282"));
    }

    // D16: the diagnostic header is one ASCII line; expected only on request.
    #[test]
    fn diagnostic_lines_escape_quotes_controls_and_non_ascii() {
        let err = VerifyError::new(Reason::Mismatch { what: "token" })
            .with_canonical("zoë \"x\"\\\n,{secret}")
            .with_expected("abc");
        assert_eq!(
            err.diagnostic(false),
            r#"reason=mismatch; canonical="zo%C3%AB %22x%22%5C%0A,{secret}""#
        );
        assert_eq!(
            err.diagnostic(true),
            r#"reason=mismatch; canonical="zo%C3%AB %22x%22%5C%0A,{secret}"; expected="abc""#
        );
        assert_eq!(
            VerifyError::new(Reason::BadSignature).diagnostic(true),
            "reason=bad_signature"
        );
    }

    #[test]
    fn every_reason_has_a_distinct_snake_case_code() {
        let reasons = [
            Reason::Missing { what: "x" },
            Reason::WrongScheme { expected: "Basic" },
            Reason::BadLength {
                what: "x",
                expected: 1,
                actual: 2,
            },
            Reason::BadEncoding {
                what: "x",
                detail: "y",
            },
            Reason::BadTime { detail: "x" },
            Reason::SecretUnset { what: "x" },
            Reason::WrongKey,
            Reason::Mismatch { what: "x" },
            Reason::BadSignature,
            Reason::Expired {
                expired_at: 0,
                now: 1,
            },
            Reason::NotYetValid {
                valid_from: 2,
                now: 1,
            },
            Reason::LifetimeTooLong {
                lifetime: 2,
                max: 1,
            },
            Reason::UnsupportedAlg { alg: "none".into() },
            Reason::MissingClaim { claim: "exp" },
            Reason::BadClaim { claim: "exp" },
            Reason::IssuerMismatch,
        ];
        let mut codes: Vec<_> = reasons.iter().map(Reason::code).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), reasons.len());
    }
}
