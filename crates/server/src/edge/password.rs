//! The password pool: Argon2id runs here, bounded, never on the async workers.
//!
//! A hash costs tens of milliseconds of one core (D11). The pool runs at most `workers`
//! hashes at once and lets at most `queue` more wait; past that it refuses at once with
//! [`PasswordPoolError::Busy`], which each dialect answers with its own error, so a flood of
//! logins cannot slow key-checked requests (issue #8).

use std::sync::{Arc, OnceLock};

use gatehouse_domain::{DomainError, PasswordCheck, PasswordHash, User, UserId};
use tokio::sync::Semaphore;

use crate::state::AppState;

/// The `Retry-After` of a refusal for a full queue, in seconds: a hash takes tens of
/// milliseconds, so the queue drains within a second.
pub const BUSY_RETRY_AFTER: u64 = 1;

/// Why password work was not done.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordPoolError {
    /// All workers are busy and the queue is full.
    #[error("password queue full, retry shortly")]
    Busy,
    /// The hashing task failed (a panic inside the hasher).
    #[error("password hashing failed")]
    Failed,
}

/// A bounded pool for CPU-heavy password work.
#[derive(Debug, Clone)]
pub struct PasswordPool {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

impl PasswordPool {
    /// A pool of `workers` concurrent hashes with room for `queue` waiting ones.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            running: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(workers + queue)),
        }
    }

    /// A pool sized for this machine: one worker per core, a queue of 64 per worker.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores, 64 * cores)
    }

    /// Runs `work` on the pool, or refuses at once if the queue is full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, PasswordPoolError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| PasswordPoolError::Busy)?;
        let _running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| PasswordPoolError::Failed)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| PasswordPoolError::Failed)
    }
}

/// What checking a user's password found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordVerdict {
    /// The password is right (a legacy hash has been upgraded to Argon2id).
    Valid,
    /// The password is wrong.
    Wrong,
    /// No such user.
    UnknownUser,
    /// The user has no usable password.
    NoPassword,
}

impl PasswordVerdict {
    /// The audit reason code of a refusal (`mismatch`, `unknown_user`, `no_password`).
    pub fn reason(self) -> &'static str {
        match self {
            Self::Valid => "ok",
            Self::Wrong => "mismatch",
            Self::UnknownUser => "unknown_user",
            Self::NoPassword => "no_password",
        }
    }
}

/// Checks `password` for `user` on the pool, the one way every dialect's password sign-in
/// does it: an unknown user or one without a password is checked against a decoy hash, so
/// the answer's timing does not tell which usernames exist; a right password under a
/// legacy (md5, sha1, bcrypt) or weaker Argon2 hash is re-hashed with the current policy.
/// Whether the user may sign in (active, not expired) is the caller's next question.
pub async fn check_password(
    state: &AppState,
    user: Option<&User>,
    password: &str,
) -> Result<PasswordVerdict, PasswordPoolError> {
    let (stored, absent) = match user.map(|u| u.password.clone()) {
        Some(Some(stored)) => (stored, None),
        Some(None) => (decoy(state).await, Some(PasswordVerdict::NoPassword)),
        None => (decoy(state).await, Some(PasswordVerdict::UnknownUser)),
    };
    let policy = state.password_policy;
    let plain = password.to_owned();
    let check = state
        .passwords
        .run(move || policy.verify(&stored, &plain))
        .await?;
    if let Some(verdict) = absent {
        return Ok(verdict);
    }
    match (user, check) {
        (Some(user), PasswordCheck::Valid { upgrade }) => {
            if upgrade {
                upgrade_password(state, user.id, password).await;
            }
            Ok(PasswordVerdict::Valid)
        }
        _ => Ok(PasswordVerdict::Wrong),
    }
}

/// A hash of a random password under the current policy, made once per process: what an
/// unknown user's password is checked against.
async fn decoy(state: &AppState) -> PasswordHash {
    static DECOY: OnceLock<PasswordHash> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return hash.clone();
    }
    let policy = state.password_policy;
    let made = state
        .passwords
        .run(move || policy.hash(&crate::site_secrets::random_alphanumeric(24)))
        .await;
    match made {
        Ok(Ok(hash)) => DECOY.get_or_init(|| hash).clone(),
        // Without a decoy the check still fails; only the timing differs.
        _ => PasswordHash::Sha1 {
            hex: "0".repeat(40),
            salt: None,
        },
    }
}

/// Replaces a legacy or weaker hash by the policy's Argon2id. A failure here is logged:
/// the sign-in itself already succeeded.
async fn upgrade_password(state: &AppState, user: UserId, password: &str) {
    let policy = state.password_policy;
    let plain = password.to_owned();
    let hashed = state.passwords.run(move || policy.hash(&plain)).await;
    let outcome = match hashed {
        Ok(Ok(hash)) => state.store.set_password(user, Some(hash)).await,
        Ok(Err(e)) => Err(e),
        Err(e) => Err(DomainError::Internal(e.to_string())),
    };
    if let Err(error) = outcome {
        tracing::warn!(%error, user = user.0, "password hash not upgraded");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn work_runs_and_returns_its_value() {
        let pool = PasswordPool::new(1, 1);
        assert_eq!(pool.run(|| 6 * 7).await, Ok(42));
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let pool = PasswordPool::new(1, 0);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let busy = pool.clone();
        let first = tokio::spawn(async move {
            busy.run(move || {
                let _ = rx.recv_timeout(Duration::from_secs(5));
            })
            .await
        });
        // Wait until the first job holds the only place.
        while pool.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(|| ()).await, Err(PasswordPoolError::Busy));
        tx.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(()));
        assert_eq!(pool.run(|| 1).await, Ok(1));
    }

    #[tokio::test]
    async fn a_panicking_job_is_reported_not_propagated() {
        let pool = PasswordPool::new(1, 1);
        let result: Result<(), _> = pool.run(|| panic!("boom")).await;
        assert_eq!(result, Err(PasswordPoolError::Failed));
    }
}
