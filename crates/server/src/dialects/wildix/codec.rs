//! Request → [`Op`], and results → the `{"type":"result","result":…}` envelope.
//!
//! Paths are matched segment by segment after `/api/v1/` (fixed words compared
//! case-insensitively: clients write both `PBX` and `pbx`); parameters come from the raw query
//! and body parsed with PHP semantics, the same maps the signature covered.

use axum::response::{IntoResponse, Response};
use gatehouse_schemes::php_value::{PhpArray, PhpKey, PhpValue};
use http::{Method, header};
use serde_json::Value;

use super::error::WildixError;

/// Most rows one page returns (a Wildix CallHistory page holds at most 100, specs/wildix.md §6).
pub const MAX_PAGE: u64 = 100;

/// A window of a list: `start` (offset) and `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Rows skipped.
    pub start: u64,
    /// Rows at most.
    pub count: u64,
}

/// The fields of `POST PBX/settings/CallQueues/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQueueFields {
    /// Queue name (required).
    pub name: String,
    /// Description.
    pub description: String,
    /// Ring strategy.
    pub strategy: String,
    /// Static members (`members[]=…` or a comma list).
    pub members: Vec<String>,
}

/// Which calls a CallHistory request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryScope {
    /// Every call (`PBX/CallHistory/`).
    All,
    /// The calling user's own extension (`CallHistory/`).
    Own,
    /// One extension's calls (`User/{ext}/CallHistory/`).
    Extension(String),
}

/// One Wildix API operation, named as the URL names it.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `GET PBX/settings/CallQueues/`.
    ListCallQueues(Paging),
    /// `POST PBX/settings/CallQueues/`.
    CreateCallQueue(NewQueueFields),
    /// `GET PBX/settings/CallQueues/{id}/`.
    GetCallQueue(i64),
    /// `POST PBX/settings/CallQueues/{id}/members/dynamic/`.
    AddDynamicMember {
        /// Queue id.
        queue: i64,
        /// Member interface.
        member: String,
    },
    /// `DELETE PBX/settings/CallQueues/{id}/members/dynamic/{member}`.
    RemoveDynamicMember {
        /// Queue id.
        queue: i64,
        /// Member interface.
        member: String,
    },
    /// `GET PBX/CallHistory/`, `CallHistory/`, `User/{ext}/CallHistory/`.
    CallHistory {
        /// Whose calls.
        scope: HistoryScope,
        /// The query parameters (`fields`, `filter`, `count`, `start`).
        params: PhpArray,
    },
    /// `GET Sounds/?directory=`.
    ListSounds {
        /// Only this directory.
        directory: Option<String>,
    },
    /// `POST Sounds/`.
    CreateSound(PhpArray),
    /// `DELETE Sounds/{name}`.
    DeleteSound {
        /// Sound name.
        name: String,
        /// Only in this directory.
        directory: Option<String>,
    },
    /// `POST Originate`.
    Originate(PhpArray),
    /// `GET Colleagues/`.
    Colleagues(Paging),
}

impl Op {
    /// Whether the operation changes stored data or starts a call, and so is audited as
    /// a write.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Self::CreateCallQueue(_)
                | Self::AddDynamicMember { .. }
                | Self::RemoveDynamicMember { .. }
                | Self::CreateSound(_)
                | Self::DeleteSound { .. }
                | Self::Originate(_)
        )
    }

    /// The operation's name for audit and logs.
    pub fn wire_name(&self) -> &'static str {
        match self {
            Self::ListCallQueues(_) => "CallQueues.list",
            Self::CreateCallQueue(_) => "CallQueues.create",
            Self::GetCallQueue(_) => "CallQueues.get",
            Self::AddDynamicMember { .. } => "CallQueues.members.dynamic.add",
            Self::RemoveDynamicMember { .. } => "CallQueues.members.dynamic.delete",
            Self::CallHistory { .. } => "CallHistory",
            Self::ListSounds { .. } => "Sounds.list",
            Self::CreateSound(_) => "Sounds.create",
            Self::DeleteSound { .. } => "Sounds.delete",
            Self::Originate(_) => "Originate",
            Self::Colleagues(_) => "Colleagues",
        }
    }
}

