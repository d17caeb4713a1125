//! Wildix WMS S2S: every request carries an HS256 JWT whose `sign.hash` covers the method,
//! path, signed headers, query and body (specs/wildix.md §1–§4).
//!
//! Like the official PHP client, this one signs and sends `Host` without the port and
//! `X-APP-ID`, plus `Content-Type` for JSON bodies, and no other header it could not vouch for.
//! A form body or query holding `null` or an empty array is refused: `http_build_query` drops
//! those, so the server would hash different data than the client (§4, §7).

mod types;

use gatehouse_schemes::php_form::build_query;
use gatehouse_schemes::php_value::{PhpArray, PhpValue};
use gatehouse_schemes::wildix::{self, DEFAULT_LIFETIME, RawRequest};
use reqwest::{Method, Url};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::{Outgoing, default_client};
use crate::lenient::{decode, int_value};
use crate::trace::Trace;

pub use types::{CallQueue, Colleague, NewCallQueue, QueueMember, Records, Sound};

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (the official client's default).
    Form,
    /// `application/json` (the caller's signed `Content-Type` header).
    Json,
}

/// The credentials of one S2S application.
#[derive(Debug, Clone)]
pub struct WildixApp {
    /// The application id, sent as `X-APP-ID`.
    pub app_id: String,
    /// The application name, the token's `iss`.
    pub app_name: String,
    /// The shared secret that keys HS256.
    pub secret: String,
}

/// A client of one Wildix PBX's `/api/v1/` API.
#[derive(Debug, Clone)]
pub struct Wildix {
    http: reqwest::Client,
    base: Url,
    app: WildixApp,
    trace: Option<Trace>,
}

impl Wildix {
    /// A client for the PBX at `base_url` (scheme, host and port; a path is kept as a prefix).
    pub fn new(base_url: &str, app: WildixApp) -> Result<Self> {
        let base = Url::parse(base_url.trim().trim_end_matches('/'))
            .map_err(|e| Error::Invalid(format!("Wildix URL {base_url:?}: {e}")))?;
        if base.host_str().is_none() {
            return Err(Error::Invalid(format!(
                "Wildix URL {base_url:?} has no host"
            )));
        }
        Ok(Self {
            http: default_client(),
            base,
            app,
            trace: None,
        })
    }

    /// Records every exchange into `trace` (for diagnostics).
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// `GET /api/v1/<path>` with query parameters.
    pub async fn get(&self, path: &str, query: &Value) -> Result<Value> {
        self.request(Method::GET, path, query, &Value::Null, BodyEncoding::Form)
            .await
    }

