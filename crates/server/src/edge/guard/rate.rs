//! Rate limits: GCRA per key, in memory, per instance (D10, ARCHITECTURE.md §4.2).
//!
//! Four limits, each a table of keys with a theoretical arrival time (GCRA: a request is
//! admitted when it arrives no earlier than `tat - burst × interval`; each admission moves
//! `tat` on by one `interval = 1 s / rate`):
//! - [`Limit::Auth`]: per (resolved client IP, operation) on the expensive sign-in paths
//!   (password checks, coreBOS `getchallenge` and `login`, Forma SSO);
//! - [`Limit::User`]: per username on the same paths;
//! - [`Limit::Ip`]: every request per resolved client IP (off by default);
//! - [`Limit::Credential`]: every request per authenticated credential, application or
//!   user (off by default).
//!
//! Buckets are per instance: several instances behind a load balancer each admit the full
//! rate. Loopback is not exempt. Every key carries its dialect, so `[<dialect>.guard]`
//! overrides apply to that dialect's keys only.
//!
//! Memory is bounded: a key whose `tat` has passed is indistinguishable from a fresh one and
//! is dropped by a sweep every [`SWEEP_EVERY`] (or when a table is full); a table holds at
//! most [`MAX_KEYS`] keys, and a new key arriving at a table still full after the sweep is
//! admitted untracked (counted in `gatehouse_rate_limit_untracked_total`), so a flood of
//! distinct keys can neither exhaust memory nor lock out callers the table has not seen.
//! The lockout (in the store) and the password pool's queue limit stay in force either way.
//!
//! A refusal is audited once per key per [`AUDIT_EVERY`]: a flood costs one store write per
//! key and minute, not one per refused request; every refusal is counted in
//! `gatehouse_rate_limited_total`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::GuardConfig;

/// Keys a table holds at most.
pub const MAX_KEYS: usize = 100_000;
/// How often idle keys are swept out.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);
/// A key's refusals are audited at most once per this period.
pub const AUDIT_EVERY: Duration = Duration::from_secs(60);
/// Bytes of a caller-chosen key part (a username) kept; longer ones are cut, so one key
/// costs a bounded amount of memory.
const MAX_KEY_PART: usize = 256;

/// Metric names.
pub mod names {
    /// Counter of refused requests, labelled `dialect` and `limit`.
    pub const RATE_LIMITED: &str = "gatehouse_rate_limited_total";
    /// Counter of requests admitted untracked because a table was full, labelled `limit`.
    pub const UNTRACKED: &str = "gatehouse_rate_limit_untracked_total";
}

/// Which limit a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Per (client IP, operation) on sign-in paths.
    Auth,
    /// Per username on sign-in paths.
    User,
    /// Every request per client IP.
    Ip,
    /// Every request per authenticated credential, application or user.
    Credential,
}

impl Limit {
    const ALL: [Self; 4] = [Self::Auth, Self::User, Self::Ip, Self::Credential];

    /// The metrics label and config-key prefix (`auth`, `user`, `ip`, `credential`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::User => "user",
            Self::Ip => "ip",
            Self::Credential => "credential",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The rate keys of a `[<dialect>.guard]` table: each unset key takes the `[guard]` value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateOverrides {
    /// Sign-in requests per second per (client IP, operation).
    pub auth_rate: Option<u32>,
    /// Sign-in requests per (client IP, operation) admitted at once.
    pub auth_burst: Option<u32>,
    /// Sign-in requests per second per username.
    pub user_rate: Option<u32>,
    /// Sign-in requests per username admitted at once.
    pub user_burst: Option<u32>,
    /// Requests per second per client IP.
    pub ip_rate: Option<u32>,
    /// Requests per client IP admitted at once.
    pub ip_burst: Option<u32>,
    /// Requests per second per authenticated credential.
    pub credential_rate: Option<u32>,
    /// Requests per authenticated credential admitted at once.
    pub credential_burst: Option<u32>,
}

impl RateOverrides {
    /// Whether any key is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One limit's parameters: `rate` per second, `burst` at once; off when `rate` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests per second.
    pub rate: u32,
    /// Requests admitted at once.
    pub burst: u32,
}

impl Quota {
    fn interval_nanos(self) -> u64 {
        1_000_000_000 / u64::from(self.rate.max(1))
    }

