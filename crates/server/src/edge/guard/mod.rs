//! The guard: rate limits and progressive lockout before verification, shared by every
//! dialect (D8, D10).
//!
//! Rate limits ([`rate`]) come first: a refused request is answered with the dialect's
//! "too many requests" error and `Retry-After` (D9), never verified and never counted as a
//! failure.
//!
//! A dialect asks [`Guard::check`] before it verifies a credential; a locked subject is
//! refused unchecked with exactly the answer a wrong credential gets on that path (D9), and
//! audited as `locked_out`. After verifying, it reports [`Guard::failure`] or
//! [`Guard::success`]. Counters live in the store, so every instance sees the same lockout.
//!
//! The replay defences sit with the checks they protect, and all of them are kept in the
//! store, so they hold across instances: coreBOS challenges are consumed by the login that
//! used them (`Sessions::consume_challenge`, `[corebos] challenge_ttl`); Forma SSO links and
//! the opt-in Forma signature cache claim single-use markers (`claim_marker`,
//! `[forma] sso_lifetime`, `sso_future_skew`, `replay_cache`, `replay_window`); the opt-in
//! Wildix token cache marks tokens (`mark_once`, `[wildix] replay_cache`, `replay_window`, `leeway`). The README's
//! "What gatehouse defends" lists them with their defaults.

pub mod rate;

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gatehouse_domain::{LockoutPolicy, LockoutSubject, Store};
use serde::{Deserialize, Serialize};

use crate::edge::AuthFailure;

pub use rate::{Limit, RateLimiter, RateOverrides, Throttled};

/// The `[guard]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuardConfig {
    /// Lock usernames after repeated failures.
    pub lockout: bool,
    /// Also lock client IPs after repeated failures.
    pub ip_lockout: bool,
    /// Failures that trigger a lockout.
    pub lockout_threshold: u32,
    /// The first lockout's length, in seconds.
    pub lockout_duration: u32,
    /// The longest lockout, in seconds.
    pub lockout_max: u32,
    /// Whether each further lockout doubles the previous one.
    pub lockout_doubling: bool,
    /// Seconds without a failure after which the doubling starts over.
    pub lockout_reset: u32,
    /// Whether the rate limits below apply at all (D10); benchmarks turn them off.
    pub rate_limits: bool,
    /// Sign-in requests (password checks, coreBOS `getchallenge`/`login`, Forma SSO) per
    /// second per (client IP, operation); 0 = off.
    pub auth_rate: u32,
    /// Sign-in requests per (client IP, operation) admitted at once.
    pub auth_burst: u32,
    /// Sign-in requests per second per username; 0 = off.
    pub user_rate: u32,
    /// Sign-in requests per username admitted at once.
    pub user_burst: u32,
    /// Requests of any kind per second per client IP; 0 = off.
    pub ip_rate: u32,
    /// Requests per client IP admitted at once.
    pub ip_burst: u32,
    /// Requests per second per authenticated credential (key, session, application); 0 = off.
    pub credential_rate: u32,
    /// Requests per authenticated credential admitted at once.
    pub credential_burst: u32,
}

impl Default for GuardConfig {
    /// `serve`'s defaults: 10 failures → 60 s, doubling to 15 min, reset after 12 h, per
    /// username and per IP (issue #8).
    fn default() -> Self {
        let p = LockoutPolicy::production();
        Self {
            lockout: true,
            ip_lockout: true,
            lockout_threshold: p.threshold,
            lockout_duration: seconds(p.base),
            lockout_max: seconds(p.max),
            lockout_doubling: p.doubling,
            lockout_reset: seconds(p.reset_after),
            ..RATE_DEFAULTS
        }
    }
}

/// D10's rate limits, the same in `serve` and the sandbox (D6); the lockout fields are
/// placeholders overwritten by each constructor.
const RATE_DEFAULTS: GuardConfig = GuardConfig {
    lockout: true,
    ip_lockout: true,
    lockout_threshold: 0,
    lockout_duration: 0,
    lockout_max: 0,
    lockout_doubling: true,
    lockout_reset: 0,
    rate_limits: true,
    auth_rate: 20,
    auth_burst: 200,
    user_rate: 10,
    user_burst: 100,
    ip_rate: 0,
    ip_burst: 0,
    credential_rate: 0,
    credential_burst: 0,
};

/// Now at the store's precision (microseconds), so a lockout end read back equals the one computed.
fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