/// Decodes a request (its path below the mount, query and body maps) into an [`Op`].
pub fn decode(
    method: &Method,
    path: &str,
    query: &PhpArray,
    body: &PhpArray,
) -> Result<Op, WildixError> {
    let rest = strip_prefix_ci(path, "/api/v1/").ok_or(WildixError::NotFound)?;
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let is = |i: usize, word: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(word));
    let m = method.as_str();
    let op = match segs.len() {
        3 if is(0, "pbx") && is(1, "settings") && is(2, "callqueues") => match m {
            "GET" => Op::ListCallQueues(paging(query, 1000)?),
            "POST" => create_queue(body)?,
            _ => return Err(WildixError::MethodNotAllowed),
        },
        4 if is(0, "pbx") && is(1, "settings") && is(2, "callqueues") => match m {
            "GET" => Op::GetCallQueue(queue_id(segs[3])?),
            _ => return Err(WildixError::MethodNotAllowed),
        },
        6 | 7
            if is(0, "pbx")
                && is(1, "settings")
                && is(2, "callqueues")
                && is(4, "members")
                && is(5, "dynamic") =>
        {
            let queue = queue_id(segs[3])?;
            match (m, segs.get(6)) {
                ("POST", None) => Op::AddDynamicMember {
                    queue,
                    member: required(body, "member")?,
                },
                ("DELETE", Some(member)) => Op::RemoveDynamicMember {
                    queue,
                    member: percent_decode(member),
                },
                _ => return Err(WildixError::MethodNotAllowed),
            }
        }
        2 if is(0, "pbx") && is(1, "callhistory") => history(m, HistoryScope::All, query)?,
        1 if is(0, "callhistory") => history(m, HistoryScope::Own, query)?,
        3 if is(0, "user") && is(2, "callhistory") => {
            history(m, HistoryScope::Extension(percent_decode(segs[1])), query)?
        }
        1 if is(0, "sounds") => match m {
            "GET" => Op::ListSounds {
                directory: text(query, "directory").filter(|d| !d.is_empty()),
            },
            "POST" => Op::CreateSound(body.clone()),
            _ => return Err(WildixError::MethodNotAllowed),
        },
        2 if is(0, "sounds") => match m {
            "DELETE" => Op::DeleteSound {
                name: percent_decode(segs[1]),
                directory: text(query, "directory").filter(|d| !d.is_empty()),
            },
            _ => return Err(WildixError::MethodNotAllowed),
        },
        1 if is(0, "originate") => match m {
            "POST" => Op::Originate(body.clone()),
            _ => return Err(WildixError::MethodNotAllowed),
        },
        1 if is(0, "colleagues") => match m {
            "GET" => Op::Colleagues(paging(query, 1000)?),
            _ => return Err(WildixError::MethodNotAllowed),
        },
        _ => return Err(WildixError::NotFound),
    };
    Ok(op)
}

fn history(method: &str, scope: HistoryScope, query: &PhpArray) -> Result<Op, WildixError> {
    if method != "GET" {
        return Err(WildixError::MethodNotAllowed);
    }
    Ok(Op::CallHistory {
        scope,
        params: query.clone(),
    })
}

fn create_queue(body: &PhpArray) -> Result<Op, WildixError> {
    let members = match get(body, "members") {
        Some(PhpValue::Array(list)) => list
            .iter()
            .filter_map(|(_, v)| scalar(v))
            .filter(|s| !s.is_empty())
            .collect(),
        Some(v) => scalar(v)
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None => Vec::new(),
    };
    Ok(Op::CreateCallQueue(NewQueueFields {
        name: required(body, "name")?,
        description: text(body, "description").unwrap_or_default(),
        strategy: text(body, "strategy").unwrap_or_default(),
        members,
    }))
}

fn queue_id(seg: &str) -> Result<i64, WildixError> {
    seg.parse::<i64>().map_err(|_| WildixError::NotFound)
}

fn strip_prefix_ci<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let head = path.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &path[prefix.len()..])
        .or_else(|| {
            path.eq_ignore_ascii_case(prefix.trim_end_matches('/'))
                .then_some("")
        })
}

fn percent_decode(seg: &str) -> String {
    String::from_utf8_lossy(&gatehouse_schemes::php_form::url_decode(seg.as_bytes())).into_owned()
}

/// The value of `key` in a PHP map.
pub fn get<'a>(map: &'a PhpArray, key: &str) -> Option<&'a PhpValue> {
    map.get(&PhpKey::from_bytes(key.as_bytes()))
}

