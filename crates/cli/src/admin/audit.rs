//! `gatehouse admin audit ...`.

use anyhow::anyhow;
use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;
use gatehouse_domain::{AuditQuery, Outcome, StoredAuditEvent};

use super::Admin;

/// `gatehouse admin audit` verbs.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The newest events.
    Tail {
        /// How many.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: u32,
    },
    /// Events matching filters, newest first.
    Search {
        /// Since an instant (RFC 3339) or for a span back from now (`30m`, `2h`, `7d`, `90s`).
        #[arg(long)]
        since: Option<String>,
        /// Only this principal (username).
        #[arg(long)]
        user: Option<String>,
        /// Only this outcome: success, failure, locked_out, rate_limited, error.
        #[arg(long)]
        outcome: Option<String>,
        /// At most this many.
        #[arg(short = 'n', long, default_value_t = 100)]
        limit: u32,
    },
}

/// Parses `--since`: an RFC 3339 instant or a span back from `now`.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: i64 = digits
        .parse()
        .map_err(|_| anyhow!("--since: {text:?} is neither RFC 3339 nor a span like 30m"))?;
    let span = match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(anyhow!("--since: unit of {text:?} must be s, m, h or d")),
    };
    Ok(now - span)
}

/// Runs one audit verb.
pub async fn run(admin: &Admin, command: AuditCommand) -> anyhow::Result<()> {
    let query = match command {
        AuditCommand::Tail { lines } => AuditQuery {
            limit: lines,
            ..AuditQuery::default()
        },
        AuditCommand::Search {
            since,
            user,
            outcome,
            limit,
        } => AuditQuery {
            since: since
                .as_deref()
                .map(|s| parse_since(s, Utc::now()))
                .transpose()?,
            principal: user,
            outcome: outcome.as_deref().map(Outcome::parse).transpose()?,
            limit,
        },
    };
    let events = admin.store().audit_events(query).await?;
    admin.out.list(
        &events,
        &[
            "TIME",
            "DIALECT",
            "SCHEME",
            "OPERATION",
            "PRINCIPAL",
            "IP",
            "OUTCOME",
            "REASON",
        ],
        row,
    )
}

fn row(e: &StoredAuditEvent) -> Vec<String> {
    let ev = &e.event;
    vec![
        ev.at.format("%Y-%m-%d %H:%M:%S").to_string(),
        ev.dialect.clone(),
        ev.scheme.clone(),
        ev.operation.clone(),
        ev.principal.clone().unwrap_or_else(|| "-".into()),
        ev.ip.map(|ip| ip.to_string()).unwrap_or_else(|| "-".into()),
        ev.outcome.as_str().to_owned(),
        ev.reason.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn since_takes_instants_and_spans() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(
            parse_since("30m", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 11, 30, 0).unwrap()
        );
        assert_eq!(
            parse_since("2026-11-01T00:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
        );
        assert!(parse_since("yesterday", now).is_err());
        assert!(parse_since("5w", now).is_err());
    }
}
