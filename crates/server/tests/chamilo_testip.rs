//! `testip.php` reports the IP the SOAP key check uses.

use gatehouse_server::config::Config;
use gatehouse_testkit::TestApp;

const TESTIP: &str = "/chamilo/main/webservices/testip.php";

#[tokio::test]
async fn testip_reports_the_peer_address_as_bare_text() {
    let app = TestApp::new().await;
    let response = app.client.get(app.url(TESTIP)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=UTF-8"
    );
    assert_eq!(response.text().await.unwrap(), "127.0.0.1");
}

#[tokio::test]
async fn a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing() {
    let app = TestApp::new().await;
    let response = app
        .client
        .get(app.url(TESTIP))
        .header("x-forwarded-for", "203.0.113.10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "127.0.0.1");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_reported() {
    let config = Config {
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let response = app
        .client
        .post(app.url(TESTIP))
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "203.0.113.10");
}