/// A scalar as PHP's string conversion gives it, trimmed; `None` for arrays.
pub fn scalar(value: &PhpValue) -> Option<String> {
    match value {
        PhpValue::Array(_) => None,
        other => Some(
            String::from_utf8_lossy(&other.to_php_string())
                .trim()
                .to_owned(),
        ),
    }
}

/// The text value of `key`, if present and not an array.
pub fn text(map: &PhpArray, key: &str) -> Option<String> {
    get(map, key).and_then(scalar)
}

/// The text value of `key`; missing, empty or an array is a 400 naming it (D4).
pub fn required(map: &PhpArray, key: &str) -> Result<String, WildixError> {
    match get(map, key) {
        None => Err(WildixError::invalid(key, "is required")),
        Some(PhpValue::Array(_)) => Err(WildixError::invalid(key, "must be a single value")),
        Some(v) => scalar(v)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| WildixError::invalid(key, "must not be empty")),
    }
}

/// An optional non-negative integer parameter.
pub fn number(map: &PhpArray, key: &str) -> Result<Option<u64>, WildixError> {
    match text(map, key) {
        None => match get(map, key) {
            Some(_) => Err(WildixError::invalid(key, "must be a single value")),
            None => Ok(None),
        },
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => s.parse::<u64>().map(Some).map_err(|_| {
            WildixError::invalid(key, format!("must be a non-negative integer, got {s:?}"))
        }),
    }
}

/// `count` (default and cap `max`) and `start` (default 0).
pub fn paging(map: &PhpArray, max: u64) -> Result<Paging, WildixError> {
    let count = number(map, "count")?.unwrap_or(max).min(max);
    let start = number(map, "start")?.unwrap_or(0);
    Ok(Paging { start, count })
}

/// The success envelope.
pub fn result(value: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({"type": "result", "result": value}).to_string(),
    )
        .into_response()
}

/// The list envelope: `result.records` with `count`, `start` and `total`.
pub fn records(rows: Vec<Value>, paging: Paging, total: u64) -> Response {
    result(serde_json::json!({
        "records": rows,
        "count": paging.count,
        "start": paging.start,
        "total": total,
    }))
}

#[cfg(test)]
mod tests {
    use gatehouse_schemes::php_form::{parse_post, parse_str};

    use super::*;

    fn op(method: Method, path: &str, query: &str, body: &str) -> Result<Op, WildixError> {
        decode(
            &method,
            path,
            &parse_str(query.as_bytes()),
            &parse_post(body.as_bytes()),
        )
    }

    #[test]
    fn call_queue_paths_decode_with_either_case_of_pbx() {
        assert!(matches!(
            op(Method::GET, "/api/v1/PBX/settings/CallQueues/", "", ""),
            Ok(Op::ListCallQueues(_))
        ));
        assert!(matches!(
            op(Method::GET, "/api/v1/pbx/settings/callqueues/7/", "", ""),
            Ok(Op::GetCallQueue(7))
        ));
        assert!(matches!(
            op(
                Method::DELETE,
                "/api/v1/PBX/settings/CallQueues/7/members/dynamic/1001",
                "",
                ""
            ),
            Ok(Op::RemoveDynamicMember { queue: 7, .. })
        ));
    }

    #[test]
    fn adding_a_dynamic_member_without_member_names_the_field() {
        let err = op(
            Method::POST,
            "/api/v1/PBX/settings/CallQueues/7/members/dynamic/",
            "",
            "",
        )
        .unwrap_err();
        assert!(matches!(err, WildixError::Invalid { ref field, .. } if field == "member"));
    }

    #[test]
    fn an_unknown_path_is_not_found_and_a_wrong_method_is_not_allowed() {
        assert!(matches!(
            op(Method::GET, "/api/v1/Nope", "", ""),
            Err(WildixError::NotFound)
        ));
        assert!(matches!(
            op(Method::GET, "/elsewhere", "", ""),
            Err(WildixError::NotFound)
        ));
        assert!(matches!(
            op(Method::PUT, "/api/v1/Originate", "", ""),
            Err(WildixError::MethodNotAllowed)
        ));
    }

    #[test]
    fn paging_caps_count_and_refuses_words() {
        let p = paging(&parse_str(b"count=500&start=3"), 100).unwrap();
        assert_eq!(
            p,
            Paging {
                start: 3,
                count: 100
            }
        );
        assert!(paging(&parse_str(b"count=many"), 100).is_err());
    }
}
