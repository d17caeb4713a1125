//! coreBOS / vtiger `webservice.php`: `getchallenge` → `login` with `md5(token + access key)`
//! → `sessionName` on every call (specs/corebos.md §4, §5, §7).
//!
//! One session is shared by every task using a [`Corebos`] (it is cheap to clone): the first
//! call logs in while the others wait, and a call answered `INVALID_SESSIONID` or
//! `AUTHENTICATION_REQUIRED` logs in again once and retries. A generation counter makes sure
//! that when many tasks see the same expired session, only the first one logs in again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::http::{Outgoing, default_client, form_encode, join};
use crate::trace::Trace;

/// A coreBOS record: field name → value (mostly strings), with `id` as `<prefix>x<n>`.
pub type Record = Map<String, Value>;

/// What `login` returns.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LoginResult {
    /// The session id sent as `sessionName` afterwards.
    pub session_name: String,
    /// The logged-in user's web-service id (`19x1`).
    pub user_id: String,
    /// The web-service version, when sent.
    #[serde(default)]
    pub version: Option<String>,
}

/// What `listtypes` returns.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ListTypes {
    /// The module and actor names the user may use.
    pub types: Vec<String>,
    /// Per name: `isEntity`, `label`, `singular` (an empty JSON array when there are none).
    #[serde(default)]
    pub information: Value,
}

#[derive(Debug, Default)]
struct SessionState {
    session: Option<(u64, LoginResult)>,
    generation: u64,
}

/// A client of one coreBOS (or vtiger) installation for one user.
#[derive(Debug, Clone)]
pub struct Corebos {
    http: reqwest::Client,
    url: String,
    username: String,
    access_key: String,
    state: Arc<Mutex<SessionState>>,
    logins: Arc<AtomicU64>,
    trace: Option<Trace>,
}

impl Corebos {
    /// A client for the installation at `base_url` (the folder holding `webservice.php`, e.g.
    /// `<sandbox>/corebos`), logging in as `username` with the user's access key.
    pub fn new(
        base_url: impl Into<String>,
        username: impl Into<String>,
        access_key: impl Into<String>,
    ) -> Self {
        let base: String = base_url.into();
        let url = if base.contains("webservice.php") {
            base
        } else {
            join(&base, "webservice.php")
        };
        Self {
            http: default_client(),
            url,
            username: username.into(),
            access_key: access_key.into(),
            state: Default::default(),
            logins: Default::default(),
            trace: None,
        }
    }

    /// Records every exchange into `trace` (for diagnostics).
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// How many logins this client (and its clones) has made.
    pub fn login_count(&self) -> u64 {
        self.logins.load(Ordering::SeqCst)
    }

    /// The current session, logging in first if there is none.
    pub async fn session(&self) -> Result<LoginResult> {
        Ok(self.current().await?.1)
    }

    async fn current(&self) -> Result<(u64, LoginResult)> {
        // Held across the login so that concurrent callers wait for one login, not start their own.
        let mut state = self.state.lock().await;
        if let Some(session) = &state.session {
            return Ok(session.clone());
        }
        let login = self.login().await?;
        state.generation += 1;
        let session = (state.generation, login);
        state.session = Some(session.clone());
        Ok(session)
    }

    /// Forgets the session of `generation`, unless another task already replaced it.
    async fn expire(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state.session.as_ref().map(|(g, _)| *g) == Some(generation) {
            state.session = None;
        }
    }

