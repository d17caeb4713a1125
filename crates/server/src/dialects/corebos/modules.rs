//! Module definitions as data: one JSON file per module under `modules/`, embedded at
//! build time (specs/corebos.md §8.2, §8.3).
//!
//! Adding a module is adding its JSON file to `modules/` (build.rs lists them); the operations read
//! everything else (fields, types, mandatory flags, picklists, reference targets) from it.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use super::json::Json;

// `FILES`: every `modules/*.json`, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/corebos_modules.rs"));

/// The module backed by the Directory rather than by CRM records (§9).
pub const USERS: &str = "Users";

/// One module: its name, ws entity id and fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Module {
    /// The module name (`Contacts`).
    pub name: String,
    /// The ws entity id: the `12` of `12x34` (§8.1).
    pub id_prefix: i64,
    /// The plural label.
    pub label: String,
    /// The singular label.
    pub singular: String,
    /// The fields that name a record.
    pub label_fields: Vec<String>,
    /// The fields, in display order.
    pub fields: Vec<Field>,
}

/// One field's metadata.
#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    /// The field name (`lastname`).
    pub name: String,
    /// The label (`Last Name`).
    pub label: String,
    /// The type object of `describe` (`{"name":"picklist","picklistValues":[...]}`).
    #[serde(rename = "type")]
    pub kind: Value,
    /// coreBOS's uitype, as a string.
    pub uitype: String,
    /// Whether create/update must give it a value.
    #[serde(default)]
    pub mandatory: bool,
    /// Whether clients may write it.
    #[serde(default = "yes")]
    pub editable: bool,
    /// The value a create fills in when none is given.
    #[serde(default)]
    pub default: Option<String>,
    /// The block (section) label.
    #[serde(default)]
    pub block: String,
    /// For a record-number field (`contact_no`), the prefix its value is made of: `CON` gives
    /// `CON<record id>`.
    #[serde(default)]
    pub autonumber: Option<String>,
}

fn yes() -> bool {
    true
}

impl Field {
    /// The type name (`string`, `reference`, `owner`, ...).
    pub fn type_name(&self) -> &str {
        self.kind
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("string")
    }

    /// The modules a reference field may point at.
    pub fn refers_to(&self) -> Vec<&str> {
        match self.type_name() {
            "owner" => vec![USERS],
            _ => self
                .kind
                .get("refersTo")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// Whether the field holds ws ids (reference or owner).
    pub fn is_reference(&self) -> bool {
        matches!(self.type_name(), "reference" | "owner")
    }

    /// Whether the field is never shown back (passwords, §9).
    pub fn is_secret(&self) -> bool {
        self.type_name() == "password"
    }

    /// coreBOS's `typeofdata`: a type letter, `~M` when mandatory, `~O` otherwise.
    fn typeofdata(&self) -> String {
        let letter = match self.type_name() {
            "email" => "E",
            "date" => "D",
            "datetime" => "DT",
            "integer" => "I",
            "double" | "currency" => "N",
            "boolean" => "C",
            _ => "V",
        };
        format!("{letter}~{}", if self.mandatory { "M" } else { "O" })
    }

    /// The field as `describe` shows it (§8.3); `owners` fills an owner field's `assignto`.
    pub fn describe(&self, sequence: usize, block_ids: &[String], owners: &Json) -> Json {
        let mut kind = Json::from(&self.kind);
        if self.type_name() == "owner"
            && let Json::Obj(pairs) = &mut kind
        {
            pairs.push(("assignto".into(), owners.clone()));
        }
        let block_index = block_ids.iter().position(|b| *b == self.block).unwrap_or(0);
        let mut pairs = vec![
            ("name", Json::str(&self.name)),
            ("label", Json::str(&self.label)),
            ("label_raw", Json::str(&self.label)),
            ("mandatory", Json::Bool(self.mandatory)),
            ("type", kind),
            ("nullable", Json::Bool(!self.mandatory)),
            ("editable", Json::Bool(self.editable)),
            ("uitype", Json::str(&self.uitype)),
            ("helpinfo", Json::str("")),
            ("typeofdata", Json::Str(self.typeofdata())),
            ("sequence", Json::Str(sequence.to_string())),
            ("quickcreate", Json::Bool(self.mandatory)),
            (
                "displaytype",
                Json::str(if self.editable { "1" } else { "2" }),
            ),
            ("summary", Json::str("N")),
            (
                "block",
                Json::obj([
                    ("blockid", Json::Str((block_index + 1).to_string())),
                    ("blocksequence", Json::Str((block_index + 1).to_string())),
                    ("blocklabel", Json::str(&self.block)),
                    ("blockname", Json::str(&self.block)),
                ]),
            ),
        ];
        if let Some(default) = &self.default {
            pairs.push(("default", Json::str(default)));
        }
        Json::obj(pairs)
    }
}

impl Module {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether records of the module live in the Directory (`Users`).
    pub fn is_users(&self) -> bool {
        self.name == USERS
    }

    /// The module's blocks in order of first appearance.
    pub fn blocks(&self) -> Vec<String> {
        let mut blocks: Vec<String> = Vec::new();
        for field in &self.fields {
            if !blocks.contains(&field.block) {
                blocks.push(field.block.clone());
            }
        }
        blocks
    }
}

/// Every module, parsed once.
pub fn all() -> &'static [Module] {
    static MODULES: OnceLock<Vec<Module>> = OnceLock::new();
    MODULES.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|text| match serde_json::from_str::<Module>(text) {
                Ok(module) => Some(module),
                Err(error) => {
                    tracing::error!(%error, "a coreBOS module definition does not parse; skipped");
                    None
                }
            })
            .collect()
    })
}

/// The module called `name` (module names are case-insensitive in VTQL, exact elsewhere).
pub fn by_name(name: &str) -> Option<&'static Module> {
    all().iter().find(|m| m.name == name)
}

/// The module called `name`, compared case-insensitively (VTQL, §8.6).
pub fn by_name_ignoring_case(name: &str) -> Option<&'static Module> {
    all().iter().find(|m| m.name.eq_ignore_ascii_case(name))
}

/// The module whose ws entity id is `prefix`.
pub fn by_prefix(prefix: i64) -> Option<&'static Module> {
    all().iter().find(|m| m.id_prefix == prefix)
}

/// A ws id `<prefix>x<id>` split into its numbers.
pub fn parse_ws_id(text: &str) -> Option<(i64, i64)> {
    let (prefix, id) = text.trim().split_once('x')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(prefix) || !all_digits(id) {
        return None;
    }
    Some((prefix.parse().ok()?, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_file_parses_and_has_a_unique_prefix() {
        assert_eq!(all().len(), FILES.len());
        let mut prefixes: Vec<i64> = all().iter().map(|m| m.id_prefix).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        assert_eq!(prefixes.len(), FILES.len());
        assert_eq!(by_name("Users").map(|m| m.id_prefix), Some(19));
    }

    #[test]
    fn ws_ids_are_two_numbers_around_an_x() {
        assert_eq!(parse_ws_id("12x34"), Some((12, 34)));
        assert_eq!(parse_ws_id("12x"), None);
        assert_eq!(parse_ws_id("ax1"), None);
        assert_eq!(parse_ws_id("34"), None);
    }
}
