//! JSON as PHP's `json_encode` writes it with default flags, objects in insertion order.
//!
//! Chamilo REST (specs/chamilo.md §6) and coreBOS (specs/corebos.md §2) answer with
//! `json_encode`: `/` escaped as `\/`, every non-ASCII character as a lowercase `\uXXXX`
//! (UTF-16 surrogate pairs above U+FFFF), control characters escaped, DEL left as it is,
//! an empty array written `[]`, and keys in the order PHP built them (coreBOS's `token`,
//! `serverTime`, `expireTime`). Clients that compare or hash bodies need those bytes, and
//! serde_json's maps sort their keys, so replies are built from this small ordered type.

use std::fmt::Write;

/// A JSON value whose objects keep their key order.
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

    /// A string value.
    pub fn str(text: impl Into<String>) -> Self {
        Self::Str(text.into())
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
            Self::Int(n) => {
                let _ = write!(out, "{n}");
            }
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
            // PHP writes an empty array as a list, never `{}`.
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
                    let _ = write!(out, "\\u{unit:04x}");
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
    fn strings_are_escaped_as_php_does() {
        assert_eq!(Json::str("a/b é \"q\"").encode(), r#""a\/b \u00e9 \"q\"""#);
        assert_eq!(
            Json::str("😀\u{1}\u{7f}").encode(),
            "\"\\ud83d\\ude00\\u0001\u{7f}\""
        );
    }

    #[test]
    fn objects_keep_their_key_order_and_empty_ones_are_lists() {
        let value = Json::object([("z", Json::Int(1)), ("a", Json::Bool(true))]);
        assert_eq!(value.encode(), r#"{"z":1,"a":true}"#);
        assert_eq!(Json::Object(vec![]).encode(), "[]");
        assert_eq!(Json::from(vec![Some(1_i64), None]).encode(), "[1,null]");
    }
}
