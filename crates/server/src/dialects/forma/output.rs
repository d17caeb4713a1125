//! Forma's two output encodings of one reply tree (specs/forma.md §2.3, §2.4).
//!
//! A reply is an ordered tree, as PHP's associative arrays are: keys keep insertion order,
//! a list's items (PHP integer keys) become `<element>` in XML and a JSON array, booleans
//! print `true`/`false`, null prints nothing. Deviation, by design (issue #6): XML values
//! are escaped, so a name with `&` or `<` yields a well-formed document where Forma's would
//! break, and JSON values carry no pre-escaped `&amp;` (a JSON client gets the real text).
//! JSON follows the legacy `Services_JSON` encoder: compact, `/` written `\/`, every
//! non-ASCII character as `\uXXXX` (surrogate pairs beyond the BMP, where Forma's encoder
//! writes a broken escape), and control characters other than `\b \t \n \f \r` dropped.

use std::fmt::Write as _;

/// The XML prologue and root Forma writes.
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XMLoutput>";
const XML_TAIL: &str = "</XMLoutput>";

/// One node of a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// A number (where Forma's code casts to int).
    Int(i64),
    /// A string (most database values, even numeric ones).
    Str(String),
    /// A PHP list (keys 0..n-1).
    List(Vec<Value>),
    /// A PHP associative array, in insertion order. Keys that are integers (ids) become
    /// `<element>` in XML, as PHP integer keys do.
    Map(Vec<(String, Value)>),
}

/// Builds an ordered map: `map([("success", true.into()), ...])`.
pub fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

/// The output format chosen for a request (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `<XMLoutput>`; the default.
    Xml,
    /// Compact JSON.
    Json,
}

impl Format {
    /// The `Content-Type` Forma sends.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Xml => "application/xml; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// A success body: the reply tree in `format`.
pub fn success(format: Format, reply: &Value) -> String {
    match format {
        Format::Xml => {
            let mut out = String::from(XML_HEAD);
            xml_children(reply, &mut out);
            out.push_str(XML_TAIL);
            out
        }
        Format::Json => {
            let mut out = String::new();
            json(reply, &mut out);
            out
        }
    }
}

/// An error body: only the message survives (§2.4); `None` is Forma's empty error
/// (`<error></error>` / `{"error":null}`).
pub fn error(format: Format, message: Option<&str>) -> String {
    match format {
        Format::Xml => {
            let mut out = String::from(XML_HEAD);
            out.push_str("<error>");
            out.push_str(&xml_escape(message.unwrap_or_default()));
            out.push_str("</error>");
            out.push_str(XML_TAIL);
            out
        }
        Format::Json => {
            let mut out = String::from("{\"error\":");
            match message {
                Some(text) => json_string(text, &mut out),
                None => out.push_str("null"),
            }
            out.push('}');
            out
        }
    }
}

fn xml_children(value: &Value, out: &mut String) {
    match value {
        Value::Map(entries) => {
            for (key, child) in entries {
                let tag = if is_php_int_key(key) {
                    "element"
                } else {
                    key.as_str()
                };
                xml_element(tag, child, out);
            }
        }
        Value::List(items) => {
            for child in items {
                xml_element("element", child, out);
            }
        }
        scalar => xml_scalar(scalar, out),
    }
}

fn xml_element(tag: &str, value: &Value, out: &mut String) {
    let _ = write!(out, "<{tag}>");
    xml_children(value, out);
    let _ = write!(out, "</{tag}>");
}

fn xml_scalar(value: &Value, out: &mut String) {
    match value {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Str(s) => out.push_str(&xml_escape(s)),
        Value::List(_) | Value::Map(_) => xml_children(value, out),
    }
}

/// Whether PHP would store `key` as an integer key (`"12"`, `"-3"`, not `"012"` or `"+1"`).
fn is_php_int_key(key: &str) -> bool {
    let digits = key.strip_prefix('-').unwrap_or(key);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && !(key.starts_with('-') && digits == "0")
        && key.parse::<i64>().is_ok()
}

/// Escapes text for XML content; control characters XML 1.0 forbids are dropped.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

fn json(value: &Value, out: &mut String) {
    match value {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Str(s) => json_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(key, out);
                out.push(':');
                json(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string as `Services_JSON` writes it.
fn json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {}
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_renders_as_forma_xml_and_json() {
        let reply = map([("success", true.into()), ("idst", 12345.into())]);
        assert_eq!(
            success(Format::Xml, &reply),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XMLoutput><success>true</success><idst>12345</idst></XMLoutput>"
        );
        assert_eq!(
            success(Format::Json, &reply),
            r#"{"success":true,"idst":12345}"#
        );
    }

    #[test]
    fn list_items_and_integer_keys_become_element() {
        let reply = map([
            ("list", Value::List(vec![map([("a", "1".into())])])),
            ("details", Value::Map(vec![("12".into(), false.into())])),
        ]);
        assert_eq!(
            success(Format::Xml, &reply),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XMLoutput><list><element><a>1</a></element></list><details><element>false</element></details></XMLoutput>"
        );
        assert_eq!(
            success(Format::Json, &reply),
            r#"{"list":[{"a":"1"}],"details":{"12":false}}"#
        );
    }

    #[test]
    fn errors_keep_only_the_message() {
        assert_eq!(
            error(Format::Json, Some("Autentication code is not valid")),
            r#"{"error":"Autentication code is not valid"}"#
        );
        assert_eq!(error(Format::Json, None), r#"{"error":null}"#);
        assert!(error(Format::Xml, None).ends_with("<XMLoutput><error></error></XMLoutput>"));
    }

    #[test]
    fn json_escapes_slashes_and_non_ascii_like_services_json() {
        let mut out = String::new();
        json_string("a/b é 😀 \u{1}\n", &mut out);
        assert_eq!(out, r#""a\/b \u00e9 \ud83d\ude00 \n""#);
    }

    #[test]
    fn xml_values_are_escaped_unlike_forma() {
        assert_eq!(xml_escape("a&b<c>\u{1}"), "a&amp;b&lt;c&gt;");
    }

    #[test]
    fn only_canonical_integers_are_php_integer_keys() {
        assert!(is_php_int_key("12"));
        assert!(is_php_int_key("0"));
        assert!(is_php_int_key("-3"));
        assert!(!is_php_int_key("012"));
        assert!(!is_php_int_key("-0"));
        assert!(!is_php_int_key("id"));
    }
}
