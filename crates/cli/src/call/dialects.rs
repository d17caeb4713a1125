//! One function per dialect: turn the command line into a `gatehouse-client` call.

use anyhow::{Context, bail};
use gatehouse_client::{
    BodyEncoding, ChamiloRest, ChamiloSoap, Corebos, Forma, FormaAuth, Method, Trace, Wildix,
    WildixApp, forma_sso_url, soap_from_json, soap_to_json,
};
use serde_json::{Map, Value};

use super::credentials::Credentials;
use super::parse_params;

/// One parsed invocation.
pub struct Request<'a> {
    /// The OPERATION argument.
    pub operation: &'a str,
    /// The remaining arguments.
    pub params: &'a [String],
    /// The `--json-body` object.
    pub json_body: Option<&'a Map<String, Value>>,
    /// The resolved credentials of the dialect.
    pub creds: &'a Credentials,
    /// Where the client records its exchanges.
    pub trace: &'a Trace,
}

/// Chamilo: `WS…` names go to SOAP, everything else is a REST action (D17).
pub async fn chamilo(r: Request<'_>) -> anyhow::Result<Value> {
    let url = r.creds.require("chamilo", "url")?;
    let mut fields = object_of(&parse_params(r.params)?);
    if let Some(body) = r.json_body {
        fields.extend(body.clone());
    }
    if r.operation.starts_with("WS") {
        let key = r.creds.require("chamilo", "security_key")?;
        let client = ChamiloSoap::new(url, key).with_trace(r.trace.clone());
        let result = client
            .call(r.operation, soap_from_json(&Value::Object(fields)))
            .await?;
        return Ok(soap_to_json(&result));
    }
    let username = r.creds.require("chamilo", "username")?;
    // With both, the key saves an `authenticate` and the password renews it if it was rotated.
    let known_key = r
        .creds
        .get("api_key")
        .filter(|_| r.operation != "authenticate");
    let client = match (known_key, r.creds.get("password")) {
        (Some(key), Some(password)) => {
            ChamiloRest::with_password(url, username, password).with_known_key(key)
        }
        (Some(key), None) => ChamiloRest::with_api_key(url, username, key),
        (None, _) => {
            ChamiloRest::with_password(url, username, r.creds.require("chamilo", "password")?)
        }
    }
    .with_trace(r.trace.clone());
    if r.operation == "authenticate" {
        return Ok(Value::String(client.api_key().await?));
    }
    Ok(client.action(r.operation, &form_pairs(&fields)).await?)
}

/// coreBOS: operation names; the handshake is automatic (D17).
pub async fn corebos(r: Request<'_>) -> anyhow::Result<Value> {
    let client = Corebos::new(
        r.creds.require("corebos", "url")?,
        r.creds.require("corebos", "username")?,
        r.creds.require("corebos", "access_key")?,
    )
    .with_trace(r.trace.clone());
    let mut params = parse_params(r.params)?;
    if let Some(body) = r.json_body {
        let op = r.operation.to_ascii_lowercase();
        if op == "create" || op == "update" || op == "revise" {
            params.push(("element".into(), Value::Object(body.clone()).to_string()));
        } else {
            params.extend(form_pairs(body));
        }
    }
    match r.operation.to_ascii_lowercase().as_str() {
        "login" => {
            let session = client.session().await?;
            Ok(serde_json::json!({"sessionName": session.session_name, "userId": session.user_id}))
        }
        "getchallenge" => {
            bail!("getchallenge and login are done for you; call an operation such as listtypes")
        }
        _ => {
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            Ok(client.operation(r.operation, &pairs).await?)
        }
    }
}