    fn tolerance_nanos(self) -> u64 {
        self.interval_nanos()
            .saturating_mul(u64::from(self.burst.max(1)))
    }
}

/// The quota of `limit` for a dialect: its override, else the `[guard]` value; `None` = off.
pub fn resolve(global: &GuardConfig, local: &RateOverrides, limit: Limit) -> Option<Quota> {
    if !global.rate_limits {
        return None;
    }
    let (rate, burst) = match limit {
        Limit::Auth => (
            local.auth_rate.unwrap_or(global.auth_rate),
            local.auth_burst.unwrap_or(global.auth_burst),
        ),
        Limit::User => (
            local.user_rate.unwrap_or(global.user_rate),
            local.user_burst.unwrap_or(global.user_burst),
        ),
        Limit::Ip => (
            local.ip_rate.unwrap_or(global.ip_rate),
            local.ip_burst.unwrap_or(global.ip_burst),
        ),
        Limit::Credential => (
            local.credential_rate.unwrap_or(global.credential_rate),
            local.credential_burst.unwrap_or(global.credential_burst),
        ),
    };
    (rate > 0).then_some(Quota { rate, burst })
}

/// A refused request: when to retry, and whether this refusal is the one of its key and
/// period that goes to the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// The limit that refused.
    pub limit: Limit,
    /// Seconds until the request would be admitted, rounded up (at least 1): `Retry-After`.
    pub retry_after: u64,
    /// Whether to write an audit event for this refusal.
    pub audit: bool,
}

/// Where the limiter's "now" comes from.
#[derive(Debug, Clone)]
pub enum RateClock {
    /// Monotonic time since the limiter was built.
    System(Instant),
    /// Nanoseconds set by the caller (tests).
    Manual(Arc<AtomicU64>),
}

