//! `registration.soap.php`: Chamilo's SOAP registration service (specs/chamilo.md §2–§5).
//!
//! `POST` runs one rpc/encoded call; `GET ?wsdl` serves the WSDL with `soap:address` taken
//! from the request; a plain `GET` a short HTML page pointing at it. The flow is the
//! dialect's usual one: [`codec`] decodes the body into one [`codec::Op`], [`auth`] checks
//! its `secret_key`, [`ops`] runs it over the narrowest port, [`codec`] renders the value,
//! and [`error`] is the one table from failures to faults.
//!
//! What differs from Chamilo on purpose (each also noted where it is done):
//! - `X-Forwarded-For` counts only through trusted proxies; whitelist mode is enforced.
//! - Destructive quirks keep their wire shape but do the safe thing (an omitted `username`
//!   keeps the login; success answers `1` where Chamilo crashed serialising a statement).
//! - A store failure or panic is a SOAP `Server` fault naming the request id, never HTML.
//! - Operations gatehouse does not serve (certificates, groups, `WSEditUserWithPicture`'s URL
//!   fetch, session search) are absent from the WSDL and answer NuSOAP's "not defined" Client
//!   fault, like any unknown operation.

pub mod auth;
pub mod codec;
pub mod error;
pub mod ops;

use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::response::{IntoResponse, Response};
use gatehouse_wire::chamilo::SERVICE;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use self::codec::Op;
use self::error::SoapError;
use crate::edge::audit::{self, RequestAudit};
use crate::edge::guard::audit_throttled;
use crate::edge::{AuthRecord, ClientIp, RequestId, body, contain};
use crate::state::AppState;

/// The configuration section whose `[chamilo.guard]` rate keys apply.
const RATE_SECTION: &str = "chamilo";

/// The headers NuSOAP 0.9.5 sends on every response (§2).
const SERVER_HEADERS: [(&str, &str); 2] = [
    ("server", "NuSOAP Server v0.9.5"),
    ("x-soap-server", "NuSOAP/0.9.5 (1.123)"),
];

/// Serves `registration.soap.php`: `GET` for the WSDL or its page, `POST` for calls.
pub async fn endpoint(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    OriginalUri(uri): OriginalUri,
    request: Request,
) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    if request.method() == Method::GET || request.method() == Method::HEAD {
        let location = address(request.headers(), uri.path());
        // Read by hand: a query-string extractor would answer a malformed query in plain text.
        let wants_wsdl = uri.query().is_some_and(|q| {
            q.split('&').any(|pair| {
                pair.split('=')
                    .next()
                    .is_some_and(|k| k.eq_ignore_ascii_case("wsdl"))
            })
        });
        // Contained like a call (D9): a failure answers fault `Server` naming the request
        // id, audited, not the framework's plain 500.
        let operation = if wants_wsdl { "wsdl" } else { "description" };
        let audit = RequestAudit::new(auth::DIALECT, operation, ip, Some(request_id.clone()));
        let page = contain::run(&state, &audit, async move {
            if wants_wsdl {
                wsdl(&location)
            } else {
                description_page(&location)
            }
        })
        .await;
        return page.unwrap_or_else(|_| fault_response(&SoapError::Internal, &request_id, None));
    }
    // The request's time starts now: reading the body counts against it.
    let deadline = contain::Deadline::start(&state);
    let headers = request.headers().clone();
    let diagnostics = state.diagnostics;
    let location = address(&headers, uri.path());
    let web_root = location
        .strip_suffix(gatehouse_wire::chamilo::PATH)
        .unwrap_or(&location)
        .to_owned();
    match call(
        state,
        ip,
        request_id.clone(),
        deadline,
        &headers,
        request.into_body(),
        web_root,
    )
    .await
    {
        Ok(xml) => xml_response(StatusCode::OK, xml),
        Err(error) => {
            let diagnostic = match &error {
                SoapError::SecretKey(failure) => failure.diagnostic_header(diagnostics),
                _ => None,
            };
            fault_response(&error, &request_id, diagnostic)
        }
    }
}