/// Forma: `module/function` with the configured auth method, or `sso USERNAME` (D17).
pub async fn forma(r: Request<'_>) -> anyhow::Result<Value> {
    let url = r.creds.require("forma", "url")?;
    if r.operation == "sso" {
        let [user] = r.params else {
            bail!("usage: gatehouse call forma sso USERNAME");
        };
        let secret = r.creds.require("forma", "sso_secret")?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_secs();
        let link = forma_sso_url(url, user, secret, i64::try_from(now).unwrap_or(i64::MAX));
        return Ok(Value::String(link));
    }
    if !r.operation.contains('/') {
        bail!("forma operations are module/function (e.g. user/checkUsername) or `sso USERNAME`");
    }
    let auth = forma_auth(r.creds)?;
    let client = Forma::new(url, auth).with_trace(r.trace.clone());
    let mut fields = parse_params(r.params)?;
    if let Some(body) = r.json_body {
        fields.extend(form_pairs(body));
    }
    Ok(client.call(r.operation, &fields).await?)
}

/// The Forma method: `auth_method` when given (`code`, `token`, `secret_key`), else the
/// shared `code`, else `key` + `secret`, else `username` + `password`.
fn forma_auth(creds: &Credentials) -> anyhow::Result<FormaAuth> {
    let code = || -> anyhow::Result<FormaAuth> {
        Ok(FormaAuth::Code(creds.require("forma", "code")?.into()))
    };
    let token = || -> anyhow::Result<FormaAuth> {
        Ok(FormaAuth::Token {
            username: creds.require("forma", "username")?.into(),
            password: creds.require("forma", "password")?.into(),
        })
    };
    let signature = || -> anyhow::Result<FormaAuth> {
        Ok(FormaAuth::Signature {
            key: creds.require("forma", "key")?.into(),
            secret: creds.require("forma", "secret")?.into(),
        })
    };
    match creds.get("auth_method") {
        Some("code") => code(),
        Some("token") => token(),
        Some("secret_key" | "signature") => signature(),
        Some(other) => bail!(
            "forma auth_method {other:?}: use code, token or secret_key (GATEHOUSE_FORMA_AUTH_METHOD)"
        ),
        None if creds.get("code").is_some() => code(),
        None if creds.get("key").is_some() || creds.get("username").is_none() => signature(),
        None => token(),
    }
}

/// Wildix: `[METHOD] PATH` under `/api/v1/`, GET by default (D17).
pub async fn wildix(r: Request<'_>) -> anyhow::Result<Value> {
    let app = WildixApp {
        app_id: r.creds.require("wildix", "app_id")?.into(),
        app_name: r.creds.require("wildix", "app_name")?.into(),
        secret: r.creds.require("wildix", "secret")?.into(),
    };
    let client = Wildix::new(r.creds.require("wildix", "url")?, app)?.with_trace(r.trace.clone());
    let upper = r.operation.to_ascii_uppercase();
    let (method, path, rest) = match upper.as_str() {
        "GET" | "POST" | "PUT" | "DELETE" | "PATCH" => {
            let Some((path, rest)) = r.params.split_first() else {
                bail!("usage: gatehouse call wildix {upper} PATH [key=value]...");
            };
            let method = Method::from_bytes(upper.as_bytes()).context("HTTP method")?;
            (method, path.as_str(), rest)
        }
        _ => (Method::GET, r.operation, r.params),
    };
    let fields = Value::Object(object_of(&parse_params(rest)?));
    let has_body = method != Method::GET && method != Method::DELETE;
    let (query, body, encoding) = match (r.json_body, has_body) {
        (Some(json), true) => (fields, Value::Object(json.clone()), BodyEncoding::Json),
        (None, true) => (Value::Null, fields, BodyEncoding::Form),
        (_, false) => (fields, Value::Null, BodyEncoding::Form),
    };
    Ok(client
        .request(method, path, &query, &body, encoding)
        .await?)
}

fn object_of(pairs: &[(String, String)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// Flattens a JSON object into PHP form pairs (`a[b]=c`); booleans as `1`/`0`, nulls dropped.
fn form_pairs(map: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in map {
        flatten(k.clone(), v, &mut out);
    }
    out
}

fn flatten(name: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((name, if *b { "1" } else { "0" }.into())),
        Value::Number(n) => out.push((name, n.to_string())),
        Value::String(s) => out.push((name, s.clone())),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(format!("{name}[{i}]"), v, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten(format!("{name}[{k}]"), v, out);
            }
        }
    }
}
