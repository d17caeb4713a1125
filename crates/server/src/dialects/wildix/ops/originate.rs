//! `Originate`: the AMI-style call request (specs/wildix.md §6).
//!
//! gatehouse has no telephony, so nothing rings. A valid request is recorded as a call in
//! the call history at once: `start` = `end` = now, `billsec` 0, disposition `ORIGINATED`,
//! `originated: true`, `src` = the extension of `channel` (`Local/1001@users` → `1001`) and
//! `dst` = `exten` (or the `application`). The answer is AMI's "Originate successfully
//! queued", with the record's id; `async` and `timeout` are validated and echoed, nothing waits.

use axum::response::Response;
use chrono::Utc;
use gatehouse_domain::{NewCallRecord, Pbx};
use gatehouse_schemes::php_value::{PhpArray, PhpValue};
use serde_json::json;

use crate::dialects::wildix::codec;
use crate::dialects::wildix::error::WildixError;

/// A validated originate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginateRequest {
    /// `Tech/resource`, e.g. `Local/1001@users`, `SIP/1001`.
    pub channel: String,
    /// Dialplan context.
    pub context: String,
    /// Extension to dial.
    pub exten: String,
    /// Dialplan priority (default 1).
    pub priority: u64,
    /// `Name <number>`.
    pub callerid: String,
    /// Whether the caller asked not to wait.
    pub is_async: bool,
    /// Ring timeout in milliseconds.
    pub timeout: Option<u64>,
    /// Channel variables `K=V`.
    pub variables: Vec<String>,
    /// Application to run instead of an extension.
    pub application: String,
    /// AMI action id, echoed.
    pub actionid: String,
}

fn bool_field(body: &PhpArray, key: &str) -> Result<bool, WildixError> {
    match codec::text(body, key)
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("") | Some("0") | Some("false") | Some("no") => Ok(false),
        Some("1") | Some("true") | Some("yes") => Ok(true),
        Some(other) => Err(WildixError::invalid(
            key,
            format!("must be true or false, got {other:?}"),
        )),
    }
}

/// Checks the fields: `channel` is required and `Tech/resource`; `exten` or `application` is
/// required; numbers are numbers; variables are `K=V`.
pub fn validate(body: &PhpArray) -> Result<OriginateRequest, WildixError> {
    let channel = codec::required(body, "channel")?;
    let well_formed = channel
        .split_once('/')
        .is_some_and(|(tech, res)| !tech.is_empty() && !res.is_empty())
        && !channel.chars().any(|c| c.is_whitespace() || c.is_control());
    if !well_formed {
        return Err(WildixError::invalid(
            "channel",
            format!("must be Tech/resource such as Local/1001@users, got {channel:?}"),
        ));
    }
    let exten = codec::text(body, "exten").unwrap_or_default();
    let application = codec::text(body, "application").unwrap_or_default();
    if exten.is_empty() && application.is_empty() {
        return Err(WildixError::invalid(
            "exten",
            "is required (or application)",
        ));
    }
    let priority = codec::number(body, "priority")?.unwrap_or(1);
    if priority == 0 {
        return Err(WildixError::invalid("priority", "must be 1 or more"));
    }
    let variables = match codec::get(body, "variable") {
        None => Vec::new(),
        Some(PhpValue::Array(list)) => list.iter().filter_map(|(_, v)| codec::scalar(v)).collect(),
        Some(v) => codec::scalar(v)
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    if let Some(bad) = variables.iter().find(|v| !v.contains('=')) {
        return Err(WildixError::invalid(
            "variable",
            format!("must be K=V, got {bad:?}"),
        ));
    }
    Ok(OriginateRequest {
        channel,
        context: codec::text(body, "context").unwrap_or_default(),
        exten,
        priority,
        callerid: codec::text(body, "callerid").unwrap_or_default(),
        is_async: bool_field(body, "async")?,
        timeout: codec::number(body, "timeout")?,
        variables,
        application,
        actionid: codec::text(body, "actionid").unwrap_or_default(),
    })
}

/// The extension a channel dials from: `Local/1001@users` → `1001`, `SIP/1001-0001` → `1001`.
fn channel_extension(channel: &str) -> String {
    let resource = channel.split_once('/').map_or(channel, |(_, r)| r);
    resource
        .split(['@', '-'])
        .next()
        .unwrap_or(resource)
        .to_owned()
}

/// Records the request as an originated call and answers AMI's success.
pub async fn originate(pbx: &dyn Pbx, body: &PhpArray) -> Result<Response, WildixError> {
    let req = validate(body)?;
    let now = Utc::now();
    let dst = if req.exten.is_empty() {
        req.application.clone()
    } else {
        req.exten.clone()
    };
    let call = pbx
        .record_call(NewCallRecord {
            start: now,
            end: now,
            src: channel_extension(&req.channel),
            dst,
            billsec: 0,
            disposition: "ORIGINATED".into(),
            channel: req.channel.clone(),
            context: req.context.clone(),
            callerid: req.callerid.clone(),
            originated: true,
        })
        .await?;
    Ok(codec::result(json!({
        "response": "Success",
        "message": "Originate successfully queued",
        "id": call.id,
        "actionid": req.actionid,
        "channel": req.channel,
        "context": req.context,
        "exten": req.exten,
        "priority": req.priority,
        "async": req.is_async,
        "timeout": req.timeout,
        "variable": req.variables,
    })))
}

#[cfg(test)]
mod tests {
    use gatehouse_schemes::php_form::parse_post;

    use super::*;

    #[test]
    fn originate_without_channel_names_the_field() {
        let err = validate(&parse_post(b"exten=1002")).unwrap_err();
        assert!(matches!(err, WildixError::Invalid { ref field, .. } if field == "channel"));
    }

    #[test]
    fn a_channel_without_technology_is_refused() {
        let err = validate(&parse_post(b"channel=1001&exten=1002")).unwrap_err();
        assert!(matches!(err, WildixError::Invalid { ref field, .. } if field == "channel"));
    }

    #[test]
    fn the_spec_vector_body_is_valid_and_its_source_is_the_channel_extension() {
        let body = b"channel=Local%2F1001%40users&context=users&exten=1002&priority=1&callerid=Acme+%3C1001%3E";
        let req = validate(&parse_post(body)).unwrap();
        assert_eq!(req.priority, 1);
        assert_eq!(channel_extension(&req.channel), "1001");
    }
}
