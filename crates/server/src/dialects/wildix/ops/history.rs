//! `PBX/CallHistory`, `CallHistory`, `User/{ext}/CallHistory`: calls newest first, with
//! `fields`, `filter[start][from|to]` (`dd/mm/yyyy hh:mm`, UTC), `count` (≤ 100) and `start`.

use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use gatehouse_domain::{CallFilter, CallRecord, Page, Pbx};
use gatehouse_schemes::php_value::{PhpArray, PhpValue};
use serde_json::{Map, Value, json};

use super::pbx_time;
use crate::dialects::wildix::codec::{self, HistoryScope, MAX_PAGE};
use crate::dialects::wildix::error::WildixError;

/// Every field a call record has, in the order records show them.
pub const FIELDS: [&str; 12] = [
    "id",
    "start",
    "end",
    "src",
    "dst",
    "duration",
    "billsec",
    "disposition",
    "channel",
    "context",
    "callerid",
    "originated",
];

/// The record of a call with every field.
pub fn render(call: &CallRecord) -> Map<String, Value> {
    let c = &call.call;
    let mut row = Map::new();
    row.insert("id".into(), json!(call.id));
    row.insert("start".into(), json!(pbx_time(c.start)));
    row.insert("end".into(), json!(pbx_time(c.end)));
    row.insert("src".into(), json!(c.src));
    row.insert("dst".into(), json!(c.dst));
    row.insert("duration".into(), json!((c.end - c.start).num_seconds()));
    row.insert("billsec".into(), json!(c.billsec));
    row.insert("disposition".into(), json!(c.disposition));
    row.insert("channel".into(), json!(c.channel));
    row.insert("context".into(), json!(c.context));
    row.insert("callerid".into(), json!(c.callerid));
    row.insert("originated".into(), json!(c.originated));
    row
}

/// Parses `dd/mm/yyyy hh:mm` (UTC), the format Wildix's filters use.
pub fn parse_filter_time(field: &str, value: &str) -> Result<DateTime<Utc>, WildixError> {
    NaiveDateTime::parse_from_str(value.trim(), "%d/%m/%Y %H:%M")
        .map(|t| t.and_utc())
        .map_err(|_| {
            WildixError::invalid(field, format!("expected dd/mm/yyyy hh:mm, got {value:?}"))
        })
}

fn filter_bound(params: &PhpArray, which: &str) -> Result<Option<DateTime<Utc>>, WildixError> {
    let field = format!("filter[start][{which}]");
    let Some(PhpValue::Array(filter)) = codec::get(params, "filter") else {
        return match codec::get(params, "filter") {
            None => Ok(None),
            Some(_) => Err(WildixError::invalid(
                "filter",
                "must be filter[start][from|to]",
            )),
        };
    };
    let Some(PhpValue::Array(start)) = codec::get(filter, "start") else {
        return Ok(None);
    };
    match codec::get(start, which).and_then(codec::scalar) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => parse_filter_time(&field, &v).map(Some),
    }
}

fn selected_fields(params: &PhpArray) -> Result<Vec<&'static str>, WildixError> {
    let Some(list) = codec::text(params, "fields").filter(|f| !f.is_empty()) else {
        return Ok(FIELDS.to_vec());
    };
    list.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| {
            FIELDS
                .iter()
                .find(|known| known.eq_ignore_ascii_case(f))
                .copied()
                .ok_or_else(|| {
                    WildixError::invalid(
                        "fields",
                        format!("unknown field {f:?} (known: {})", FIELDS.join(",")),
                    )
                })
        })
        .collect()
}

/// Lists calls; `own_extension` is the caller's extension for the `CallHistory/` scope.
pub async fn call_history(
    pbx: &dyn Pbx,
    scope: HistoryScope,
    params: &PhpArray,
    own_extension: Option<String>,
) -> Result<Response, WildixError> {
    let fields = selected_fields(params)?;
    let paging = codec::paging(params, MAX_PAGE)?;
    let from = filter_bound(params, "from")?;
    // `to` names a minute: calls during it are included.
    let to = filter_bound(params, "to")?.map(|t| t + Duration::microseconds(59_999_999));
    let extension = match scope {
        HistoryScope::All => None,
        HistoryScope::Extension(ext) => Some(ext),
        HistoryScope::Own => match own_extension {
            Some(ext) => Some(ext),
            None => return Ok(codec::records(Vec::new(), paging, 0)),
        },
    };
    let filter = CallFilter {
        from,
        to,
        extension,
    };
    let (calls, total) = pbx
        .calls(
            &filter,
            Page {
                offset: paging.start,
                limit: paging.count,
            },
        )
        .await?;
    let rows = calls
        .iter()
        .map(|call| {
            let mut all = render(call);
            let picked: Map<String, Value> = fields
                .iter()
                .filter_map(|f| all.remove(*f).map(|v| ((*f).to_owned(), v)))
                .collect();
            Value::Object(picked)
        })
        .collect();
    Ok(codec::records(rows, paging, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_times_are_read_as_day_month_year() {
        let t = parse_filter_time("f", "02/11/2023 23:59").unwrap();
        assert_eq!(pbx_time(t), "2023-11-02 23:59:00");
        assert!(parse_filter_time("f", "2023-11-02").is_err());
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let params = gatehouse_schemes::php_form::parse_str(b"fields=id,colour");
        let err = selected_fields(&params).unwrap_err();
        assert!(matches!(err, WildixError::Invalid { ref field, .. } if field == "fields"));
    }
}
