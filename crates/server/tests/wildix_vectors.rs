//! Every vector of specs/wildix.md §10 verifies against the server (Wildix at `/`, clock
//! fixed at the vector's time, requests rebuilt from the vector's wire form), and every
//! tampering the issue lists is refused with 401.

use crate::wildix_support::*;

pub const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

pub const V1_TARGET: &str = "/api/v1/PBX/CallHistory/?fields=id%2Cstart%2Cend%2Csrc%2Cdst&filter%5Bstart%5D%5Bfrom%5D=01%2F11%2F2023+00%3A00&filter%5Bstart%5D%5Bto%5D=02%2F11%2F2023+23%3A59&count=50&start=0";
pub const V1_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMzAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI4OGFhYWJiN2FjMzZjNTc4OTU1MTc0ZGE2MGVlNGM0MzFjNDMyMTVhZjI1YThmZmRlMzFmMDYzZTY0NjYwODgzIn19.GP0dqS_mNWAgKAbpfY8jb--ba2QL4jFcboYGiIFPx8I";
pub const V2_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDEwMCwiZXhwIjoxNzAwMDAwNDAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiJmYTVjYzdiYjRhOTliMmMxNTg5ZTEyY2UyNjgyMWVkOGU0N2JjNjUxYjk1MjM3N2M5MGZlNDQ3NWIyMTllYzFhIn19.MWQAFvebeZ9FU8XGfQB_dTPR4fZ9xTtzUlxJQMeGZzU";
pub const V2_BODY: &str =
    "channel=Local%2F1001%40users&context=users&exten=1002&priority=1&callerid=Acme+%3C1001%3E";
pub const V3_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDIwMCwiZXhwIjoxNzAwMDAwNTAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiQ29udGVudC1UeXBlIiwiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiIzMTkwNWU5YTA3MGI3MzlhM2Q0MjNkYTNmMTEzMzkwNjYyYTlkODg3MTFhZTNiZDFjMmZkMzZhNjhkYzA0MjVlIn19.h7M8ZLcYEHBsc5jNid27rhmOO2yrIgCRx67nNKbwVCs";
pub const V3_BODY: &str = r#"{"directory":"custom","filename":"welcome","text":"Welcome to Acme. Please hold.","voice":"en-US-Female"}"#;
pub const V4_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDMwMCwiZXhwIjoxNzAwMDAwNjAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI1MzI2OWM2NDc3MzEwYjY1ODQwNGJkNzg0ZjY2MmNlNTg3MWZmOTU1NmVlNjBhNmYxMWIyMGFiOTc1MDBiYzEzIn19.LYxreDbuY2GPjCYrS3breHKSikque-xNk9wTxqCL6cE";
pub const V4_TARGET: &str = "/api/v1/PBX/settings/CallQueues/";

/// `Bearer <jwt>`.
pub fn bearer(jwt: &str) -> String {
    format!("Bearer {jwt}")
}

/// Sends vector V4 with this host, app id and token.
pub async fn v4(router: &axum::Router, host: &str, app_id: &str, jwt: &str) -> Answer {
    let auth = bearer(jwt);
    send(
        router,
        "GET",
        V4_TARGET,
        &[
            ("Host", host),
            ("X-APP-ID", app_id),
            ("Authorization", &auth),
            FORM,
        ],
        "",
    )
    .await
}

#[tokio::test]
async fn vector_v1_call_history_with_a_nested_filter_verifies_with_host_port() {
    let app = app().await;
    let router = root(&app, 1_700_000_000);
    let auth = bearer(V1_JWT);
    // The client signs the host without its port; the request may carry one (D3).
    for host in ["pbx.example.com", "pbx.example.com:8443"] {
        let answer = send(
            &router,
            "GET",
            V1_TARGET,
            &[
                ("Host", host),
                ("X-APP-ID", APP_ID),
                ("Authorization", &auth),
                FORM,
            ],
            "",
        )
        .await;
        assert_eq!(answer.status, 200, "{host}: {}", answer.json);
        assert_eq!(answer.json["type"], "result");
        assert_eq!(answer.json["result"]["count"], 50);
    }
}

