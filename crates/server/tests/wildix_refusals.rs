//! Every tampering the issue lists is refused with 401 in the Wildix envelope, with a reason
//! code in the diagnostic header (built on the §10 vectors, clock fixed at their time).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse_server::config::Config;
use gatehouse_server::edge::DiagnosticsMode;

use crate::wildix_support::*;
use crate::wildix_vectors::{FORM, V1_JWT, V1_TARGET, V4_JWT, V4_TARGET, bearer, v4};

#[tokio::test]
async fn an_unknown_path_without_credentials_is_refused_before_it_is_looked_up() {
    let app = app().await;
    let answer = send(&root(&app, now()), "GET", "/nowhere", &[], "").await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.json["type"], "error");
}

#[tokio::test]
async fn a_token_signed_with_the_wrong_secret_is_refused() {
    let app = app().await;
    let t = now();
    let headers = signed_headers("GET", V4_TARGET, &[], "", APP_ID, "not-the-secret", t);
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = send(&root(&app, t), "GET", V4_TARGET, &refs, "").await;
    assert_eq!(answer.status, 401);
    assert!(
        answer.diagnostic().starts_with("reason=bad_signature"),
        "{}",
        answer.diagnostic()
    );
}

#[tokio::test]
async fn a_token_sent_with_another_apps_id_is_refused() {
    let app = app().await;
    let answer = v4(
        &root(&app, 1_700_000_300),
        "pbx.example.com",
        "s2s-other-0002",
        V4_JWT,
    )
    .await;
    assert_eq!(answer.status, 401);
    let unknown = v4(
        &root(&app, 1_700_000_300),
        "pbx.example.com",
        "s2s-nobody",
        V4_JWT,
    )
    .await;
    assert_eq!(unknown.status, 401);
    assert!(unknown.diagnostic().starts_with("reason=unknown_app"));
}

fn with_header(jwt: &str, header: &str) -> String {
    let (_, rest) = jwt.split_once('.').unwrap_or_default();
    format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header))
}

