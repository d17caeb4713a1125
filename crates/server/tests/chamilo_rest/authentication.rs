//! `authenticate` and the `username` + `api_key` check: every way in and every refusal.

use chrono::{Duration, Utc};
use gatehouse_domain::{AuditQuery, CredentialKind, NewCredential, PasswordHash, Secret};
use gatehouse_server::config::Config;
use gatehouse_testkit::TestApp;

use super::support::{NOT_ALLOWED, Options, admin, api_key, call, post, user};

const INVALID_USER: &str = r#"{"error":true,"message":"Invalid user detected."}"#;
const INVALID_KEY: &str = r#"{"error":true,"message":"Invalid API key"}"#;

async fn authenticate(app: &TestApp, username: &str, password: &str) -> super::support::Reply {
    post(
        app,
        &[
            ("action", "authenticate"),
            ("username", username),
            ("password", password),
        ],
    )
    .await
}

#[tokio::test]
async fn authenticate_answers_the_portal_url_and_a_key_that_stays_the_same() {
    let app = TestApp::new().await;
    user(&app, "ann", "pw-ann", Options::default()).await;
    let first = authenticate(&app, "ann", "pw-ann").await;
    let key = first.data()["apiKey"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 32);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let host = app.base_url.trim_start_matches("http://");
    assert_eq!(
        first.body,
        format!(
            r#"{{"error":false,"data":{{"url":"http:\/\/{host}\/chamilo\/","apiKey":"{key}","gcmSenderId":""}}}}"#
        )
    );
    let second = authenticate(&app, "ANN", "pw-ann").await;
    assert_eq!(second.data()["apiKey"], key.as_str());
}

#[tokio::test]
async fn a_wrong_password_or_an_unknown_user_is_an_invalid_user_with_a_diagnostic() {
    let app = TestApp::new().await;
    user(&app, "ann", "pw-ann", Options::default()).await;
    let wrong = authenticate(&app, "ann", "nope").await;
    assert_eq!(wrong.status, 200);
    assert_eq!(wrong.body, INVALID_USER);
    assert_eq!(wrong.headers["x-gatehouse-diagnostic"], "reason=mismatch");
    let unknown = authenticate(&app, "nobody", "pw").await;
    assert_eq!(unknown.body, INVALID_USER);
    assert_eq!(
        unknown.headers["x-gatehouse-diagnostic"],
        "reason=unknown_user"
    );
    let empty = authenticate(&app, "ann", "").await;
    assert_eq!(empty.body, INVALID_USER);
}

#[tokio::test]
async fn the_password_is_read_from_the_body_only() {
    let app = TestApp::new().await;
    user(&app, "ann", "pw-ann", Options::default()).await;
    let reply = super::support::post_to(
        &app,
        "password=pw-ann",
        "action=authenticate&username=ann".into(),
    )
    .await;
    assert_eq!(reply.body, INVALID_USER);
}

#[tokio::test]
async fn inactive_and_expired_users_are_refused_even_with_the_right_password() {
    let app = TestApp::new().await;
    let inactive = Options {
        inactive: true,
        ..Options::default()
    };
    user(&app, "sleepy", "pw", inactive).await;
    let expired = Options {
        expires_at: Some(Utc::now() - Duration::days(1)),
        ..Options::default()
    };
    user(&app, "gone", "pw", expired).await;
    let reply = authenticate(&app, "sleepy", "pw").await;
    assert_eq!(reply.body, INVALID_USER);
    assert_eq!(reply.headers["x-gatehouse-diagnostic"], "reason=inactive");
    let reply = authenticate(&app, "gone", "pw").await;
    assert_eq!(reply.body, INVALID_USER);
    assert_eq!(reply.headers["x-gatehouse-diagnostic"], "reason=expired");
}

#[tokio::test]
async fn a_legacy_sha1_user_signs_in_with_the_plain_password_and_is_then_stored_as_argon2id() {
    // The user SOAP's WSCreateUserPasswordCrypted makes: sha1 hex stored verbatim, no salt.
    let app = TestApp::new().await;
    let sha1 = "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"; // sha1("password")
    let hash = PasswordHash::legacy_sha1(sha1, None).unwrap();
    let created = user(
        &app,
        "legacy",
        "",
        Options {
            hash: Some(hash),
            ..Options::default()
        },
    )
    .await;
    let key = api_key(&app, "legacy", "password").await;
    assert_eq!(key.len(), 32);
    let stored = app.store().user(created.id).await.unwrap().unwrap();
    assert!(
        matches!(stored.password, Some(PasswordHash::Argon2(ref phc)) if phc.starts_with("$argon2id$")),
        "{:?}",
        stored.password
    );
    assert_eq!(api_key(&app, "legacy", "password").await, key);
}

