//! Rate limits as each dialect answers them (D9, D10): the exact wire error and
//! `Retry-After` once a tiny burst is spent, key-checked requests left alone by default, and
//! one audit event per key and period however long the flood.

use gatehouse_domain::{AuditQuery, Outcome};
use gatehouse_server::config::Config;
use gatehouse_server::edge::{GuardConfig, RateOverrides};
use gatehouse_testkit::TestApp;

use crate::chamilo_rest::support as rest;
use crate::chamilo_soap::support as soap;
use crate::corebos_support::{self, Crm, proof};
use crate::forma_support::Lms;
use crate::wildix_support;

/// Sign-in limits of one request a second with a burst of two, everywhere.
fn tiny_sign_in_limits() -> Config {
    Config {
        guard: GuardConfig {
            auth_rate: 1,
            auth_burst: 2,
            user_rate: 1,
            user_burst: 2,
            ..GuardConfig::default()
        },
        ..Config::default()
    }
}

fn retry_after(headers: &http::HeaderMap) -> Option<&str> {
    headers.get("retry-after").and_then(|v| v.to_str().ok())
}

async fn rate_limited_events(app: &TestApp) -> usize {
    app.audit_events(AuditQuery {
        outcome: Some(Outcome::RateLimited),
        ..AuditQuery::default()
    })
    .await
    .unwrap()
    .iter()
    .filter(|e| e.event.reason == "rate_limited")
    .count()
}

#[tokio::test]
async fn chamilo_rest_authenticate_is_limited_in_the_envelope_and_key_checked_actions_are_not() {
    let app = TestApp::with_config(tiny_sign_in_limits()).await;
    app.add_user("alice", "Alice-Pass-1").await;
    let authenticate = [
        ("action", "authenticate"),
        ("username", "alice"),
        ("password", "Alice-Pass-1"),
    ];
    let key = rest::api_key(&app, "alice", "Alice-Pass-1").await;
    let second = rest::post(&app, &authenticate).await;
    assert_eq!(second.json()["error"], false, "{}", second.body);
    for _ in 0..5 {
        let refused = rest::post(&app, &authenticate).await;
        assert_eq!(refused.status, 200);
        assert_eq!(
            refused.body,
            r#"{"error":true,"message":"Too many requests, retry in 1 s"}"#
        );
        assert_eq!(retry_after(&refused.headers), Some("1"));
    }
    // A flood is audited once per key and period, not once per refusal.
    assert_eq!(rate_limited_events(&app).await, 1);
    for _ in 0..20 {
        let reply = rest::call(&app, "alice", &key, "user_profile", &[]).await;
        assert_eq!(reply.json()["error"], false, "{}", reply.body);
    }
}

