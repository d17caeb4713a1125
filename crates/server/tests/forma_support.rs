//! Helpers for the Forma tests: a client that signs the exact bytes it sends.

use gatehouse_schemes::{forma, php_form};
use gatehouse_server::config::Config;
use gatehouse_server::site_secrets::{FORMA_API_KEY, FORMA_API_SECRET, FORMA_SSO_SECRET};
use gatehouse_testkit::TestApp;

/// A Forma client over a test app.
pub struct Lms {
    /// The running app.
    pub app: TestApp,
}

impl Lms {
    /// Starts with the default configuration (`secret_key`).
    pub async fn new() -> Self {
        Self::with_config(Config::default()).await
    }

    /// Starts with `config`.
    pub async fn with_config(config: Config) -> Self {
        Self {
            app: TestApp::with_config(config).await,
        }
    }

    fn secret(&self, name: &str) -> String {
        secret(&self.app, name)
    }

    /// The API key.
    pub fn key(&self) -> String {
        self.secret(FORMA_API_KEY)
    }

    /// The SSO secret.
    pub fn sso_secret(&self) -> String {
        self.secret(FORMA_SSO_SECRET)
    }

    /// The `X-Authorization` value for `body`.
    pub fn sign(&self, body: &str) -> String {
        forma::sign_header(
            &self.key(),
            &self.secret(FORMA_API_SECRET),
            &php_form::parse_post(body.as_bytes()),
        )
    }

    /// POSTs `body` to `/forma<path>` with `header` as `X-Authorization` (if any) and
    /// `accept` as `Accept` (if any); returns the body.
    pub async fn raw(
        &self,
        path: &str,
        body: &str,
        header: Option<&str>,
        accept: Option<&str>,
    ) -> String {
        let mut request = self
            .app
            .client
            .post(self.app.url(&format!("/forma{path}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        if let Some(header) = header {
            request = request.header("x-authorization", header);
        }
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.expect("request sent");
        assert_eq!(response.status(), 200);
        response.text().await.expect("body")
    }

    /// A signed call; returns the XML body.
    pub async fn xml(&self, path: &str, body: &str) -> String {
        let header = self.sign(body);
        self.raw(path, body, Some(&header), None).await
    }

    /// A signed call answered in JSON; returns the parsed body.
    pub async fn json(&self, path: &str, body: &str) -> serde_json::Value {
        let header = self.sign(body);
        let text = self
            .raw(path, body, Some(&header), Some("application/json"))
            .await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// Creates a user through `user/create`; returns its idst.
    pub async fn create(&self, userid: &str) -> i64 {
        let body =
            format!("userid={userid}&firstname=Jo&lastname=Doe&email={userid}%40example.com");
        let reply = self.json("/api/user/create", &body).await;
        reply["idst"]
            .as_i64()
            .unwrap_or_else(|| panic!("create answered {reply}"))
    }
}

fn secret(app: &TestApp, name: &str) -> String {
    app.state
        .site_secret(name)
        .expect("site secret set")
        .expose()
        .to_owned()
}

/// A signed JSON call to the Forma dialect of any test app (for tests that start another
/// dialect's fixture).
pub async fn forma_json(app: &TestApp, path: &str, body: &str) -> serde_json::Value {
    let header = forma::sign_header(
        &secret(app, FORMA_API_KEY),
        &secret(app, FORMA_API_SECRET),
        &php_form::parse_post(body.as_bytes()),
    );
    let response = app
        .client
        .post(app.url(&format!("/forma{path}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("x-authorization", header)
        .body(body.to_owned())
        .send()
        .await
        .expect("request sent");
    response.json().await.expect("JSON body")
}

/// The XML envelope around `inner`.
pub fn xml(inner: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><XMLoutput>{inner}</XMLoutput>")
}