#[tokio::test]
async fn a_missing_wrong_or_foreign_api_key_is_an_invalid_api_key_not_a_500() {
    let app = TestApp::new().await;
    user(&app, "ann", "pw-ann", Options::default()).await;
    user(&app, "bob", "pw-bob", Options::default()).await;
    let bob_key = api_key(&app, "bob", "pw-bob").await;
    let missing = post(&app, &[("action", "user_profile"), ("username", "ann")]).await;
    assert_eq!(missing.status, 200);
    assert_eq!(missing.body, INVALID_KEY);
    assert_eq!(
        missing.headers["x-gatehouse-diagnostic"],
        "reason=missing_key"
    );
    let wrong = call(
        &app,
        "ann",
        "0123456789abcdef0123456789abcdef",
        "user_profile",
        &[],
    )
    .await;
    assert_eq!(wrong.body, INVALID_KEY);
    let foreign = call(&app, "ann", &bob_key, "user_profile", &[]).await;
    assert_eq!(foreign.body, INVALID_KEY);
    let unknown = call(&app, "nobody", &bob_key, "user_profile", &[]).await;
    assert_eq!(unknown.body, INVALID_KEY);
}

#[tokio::test]
async fn a_key_names_its_owner_in_any_case_and_stops_working_once_revoked_or_expired() {
    let app = TestApp::new().await;
    let ann = user(&app, "ann", "pw-ann", Options::default()).await;
    user(&app, "bob", "pw-bob", Options::default()).await;
    let key = api_key(&app, "ann", "pw-ann").await;
    let reason = |reply: &super::support::Reply| reply.headers["x-gatehouse-diagnostic"].clone();
    // The owner is compared as the username lookup compares: case-insensitively.
    let upper = call(&app, "ANN", &key, "user_profile", &[]).await;
    assert_eq!(upper.data()["username"], "ann", "{}", upper.body);
    for name in ["bob", "nobody", "not a name!"] {
        let reply = call(&app, name, &key, "user_profile", &[]).await;
        assert_eq!(reply.body, INVALID_KEY, "{name}");
        assert_eq!(reason(&reply), "reason=mismatch", "{name}");
    }
    // Expired: refused as such, for every action.
    let stale = "ffeeddccbbaa99887766554433221100";
    app.store()
        .issue_credential(NewCredential {
            kind: CredentialKind::ChamiloApiKey,
            owner: ann.id,
            public_id: "chamilo-api-key-stale".into(),
            label: String::new(),
            secret: Secret::new(stale),
            allowed_cidrs: vec![],
            expires_at: Some(Utc::now() - Duration::minutes(1)),
        })
        .await
        .unwrap();
    for action in ["user_profile", "username_exist"] {
        let reply = call(&app, "ann", stale, action, &[("loginname", "ann")]).await;
        assert_eq!(reply.body, INVALID_KEY, "{action}");
        assert_eq!(reason(&reply), "reason=expired", "{action}");
    }
    // Revoked: refused at once, however the key is spelled to the owner.
    let credential = app
        .store()
        .find_by_secret(CredentialKind::ChamiloApiKey, &Secret::new(key.clone()))
        .await
        .unwrap()
        .expect("issued");
    app.store().revoke_credential(credential.id).await.unwrap();
    for action in ["user_profile", "username_exist"] {
        let reply = call(&app, "Ann", &key, action, &[("loginname", "ann")]).await;
        assert_eq!(reply.body, INVALID_KEY, "{action}");
        assert_eq!(reason(&reply), "reason=revoked", "{action}");
    }
}

#[tokio::test]
async fn a_user_disabled_after_getting_a_key_can_no_longer_use_it() {
    let app = TestApp::new().await;
    let ann = user(&app, "ann", "pw-ann", Options::default()).await;
    let key = api_key(&app, "ann", "pw-ann").await;
    let patch = gatehouse_domain::UserPatch {
        active: Some(false),
        ..Default::default()
    };
    app.store().update_user(ann.id, patch).await.unwrap();
    let reply = call(&app, "ann", &key, "user_profile", &[]).await;
    assert_eq!(reply.body, INVALID_KEY);
}

