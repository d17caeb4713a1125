//! Field readers for typed results that tolerate PHP's loose typing.
//!
//! The legacy products serialise database values as they come: Forma sends `"idst":"12345"`
//! in lists and `"idst":12345` where its code casts, Chamilo mixes ints and numeric strings
//! across versions, and optional members are sometimes `null`, sometimes absent. A typed
//! result must read every variant the real products send, not only gatehouse's.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An integer sent as a JSON number or a numeric string; `null`, `""` and `false` read as 0.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let value = Value::deserialize(d)?;
    int_of(&value).ok_or_else(|| serde::de::Error::custom(format!("not an integer: {value}")))
}

/// Like [`int`], but `null`, absent or empty is `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => int_of(&v)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("not an integer: {v}"))),
    }
}

/// A string sent as a JSON string, number or boolean; `null` reads as `""`.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => String::new(),
        Value::String(s) => s,
        Value::Bool(b) => if b { "1" } else { "" }.to_owned(),
        other => other.to_string(),
    })
}

/// A boolean sent as `true`/`false`, `1`/`0` or `"1"`/`"0"` (PHP truthiness for the rest).
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(truthy(&Value::deserialize(d)?))
}

/// PHP's truthiness of a decoded JSON value.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty() && s != "0",
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The integer a PHP value stands for, if it is one (see [`int`]).
pub(crate) fn int_value(value: &Value) -> Option<i64> {
    int_of(value)
}

fn int_of(value: &Value) -> Option<i64> {
    match value {
        Value::Null | Value::Bool(false) => Some(0),
        Value::Bool(true) => Some(1),
        Value::Number(n) => n.as_i64(),
        Value::String(s) if s.trim().is_empty() => Some(0),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A list that PHP may have sent as a JSON object keyed by index or id (or as `false`/`null`
/// when empty): the values, in the order received.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let items: Vec<Value> = match Value::deserialize(d)? {
        Value::Array(items) => items,
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        Value::Null | Value::Bool(false) => Vec::new(),
        other => return Err(serde::de::Error::custom(format!("not a list: {other}"))),
    };
    items
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(serde::de::Error::custom))
        .collect()
}

/// Reads a typed result from a decoded answer, naming the operation when the shape is wrong.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> crate::Result<T> {
    serde_json::from_value(value)
        .map_err(|e| crate::Error::Decode(format!("{what}: unexpected shape: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "int")]
        id: i64,
        #[serde(default, deserialize_with = "opt_int")]
        parent: Option<i64>,
        #[serde(deserialize_with = "text")]
        name: String,
        #[serde(deserialize_with = "flag")]
        active: bool,
        #[serde(default, deserialize_with = "list")]
        tags: Vec<String>,
    }

    #[test]
    fn php_numbers_read_from_strings_and_numbers_alike() {
        let a: Row = serde_json::from_value(serde_json::json!(
            {"id": "12", "parent": "", "name": 5, "active": "1", "tags": {"3": "x", "7": "y"}}
        ))
        .expect("reads");
        assert_eq!(
            (a.id, a.parent, a.name.as_str(), a.active),
            (12, None, "5", true)
        );
        assert_eq!(a.tags, ["x", "y"]);
        let b: Row = serde_json::from_value(serde_json::json!(
            {"id": 12, "parent": 3, "name": null, "active": 0, "tags": false}
        ))
        .expect("reads");
        assert_eq!(
            (b.id, b.parent, b.name.as_str(), b.active),
            (12, Some(3), "", false)
        );
        assert!(b.tags.is_empty());
    }

    #[test]
    fn a_non_numeric_id_is_a_decode_error_not_a_zero() {
        let err = serde_json::from_value::<Row>(serde_json::json!(
            {"id": "abc", "name": "", "active": true}
        ));
        assert!(err.is_err());
    }
}
