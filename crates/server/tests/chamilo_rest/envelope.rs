//! The envelope: status, headers, PHP JSON, and gatehouse's own failures in it (D9).

use gatehouse_testkit::TestApp;

use super::support::{V2, admin, call, post, post_to};

#[tokio::test]
async fn an_unknown_action_answers_invalid_action_with_http_200_json_and_cors() {
    let app = TestApp::new().await;
    let reply = post(&app, &[("action", "drop_tables")]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
    assert!(reply.headers.contains_key("x-request-id"));
    assert_eq!(reply.body, r#"{"error":true,"message":"Invalid action"}"#);
}

#[tokio::test]
async fn any_method_reaches_the_endpoint() {
    let app = TestApp::new().await;
    let response = app
        .client
        .get(format!("{}?action=nothing", app.url(V2)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":true,"message":"Invalid action"}"#
    );
}

#[tokio::test]
async fn a_body_over_two_mebibytes_answers_in_the_envelope() {
    let app = TestApp::new().await;
    let body = format!(
        "action=username_exist&loginname={}",
        "x".repeat(3 * 1024 * 1024)
    );
    let reply = post_to(&app, "", body).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        r#"{"error":true,"message":"Request body too large (limit 2097152 bytes)"}"#
    );
}

#[tokio::test]
async fn routing_parameters_can_come_from_the_query_string_and_the_hash_json() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let hash = serde_json::json!({"action": "username_exist", "username": "admin", "api_key": key});
    let query = format!("hash={}", super::support::encode(&hash.to_string()));
    let reply = post_to(&app, &query, "loginname=admin".into()).await;
    assert_eq!(reply.body, r#"{"error":false,"data":[true]}"#);
}

#[tokio::test]
async fn slashes_and_non_ascii_text_are_escaped_as_php_json_encode_does() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let reply = call(
        &app,
        "admin",
        &key,
        "save_course",
        &[("title", "Álgebra 1/2"), ("wanted_code", "ALG")],
    )
    .await;
    assert!(
        reply.body.contains(r#""title_course":"\u00c1lgebra 1\/2""#),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn an_unknown_routing_course_or_session_is_refused_with_chamilos_texts() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let reply = call(&app, "admin", &key, "get_courses", &[("course", "999")]).await;
    assert_eq!(
        reply.body,
        r#"{"error":true,"message":"This course could not be found"}"#
    );
    let reply = call(&app, "admin", &key, "get_courses", &[("session", "999")]).await;
    assert_eq!(
        reply.body,
        r#"{"error":true,"message":"The session could not be found"}"#
    );
}
