//! Request parameters -> one [`Op`]; replies -> the coreBOS JSON envelope (specs/corebos.md §1, §2).
//!
//! Pure: no I/O, so every decoding rule is unit-tested here.

use http::HeaderMap;
use serde_json::{Map, Value};

use super::error::CorebosError;
use super::json::Json;
use super::params::Params;

/// The name of an operation, before its parameters are bound.
///
/// coreBOS checks the name, then the session, then binds parameters (§1 dispatcher), so the
/// name is decoded first: an unknown operation is refused even without a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpName {
    /// `getchallenge`.
    GetChallenge,
    /// `login`.
    Login,
    /// `extendsession`.
    ExtendSession,
    /// `logout`.
    Logout,
    /// `listtypes`.
    ListTypes,
    /// `describe`.
    Describe,
    /// `create`.
    Create,
    /// `retrieve`.
    Retrieve,
    /// `update`.
    Update,
    /// `revise`.
    Revise,
    /// `delete`.
    Delete,
    /// `query`.
    Query,
}

impl OpName {
    const ALL: [OpName; 12] = [
        Self::GetChallenge,
        Self::Login,
        Self::ExtendSession,
        Self::Logout,
        Self::ListTypes,
        Self::Describe,
        Self::Create,
        Self::Retrieve,
        Self::Update,
        Self::Revise,
        Self::Delete,
        Self::Query,
    ];

    /// The operation named by the `operation` parameter, compared case-insensitively (§1).
    pub fn parse(params: &Params) -> Result<Self, CorebosError> {
        let name = params.text("operation").unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|op| op.wire_name().eq_ignore_ascii_case(name.trim()))
            .ok_or(CorebosError::UnknownOperation)
    }

    /// The name as coreBOS spells it.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::GetChallenge => "getchallenge",
            Self::Login => "login",
            Self::ExtendSession => "extendsession",
            Self::Logout => "logout",
            Self::ListTypes => "listtypes",
            Self::Describe => "describe",
            Self::Create => "create",
            Self::Retrieve => "retrieve",
            Self::Update => "update",
            Self::Revise => "revise",
            Self::Delete => "delete",
            Self::Query => "query",
        }
    }

    /// Whether the operation runs without a session (§8.1 "prelogin").
    pub fn prelogin(self) -> bool {
        matches!(self, Self::GetChallenge | Self::Login | Self::ExtendSession)
    }
}

/// A record as a client sends it in `element`.
pub type Element = Map<String, Value>;

/// One decoded request (STYLE.md §1: named as the wire names it).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `getchallenge(username)`.
    GetChallenge {
        /// The user the token is for.
        username: String,
    },
    /// `login(username, accessKey)`.
    Login {
        /// The user logging in.
        username: String,
        /// `md5(token + access key)` (or `token + password` in password mode).
        access_key: String,
    },
    /// `extendsession`: swaps the `gatehouse_session` cookie for a web-service session (D15).
    ExtendSession,
    /// `logout(sessionName)`.
    Logout {
        /// Whether `sessionName` came as a parameter (not only as the header, §7).
        session_param: bool,
    },
    /// `listtypes(fieldTypeList)`.
    ListTypes {
        /// Only modules with a field of one of these types.
        field_types: Option<Vec<String>>,
    },
    /// `describe(elementType)`: one module or a comma list.
    Describe {
        /// The module name(s).
        element_type: String,
    },
    /// `create(elementType, element)`.
    Create {
        /// The module.
        element_type: String,
        /// The field values.
        element: Element,
    },
    /// `retrieve(id)`.
    Retrieve {
        /// The ws id (`12x34`).
        id: String,
    },
    /// `update(element)`: a full replace.
    Update {
        /// The field values with `id`.
        element: Element,
    },
    /// `revise(element)`: a partial update.
    Revise {
        /// The field values with `id`; `None` when `element` was not an object.
        element: Option<Element>,
    },
    /// `delete(id)`.
    Delete {
        /// The ws id.
        id: String,
    },
    /// `query(query)`: a VTQL statement.
    Query {
        /// The statement.
        query: String,
    },
}

impl Op {
    /// Whether the operation changes stored records, and so is audited as a write
    /// (`logout` ends a session; `login` and `extendsession` are audited as authentication).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Self::Create { .. }
                | Self::Update { .. }
                | Self::Revise { .. }
                | Self::Delete { .. }
                | Self::Logout { .. }
        )
    }

    /// Binds the parameters of operation `name` (§8.1); Encoded ones are JSON text or,
    /// from a JSON body, JSON already (D9).
    pub fn decode(name: OpName, params: &Params) -> Result<Self, CorebosError> {
        let text = |n: &str| params.text(n).unwrap_or_default();
        Ok(match name {
            OpName::GetChallenge => Self::GetChallenge {
                username: text("username"),
            },
            OpName::Login => Self::Login {
                username: text("username"),
                access_key: text("accessKey"),
            },
            OpName::ExtendSession => Self::ExtendSession,
            OpName::Logout => Self::Logout {
                session_param: params.text("sessionName").is_some(),
            },
            OpName::ListTypes => Self::ListTypes {
                field_types: match encoded(params, "fieldTypeList")? {
                    None => None,
                    Some(Value::Array(items)) => Some(
                        items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect(),
                    ),
                    Some(_) => {
                        return Err(CorebosError::InvalidParameter(
                            "fieldTypeList must be a JSON array".into(),
                        ));
                    }
                },
            },
            OpName::Describe => Self::Describe {
                element_type: text("elementType"),
            },
            OpName::Create => Self::Create {
                element_type: text("elementType"),
                element: object(params, "element")?.unwrap_or_default(),
            },
            OpName::Retrieve => Self::Retrieve { id: text("id") },
            OpName::Update => Self::Update {
                element: object(params, "element")?.unwrap_or_default(),
            },
            OpName::Revise => Self::Revise {
                element: object(params, "element")?,
            },
            OpName::Delete => Self::Delete { id: text("id") },
            OpName::Query => Self::Query {
                query: text("query"),
            },
        })
    }
}

