//! The [`Audit`] port: one row per authentication decision and per write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gatehouse_domain::{Audit, AuditEvent, AuditQuery, DomainResult, Outcome, StoredAuditEvent};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{corrupt, db};
use crate::rows::{get, time, to_micros, to_micros_opt, unreadable};

/// How many audit rows one purge statement deletes at most.
pub const PURGE_BATCH: i64 = 1000;

/// How many events one multi-row INSERT carries at most (10 parameters each, far below the
/// bind-parameter limits of SQLite and PostgreSQL); longer batches use several statements
/// in the same transaction.
pub const INSERT_ROWS: usize = 256;

/// The columns of an inserted event, in bind order.
const COLUMNS: &str = "INSERT INTO audit_events (at, request_id, dialect, scheme, operation, \
                       principal, principal_folded, ip, outcome, reason) VALUES ";

/// `INSERT ... VALUES ($1..$10), ($11..$20), ...` for `rows` events.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(COLUMNS);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..10 {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * 10 + column + 1));
        }
        sql.push(')');
    }
    sql
}

/// Binds one event's ten values to `query`, in [`COLUMNS`] order.
fn bind_event<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    event: AuditEvent,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let folded = event.principal.as_deref().map(fold);
    query
        .bind(to_micros(event.at))
        .bind(event.request_id)
        .bind(event.dialect)
        .bind(event.scheme)
        .bind(event.operation)
        .bind(event.principal)
        .bind(folded)
        .bind(event.ip.map(|ip| ip.to_string()))
        .bind(event.outcome.as_str())
        .bind(event.reason)
}

fn event_from_row(row: &AnyRow) -> DomainResult<StoredAuditEvent> {
    let outcome: String = get(row, "outcome")?;
    let ip: Option<String> = get(row, "ip")?;
    Ok(StoredAuditEvent {
        id: get(row, "id")?,
        event: AuditEvent {
            at: time(row, "at")?,
            request_id: get(row, "request_id")?,
            dialect: get(row, "dialect")?,
            scheme: get(row, "scheme")?,
            operation: get(row, "operation")?,
            principal: get(row, "principal")?,
            ip: ip
                .map(|ip| ip.parse().map_err(|e| corrupt("ip", e)))
                .transpose()?,
            outcome: Outcome::parse(&outcome).map_err(|e| unreadable("outcome", e))?,
            reason: get(row, "reason")?,
        },
    })
}

/// The search key of a principal: ASCII-lowercased, as usernames compare.
fn fold(principal: &str) -> String {
    principal.to_ascii_lowercase()
}

#[async_trait]
impl Audit for SqlStore {
    async fn record(&self, event: AuditEvent) -> DomainResult<()> {
        bind_event(sqlx::query(&insert_sql(1)), event)
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Multi-row INSERTs of up to [`INSERT_ROWS`] events each, in one write transaction, so
    /// a batch costs the single writer one commit whatever its length.
    async fn record_batch(&self, events: Vec<AuditEvent>) -> DomainResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<AuditEvent> = events.by_ref().take(INSERT_ROWS).collect();
            let sql = insert_sql(chunk.len());
            let mut query = sqlx::query(&sql);
            for event in chunk {
                query = bind_event(query, event);
            }
            query.execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    /// Newest first (by time, then by id); a `limit` of 0 means no limit.
    async fn audit_events(&self, query: AuditQuery) -> DomainResult<Vec<StoredAuditEvent>> {
        let limit = if query.limit == 0 {
            i64::MAX
        } else {
            i64::from(query.limit)
        };
        sqlx::query(
            "SELECT id, at, request_id, dialect, scheme, operation, principal, ip, outcome, reason \
             FROM audit_events \
             WHERE ($1 IS NULL OR at >= $1) AND ($2 IS NULL OR principal_folded = $2) \
             AND ($3 IS NULL OR outcome = $3) \
             ORDER BY at DESC, id DESC LIMIT $4",
        )
        .bind(to_micros_opt(query.since))
        .bind(query.principal.as_deref().map(fold))
        .bind(query.outcome.map(Outcome::as_str))
        .bind(limit)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(event_from_row)
        .collect()
    }

    /// Deletes in batches of [`PURGE_BATCH`] rows, each its own statement, so a large
    /// backlog never holds the writer for long; other writes interleave between batches.
    async fn purge_audit(&self, before: DateTime<Utc>) -> DomainResult<u64> {
        let mut total = 0;
        loop {
            let deleted = sqlx::query(
                "DELETE FROM audit_events WHERE id IN \
                 (SELECT id FROM audit_events WHERE at < $1 LIMIT $2)",
            )
            .bind(to_micros(before))
            .bind(PURGE_BATCH)
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?
            .rows_affected();
            total += deleted;
            if deleted < PURGE_BATCH as u64 {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }
}
