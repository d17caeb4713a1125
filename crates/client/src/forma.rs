//! Forma LMS REST `/api/<module>/<function>` with its three authentication methods, and SSO
//! links (specs/forma.md §2, §3, §5).
//!
//! The method-2 signature covers the POST values exactly as PHP parses them, so the client
//! encodes the body first and signs what it parsed back from those very bytes.

use reqwest::Method;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::{Outgoing, default_client, form_encode, join};
use crate::trace::Trace;

/// How the Forma client authenticates (the installation's `rest_auth_method`).
#[derive(Debug, Clone)]
pub enum FormaAuth {
    /// Method 0: the shared code, sent as the `auth` field.
    Code(String),
    /// Method 1: `auth/authenticate` with username and password, then the token as `auth`.
    Token {
        /// The user to authenticate as.
        username: String,
        /// The user's password.
        password: String,
    },
    /// Method 2: `X-Authorization: FormaLMS base64(key:sha1(values,secret))`.
    Signature {
        /// `rest_auth_api_key`.
        key: String,
        /// `rest_auth_api_secret`.
        secret: String,
    },
}

/// A client of one Forma installation's REST API.
#[derive(Debug, Clone)]
pub struct Forma {
    http: reqwest::Client,
    base_url: String,
    auth: FormaAuth,
    token: std::sync::Arc<tokio::sync::Mutex<Option<String>>>,
    trace: Option<Trace>,
}

impl Forma {
    /// A client for the Forma at `base_url` (the portal root holding `api/`, e.g. `<sandbox>/forma`).
    pub fn new(base_url: impl Into<String>, auth: FormaAuth) -> Self {
        Self {
            http: default_client(),
            base_url: base_url.into(),
            auth,
            token: Default::default(),
            trace: None,
        }
    }

    /// Records every exchange into `trace` (for diagnostics).
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// Calls `module/function` (e.g. `user/checkUsername`) with form fields; returns the JSON
    /// result. Forma's `{"error":..}` envelope becomes [`Error::Forma`].
    /// With the token method, a token the server no longer knows (its lifetime slides, 60 s by
    /// default, and a newer `authenticate` replaces it; specs/forma.md §3.2) is renewed once.
    pub async fn call(&self, route: &str, fields: &[(String, String)]) -> Result<Value> {
        let mut renewed = false;
        loop {
            let mut pairs: Vec<(String, String)> = fields.to_vec();
            let mut header = None;
            let mut sent_token = None;
            match &self.auth {
                FormaAuth::Code(code) => pairs.push(("auth".into(), code.clone())),
                FormaAuth::Token { .. } => {
                    let token = self.token().await?;
                    pairs.push(("auth".into(), token.clone()));
                    sent_token = Some(token);
                }
                FormaAuth::Signature { key, secret } => {
                    header = Some((key.clone(), secret.clone()));
                }
            }
            match self.post(route, &pairs, header).await {
                Err(Error::Forma { message: Some(m) })
                    if !renewed && sent_token.is_some() && m.contains("Token is not valid") =>
                {
                    let mut slot = self.token.lock().await;
                    if *slot == sent_token {
                        *slot = None;
                    }
                    renewed = true;
                }
                other => return other,
            }
        }
    }

    /// The method-1 token: the one held, or a new one from `auth/authenticate`.
    /// Concurrent callers wait for one `authenticate` (each would replace the previous token).
    pub async fn token(&self) -> Result<String> {
        let FormaAuth::Token { username, password } = &self.auth else {
            return Err(Error::Invalid(
                "this client does not use the token method".into(),
            ));
        };
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok(token.clone());
        }
        let fields = [
            ("username".to_owned(), username.clone()),
            ("password".to_owned(), password.clone()),
        ];
        let reply = self.post("auth/authenticate", &fields, None).await?;
        let token = reply
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Decode("auth/authenticate gave no token".into()))?;
        *slot = Some(token.clone());
        Ok(token)
    }

    async fn post(
        &self,
        route: &str,
        pairs: &[(String, String)],
        sign_with: Option<(String, String)>,
    ) -> Result<Value> {
        let body = form_encode(pairs);
        let url = join(
            &self.base_url,
            &format!("api/{}", route.trim_start_matches('/')),
        );
        let mut out = Outgoing::new(Method::POST, url, self.trace.as_ref())
            .header("Accept", "application/json")
            .form(body.clone());
        if let Some((key, secret)) = sign_with {
            // Sign what PHP will parse from these exact bytes, not the pairs we meant to send.
            let post = gatehouse_schemes::php_form::parse_post(body.as_bytes());
            let header = gatehouse_schemes::forma::sign_header(&key, &secret, &post);
            out.canonical = Some(gatehouse_schemes::forma::redacted_input(&post));
            out.signature = Some(header.clone());
            out = out.header("X-Authorization", header);
        }
        let (status, bytes) = out.send(&self.http).await?;
        parse_envelope(status, &bytes)
    }
}

/// Reads a Forma JSON answer: an object without `error` is success; `{"error":..}` is not.
fn parse_envelope(status: u16, body: &[u8]) -> Result<Value> {
    let value: Value = serde_json::from_slice(body).map_err(|_| Error::Status {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
    })?;
    match value.get("error") {
        Some(message) if value.get("success").and_then(Value::as_bool) != Some(true) => {
            Err(Error::Forma {
                message: message.as_str().map(str::to_owned),
            })
        }
        _ => Ok(value),
    }
}

/// A signed SSO link: `<base>/index.php?r=adm/homepage/sso&login_user=U&time=T&token=K` with
/// `token = md5(U,T,sso_secret)` and `T` in Unix seconds (specs/forma.md §5).
pub fn forma_sso_url(base_url: &str, user: &str, sso_secret: &str, unix_time: i64) -> String {
    let time = unix_time.to_string();
    let token = gatehouse_schemes::forma_sso::token(user, &time, sso_secret);
    // `r` is written as Forma's own links write it; the rest is percent-encoded.
    let query = form_encode(&[
        ("login_user", user),
        ("time", time.as_str()),
        ("token", token.as_str()),
    ]);
    format!("{}?r=adm/homepage/sso&{query}", join(base_url, "index.php"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sso_link_carries_the_documented_token() {
        let url = forma_sso_url(
            "https://lms.example",
            "gverdi",
            "parolachiavecondivisasso",
            1511165622,
        );
        assert!(url.starts_with("https://lms.example/index.php?r=adm/homepage/sso&login_user=gverdi&time=1511165622&token="), "{url}");
        assert!(url.ends_with("d16ea692e74fdd9cbbbd2fb1001c33e1"), "{url}");
    }

    #[test]
    fn a_forma_error_keeps_its_message() {
        let err = parse_envelope(200, br#"{"error":"Autentication code is not valid"}"#)
            .expect_err("error");
        assert!(
            matches!(err, Error::Forma { message: Some(ref m) } if m == "Autentication code is not valid")
        );
    }
}
