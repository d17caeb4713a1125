//! Progressive lockout: the rule, kept pure so every store applies the same one.
//!
//! After `threshold` failures a subject (a username or an IP) is locked; the n-th lockout
//! lasts min(base × 2^(n−1), max) — or `base` every time when doubling is off — and the level
//! falls back to zero after `reset_after` without a failure (D8). A success resets a
//! username's failure count, never an IP's. Refusals while locked are not failures: they are
//! not counted and do not lengthen the lockout.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// What is locked out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum LockoutSubject {
    /// A username, compared case-insensitively (stored ASCII-lowercased).
    Username(String),
    /// A client IP.
    Ip(IpAddr),
}

impl LockoutSubject {
    /// A username subject; the name is folded so `Alice` and `alice` share one counter.
    pub fn username(name: &str) -> Self {
        Self::Username(name.trim().to_ascii_lowercase())
    }

    /// The stored kind (`username` or `ip`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Username(_) => "username",
            Self::Ip(_) => "ip",
        }
    }

    /// The stored key.
    pub fn key(&self) -> String {
        match self {
            Self::Username(name) => name.clone(),
            Self::Ip(ip) => ip.to_string(),
        }
    }

    /// Rebuilds a subject from its stored kind and key.
    pub fn from_stored(kind: &str, key: &str) -> Option<Self> {
        match kind {
            "username" => Some(Self::Username(key.to_owned())),
            "ip" => key.parse().ok().map(Self::Ip),
            _ => None,
        }
    }
}

impl std::fmt::Display for LockoutSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind(), self.key())
    }
}

/// The failure record of one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockoutState {
    /// Whose record.
    pub subject: LockoutSubject,
    /// Failures since the last lockout (or success, for usernames).
    pub failures: u32,
    /// How many lockouts so far (drives the doubling).
    pub level: u32,
    /// Until when the subject is locked, if it is or was.
    pub locked_until: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_failure: Option<DateTime<Utc>>,
}

impl LockoutState {
    /// A clean record.
    pub fn new(subject: LockoutSubject) -> Self {
        Self {
            subject,
            failures: 0,
            level: 0,
            locked_until: None,
            last_failure: None,
        }
    }

    /// Whether the subject is locked at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// The lockout rule for one kind of subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures that trigger a lockout.
    pub threshold: u32,
    /// The first lockout's length.
    pub base: Duration,
    /// The longest lockout.
    pub max: Duration,
    /// Whether each lockout doubles the previous one.
    pub doubling: bool,
    /// Time without a failure after which the level resets.
    pub reset_after: Duration,
}

impl LockoutPolicy {
    /// `serve`'s default (issue #8, D8): 10 failures → 60 s, doubling to 15 min, reset after 12 h.
    pub fn production() -> Self {
        Self {
            threshold: 10,
            base: Duration::seconds(60),
            max: Duration::seconds(900),
            doubling: true,
            reset_after: Duration::hours(12),
        }
    }

    /// The sandbox's username rule (D6): 10 failures → a fixed 10 s, no doubling.
    pub fn sandbox() -> Self {
        Self {
            threshold: 10,
            base: Duration::seconds(10),
            max: Duration::seconds(10),
            doubling: false,
            reset_after: Duration::hours(12),
        }
    }

    /// How long the `level`-th lockout lasts (level ≥ 1).
    pub fn duration(&self, level: u32) -> Duration {
        if !self.doubling {
            return self.base.min(self.max);
        }
        let shift = level.saturating_sub(1).min(30);
        let seconds = self.base.num_seconds().saturating_mul(1_i64 << shift);
        Duration::seconds(seconds).min(self.max)
    }

    /// The record after one more failure at `now`. A subject that is locked is not
    /// counted (the caller should not even verify it), so its record is returned unchanged.
    pub fn after_failure(&self, mut state: LockoutState, now: DateTime<Utc>) -> LockoutState {
        if state.is_locked(now) {
            return state;
        }
        if state
            .last_failure
            .is_some_and(|last| now - last >= self.reset_after)
        {
            state.level = 0;
            state.failures = 0;
        }
        state.failures = state.failures.saturating_add(1);
        state.last_failure = Some(now);
        if state.failures >= self.threshold.max(1) {
            state.level = state.level.saturating_add(1);
            state.failures = 0;
            state.locked_until = Some(now + self.duration(state.level));
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn fail(
        policy: &LockoutPolicy,
        state: LockoutState,
        times: u32,
        at: DateTime<Utc>,
    ) -> LockoutState {
        (0..times).fold(state, |s, _| policy.after_failure(s, at))
    }

    #[test]
    fn ten_failures_lock_for_a_minute_and_each_lockout_doubles_up_to_fifteen_minutes() {
        let p = LockoutPolicy::production();
        let mut s = LockoutState::new(LockoutSubject::username("Alice"));
        s = fail(&p, s, 9, t(0));
        assert!(!s.is_locked(t(0)));
        s = p.after_failure(s, t(0));
        assert_eq!(s.locked_until, Some(t(60)));
        let expected = [120, 240, 480, 900, 900];
        let mut now = 60;
        for secs in expected {
            s = fail(&p, s, 10, t(now));
            assert_eq!(s.locked_until, Some(t(now + secs)), "level {}", s.level);
            now += secs;
        }
    }

    #[test]
    fn failures_while_locked_neither_count_nor_lengthen_the_lockout() {
        let p = LockoutPolicy::production();
        let s = fail(
            &p,
            LockoutState::new(LockoutSubject::username("a")),
            10,
            t(0),
        );
        let again = fail(&p, s.clone(), 50, t(30));
        assert_eq!(again, s);
    }

    #[test]
    fn the_level_resets_after_twelve_hours_without_a_failure() {
        let p = LockoutPolicy::production();
        let s = fail(
            &p,
            LockoutState::new(LockoutSubject::username("a")),
            20,
            t(0),
        );
        let s = fail(&p, s, 10, t(61));
        assert_eq!(s.level, 2);
        let later = 61 + 12 * 3600;
        let s = fail(&p, s, 10, t(later));
        assert_eq!(s.level, 1);
        assert_eq!(s.locked_until, Some(t(later + 60)));
    }

    #[test]
    fn the_sandbox_rule_locks_for_a_fixed_ten_seconds() {
        let p = LockoutPolicy::sandbox();
        let s = fail(
            &p,
            LockoutState::new(LockoutSubject::username("a")),
            10,
            t(0),
        );
        assert_eq!(s.locked_until, Some(t(10)));
        let s = fail(&p, s, 10, t(10));
        assert_eq!(s.locked_until, Some(t(20)));
    }

    #[test]
    fn subjects_round_trip_through_their_stored_form() {
        for subject in [
            LockoutSubject::username("Bob"),
            LockoutSubject::Ip("2001:db8::1".parse().unwrap()),
        ] {
            assert_eq!(
                LockoutSubject::from_stored(subject.kind(), &subject.key()),
                Some(subject)
            );
        }
        assert_eq!(LockoutSubject::username(" Bob ").key(), "bob");
    }
}
