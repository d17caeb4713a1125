//! Calling `api/v2.php` and setting up users through the domain's public doors.

use chrono::{DateTime, Utc};
use gatehouse_domain::{NewUser, PasswordHash, User, Username};
use gatehouse_testkit::TestApp;
use http::HeaderMap;

/// The endpoint under the default mount.
pub const V2: &str = "/chamilo/main/webservices/api/v2.php";

/// The NotAllowed text.
pub const NOT_ALLOWED: &str = r#"{"error":true,"message":"You are not allowed to see this page. Either your connection has expired or you are trying to access a page for which you do not have the sufficient privileges."}"#;

/// One answer.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }

    /// `data` of a success envelope.
    pub fn data(&self) -> serde_json::Value {
        let json = self.json();
        assert_eq!(json["error"], false, "not a success: {}", self.body);
        json["data"].clone()
    }
}

/// Form-encodes pairs as PHP's `http_build_query` does for plain values.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes one value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// POSTs a form body to `api/v2.php` (with an optional query string).
pub async fn post_to(app: &TestApp, query: &str, body: String) -> Reply {
    let url = if query.is_empty() {
        app.url(V2)
    } else {
        format!("{}?{query}", app.url(V2))
    };
    let response = app
        .client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("request sent");
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body read"),
    }
}

/// POSTs form pairs to `api/v2.php`.
pub async fn post(app: &TestApp, pairs: &[(&str, &str)]) -> Reply {
    post_to(app, "", form(pairs)).await
}

/// Calls `action` as `username` with `api_key`, plus `extra` pairs.
pub async fn call(
    app: &TestApp,
    username: &str,
    api_key: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut pairs = vec![
        ("action", action),
        ("username", username),
        ("api_key", api_key),
    ];
    pairs.extend_from_slice(extra);
    post(app, &pairs).await
}

/// Authenticates and returns the API key.
pub async fn api_key(app: &TestApp, username: &str, password: &str) -> String {
    let reply = post(
        app,
        &[
            ("action", "authenticate"),
            ("username", username),
            ("password", password),
        ],
    )
    .await;
    reply.data()["apiKey"]
        .as_str()
        .unwrap_or_else(|| panic!("no apiKey in {}", reply.body))
        .to_owned()
}

/// Options for a user created directly in the store.
#[derive(Default)]
pub struct Options {
    /// Platform administrator.
    pub admin: bool,
    /// Inactive.
    pub inactive: bool,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// A stored hash instead of the password's Argon2id.
    pub hash: Option<PasswordHash>,
}

/// Creates a user with `password` (or the given hash).
pub async fn user(app: &TestApp, username: &str, password: &str, options: Options) -> User {
    let mut new = NewUser::new(Username::parse(username).expect("valid username"));
    new.password = Some(match options.hash {
        Some(hash) => hash,
        None => app
            .state
            .password_policy
            .hash(password)
            .expect("password hashes"),
    });
    new.first_name = "First".into();
    new.last_name = "Last".into();
    new.is_admin = options.admin;
    new.active = !options.inactive;
    new.expires_at = options.expires_at;
    app.store().create_user(new).await.expect("user created")
}

/// An administrator `admin`/`secret` and their API key.
pub async fn admin(app: &TestApp) -> String {
    user(
        app,
        "admin",
        "secret",
        Options {
            admin: true,
            ..Options::default()
        },
    )
    .await;
    api_key(app, "admin", "secret").await
}
