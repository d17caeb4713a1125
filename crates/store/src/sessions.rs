//! The [`Sessions`] port: login challenges and sessions, shared by every instance.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gatehouse_domain::{
    Challenge, DomainResult, MAX_OUTSTANDING_CHALLENGES, Secret, Session, SessionKind,
    SessionLimits, Sessions, User, UserId,
};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::crypto::lookup_hash;
use crate::error::{corrupt, db};
use crate::rows::{get, time, to_micros};
use crate::users::{user_columns, user_from_row};

fn challenge_from_row(row: &AnyRow) -> DomainResult<Challenge> {
    Ok(Challenge {
        id: get(row, "id")?,
        user: UserId(get(row, "user_id")?),
        token: get(row, "token")?,
        expires_at: time(row, "expires_at")?,
    })
}

fn session_from_row(row: &AnyRow) -> DomainResult<Session> {
    session_from_named(row, "created_at")
}

/// Reads a session whose opening time is in the column `created_at` (`created_at` alone,
/// `session_created_at` beside its user's columns, see [`SESSION_WITH_USER`]).
fn session_from_named(row: &AnyRow, created_at: &str) -> DomainResult<Session> {
    let kind: String = get(row, "kind")?;
    Ok(Session {
        user: UserId(get(row, "user_id")?),
        kind: match kind.as_str() {
            "webservice" => SessionKind::Webservice,
            "web" => SessionKind::Web,
            other => return Err(corrupt("kind", format!("unknown session kind {other:?}"))),
        },
        created_at: time(row, created_at)?,
        last_seen_at: time(row, "last_seen_at")?,
    })
}

/// A session with its user in one read: every call of a coreBOS session needs both, and a
/// second query for the user would double the round trips of a call. The session's columns
/// come from a subquery that renames `created_at`, which `users` has too, so the user's
/// columns keep the names [`user_from_row`] reads; a LEFT JOIN finds the session (and keeps
/// it alive or ends it) exactly as without its user.
const SESSION_WITH_USER: &str = concat!(
    "SELECT s.*, ",
    user_columns!(),
    " FROM (SELECT kind, user_id, created_at AS session_created_at, last_seen_at \
     FROM sessions WHERE id_hash = $1 AND kind = $2) s LEFT JOIN users ON users.id = s.user_id"
);

