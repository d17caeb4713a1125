//! JSON as PHP's `json_encode` writes it, with object keys in insertion order.
//!
//! Chamilo's `RestResponse` is `json_encode` with default flags (specs/chamilo.md §6): `/` is
//! escaped as `\/`, every non-ASCII character as a lowercase `\uXXXX` (UTF-16 surrogate
//! pairs above U+FFFF), and objects keep the order PHP built them in. Clients that compare
//! bodies or hash them need those bytes, so the REST dialect writes its own JSON.

/// A JSON value in the order it is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A PHP list.
    Array(Vec<Json>),
    /// A PHP keyed array, in insertion order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// An object from `(key, value)` pairs, in order.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Json)>) -> Self {
        Self::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The bytes PHP's `json_encode` writes for this value.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Int(i) => out.push_str(&i.to_string()),
            Self::Str(s) => write_string(s, out),
            Self::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            // PHP writes an empty array as a list.
            Self::Object(pairs) if pairs.is_empty() => out.push_str("[]"),
            Self::Object(pairs) => {
                out.push('{');
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

impl From<i64> for Json {
    fn from(i: i64) -> Self {
        Self::Int(i)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(items: Vec<T>) -> Self {
        Self::Array(items.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slashes_and_non_ascii_are_escaped_as_php_does() {
        let value = Json::object([
            ("url", Json::from("http://h/chamilo/")),
            ("name", Json::from("José 😀\u{1}")),
        ]);
        assert_eq!(
            value.encode(),
            r#"{"url":"http:\/\/h\/chamilo\/","name":"Jos\u00e9 \ud83d\ude00\u0001"}"#
        );
    }

    #[test]
    fn lists_scalars_and_empty_arrays_keep_php_shapes() {
        let value = Json::Array(vec![
            Json::Int(123),
            Json::Bool(true),
            Json::Null,
            Json::Object(vec![]),
        ]);
        assert_eq!(value.encode(), "[123,true,null,[]]");
    }
}
