//! Group commit of user creates on SQLite (issue #10).
//!
//! Every create is a write transaction on the single writer, and each commit appends the
//! pages it changed to the WAL: the users table, its username index, the external ids and
//! their index, four or five pages for one row, and a checkpoint every thousand pages.
//! Creates that arrive together are therefore run in one transaction: one task takes what
//! is queued, runs each create inside a SAVEPOINT of its own (one round trip each: the
//! savepoint, the INSERTs and its release are one statement string) and commits once.
//!
//! Each create keeps its own outcome: one refused by a unique constraint is rolled back to
//! its savepoint and reported refused, the others are committed. Nobody hears of success
//! before the commit. Should anything fail beyond a refused row (a failed COMMIT, a full
//! disk), the batch's transaction is dropped, nothing of it is stored, and every create of
//! it runs again on its own, so each gets the answer it would have had alone. A create
//! whose caller has gone before its turn is not run. A batch of one is the single-round-trip
//! create of [`SqlStore::create_at_once`], as without the queue.
//!
//! PostgreSQL creates are single statements on a pool of connections, committed in
//! parallel by the server, and do not go through the queue.

use chrono::{DateTime, Utc};
use gatehouse_domain::{DomainError, DomainResult, EntityKind, NewUser, User};
use sqlx::{Any, Executor, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::SqlStore;
use crate::error::{Failure, classify};
use crate::users::{bind_new_user, insert_user_savepoint_sql, user_row};

/// The most creates one transaction carries.
pub(crate) const BATCH: usize = 64;

/// How many creates may wait for the task before callers wait for room.
const CAPACITY: usize = 1024;

/// What a create ends with: created, refused by a unique constraint (`None`), or failed.
pub(crate) type Created = DomainResult<Option<User>>;

/// One queued create.
struct Job {
    new: NewUser,
    auth_source: String,
    now: DateTime<Utc>,
    done: oneshot::Sender<Created>,
}

/// The handle a store's creates are queued through; cloned with the store.
#[derive(Clone)]
pub(crate) struct CreateQueue {
    sender: mpsc::Sender<Job>,
}

impl CreateQueue {
    /// Starts the task that runs the queue over `store` (a store without a queue of its
    /// own: the task ends when the last handle is dropped). Must be called inside a Tokio
    /// runtime.
    pub(crate) fn spawn(store: SqlStore) -> Self {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        tokio::spawn(run(store, receiver));
        Self { sender }
    }

    /// Queues a create and waits for its outcome (see [`SqlStore::create_at_once`]); `None`
    /// when the task is gone (the caller creates directly).
    pub(crate) async fn create(
        &self,
        new: &NewUser,
        auth_source: &str,
        now: DateTime<Utc>,
    ) -> Option<Created> {
        let (done, outcome) = oneshot::channel();
        let job = Job {
            new: new.clone(),
            auth_source: auth_source.to_owned(),
            now,
            done,
        };
        self.sender.send(job).await.ok()?;
        Some(outcome.await.unwrap_or_else(|_| {
            // The task stopped in the middle of the batch (only if it panicked); nothing of
            // an unfinished transaction is stored.
            Err(DomainError::Internal(
                "the user create queue stopped".into(),
            ))
        }))
    }
}

/// The task: one batch at a time, in arrival order.
async fn run(store: SqlStore, mut receiver: mpsc::Receiver<Job>) {
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        jobs.retain(|job| !job.done.is_closed());
        if jobs.len() > 1 {
            jobs = match store.create_together(jobs).await {
                Ok(()) => continue,
                Err(jobs) => jobs,
            };
        }
        for job in jobs {
            let outcome = store
                .create_at_once(&job.new, &job.auth_source, job.now)
                .await;
            let _ = job.done.send(outcome);
        }
    }
}

impl SqlStore {
    /// Runs `jobs` in one transaction, each in a savepoint, and answers them once it is
    /// committed. `Err` gives the jobs back, unanswered and with nothing stored, when the
    /// transaction failed for a reason other than a refused row.
    async fn create_together(&self, jobs: Vec<Job>) -> Result<(), Vec<Job>> {
        let Ok(mut tx) = self.write_tx().await else {
            return Err(jobs);
        };
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in &jobs {
            match create_in_savepoint(&mut tx, job).await {
                Ok(outcome) => outcomes.push(outcome),
                Err(()) => return Err(jobs),
            }
        }
        if tx.commit().await.is_err() {
            return Err(jobs);
        }
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            let _ = job.done.send(Ok(outcome));
        }
        Ok(())
    }
}

/// One create inside the batch's transaction: `Some` created, `None` refused by a unique
/// constraint (rolled back to its savepoint); `Err` when the transaction is no longer
/// usable.
async fn create_in_savepoint(
    tx: &mut Transaction<'static, Any>,
    job: &Job,
) -> Result<Option<User>, ()> {
    let external = job.new.external_ids.first();
    let sql = insert_user_savepoint_sql(external.is_some());
    let mut query = bind_new_user(sqlx::query(sql), &job.new, &job.auth_source, job.now);
    if let Some((name, value)) = external {
        query = query
            .bind(EntityKind::User.as_str())
            .bind(name.as_str())
            .bind(value.as_str());
    }
    match query.fetch_all(&mut **tx).await {
        Ok(rows) => match rows.first().map(user_row) {
            Some(Ok(user)) => Ok(Some(user)),
            _ => Err(()),
        },
        Err(e) if classify(&e) == Failure::Unique => {
            // SQLite undid the refused statement only: undo the create's other rows too.
            tx.execute("ROLLBACK TO create_user; RELEASE create_user")
                .await
                .map_err(|_| ())?;
            Ok(None)
        }
        Err(_) => Err(()),
    }
}
