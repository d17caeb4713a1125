//! Helpers of the Wildix tests: an app with a known S2S application, signing, sending.

use axum::Router;
use axum::body::Body;
use gatehouse_domain::{CredentialKind, NewCredential, Secret};
use gatehouse_schemes::wildix::{self, RawRequest};
use gatehouse_server::config::Config;
use gatehouse_server::state::Clock;
use gatehouse_testkit::TestApp;
use http::{HeaderMap, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

/// The app id of specs/wildix.md §10.
pub const APP_ID: &str = "s2s-acme-0001";
/// The app name of §10.
pub const APP_NAME: &str = "acme-crm";
/// The secret of §10.
pub const SECRET: &str = "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA";

/// A test app whose store holds the §10 application (and `other`, a second one).
pub async fn app_with(config: Config) -> TestApp {
    let app = TestApp::with_config(config).await;
    let owner = app.add_user("acme", "acme-password-1").await;
    for (id, name, secret) in [
        (APP_ID, APP_NAME, SECRET),
        ("s2s-other-0002", "other", "another-secret-of-another-app"),
    ] {
        app.store()
            .issue_credential(NewCredential {
                kind: CredentialKind::WildixApp,
                owner: owner.id,
                public_id: id.to_owned(),
                label: name.to_owned(),
                secret: Secret::new(secret.to_owned()),
                allowed_cidrs: Vec::new(),
                expires_at: None,
            })
            .await
            .expect("application issued");
    }
    app
}

/// The default test app.
pub async fn app() -> TestApp {
    app_with(Config::default()).await
}

/// Wildix alone at `/` (its own listener, D14) with the clock fixed at `now`.
pub fn root(app: &TestApp, now: i64) -> Router {
    gatehouse_server::dialect_app(app.state.clone().with_clock(Clock::Fixed(now)), "wildix")
        .expect("wildix has a router")
}

/// The shared listeners' router (Wildix at `/wildix`) with the clock fixed at `now`.
pub fn shared(app: &TestApp, now: i64) -> Router {
    gatehouse_server::app(app.state.clone().with_clock(Clock::Fixed(now)))
}

/// A response as the tests look at it.
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as JSON (`Null` if it is not JSON).
    pub json: Value,
}

impl Answer {
    /// `reason` of an error envelope.
    pub fn reason(&self) -> &str {
        self.json["reason"].as_str().unwrap_or("")
    }

    /// The `X-Gatehouse-Diagnostic` header, or "".
    pub fn diagnostic(&self) -> &str {
        self.headers
            .get("x-gatehouse-diagnostic")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends a request with exactly these headers.
pub async fn send(
    router: &Router,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = Request::builder().method(method).uri(target);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Body::from(body.to_owned()))
        .expect("request builds");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body reads");
    Answer {
        status,
        headers,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// Signs a request the way the official client does: its `extra` headers, then `Host`
/// (`pbx.example.com`) and `X-APP-ID`, signed in that order; returns every header to send.
pub fn signed_headers(
    method: &str,
    target: &str,
    extra: &[(&str, &str)],
    body: &str,
    app_id: &str,
    secret: &str,
    now: i64,
) -> Vec<(String, String)> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = extra
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    headers.push(("Host".into(), "pbx.example.com".into()));
    headers.push(("X-APP-ID".into(), app_id.into()));
    let refs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    let req = RawRequest {
        method,
        path,
        query: query.as_bytes(),
        headers: &refs,
        body: body.as_bytes(),
    };
    let signed = wildix::sign(&req, &names, APP_NAME, secret, now, 300).expect("signs");
    headers.push(("Authorization".into(), format!("Bearer {}", signed.token)));
    headers
}

/// Signs with the §10 application and sends.
pub async fn call(router: &Router, method: &str, target: &str, body: &str, now: i64) -> Answer {
    call_with(router, method, target, &[], body, now).await
}

/// Signs with the §10 application, extra signed headers, and sends.
pub async fn call_with(
    router: &Router,
    method: &str,
    target: &str,
    extra: &[(&str, &str)],
    body: &str,
    now: i64,
) -> Answer {
    let headers = signed_headers(method, target, extra, body, APP_ID, SECRET, now);
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    send(router, method, target, &refs, body).await
}

/// Now, for requests signed fresh.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