impl SqlStore {
    /// The second half of a resume, once the session row has been read: a live session
    /// whose mark is fresh comes back as read; one due for a new mark, or dead, is settled
    /// by a guarded UPDATE (another instance may have marked or closed it meanwhile), and a
    /// dead one is deleted.
    async fn settle_session(
        &self,
        kind: SessionKind,
        hash: &str,
        session: Session,
        limits: SessionLimits,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Session>> {
        let alive =
            session.last_seen_at > limits.idle_since && session.created_at > limits.created_since;
        if alive && !limits.needs_touch(session.last_seen_at, now) {
            return Ok(Some(session));
        }
        let row = sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 \
             WHERE id_hash = $2 AND kind = $3 AND last_seen_at > $4 AND created_at > $5 \
             RETURNING kind, user_id, created_at, last_seen_at",
        )
        .bind(to_micros(now))
        .bind(hash)
        .bind(kind.as_str())
        .bind(to_micros(limits.idle_since))
        .bind(to_micros(limits.created_since))
        .fetch_optional(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        match row {
            Some(row) => session_from_row(&row).map(Some),
            None => {
                // Dead or unknown: make sure a dead one of this kind never comes back (a
                // session of another kind under the same id is not this caller's to end).
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1 AND kind = $2")
                    .bind(hash)
                    .bind(kind.as_str())
                    .execute(&mut *self.write_conn().await?)
                    .await
                    .map_err(db)?;
                Ok(None)
            }
        }
    }
}

#[async_trait]
impl Sessions for SqlStore {
    async fn issue_challenge(
        &self,
        user: UserId,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<Challenge> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "DELETE FROM challenges WHERE user_id = $1 AND (expires_at <= $2 OR consumed = 1)",
        )
        .bind(user.0)
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = sqlx::query(
            "INSERT INTO challenges (user_id, token, consumed, created_at, expires_at) \
             VALUES ($1, $2, 0, $3, $4) RETURNING id, user_id, token, expires_at",
        )
        .bind(user.0)
        .bind(token)
        .bind(to_micros(now))
        .bind(to_micros(expires_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let challenge = challenge_from_row(&row)?;
        sqlx::query(
            "DELETE FROM challenges WHERE user_id = $1 AND id NOT IN \
             (SELECT id FROM challenges WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(user.0)
        .bind(MAX_OUTSTANDING_CHALLENGES)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(challenge)
    }

    async fn live_challenges(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<Challenge>> {
        let rows = sqlx::query(
            "SELECT id, user_id, token, expires_at FROM challenges \
             WHERE user_id = $1 AND consumed = 0 AND expires_at > $2 ORDER BY id DESC",
        )
        .bind(user.0)
        .bind(to_micros(now))
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?;
        rows.iter().map(challenge_from_row).collect()
    }

    async fn consume_challenge(&self, id: i64, now: DateTime<Utc>) -> DomainResult<bool> {
        // One guarded UPDATE: of several logins racing for the row, the database lets one
        // change it and reports 0 rows to the others.
        let done = sqlx::query(
            "UPDATE challenges SET consumed = 1 WHERE id = $1 AND consumed = 0 AND expires_at > $2",
        )
        .bind(id)
        .bind(to_micros(now))
        .execute(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn open_session(
        &self,
        kind: SessionKind,
        secret: &Secret,
        user: UserId,
        now: DateTime<Utc>,
    ) -> DomainResult<Session> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, kind, user_id, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(lookup_hash(secret.expose()))
        .bind(kind.as_str())
        .bind(user.0)
        .bind(to_micros(now))
        .execute(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        Ok(Session {
            user,
            kind,
            created_at: now,
            last_seen_at: now,
        })
    }

    async fn resume_session(
        &self,
        kind: SessionKind,
        secret: &Secret,
        limits: SessionLimits,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Session>> {
        let hash = lookup_hash(secret.expose());
        // Read first, on the reader pool: most calls of a live session find its mark fresh
        // (`SessionLimits::needs_touch`) and need no write at all.
        let found = sqlx::query(
            "SELECT kind, user_id, created_at, last_seen_at FROM sessions \
             WHERE id_hash = $1 AND kind = $2",
        )
        .bind(&hash)
        .bind(kind.as_str())
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?;
        let Some(found) = found else {
            return Ok(None);
        };
        let session = session_from_row(&found)?;
        self.settle_session(kind, &hash, session, limits, now).await
    }

    async fn resume_session_with_user(
        &self,
        kind: SessionKind,
        secret: &Secret,
        limits: SessionLimits,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<(Session, User)>> {
        let hash = lookup_hash(secret.expose());
        let found = sqlx::query(SESSION_WITH_USER)
            .bind(&hash)
            .bind(kind.as_str())
            .fetch_optional(&mut *self.reader().await?)
            .await
            .map_err(db)?;
        let Some(found) = found else {
            return Ok(None);
        };
        let session = session_from_named(&found, "session_created_at")?;
        let user_id: Option<i64> = get(&found, "id")?;
        let user = user_id.map(|_| user_from_row(&found)).transpose()?;
        let session = self
            .settle_session(kind, &hash, session, limits, now)
            .await?;
        Ok(session.zip(user))
    }

    async fn purge_expired(
        &self,
        kind: SessionKind,
        limits: SessionLimits,
        now: DateTime<Utc>,
    ) -> DomainResult<u64> {
        let sessions = sqlx::query(
            "DELETE FROM sessions WHERE kind = $1 AND (last_seen_at <= $2 OR created_at <= $3)",
        )
        .bind(kind.as_str())
        .bind(to_micros(limits.idle_since))
        .bind(to_micros(limits.created_since))
        .execute(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        let challenges = sqlx::query("DELETE FROM challenges WHERE expires_at <= $1")
            .bind(to_micros(now))
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        Ok(sessions.rows_affected() + challenges.rows_affected())
    }

    async fn close_session(&self, kind: SessionKind, secret: &Secret) -> DomainResult<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 AND kind = $2")
            .bind(lookup_hash(secret.expose()))
            .bind(kind.as_str())
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }
}
