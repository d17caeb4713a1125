//! The [`Audit`] port: one row per authentication decision and per write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gatehouse_domain::{Audit, AuditEvent, AuditQuery, DomainResult, Outcome, StoredAuditEvent};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{corrupt, db};
use crate::rows::{get, time, to_micros, to_micros_opt, unreadable};
use crate::store::Engine;

/// How many audit rows one purge statement deletes at most.
pub const PURGE_BATCH: i64 = 1000;

/// How many events the largest multi-row INSERT carries (10 parameters each, far below the
/// bind-parameter limits of SQLite and PostgreSQL); longer batches use several statements
/// in the same transaction.
pub const INSERT_ROWS: usize = 32;

/// The columns of an inserted event, in bind order.
const COLUMNS: &str = "INSERT INTO audit_events (at, request_id, dialect, scheme, operation, \
                       principal, principal_folded, ip, outcome, reason) VALUES ";

/// How many rows the next INSERT of a batch carries when `left` events remain: the largest
/// power of two up to [`INSERT_ROWS`]. A batch of any length is then written with at most
/// six distinct statements, which each connection prepares once and keeps in its statement
/// cache; a fresh statement per batch length would be parsed again for nearly every batch
/// and would push the store's other statements out of that cache.
fn next_chunk(left: usize) -> usize {
    let mut rows = INSERT_ROWS;
    while rows > left {
        rows /= 2;
    }
    rows
}

/// `INSERT ... VALUES (…), (…), ...` for `rows` events.
///
/// On SQLite the placeholders are anonymous `?`: SQLite looks a numbered `$n` up by name,
/// once in the parser and once more for every bound value, by walking a list of all the
/// statement's names, so binding a 320-parameter statement with `$n` costs 320² steps (it
/// was the largest single cost of the server under load). PostgreSQL only takes `$n`.
fn insert_sql(engine: Engine, rows: usize) -> String {
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
            match engine {
                Engine::Sqlite => sql.push('?'),
                Engine::Postgres => sql.push_str(&format!("${}", row * 10 + column + 1)),
            }
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
        bind_event(sqlx::query(&insert_sql(self.engine, 1)), event)
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Multi-row INSERTs of up to [`INSERT_ROWS`] events each (see [`next_chunk`]), in one
    /// write transaction, so a batch costs the single writer one commit whatever its length.
    ///
    /// A batch that fits one statement (1, 2, 4, ... [`INSERT_ROWS`] events) is that
    /// statement alone, outside an explicit transaction: one statement is all or none by
    /// itself, and BEGIN and COMMIT would be two more round trips to the writer for every
    /// write answered at low load (each write waits for the batch carrying its event).
    async fn record_batch(&self, events: Vec<AuditEvent>) -> DomainResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        if next_chunk(events.len()) == events.len() {
            let sql = insert_sql(self.engine, events.len());
            let mut query = sqlx::query(&sql);
            for event in events {
                query = bind_event(query, event);
            }
            query
                .execute(&mut *self.write_conn().await?)
                .await
                .map_err(db)?;
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let rows = next_chunk(events.len());
            let chunk: Vec<AuditEvent> = events.by_ref().take(rows).collect();
            let sql = insert_sql(self.engine, chunk.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_cut_into_a_few_fixed_statement_sizes() {
        let mut sizes = Vec::new();
        let mut left = 100;
        while left > 0 {
            let rows = next_chunk(left);
            sizes.push(rows);
            left -= rows;
        }
        assert_eq!(sizes, [32, 32, 32, 4]);
        assert_eq!(next_chunk(1), 1);
        assert_eq!(next_chunk(31), 16);
    }

    #[test]
    fn sqlite_statements_use_anonymous_placeholders_and_postgres_numbered_ones() {
        let sqlite = insert_sql(Engine::Sqlite, 2);
        assert_eq!(sqlite.matches('?').count(), 20);
        assert!(!sqlite.contains('$'));
        let postgres = insert_sql(Engine::Postgres, 2);
        assert!(postgres.ends_with("$20)"));
        assert!(!postgres.contains('?'));
    }
}
