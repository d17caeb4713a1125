//! Chamilo's `registration.soap.php`: rpc/encoded SOAP 1.1 with `secret_key` in every call.
//!
//! `secret_key = sha1(ip + security_key)`, where `ip` is what `testip.php` reports for this
//! caller (specs/chamilo.md §3). The client asks once and reuses the key. Envelopes follow the
//! service description in `gatehouse_wire::chamilo`, so the part name and SOAPAction of every
//! operation are the ones a PHP `SoapClient` would send.

use gatehouse_wire::SoapValue;
use gatehouse_wire::chamilo::SERVICE;
use gatehouse_wire::soap::{NS_SOAP_ENC, NS_SOAP_ENV, NS_XSD, NS_XSI, decode_call};
use reqwest::Method;
use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::http::{Outgoing, default_client, join};
use crate::trace::Trace;

/// A client of Chamilo's SOAP registration service.
#[derive(Debug, Clone)]
pub struct ChamiloSoap {
    http: reqwest::Client,
    base_url: String,
    security_key: String,
    secret_key: std::sync::Arc<OnceCell<(String, String)>>,
    trace: Option<Trace>,
}

impl ChamiloSoap {
    /// A client for the Chamilo at `base_url` (the portal root, e.g. `<sandbox>/chamilo`)
    /// holding the platform's `security_key` (from `app/config/configuration.php`).
    pub fn new(base_url: impl Into<String>, security_key: impl Into<String>) -> Self {
        Self {
            http: default_client(),
            base_url: base_url.into(),
            security_key: security_key.into(),
            secret_key: Default::default(),
            trace: None,
        }
    }

    /// Records every exchange into `trace` (for diagnostics).
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// The IP the server sees for this client, as `testip.php` reports it; asked once.
    pub async fn caller_ip(&self) -> Result<String> {
        Ok(self.key().await?.0.clone())
    }

    async fn key(&self) -> Result<&(String, String)> {
        self.secret_key
            .get_or_try_init(|| async {
                let url = join(&self.base_url, "main/webservices/testip.php");
                let (status, body) = Outgoing::new(Method::GET, url, self.trace.as_ref())
                    .send(&self.http)
                    .await?;
                let ip = String::from_utf8_lossy(&body).trim().to_owned();
                if status != 200 || ip.is_empty() {
                    return Err(Error::Decode(format!(
                        "testip.php answered HTTP {status} with {ip:?}, not an IP address"
                    )));
                }
                let key = gatehouse_schemes::chamilo::soap_secret_key(&ip, &self.security_key);
                Ok((ip, key))
            })
            .await
    }

    /// Calls `operation` with the members of `params` (a struct), adding `secret_key`.
    /// Returns the `return` value; a fault becomes [`Error::ChamiloFault`].
    pub async fn call(&self, operation: &str, params: SoapValue) -> Result<SoapValue> {
        let op = SERVICE.operation(operation).ok_or_else(|| {
            Error::Invalid(format!("{operation} is not an operation of WSRegistration"))
        })?;
        let (ip, secret_key) = self.key().await?;
        let mut members = match params {
            SoapValue::Struct(members) => members,
            SoapValue::Nil => Vec::new(),
            _ => return Err(Error::Invalid("SOAP parameters must be a struct".into())),
        };
        members.retain(|(k, _)| k != "secret_key");
        members.insert(
            0,
            ("secret_key".into(), SoapValue::text(secret_key.clone())),
        );
        let envelope = request_envelope(op.name, op.part, &SoapValue::Struct(members));
        let mut out = Outgoing::new(
            Method::POST,
            join(&self.base_url, gatehouse_wire::chamilo::PATH),
            self.trace.as_ref(),
        )
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", format!("\"{}\"", SERVICE.soap_action(op)));
        out.body = envelope.into_bytes();
        out.canonical = Some(gatehouse_schemes::chamilo::soap_canonical_input(
            ip,
            "{security_key}",
            gatehouse_schemes::chamilo::KeyMode::IpBound,
        ));
        out.signature = Some(secret_key.clone());
        let (status, body) = out.send(&self.http).await?;
        parse_response(status, &body)
    }
}

/// A user as `WSGetUserFromUsername` returns it (`tns:UserWithExtraFields`, specs/chamilo.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChamiloUser {
    /// Chamilo's `user_id`.
    pub user_id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
}

