//! The audit writer: audit events stored in batches, one write transaction for many.
//!
//! Two kinds of events go through it:
//!
//! - The event of a **successful authentication** is stored off the request path: it goes
//!   into a bounded channel and the request goes on. A key-checked read would otherwise wait
//!   for an `INSERT` on the store's single writer before it answers (issue #10 measured it
//!   at more than half the cost of such a read). For these the writer waits up to [`WINDOW`]
//!   after the first event of a batch, so that more join it.
//! - The event of a **write** ([`crate::edge::audit`]) is stored before the answer leaves:
//!   the request waits for the commit of the batch that carries its event
//!   ([`AuditWriter::record_awaited`]). Such a batch is written as soon as the writer is free,
//!   without waiting for the window: under load the events of concurrent writes, queued
//!   while the previous batch was being committed, share one transaction (group commit), so
//!   a write costs the single writer a fraction of a commit instead of one of its own. When
//!   the batch fails, every request in it logs `audit event not recorded` exactly as a
//!   failed single insert does, and none of them is acknowledged before that outcome is known.
//!
//! What stays awaited on the store directly: authentication failures, lockouts and
//! rate-limit refusals ([`AuditWriter::record_decision`]) and gatehouse's own errors
//! ([`crate::edge::contain`]).
//!
//! Guarantees: events are never dropped by the writer; when the channel is full
//! ([`CAPACITY`]) the request waits for room (backpressure), so a slow store slows requests
//! down instead of losing their events. A graceful shutdown (SIGINT/SIGTERM in `serve` and
//! the sandbox) calls [`AuditWriter::flush`] after the last request has finished. A crash or
//! `kill -9` loses the success events not yet stored: at most one batch window
//! ([`WINDOW`], plus the time of the batch being written); it never loses the event of an
//! answered write. A store error while writing a batch is logged like a failed single
//! insert, never turned into a different answer.
//!
//! Event ids follow the order events are stored, not the order they happened: a batched
//! success may be stored after a later failure or write. The trail is read by time
//! (`at`, then id), which stays the order of the decisions.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gatehouse_domain::{Audit, AuditEvent, DomainError, Outcome};
use tokio::sync::{Notify, mpsc, oneshot};

/// How long the writer waits after the first event of a batch for more to join it, when
/// no request waits for the batch.
pub const WINDOW: Duration = Duration::from_millis(20);

/// The most events one batch carries.
pub const BATCH: usize = 256;

/// How many events may wait in the channel before requests wait for room.
pub const CAPACITY: usize = 4096;

/// What a request waiting for its event hears back: the batch's commit, or why it failed.
type Stored = Result<(), Arc<DomainError>>;

/// What the channel carries.
enum Message {
    /// An event to store; nobody waits for it.
    Event(AuditEvent),
    /// An event whose request waits until the batch carrying it is committed.
    Awaited(AuditEvent, oneshot::Sender<Stored>),
    /// Answer once everything sent before this message is stored.
    Flush(oneshot::Sender<()>),
}

/// The handle requests record through; cheap to clone (one channel, one draining task).
#[derive(Clone)]
pub struct AuditWriter {
    sender: mpsc::Sender<Message>,
    /// Cuts a batch window short when a request starts waiting (see [`Waiting`]).
    waiting: Arc<Waiting>,
    audit: Arc<dyn Audit>,
}

/// How requests that wait for a batch tell the draining task not to sit out its window.
#[derive(Default)]
struct Waiting {
    /// Woken (only if the task is in a window) after each awaited event or flush is sent.
    wake: Notify,
    /// Awaited events and flushes sent and not yet taken by the task.
    pending: AtomicUsize,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter").finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Starts the draining task on the current Tokio runtime (it must be called inside
    /// one) and returns the handle. The task ends when the last handle is dropped, after
    /// storing what the channel still holds.
    pub fn spawn(audit: Arc<dyn Audit>) -> Self {
        Self::spawn_with_window(audit, WINDOW)
    }

