//! Helpers for the coreBOS tests: a client that speaks `webservice.php`.

use gatehouse_domain::{CredentialKind, User};
use gatehouse_server::config::Config;
use gatehouse_server::credentials::{IssueRequest, issue};
use gatehouse_testkit::TestApp;
use serde_json::Value;

/// The endpoint under the default mount.
pub const WS: &str = "/corebos/webservice.php";

/// A test app with one admin (`admin`) and one plain user (`alice`), each with an access key.
pub struct Crm {
    /// The running app.
    pub app: TestApp,
    /// The admin's access key.
    pub admin_key: String,
    /// Alice's access key.
    pub alice_key: String,
    /// Alice.
    pub alice: User,
}

impl Crm {
    /// Starts with the default configuration.
    pub async fn new() -> Self {
        Self::with_config(Config::default()).await
    }

    /// Starts with `config`.
    pub async fn with_config(config: Config) -> Self {
        let app = TestApp::with_config(config).await;
        let admin = app.add_user("admin", "Admin-Pass-1").await;
        let patch = gatehouse_domain::UserPatch {
            is_admin: Some(true),
            ..Default::default()
        };
        app.store().update_user(admin.id, patch).await.unwrap();
        let alice = app.add_user("alice", "Alice-Pass-1").await;
        let admin_key = access_key(&app, &admin).await;
        let alice_key = access_key(&app, &alice).await;
        Self {
            app,
            admin_key,
            alice_key,
            alice,
        }
    }

    /// GET with these parameters; returns the body text and its JSON.
    pub async fn get(&self, params: &[(&str, &str)]) -> (String, Value) {
        let response = self
            .app
            .client
            .get(self.app.url(WS))
            .query(params)
            .send()
            .await
            .unwrap();
        body(response).await
    }

    /// POST these parameters as a form.
    pub async fn post(&self, params: &[(&str, &str)]) -> (String, Value) {
        let response = self
            .app
            .client
            .post(self.app.url(WS))
            .form(params)
            .send()
            .await
            .unwrap();
        body(response).await
    }

    /// A token from `getchallenge`.
    pub async fn challenge(&self, username: &str) -> String {
        let (_, json) = self
            .get(&[("operation", "getchallenge"), ("username", username)])
            .await;
        json["result"]["token"].as_str().unwrap().to_owned()
    }

    /// Logs in and returns the session name.
    pub async fn login(&self, username: &str, key: &str) -> String {
        let token = self.challenge(username).await;
        let (text, json) = self
            .post(&[
                ("operation", "login"),
                ("username", username),
                ("accessKey", &proof(&token, key)),
            ])
            .await;
        json["result"]["sessionName"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {text}"))
            .to_owned()
    }

    /// The admin's session.
    pub async fn admin_session(&self) -> String {
        self.login("admin", &self.admin_key.clone()).await
    }
}

/// Issues a coreBOS access key for `user`.
pub async fn access_key(app: &TestApp, user: &User) -> String {
    let (_, secret) = issue(
        app.store(),
        IssueRequest {
            kind: CredentialKind::CorebosAccessKey,
            owner: user.id,
            label: String::new(),
            allowed_cidrs: Vec::new(),
            expires_at: None,
        },
    )
    .await
    .unwrap();
    secret.expose().to_owned()
}

/// `md5(token + key)` in lowercase hex, as clients compute it.
pub fn proof(token: &str, key: &str) -> String {
    gatehouse_schemes::corebos::login_proof(token, key)
}

/// Checks the transport rules every answer keeps (§2) and parses the body.
pub async fn body(response: reqwest::Response) -> (String, Value) {
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(json["success"].is_boolean(), "{text}");
    (text, json)
}

/// The error envelope coreBOS sends for `code`/`message`.
pub fn error(code: &str, message: &str) -> String {
    format!(
        r#"{{"success":false,"error":{{"message":"{message}","code":"{code}"}},"moreinfo":null}}"#
    )
}
