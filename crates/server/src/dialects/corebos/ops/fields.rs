//! Field values in and out: element JSON -> strings, defaults, mandatory checks, and
//! records -> rows of strings (specs/corebos.md §8.4, §8.5).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::super::codec::Element;
use super::super::error::CorebosError;
use super::super::json::Json;
use super::super::modules::Module;
use super::super::vtql::Row;

/// A value as coreBOS stores it: text; numbers as written; booleans `1`/`0`; multipicklist
/// arrays joined with ` |##| `; `null` empty.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(" |##| "),
        Value::Null | Value::Object(_) => String::new(),
    }
}

/// The values of `element` for the module's writable fields; unknown and read-only fields
/// are ignored, as coreBOS ignores them (§8.4).
pub fn writable_values(module: &Module, element: &Element) -> BTreeMap<String, String> {
    element
        .iter()
        .filter_map(|(name, value)| {
            let field = module.field(name)?;
            field.editable.then(|| (name.clone(), text_of(value)))
        })
        .collect()
}

/// Fills in defaults for fields the create did not give.
pub fn with_defaults(
    module: &Module,
    mut values: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    for field in &module.fields {
        if let Some(default) = &field.default
            && !values.contains_key(&field.name)
        {
            values.insert(field.name.clone(), default.clone());
        }
    }
    values
}

/// `MANDATORY_FIELDS_MISSING` for the first mandatory field without a value among `names`
/// (all fields when `None`): `<Label> (<field>) does not have a value` (§3).
pub fn check_mandatory(
    module: &Module,
    values: &BTreeMap<String, String>,
    names: Option<&[String]>,
) -> Result<(), CorebosError> {
    for field in module.fields.iter().filter(|f| f.mandatory && f.editable) {
        if names.is_some_and(|n| !n.contains(&field.name)) {
            continue;
        }
        if values.get(&field.name).is_none_or(|v| v.trim().is_empty()) {
            return Err(CorebosError::MandatoryFieldMissing {
                label: field.label.clone(),
                field: field.name.clone(),
            });
        }
    }
    Ok(())
}

/// coreBOS's datetime form, `yyyy-mm-dd hh:mm:ss`.
pub fn datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A row as the JSON object of strings that retrieve/create/query return (§8.5).
pub fn row_json(row: &Row) -> Json {
    Json::Obj(
        row.iter()
            .map(|(k, v)| (k.clone(), Json::Str(v.clone())))
            .collect(),
    )
}