    /// [`Self::spawn`] with another batch window (tests use a long one to show what does
    /// not wait for it).
    fn spawn_with_window(audit: Arc<dyn Audit>, window: Duration) -> Self {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        let waiting = Arc::new(Waiting::default());
        tokio::spawn(drain(audit.clone(), receiver, waiting.clone(), window));
        Self {
            sender,
            waiting,
            audit,
        }
    }

    /// Records an authentication decision: a success through the batch (the request does
    /// not wait for the store unless the channel is full), anything else awaited on the
    /// store, as [`crate::edge::auth::record`] does.
    pub async fn record_decision(&self, event: AuditEvent) {
        if event.outcome != Outcome::Success {
            return crate::edge::auth::record(self.audit.as_ref(), event).await;
        }
        if let Err(mpsc::error::SendError(Message::Event(event))) =
            self.sender.send(Message::Event(event)).await
        {
            // The draining task is gone (only if it panicked): store the event directly.
            crate::edge::auth::record(self.audit.as_ref(), event).await;
        }
    }

    /// Records `event` and returns once the batch carrying it is committed (or failed, which
    /// is logged as [`crate::edge::auth::record`] logs a failed insert): what a write's own
    /// event needs before its answer may leave. The batch is written as soon as the writer
    /// is free, never after a fixed delay.
    pub async fn record_awaited(&self, event: AuditEvent) {
        let (dialect, outcome, reason) =
            (event.dialect.clone(), event.outcome, event.reason.clone());
        if let Err(error) = self.commit(event).await {
            tracing::warn!(%error, dialect, outcome = outcome.as_str(), reason, "audit event not recorded");
        }
    }

    /// Sends `event` with a request waiting for it and returns how its batch ended.
    async fn commit(&self, event: AuditEvent) -> Stored {
        let (done, stored) = oneshot::channel();
        self.waiting.pending.fetch_add(1, Ordering::AcqRel);
        if let Err(mpsc::error::SendError(message)) =
            self.sender.send(Message::Awaited(event, done)).await
        {
            self.waiting.pending.fetch_sub(1, Ordering::AcqRel);
            // The draining task is gone (only if it panicked): store the event directly.
            return match message {
                Message::Awaited(event, _) => self.audit.record(event).await.map_err(Arc::new),
                _ => Ok(()),
            };
        }
        self.waiting.wake.notify_waiters();
        // The task drops the sender unanswered only if it panicked while storing the batch:
        // whether the event is stored is then unknown, so it counts as not recorded.
        stored.await.unwrap_or_else(|_| {
            Err(Arc::new(DomainError::Internal(
                "the audit writer stopped".to_owned(),
            )))
        })
    }

