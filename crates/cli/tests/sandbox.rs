//! `gatehouse sandbox`: readiness, the credentials file, operations endpoints, signals.

use std::time::Duration;

use gatehouse_testkit::Sandbox;

use crate::bin;

#[tokio::test]
async fn the_sandbox_writes_every_key_of_the_credentials_contract_and_answers_healthz() {
    let sandbox = Sandbox::start(bin()).await.unwrap();
    let c = &sandbox.credentials;
    assert!(
        sandbox.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        sandbox.base_url
    );
    for pointer in [
        "/chamilo/security_key",
        "/chamilo/password_encryption",
        "/chamilo/admin/username",
        "/chamilo/admin/password",
        "/chamilo/admin/api_key",
        "/corebos/username",
        "/corebos/access_key",
        "/forma/key",
        "/forma/secret",
        "/forma/sso_secret",
        "/forma/admin/username",
        "/forma/admin/password",
        "/wildix/app_id",
        "/wildix/app_name",
        "/wildix/secret",
    ] {
        let value = c.pointer(pointer).and_then(|v| v.as_str());
        assert!(
            value.is_some_and(|v| !v.is_empty()),
            "credentials file lacks {pointer}: {c:#}"
        );
    }
    assert_eq!(c["chamilo"]["password_encryption"], "sha1");
    assert_eq!(c["chamilo"]["admin"]["username"], "admin");
    assert_eq!(c["chamilo"]["url"], format!("{}/chamilo", sandbox.base_url));
    let api_key = c["chamilo"]["admin"]["api_key"].as_str().unwrap();
    assert!(api_key.len() == 32 && api_key.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!c["corebos"]["access_key"].as_str().unwrap().contains("rn"));
    assert!(
        c["wildix"]["app_id"]
            .as_str()
            .unwrap()
            .starts_with("s2s-sandbox-")
    );

    let response = reqwest::get(sandbox.url("/healthz")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn metrics_count_requests_per_dialect_and_outcome() {
    let sandbox = Sandbox::start(bin()).await.unwrap();
    reqwest::get(sandbox.url("/healthz")).await.unwrap();
    reqwest::get(sandbox.url("/no/such/path")).await.unwrap();
    let text = reqwest::get(sandbox.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"gatehouse_requests_total{dialect="ops",outcome="ok"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"gatehouse_requests_total{dialect="ops",outcome="client_error"}"#),
        "{text}"
    );
    assert!(
        text.contains("gatehouse_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_paths_get_a_json_404_not_a_framework_page() {
    let sandbox = Sandbox::start(bin()).await.unwrap();
    let response = reqwest::get(sandbox.url("/wp-admin/")).await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not found");
}

#[tokio::test]
async fn the_sandbox_stops_cleanly_on_sigterm_and_sigint() {
    for signal in ["-TERM", "-INT"] {
        let mut sandbox = Sandbox::start(bin()).await.unwrap();
        let pid = sandbox.pid().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = sandbox.wait_exit(Duration::from_secs(20)).await.unwrap();
        assert!(
            exit.success(),
            "{signal}: {exit:?}; stderr: {}",
            sandbox.stderr()
        );
    }
}

#[tokio::test]
async fn a_kept_data_dir_is_reused_with_the_same_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let first = Sandbox::start_with(bin(), &["--data-dir", data], &[])
        .await
        .unwrap();
    let key = first.credentials["chamilo"]["security_key"].clone();
    let api_key = first.credentials["chamilo"]["admin"]["api_key"].clone();
    drop(first);
    let second = Sandbox::start_with(bin(), &["--data-dir", data], &[])
        .await
        .unwrap();
    assert_eq!(second.credentials["chamilo"]["security_key"], key);
    assert_eq!(second.credentials["chamilo"]["admin"]["api_key"], api_key);
}