impl RateClock {
    fn now(&self) -> u64 {
        match self {
            Self::System(start) => u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            Self::Manual(nanos) => nanos.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The theoretical arrival time, in clock nanoseconds.
    tat: u64,
    /// When a refusal of this key was last audited.
    audited: Option<u64>,
}

#[derive(Debug, Default)]
struct Table {
    entries: HashMap<String, Entry>,
    swept: u64,
}

impl Table {
    fn sweep(&mut self, now: u64) {
        // A passed `tat` means a full burst is available again: the same as no entry.
        self.entries.retain(|_, e| e.tat > now);
        self.swept = now;
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The rate limits of one instance: quotas per dialect and limit, and the keyed tables.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    quotas: Arc<HashMap<(&'static str, Limit), Quota>>,
    tables: Arc<[Mutex<Table>; 4]>,
    clock: RateClock,
    capacity: usize,
}

impl RateLimiter {
    /// Limits from `[guard]` and each dialect's `[<dialect>.guard]` overrides.
    pub fn new(global: &GuardConfig, dialects: &[(&'static str, RateOverrides)]) -> Self {
        let mut quotas = HashMap::new();
        for (dialect, local) in dialects {
            for limit in Limit::ALL {
                if let Some(quota) = resolve(global, local, limit) {
                    quotas.insert((*dialect, limit), quota);
                }
            }
        }
        Self {
            quotas: Arc::new(quotas),
            tables: Arc::new(Default::default()),
            clock: RateClock::System(Instant::now()),
            capacity: MAX_KEYS,
        }
    }

    /// The same limiter reading time from `clock` and holding at most `capacity` keys per table.
    pub fn with_clock(mut self, clock: RateClock, capacity: usize) -> Self {
        self.clock = clock;
        self.capacity = capacity.max(1);
        self
    }

    /// The quota in force for `limit` in `dialect`, if the limit is on.
    pub fn quota(&self, dialect: &str, limit: Limit) -> Option<Quota> {
        self.quotas
            .iter()
            .find(|((d, l), _)| *d == dialect && *l == limit)
            .map(|(_, q)| *q)
    }

    /// Keys currently held by `limit`'s table.
    pub fn tracked(&self, limit: Limit) -> usize {
        self.tables[limit.index()]
            .lock()
            .map_or(0, |t| t.entries.len())
    }

    /// Counts one request of `dialect` against `key` under `limit`: `Ok` if admitted (or the
    /// limit is off), else when to retry. Key parts are joined, and each is cut to a bounded
    /// length, so a caller-chosen username cannot make a key large.
    pub fn check(
        &self,
        dialect: &'static str,
        limit: Limit,
        key: &[&str],
    ) -> Result<(), Throttled> {
        let Some(quota) = self.quota(dialect, limit) else {
            return Ok(());
        };
        let mut full_key = String::from(dialect);
        for part in key {
            full_key.push('\u{1f}');
            full_key.push_str(cut(part));
        }
        let now = self.clock.now();
        let Ok(mut table) = self.tables[limit.index()].lock() else {
            return Ok(());
        };
        // A full table is swept at most once a second, so a flood of new keys does not
        // make every request walk the table.
        let since = now.saturating_sub(table.swept);
        if since >= nanos(SWEEP_EVERY)
            || (table.entries.len() >= self.capacity && since >= 1_000_000_000)
        {
            table.sweep(now);
        }
        let interval = quota.interval_nanos();
        let tolerance = quota.tolerance_nanos();
        let tracked = table.entries.len();
        let entry = match table.entries.get_mut(&full_key) {
            Some(entry) => entry,
            None if tracked >= self.capacity => {
                metrics::counter!(names::UNTRACKED, "limit" => limit.name()).increment(1);
                return Ok(());
            }
            None => table.entries.entry(full_key).or_insert(Entry {
                tat: now,
                audited: None,
            }),
        };
        let next = entry.tat.max(now).saturating_add(interval);
        if next.saturating_sub(now) <= tolerance {
            entry.tat = next;
            return Ok(());
        }
        let wait = next - now - tolerance;
        let audit = entry
            .audited
            .is_none_or(|at| now.saturating_sub(at) >= nanos(AUDIT_EVERY));
        if audit {
            entry.audited = Some(now);
        }
        metrics::counter!(names::RATE_LIMITED, "dialect" => dialect, "limit" => limit.name())
            .increment(1);
        Err(Throttled {
            limit,
            retry_after: wait.div_ceil(1_000_000_000).max(1),
            audit,
        })
    }
}

fn cut(part: &str) -> &str {
    if part.len() <= MAX_KEY_PART {
        return part;
    }
    let mut end = MAX_KEY_PART;
    while !part.is_char_boundary(end) {
        end -= 1;
    }
    &part[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    fn limiter(global: GuardConfig, capacity: usize) -> (RateLimiter, Arc<AtomicU64>) {
        let clock = Arc::new(AtomicU64::new(0));
        let overrides = RateOverrides {
            auth_burst: Some(2),
            ..RateOverrides::default()
        };
        let limiter = RateLimiter::new(
            &global,
            &[("corebos", RateOverrides::default()), ("forma", overrides)],
        )
        .with_clock(RateClock::Manual(clock.clone()), capacity);
        (limiter, clock)
    }

    fn small() -> GuardConfig {
        GuardConfig {
            auth_rate: 2,
            auth_burst: 5,
            ..GuardConfig::default()
        }
    }

    #[test]
    fn a_burst_is_admitted_then_refused_with_the_wait_rounded_up() {
        let (limiter, _) = limiter(small(), 100);
        for _ in 0..5 {
            limiter
                .check("corebos", Limit::Auth, &["login", "10.0.0.1"])
                .unwrap();
        }
        let refused = limiter
            .check("corebos", Limit::Auth, &["login", "10.0.0.1"])
            .unwrap_err();
        assert_eq!(refused.limit, Limit::Auth);
        // One token every 0.5 s: the sixth waits 0.5 s, rounded up to 1.
        assert_eq!(refused.retry_after, 1);
        assert!(refused.audit);
    }

    #[test]
    fn tokens_refill_at_the_rate() {
        let (limiter, clock) = limiter(small(), 100);
        let key = ["login", "10.0.0.1"];
        for _ in 0..5 {
            limiter.check("corebos", Limit::Auth, &key).unwrap();
        }
        assert!(limiter.check("corebos", Limit::Auth, &key).is_err());
        clock.store(SECOND / 2, Ordering::Relaxed);
        limiter.check("corebos", Limit::Auth, &key).unwrap();
        assert!(limiter.check("corebos", Limit::Auth, &key).is_err());
        // After 2.5 s of quiet the whole burst is back.
        clock.store(3 * SECOND, Ordering::Relaxed);
        for _ in 0..5 {
            limiter.check("corebos", Limit::Auth, &key).unwrap();
        }
        assert!(limiter.check("corebos", Limit::Auth, &key).is_err());
    }

    #[test]
    fn a_long_wait_is_reported_in_whole_seconds() {
        let global = GuardConfig {
            user_rate: 1,
            user_burst: 3,
            ..GuardConfig::default()
        };
        let (limiter, _) = limiter(global, 100);
        for _ in 0..3 {
            limiter.check("corebos", Limit::User, &["alice"]).unwrap();
        }
        let refused = limiter
            .check("corebos", Limit::User, &["alice"])
            .unwrap_err();
        assert_eq!(refused.retry_after, 1);
        // Refused requests do not push the admission time further out.
        let again = limiter
            .check("corebos", Limit::User, &["alice"])
            .unwrap_err();
        assert_eq!(again.retry_after, 1);
    }

    #[test]
    fn keys_and_dialects_do_not_share_buckets() {
        let (limiter, _) = limiter(small(), 100);
        for _ in 0..5 {
            limiter
                .check("corebos", Limit::Auth, &["login", "10.0.0.1"])
                .unwrap();
        }
        assert!(
            limiter
                .check("corebos", Limit::Auth, &["login", "10.0.0.1"])
                .is_err()
        );
        limiter
            .check("corebos", Limit::Auth, &["login", "10.0.0.2"])
            .unwrap();
        limiter
            .check("corebos", Limit::Auth, &["getchallenge", "10.0.0.1"])
            .unwrap();
        limiter
            .check("forma", Limit::Auth, &["login", "10.0.0.1"])
            .unwrap();
        limiter
            .check("corebos", Limit::User, &["login", "10.0.0.1"])
            .unwrap();
    }

    #[test]
    fn a_flood_is_audited_once_per_key_and_period() {
        let (limiter, clock) = limiter(small(), 100);
        let key = ["login", "10.0.0.1"];
        for _ in 0..5 {
            limiter.check("corebos", Limit::Auth, &key).unwrap();
        }
        let audited = (0..100)
            .filter(|_| {
                limiter
                    .check("corebos", Limit::Auth, &key)
                    .unwrap_err()
                    .audit
            })
            .count();
        assert_eq!(audited, 1);
        clock.store(61 * SECOND, Ordering::Relaxed);
        for _ in 0..5 {
            limiter.check("corebos", Limit::Auth, &key).unwrap();
        }
        assert!(
            limiter
                .check("corebos", Limit::Auth, &key)
                .unwrap_err()
                .audit
        );
    }

    #[test]
    fn idle_keys_are_evicted_and_a_full_table_admits_new_keys_untracked() {
        let (limiter, clock) = limiter(small(), 3);
        for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
            for _ in 0..5 {
                limiter
                    .check("corebos", Limit::Auth, &["login", ip])
                    .unwrap();
            }
        }
        assert_eq!(limiter.tracked(Limit::Auth), 3);
        // Full: a fourth key is admitted without being tracked; tracked keys stay limited.
        for _ in 0..10 {
            limiter
                .check("corebos", Limit::Auth, &["login", "10.0.0.4"])
                .unwrap();
        }
        assert_eq!(limiter.tracked(Limit::Auth), 3);
        assert!(
            limiter
                .check("corebos", Limit::Auth, &["login", "10.0.0.1"])
                .is_err()
        );
        // Once their buckets are full again the keys are swept out.
        clock.store(20 * SECOND, Ordering::Relaxed);
        limiter
            .check("corebos", Limit::Auth, &["login", "10.0.0.4"])
            .unwrap();
        assert_eq!(limiter.tracked(Limit::Auth), 1);
    }

    #[test]
    fn overrides_take_precedence_and_unset_keys_fall_back_to_the_global_value() {
        let global = small();
        let local = RateOverrides {
            auth_burst: Some(2),
            ip_rate: Some(7),
            ip_burst: Some(9),
            ..RateOverrides::default()
        };
        assert_eq!(
            resolve(&global, &local, Limit::Auth),
            Some(Quota { rate: 2, burst: 2 })
        );
        assert_eq!(
            resolve(&global, &local, Limit::User),
            Some(Quota {
                rate: 10,
                burst: 100
            })
        );
        assert_eq!(
            resolve(&global, &local, Limit::Ip),
            Some(Quota { rate: 7, burst: 9 })
        );
        assert_eq!(resolve(&global, &RateOverrides::default(), Limit::Ip), None);
        assert_eq!(resolve(&global, &local, Limit::Credential), None);
        let off = GuardConfig {
            rate_limits: false,
            ..global
        };
        assert_eq!(resolve(&off, &local, Limit::Ip), None);
        // The limiter applies each dialect's own quota.
        let (limiter, _) = limiter(small(), 100);
        assert_eq!(
            limiter.quota("forma", Limit::Auth),
            Some(Quota { rate: 2, burst: 2 })
        );
        assert_eq!(
            limiter.quota("corebos", Limit::Auth),
            Some(Quota { rate: 2, burst: 5 })
        );
    }

    #[test]
    fn the_defaults_are_d10s() {
        let serve = GuardConfig::default();
        let none = RateOverrides::default();
        assert_eq!(
            resolve(&serve, &none, Limit::Auth),
            Some(Quota {
                rate: 20,
                burst: 200
            })
        );
        assert_eq!(
            resolve(&serve, &none, Limit::User),
            Some(Quota {
                rate: 10,
                burst: 100
            })
        );
        assert_eq!(resolve(&serve, &none, Limit::Ip), None);
        assert_eq!(resolve(&serve, &none, Limit::Credential), None);
        assert_eq!(GuardConfig::sandbox().rate_limits, serve.rate_limits);
        assert_eq!(GuardConfig::sandbox().auth_burst, serve.auth_burst);
    }

    #[test]
    fn long_key_parts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(300);
        assert!(cut(&long).len() <= MAX_KEY_PART);
        assert!(long.starts_with(cut(&long)));
    }
}
