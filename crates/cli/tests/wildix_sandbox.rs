//! The sandbox's own Wildix listener (D14): the credentials file's `wildix.url` serves Wildix
//! at `/`, with the demo queues, to a request signed fresh with the sandbox application.

use gatehouse_schemes::wildix::{self, RawRequest};
use gatehouse_testkit::Sandbox;

use crate::bin;

#[tokio::test]
async fn the_sandbox_wildix_url_serves_demo_queues_to_a_signed_request() {
    let sandbox = Sandbox::start(bin()).await.unwrap();
    let w = &sandbox.credentials["wildix"];
    let url = w["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_ne!(url, format!("{}/wildix", sandbox.base_url));
    let path = "/api/v1/PBX/settings/CallQueues/";
    let app_id = w["app_id"].as_str().unwrap();
    let headers = [("Host", &b"127.0.0.1"[..]), ("X-APP-ID", app_id.as_bytes())];
    let req = RawRequest {
        method: "GET",
        path,
        query: b"",
        headers: &headers,
        body: b"",
    };
    let now = chrono::Utc::now().timestamp();
    let signed = wildix::sign(
        &req,
        &["Host", "X-APP-ID"],
        w["app_name"].as_str().unwrap(),
        w["secret"].as_str().unwrap(),
        now,
        300,
    )
    .unwrap();
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{url}{path}"))
        .header("X-APP-ID", app_id)
        .header("Authorization", format!("Bearer {}", signed.token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    let names: Vec<&str> = body["result"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["name"].as_str())
        .collect();
    assert_eq!(names, ["Sales", "Support"], "{body}");

    // Every path there is Wildix's: unsigned, even an unknown one is refused first.
    let refused = client.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
}
