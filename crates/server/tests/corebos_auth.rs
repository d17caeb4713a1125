//! coreBOS challenge login, sessions and transport (specs/corebos.md §1–§7; D1, D7, D9, D18).

use std::time::Duration;

use gatehouse_domain::{Secret, SessionKind, UserPatch};
use gatehouse_server::config::Config;

use crate::corebos_support::{Crm, WS, error, proof};

#[tokio::test]
async fn getchallenge_returns_a_fresh_hex_token_with_a_string_expire_time() {
    let crm = Crm::new().await;
    let (_, first) = crm
        .get(&[("operation", "getchallenge"), ("username", "admin")])
        .await;
    let token = first["result"]["token"].as_str().unwrap();
    assert_eq!(token.len(), 13);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert!(first["result"]["serverTime"].is_i64());
    let expire: i64 = first["result"]["expireTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        expire - first["result"]["serverTime"].as_i64().unwrap(),
        300
    );
    let second = crm.challenge("admin").await;
    assert_ne!(token, second);
}

#[tokio::test]
async fn vtiger_mode_sends_expire_time_as_a_number() {
    let mut config = Config::default();
    config.corebos.challenge_mode = gatehouse_server::dialects::corebos::ChallengeMode::Vtiger;
    let crm = Crm::with_config(config).await;
    let (_, json) = crm
        .get(&[("operation", "getchallenge"), ("username", "admin")])
        .await;
    assert!(json["result"]["expireTime"].is_i64());
}

#[tokio::test]
async fn getchallenge_for_an_unknown_user_echoes_the_name() {
    let crm = Crm::new().await;
    let (body, _) = crm
        .get(&[("operation", "getchallenge"), ("username", "nobody")])
        .await;
    assert_eq!(
        body,
        error(
            "AUTHENTICATION_REQUIRED",
            "Given user cannot be found: nobody"
        )
    );
}

#[tokio::test]
async fn login_answers_a_login_result_with_string_ids() {
    let crm = Crm::new().await;
    let token = crm.challenge("admin").await;
    let (body, json) = crm
        .post(&[
            ("operation", "login"),
            ("username", "admin"),
            ("accessKey", &proof(&token, &crm.admin_key)),
        ])
        .await;
    let sid = json["result"]["sessionName"].as_str().unwrap();
    assert_eq!(sid.len(), 26);
    assert_eq!(
        body,
        format!(
            r#"{{"success":true,"result":{{"sessionName":"{sid}","userId":"19x1","version":"0.22","vtigerVersion":"5.5.0"}},"moreinfo":null}}"#
        )
    );
}

#[tokio::test]
async fn fifty_parallel_logins_of_one_user_all_succeed() {
    let crm = std::sync::Arc::new(Crm::new().await);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let crm = crm.clone();
        tasks.spawn(async move {
            let key = crm.admin_key.clone();
            crm.login("admin", &key).await
        });
    }
    let mut sessions = std::collections::BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        sessions.insert(done.unwrap());
    }
    assert_eq!(sessions.len(), 50);
}

#[tokio::test]
async fn a_used_challenge_cannot_log_in_twice() {
    let crm = Crm::new().await;
    let token = crm.challenge("admin").await;
    let login = [
        ("operation", "login"),
        ("username", "admin"),
        ("accessKey", &proof(&token, &crm.admin_key)),
    ];
    let (_, first) = crm.post(&login).await;
    assert_eq!(first["success"], true);
    let (body, _) = crm.post(&login).await;
    assert_eq!(
        body,
        error(
            "INVALID_AUTH_TOKEN",
            "Specified token is invalid or expired"
        )
    );
}

#[tokio::test]
async fn an_expired_challenge_is_an_invalid_auth_token() {
    let mut config = Config::default();
    config.corebos.challenge_ttl = 1;
    let crm = Crm::with_config(config).await;
    let token = crm.challenge("admin").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (body, _) = crm
        .post(&[
            ("operation", "login"),
            ("username", "admin"),
            ("accessKey", &proof(&token, &crm.admin_key)),
        ])
        .await;
    assert_eq!(
        body,
        error(
            "INVALID_AUTH_TOKEN",
            "Specified token is invalid or expired"
        )
    );
}

