//! The [`Lockouts`] port: failure counters and lockouts every instance sees.
//!
//! The rule itself is the domain's ([`LockoutPolicy::after_failure`]); this module only
//! applies it inside one write transaction so that concurrent failures are all counted.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gatehouse_domain::{DomainResult, LockoutPolicy, LockoutState, LockoutSubject, Lockouts};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{corrupt, db};
use crate::rows::{get, time_opt, to_micros_opt};

fn state_from_row(row: &AnyRow) -> DomainResult<LockoutState> {
    let kind: String = get(row, "subject_kind")?;
    let key: String = get(row, "subject_key")?;
    let subject = LockoutSubject::from_stored(&kind, &key).ok_or_else(|| {
        corrupt(
            "subject_key",
            format!("{kind} {key:?} is not a lockout subject"),
        )
    })?;
    let count = |column: &str| -> DomainResult<u32> {
        let n: i64 = get(row, column)?;
        Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
    };
    Ok(LockoutState {
        subject,
        failures: count("failures")?,
        level: count("level")?,
        locked_until: time_opt(row, "locked_until")?,
        last_failure: time_opt(row, "last_failure")?,
    })
}

const COLUMNS: &str = "subject_kind, subject_key, failures, level, locked_until, last_failure";

#[async_trait]
impl Lockouts for SqlStore {
    async fn lockout(&self, subject: &LockoutSubject) -> DomainResult<Option<LockoutState>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM lockouts WHERE subject_kind = $1 AND subject_key = $2"
        ))
        .bind(subject.kind())
        .bind(subject.key())
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(state_from_row)
        .transpose()
    }

    async fn record_failure(
        &self,
        subject: &LockoutSubject,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> DomainResult<LockoutState> {
        let mut tx = self.write_tx().await?;
        // Create the row if needed, then touch it, so it is locked before it is read.
        sqlx::query(
            "INSERT INTO lockouts (subject_kind, subject_key) VALUES ($1, $2) \
             ON CONFLICT (subject_kind, subject_key) DO NOTHING",
        )
        .bind(subject.kind())
        .bind(subject.key())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE lockouts SET failures = failures WHERE subject_kind = $1 AND subject_key = $2",
        )
        .bind(subject.kind())
        .bind(subject.key())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM lockouts WHERE subject_kind = $1 AND subject_key = $2"
        ))
        .bind(subject.kind())
        .bind(subject.key())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let state = policy.after_failure(state_from_row(&row)?, now);
        sqlx::query(
            "UPDATE lockouts SET failures = $1, level = $2, locked_until = $3, last_failure = $4 \
             WHERE subject_kind = $5 AND subject_key = $6",
        )
        .bind(i64::from(state.failures))
        .bind(i64::from(state.level))
        .bind(to_micros_opt(state.locked_until))
        .bind(to_micros_opt(state.last_failure))
        .bind(subject.kind())
        .bind(subject.key())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(state)
    }

    async fn clear_lockout(&self, subject: &LockoutSubject) -> DomainResult<bool> {
        let deleted =
            sqlx::query("DELETE FROM lockouts WHERE subject_kind = $1 AND subject_key = $2")
                .bind(subject.kind())
                .bind(subject.key())
                .execute(&mut *self.write_conn().await?)
                .await
                .map_err(db)?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn list_lockouts(&self) -> DomainResult<Vec<LockoutState>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM lockouts ORDER BY last_failure DESC, subject_kind, subject_key"
        ))
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(state_from_row)
        .collect()
    }
}
