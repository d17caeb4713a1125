//! `testip.php`: the caller's IP as the key check sees it (specs/chamilo.md §3).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

use crate::edge::audit::RequestAudit;
use crate::edge::{ClientIp, RequestId, contain};
use crate::state::AppState;

/// Answers the resolved client IP as bare text, as Chamilo's `testip.php` does: PHP's
/// default `text/html; charset=UTF-8`, no newline, no markup.
///
/// Newer Chamilo always reports `REMOTE_ADDR` while its key check believes
/// `X-Forwarded-For`; gatehouse reports the one IP its key check uses (trusted proxies only).
///
/// Contained like every handler (D9): a failure answers HTTP 500 with Chamilo's
/// "Internal error (request <id>)" in the page's content type, and is audited under the
/// SOAP service whose key check the page serves.
pub async fn testip(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request_id: Option<axum::Extension<RequestId>>,
) -> Response {
    let request_id = request_id.map_or_else(|| "-".to_owned(), |id| id.0.0.clone());
    let audit = RequestAudit::new(
        super::soap::auth::DIALECT,
        "testip",
        ip,
        Some(request_id.clone()),
    );
    let page = contain::run(&state, &audit, async move { ip.to_string() }).await;
    match page {
        Ok(text) => ([(header::CONTENT_TYPE, "text/html; charset=UTF-8")], text).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
            format!("Internal error (request {request_id})"),
        )
            .into_response(),
    }
}
