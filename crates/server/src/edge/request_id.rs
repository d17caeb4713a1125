//! `X-Request-Id`: one id per request, on the response, in logs and in audit events.
//!
//! A caller's own `X-Request-Id` is kept when it is short and printable, so ids correlate
//! across systems; otherwise gatehouse makes one from a random per-process prefix and a
//! counter, cheap and unique without a UUID per request.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;

/// The request id of the current request, as a request extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The header that carries it, both ways.
pub const HEADER: &str = "x-request-id";

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| format!("{:08x}", rand::random::<u32>()))
}

/// A new request id.
pub fn next_request_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n:x}", prefix())
}

/// Whether a caller-supplied id is kept: 1–128 visible ASCII characters.
pub fn is_acceptable(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty() && bytes.len() <= 128 && bytes.iter().all(|b| b.is_ascii_graphic())
}

/// Middleware: gives the request its id (extension and header) and copies it to the response.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = match request.headers().get(HEADER) {
        Some(value) if is_acceptable(value) => {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        }
        _ => next_request_id(),
    };
    let header = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    request.headers_mut().insert(HEADER, header.clone());
    request.extensions_mut().insert(RequestId(id));
    let mut response = next.run(request).await;
    response.headers_mut().insert(HEADER, header);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_well_formed() {
        let a = next_request_id();
        let b = next_request_id();
        assert_ne!(a, b);
        assert!(is_acceptable(&HeaderValue::from_str(&a).unwrap()));
    }

    #[test]
    fn odd_caller_ids_are_not_kept() {
        assert!(!is_acceptable(&HeaderValue::from_static("")));
        assert!(!is_acceptable(&HeaderValue::from_static("a b")));
        assert!(!is_acceptable(
            &HeaderValue::from_str(&"x".repeat(129)).unwrap()
        ));
        assert!(is_acceptable(&HeaderValue::from_static("abc-123")));
    }
}