#[tokio::test]
async fn non_administrators_are_refused_the_admin_actions() {
    let app = TestApp::new().await;
    user(&app, "ann", "pw-ann", Options::default()).await;
    let key = api_key(&app, "ann", "pw-ann").await;
    for action in [
        "save_user",
        "save_user_json",
        "save_user_get_apikey",
        "delete_user",
        "get_users",
        "save_course",
        "delete_course",
        "save_session",
        "get_sessions",
        "add_courses_session",
        "unsubscribe_users_from_session",
        "get_user_api_key",
        "get_users_api_keys",
    ] {
        let reply = call(&app, "ann", &key, action, &[]).await;
        assert_eq!(reply.body, NOT_ALLOWED, "{action}");
    }
}

#[tokio::test]
async fn every_decision_is_audited_with_its_reason() {
    let app = TestApp::new().await;
    user(&app, "ann", "pw-ann", Options::default()).await;
    authenticate(&app, "ann", "bad").await;
    let key = api_key(&app, "ann", "pw-ann").await;
    call(&app, "ann", &key, "user_profile", &[]).await;
    let events = app
        .audit_events(AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let seen: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e.event.scheme.clone(),
                e.event.operation.clone(),
                e.event.reason.clone(),
            )
        })
        .collect();
    assert!(
        seen.contains(&("password".into(), "authenticate".into(), "mismatch".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("password".into(), "authenticate".into(), "ok".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("api_key".into(), "user_profile".into(), "ok".into())),
        "{seen:?}"
    );
    assert!(events.iter().all(|e| e.event.dialect == "chamilo-rest"));
}

#[tokio::test]
async fn a_key_bound_to_a_network_works_through_a_trusted_proxy_only() {
    let config = Config {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let ann = user(&app, "ann", "pw-ann", Options::default()).await;
    let key = "00112233445566778899aabbccddeeff";
    app.store()
        .issue_credential(NewCredential {
            kind: CredentialKind::ChamiloApiKey,
            owner: ann.id,
            public_id: "chamilo-api-key-bound".into(),
            label: String::new(),
            secret: Secret::new(key),
            allowed_cidrs: vec!["203.0.113.0/24".parse().unwrap()],
            expires_at: None,
        })
        .await
        .unwrap();
    let url = app.url(super::support::V2);
    let body = super::support::form(&[
        ("action", "user_profile"),
        ("username", "ann"),
        ("api_key", key),
    ]);
    let send = |xff: &'static str| {
        app.client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", xff)
            .body(body.clone())
            .send()
    };
    let inside = send("203.0.113.10").await.unwrap().text().await.unwrap();
    assert!(inside.starts_with(r#"{"error":false"#), "{inside}");
    let outside = send("198.51.100.1").await.unwrap().text().await.unwrap();
    assert_eq!(outside, INVALID_KEY);
}

#[tokio::test]
async fn the_sandbox_credentials_file_carries_the_key_authenticate_returns_for_admin() {
    let app = TestApp::new().await;
    let seeded = gatehouse_server::sandbox::seed(&app.state).await.unwrap();
    let file = seeded.credentials_file(&app.state, &app.base_url).unwrap();
    let key = api_key(
        &app,
        &file.chamilo.admin.username,
        &file.chamilo.admin.password,
    )
    .await;
    assert_eq!(key, file.chamilo.admin.api_key);
    let reply = call(&app, "admin", &key, "get_sessions", &[]).await;
    assert!(
        reply.body.starts_with(r#"{"error":false"#),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn the_admin_key_actions_need_webservice_enable_adminonly_api() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let reply = call(
        &app,
        "admin",
        &key,
        "get_user_api_key",
        &[("user", "admin")],
    )
    .await;
    assert_eq!(reply.body, NOT_ALLOWED);
}

#[tokio::test]
async fn after_ten_wrong_passwords_even_the_right_one_gets_the_wrong_answer_until_the_lockout_ends()
{
    let app = TestApp::new().await;
    user(&app, "ann", "pw-ann", Options::default()).await;
    for _ in 0..10 {
        assert_eq!(authenticate(&app, "ann", "guess").await.body, INVALID_USER);
    }
    let locked = authenticate(&app, "ann", "pw-ann").await;
    assert_eq!(locked.body, INVALID_USER);
    let diagnostic = locked.headers["x-gatehouse-diagnostic"].to_str().unwrap();
    assert!(
        diagnostic.starts_with("reason=locked_out; locked_until="),
        "{diagnostic}"
    );
}
