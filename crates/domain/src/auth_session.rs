//! Login challenges and sessions: what a challenge-response dialect keeps between requests.
//!
//! Both live in the store, not in a process, so any instance behind a load balancer can
//! answer the `login` that follows another instance's `getchallenge`, and resume a session
//! another instance opened (ARCHITECTURE.md §3).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{DomainResult, Secret, User, UserId};

/// One outstanding login challenge (coreBOS `getchallenge`, specs/corebos.md §4).
///
/// The token is kept as issued: the login proof `md5(token + access key)` has to be
/// recomputed from it, so a hash of it would be useless. It is a nonce the server already
/// sent in clear, never a credential on its own (D1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Internal id, what [`Sessions::consume_challenge`] takes.
    pub id: i64,
    /// The user it was issued for.
    pub user: UserId,
    /// The token as sent to the client.
    pub token: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// What a session was opened by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionKind {
    /// A coreBOS web-service session (`sessionName`).
    Webservice,
    /// A browser session behind the `gatehouse_session` cookie (Forma SSO, D15).
    Web,
}

impl SessionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webservice => "webservice",
            Self::Web => "web",
        }
    }
}

/// A live session as stored (its id is kept only as a SHA-256 hash, D12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who it acts as.
    pub user: UserId,
    /// What opened it.
    pub kind: SessionKind,
    /// When it was opened; the absolute lifetime counts from here.
    pub created_at: DateTime<Utc>,
    /// When it was last used; the idle timeout counts from here.
    pub last_seen_at: DateTime<Utc>,
}

/// The limits a session is resumed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session unused since before this instant is dead (sliding idle timeout).
    pub idle_since: DateTime<Utc>,
    /// A session opened before this instant is dead (absolute lifetime).
    pub created_since: DateTime<Utc>,
}

/// The longest a resumed session's `last_seen_at` may lag behind its last use: a resume
/// within this long of the stored `last_seen_at` reads and writes nothing (see
/// [`SessionLimits::needs_touch`]).
pub const SESSION_TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(1);

impl SessionLimits {
    /// Whether resuming at `now` a live session last marked used at `last_seen_at` must
    /// store `now` as its new `last_seen_at`.
    ///
    /// Marking every use would put a write on every call of a session (coreBOS marks each
    /// operation), so the mark is refreshed only once it is older than
    /// [`SESSION_TOUCH_INTERVAL`] or than 1/100 of the idle timeout, whichever is shorter
    /// (short idle timeouts keep their precision). The cost: the idle timeout counts from a
    /// mark at most that much older than the last use, so a session may end that much
    /// early (at most 1 s for serve's 7200 s default), never late.
    pub fn needs_touch(&self, last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let interval = SESSION_TOUCH_INTERVAL.min((now - self.idle_since) / 100);
        now - last_seen_at >= interval
    }
}

/// How many challenges one user may have outstanding; issuing more drops the oldest, so a
/// caller looping on `getchallenge` cannot grow the table without bound.
pub const MAX_OUTSTANDING_CHALLENGES: i64 = 256;

/// Challenges and sessions.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Stores a new challenge for `user`; several may be outstanding at once (D1). Expired
    /// and consumed challenges of the same user are dropped on the way, and the oldest beyond
    /// [`MAX_OUTSTANDING_CHALLENGES`].
    async fn issue_challenge(
        &self,
        user: UserId,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<Challenge>;
    /// The user's unconsumed challenges that are still valid at `now`, newest first.
    async fn live_challenges(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<Challenge>>;
    /// Consumes a challenge; `true` for exactly one caller even when several instances race
    /// (`false` when it was already consumed or has expired).
    async fn consume_challenge(&self, id: i64, now: DateTime<Utc>) -> DomainResult<bool>;
    /// Opens a session under the id `secret` (stored hashed).
    async fn open_session(
        &self,
        kind: SessionKind,
        secret: &Secret,
        user: UserId,
        now: DateTime<Utc>,
    ) -> DomainResult<Session>;
    /// Resumes a session within `limits` and marks it used at `now` when its mark is due
    /// ([`SessionLimits::needs_touch`]; otherwise nothing is written and the session comes
    /// back with its stored `last_seen_at`); `None` when it is unknown, of another kind,
    /// idle too long or too old (a dead one is deleted).
    async fn resume_session(
        &self,
        kind: SessionKind,
        secret: &Secret,
        limits: SessionLimits,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Session>>;
    /// As [`Sessions::resume_session`], with the session's user read in the same round
    /// trip (the touch, when due, is one more); `None` also when the user is gone.
    async fn resume_session_with_user(
        &self,
        kind: SessionKind,
        secret: &Secret,
        limits: SessionLimits,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<(Session, User)>>;
    /// Ends a session; `false` if there was none.
    async fn close_session(&self, kind: SessionKind, secret: &Secret) -> DomainResult<bool>;
    /// Deletes the sessions of `kind` that are dead under `limits`, and every expired
    /// challenge; returns how many rows went. Dead rows are refused anyway; this keeps the
    /// tables from growing with callers that never come back.
    async fn purge_expired(
        &self,
        kind: SessionKind,
        limits: SessionLimits,
        now: DateTime<Utc>,
    ) -> DomainResult<u64>;
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn limits(now: DateTime<Utc>, idle_seconds: i64) -> SessionLimits {
        SessionLimits {
            idle_since: now - Duration::seconds(idle_seconds),
            created_since: now - Duration::days(1),
        }
    }

    #[test]
    fn a_mark_is_refreshed_once_it_is_a_second_old() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let l = limits(now, 7200);
        assert!(!l.needs_touch(now, now));
        assert!(!l.needs_touch(now - Duration::milliseconds(999), now));
        assert!(l.needs_touch(now - Duration::seconds(1), now));
        assert!(l.needs_touch(now - Duration::seconds(3000), now));
    }

    #[test]
    fn short_idle_timeouts_refresh_the_mark_sooner() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let l = limits(now, 10);
        assert!(!l.needs_touch(now - Duration::milliseconds(99), now));
        assert!(l.needs_touch(now - Duration::milliseconds(100), now));
    }
}