#[tokio::test]
async fn chamilo_soap_answers_a_server_fault_with_retry_after_when_its_credential_limit_is_hit() {
    let config = Config {
        chamilo: gatehouse_server::config::ChamiloConfig {
            guard: RateOverrides {
                credential_rate: Some(1),
                credential_burst: Some(2),
                ..RateOverrides::default()
            },
            ..Default::default()
        },
        ..tiny_sign_in_limits()
    };
    let app = TestApp::with_config(config).await;
    let members = soap::user_ref("1");
    for _ in 0..2 {
        let answer = soap::call(&app, "WSGetUser", "GetUser", &members).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let response = app
        .client
        .post(app.url(soap::SOAP))
        .header("content-type", "text/xml; charset=utf-8")
        .body(soap::envelope(
            "WSGetUser",
            "GetUser",
            &(members + &soap::s("secret_key", &soap::key(&app))),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(retry_after(response.headers()), Some("1"));
    let answer = soap::answer(response).await;
    assert_eq!(answer.status, 500);
    assert!(
        answer
            .body
            .contains("<faultcode xsi:type=\"xsd:string\">Server</faultcode>"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(
            "<faultstring xsi:type=\"xsd:string\">Too many requests, retry in 1 s</faultstring>"
        ),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn soap_calls_checked_by_key_are_not_limited_by_default() {
    let app = TestApp::with_config(tiny_sign_in_limits()).await;
    let members = soap::user_ref("1");
    for _ in 0..30 {
        let answer = soap::call(&app, "WSGetUser", "GetUser", &members).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}

#[tokio::test]
async fn corebos_getchallenge_answers_access_denied_and_login_keeps_its_credentials_code() {
    let config = Config {
        corebos: gatehouse_server::dialects::corebos::CorebosConfig {
            guard: RateOverrides {
                auth_rate: Some(1),
                auth_burst: Some(2),
                ..RateOverrides::default()
            },
            ..Default::default()
        },
        ..Config::default()
    };
    let crm = Crm::with_config(config).await;
    let session = crm.admin_session().await;
    let token = crm.challenge("admin").await;
    let challenge = [("operation", "getchallenge"), ("username", "admin")];
    let response = crm
        .app
        .client
        .get(crm.app.url(corebos_support::WS))
        .query(&challenge)
        .send()
        .await
        .unwrap();
    assert_eq!(retry_after(response.headers()), Some("1"));
    let (text, _) = corebos_support::body(response).await;
    assert_eq!(
        text,
        corebos_support::error("ACCESS_DENIED", "Too many requests, retry in 1 s")
    );
    let login = [
        ("operation", "login"),
        ("username", "admin"),
        ("accessKey", &proof(&token, "wrong")),
    ];
    let (text, _) = crm.post(&login).await;
    assert!(text.contains("INVALID_USER_CREDENTIALS"), "{text}");
    let response = crm
        .app
        .client
        .post(crm.app.url(corebos_support::WS))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(retry_after(response.headers()), Some("1"));
    let (text, _) = corebos_support::body(response).await;
    assert_eq!(
        text,
        corebos_support::error(
            "INVALID_USER_CREDENTIALS",
            "Too many requests, retry in 1 s"
        )
    );
    // Requests on a session are not limited by default.
    for _ in 0..20 {
        let (text, json) = crm
            .get(&[("operation", "listtypes"), ("sessionName", &session)])
            .await;
        assert_eq!(json["success"], true, "{text}");
    }
}

#[tokio::test]
async fn corebos_usernames_have_their_own_limit_whatever_their_case() {
    let config = Config {
        guard: GuardConfig {
            user_rate: 1,
            user_burst: 2,
            ..GuardConfig::default()
        },
        ..Config::default()
    };
    let crm = Crm::with_config(config).await;
    crm.challenge("alice").await;
    crm.challenge("alice").await;
    let (text, _) = crm
        .get(&[("operation", "getchallenge"), ("username", "ALICE")])
        .await;
    assert_eq!(
        text,
        corebos_support::error("ACCESS_DENIED", "Too many requests, retry in 1 s")
    );
}

#[tokio::test]
async fn forma_authenticate_and_sso_are_limited_and_signed_calls_are_not() {
    let mut config = tiny_sign_in_limits();
    config.forma.auth_method = gatehouse_server::dialects::forma::AuthMethod::Token;
    let lms = Lms::with_config(config).await;
    lms.app.add_user("bob", "Bob-Pass-1").await;
    let body = "username=bob&password=Bob-Pass-1";
    for _ in 0..2 {
        let reply = lms
            .raw(
                "/api/auth/authenticate",
                body,
                None,
                Some("application/json"),
            )
            .await;
        assert!(reply.contains("\"success\":true"), "{reply}");
    }
    let response = lms
        .app
        .client
        .post(lms.app.url("/forma/api/auth/authenticate"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(retry_after(response.headers()), Some("1"));
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"Error: too many requests, retry in 1 s."}"#
    );

    // SSO: the access_failure redirect, with Retry-After.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let time = chrono::Utc::now().timestamp().to_string();
    let secret = lms.sso_secret();
    let mut last = None;
    for user in ["bob", "bob", "bob"] {
        let token = gatehouse_schemes::forma_sso::token(user, &time, &secret);
        let link = format!(
            "/forma/index.php?r=adm/homepage/sso&login_user={user}&time={time}&token={token}"
        );
        last = Some(no_redirects.get(lms.app.url(&link)).send().await.unwrap());
    }
    let refused = last.unwrap();
    assert_eq!(refused.status(), 302);
    assert_eq!(
        refused.headers()["location"],
        "/forma/index.php?r=adm/homepage/show&msg=access_failure"
    );
    assert_eq!(retry_after(refused.headers()), Some("1"));
}

#[tokio::test]
async fn forma_signed_calls_are_not_limited_by_default() {
    let lms = Lms::with_config(tiny_sign_in_limits()).await;
    for _ in 0..20 {
        let reply = lms.json("/api/user/countusers", "").await;
        assert!(reply.get("error").is_none(), "{reply}");
    }
}

#[tokio::test]
async fn wildix_basic_auth_gets_429_with_retry_after_and_jwt_requests_are_not_limited() {
    let app = wildix_support::app_with(tiny_sign_in_limits()).await;
    let now = wildix_support::now();
    let router = wildix_support::shared(&app, now);
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "acme:acme-password-1"
        )
    );
    let headers = [("authorization", basic.as_str())];
    for _ in 0..2 {
        let answer = wildix_support::send(
            &router,
            "GET",
            "/wildix/api/v1/PBX/settings/CallQueues/",
            &headers,
            "",
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.json);
    }
    let refused = wildix_support::send(
        &router,
        "GET",
        "/wildix/api/v1/PBX/settings/CallQueues/",
        &headers,
        "",
    )
    .await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.json,
        serde_json::json!({"type": "error", "reason": "Too many requests"})
    );
    assert_eq!(retry_after(&refused.headers), Some("1"));
    for _ in 0..20 {
        let answer = wildix_support::call(
            &router,
            "GET",
            "/wildix/api/v1/PBX/settings/CallQueues/",
            "",
            now,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.json);
    }
}

#[tokio::test]
async fn the_per_ip_limit_covers_every_request_when_turned_on() {
    let config = Config {
        guard: GuardConfig {
            ip_rate: 1,
            ip_burst: 3,
            ..GuardConfig::default()
        },
        ..Config::default()
    };
    let app = wildix_support::app_with(config).await;
    let now = wildix_support::now();
    let router = wildix_support::shared(&app, now);
    for _ in 0..3 {
        let answer = wildix_support::call(
            &router,
            "GET",
            "/wildix/api/v1/PBX/settings/CallQueues/",
            "",
            now,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.json);
    }
    let refused = wildix_support::call(
        &router,
        "GET",
        "/wildix/api/v1/PBX/settings/CallQueues/",
        "",
        now,
    )
    .await;
    assert_eq!(refused.status, 429);
    assert_eq!(retry_after(&refused.headers), Some("1"));
    // Other dialects have buckets of their own.
    let reply = rest::post(&app, &[("action", "authenticate")]).await;
    assert_ne!(reply.json()["message"], "Too many requests, retry in 1 s");
}

#[tokio::test]
async fn with_rate_limits_off_nothing_is_limited() {
    let mut config = tiny_sign_in_limits();
    config.guard.rate_limits = false;
    let crm = Crm::with_config(config).await;
    for _ in 0..10 {
        crm.challenge("alice").await;
    }
}
