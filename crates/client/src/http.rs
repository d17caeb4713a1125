//! The one place requests are sent: exact bytes out, status and bytes back, traced.

use reqwest::Method;

use crate::error::Result;
use crate::trace::{Exchange, Trace, record};

/// A request as it will go on the wire.
pub(crate) struct Outgoing<'a> {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub canonical: Option<String>,
    pub signature: Option<String>,
    pub trace: Option<&'a Trace>,
}

impl<'a> Outgoing<'a> {
    /// A request with no headers, body or signature.
    pub fn new(method: Method, url: impl Into<String>, trace: Option<&'a Trace>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            canonical: None,
            signature: None,
            trace,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets a form body with its content type.
    pub fn form(self, body: String) -> Self {
        let mut s = self.header("Content-Type", "application/x-www-form-urlencoded");
        s.body = body.into_bytes();
        s
    }

    /// Sends it and returns the status and body.
    pub async fn send(self, http: &reqwest::Client) -> Result<(u16, Vec<u8>)> {
        let mut builder = http.request(self.method.clone(), &self.url);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let response = builder.body(self.body.clone()).send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?.to_vec();
        record(self.trace, || Exchange {
            canonical: self.canonical,
            signature: self.signature,
            request_line: format!("{} {}", self.method, self.url),
            request_headers: self.headers,
            request_body: String::from_utf8_lossy(&self.body).into_owned(),
            status,
            response_body: String::from_utf8_lossy(&bytes).into_owned(),
        });
        Ok((status, bytes))
    }
}

/// A reqwest client with rustls and a sane timeout.
pub(crate) fn default_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap_or_default()
}

/// Encodes form pairs the way PHP's `http_build_query` does (RFC 1738: space as `+`).
pub(crate) fn form_encode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                gatehouse_schemes::php_form::url_encode(k.as_ref().as_bytes()),
                gatehouse_schemes::php_form::url_encode(v.as_ref().as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Joins a base URL and a path with exactly one slash.
pub(crate) fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}
