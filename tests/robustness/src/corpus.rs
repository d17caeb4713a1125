//! The hostile input corpus: one TOML manifest per case under `corpus/<dialect>/`.
//!
//! A manifest says what to send and what the dialect must answer:
//!
//! ```toml
//! description = "billion laughs: nested entities in a DOCTYPE"
//! method = "POST"                       # default POST
//! listener = "shared"                   # or "wildix" (Wildix's own listener, at /)
//! path = "/chamilo/main/webservices/registration.soap.php"
//! headers = [{ name = "Content-Type", value = "text/xml" }]
//! body = [{ file = "billion-laughs.xml" }]
//! [expect]
//! status = 500
//! content_type = "text/xml"
//! body_contains = ["<faultcode", "DOCTYPE"]
//! ```
//!
//! The body is a list of parts, each `text`, `file` (beside the manifest) or `hex` (raw
//! bytes, for invalid UTF-8), repeated `times` times: a 10 MB or 100,000-deep case is a few
//! lines of seed, generated when the test runs, never stored. A header's value (`value`, then
//! `hex` bytes) is repeated `times` times and the header sent `copies` times (`{i}` in its name numbers the copies).
//! `{name}` variables are substituted in text parts and UTF-8 files.
//! `declared_length` sends that `Content-Length` with a shorter body and closes the
//! connection's write side: a truncated upload. `{name}` in `path`, header values and `text`
//! parts is replaced by the suite's variables (a session, a key) before sending.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::raw_http::{RawResponse, request_bytes};

/// Which listener a case is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Listener {
    /// The shared listener, every dialect at its mount.
    #[default]
    Shared,
    /// Wildix's own listener, at `/` (D14).
    Wildix,
}

/// One piece of a body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Literal text (variables substituted).
    pub text: Option<String>,
    /// A file beside the manifest, sent as is.
    pub file: Option<String>,
    /// Raw bytes in hex.
    pub hex: Option<String>,
    /// How many times the part is repeated.
    #[serde(default = "one")]
    pub times: usize,
}

/// One header to send.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderSpec {
    /// The name; `{i}` is replaced by the copy's number.
    pub name: String,
    /// The value (variables substituted), repeated `times` times.
    #[serde(default)]
    pub value: String,
    /// Raw value bytes in hex (for bytes that are not UTF-8), appended to `value`.
    pub hex: Option<String>,
    /// Repetitions of `value`.
    #[serde(default = "one")]
    pub times: usize,
    /// How many such headers.
    #[serde(default = "one")]
    pub copies: usize,
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

fn post() -> String {
    "POST".to_owned()
}

/// What the answer must be.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The status code.
    pub status: u16,
    /// Other status codes accepted too (each named with its reason in the manifest).
    #[serde(default)]
    pub or_status: Vec<u16>,
    /// A substring of `Content-Type`.
    pub content_type: Option<String>,
    /// Substrings the body must contain, each.
    #[serde(default)]
    pub body_contains: Vec<String>,
    /// Whether the answer carries `X-Request-Id` (every dialect answer does, D9; answers
    /// given by the HTTP layer before any route is known do not).
    #[serde(default = "yes")]
    pub request_id: bool,
}

/// One hostile request and the answer it must get.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case attacks.
    pub description: String,
    /// The HTTP method.
    #[serde(default = "post")]
    pub method: String,
    /// The listener.
    #[serde(default)]
    pub listener: Listener,
    /// The request target (path and query).
    pub path: String,
    /// Headers, in order.
    #[serde(default)]
    pub headers: Vec<HeaderSpec>,
    /// The body's parts.
    #[serde(default)]
    pub body: Vec<Part>,
    /// A `Content-Length` longer than the body: a truncated upload.
    pub declared_length: Option<usize>,
    /// What the answer must be.
    pub expect: Expect,
    /// Where the manifest is (set when loaded).
    #[serde(skip)]
    pub manifest: PathBuf,
}

/// The suite's variables, `{name}` in a case.
pub type Vars = BTreeMap<String, String>;

fn substitute(text: &str, vars: &Vars) -> String {
    let mut out = text.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Every case under `root` (`<dialect>/<case>.toml`), sorted by path.
pub fn load_all(root: &Path) -> anyhow::Result<Vec<Case>> {
    let mut manifests = Vec::new();
    for dialect in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
        let dialect = dialect?.path();
        if !dialect.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&dialect)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                manifests.push(path);
            }
        }
    }
    manifests.sort();
    manifests
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)?;
            let mut case: Case =
                toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
            case.manifest = path;
            Ok(case)
        })
        .collect()
}

