//! Limits and hygiene in-process (issue #8): `X-Request-Id` on every answer, body and
//! header limits, request timeouts and panics answered per dialect (D9), and what
//! `X-Gatehouse-Diagnostic` reveals in each mode (D16).

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use gatehouse_domain::{AuditQuery, Outcome, PasswordPolicy};
use gatehouse_server::AppState;
use gatehouse_server::config::Config;
use gatehouse_server::edge::{DiagnosticsMode, RequestAudit, contain};
use gatehouse_testkit::TestApp;

use crate::chamilo_soap::support as soap;

const SOAP: &str = "/chamilo/main/webservices/registration.soap.php";
const REST: &str = "/chamilo/main/webservices/api/v2.php";
const WS: &str = "/corebos/webservice.php";

/// Serves `router` on a loopback port; returns its base URL.
async fn serve_router(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = gatehouse_server::serve(vec![(listener, router)], std::future::pending()).await;
    });
    url
}

/// Serves the shared listeners' router over `state`.
async fn serve(state: AppState) -> String {
    serve_router(gatehouse_server::app(state)).await
}

/// One request: method, path, headers, body.
struct Req {
    name: &'static str,
    method: reqwest::Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Req {
    fn new(name: &'static str, method: reqwest::Method, path: impl Into<String>) -> Self {
        Self {
            name,
            method,
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    async fn send(&self, base: &str) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .request(self.method.clone(), format!("{base}{}", self.path))
            .body(self.body.clone());
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        request.send().await.unwrap()
    }
}

fn soap_call(op: &str, part: &str, members: &str) -> Req {
    Req::new("chamilo-soap", reqwest::Method::POST, SOAP)
        .header("content-type", "text/xml; charset=utf-8")
        .body(soap::envelope(op, part, members))
}

fn form(name: &'static str, path: &str, body: &str) -> Req {
    Req::new(name, reqwest::Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
}

/// One authentication failure per dialect and scheme.
fn auth_failures() -> Vec<Req> {
    let basic = base64::engine::general_purpose::STANDARD.encode("carol:wrong-password");
    vec![
        soap_call(
            "WSGetUser",
            "GetUser",
            &format!("{}{}", soap::user_ref("x"), soap::s("secret_key", "0000")),
        ),
        form(
            "chamilo-rest",
            REST,
            "action=user_profile&username=carol&api_key=wrong",
        ),
        form(
            "chamilo-rest password",
            REST,
            "action=authenticate&username=carol&password=wrong",
        ),
        form("forma", "/forma/api/user/listUsers", "")
            .header("x-authorization", "FormaLMS 0123456789abcdef"),
        Req::new(
            "wildix basic",
            reqwest::Method::GET,
            "/wildix/api/v1/Colleagues/",
        )
        .header("authorization", format!("Basic {basic}")),
    ]
}

fn diagnostic(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("x-gatehouse-diagnostic")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn diagnostics_appear_in_the_sandbox_and_in_serve_only_when_enabled_without_expected() {
    let app = TestApp::new().await;
    app.add_user("carol", "Carol-Pass-1").await;
    for (mode, shown, expected_allowed) in [
        (DiagnosticsMode::Full, true, true),
        (DiagnosticsMode::Redacted, true, false),
        (DiagnosticsMode::Off, false, false),
    ] {
        let mut state = app.state.clone();
        state.diagnostics = mode;
        let base = serve(state).await;
        for request in auth_failures() {
            let response = request.send(&base).await;
            let header = diagnostic(&response);
            let label = format!("{mode:?} {}: {header:?}", request.name);
            assert_eq!(header.is_some(), shown, "{label}");
            if let Some(header) = header {
                assert!(header.starts_with("reason="), "{label}");
                if !expected_allowed {
                    assert!(!header.contains("expected="), "{label}");
                }
            }
        }
        // The SOAP key's failure has an expected value: shown in the sandbox only.
        let response = auth_failures()[0].send(&base).await;
        let header = diagnostic(&response).unwrap_or_default();
        assert_eq!(
            header.contains("expected=\""),
            expected_allowed,
            "{mode:?}: {header}"
        );
    }
    // A coreBOS login with a wrong key, after a real challenge.
    for (mode, shown) in [(DiagnosticsMode::Full, true), (DiagnosticsMode::Off, false)] {
        let mut state = app.state.clone();
        state.diagnostics = mode;
        let base = serve(state).await;
        let challenge: serde_json::Value =
            reqwest::get(format!("{base}{WS}?operation=getchallenge&username=carol"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        assert_eq!(challenge["success"], true, "{challenge}");
        let response = form(
            "corebos",
            WS,
            "operation=login&username=carol&accessKey=00000000000000000000000000000000",
        )
        .send(&base)
        .await;
        assert_eq!(diagnostic(&response).is_some(), shown, "{mode:?}");
    }
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_well_formed_one_is_echoed() {
    let mut config = Config::default();
    config.chamilo.body_limit = 100;
    config.corebos.body_limit = 100;
    config.forma.body_limit = 100;
    config.wildix.body_limit = 100;
    config.header_limit = 4096;
    let app = TestApp::with_config(config).await;
    let base = app.base_url.clone();
    let wildix =
        serve_router(gatehouse_server::dialect_app(app.state.clone(), "wildix").unwrap()).await;
    let big = vec![b'a'; 1000];
    let cases = vec![
        (
            base.clone(),
            Req::new("healthz", reqwest::Method::GET, "/healthz"),
        ),
        (
            base.clone(),
            Req::new("metrics", reqwest::Method::GET, "/metrics"),
        ),
        (
            base.clone(),
            Req::new("404", reqwest::Method::GET, "/wp-admin/"),
        ),
        (
            base.clone(),
            Req::new(
                "testip",
                reqwest::Method::GET,
                "/chamilo/main/webservices/testip.php",
            ),
        ),
        (
            base.clone(),
            Req::new("wsdl", reqwest::Method::GET, format!("{SOAP}?wsdl")),
        ),
        (base.clone(), auth_failures().remove(0)),
        (
            base.clone(),
            soap_call("WSGetUser", "GetUser", "").body(big.clone()),
        ),
        (base.clone(), form("chamilo-rest", REST, "action=nope")),
        (
            base.clone(),
            form("chamilo-rest big", REST, "").body(big.clone()),
        ),
        (
            base.clone(),
            Req::new(
                "corebos",
                reqwest::Method::GET,
                format!("{WS}?operation=nope"),
            ),
        ),
        (base.clone(), form("corebos big", WS, "").body(big.clone())),
        (base.clone(), form("forma", "/forma/api/user/listUsers", "")),
        (
            base.clone(),
            form("forma big", "/forma/api/user/listUsers", "").body(big.clone()),
        ),
        (
            base.clone(),
            Req::new("wildix", reqwest::Method::GET, "/wildix/api/v1/Colleagues/"),
        ),
        (
            wildix.clone(),
            Req::new(
                "wildix listener",
                reqwest::Method::GET,
                "/api/v1/Colleagues/",
            ),
        ),
        (
            wildix.clone(),
            Req::new("wildix listener 404", reqwest::Method::GET, "/nothing"),
        ),
        (
            base.clone(),
            Req::new("header limit", reqwest::Method::GET, "/healthz")
                .header("x-filler", "f".repeat(5000)),
        ),
    ];
    for (url, request) in cases {
        let response = request.send(&url).await;
        let id = response.headers().get("x-request-id");
        assert!(
            id.is_some_and(|v| !v.is_empty()),
            "{}: no X-Request-Id",
            request.name
        );
        let name = request.name;
        let echoed = request.header("x-request-id", "trace-42").send(&url).await;
        assert_eq!(
            echoed.headers()["x-request-id"],
            "trace-42",
            "{name}: a caller's id is kept"
        );
    }
}

#[tokio::test]
async fn bodies_over_each_dialects_configured_limit_get_its_own_answer() {
    let mut config = Config::default();
    config.chamilo.body_limit = 100;
    config.corebos.body_limit = 200;
    config.forma.body_limit = 300;
    config.wildix.body_limit = 400;
    let app = TestApp::with_config(config).await;
    let base = app.base_url.clone();
    let big = vec![b'a'; 1000];
    let soap_answer = soap_call("WSGetUser", "GetUser", "")
        .body(big.clone())
        .send(&base)
        .await;
    assert_eq!(soap_answer.status(), 500);
    let text = soap_answer.text().await.unwrap();
    assert!(
        text.contains("SOAP-ENV:Client")
            && text.contains("Request body too large (limit 100 bytes)"),
        "{text}"
    );
    let rest = form("rest", REST, "").body(big.clone()).send(&base).await;
    assert_eq!(rest.status(), 200);
    assert_eq!(
        rest.text().await.unwrap(),
        r#"{"error":true,"message":"Request body too large (limit 100 bytes)"}"#
    );
    let corebos = form("corebos", WS, "").body(big.clone()).send(&base).await;
    let text = corebos.text().await.unwrap();
    assert!(
        text.contains("INVALID_PARAMETER") && text.contains("limit 200 bytes"),
        "{text}"
    );
    let forma = form("forma", "/forma/api/user/listUsers", "")
        .body(big.clone())
        .send(&base)
        .await;
    let text = forma.text().await.unwrap();
    assert!(text.contains("request body too large"), "{text}");
    let wildix = Req::new("wildix", reqwest::Method::POST, "/wildix/api/v1/Originate")
        .body(big.clone())
        .send(&base)
        .await;
    assert_eq!(wildix.status(), 413);
    // Under the limit, the same dialect reads the body as usual.
    let small = form("rest", REST, "action=nope").send(&base).await;
    assert!(!small.text().await.unwrap().contains("too large"));
}

#[tokio::test]
async fn an_oversized_header_block_is_431_not_a_dialect_run() {
    let config = Config {
        header_limit: 2048,
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let response = Req::new("soap", reqwest::Method::GET, format!("{SOAP}?wsdl"))
        .header("x-filler", "f".repeat(3000))
        .send(&app.base_url)
        .await;
    assert_eq!(response.status(), 431);
    assert!(response.headers().contains_key("x-request-id"));
    let fine = Req::new("soap", reqwest::Method::GET, format!("{SOAP}?wsdl"))
        .header("x-filler", "f".repeat(1000))
        .send(&app.base_url)
        .await;
    assert_eq!(fine.status(), 200);
}

/// Password hashing made slow on purpose, so a write that hashes outlasts the timeout.
fn slow(mut state: AppState) -> AppState {
    state.password_policy = PasswordPolicy {
        memory_kib: 64 * 1024,
        iterations: 8,
        parallelism: 1,
    };
    state.with_request_timeout(Some(Duration::from_millis(50)))
}

#[tokio::test]
async fn a_request_over_the_timeout_gets_its_dialects_internal_error_and_an_audit_event() {
    let app = TestApp::new().await;
    let base = serve(slow(app.state.clone())).await;
    // Chamilo SOAP: WSCreateUser hashes the password.
    let members = format!(
        "{}{}",
        soap::new_user("slowpoke", "hr-9"),
        soap::s("secret_key", &soap::key(&app))
    );
    let response = soap_call("WSCreateUser", "createUser", &members)
        .send(&base)
        .await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.status(), 500);
    let text = response.text().await.unwrap();
    assert!(
        text.contains(&format!("Internal error (request {id})")),
        "{text}"
    );
    let events = app.audit_events(AuditQuery::default()).await.unwrap();
    let timeout = events
        .iter()
        .find(|e| e.event.request_id.as_deref() == Some(id.as_str()) && e.event.reason == "timeout")
        .unwrap_or_else(|| panic!("no timeout event in {events:?}"));
    assert_eq!(timeout.event.outcome, Outcome::Error);
    assert_eq!(timeout.event.dialect, "chamilo-soap");
    // Chamilo REST: authenticate checks a password hashed at the slow cost.
    let slow_hash = PasswordPolicy {
        memory_kib: 64 * 1024,
        iterations: 8,
        parallelism: 1,
    }
    .hash("Slow-Pass-1")
    .unwrap();
    let mut new =
        gatehouse_domain::NewUser::new(gatehouse_domain::Username::parse("slow").unwrap());
    new.password = Some(slow_hash);
    app.store().create_user(new).await.unwrap();
    let response = form(
        "rest",
        REST,
        "action=authenticate&username=slow&password=Slow-Pass-1",
    )
    .send(&base)
    .await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        response.text().await.unwrap(),
        format!(r#"{{"error":true,"message":"Internal error (request {id})"}}"#)
    );
    // Forma: auth/authenticate in token mode checks the same slow password.
    let mut config = Config::default();
    config.forma.auth_method = gatehouse_server::dialects::forma::AuthMethod::Token;
    let mut state = app.state.clone();
    state.config = std::sync::Arc::new(config);
    let base = serve(slow(state)).await;
    let response = form(
        "forma",
        "/forma/api/auth/authenticate",
        "username=slow&password=Slow-Pass-1",
    )
    .send(&base)
    .await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    assert!(
        text.contains(&format!("Error: internal error (request {id}).")),
        "{text}"
    );
    // Wildix: HTTP Basic checks the slow password.
    let basic = base64::engine::general_purpose::STANDARD.encode("slow:Slow-Pass-1");
    let response = Req::new("wildix", reqwest::Method::GET, "/wildix/api/v1/Colleagues/")
        .header("authorization", format!("Basic {basic}"))
        .send(&base)
        .await;
    assert_eq!(response.status(), 500);
}

/// A route whose work panics, contained as every dialect contains its operations.
async fn boom(State(state): State<AppState>) -> &'static str {
    let audit = RequestAudit::new(
        "test",
        "boom",
        "127.0.0.1".parse().unwrap(),
        Some("r-boom".into()),
    );
    match contain::run(&state, &audit, async { panic!("kaboom") }).await {
        Ok(()) => "ok",
        Err(stopped) => stopped.reason(),
    }
}

#[tokio::test]
async fn a_panic_becomes_an_answer_and_an_audit_event_never_a_dropped_connection() {
    let app = TestApp::new().await;
    let router = Router::new()
        .route("/boom", get(boom))
        .with_state(app.state.clone());
    let base = serve_router(router).await;
    let text = reqwest::get(format!("{base}/boom"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "panic");
    let events = app.audit_events(AuditQuery::default()).await.unwrap();
    let event = &events[0].event;
    assert_eq!(
        (
            event.operation.as_str(),
            event.outcome,
            event.reason.as_str(),
            event.request_id.as_deref()
        ),
        ("boom", Outcome::Error, "panic", Some("r-boom"))
    );
}

/// Sends `head` (request line and headers, without the blank line) with a
/// `Content-Length` of `declared` and only `sent` of the body; then closes the sending side
/// (`close`) or keeps the connection open, trickling nothing more. Returns the status and
/// the body of the answer.
async fn partial_upload(
    base: &str,
    head: &str,
    declared: usize,
    sent: &[u8],
    close: bool,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("{head}\r\nHost: {addr}\r\nContent-Length: {declared}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(sent).await.unwrap();
    if close {
        stream.shutdown().await.unwrap();
    }
    let read = async {
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            received.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(usize::MAX);
                if body.len() >= length {
                    break;
                }
            }
        }
        received
    };
    // A bound on the test, not a timing target: without an answer it would hang.
    let received = tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("an answer");
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

/// One partial upload per dialect: the request head and what the body starts with.
fn partial_uploads() -> Vec<(&'static str, String, &'static [u8])> {
    vec![
        (
            "chamilo-soap",
            format!("POST {SOAP} HTTP/1.1\r\nContent-Type: text/xml; charset=utf-8"),
            b"<?xml version=\"1.0\"?><SOAP-ENV:Envelope",
        ),
        (
            "chamilo-rest",
            format!("POST {REST} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"),
            b"action=user_profile",
        ),
        (
            "corebos",
            format!("POST {WS} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"),
            b"operation=listtypes",
        ),
        (
            "forma",
            "POST /forma/api/user/checkUsername HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded".to_owned(),
            b"userid=admin",
        ),
        (
            "wildix",
            "POST /wildix/api/v1/PBX/settings/CallQueues/ HTTP/1.1\r\nContent-Type: application/json".to_owned(),
            b"{\"name\":\"queue\"}",
        ),
    ]
}

#[tokio::test]
async fn a_body_cut_short_gets_each_dialects_malformed_request_answer_not_too_large() {
    let app = TestApp::new().await;
    for (dialect, head, sent) in partial_uploads() {
        let (status, body) = partial_upload(&app.base_url, &head, 4096, sent, true).await;
        let answer = (status, body.as_str());
        assert!(!body.contains("too large"), "{dialect}: {answer:?}");
        match dialect {
            "chamilo-soap" => {
                assert_eq!(status, 500, "{dialect}: {body}");
                assert!(
                    body.contains("SOAP-ENV:Client")
                        && body.contains("error in msg parsing:\nrequest body incomplete"),
                    "{dialect}: {body}"
                );
            }
            "chamilo-rest" => assert_eq!(
                answer,
                (200, r#"{"error":true,"message":"Request body incomplete"}"#),
                "{dialect}"
            ),
            "corebos" => {
                assert_eq!(status, 200, "{dialect}: {body}");
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(
                    (
                        &json["success"],
                        &json["error"]["code"],
                        &json["error"]["message"]
                    ),
                    (
                        &serde_json::json!(false),
                        &serde_json::json!("INVALID_PARAMETER"),
                        &serde_json::json!("Request body incomplete")
                    ),
                    "{dialect}: {body}"
                );
            }
            "forma" => {
                assert_eq!(status, 200, "{dialect}: {body}");
                assert!(
                    body.contains("<error>Error: request body incomplete.</error>"),
                    "{dialect}: {body}"
                );
            }
            _ => assert_eq!(
                (
                    status,
                    serde_json::from_str::<serde_json::Value>(&body).unwrap()
                ),
                (
                    400,
                    serde_json::json!({"type": "error", "reason": "body: incomplete"})
                ),
                "{dialect}"
            ),
        }
    }
    // Declared over the limit and cut short is still too large: the size is what to fix.
    let mut config = Config::default();
    config.corebos.body_limit = 100;
    let small = TestApp::with_config(config).await;
    let (_, body) = partial_upload(
        &small.base_url,
        &format!("POST {WS} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"),
        4096,
        b"operation=listtypes",
        true,
    )
    .await;
    assert!(
        body.contains("Request body too large (limit 100 bytes)"),
        "{body}"
    );
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_answered_by_the_request_timeout() {
    let app = TestApp::new().await;
    let state = app
        .state
        .clone()
        .with_request_timeout(Some(Duration::from_millis(300)));
    let base = serve(state).await;
    for (dialect, head, sent) in partial_uploads() {
        // Half the body arrives, the rest never does, and the connection stays open.
        let (status, body) = partial_upload(&base, &head, 4096, sent, false).await;
        let answer = (status, body.as_str());
        match dialect {
            "chamilo-soap" => assert!(
                status == 500 && body.contains("Internal error (request "),
                "{dialect}: {answer:?}"
            ),
            "chamilo-rest" => assert!(
                status == 200
                    && body.starts_with(r#"{"error":true,"message":"Internal error (request "#),
                "{dialect}: {answer:?}"
            ),
            "corebos" => assert!(
                status == 200 && body.contains(r#""code":"INTERNAL_SERVER_ERROR""#),
                "{dialect}: {answer:?}"
            ),
            "forma" => assert!(
                status == 200 && body.contains("Error: internal error (request "),
                "{dialect}: {answer:?}"
            ),
            _ => assert_eq!(
                (
                    status,
                    serde_json::from_str::<serde_json::Value>(&body).unwrap()
                ),
                (
                    500,
                    serde_json::json!({"type": "error", "reason": "Internal error"})
                ),
                "{dialect}"
            ),
        }
    }
    // Each timeout is audited once, as gatehouse's own failure.
    let events = app
        .store()
        .audit_events(AuditQuery::default())
        .await
        .unwrap();
    for dialect in ["chamilo-soap", "chamilo-rest", "corebos", "forma", "wildix"] {
        let timeouts = events
            .iter()
            .filter(|e| e.event.dialect == dialect && e.event.reason == "timeout")
            .count();
        assert_eq!(timeouts, 1, "{dialect}: {events:?}");
    }
}
