//! The SOAP service's errors and the ONE table from them to faults (specs/chamilo.md §2, D9).

use gatehouse_domain::DomainError;
use gatehouse_wire::DecodeError;
use gatehouse_wire::chamilo::faults;
use gatehouse_wire::soap::FaultCode;

use crate::edge::body::BodyError;
use crate::edge::{AuthFailure, PasswordPoolError};

/// Why a SOAP request got a fault instead of a result.
#[derive(Debug, thiserror::Error)]
pub enum SoapError {
    /// The body is not a SOAP call we can read.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The body element names no operation of the service.
    #[error("unknown operation {0}")]
    UnknownOperation(String),
    /// The request was not sent as `text/xml`.
    #[error("unsupported content type {0:?}")]
    ContentType(String),
    /// The body is over the limit.
    #[error("request body over {0} bytes")]
    BodyTooLarge(usize),
    /// The body ended before its declared length, or its connection failed.
    #[error("request body incomplete")]
    BodyIncomplete,
    /// The `secret_key` check failed (fault #1).
    #[error("secret key refused: {}", .0.reason)]
    SecretKey(AuthFailure),
    /// Rate-limited or the password pool is full (D9); carries the seconds to wait.
    #[error("too many requests, retry in {0} s")]
    TooManyRequests(u64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] DomainError),
    /// An operation panicked or its task failed.
    #[error("operation failed")]
    Internal,
}

impl From<PasswordPoolError> for SoapError {
    fn from(error: PasswordPoolError) -> Self {
        match error {
            PasswordPoolError::Busy => {
                Self::TooManyRequests(crate::edge::password::BUSY_RETRY_AFTER)
            }
            PasswordPoolError::Failed => Self::Internal,
        }
    }
}

impl From<BodyError> for SoapError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge(limit) => Self::BodyTooLarge(limit),
            BodyError::Incomplete => Self::BodyIncomplete,
            BodyError::Stopped(_) => Self::Internal,
        }
    }
}

impl SoapError {
    /// The outcome label for metrics and write audit events.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Store(e) if e.is_store_failure() => crate::edge::audit::SERVER_ERROR,
            Self::Internal => crate::edge::audit::SERVER_ERROR,
            Self::Store(_) => "rejected",
            Self::SecretKey(_) => "auth_failure",
            Self::TooManyRequests(_) => "rate_limited",
            Self::BodyTooLarge(_) => "too_large",
            Self::Decode(_)
            | Self::BodyIncomplete
            | Self::UnknownOperation(_)
            | Self::ContentType(_) => "bad_request",
        }
    }

    /// The fault this error is answered with: code and string. Every fault is HTTP 500 (§2).
    ///
    /// Client faults are the request's fault (NuSOAP's `SOAP-ENV:Client`); Chamilo's own
    /// refusals use its unprefixed `Server` code; gatehouse's failures say `Server` with the
    /// request id so an operator can find the log line (D9).
    pub fn fault(&self, request_id: &str) -> (FaultCode, String) {
        match self {
            Self::Decode(e) => (FaultCode::Client, format!("error in msg parsing:\n{e}")),
            // NuSOAP's parse failure, as for any envelope it could not read.
            Self::BodyIncomplete => (
                FaultCode::Client,
                "error in msg parsing:\nrequest body incomplete".to_owned(),
            ),
            Self::UnknownOperation(op) => (FaultCode::Client, faults::unknown_operation(op)),
            Self::ContentType(ct) => (
                FaultCode::Client,
                format!("Unsupported Content-Type {ct:?}: send the SOAP envelope as text/xml"),
            ),
            Self::BodyTooLarge(limit) => (
                FaultCode::Client,
                format!("Request body too large (limit {limit} bytes)"),
            ),
            Self::SecretKey(_) => (FaultCode::Server, faults::SECRET_KEY.to_owned()),
            Self::TooManyRequests(seconds) => (
                FaultCode::Server,
                format!("Too many requests, retry in {seconds} s"),
            ),
            Self::Store(_) | Self::Internal => (
                FaultCode::Server,
                format!("Internal error (request {request_id})"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_fault_code_and_string() {
        let cases = [
            (
                SoapError::UnknownOperation("WSNope".into()),
                FaultCode::Client,
                "Operation 'WSNope' is not defined in the WSDL for this service",
            ),
            (
                SoapError::BodyTooLarge(2_097_152),
                FaultCode::Client,
                "Request body too large (limit 2097152 bytes)",
            ),
            (
                SoapError::BodyIncomplete,
                FaultCode::Client,
                "error in msg parsing:\nrequest body incomplete",
            ),
            (
                SoapError::SecretKey(AuthFailure::new("mismatch")),
                FaultCode::Server,
                faults::SECRET_KEY,
            ),
            (
                SoapError::TooManyRequests(3),
                FaultCode::Server,
                "Too many requests, retry in 3 s",
            ),
            (
                SoapError::Internal,
                FaultCode::Server,
                "Internal error (request r-9)",
            ),
        ];
        for (error, code, text) in cases {
            assert_eq!(error.fault("r-9"), (code, text.to_owned()));
        }
    }
}