    /// Sends a signed request to `/api/v1/<path>` and returns the `result` member.
    /// `query` and `body` are JSON objects (or `null`); the body is dropped for GET and DELETE,
    /// as the official client does.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &Value,
        body: &Value,
        encoding: BodyEncoding,
    ) -> Result<Value> {
        let query = to_php(query, "query")?;
        refuse_unsendable(&query, "query")?;
        let body_map = to_php(body, "body")?;
        let has_body = method != Method::GET && method != Method::DELETE;
        let body_bytes = match (has_body, encoding) {
            (false, _) => Vec::new(),
            (true, BodyEncoding::Form) => {
                refuse_unsendable(&body_map, "form body")?;
                build_query(&body_map).into_bytes()
            }
            (true, BodyEncoding::Json) => {
                serde_json::to_vec(body).map_err(|e| Error::Invalid(format!("JSON body: {e}")))?
            }
        };
        let prefix = self.base.path().trim_end_matches('/');
        let sub = path.trim_start_matches('/');
        let sub = sub.strip_prefix("api/v1/").unwrap_or(sub);
        let full_path = format!("{prefix}/api/v1/{sub}");
        let query_string = build_query(&query);
        let host = self.base.host_str().unwrap_or_default().to_owned();
        let mut headers: Vec<(String, String)> = Vec::new();
        if encoding == BodyEncoding::Json && has_body {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        headers.push(("Host".into(), host));
        headers.push(("X-APP-ID".into(), self.app.app_id.trim().to_owned()));
        let signed_names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        let raw_headers: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let raw = RawRequest {
            method: method.as_str(),
            path: &full_path,
            query: query_string.as_bytes(),
            headers: &raw_headers,
            body: &body_bytes,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let signed = wildix::sign(
            &raw,
            &signed_names,
            &self.app.app_name,
            self.app.secret.trim(),
            now,
            DEFAULT_LIFETIME,
        )
        .map_err(|e| Error::Invalid(format!("cannot sign: {e}")))?;
        let mut url = self.base.clone();
        url.set_path(&full_path);
        url.set_query((!query_string.is_empty()).then_some(query_string.as_str()));
        let mut out = Outgoing::new(method, url.to_string(), self.trace.as_ref());
        for (name, value) in &headers {
            out = out.header(name, value.clone());
        }
        out = out.header("Authorization", format!("Bearer {}", signed.token));
        if has_body && encoding == BodyEncoding::Form {
            out = out.header("Content-Type", "application/x-www-form-urlencoded");
        }
        out.body = body_bytes;
        out.canonical = Some(signed.canonical);
        out.signature = Some(format!("sign.hash={} token={}", signed.hash, signed.token));
        let (status, bytes) = out.send(&self.http).await?;
        parse_envelope(status, &bytes)
    }
}

/// The typed operations of specs/wildix.md §6; [`Wildix::request`] reaches any other.
impl Wildix {
    /// One page of call queues (`GET PBX/settings/CallQueues/`); `None` keeps the PBX's paging.
    pub async fn call_queues(
        &self,
        start: Option<i64>,
        count: Option<i64>,
    ) -> Result<Records<CallQueue>> {
        let result = self
            .get("PBX/settings/CallQueues/", &paging(start, count))
            .await?;
        decode("CallQueues", result)
    }

    /// One call queue with its members (`GET PBX/settings/CallQueues/{id}/`).
    pub async fn call_queue(&self, id: i64) -> Result<CallQueue> {
        let path = format!("PBX/settings/CallQueues/{id}/");
        decode("CallQueues/{id}", self.get(&path, &Value::Null).await?)
    }

    /// Creates a call queue from a form body (`POST PBX/settings/CallQueues/`), as the
    /// official client sends it; empty fields are left out, as a form cannot carry them.
    pub async fn create_call_queue(&self, new: &NewCallQueue) -> Result<CallQueue> {
        let mut body = serde_json::Map::new();
        body.insert("name".into(), new.name.clone().into());
        if !new.description.is_empty() {
            body.insert("description".into(), new.description.clone().into());
        }
        if !new.strategy.is_empty() {
            body.insert("strategy".into(), new.strategy.clone().into());
        }
        if !new.members.is_empty() {
            body.insert("members".into(), new.members.clone().into());
        }
        let result = self
            .request(
                Method::POST,
                "PBX/settings/CallQueues/",
                &Value::Null,
                &Value::Object(body),
                BodyEncoding::Form,
            )
            .await?;
        decode("CallQueues create", result)
    }

    /// Adds a dynamic member to a queue (`POST …/CallQueues/{id}/members/dynamic/`); returns
    /// the queue with its members.
    pub async fn add_dynamic_member(&self, queue: i64, member: &str) -> Result<CallQueue> {
        let path = format!("PBX/settings/CallQueues/{queue}/members/dynamic/");
        let body = serde_json::json!({ "member": member });
        let result = self
            .request(Method::POST, &path, &Value::Null, &body, BodyEncoding::Form)
            .await?;
        decode("CallQueues members add", result)
    }

    /// Removes a dynamic member (`DELETE …/CallQueues/{id}/members/dynamic/{member}`, the
    /// member percent-encoded as one path segment); returns the queue with its members.
    pub async fn remove_dynamic_member(&self, queue: i64, member: &str) -> Result<CallQueue> {
        let path = format!(
            "PBX/settings/CallQueues/{queue}/members/dynamic/{}",
            path_segment(member)
        );
        let result = self
            .request(
                Method::DELETE,
                &path,
                &Value::Null,
                &Value::Null,
                BodyEncoding::Form,
            )
            .await?;
        decode("CallQueues members delete", result)
    }

    /// One page of colleagues, the users with an extension (`GET Colleagues/`).
    pub async fn colleagues(
        &self,
        start: Option<i64>,
        count: Option<i64>,
    ) -> Result<Records<Colleague>> {
        decode(
            "Colleagues",
            self.get("Colleagues/", &paging(start, count)).await?,
        )
    }

    /// The PBX call history (`GET PBX/CallHistory/`) with Wildix's query parameters
    /// (`fields`, `filter[start][from]`, `count`, `start`); rows as the PBX sends them.
    pub async fn call_history(
        &self,
        query: &Value,
    ) -> Result<Records<serde_json::Map<String, Value>>> {
        decode("CallHistory", self.get("PBX/CallHistory/", query).await?)
    }

    /// The sounds, of one directory when given (`GET Sounds/`).
    pub async fn sounds(&self, directory: Option<&str>) -> Result<Records<Sound>> {
        let query = directory.map_or(Value::Null, |d| serde_json::json!({ "directory": d }));
        decode("Sounds", self.get("Sounds/", &query).await?)
    }

    /// Makes a text-to-speech sound (`POST Sounds/` with `directory`, `filename`, `text`,
    /// `voice`, the form the official client sends).
    pub async fn create_tts_sound(
        &self,
        directory: &str,
        filename: &str,
        text: &str,
        voice: &str,
    ) -> Result<Sound> {
        let body = serde_json::json!({
            "directory": directory, "filename": filename, "text": text, "voice": voice,
        });
        let result = self
            .request(
                Method::POST,
                "Sounds/",
                &Value::Null,
                &body,
                BodyEncoding::Form,
            )
            .await?;
        decode("Sounds create", result)
    }

    /// Deletes a sound (`DELETE Sounds/{name}`); returns how many files went.
    pub async fn delete_sound(&self, name: &str, directory: Option<&str>) -> Result<i64> {
        let query = directory.map_or(Value::Null, |d| serde_json::json!({ "directory": d }));
        let path = format!("Sounds/{}", path_segment(name));
        let result = self
            .request(
                Method::DELETE,
                &path,
                &query,
                &Value::Null,
                BodyEncoding::Form,
            )
            .await?;
        Ok(result
            .get("deleted")
            .and_then(int_value)
            .unwrap_or_default())
    }
}

/// The `start`/`count` query of a list endpoint (only what was given).
fn paging(start: Option<i64>, count: Option<i64>) -> Value {
    let mut query = serde_json::Map::new();
    if let Some(start) = start {
        query.insert("start".into(), start.to_string().into());
    }
    if let Some(count) = count {
        query.insert("count".into(), count.to_string().into());
    }
    Value::Object(query)
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are), so a
/// member such as `Local/101@pbxinternal` stays one segment; the signature covers it encoded.
fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn to_php(value: &Value, what: &str) -> Result<PhpArray> {
    match value {
        Value::Null => Ok(PhpArray::new()),
        Value::Object(_) | Value::Array(_) => {
            match serde_json::from_value::<PhpValue>(value.clone()) {
                Ok(PhpValue::Array(a)) => Ok(a),
                _ => Err(Error::Invalid(format!("{what} must be a JSON object"))),
            }
        }
        _ => Err(Error::Invalid(format!("{what} must be a JSON object"))),
    }
}

/// Refuses `null` and empty arrays: `http_build_query` would drop them from the wire while
/// the signature covers them, so the request could never verify (wildix.md §4, §7).
fn refuse_unsendable(data: &PhpArray, what: &str) -> Result<()> {
    for (key, value) in data.iter() {
        let name = String::from_utf8_lossy(&key.to_bytes()).into_owned();
        match value {
            PhpValue::Null => {
                return Err(Error::Invalid(format!(
                    "{what} field {name:?} is null: a form cannot carry null, so the signature would not verify; leave the field out or send JSON"
                )));
            }
            PhpValue::Array(a) if a.is_empty() => {
                return Err(Error::Invalid(format!(
                    "{what} field {name:?} is an empty array: a form cannot carry one, so the signature would not verify; leave the field out or send JSON"
                )));
            }
            PhpValue::Array(a) => refuse_unsendable(a, what)?,
            _ => {}
        }
    }
    Ok(())
}

/// Reads `{"type":"result","result":..}` or `{"type":"error","reason":..}`.
fn parse_envelope(status: u16, body: &[u8]) -> Result<Value> {
    let value: Value = serde_json::from_slice(body).map_err(|_| Error::Status {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
    })?;
    if value.get("type").and_then(Value::as_str) == Some("result") {
        return Ok(value.get("result").cloned().unwrap_or(Value::Null));
    }
    let reason = value
        .get("reason")
        .or_else(|| value.get("error"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Err(Error::Wildix { status, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Wildix {
        let app = WildixApp {
            app_id: "id".into(),
            app_name: "n".into(),
            secret: "s".into(),
        };
        Wildix::new("http://127.0.0.1:9", app).expect("valid URL")
    }

    #[tokio::test]
    async fn a_null_in_form_data_is_refused_before_sending() {
        let body = serde_json::json!({"name": "q", "description": null});
        let err = client()
            .request(
                Method::POST,
                "PBX/settings/CallQueues/",
                &Value::Null,
                &body,
                BodyEncoding::Form,
            )
            .await
            .expect_err("refused");
        assert!(
            matches!(err, Error::Invalid(ref m) if m.contains("\"description\" is null")),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_empty_array_in_the_query_is_refused_before_sending() {
        let query = serde_json::json!({"fields": []});
        let err = client()
            .get("PBX/CallHistory/", &query)
            .await
            .expect_err("refused");
        assert!(
            matches!(err, Error::Invalid(ref m) if m.contains("empty array")),
            "{err}"
        );
    }
}