#[tokio::test]
async fn a_wrong_key_is_invalid_user_credentials_with_a_diagnostic() {
    let crm = Crm::new().await;
    let token = crm.challenge("admin").await;
    let response = crm
        .app
        .client
        .post(crm.app.url(WS))
        .form(&[
            ("operation", "login"),
            ("username", "admin"),
            ("accessKey", &proof(&token, "wrong")),
        ])
        .send()
        .await
        .unwrap();
    let diagnostic = response.headers()["x-gatehouse-diagnostic"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        diagnostic.starts_with(&format!(
            "reason=mismatch; canonical=\"{token}{{access_key}}\"; expected=\""
        )),
        "{diagnostic}"
    );
    assert_eq!(
        response.text().await.unwrap(),
        error("INVALID_USER_CREDENTIALS", "Invalid username or password")
    );
}

#[tokio::test]
async fn an_uppercase_proof_is_refused() {
    let crm = Crm::new().await;
    let token = crm.challenge("admin").await;
    let (body, _) = crm
        .post(&[
            ("operation", "login"),
            ("username", "admin"),
            ("accessKey", &proof(&token, &crm.admin_key).to_uppercase()),
        ])
        .await;
    assert_eq!(
        body,
        error("INVALID_USER_CREDENTIALS", "Invalid username or password")
    );
}

#[tokio::test]
async fn login_checks_run_in_core_bos_order() {
    let crm = Crm::new().await;
    let (body, _) = crm
        .post(&[
            ("operation", "login"),
            ("username", "ghost"),
            ("accessKey", "x"),
        ])
        .await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Given user cannot be found")
    );
    // A wrong hash before any getchallenge is INVALID_AUTH_TOKEN.
    let (body, _) = crm
        .post(&[
            ("operation", "login"),
            ("username", "alice"),
            ("accessKey", "x"),
        ])
        .await;
    assert_eq!(
        body,
        error(
            "INVALID_AUTH_TOKEN",
            "Specified token is invalid or expired"
        )
    );
    // A user without an access key.
    crm.app.add_user("nokey", "No-Key-Pass-1").await;
    crm.challenge("nokey").await;
    let (body, _) = crm
        .post(&[
            ("operation", "login"),
            ("username", "nokey"),
            ("accessKey", "x"),
        ])
        .await;
    assert_eq!(
        body,
        error(
            "ACCESSKEY_UNDEFINED",
            "Access key for the user is undefined"
        )
    );
}

#[tokio::test]
async fn an_inactive_user_with_the_right_key_is_refused_as_inactive() {
    let crm = Crm::new().await;
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    crm.app
        .store()
        .update_user(crm.alice.id, patch)
        .await
        .unwrap();
    let token = crm.challenge("alice").await;
    let (body, _) = crm
        .post(&[
            ("operation", "login"),
            ("username", "alice"),
            ("accessKey", &proof(&token, &crm.alice_key)),
        ])
        .await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Given user is inactive")
    );
}

#[tokio::test]
async fn an_unknown_session_is_authentication_required() {
    let crm = Crm::new().await;
    let (body, _) = crm
        .get(&[("operation", "listtypes"), ("sessionName", "nosuchsession")])
        .await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Authentication required")
    );
    let (body, _) = crm.get(&[("operation", "listtypes")]).await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Authentication required")
    );
}

#[tokio::test]
async fn an_idle_session_expires_but_a_busy_one_slides() {
    let mut config = Config::default();
    config.corebos.session_idle = 2;
    let crm = Crm::with_config(config).await;
    let busy = crm.admin_session().await;
    let idle = crm.admin_session().await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        let (_, json) = crm
            .get(&[("operation", "listtypes"), ("sessionName", &busy)])
            .await;
        assert_eq!(json["success"], true);
    }
    let (body, _) = crm
        .get(&[("operation", "listtypes"), ("sessionName", &idle)])
        .await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Authentication required")
    );
}

#[tokio::test]
async fn a_session_past_its_absolute_lifetime_is_refused_however_busy() {
    let mut config = Config::default();
    config.corebos.session_lifetime = 2;
    let crm = Crm::with_config(config).await;
    let sid = crm.admin_session().await;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(800)).await;
        let (_, json) = crm
            .get(&[("operation", "listtypes"), ("sessionName", &sid)])
            .await;
        assert_eq!(json["success"], true);
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (body, _) = crm
        .get(&[("operation", "listtypes"), ("sessionName", &sid)])
        .await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Authentication required")
    );
}

