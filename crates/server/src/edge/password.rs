//! The password pool: Argon2id runs here, bounded, never on the async workers.
//!
//! A hash costs tens of milliseconds of one core (D11). The pool runs at most `workers`
//! hashes at once and lets at most `queue` more wait; past that it refuses at once with
//! [`PasswordPoolError::Busy`], which each dialect answers with its own error, so a flood of
//! logins cannot slow key-checked requests (issue #8).

use std::sync::Arc;

use tokio::sync::Semaphore;

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
