//! The header-size limit (`header_limit`, default 64 KiB), checked before any dialect runs.
//!
//! A request whose header block (every name and value, plus `": "` and CRLF per line) is
//! larger than the limit is answered `431 Request Header Fields Too Large` with an empty
//! body and its `X-Request-Id`: no dialect has a wire answer for it (D9 lists none), and
//! the dialect cannot be trusted to parse such a request anyway. The HTTP library has hard
//! limits of its own beyond this one (about 400 KiB of buffered head, 100 header lines);
//! past them it answers 431 itself and the request never reaches gatehouse.
//!
//! Body limits are per dialect (`[<dialect>] body_limit`) because each answers them in its
//! own wire format; see each dialect's router.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

/// The size of a header block as it travelled: `name: value\r\n` per line.
pub fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// Middleware: refuses a request whose header block is over `limit` bytes.
pub async fn check_headers(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let size = header_bytes(request.headers());
    if size > limit {
        tracing::info!(size, limit, "request headers over the limit");
        return StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn header_bytes_count_names_values_and_separators() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("a"));
        headers.insert("x-y", HeaderValue::from_static("bc"));
        assert_eq!(header_bytes(&headers), (4 + 1 + 4) + (3 + 2 + 4));
    }
}