fn seconds(d: chrono::Duration) -> u32 {
    u32::try_from(d.num_seconds()).unwrap_or(u32::MAX)
}

impl GuardConfig {
    /// The sandbox's defaults (D6): no per-IP lockout; a username is locked after 10
    /// failures for a fixed 10 s, so an integrator still getting a signature wrong is not
    /// shut out for long.
    pub fn sandbox() -> Self {
        let p = LockoutPolicy::sandbox();
        Self {
            lockout: true,
            ip_lockout: false,
            lockout_threshold: p.threshold,
            lockout_duration: seconds(p.base),
            lockout_max: seconds(p.max),
            lockout_doubling: p.doubling,
            lockout_reset: seconds(p.reset_after),
            ..RATE_DEFAULTS
        }
    }

    fn policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            threshold: self.lockout_threshold.max(1),
            base: chrono::Duration::seconds(i64::from(self.lockout_duration)),
            max: chrono::Duration::seconds(i64::from(self.lockout_max.max(self.lockout_duration))),
            doubling: self.lockout_doubling,
            reset_after: chrono::Duration::seconds(i64::from(self.lockout_reset)),
        }
    }
}

/// What [`Guard::check`] found for a request it let through, for [`Guard::success`].
#[derive(Debug, Clone, Copy)]
#[must_use = "pass it to Guard::success after a successful verification"]
pub struct Checked {
    /// Whether the username has failures stored (or their state could not be read).
    username_failures: bool,
}

/// Rate limits and lockout checks for one instance.
#[derive(Clone)]
pub struct Guard {
    store: Arc<dyn Store>,
    username: Option<LockoutPolicy>,
    ip: Option<LockoutPolicy>,
    /// The rate limits (in memory, per instance).
    pub rate: RateLimiter,
}

