//! The password pool: Argon2id runs here, bounded, never on the async workers.
//!
//! A hash costs tens of milliseconds of one core (D11). The pool runs at most `workers`
//! hashes at once and lets at most `queue` more wait; past that it refuses at once with
//! [`PasswordPoolError::Busy`], which each dialect answers with its own error, so a flood of
//! logins cannot slow key-checked requests (issue #8).
//!
//! The hashes run on threads of the pool's own, started at the lowest useful OS priority
//! ([`HASHING_NICE`]): when the cores are busy, the scheduler hands most of them to the
//! async workers serving key-checked requests, and hashing takes what is left; on an idle
//! machine hashing runs at full speed. Tokio's blocking threads are not used because they
//! are shared with other blocking work and a thread's priority, once lowered, cannot be
//! raised again without privileges.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use gatehouse_domain::{DomainError, PasswordCheck, PasswordHash, User, UserId};
use tokio::sync::{Semaphore, oneshot};

use crate::state::AppState;

/// The `Retry-After` of a refusal for a full queue, in seconds: a hash takes tens of
/// milliseconds, so the queue drains within a second.
pub const BUSY_RETRY_AFTER: u64 = 1;

/// The nice value of the hashing threads (Linux; 0 is normal, 19 the lowest). At 10 a busy
/// hashing thread gets about a tenth of a core that async workers also want (CFS weights
/// 110 against 1024), so a login flood costs key-checked requests about a tenth of their
/// throughput instead of half, and logins still progress.
pub const HASHING_NICE: i32 = 10;

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

/// One piece of password work, run on a pool thread.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A bounded pool for CPU-heavy password work, on low-priority threads of its own.
#[derive(Debug, Clone)]
pub struct PasswordPool {
    admitted: Arc<Semaphore>,
    jobs: std_mpsc::Sender<Job>,
}

impl PasswordPool {
    /// A pool of `workers` hashing threads with room for `queue` waiting jobs. The threads
    /// end when the last clone of the pool is dropped.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        let (jobs, receiver) = std_mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..workers {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("gatehouse-password-{n}"))
                .spawn(move || work_on(&receiver));
            if let Err(error) = spawned {
                // Fewer threads only means slower hashing; with none, every job is
                // refused as `Failed` (its channel has no receiver left).
                tracing::warn!(%error, "password hashing thread not started");
            }
        }
        Self {
            admitted: Arc::new(Semaphore::new(workers + queue)),
            jobs,
        }
    }

    /// A pool sized for this machine: one worker per core, a queue of 64 per worker.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores, 64 * cores)
    }

    /// Runs `work` on the pool, or refuses at once if the queue is full.
    ///
    /// The job keeps its place until it has run, even if the caller stops waiting (a
    /// request timeout): the work it started still occupies a thread.
    pub async fn run<T, F>(&self, work: F) -> Result<T, PasswordPoolError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| PasswordPoolError::Busy)?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            drop(admitted);
            let _ = done.send(outcome.ok());
        });
        self.jobs.send(job).map_err(|_| PasswordPoolError::Failed)?;
        result.await.ok().flatten().ok_or(PasswordPoolError::Failed)
    }
}

/// A pool thread: lowers its own priority, then runs jobs until the pool is dropped.
fn work_on(receiver: &Mutex<std_mpsc::Receiver<Job>>) {
    lower_this_threads_priority();
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Lowers the calling thread's priority to nice [`HASHING_NICE`] unless it already runs
/// lower (Linux: `setpriority` on a thread id changes that thread only). Lowering needs no
/// privilege; a failure is logged and the thread keeps the priority it was started with.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let this_thread = Some(rustix::thread::gettid());
        let lowered = getpriority_process(this_thread).and_then(|nice| {
            if nice < HASHING_NICE {
                setpriority_process(this_thread, HASHING_NICE)
            } else {
                Ok(())
            }
        });
        if let Err(error) = lowered {
            tracing::debug!(%error, "password hashing thread keeps its priority");
        }
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
        // The one thread survived the panic and takes the next job.
        assert_eq!(pool.run(|| 7).await, Ok(7));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_runs_at_the_lowered_priority_and_the_caller_keeps_its_own() {
        let nice_of_this_thread =
            || rustix::process::getpriority_process(Some(rustix::thread::gettid()));
        let caller = nice_of_this_thread().unwrap();
        let pool = PasswordPool::new(1, 1);
        let on_pool = pool.run(nice_of_this_thread).await.unwrap().unwrap();
        // Lowered to HASHING_NICE, never raised above what the process already runs at.
        assert_eq!(on_pool, caller.max(HASHING_NICE));
        assert_eq!(nice_of_this_thread().unwrap(), caller);
    }
}