#[tokio::test]
async fn logout_ends_the_session_with_successfull() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (body, _) = crm
        .post(&[("operation", "logout"), ("sessionName", &sid)])
        .await;
    assert_eq!(
        body,
        r#"{"success":true,"result":{"message":"successfull"},"moreinfo":null}"#
    );
    let (body, _) = crm
        .get(&[("operation", "listtypes"), ("sessionName", &sid)])
        .await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Authentication required")
    );
}

#[tokio::test]
async fn the_session_header_is_accepted_in_both_spellings() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    for header in ["corebos-authorization", "corebos_authorization"] {
        let response = crm
            .app
            .client
            .get(crm.app.url(WS))
            .query(&[("operation", "listtypes")])
            .header(header, &sid)
            .send()
            .await
            .unwrap();
        let (_, json) = crate::corebos_support::body(response).await;
        assert_eq!(json["success"], true, "{header}");
    }
}

#[tokio::test]
async fn extendsession_swaps_a_web_session_cookie_for_a_webservice_session() {
    let crm = Crm::new().await;
    let (body, _) = crm.post(&[("operation", "extendsession")]).await;
    assert_eq!(
        body,
        error("AUTHENTICATION_REQUIRED", "Authentication required")
    );
    let cookie = "webcookievalue0123456789ab";
    crm.app
        .store()
        .open_session(
            SessionKind::Web,
            &Secret::new(cookie),
            crm.alice.id,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let response = crm
        .app
        .client
        .post(crm.app.url(WS))
        .header("cookie", format!("gatehouse_session={cookie}"))
        .form(&[("operation", "extendsession")])
        .send()
        .await
        .unwrap();
    let (_, json) = crate::corebos_support::body(response).await;
    assert_eq!(json["result"]["userId"], format!("19x{}", crm.alice.id));
    let sid = json["result"]["sessionName"].as_str().unwrap();
    let (_, json) = crm
        .get(&[("operation", "listtypes"), ("sessionName", sid)])
        .await;
    assert_eq!(json["success"], true);
}

#[tokio::test]
async fn operation_names_are_case_insensitive_and_unknown_ones_refused() {
    let crm = Crm::new().await;
    let (_, json) = crm
        .get(&[("operation", "GETCHALLENGE"), ("username", "admin")])
        .await;
    assert_eq!(json["success"], true);
    let (body, _) = crm.get(&[("operation", "frobnicate")]).await;
    assert_eq!(
        body,
        error("UNKNOWN_OPERATION", "Unknown operation requested")
    );
}

#[tokio::test]
async fn a_json_body_with_an_operation_is_read() {
    let crm = Crm::new().await;
    let response = crm
        .app
        .client
        .post(crm.app.url(WS))
        .header("content-type", "application/json")
        .body(r#"{"operation":"getchallenge","username":"admin"}"#)
        .send()
        .await
        .unwrap();
    let (_, json) = crate::corebos_support::body(response).await;
    assert_eq!(json["success"], true);
}

#[tokio::test]
async fn a_ten_megabyte_body_is_an_invalid_parameter_envelope() {
    let crm = Crm::new().await;
    let big = format!(
        "operation=getchallenge&username=admin&pad={}",
        "a".repeat(10 << 20)
    );
    let response = crm
        .app
        .client
        .post(crm.app.url(WS))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    let (body, _) = crate::corebos_support::body(response).await;
    assert_eq!(
        body,
        error(
            "INVALID_PARAMETER",
            "Request body too large (limit 2097152 bytes)"
        )
    );
}

#[tokio::test]
async fn options_answers_an_empty_200() {
    let crm = Crm::new().await;
    let response = crm
        .app
        .client
        .request(reqwest::Method::OPTIONS, crm.app.url(WS))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn logins_and_refused_sessions_leave_audit_events() {
    let crm = Crm::new().await;
    crm.admin_session().await;
    crm.get(&[("operation", "listtypes"), ("sessionName", "nosuchsession")])
        .await;
    let events = crm
        .app
        .audit_events(gatehouse_domain::AuditQuery::default())
        .await
        .unwrap();
    let seen: Vec<(String, String, String)> = events
        .iter()
        .filter(|e| e.event.dialect == "corebos")
        .map(|e| {
            (
                e.event.scheme.clone(),
                e.event.operation.clone(),
                e.event.reason.clone(),
            )
        })
        .collect();
    assert!(
        seen.contains(&("challenge".into(), "login".into(), "ok".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            "session".into(),
            "listtypes".into(),
            "unknown_session".into()
        )),
        "{seen:?}"
    );
}

#[tokio::test]
async fn repeated_wrong_keys_lock_the_name_and_the_right_key_then_gets_the_same_answer() {
    let crm = Crm::new().await;
    let token = crm.challenge("admin").await;
    let threshold = crm.app.state.config.guard.lockout_threshold;
    for _ in 0..threshold {
        let (body, _) = crm
            .post(&[
                ("operation", "login"),
                ("username", "admin"),
                ("accessKey", &proof(&token, "wrong")),
            ])
            .await;
        assert_eq!(
            body,
            error("INVALID_USER_CREDENTIALS", "Invalid username or password")
        );
    }
    let response = crm
        .app
        .client
        .post(crm.app.url(WS))
        .form(&[
            ("operation", "login"),
            ("username", "admin"),
            ("accessKey", &proof(&token, &crm.admin_key)),
        ])
        .send()
        .await
        .unwrap();
    let diagnostic = response.headers()["x-gatehouse-diagnostic"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(diagnostic.starts_with("reason=locked_out"), "{diagnostic}");
    assert!(diagnostic.contains("locked_until="), "{diagnostic}");
    assert_eq!(
        response.text().await.unwrap(),
        error("INVALID_USER_CREDENTIALS", "Invalid username or password")
    );
    // The IP is locked too (D8); another user from another address is not affected (D7).
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let (_, challenge) = crate::corebos_support::body(
        other
            .get(crm.app.url(WS))
            .query(&[("operation", "getchallenge"), ("username", "alice")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = challenge["result"]["token"].as_str().unwrap();
    let (text, json) = crate::corebos_support::body(
        other
            .post(crm.app.url(WS))
            .form(&[
                ("operation", "login"),
                ("username", "alice"),
                ("accessKey", &proof(token, &crm.alice_key)),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(json["success"], true, "{text}");
}

#[tokio::test]
async fn password_login_checks_the_shared_way_and_upgrades_a_legacy_hash() {
    let mut config = Config::default();
    config.corebos.password_login = true;
    let crm = Crm::with_config(config).await;
    let store = crm.app.store();
    // A user imported with an unsalted md5 hash: md5("password").
    let mut new = gatehouse_domain::NewUser::new(gatehouse_domain::Username::parse("bob").unwrap());
    new.password = Some(gatehouse_domain::PasswordHash::Md5 {
        hex: "5f4dcc3b5aa765d61d8327deb882cf99".into(),
        salt: None,
    });
    let bob = store.create_user(new).await.unwrap();
    let (body, _) = password_login(&crm, "wrong").await;
    assert_eq!(
        body,
        error("INVALID_USER_CREDENTIALS", "Invalid username or password")
    );
    let (body, json) = password_login(&crm, "password").await;
    assert_eq!(json["success"], true, "{body}");
    // The right password under a legacy hash is re-hashed with Argon2id.
    let stored = store.user(bob.id).await.unwrap().unwrap().password;
    assert!(
        matches!(stored, Some(gatehouse_domain::PasswordHash::Argon2(_))),
        "{stored:?}"
    );
    let (body, json) = password_login(&crm, "password").await;
    assert_eq!(json["success"], true, "{body}");
    // Without a password nothing matches: the same answer as a wrong one.
    let patch = UserPatch {
        password: Some(None),
        ..Default::default()
    };
    store.update_user(bob.id, patch).await.unwrap();
    let (body, _) = password_login(&crm, "password").await;
    assert_eq!(
        body,
        error("INVALID_USER_CREDENTIALS", "Invalid username or password")
    );
}

/// `login` as bob with `accessKey = token + password` after a fresh challenge.
async fn password_login(crm: &Crm, password: &str) -> (String, serde_json::Value) {
    let key = format!("{}{password}", crm.challenge("bob").await);
    crm.post(&[
        ("operation", "login"),
        ("username", "bob"),
        ("accessKey", &key),
    ])
    .await
}
