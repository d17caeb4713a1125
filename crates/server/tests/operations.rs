//! Operations endpoints and the layers every listener has.

use gatehouse_testkit::TestApp;

#[tokio::test]
async fn healthz_answers_ok_when_the_store_answers() {
    let app = TestApp::new().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_sensible_caller_id() {
    let app = TestApp::new().await;
    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!id.is_empty());
    let kept = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "caller-7")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "caller-7");
    let replaced = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "has space")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "has space");
}

#[tokio::test]
async fn unknown_paths_answer_json_404() {
    let app = TestApp::new().await;
    let response = app
        .client
        .post(app.url("/corebos/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not found");
}

#[tokio::test]
async fn test_apps_are_isolated_from_each_other() {
    let one = TestApp::new().await.with_user("alice", "pw").await;
    let two = TestApp::new().await;
    let name = gatehouse_domain::Username::parse("alice").unwrap();
    assert!(one.store().user_by_username(&name).await.unwrap().is_some());
    assert!(two.store().user_by_username(&name).await.unwrap().is_none());
}
