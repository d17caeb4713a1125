//! Forma LMS REST `/api/<module>/<function>` with its three authentication methods, and SSO
//! links (specs/forma.md §2, §3, §5).
//!
//! The method-2 signature covers the POST values exactly as PHP parses them, so the client
//! encodes the body first and signs what it parsed back from those very bytes.

mod types;

use reqwest::Method;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::{Outgoing, default_client, form_encode, join};
use crate::lenient::{decode, int_value};
use crate::trace::Trace;

pub use types::{
    AuthToken, CheckedUser, CustomField, FormaAuthMethod, FormaCourse, FormaSubscription,
    FormaUser, FormaUserCourse, FormaUserDetails,
};

/// Forma's answer to `user/checkUsername` for a name it does not know.
const USER_NOT_FOUND: &str = "User not found";

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
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok(token.clone());
        }
        let fresh = self.authenticate_now().await?;
        *slot = Some(fresh.token.clone());
        Ok(fresh.token)
    }

    /// `auth/authenticate` now (method 1): a new token, which replaces the one held (Forma keeps
    /// one token per user, so the previous one stops working).
    pub async fn authenticate(&self) -> Result<AuthToken> {
        let mut slot = self.token.lock().await;
        let fresh = self.authenticate_now().await?;
        *slot = Some(fresh.token.clone());
        Ok(fresh)
    }

    async fn authenticate_now(&self) -> Result<AuthToken> {
        let FormaAuth::Token { username, password } = &self.auth else {
            return Err(Error::Invalid(
                "this client does not use the token method".into(),
            ));
        };
        let fields = [field("username", username), field("password", password)];
        let reply = self.post("auth/authenticate", &fields, None).await?;
        decode("auth/authenticate", reply)
    }

    /// The installation's authentication method (`auth/getauthmethod`, needs no credential).
    pub async fn auth_method(&self) -> Result<FormaAuthMethod> {
        let reply = self.post("auth/getauthmethod", &[], None).await?;
        decode(
            "auth/getauthmethod",
            reply.get("method").cloned().unwrap_or(Value::Null),
        )
    }

    /// Looks a login name up (`user/checkUsername`); `None` when Forma does not know it.
    pub async fn check_username(&self, userid: &str) -> Result<Option<CheckedUser>> {
        match self
            .call("user/checkUsername", &[field("userid", userid)])
            .await
        {
            Ok(found) => decode("user/checkUsername", found).map(Some),
            Err(Error::Forma { message: Some(m) }) if m == USER_NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every user but the anonymous one, ordered by login name (`user/listUsers`).
    pub async fn list_users(&self) -> Result<Vec<FormaUser>> {
        let reply = self.call("user/listUsers", &[]).await?;
        decode("user/listUsers", member(reply, "list"))
    }

    /// One user's details by id (`user/userdetails`); `None` when Forma says there is none.
    pub async fn user_details(&self, idst: i64) -> Result<Option<FormaUserDetails>> {
        let reply = self
            .call("user/userdetails", &[field("idst", &idst.to_string())])
            .await;
        details("user/userdetails", reply, "Invalid user ID: ")
    }

    /// One user's details by login name (`user/userdetailsbyuserid`).
    pub async fn user_details_by_userid(&self, userid: &str) -> Result<Option<FormaUserDetails>> {
        let reply = self
            .call("user/userdetailsbyuserid", &[field("userid", userid)])
            .await;
        details("user/userdetailsbyuserid", reply, "Error: invalid userid: ")
    }

    /// Creates a user (`user/create`) from Forma's fields (`userid`, `firstname`, `lastname`,
    /// `password`, `email`, `valid`, `_customfields[<id>]`, ...); returns the new `idst`.
    pub async fn create_user(&self, fields: &[(String, String)]) -> Result<i64> {
        let reply = self.call("user/create", fields).await?;
        reply
            .get("idst")
            .and_then(int_value)
            .filter(|id| *id > 0)
            .ok_or_else(|| Error::Decode(format!("user/create gave no idst: {reply}")))
    }

    /// How many users there are with `status` `active`, `suspended` or `all` (`user/countusers`).
    pub async fn count_users(&self, status: &str) -> Result<i64> {
        let reply = self
            .call("user/countusers", &[field("status", status)])
            .await?;
        reply
            .get("users_count")
            .and_then(int_value)
            .ok_or_else(|| Error::Decode(format!("user/countusers gave no users_count: {reply}")))
    }

    /// The courses of a user (`user/userCourses`), read from Forma 3.x's or 4.x's shape.
    pub async fn user_courses(&self, idst: i64) -> Result<Vec<FormaUserCourse>> {
        let reply = self
            .call("user/userCourses", &[field("idst", &idst.to_string())])
            .await?;
        types::user_courses(reply.get("courses").unwrap_or(&Value::Null))
    }

    /// The course catalogue (`course/courses`), of one category when given.
    pub async fn courses(&self, category: Option<i64>) -> Result<Vec<FormaCourse>> {
        let fields: Vec<_> = category
            .map(|c| field("category", &c.to_string()))
            .into_iter()
            .collect();
        let reply = self.call("course/courses", &fields).await?;
        decode("course/courses", member(reply, "courses"))
    }

    /// The subscriptions of a course (`course/getUsersSubscription`).
    pub async fn course_subscriptions(&self, course_id: i64) -> Result<Vec<FormaSubscription>> {
        let reply = self
            .call(
                "course/getUsersSubscription",
                &[field("course_id", &course_id.to_string())],
            )
            .await?;
        decode(
            "course/getUsersSubscription",
            member(reply, "courseSubscriptions"),
        )
    }

    /// Subscribes a user to a course with a level name (`student`, `tutor`, `instructor`, ...)
    /// (`course/addUserSubscription`); returns Forma's message.
    pub async fn subscribe(&self, idst: i64, course_id: i64, user_level: &str) -> Result<String> {
        let fields = [
            field("idst", &idst.to_string()),
            field("course_id", &course_id.to_string()),
            field("user_level", user_level),
        ];
        let reply = self.call("course/addUserSubscription", &fields).await?;
        Ok(message_of(&reply))
    }

    /// Removes a user from a course (`course/deleteUserSubscription`); returns Forma's message.
    pub async fn unsubscribe(&self, idst: i64, course_id: i64) -> Result<String> {
        let fields = [
            field("idst", &idst.to_string()),
            field("course_id", &course_id.to_string()),
        ];
        let reply = self.call("course/deleteUserSubscription", &fields).await?;
        Ok(message_of(&reply))
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

/// A form field.
fn field(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// One member of an answer (`null` when absent).
fn member(mut reply: Value, name: &str) -> Value {
    reply.get_mut(name).map(Value::take).unwrap_or(Value::Null)
}

/// The `message` of an answer, or `""`.
fn message_of(reply: &Value) -> String {
    reply
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The `details` of a user lookup. A missing user is `None`, whether Forma says so with
/// `details:false` (3.x) or with its error message starting `not_found`.
fn details(what: &str, reply: Result<Value>, not_found: &str) -> Result<Option<FormaUserDetails>> {
    let reply = match reply {
        Err(Error::Forma { message: Some(m) }) if m.starts_with(not_found) => return Ok(None),
        other => other?,
    };
    match member(reply, "details") {
        Value::Null | Value::Bool(false) => Ok(None),
        details => decode(what, details).map(Some),
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