/// An Encoded parameter: JSON text, or JSON from a JSON body; a scalar or bad JSON is
/// `INVALID_PARAMETER` (D9), absent is `None`.
fn encoded(params: &Params, name: &str) -> Result<Option<Value>, CorebosError> {
    let value = match params.raw(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).map_err(|e| {
            CorebosError::InvalidParameter(format!("Invalid JSON in parameter {name}: {e}"))
        })?,
        Some(other) => other.clone(),
    };
    match value {
        Value::Object(_) | Value::Array(_) => Ok(Some(value)),
        _ => Err(CorebosError::InvalidParameter(format!(
            "Parameter {name} must be a JSON object or array"
        ))),
    }
}

/// An Encoded parameter that must be an object; an array is taken as "no fields".
fn object(params: &Params, name: &str) -> Result<Option<Element>, CorebosError> {
    Ok(match encoded(params, name)? {
        Some(Value::Object(map)) => Some(map),
        Some(_) | None => None,
    })
}

/// The session id of a request: the `corebos-authorization` / `corebos_authorization`
/// header when non-empty, else `sessionName`; empty or `null` means none (§1, §7).
pub fn session_id(headers: &HeaderMap, params: &Params) -> Option<String> {
    let header = ["corebos-authorization", "corebos_authorization"]
        .iter()
        .filter_map(|name| headers.get(*name))
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .find(|v| !v.is_empty())
        .map(str::to_owned);
    header
        .or_else(|| params.text("sessionName"))
        .filter(|sid| !sid.eq_ignore_ascii_case("null") && !sid.eq_ignore_ascii_case("false"))
}

/// A successful operation's `result` and `moreinfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The `result` member.
    pub result: Json,
    /// The `moreinfo` member (`null` except for `query`).
    pub moreinfo: Json,
}

impl Reply {
    /// A result with `moreinfo: null`.
    pub fn new(result: Json) -> Self {
        Self {
            result,
            moreinfo: Json::Null,
        }
    }
}

/// The success envelope: `{"success":true,"result":…,"moreinfo":…}` (§2).
pub fn success_body(reply: &Reply) -> String {
    Json::object([
        ("success", Json::Bool(true)),
        ("result", reply.result.clone()),
        ("moreinfo", reply.moreinfo.clone()),
    ])
    .encode()
}

/// The error envelope: `{"success":false,"error":{"message":…,"code":…},"moreinfo":null}`,
/// `message` before `code` as PHP 8 writes it (§2).
pub fn error_body(error: &CorebosError) -> String {
    Json::object([
        ("success", Json::Bool(false)),
        (
            "error",
            Json::object([
                ("message", Json::Str(error.message())),
                ("code", Json::str(error.code())),
            ]),
        ),
        ("moreinfo", Json::Null),
    ])
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(pairs: &[(&str, &str)]) -> Result<Op, CorebosError> {
        let params = Params::from_pairs(pairs.iter().copied());
        Op::decode(OpName::parse(&params)?, &params)
    }

    #[test]
    fn operation_names_are_case_insensitive() {
        assert_eq!(
            op(&[("operation", "GetChallenge"), ("username", "admin")]),
            Ok(Op::GetChallenge {
                username: "admin".into()
            })
        );
    }

    #[test]
    fn unknown_or_missing_operations_are_refused() {
        assert_eq!(
            op(&[("operation", "nope")]),
            Err(CorebosError::UnknownOperation)
        );
        assert_eq!(op(&[]), Err(CorebosError::UnknownOperation));
    }

    #[test]
    fn element_is_decoded_from_json_text() {
        let decoded = op(&[
            ("operation", "create"),
            ("elementType", "Contacts"),
            ("element", r#"{"lastname":"Smith"}"#),
        ]);
        let Ok(Op::Create { element, .. }) = decoded else {
            panic!("not a create: {decoded:?}");
        };
        assert_eq!(
            element.get("lastname"),
            Some(&Value::String("Smith".into()))
        );
    }

    #[test]
    fn malformed_or_scalar_element_is_an_invalid_parameter() {
        for bad in ["{nope", "42", "\"text\""] {
            let decoded = op(&[("operation", "update"), ("element", bad)]);
            assert!(
                matches!(decoded, Err(CorebosError::InvalidParameter(_))),
                "{bad}: {decoded:?}"
            );
        }
    }

    #[test]
    fn the_session_header_wins_and_null_means_none() {
        let params = Params::from_pairs([("sessionName", "fromparam")]);
        let mut headers = HeaderMap::new();
        assert_eq!(session_id(&headers, &params).as_deref(), Some("fromparam"));
        headers.insert("corebos-authorization", "fromheader".parse().unwrap());
        assert_eq!(session_id(&headers, &params).as_deref(), Some("fromheader"));
        let params = Params::from_pairs([("sessionName", "NULL")]);
        assert_eq!(session_id(&HeaderMap::new(), &params), None);
    }

    #[test]
    fn envelopes_are_byte_exact() {
        assert_eq!(
            error_body(&CorebosError::UnknownOperation),
            r#"{"success":false,"error":{"message":"Unknown operation requested","code":"UNKNOWN_OPERATION"},"moreinfo":null}"#
        );
        assert_eq!(
            success_body(&Reply::new(Json::object([(
                "message",
                Json::str("successfull")
            )]))),
            r#"{"success":true,"result":{"message":"successfull"},"moreinfo":null}"#
        );
    }
}
