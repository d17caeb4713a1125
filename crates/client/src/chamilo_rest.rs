//! Chamilo's REST `main/webservices/api/v2.php`: `authenticate` with username and password
//! gives an `apiKey`; every later action sends `username` + `api_key` (specs/chamilo.md §6).

use reqwest::Method;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::http::{Outgoing, default_client, form_encode, join};
use crate::trace::Trace;

const PATH: &str = "main/webservices/api/v2.php";

/// How the REST client proves who it is.
#[derive(Debug, Clone)]
enum Login {
    /// Username and password: `authenticate` once, then the returned key.
    Password(String),
    /// A known API key: no `authenticate` call.
    ApiKey(String),
}

/// A client of Chamilo's REST API for one user.
#[derive(Debug, Clone)]
pub struct ChamiloRest {
    http: reqwest::Client,
    base_url: String,
    username: String,
    login: Login,
    api_key: std::sync::Arc<OnceCell<String>>,
    trace: Option<Trace>,
}

impl ChamiloRest {
    /// A client that authenticates as `username` with `password` on first use.
    pub fn with_password(
        base_url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self::build(
            base_url.into(),
            username.into(),
            Login::Password(password.into()),
        )
    }

    /// A client that already holds the user's REST API key.
    pub fn with_api_key(
        base_url: impl Into<String>,
        username: impl Into<String>,
        api_key: impl Into<String>,
    ) -> Self {
        Self::build(
            base_url.into(),
            username.into(),
            Login::ApiKey(api_key.into()),
        )
    }

    fn build(base_url: String, username: String, login: Login) -> Self {
        Self {
            http: default_client(),
            base_url,
            username,
            login,
            api_key: Default::default(),
            trace: None,
        }
    }

    /// Records every exchange into `trace` (for diagnostics).
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// The API key: the one given, or the one `authenticate` returns (asked once).
    pub async fn api_key(&self) -> Result<String> {
        let key = self
            .api_key
            .get_or_try_init(|| async {
                match &self.login {
                    Login::ApiKey(key) => Ok(key.clone()),
                    Login::Password(password) => {
                        let data = self
                            .post(&[
                                ("action", "authenticate"),
                                ("username", &self.username),
                                ("password", password),
                            ])
                            .await?;
                        data.get("apiKey")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .ok_or_else(|| Error::Decode("authenticate gave no apiKey".into()))
                    }
                }
            })
            .await?;
        Ok(key.clone())
    }

    /// Calls `action` with extra form fields; returns the envelope's `data`.
    /// A `{"error":true}` envelope becomes [`Error::ChamiloRest`].
    pub async fn action(&self, action: &str, fields: &[(String, String)]) -> Result<Value> {
        let api_key = self.api_key().await?;
        let mut pairs: Vec<(&str, &str)> = vec![
            ("action", action),
            ("username", &self.username),
            ("api_key", &api_key),
        ];
        pairs.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.post(&pairs).await
    }

    /// The current user's profile (`user_profile`).
    pub async fn user_profile(&self) -> Result<Value> {
        self.action("user_profile", &[]).await
    }

    async fn post(&self, pairs: &[(&str, &str)]) -> Result<Value> {
        let out = Outgoing::new(
            Method::POST,
            join(&self.base_url, PATH),
            self.trace.as_ref(),
        )
        .form(form_encode(pairs));
        let (status, body) = out.send(&self.http).await?;
        parse_envelope(status, &body)
    }
}

/// Reads `{"error":false,"data":..}` or `{"error":true,"message":..}`.
fn parse_envelope(status: u16, body: &[u8]) -> Result<Value> {
    let value: Value = serde_json::from_slice(body).map_err(|_| Error::Status {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
    })?;
    if value.get("error").and_then(Value::as_bool) == Some(false) {
        return Ok(value.get("data").cloned().unwrap_or(Value::Null));
    }
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Err(Error::ChamiloRest { message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_envelope_keeps_chamilos_message() {
        let err = parse_envelope(200, br#"{"error":true,"message":"Invalid API key"}"#)
            .expect_err("error");
        assert!(matches!(err, Error::ChamiloRest { ref message } if message == "Invalid API key"));
    }
}
