//! Audit retention: events older than `audit_retention_days` are deleted (0 keeps them).
//!
//! [`spawn`] purges once at startup and then every hour, for as long as the server runs;
//! `serve` and the sandbox both start it. The store deletes in small batches, each its own
//! statement, so a large backlog never holds the database for long.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use gatehouse_domain::{DomainResult, Store};

/// How often the purge runs after the first one.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// The cut-off for `days` of retention at `now`; `None` when events are kept for ever.
pub fn cutoff(days: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (days > 0).then(|| now - chrono::Duration::days(i64::from(days)))
}

/// Deletes the events older than `days` before `now`; returns how many went.
pub async fn purge(store: &dyn Store, days: u32, now: DateTime<Utc>) -> DomainResult<u64> {
    match cutoff(days, now) {
        Some(before) => store.purge_audit(before).await,
        None => Ok(0),
    }
}

/// Runs [`purge`] now and every [`INTERVAL`] in the background; failures are logged and
/// retried at the next tick. Does nothing when `days` is 0.
pub fn spawn(store: Arc<dyn Store>, days: u32) -> Option<tokio::task::JoinHandle<()>> {
    if days == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        loop {
            ticks.tick().await;
            match purge(store.as_ref(), days, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, days, "audit retention: old events deleted"),
                Err(error) => tracing::warn!(%error, "audit retention: purge failed"),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn zero_days_keeps_everything() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(cutoff(0, now), None);
        assert_eq!(
            cutoff(90, now),
            Some(Utc.with_ymd_and_hms(2026, 8, 25, 12, 0, 0).unwrap())
        );
    }
}
