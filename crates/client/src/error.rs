//! The one error type of every client, keeping each dialect's own code and message.

/// What went wrong in a call, in the dialect's own words where it gave any.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request could not be sent or its answer not read (connection, TLS, timeout).
    #[error("HTTP transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered with a status the dialect never uses for a handled outcome.
    #[error("unexpected HTTP {status}: {body}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The body, as received (lossy UTF-8).
        body: String,
    },
    /// The answer is not the dialect's envelope (not JSON, not SOAP, missing members).
    #[error("cannot read the answer: {0}")]
    Decode(String),
    /// A Chamilo SOAP fault: `faultcode` and `faultstring` as sent.
    #[error("Chamilo SOAP fault {code}: {message}")]
    ChamiloFault {
        /// `faultcode` (`Server`, `SOAP-ENV:Client`, ...).
        code: String,
        /// `faultstring`.
        message: String,
    },
    /// A Chamilo REST `{"error":true,"message":..}` envelope.
    #[error("Chamilo REST error: {message}")]
    ChamiloRest {
        /// The message, in the platform's language.
        message: String,
    },
    /// A coreBOS `{"success":false,"error":{code,message}}` envelope.
    #[error("coreBOS error {code}: {message}")]
    Corebos {
        /// The error code (`INVALID_SESSIONID`, `ACCESS_DENIED`, ...).
        code: String,
        /// The message.
        message: String,
    },
    /// A Forma `{"error":..}` envelope (`message` is `None` for `{"error":null}`).
    #[error("Forma error: {}", message.as_deref().unwrap_or("(no message)"))]
    Forma {
        /// The message, when the server gave one.
        message: Option<String>,
    },
    /// A Wildix `{"type":"error","reason":..}` answer.
    #[error("Wildix error (HTTP {status}): {reason}")]
    Wildix {
        /// The HTTP status.
        status: u16,
        /// The `reason` (or `error`) member.
        reason: String,
    },
    /// The request was refused before sending because it could not be signed or would not verify.
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// The result type of every client call.
pub type Result<T> = std::result::Result<T, Error>;