#[tokio::test]
async fn alg_none_and_hs512_tokens_are_refused() {
    let app = app().await;
    let router = root(&app, 1_700_000_300);
    let none = with_header(V4_JWT, r#"{"typ":"JWT","alg":"none"}"#);
    let none = format!(
        "{}.",
        none.rsplit_once('.').map_or(none.as_str(), |(a, _)| a)
    );
    for jwt in [none, with_header(V4_JWT, r#"{"typ":"JWT","alg":"HS512"}"#)] {
        let answer = v4(&router, "pbx.example.com", APP_ID, &jwt).await;
        assert_eq!(answer.status, 401, "{jwt}");
        assert!(
            answer.diagnostic().contains("unsupported_alg")
                || answer.diagnostic().contains("bad_encoding"),
            "{}",
            answer.diagnostic()
        );
    }
}

#[tokio::test]
async fn an_expired_token_is_refused_after_the_leeway() {
    let app = app().await;
    // exp = 1700000600; leeway 60 s: accepted at exp + 59, refused at exp + 60.
    let late = v4(
        &root(&app, 1_700_000_659),
        "pbx.example.com",
        APP_ID,
        V4_JWT,
    )
    .await;
    assert_eq!(late.status, 200);
    let expired = v4(
        &root(&app, 1_700_000_660),
        "pbx.example.com",
        APP_ID,
        V4_JWT,
    )
    .await;
    assert_eq!(expired.status, 401);
    assert!(expired.diagnostic().starts_with("reason=expired"));
    assert_eq!(expired.reason(), "Token expired");
}

#[tokio::test]
async fn a_token_issued_in_the_future_beyond_the_leeway_is_refused() {
    let app = app().await;
    let early = v4(
        &root(&app, 1_700_000_300 - 61),
        "pbx.example.com",
        APP_ID,
        V4_JWT,
    )
    .await;
    assert_eq!(early.status, 401);
    assert!(early.diagnostic().starts_with("reason=not_yet_valid"));
}

#[tokio::test]
async fn a_parameter_changed_after_signing_is_refused_with_the_canonical_string() {
    let app = app().await;
    let auth = bearer(V1_JWT);
    let tampered = V1_TARGET.replace("count=50", "count=99");
    let answer = send(
        &root(&app, 1_700_000_000),
        "GET",
        &tampered,
        &[
            ("Host", "pbx.example.com"),
            ("X-APP-ID", APP_ID),
            ("Authorization", &auth),
        ],
        "",
    )
    .await;
    assert_eq!(answer.status, 401);
    assert!(answer.diagnostic().starts_with("reason=mismatch"));
    assert!(
        answer.diagnostic().contains("count:99;"),
        "{}",
        answer.diagnostic()
    );
}

#[tokio::test]
async fn a_signed_header_altered_in_transit_is_refused() {
    let app = app().await;
    let answer = v4(
        &root(&app, 1_700_000_300),
        "evil.example.com",
        APP_ID,
        V4_JWT,
    )
    .await;
    assert_eq!(answer.status, 401);
    assert!(answer.diagnostic().starts_with("reason=mismatch"));
}

#[tokio::test]
async fn a_replayed_token_is_refused_when_the_replay_cache_is_on() {
    let mut config = Config::default();
    config.wildix.replay_cache = true;
    let app = app_with(config).await;
    let router = root(&app, 1_700_000_300);
    assert_eq!(
        v4(&router, "pbx.example.com", APP_ID, V4_JWT).await.status,
        200
    );
    let again = v4(&router, "pbx.example.com", APP_ID, V4_JWT).await;
    assert_eq!(again.status, 401);
    assert!(again.diagnostic().starts_with("reason=replayed"));
}

#[tokio::test]
async fn without_sandbox_diagnostics_the_reason_is_generic_and_no_header_is_sent() {
    let app = app().await;
    let mut state = app
        .state
        .clone()
        .with_clock(gatehouse_server::state::Clock::Fixed(1_700_000_900));
    state.diagnostics = DiagnosticsMode::Off;
    let router = gatehouse_server::dialect_app(state, "wildix").unwrap();
    let answer = v4(&router, "pbx.example.com", APP_ID, V4_JWT).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.json,
        serde_json::json!({"type":"error","reason":"Authentication failed"})
    );
    assert_eq!(answer.diagnostic(), "");
}

#[tokio::test]
async fn behind_the_mount_the_client_signs_the_mounted_path() {
    let app = app().await;
    let t = now();
    let router = shared(&app, t);
    let mounted = call(
        &router,
        "GET",
        "/wildix/api/v1/PBX/settings/CallQueues/",
        "",
        t,
    )
    .await;
    assert_eq!(mounted.status, 200, "{}", mounted.json);
    // A token for the bare path does not verify behind the mount (D3).
    let headers = signed_headers("GET", V4_TARGET, &[], "", APP_ID, SECRET, t);
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = send(
        &router,
        "GET",
        "/wildix/api/v1/PBX/settings/CallQueues/",
        &refs,
        "",
    )
    .await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_in_the_envelope() {
    let app = app().await;
    let big = "a=".to_owned() + &"x".repeat(3 * 1024 * 1024);
    let answer = send(
        &root(&app, now()),
        "POST",
        "/api/v1/Originate",
        &[FORM],
        &big,
    )
    .await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json["type"], "error");
}

#[tokio::test]
async fn with_iss_check_enforce_a_token_of_another_name_is_refused() {
    let mut config = Config::default();
    config.wildix.iss_check = gatehouse_server::config::IssMode::Enforce;
    let app = app_with(config).await;
    let owner = app.add_user("renamed", "pw-renamed-1").await;
    // The same secret under another app name: the signature holds, the issuer does not.
    app.store()
        .issue_credential(gatehouse_domain::NewCredential {
            kind: gatehouse_domain::CredentialKind::WildixApp,
            owner: owner.id,
            public_id: "s2s-renamed-0003".into(),
            label: "renamed-crm".into(),
            secret: gatehouse_domain::Secret::new(SECRET.to_owned()),
            allowed_cidrs: Vec::new(),
            expires_at: None,
        })
        .await
        .unwrap();
    let t = now();
    let headers = signed_headers("GET", V4_TARGET, &[], "", "s2s-renamed-0003", SECRET, t);
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = send(&root(&app, t), "GET", V4_TARGET, &refs, "").await;
    assert_eq!(answer.status, 401);
    assert!(
        answer.diagnostic().starts_with("reason=iss_mismatch"),
        "{}",
        answer.diagnostic()
    );
}

#[tokio::test]
async fn with_iss_check_log_a_token_of_another_name_is_accepted() {
    let app = app().await;
    let owner = app.add_user("renamed", "pw-renamed-1").await;
    app.store()
        .issue_credential(gatehouse_domain::NewCredential {
            kind: gatehouse_domain::CredentialKind::WildixApp,
            owner: owner.id,
            public_id: "s2s-renamed-0003".into(),
            label: "renamed-crm".into(),
            secret: gatehouse_domain::Secret::new(SECRET.to_owned()),
            allowed_cidrs: Vec::new(),
            expires_at: None,
        })
        .await
        .unwrap();
    let t = now();
    let headers = signed_headers("GET", V4_TARGET, &[], "", "s2s-renamed-0003", SECRET, t);
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = send(&root(&app, t), "GET", V4_TARGET, &refs, "").await;
    assert_eq!(answer.status, 200, "{}", answer.json);
}

#[tokio::test]
async fn a_revoked_application_is_refused() {
    let app = app().await;
    let cred = app.store().credential(APP_ID).await.unwrap().unwrap();
    app.store().revoke_credential(cred.id).await.unwrap();
    let answer = v4(
        &root(&app, 1_700_000_300),
        "pbx.example.com",
        APP_ID,
        V4_JWT,
    )
    .await;
    assert_eq!(answer.status, 401);
    assert!(answer.diagnostic().starts_with("reason=revoked"));
}