impl Guard {
    /// A guard applying `config` and each dialect's rate overrides over `store`.
    pub fn new(
        config: &GuardConfig,
        overrides: &[(&'static str, RateOverrides)],
        store: Arc<dyn Store>,
    ) -> Self {
        let policy = config.policy();
        Self {
            store,
            username: config.lockout.then_some(policy),
            ip: (config.lockout && config.ip_lockout).then_some(policy),
            rate: RateLimiter::new(config, overrides),
        }
    }

    /// Before a sign-in (a password check, coreBOS `getchallenge` or `login`, Forma SSO):
    /// counts it per (client IP, `operation`) and per username (D10).
    pub fn throttle_sign_in(
        &self,
        dialect: &'static str,
        operation: &str,
        ip: IpAddr,
        username: Option<&str>,
    ) -> Result<(), Throttled> {
        self.rate
            .check(dialect, Limit::Auth, &[operation, &ip.to_string()])?;
        if let Some(name) = username.map(str::trim).filter(|n| !n.is_empty()) {
            self.rate
                .check(dialect, Limit::User, &[&name.to_lowercase()])?;
        }
        Ok(())
    }

    /// Before anything else a request does: counts it per client IP (off by default).
    pub fn throttle_ip(&self, dialect: &'static str, ip: IpAddr) -> Result<(), Throttled> {
        self.rate.check(dialect, Limit::Ip, &[&ip.to_string()])
    }

    /// After a key, session or token check succeeded: counts the request per credential
    /// (`credential` names the key, application or user; off by default).
    pub fn throttle_credential(
        &self,
        dialect: &'static str,
        credential: &str,
    ) -> Result<(), Throttled> {
        self.rate.check(dialect, Limit::Credential, &[credential])
    }

    fn subjects(&self, username: Option<&str>, ip: IpAddr) -> Vec<(LockoutSubject, LockoutPolicy)> {
        let mut subjects = Vec::new();
        if let (Some(policy), Some(name)) =
            (self.username, username.filter(|n| !n.trim().is_empty()))
        {
            subjects.push((LockoutSubject::username(name), policy));
        }
        if let Some(policy) = self.ip {
            subjects.push((LockoutSubject::Ip(ip), policy));
        }
        subjects
    }

    /// Before verifying: `Err` with the failure to answer if the username or the IP is locked;
    /// otherwise what [`Guard::success`] needs to know afterwards.
    ///
    /// If the store cannot be read the check lets the request through to verification,
    /// which needs the store too and fails there with the dialect's error.
    pub async fn check(&self, username: Option<&str>, ip: IpAddr) -> Result<Checked, AuthFailure> {
        let now = now();
        let mut until: Option<DateTime<Utc>> = None;
        let mut checked = Checked {
            username_failures: false,
        };
        for (subject, _) in self.subjects(username, ip) {
            match self.store.lockout(&subject).await {
                Ok(Some(state)) => {
                    if state.is_locked(now) {
                        until = until.max(state.locked_until);
                    }
                    if matches!(subject, LockoutSubject::Username(_)) {
                        checked.username_failures = true;
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, %subject, "lockout state not readable");
                    // Unknown: let a success reset it as it would without this check.
                    checked.username_failures = true;
                }
            }
        }
        match until {
            Some(until) => {
                let mut failure = AuthFailure::new("locked_out");
                failure.claimed = username.map(str::to_owned);
                failure.locked_until = Some(until);
                Err(failure)
            }
            None => Ok(checked),
        }
    }

    /// After a credential was checked and found wrong: counts it; returns when the lockout
    /// this failure started ends, if it started one.
    pub async fn failure(&self, username: Option<&str>, ip: IpAddr) -> Option<DateTime<Utc>> {
        let now = now();
        let mut until = None;
        for (subject, policy) in self.subjects(username, ip) {
            match self.store.record_failure(&subject, &policy, now).await {
                Ok(state) if state.is_locked(now) => until = until.max(state.locked_until),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, %subject, "failure not counted"),
            }
        }
        until
    }

    /// After a success: the username's failures are forgotten; the IP's are not (D8).
    ///
    /// `checked` is what [`Guard::check`] saw before verifying: when the username had no
    /// failure stored there is nothing to forget, and the reset (a write on the store's
    /// single writer, on every successful call of a signed API otherwise) is skipped. A
    /// failure recorded by a concurrent request between the check and this success is kept,
    /// as it would be had it arrived just after the success.
    pub async fn success(&self, checked: Checked, username: &str) {
        if self.username.is_none() || !checked.username_failures {
            return;
        }
        let subject = LockoutSubject::username(username);
        if let Err(error) = self.store.clear_lockout(&subject).await {
            tracing::warn!(%error, %subject, "failure count not reset");
        }
    }
}

/// Audits a rate-limited request when it is the one of its key and period that is audited
/// ([`rate`]), as outcome `rate_limited`; the others are only counted in metrics.
pub async fn audit_throttled(
    audit: &dyn gatehouse_domain::Audit,
    record: &crate::edge::AuthRecord,
    throttled: Throttled,
    claimed: Option<&str>,
) {
    if throttled.audit {
        let mut failure = AuthFailure::new("rate_limited");
        failure.claimed = claimed.map(str::to_owned);
        crate::edge::auth::record(audit, record.failure(&failure)).await;
    }
}

/// Checks that every limit in force has a burst of at least one, naming the key to fix.
pub fn check_quotas(
    global: &GuardConfig,
    dialects: &[(&'static str, RateOverrides)],
) -> Result<(), String> {
    if !global.rate_limits {
        return Ok(());
    }
    for (dialect, local) in dialects {
        for limit in [Limit::Auth, Limit::User, Limit::Ip, Limit::Credential] {
            let Some(quota) = rate::resolve(global, local, limit) else {
                continue;
            };
            if quota.burst == 0 {
                let name = limit.name();
                let local_burst = match limit {
                    Limit::Auth => local.auth_burst,
                    Limit::User => local.user_burst,
                    Limit::Ip => local.ip_burst,
                    Limit::Credential => local.credential_burst,
                };
                let key = if local_burst.is_some() {
                    format!("{dialect}.guard.{name}_burst")
                } else {
                    format!("guard.{name}_burst")
                };
                return Err(format!(
                    "{key}: must be at least 1 while {name}_rate is set (0 turns the limit off through {name}_rate)"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_guard_differs_from_serve_only_as_d6_says() {
        let serve = GuardConfig::default();
        let sandbox = GuardConfig::sandbox();
        assert!(serve.ip_lockout && !sandbox.ip_lockout);
        assert_eq!(
            (serve.lockout_threshold, sandbox.lockout_threshold),
            (10, 10)
        );
        assert_eq!((serve.lockout_duration, serve.lockout_max), (60, 900));
        assert_eq!((sandbox.lockout_duration, sandbox.lockout_max), (10, 10));
        assert!(serve.lockout_doubling && !sandbox.lockout_doubling);
    }
}
