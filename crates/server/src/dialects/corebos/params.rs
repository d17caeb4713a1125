//! Request parameters as PHP's `$_REQUEST` sees them (specs/corebos.md §1).
//!
//! The query string and an url-encoded body are merged (body wins, `request_order="GP"`);
//! only when both are empty is a JSON object body read, and then only if it has an
//! `operation`. Values are kept as JSON so a JSON body's nested `element` survives (D9).

use std::collections::BTreeMap;

use serde_json::Value;

/// The merged parameters of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(BTreeMap<String, Value>);

impl Params {
    /// Merges the query string with the body, as coreBOS ≥ 2022 does.
    pub fn from_request(query: &str, content_type: &str, body: &[u8]) -> Self {
        let mut params = BTreeMap::new();
        for (k, v) in parse_form(query) {
            params.insert(k, Value::String(v));
        }
        let is_json = content_type.to_ascii_lowercase().contains("json");
        let mut body_pairs = Vec::new();
        if !is_json {
            body_pairs = parse_form(&String::from_utf8_lossy(body));
        }
        for (k, v) in &body_pairs {
            params.insert(k.clone(), Value::String(v.clone()));
        }
        if params.is_empty() && body_pairs.is_empty() {
            // The JSON-body fallback (Angular, Make): only for an object with an operation.
            if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
                let has_operation = map
                    .get("operation")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty());
                if has_operation {
                    params.extend(map);
                }
            }
        }
        Self(params)
    }

    /// A parameter as text; absent when missing or PHP-falsy (`""`, `"0"`, §1.3).
    pub fn text(&self, name: &str) -> Option<String> {
        let value = match self.0.get(name)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(true) => "1".to_owned(),
            _ => return None,
        };
        (!value.is_empty() && value != "0").then_some(value)
    }

    /// A raw parameter value.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Builds parameters from pairs (the codec's unit tests).
    #[cfg(test)]
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                .collect(),
        )
    }
}

/// Parses `application/x-www-form-urlencoded` text leniently: `+` is a space, bad `%`
/// escapes stay as written, a later value of the same name wins (PHP), and `name[]`
/// array syntax is kept as a plain name (clients send hand-built query strings, §10).
pub fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_wins_over_the_query_string() {
        let params = Params::from_request(
            "operation=query&x=1",
            "application/x-www-form-urlencoded",
            b"x=2&y=a+b%2Fc",
        );
        assert_eq!(params.text("x").as_deref(), Some("2"));
        assert_eq!(params.text("y").as_deref(), Some("a b/c"));
        assert_eq!(params.text("operation").as_deref(), Some("query"));
    }

    #[test]
    fn a_json_body_is_read_only_when_query_and_form_are_empty() {
        let body = br#"{"operation":"create","element":{"lastname":"X"}}"#;
        let params = Params::from_request("", "application/json", body);
        assert!(params.raw("element").is_some_and(Value::is_object));
        let params = Params::from_request("operation=listtypes", "application/json", body);
        assert_eq!(params.text("operation").as_deref(), Some("listtypes"));
        assert!(params.raw("element").is_none());
    }

    #[test]
    fn falsy_values_count_as_absent_and_bad_escapes_stay() {
        let params = Params::from_request("a=0&b=&c=%zz%4", "", b"");
        assert_eq!(params.text("a"), None);
        assert_eq!(params.text("b"), None);
        assert_eq!(params.text("c").as_deref(), Some("%zz%4"));
    }
}