    async fn login(&self) -> Result<LoginResult> {
        self.logins.fetch_add(1, Ordering::SeqCst);
        let challenge = self
            .send(
                Method::GET,
                &[("operation", "getchallenge"), ("username", &self.username)],
                None,
            )
            .await?;
        let token = challenge
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Decode("getchallenge gave no token".into()))?;
        let proof = gatehouse_schemes::corebos::login_proof(token, &self.access_key);
        let signed = Some((
            gatehouse_schemes::corebos::redacted_input(token),
            proof.clone(),
        ));
        let result = self
            .send(
                Method::POST,
                &[
                    ("operation", "login"),
                    ("username", &self.username),
                    ("accessKey", &proof),
                ],
                signed,
            )
            .await?;
        serde_json::from_value(result).map_err(|e| Error::Decode(format!("login result: {e}")))
    }

    /// Ends the session on the server (`logout`) and forgets it here.
    pub async fn logout(&self) -> Result<Value> {
        let (generation, session) = self.current().await?;
        let result = self
            .send(
                Method::POST,
                &[
                    ("operation", "logout"),
                    ("sessionName", &session.session_name),
                ],
                None,
            )
            .await;
        self.expire(generation).await;
        result
    }

    /// Calls any operation with its parameters (`sessionName` is added); GET for reading
    /// operations, POST otherwise. Renews the session once if the server says it expired.
    pub async fn operation(&self, operation: &str, params: &[(&str, &str)]) -> Result<Value> {
        let method = if is_read(operation) {
            Method::GET
        } else {
            Method::POST
        };
        let mut retried = false;
        loop {
            let (generation, session) = self.current().await?;
            let mut pairs = vec![
                ("operation", operation),
                ("sessionName", session.session_name.as_str()),
            ];
            pairs.extend_from_slice(params);
            match self.send(method.clone(), &pairs, None).await {
                Err(Error::Corebos { code, .. })
                    if !retried
                        && (code == "INVALID_SESSIONID" || code == "AUTHENTICATION_REQUIRED") =>
                {
                    self.expire(generation).await;
                    retried = true;
                }
                other => return other,
            }
        }
    }

    /// `listtypes`: the modules the user may use.
    pub async fn list_types(&self) -> Result<ListTypes> {
        let result = self.operation("listtypes", &[]).await?;
        serde_json::from_value(result).map_err(|e| Error::Decode(format!("listtypes: {e}")))
    }

    /// `describe`: a module's fields and permissions (shape in specs/corebos.md §8.3).
    pub async fn describe(&self, element_type: &str) -> Result<Value> {
        self.operation("describe", &[("elementType", element_type)])
            .await
    }

    /// `create`: saves a new record of `element_type`; returns it as stored.
    pub async fn create(&self, element_type: &str, element: &Record) -> Result<Record> {
        let element = Value::Object(element.clone()).to_string();
        let result = self
            .operation(
                "create",
                &[("elementType", element_type), ("element", &element)],
            )
            .await?;
        into_record(result)
    }

    /// `retrieve`: one record by its web-service id (`12x5`).
    pub async fn retrieve(&self, id: &str) -> Result<Record> {
        into_record(self.operation("retrieve", &[("id", id)]).await?)
    }

    /// `update`: replaces a record (`element.id` required); returns it as stored.
    pub async fn update(&self, element: &Record) -> Result<Record> {
        let element = Value::Object(element.clone()).to_string();
        into_record(self.operation("update", &[("element", &element)]).await?)
    }

    /// `delete`: removes a record; coreBOS answers `{"status":"successful"}`.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let result = self.operation("delete", &[("id", id)]).await?;
        match result.get("status").and_then(Value::as_str) {
            Some("successful") => Ok(()),
            _ => Err(Error::Decode(format!("delete answered {result}"))),
        }
    }

    /// `query`: a VTQL `SELECT ... ;` statement; returns the rows.
    pub async fn query(&self, vtql: &str) -> Result<Vec<Record>> {
        match self.operation("query", &[("query", vtql)]).await? {
            Value::Array(rows) => rows.into_iter().map(into_record).collect(),
            other => Err(Error::Decode(format!("query answered {other}"))),
        }
    }

    async fn send(
        &self,
        method: Method,
        pairs: &[(&str, &str)],
        signed: Option<(String, String)>,
    ) -> Result<Value> {
        let encoded = form_encode(pairs);
        let mut out = if method == Method::GET {
            Outgoing::new(
                method,
                format!("{}?{encoded}", self.url),
                self.trace.as_ref(),
            )
        } else {
            Outgoing::new(method, self.url.clone(), self.trace.as_ref()).form(encoded)
        };
        if let Some((canonical, signature)) = signed {
            out.canonical = Some(canonical);
            out.signature = Some(signature);
        }
        let (status, body) = out.send(&self.http).await?;
        parse_envelope(status, &body)
    }
}

/// Operations coreBOS declares as GET (specs/corebos.md §8.1).
fn is_read(operation: &str) -> bool {
    matches!(
        operation.to_ascii_lowercase().as_str(),
        "getchallenge"
            | "listtypes"
            | "describe"
            | "retrieve"
            | "query"
            | "loginportal"
            | "getotpaccess"
    )
}

fn into_record(value: Value) -> Result<Record> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(Error::Decode(format!("expected a record, got {other}"))),
    }
}

/// Reads `{"success":true,"result":..}` or `{"success":false,"error":{code,message}}`.
fn parse_envelope(status: u16, body: &[u8]) -> Result<Value> {
    let value: Value = serde_json::from_slice(body).map_err(|_| Error::Status {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
    })?;
    if value.get("success").and_then(Value::as_bool) == Some(true) {
        return Ok(value.get("result").cloned().unwrap_or(Value::Null));
    }
    let error = value.get("error");
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Err(Error::Corebos {
        code: field("code"),
        message: field("message"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_envelope_keeps_the_corebos_code_and_message() {
        let body = br#"{"success":false,"error":{"message":"Session Identifier provided is Invalid","code":"INVALID_SESSIONID"},"moreinfo":null}"#;
        let err = parse_envelope(200, body).expect_err("error");
        assert!(
            matches!(err, Error::Corebos { ref code, .. } if code == "INVALID_SESSIONID"),
            "{err:?}"
        );
    }
}