impl Case {
    /// `dialect/case`, for messages.
    pub fn name(&self) -> String {
        let mut parts = self.manifest.iter().rev().take(2).collect::<Vec<_>>();
        parts.reverse();
        let joined = parts
            .iter()
            .map(|p| p.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        joined.trim_end_matches(".toml").to_owned()
    }

    /// The body, generated from its parts.
    pub fn body(&self, vars: &Vars) -> anyhow::Result<Vec<u8>> {
        let dir = self.manifest.parent().unwrap_or(Path::new("."));
        let mut body = Vec::new();
        for part in &self.body {
            let piece = match (&part.text, &part.file, &part.hex) {
                (Some(text), None, None) => substitute(text, vars).into_bytes(),
                (None, Some(file), None) => {
                    let bytes = std::fs::read(dir.join(file))
                        .with_context(|| format!("{}: body file {file}", self.name()))?;
                    match String::from_utf8(bytes) {
                        Ok(text) => substitute(&text, vars).into_bytes(),
                        Err(e) => e.into_bytes(),
                    }
                }
                (None, None, Some(hex)) => hex::decode(hex.replace(char::is_whitespace, ""))
                    .with_context(|| format!("{}: bad hex part", self.name()))?,
                _ => bail!("{}: a part has exactly one of text, file, hex", self.name()),
            };
            for _ in 0..part.times {
                body.extend_from_slice(&piece);
            }
        }
        Ok(body)
    }

    /// The whole request on the wire.
    pub fn request(&self, vars: &Vars) -> anyhow::Result<Vec<u8>> {
        let mut headers = Vec::new();
        for spec in &self.headers {
            let mut one = substitute(&spec.value, vars).into_bytes();
            if let Some(hex) = &spec.hex {
                one.extend(
                    hex::decode(hex.replace(char::is_whitespace, ""))
                        .with_context(|| format!("{}: bad header hex", self.name()))?,
                );
            }
            let value = one.repeat(spec.times);
            for i in 0..spec.copies {
                headers.push((spec.name.replace("{i}", &i.to_string()), value.clone()));
            }
        }
        let body = self.body(vars)?;
        if let Some(declared) = self.declared_length
            && declared <= body.len()
        {
            bail!("{}: declared_length must exceed the body", self.name());
        }
        let target = substitute(&self.path, vars);
        Ok(request_bytes(
            &self.method,
            target.as_bytes(),
            &headers,
            &body,
            self.declared_length,
        ))
    }

    /// Whether `response` is what the case expects; `Err` says what differs.
    pub fn check(&self, response: Option<&RawResponse>) -> Result<(), String> {
        let Some(response) = response else {
            return Err("the server closed the connection without an answer".into());
        };
        let expect = &self.expect;
        let mut problems = Vec::new();
        if response.status != expect.status && !expect.or_status.contains(&response.status) {
            problems.push(format!(
                "status {} (expected {})",
                response.status, expect.status
            ));
        }
        if let Some(wanted) = &expect.content_type {
            let got = response.header("content-type").unwrap_or("");
            if !got.contains(wanted.as_str()) {
                problems.push(format!("content-type {got:?} (expected {wanted:?})"));
            }
        }
        let text = response.text();
        for wanted in &expect.body_contains {
            if !text.contains(wanted.as_str()) {
                problems.push(format!("body lacks {wanted:?}"));
            }
        }
        if expect.request_id && response.header("x-request-id").is_none() {
            problems.push("no X-Request-Id".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            let shown: String = text.chars().take(600).collect();
            Err(format!("{}; body: {shown}", problems.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_generated_and_variables_substituted() {
        let case: Case = toml::from_str(
            r#"
            description = "d"
            path = "/x?s={session}"
            headers = [{ name = "X-F{i}", value = "ab", times = 2, copies = 2 }]
            body = [{ text = "<{session}>" }, { text = "y", times = 3 }, { hex = "ff fe" }]
            [expect]
            status = 200
            "#,
        )
        .unwrap();
        let vars = Vars::from([("session".to_owned(), "S".to_owned())]);
        let request = case.request(&vars).unwrap();
        let text = String::from_utf8_lossy(&request);
        assert!(text.starts_with("POST /x?s=S HTTP/1.1\r\n"), "{text}");
        assert!(text.contains("X-F0: abab\r\nX-F1: abab\r\n"), "{text}");
        assert!(request.ends_with(b"\r\n\r\n<S>yyy\xff\xfe"));
    }
}
