//! Where REST parameters come from: the query string, the form body and the `hash` JSON.
//!
//! Chamilo reads its routing parameters (`action`, `username`, `api_key`, `course`,
//! `session`) from the query string first, then the POST body, and copies the keys of an
//! optional `hash` JSON object over them; most actions read their data from `$_POST`
//! (specs/chamilo.md §6). Forms are parsed as PHP fills `$_POST`, nested arrays included
//! (`extra[0][field_name]`, `list_users[]`), by `gatehouse_schemes::php_form`.

use gatehouse_schemes::php_form;
use gatehouse_schemes::php_value::{PhpArray, PhpKey, PhpValue};

/// The parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    query: PhpArray,
    post: PhpArray,
    hash: Vec<(String, String)>,
}

/// A form value as text (PHP strings are bytes; invalid UTF-8 is replaced).
fn scalar(value: &PhpValue) -> Option<String> {
    match value {
        PhpValue::Array(_) => None,
        other => Some(String::from_utf8_lossy(&other.to_php_string()).into_owned()),
    }
}

fn key(name: &str) -> PhpKey {
    PhpKey::from_bytes(name.as_bytes())
}

impl Params {
    /// Parses a request: its raw query string, and its body when the content type is a form
    /// (PHP fills `$_POST` from nothing else).
    pub fn parse(query: &str, content_type: Option<&str>, body: &[u8]) -> Self {
        let form = content_type.is_none_or(|ct| {
            ct.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        let post = if form {
            php_form::parse_post(body)
        } else {
            PhpArray::new()
        };
        let query = php_form::parse_str(query.as_bytes());
        let mut params = Self {
            query,
            post,
            hash: Vec::new(),
        };
        // Newest Chamilo reads `hash` from the query only, 1.11.6 from GET and POST: accept both.
        if let Some(raw) = params.query_first("hash") {
            params.hash = decode_hash(&raw);
        }
        params
    }

    fn query_first(&self, name: &str) -> Option<String> {
        let k = key(name);
        self.query
            .get(&k)
            .or_else(|| self.post.get(&k))
            .and_then(scalar)
    }

    /// A routing parameter (`action`, `username`, `api_key`, `course`, `session`): the
    /// `hash` JSON, then the query string, then the body.
    pub fn routing(&self, name: &str) -> Option<String> {
        self.hash
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| self.query_first(name))
    }

    /// A value read from the body only, as Chamilo reads `password` in `authenticate`.
    pub fn post_only(&self, name: &str) -> Option<String> {
        self.post.get(&key(name)).and_then(scalar)
    }

    /// A data parameter: the body first (Chamilo's `$_POST`), then the query string, so
    /// clients that send everything in the URL work too.
    pub fn data(&self, name: &str) -> Option<String> {
        let k = key(name);
        self.post
            .get(&k)
            .or_else(|| self.query.get(&k))
            .and_then(scalar)
    }

    /// A data parameter, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.data(name).unwrap_or_default()
    }

    /// A data parameter read as PHP's `(int)` cast: leading digits, else 0; `None` when absent.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.data(name).map(|v| php_int(&v))
    }

    /// A data parameter read as a flag: present and not `""`, `"0"` or `"false"`.
    pub fn flag(&self, name: &str) -> bool {
        self.data(name)
            .is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"))
    }

    /// The raw nested value of a data parameter.
    pub fn value(&self, name: &str) -> Option<&PhpValue> {
        let k = key(name);
        self.post.get(&k).or_else(|| self.query.get(&k))
    }

    /// A list parameter (`list_users[]=5&list_users[]=6`); a plain value is split at commas.
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.value(name) {
            Some(PhpValue::Array(items)) => items.iter().filter_map(|(_, v)| scalar(v)).collect(),
            Some(other) => scalar(other)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            None => Vec::new(),
        }
    }

    /// The body's fields in order, nested values as they are (for `update_user_from_username`,
    /// where the whole `$_POST` is the patch).
    pub fn post_fields(&self) -> Vec<(String, PhpValue)> {
        self.post
            .iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(&k.to_bytes()).into_owned(),
                    v.clone(),
                )
            })
            .collect()
    }

    /// The body's fields whose names start with `prefix` (`save_course`'s `extra_*` keys).
    pub fn prefixed(&self, prefix: &str) -> Vec<(String, String)> {
        self.post_fields()
            .into_iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, v)| scalar(&v).map(|v| (k, v)))
            .collect()
    }
}

/// `extra` as Chamilo accepts it: a list of `{field_name, field_value}` or a map name → value.
pub fn extra_pairs(value: Option<&PhpValue>) -> Vec<(String, String)> {
    let Some(PhpValue::Array(items)) = value else {
        return Vec::new();
    };
    let name_key = key("field_name");
    let value_key = key("field_value");
    items
        .iter()
        .filter_map(|(k, v)| match v {
            PhpValue::Array(item) => {
                let name = item.get(&name_key).and_then(scalar)?;
                let value = item.get(&value_key).and_then(scalar).unwrap_or_default();
                Some((name, value))
            }
            scalar_value => Some((
                String::from_utf8_lossy(&k.to_bytes()).into_owned(),
                scalar(scalar_value)?,
            )),
        })
        .filter(|(name, _)| !name.trim().is_empty())
        .collect()
}

/// PHP's `(int)` cast of a string: optional sign and leading digits, else 0.
pub fn php_int(text: &str) -> i64 {
    let t = text.trim_start();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map_or(0, |n| sign * n)
}

/// The keys of a `hash` JSON object as strings; anything else yields nothing.
fn decode_hash(raw: &str) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw) else {
        return Vec::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => if b { "1" } else { "" }.to_owned(),
                _ => return None,
            };
            Some((k, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_parameters_come_from_the_hash_then_the_query_then_the_body() {
        let p = Params::parse(
            "action=get_courses&hash=%7B%22username%22%3A%22ann%22%7D",
            Some("application/x-www-form-urlencoded"),
            b"action=user_profile&username=bob&api_key=k",
        );
        assert_eq!(p.routing("action").as_deref(), Some("get_courses"));
        assert_eq!(p.routing("username").as_deref(), Some("ann"));
        assert_eq!(p.routing("api_key").as_deref(), Some("k"));
    }

    #[test]
    fn nested_form_arrays_become_lists_and_extra_pairs() {
        let p = Params::parse(
            "",
            None,
            b"list_users[]=5&list_users[]=6&extra[0][field_name]=age&extra[0][field_value]=29",
        );
        assert_eq!(p.list("list_users"), ["5", "6"]);
        assert_eq!(
            extra_pairs(p.value("extra")),
            [("age".to_owned(), "29".to_owned())]
        );
    }

    #[test]
    fn a_json_body_is_not_a_form() {
        let p = Params::parse("", Some("application/json"), b"password=x");
        assert_eq!(p.post_only("password"), None);
    }

    #[test]
    fn integers_are_cast_as_php_does() {
        assert_eq!(php_int("12abc"), 12);
        assert_eq!(php_int("admin"), 0);
        assert_eq!(php_int(" -3"), -3);
    }
}