/// Reads, decodes, authenticates and runs one call.
async fn call(
    state: AppState,
    ip: std::net::IpAddr,
    request_id: String,
    deadline: contain::Deadline,
    headers: &HeaderMap,
    body: Body,
    web_root: String,
) -> Result<String, SoapError> {
    let record = |operation: &str| AuthRecord {
        dialect: auth::DIALECT,
        scheme: auth::SCHEME,
        operation: operation.to_owned(),
        ip: Some(ip),
        request_id: Some(request_id.clone()),
    };
    // Guard first (D10): the per-IP limit before the body is even read.
    if let Err(throttled) = state.guard.throttle_ip(RATE_SECTION, ip) {
        audit_throttled(state.store.as_ref(), &record("-"), throttled, None).await;
        return Err(SoapError::TooManyRequests(throttled.retry_after));
    }
    check_content_type(headers)?;
    let limit = state.config.chamilo.body_limit;
    let reading = RequestAudit::new(auth::DIALECT, "-", ip, Some(request_id.clone()));
    let bytes = body::read_by(&state, &reading, deadline, body, limit).await?;
    let (op, secret_key) = codec::decode(&bytes)?;
    if let Err(failure) = auth::check_key(
        &state,
        ip,
        &secret_key,
        op.wire_name(),
        Some(request_id.clone()),
    )
    .await
    {
        // WSEditCourseDescription answers a bad key with -1, which NuSOAP renders as an
        // empty array under HTTP 200 (§3); every other operation with fault #1.
        if matches!(op, Op::WSEditCourseDescription(_)) {
            return Ok(codec::encode(
                &op,
                &gatehouse_wire::SoapValue::Array(Vec::new()),
            ));
        }
        return Err(SoapError::SecretKey(failure));
    }
    // One site key for every caller: its credential limit bounds all SOAP traffic together.
    if let Err(throttled) = state.guard.throttle_credential(RATE_SECTION, "soap_key") {
        let record = record(op.wire_name());
        audit_throttled(state.store.as_ref(), &record, throttled, None).await;
        return Err(SoapError::TooManyRequests(throttled.retry_after));
    }
    // A panicking or overlong operation must still answer in SOAP (D9): contained, it
    // becomes fault `Server` "Internal error (request <id>)" and an audit event. A write is
    // audited once it has answered; its refusals are mostly in-band results (`0`, `-1`),
    // so here success means the operation ran to its answer.
    let audit = RequestAudit::new(auth::DIALECT, op.wire_name(), ip, Some(request_id))
        .by(auth::SCHEME, None);
    let write = op.is_write();
    let task_state = state.clone();
    let result = contain::run_by(&state, &audit, deadline, async move {
        let value = ops::dispatch(&task_state, &op, &web_root).await?;
        Ok::<String, SoapError>(codec::encode(&op, &value))
    })
    .await
    .map_err(|_| SoapError::Internal)?;
    if write {
        let label = result
            .as_ref()
            .map_or_else(SoapError::outcome, |_| audit::OK);
        audit.write_done(&state.audit, label).await;
    }
    result
}

/// Chamilo expects `text/xml`; SOAP 1.2's `application/soap+xml` is accepted too.
/// NuSOAP answers anything else with a Client fault (§2).
fn check_content_type(headers: &HeaderMap) -> Result<(), SoapError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "text/xml" || essence == "application/soap+xml" {
        Ok(())
    } else {
        Err(SoapError::ContentType(value))
    }
}

fn xml_response(status: StatusCode, xml: String) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=UTF-8")],
        xml,
    )
        .into_response();
    for (name, value) in SERVER_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

fn fault_response(
    error: &SoapError,
    request_id: &str,
    diagnostic: Option<HeaderValue>,
) -> Response {
    match error {
        SoapError::Store(e) => {
            tracing::error!(error = %e, request_id, "chamilo soap: store failure")
        }
        SoapError::Internal => tracing::error!(request_id, "chamilo soap: operation failed"),
        _ => {}
    }
    let (code, message) = error.fault(request_id);
    let mut response = xml_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        codec::encode_fault(code, &message),
    );
    if let Some(value) = diagnostic {
        response
            .headers_mut()
            .insert(crate::edge::auth::DIAGNOSTIC_HEADER, value);
    }
    if let SoapError::TooManyRequests(seconds) = error {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
    }
    response
}

/// `scheme://host[:port]/path` of this request, for `soap:address` (§2): the `Host` header
/// as the client sent it (so the port appears exactly when the client used one).
fn address(headers: &HeaderMap, path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}{path}")
}

fn wsdl(location: &str) -> Response {
    // NuSOAP declares and labels its WSDL ISO-8859-1 (§2); ours is ASCII, so both are true.
    let mut response = (
        [(header::CONTENT_TYPE, "text/xml; charset=ISO-8859-1")],
        SERVICE.wsdl(location),
    )
        .into_response();
    for (name, value) in SERVER_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A short description page, in place of NuSOAP's generated one.
fn description_page(location: &str) -> Response {
    let escaped = location
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let mut items = String::new();
    for op in SERVICE.operations {
        items.push_str(&format!("<li>{}</li>", op.name));
    }
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>WSRegistration</title></head><body><h1>WSRegistration</h1><p>SOAP 1.1 rpc/encoded service. WSDL: <a href=\"{escaped}?wsdl\">{escaped}?wsdl</a></p><ul>{items}</ul></body></html>"
    );
    ([(header::CONTENT_TYPE, "text/html; charset=UTF-8")], html).into_response()
}
