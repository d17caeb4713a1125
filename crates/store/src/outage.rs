//! The "database known down" latch: after the store failed to get a connection, its calls
//! fail at once for [`OUTAGE_HOLD`] instead of each waiting out the acquire timeout again.
//!
//! Why: sqlx retries a refused connection until `database_acquire_timeout`, and one request
//! makes several store calls in a row (lockout, verification, audit, the operation), so during
//! a PostgreSQL outage one request took several timeouts (five calls with a 2 s timeout: 10 s).
//! With the latch, the first call that cannot connect pays the timeout and the rest of that
//! request, and every request in the next second, are answered "unavailable" at once.
//!
//! The choice: a fixed hold of one second, then one call probes. When the hold has passed,
//! the first call to arrive claims the probe (the hold is renewed for everyone else while it
//! runs) and tries the database for real: a connection clears the latch, another failure
//! sets it again. So a request waits at most one acquire timeout, the database sees at most
//! one connection attempt per second from an instance while it is down, and the instance
//! notices within a second (plus one timeout) that it is back. No background task is needed,
//! and an idle instance does no probing. A timed hold rather than a background probe keeps the
//! store free of tasks of its own that would need starting and stopping with it.
//!
//! Only PostgreSQL arms the latch. An SQLite file has no server to be down: a pool timeout
//! there means writers queueing behind each other, and failing other calls fast for a second
//! would only turn a slow moment into refusals.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gatehouse_domain::{DomainError, DomainResult};

/// How long calls fail at once after the database could not be reached.
pub(crate) const OUTAGE_HOLD: Duration = Duration::from_secs(1);

/// Remembers when the database last could not be reached (see the module documentation).
#[derive(Debug)]
pub(crate) struct OutageLatch {
    /// Whether the latch is used at all (PostgreSQL) or every call goes to the pool (SQLite).
    armed: bool,
    /// The instant that offsets are measured from.
    epoch: Instant,
    /// Until when calls fail at once, in nanoseconds after `epoch`; zero while the database
    /// answers.
    retry_at: AtomicU64,
    /// The hold, [`OUTAGE_HOLD`] outside tests.
    hold: Duration,
}

impl OutageLatch {
    /// A latch that holds calls for `hold` after a failure, or one that never holds.
    pub(crate) fn new(armed: bool, hold: Duration) -> Self {
        Self {
            armed,
            epoch: Instant::now(),
            retry_at: AtomicU64::new(0),
            hold,
        }
    }

    /// Before a call goes to the pool: refuses it with [`DomainError::Unavailable`] while the
    /// database is known to be down. When the hold has passed, one caller is let through
    /// to probe and the hold is renewed for the others.
    pub(crate) fn check(&self) -> DomainResult<()> {
        if !self.armed {
            return Ok(());
        }
        let retry_at = self.retry_at.load(Ordering::Acquire);
        if retry_at == 0 {
            return Ok(());
        }
        let now = self.now();
        if now >= retry_at
            && self
                .retry_at
                .compare_exchange(retry_at, self.later(), Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return Ok(());
        }
        Err(DomainError::Unavailable(format!(
            "database unreachable (a connection failed less than {} ms ago); not retried yet",
            self.hold.as_millis()
        )))
    }

    /// After a call could not get a connection: hold the calls that follow.
    pub(crate) fn failed(&self) {
        if self.armed {
            self.retry_at.store(self.later(), Ordering::Release);
        }
    }

    /// After a call got a connection: the database answers again.
    pub(crate) fn answered(&self) {
        if self.armed && self.retry_at.load(Ordering::Acquire) != 0 {
            self.retry_at.store(0, Ordering::Release);
        }
    }

    /// Now, as an offset from `epoch` (at least 1, so that it never reads as "up").
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn later(&self) -> u64 {
        self.now()
            .saturating_add(u64::try_from(self.hold.as_nanos()).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_refuses_the_calls_that_follow_until_the_database_answers() {
        let latch = OutageLatch::new(true, Duration::from_secs(3600));
        latch.check().unwrap();
        latch.failed();
        assert!(matches!(latch.check(), Err(DomainError::Unavailable(_))));
        assert!(matches!(latch.check(), Err(DomainError::Unavailable(_))));
        latch.answered();
        latch.check().unwrap();
        latch.check().unwrap();
    }

    #[test]
    fn after_the_hold_one_call_probes_while_the_others_are_still_refused() {
        let latch = OutageLatch::new(true, Duration::from_secs(3600));
        latch.failed();
        // Wind the hold back so that it ended long ago.
        latch.retry_at.store(1, Ordering::Release);
        latch.check().unwrap(); // the probe
        assert!(matches!(latch.check(), Err(DomainError::Unavailable(_))));
        latch.failed(); // the probe failed: held again
        assert!(matches!(latch.check(), Err(DomainError::Unavailable(_))));
    }

    #[test]
    fn an_unarmed_latch_never_refuses() {
        let latch = OutageLatch::new(false, Duration::from_secs(3600));
        latch.failed();
        latch.check().unwrap();
    }
}