#[tokio::test]
async fn vector_v2_originate_with_a_form_body_verifies_and_is_recorded() {
    let app = app().await;
    let router = root(&app, 1_700_000_100);
    let auth = bearer(V2_JWT);
    let answer = send(
        &router,
        "POST",
        "/api/v1/Originate",
        &[
            ("Host", "pbx.example.com"),
            ("X-APP-ID", APP_ID),
            ("Authorization", &auth),
            FORM,
        ],
        V2_BODY,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(
        answer.json["result"]["message"],
        "Originate successfully queued"
    );
}

#[tokio::test]
async fn vector_v3_sounds_with_a_json_body_and_signed_content_type_verifies() {
    let app = app().await;
    let router = root(&app, 1_700_000_200);
    let auth = bearer(V3_JWT);
    let answer = send(
        &router,
        "POST",
        "/api/v1/Sounds/",
        &[
            ("Content-Type", "application/json"),
            ("Host", "pbx.example.com"),
            ("X-APP-ID", APP_ID),
            ("Authorization", &auth),
        ],
        V3_BODY,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["result"]["name"], "welcome");
    assert_eq!(answer.json["result"]["audio"], false);
}

#[tokio::test]
async fn vector_v4_call_queues_verifies() {
    let app = app().await;
    let answer = v4(
        &root(&app, 1_700_000_300),
        "pbx.example.com",
        APP_ID,
        V4_JWT,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(answer.json["result"]["records"].is_array());
}

#[tokio::test]
async fn the_upstream_check_vector_verifies_and_its_unknown_path_is_not_found() {
    let app = app().await;
    let owner = app.add_user("tester", "pw-tester-1").await;
    app.store()
        .issue_credential(gatehouse_domain::NewCredential {
            kind: gatehouse_domain::CredentialKind::WildixApp,
            owner: owner.id,
            public_id: "1234567890".into(),
            label: "test-1234567890".into(),
            secret: gatehouse_domain::Secret::new("foo_secret1234567890".to_owned()),
            allowed_cidrs: Vec::new(),
            expires_at: None,
        })
        .await
        .unwrap();
    let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ0ZXN0LTEyMzQ1Njc4OTAiLCJpYXQiOjE2OTc3MDAwMDAsImV4cCI6MTY5NzcwMDMwMCwic2lnbiI6eyJhbGciOiJzaGEyNTYiLCJoZWFkZXJzIjpbImNvbnRlbnQtdHlwZSIsIkhvc3QiLCJYLUFQUC1JRCJdLCJoYXNoIjoiZGE5ZTg3ZDE5NDMyZjdjZGM5NTQ5N2FmOTZiNDlkYzIxMWQ3ZjM4ZjRlZWMzNjE1NGI3ZWU0ZDM5MWYxZWRiZCJ9fQ.S4iRArzr4xJ9XeEO_rSuomiPbOgTSX6CJdFjD7lWDy8";
    let auth = bearer(jwt);
    let answer = send(
        &root(&app, 1_697_700_000),
        "POST",
        "/api/test/?a=one&b=two&c=3",
        &[
            ("content-type", "application/json"),
            ("Host", "host.com"),
            ("X-APP-ID", "1234567890"),
            ("Authorization", &auth),
        ],
        r#"{"field1":"value1","field2":{"a":"value2","b":{"c":"value3"}}}"#,
    )
    .await;
    // Verified first (D14): an unknown path on Wildix's listener is then 404.
    assert_eq!(answer.status, 404, "{}", answer.json);
    assert_eq!(
        answer.json,
        serde_json::json!({"type":"error","reason":"Not found"})
    );
}

#[tokio::test]
async fn every_captured_vector_request_in_fixtures_verifies_at_its_own_time() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/wildix");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".request.json") {
            continue;
        }
        let case: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let headers: Vec<(String, String)> = case["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_owned(),
                    h[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let app = app().await;
        let router = root(&app, case["now"].as_i64().unwrap());
        let method = case["method"].as_str().unwrap();
        let target = case["target"].as_str().unwrap();
        let body = case["body"].as_str().unwrap();
        let answer = send(&router, method, target, &refs, body).await;
        assert_eq!(answer.status, 200, "{}: {}", path.display(), answer.json);
        assert_eq!(answer.json["type"], "result", "{}", path.display());
        seen += 1;
    }
    assert_eq!(seen, 4);
}
