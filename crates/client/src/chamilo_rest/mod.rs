//! Chamilo's REST `main/webservices/api/v2.php`: `authenticate` with username and password
//! gives an `apiKey`; every later action sends `username` + `api_key` (specs/chamilo.md §6).
//!
//! A client built from a password holds the key `authenticate` gave and, when an action is
//! answered `Invalid API key` (the key was rotated or revoked since), authenticates once more
//! and retries with the new key. A client built from a bare key has nothing to renew it with,
//! so it reports Chamilo's error as sent.

mod types;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::http::{Outgoing, default_client, form_encode, join};
use crate::lenient::{decode, int_value, truthy};
use crate::trace::Trace;

pub use types::{
    ChamiloCourse, CourseUser, ProfileExtra, RestSession, UserCourse, UserProfile, UserRow,
};

/// Chamilo's answer to a key that is not (or no longer) the user's.
const INVALID_API_KEY: &str = "Invalid API key";

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
    api_key: Arc<Mutex<Option<String>>>,
    authentications: Arc<AtomicU64>,
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
            authentications: Default::default(),
            trace: None,
        }
    }

    /// Starts from a key known from an earlier `authenticate` (saves that call); with a
    /// password client the key is still renewed if the server refuses it.
    pub fn with_known_key(self, api_key: impl Into<String>) -> Self {
        Self {
            api_key: Arc::new(Mutex::new(Some(api_key.into()))),
            ..self
        }
    }

    /// Records every exchange into `trace` (for diagnostics).
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// The API key: the one given, or the one `authenticate` returned (asked once, then
    /// again only after the server refused it). Concurrent callers wait for one `authenticate`.
    pub async fn api_key(&self) -> Result<String> {
        let mut slot = self.api_key.lock().await;
        if let Some(key) = slot.as_ref() {
            return Ok(key.clone());
        }
        let key = match &self.login {
            Login::ApiKey(key) => key.clone(),
            Login::Password(password) => {
                self.authentications.fetch_add(1, Ordering::SeqCst);
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
                    .ok_or_else(|| Error::Decode("authenticate gave no apiKey".into()))?
            }
        };
        *slot = Some(key.clone());
        Ok(key)
    }

    /// How many `authenticate` calls this client (and its clones) made.
    pub fn authentications(&self) -> u64 {
        self.authentications.load(Ordering::SeqCst)
    }

    /// Calls `action` with extra form fields; returns the envelope's `data` (the escape hatch
    /// for actions without a typed method). A `{"error":true}` envelope becomes
    /// [`Error::ChamiloRest`]. With a password, a refused key is renewed once (see the module docs).
    pub async fn action(&self, action: &str, fields: &[(String, String)]) -> Result<Value> {
        let mut renewed = false;
        loop {
            let api_key = self.api_key().await?;
            let mut pairs: Vec<(&str, &str)> = vec![
                ("action", action),
                ("username", &self.username),
                ("api_key", &api_key),
            ];
            pairs.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            match self.post(&pairs).await {
                Err(Error::ChamiloRest { message })
                    if message == INVALID_API_KEY
                        && !renewed
                        && matches!(self.login, Login::Password(_)) =>
                {
                    let mut slot = self.api_key.lock().await;
                    // Another task may already have renewed it; only drop the key that failed.
                    if slot.as_deref() == Some(api_key.as_str()) {
                        *slot = None;
                    }
                    renewed = true;
                }
                other => return other,
            }
        }
    }

    /// The current user's profile (`user_profile`).
    pub async fn user_profile(&self) -> Result<UserProfile> {
        decode("user_profile", self.action("user_profile", &[]).await?)
    }

    /// Whether a user with this login name exists (`username_exist`).
    pub async fn username_exists(&self, loginname: &str) -> Result<bool> {
        let data = self
            .action("username_exist", &[field("loginname", loginname)])
            .await?;
        Ok(truthy(first(&data)))
    }

    /// Creates a user (`save_user`, admin only) from Chamilo's fields (`firstname`, `lastname`,
    /// `status`, `email`, `loginname`, `password`, `extra[0][field_name]`, ...); returns its id.
    pub async fn save_user(&self, fields: &[(String, String)]) -> Result<i64> {
        let data = self.action("save_user", fields).await?;
        int_value(first(&data))
            .filter(|id| *id > 0)
            .ok_or_else(|| Error::Decode(format!("save_user: not a user id: {data}")))
    }

    /// The users with Chamilo `status` (1 teacher, 5 student; `None` for all), each with the
    /// named extra fields (`get_users`, admin only).
    pub async fn get_users(
        &self,
        status: Option<i64>,
        extra_fields: &[&str],
    ) -> Result<Vec<UserRow>> {
        let status = status.map_or_else(|| "*".to_owned(), |s| s.to_string());
        let mut fields = vec![field("status", &status)];
        if !extra_fields.is_empty() {
            fields.push(field("extra_fields", &extra_fields.join(",")));
        }
        decode("get_users", self.action("get_users", &fields).await?)
    }

    /// The platform's courses as rows of its `course` table (`get_courses`).
    pub async fn get_courses(&self) -> Result<Vec<ChamiloCourse>> {
        decode("get_courses", self.action("get_courses", &[]).await?)
    }

    /// The courses of a user (`user_courses`): the caller's own with `None`; another user's
    /// needs an administrator.
    pub async fn user_courses(&self, user_id: Option<i64>) -> Result<Vec<UserCourse>> {
        let fields: Vec<_> = user_id
            .map(|id| field("user_id", &id.to_string()))
            .into_iter()
            .collect();
        decode("user_courses", self.action("user_courses", &fields).await?)
    }

    /// The users subscribed to a course, by its numeric id (`get_users_subscribed_to_course`).
    pub async fn course_users(&self, course_id: i64) -> Result<Vec<CourseUser>> {
        let fields = [field("course", &course_id.to_string())];
        let data = self
            .action("get_users_subscribed_to_course", &fields)
            .await?;
        decode("get_users_subscribed_to_course", data)
    }

    /// Subscribes a user to a course by code with Chamilo `status` (1 teacher, 5 student)
    /// (`subscribe_user_to_course`); `false` when Chamilo did not subscribe them.
    pub async fn subscribe_user_to_course(
        &self,
        course_code: &str,
        user_id: i64,
        status: i64,
    ) -> Result<bool> {
        let fields = [
            field("course_code", course_code),
            field("user_id", &user_id.to_string()),
            field("status", &status.to_string()),
        ];
        let data = self.action("subscribe_user_to_course", &fields).await?;
        Ok(truthy(first(&data)))
    }

    /// Unsubscribes a user from a course by code (`unsubscribe_user_from_course`).
    pub async fn unsubscribe_user_from_course(
        &self,
        course_code: &str,
        user_id: i64,
    ) -> Result<bool> {
        let fields = [
            field("course_code", course_code),
            field("user_id", &user_id.to_string()),
        ];
        let data = self.action("unsubscribe_user_from_course", &fields).await?;
        Ok(truthy(first(&data)))
    }

    /// The training sessions (`get_sessions`, admin only).
    pub async fn get_sessions(&self) -> Result<Vec<RestSession>> {
        decode("get_sessions", self.action("get_sessions", &[]).await?)
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

/// A form field.
fn field(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// The scalar Chamilo wraps in a one-element array (`[true]`, `[123]`), or the value itself.
fn first(data: &Value) -> &Value {
    match data {
        Value::Array(items) => items.first().unwrap_or(&Value::Null),
        other => other,
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
