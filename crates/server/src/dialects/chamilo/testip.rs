//! `testip.php`: the caller's IP as the key check sees it (specs/chamilo.md §3).

use axum::response::{IntoResponse, Response};
use http::header;

use crate::edge::ClientIp;

/// Answers the resolved client IP as bare text, as Chamilo's `testip.php` does: PHP's
/// default `text/html; charset=UTF-8`, no newline, no markup.
///
/// Newer Chamilo always reports `REMOTE_ADDR` while its key check believes
/// `X-Forwarded-For`; gatehouse reports the one IP its key check uses (trusted proxies only).
pub async fn testip(ClientIp(ip): ClientIp) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        ip.to_string(),
    )
        .into_response()
}
