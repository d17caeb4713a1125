//! A record of what was signed, sent and received, for `gatehouse call --verbose`.
//!
//! Clients record into a shared [`Trace`] when one is attached; nothing is recorded otherwise.
//! Secrets are recorded as sent: the reader masks them (the CLI knows which values are secret).

use std::sync::{Arc, Mutex};

/// One HTTP exchange and the signature that went into it.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// The canonical string that was hashed, when the dialect signs requests.
    pub canonical: Option<String>,
    /// The signature or proof sent (hash, token, header value).
    pub signature: Option<String>,
    /// Method and URL.
    pub request_line: String,
    /// Headers this client set, in order.
    pub request_headers: Vec<(String, String)>,
    /// The request body (lossy UTF-8).
    pub request_body: String,
    /// The HTTP status received.
    pub status: u16,
    /// The response body (lossy UTF-8).
    pub response_body: String,
}

/// A shared, append-only list of exchanges.
#[derive(Debug, Clone, Default)]
pub struct Trace(Arc<Mutex<Vec<Exchange>>>);

impl Trace {
    /// An empty trace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one exchange.
    pub fn push(&self, exchange: Exchange) {
        if let Ok(mut list) = self.0.lock() {
            list.push(exchange);
        }
    }

    /// All exchanges so far, oldest first.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Records an exchange into an optional trace.
pub(crate) fn record(trace: Option<&Trace>, exchange: impl FnOnce() -> Exchange) {
    if let Some(trace) = trace {
        trace.push(exchange());
    }
}