impl ChamiloSoap {
    /// `WSGetUserFromUsername`: the user called `username`.
    /// Chamilo answers an unknown user with an empty record, which is an error here.
    pub async fn get_user_from_username(&self, username: &str) -> Result<ChamiloUser> {
        let params = SoapValue::record([("username", SoapValue::text(username))]);
        let value = self.call("WSGetUserFromUsername", params).await?;
        let user = ChamiloUser {
            user_id: value.str("user_id").to_owned(),
            firstname: value.str("firstname").to_owned(),
            lastname: value.str("lastname").to_owned(),
        };
        if user.user_id.is_empty() || user.user_id == "0" {
            return Err(Error::Decode(format!(
                "no Chamilo user called {username:?}"
            )));
        }
        Ok(user)
    }
}

/// Reads a response envelope: the `return` part, or a fault.
fn parse_response(status: u16, body: &[u8]) -> Result<SoapValue> {
    let call = decode_call(body).map_err(|e| Error::Decode(format!("HTTP {status}: {e}")))?;
    if call.operation == "Fault" {
        let part = |name: &str| {
            call.parts
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str().to_owned())
                .unwrap_or_default()
        };
        return Err(Error::ChamiloFault {
            code: part("faultcode"),
            message: part("faultstring"),
        });
    }
    Ok(call.first_part().cloned().unwrap_or(SoapValue::Nil))
}

/// Writes a SOAP 1.1 rpc/encoded call envelope as PHP `SoapClient` lays it out.
pub fn request_envelope(operation: &str, part: &str, params: &SoapValue) -> String {
    let mut body = String::new();
    write_value(&mut body, part, params);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"{NS_SOAP_ENV}\" xmlns:ns1=\"{ns}\" xmlns:xsd=\"{NS_XSD}\" xmlns:xsi=\"{NS_XSI}\" xmlns:SOAP-ENC=\"{NS_SOAP_ENC}\" SOAP-ENV:encodingStyle=\"{NS_SOAP_ENC}\"><SOAP-ENV:Body><ns1:{operation}>{body}</ns1:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>\n",
        ns = SERVICE.namespace
    )
}

fn write_value(out: &mut String, name: &str, value: &SoapValue) {
    match value {
        SoapValue::Nil => out.push_str(&format!("<{name} xsi:nil=\"true\"/>")),
        SoapValue::Text(t) => out.push_str(&format!("<{name}>{}</{name}>", escape(t))),
        SoapValue::Struct(members) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in members {
                write_value(out, k, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        SoapValue::Array(items) => {
            out.push_str(&format!(
                "<{name} SOAP-ENC:arrayType=\"xsd:anyType[{}]\" xsi:type=\"SOAP-ENC:Array\">",
                items.len()
            ));
            for v in items {
                write_value(out, "item", v);
            }
            out.push_str(&format!("</{name}>"));
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Converts JSON (from the command line) into a SOAP value: objects become structs, arrays
/// arrays, scalars text (booleans as `1`/`0`, as PHP would send them), `null` nil.
pub fn soap_from_json(value: &serde_json::Value) -> SoapValue {
    use serde_json::Value;
    match value {
        Value::Null => SoapValue::Nil,
        Value::Bool(b) => SoapValue::text(if *b { "1" } else { "0" }),
        Value::Number(n) => SoapValue::text(n.to_string()),
        Value::String(s) => SoapValue::text(s.clone()),
        Value::Array(items) => SoapValue::Array(items.iter().map(soap_from_json).collect()),
        Value::Object(map) => {
            SoapValue::record(map.iter().map(|(k, v)| (k.clone(), soap_from_json(v))))
        }
    }
}

/// Converts a SOAP value into JSON: structs become objects (a repeated name keeps the last
/// value), arrays arrays, text strings, nil `null`.
pub fn soap_to_json(value: &SoapValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        SoapValue::Nil => Value::Null,
        SoapValue::Text(t) => Value::String(t.clone()),
        SoapValue::Array(items) => Value::Array(items.iter().map(soap_to_json).collect()),
        SoapValue::Struct(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), soap_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_envelope_reads_back_as_the_same_call() {
        let params = SoapValue::record([
            ("secret_key", SoapValue::text("k&<")),
            ("ids", SoapValue::Array(vec![SoapValue::text("1")])),
        ]);
        let xml = request_envelope("WSDeleteUsers", "user_ids", &params);
        let call = decode_call(xml.as_bytes()).expect("own envelope parses");
        assert_eq!(call.operation, "WSDeleteUsers");
        assert_eq!(call.first_part(), Some(&params));
    }

    #[test]
    fn a_fault_becomes_a_typed_error_with_code_and_message() {
        let xml = gatehouse_wire::soap::encode_fault(
            gatehouse_wire::soap::FaultCode::Server,
            "Secret key is incorrect",
        );
        let err = parse_response(500, xml.as_bytes()).expect_err("fault");
        assert!(
            matches!(err, Error::ChamiloFault { ref code, ref message } if code == "Server" && message == "Secret key is incorrect"),
            "{err:?}"
        );
    }
}