    /// Waits until every event recorded before this call is stored (or its batch failed
    /// and was logged). Graceful shutdown calls it after the last request; in-process tests
    /// call it before reading the audit trail.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        self.waiting.pending.fetch_add(1, Ordering::AcqRel);
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            self.waiting.wake.notify_waiters();
            let _ = wait.await;
        } else {
            self.waiting.pending.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// One batch as the draining task gathers it.
#[derive(Default)]
struct Batch {
    events: Vec<AuditEvent>,
    /// The requests waiting for this batch's commit.
    awaited: Vec<oneshot::Sender<Stored>>,
    flushes: Vec<oneshot::Sender<()>>,
}

impl Batch {
    fn take(&mut self, message: Message, waiting: &Waiting) {
        match message {
            Message::Event(event) => self.events.push(event),
            Message::Awaited(event, done) => {
                waiting.pending.fetch_sub(1, Ordering::AcqRel);
                self.events.push(event);
                self.awaited.push(done);
            }
            Message::Flush(done) => {
                waiting.pending.fetch_sub(1, Ordering::AcqRel);
                self.flushes.push(done);
            }
        }
    }

    /// Takes what the channel already holds, up to a full batch; a flush ends the batch
    /// (what follows it is not covered by it).
    fn gather(&mut self, receiver: &mut mpsc::Receiver<Message>, waiting: &Waiting) {
        while self.flushes.is_empty() && self.events.len() < BATCH {
            match receiver.try_recv() {
                Ok(message) => self.take(message, waiting),
                Err(_) => break,
            }
        }
    }

    /// Whether a request waits for this batch, so it must not sit out the window.
    fn urgent(&self) -> bool {
        !self.awaited.is_empty() || !self.flushes.is_empty()
    }
}

/// The draining task: one batch at a time, in arrival order.
async fn drain(
    audit: Arc<dyn Audit>,
    mut receiver: mpsc::Receiver<Message>,
    waiting: Arc<Waiting>,
    window: Duration,
) {
    while let Some(first) = receiver.recv().await {
        let mut batch = Batch::default();
        batch.take(first, &waiting);
        batch.gather(&mut receiver, &waiting);
        if !batch.urgent() && batch.events.len() < BATCH {
            // Only successes so far: one sleep per batch rather than a wake-up per event
            // gathers what arrives meanwhile, unless a request starts waiting for a batch
            // (registered before the check, so a wake-up between the two is not missed).
            let wake = waiting.wake.notified();
            tokio::pin!(wake);
            wake.as_mut().enable();
            if waiting.pending.load(Ordering::Acquire) == 0 {
                tokio::select! {
                    () = tokio::time::sleep(window) => {}
                    () = &mut wake => {}
                }
            }
            batch.gather(&mut receiver, &waiting);
        }
        let stored = store(audit.as_ref(), std::mem::take(&mut batch.events)).await;
        for done in batch.awaited {
            let _ = done.send(stored.clone());
        }
        for done in batch.flushes {
            let _ = done.send(());
        }
    }
}

/// Stores `events` in one transaction. A failure is logged with the number of events it
/// cost and returned, for the requests that wait for the batch.
async fn store(audit: &dyn Audit, events: Vec<AuditEvent>) -> Stored {
    if events.is_empty() {
        return Ok(());
    }
    let count = events.len();
    audit.record_batch(events).await.map_err(|error| {
        tracing::warn!(%error, count, "audit events not recorded");
        Arc::new(error)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use chrono::{DateTime, Utc};
    use gatehouse_domain::{AuditQuery, DomainResult, StoredAuditEvent};

    use super::*;

    /// An audit trail in memory that remembers how its events arrived.
    #[derive(Default)]
    struct Trail {
        single: Mutex<Vec<AuditEvent>>,
        batches: Mutex<Vec<Vec<AuditEvent>>>,
    }

    #[async_trait]
    impl Audit for Trail {
        async fn record(&self, event: AuditEvent) -> DomainResult<()> {
            self.single.lock().unwrap().push(event);
            Ok(())
        }
        async fn record_batch(&self, events: Vec<AuditEvent>) -> DomainResult<()> {
            self.batches.lock().unwrap().push(events);
            Ok(())
        }
        async fn audit_events(&self, _: AuditQuery) -> DomainResult<Vec<StoredAuditEvent>> {
            Ok(Vec::new())
        }
        async fn purge_audit(&self, _: DateTime<Utc>) -> DomainResult<u64> {
            Ok(0)
        }
    }

    fn event(n: usize, outcome: Outcome) -> AuditEvent {
        AuditEvent {
            at: Utc::now(),
            request_id: Some(format!("r-{n}")),
            dialect: "chamilo-rest".into(),
            scheme: "api_key".into(),
            operation: "user_profile".into(),
            principal: Some("admin".into()),
            ip: None,
            outcome,
            reason: "ok".into(),
        }
    }

    #[tokio::test]
    async fn successes_are_stored_in_batches_in_order_once_flushed() {
        let trail = Arc::new(Trail::default());
        let writer = AuditWriter::spawn(trail.clone());
        let count = BATCH + 60;
        for n in 0..count {
            writer.record_decision(event(n, Outcome::Success)).await;
        }
        writer.flush().await;
        let batches = trail.batches.lock().unwrap().clone();
        assert!(batches.len() >= 2, "{} batches", batches.len());
        assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= BATCH));
        let ids: Vec<String> = batches
            .into_iter()
            .flatten()
            .map(|e| e.request_id.unwrap())
            .collect();
        let expected: Vec<String> = (0..count).map(|n| format!("r-{n}")).collect();
        assert_eq!(ids, expected);
        assert!(trail.single.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_success_is_stored_within_the_window_without_a_flush() {
        let trail = Arc::new(Trail::default());
        let writer = AuditWriter::spawn(trail.clone());
        writer.record_decision(event(1, Outcome::Success)).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while trail.batches.lock().unwrap().is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "never stored");
            tokio::time::sleep(WINDOW / 4).await;
        }
        assert_eq!(trail.batches.lock().unwrap()[0].len(), 1);
    }

    #[tokio::test]
    async fn failures_and_lockouts_are_stored_before_the_call_returns() {
        let trail = Arc::new(Trail::default());
        let writer = AuditWriter::spawn(trail.clone());
        writer.record_decision(event(1, Outcome::Failure)).await;
        writer.record_decision(event(2, Outcome::LockedOut)).await;
        let single = trail.single.lock().unwrap().clone();
        assert_eq!(
            single.iter().map(|e| e.outcome).collect::<Vec<_>>(),
            [Outcome::Failure, Outcome::LockedOut]
        );
        assert!(trail.batches.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_full_channel_makes_the_request_wait_instead_of_dropping_events() {
        // A store that holds the first batch until released: the channel fills up.
        struct Stuck {
            release: tokio::sync::Semaphore,
            stored: Mutex<usize>,
        }
        #[async_trait]
        impl Audit for Stuck {
            async fn record(&self, _: AuditEvent) -> DomainResult<()> {
                Ok(())
            }
            async fn record_batch(&self, events: Vec<AuditEvent>) -> DomainResult<()> {
                self.release.acquire().await.unwrap().forget();
                *self.stored.lock().unwrap() += events.len();
                Ok(())
            }
            async fn audit_events(&self, _: AuditQuery) -> DomainResult<Vec<StoredAuditEvent>> {
                Ok(Vec::new())
            }
            async fn purge_audit(&self, _: DateTime<Utc>) -> DomainResult<u64> {
                Ok(0)
            }
        }
        let stuck = Arc::new(Stuck {
            release: tokio::sync::Semaphore::new(0),
            stored: Mutex::new(0),
        });
        let writer = AuditWriter::spawn(stuck.clone());
        writer.record_decision(event(0, Outcome::Success)).await;
        // Let the task take the first event and block in the store.
        tokio::time::sleep(WINDOW * 3).await;
        for n in 1..=CAPACITY {
            writer.record_decision(event(n, Outcome::Success)).await;
        }
        let one_more = writer.record_decision(event(CAPACITY + 1, Outcome::Success));
        assert!(
            tokio::time::timeout(WINDOW * 5, one_more).await.is_err(),
            "a full channel must make the caller wait"
        );
        stuck.release.add_permits(1_000);
        writer
            .record_decision(event(CAPACITY + 1, Outcome::Success))
            .await;
        writer.flush().await;
        assert_eq!(*stuck.stored.lock().unwrap(), CAPACITY + 2);
    }

    fn write(n: usize) -> AuditEvent {
        AuditEvent {
            operation: "WSCreateUserPasswordCrypted".into(),
            dialect: "chamilo-soap".into(),
            ..event(n, Outcome::Success)
        }
    }

    /// A store that holds each batch until released, and remembers the batches.
    struct Gate {
        release: tokio::sync::Semaphore,
        entered: tokio::sync::Notify,
        batches: Mutex<Vec<Vec<AuditEvent>>>,
        fail: bool,
    }

    impl Gate {
        fn new(fail: bool) -> Arc<Self> {
            Arc::new(Self {
                release: tokio::sync::Semaphore::new(0),
                entered: tokio::sync::Notify::new(),
                batches: Mutex::new(Vec::new()),
                fail,
            })
        }
    }

    #[async_trait]
    impl Audit for Gate {
        async fn record(&self, _: AuditEvent) -> DomainResult<()> {
            panic!("awaited write events go through batches");
        }
        async fn record_batch(&self, events: Vec<AuditEvent>) -> DomainResult<()> {
            self.entered.notify_one();
            self.release.acquire().await.unwrap().forget();
            self.batches.lock().unwrap().push(events);
            if self.fail {
                return Err(gatehouse_domain::DomainError::WriteRefused(
                    "disk full".into(),
                ));
            }
            Ok(())
        }
        async fn audit_events(&self, _: AuditQuery) -> DomainResult<Vec<StoredAuditEvent>> {
            Ok(Vec::new())
        }
        async fn purge_audit(&self, _: DateTime<Utc>) -> DomainResult<u64> {
            Ok(0)
        }
    }

    #[tokio::test]
    async fn an_awaited_event_is_committed_before_the_call_returns() {
        let trail = Arc::new(Trail::default());
        let writer = AuditWriter::spawn(trail.clone());
        let event = write(1);
        writer.record_awaited(event.clone()).await;
        let batches = trail.batches.lock().unwrap().clone();
        assert_eq!(batches, vec![vec![event]]);
        assert!(trail.single.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_awaited_event_never_waits_for_the_batch_window() {
        // A window far longer than the test's time limit: only a batch that skips it can
        // be committed in time. The success queued first goes along in the same batch.
        let trail = Arc::new(Trail::default());
        let writer = AuditWriter::spawn_with_window(trail.clone(), Duration::from_secs(3600));
        writer.record_decision(event(0, Outcome::Success)).await;
        tokio::task::yield_now().await;
        tokio::time::timeout(Duration::from_secs(30), writer.record_awaited(write(1)))
            .await
            .expect("the awaited event waited for the window");
        let stored: Vec<_> = trail.batches.lock().unwrap().concat();
        let ids: Vec<_> = stored
            .iter()
            .map(|e| e.request_id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["r-0", "r-1"]);
    }

    #[tokio::test]
    async fn concurrent_awaited_events_share_one_commit() {
        let gate = Gate::new(false);
        let writer = AuditWriter::spawn(gate.clone());
        // The first write's batch is being committed; the next ten queue meanwhile.
        let first = tokio::spawn({
            let writer = writer.clone();
            async move { writer.commit(write(0)).await }
        });
        gate.entered.notified().await;
        let mut queued = Vec::new();
        for n in 1..=10 {
            let writer = writer.clone();
            queued.push(tokio::spawn(async move { writer.commit(write(n)).await }));
        }
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        assert!(!first.is_finished(), "acknowledged before its commit");
        assert!(queued.iter().all(|q| !q.is_finished()));
        gate.release.add_permits(2);
        first.await.unwrap().unwrap();
        for q in queued {
            q.await.unwrap().unwrap();
        }
        let sizes: Vec<usize> = gate.batches.lock().unwrap().iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 10]);
    }

    #[tokio::test]
    async fn a_failed_batch_fails_every_request_it_carries() {
        let gate = Gate::new(true);
        let writer = AuditWriter::spawn(gate.clone());
        let first = tokio::spawn({
            let writer = writer.clone();
            async move { writer.commit(write(0)).await }
        });
        gate.entered.notified().await;
        let mut queued = Vec::new();
        for n in 1..=3 {
            let writer = writer.clone();
            queued.push(tokio::spawn(async move { writer.commit(write(n)).await }));
        }
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        gate.release.add_permits(2);
        assert!(first.await.unwrap().is_err());
        for q in queued {
            let error = q.await.unwrap().expect_err("a failed commit acknowledged");
            assert!(error.to_string().contains("disk full"), "{error}");
        }
        // The logging form returns too: the answer is not changed by the failure.
        gate.release.add_permits(1);
        writer.record_awaited(write(9)).await;
        assert_eq!(gate.batches.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_flush_covers_awaited_events_and_skips_the_window() {
        let trail = Arc::new(Trail::default());
        let writer = AuditWriter::spawn_with_window(trail.clone(), Duration::from_secs(3600));
        writer.record_decision(event(0, Outcome::Success)).await;
        tokio::time::timeout(Duration::from_secs(30), writer.flush())
            .await
            .expect("the flush waited for the window");
        assert_eq!(trail.batches.lock().unwrap().concat().len(), 1);
    }
}
