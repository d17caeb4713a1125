//! The audit writer: successful authentications are recorded off the request path.
//!
//! A key-checked read would otherwise wait for an `INSERT` on the store's single writer
//! before it answers (issue #10 measured it at more than half the cost of such a read). So
//! the event of a **successful authentication** goes into a bounded channel and the request
//! goes on; one task drains the channel and stores what it holds with
//! [`Audit::record_batch`] (multi-row INSERTs in one transaction): it waits [`WINDOW`] after
//! the first event of a batch, then takes up to [`BATCH`] events.
//!
//! What stays awaited in the request, stored before the answer leaves: authentication
//! failures, lockouts and rate-limit refusals (they feed investigations and must not be
//! lost), every write's own event ([`crate::edge::audit`]) and gatehouse's own errors
//! ([`crate::edge::contain`]).
//!
//! Guarantees: events are never dropped by the writer; when the channel is full
//! ([`CAPACITY`]) the request waits for room (backpressure), so a slow store slows requests
//! down instead of losing their events. A graceful shutdown (SIGINT/SIGTERM in `serve` and
//! the sandbox) calls [`AuditWriter::flush`] after the last request has finished. A crash or
//! `kill -9` loses the success events not yet stored: at most one batch window
//! ([`WINDOW`], plus the time of the batch being written). A store error while writing a
//! batch is logged (`audit events not recorded`) like a failed single insert, never turned
//! into a different answer.
//!
//! Event ids follow the order events are stored, not the order they happened: a batched
//! success may be stored after a later failure or write. The trail is read by time
//! (`at`, then id), which stays the order of the decisions.

use std::sync::Arc;
use std::time::Duration;

use gatehouse_domain::{Audit, AuditEvent, Outcome};
use tokio::sync::{mpsc, oneshot};

/// How long the writer waits after the first event of a batch for more to join it.
pub const WINDOW: Duration = Duration::from_millis(20);

/// The most events one batch carries.
pub const BATCH: usize = 256;

/// How many events may wait in the channel before requests wait for room.
pub const CAPACITY: usize = 4096;

/// What the channel carries.
enum Message {
    /// An event to store.
    Event(AuditEvent),
    /// Answer once everything sent before this message is stored.
    Flush(oneshot::Sender<()>),
}

/// The handle requests record through; cheap to clone (one channel, one draining task).
#[derive(Clone)]
pub struct AuditWriter {
    sender: mpsc::Sender<Message>,
    audit: Arc<dyn Audit>,
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
        let (sender, receiver) = mpsc::channel(CAPACITY);
        tokio::spawn(drain(audit.clone(), receiver));
        Self { sender, audit }
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

    /// Waits until every event recorded before this call is stored (or its batch failed
    /// and was logged). Graceful shutdown calls it after the last request; in-process tests
    /// call it before reading the audit trail.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// The draining task: one batch at a time, in arrival order.
async fn drain(audit: Arc<dyn Audit>, mut receiver: mpsc::Receiver<Message>) {
    let mut events = Vec::with_capacity(BATCH);
    let mut flushes = Vec::new();
    while let Some(first) = receiver.recv().await {
        take(first, &mut events, &mut flushes);
        // One sleep per batch rather than a wake-up per event: the window gathers what
        // arrives meanwhile. A flush is answered without waiting for the window.
        if flushes.is_empty() {
            tokio::time::sleep(WINDOW).await;
        }
        while flushes.is_empty() && events.len() < BATCH {
            match receiver.try_recv() {
                Ok(message) => take(message, &mut events, &mut flushes),
                Err(_) => break,
            }
        }
        store(audit.as_ref(), &mut events).await;
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

fn take(message: Message, events: &mut Vec<AuditEvent>, flushes: &mut Vec<oneshot::Sender<()>>) {
    match message {
        Message::Event(event) => events.push(event),
        Message::Flush(done) => flushes.push(done),
    }
}

/// Stores and empties `events`; a failure is logged with the number of events it cost.
async fn store(audit: &dyn Audit, events: &mut Vec<AuditEvent>) {
    if events.is_empty() {
        return;
    }
    let count = events.len();
    if let Err(error) = audit.record_batch(std::mem::take(events)).await {
        tracing::warn!(%error, count, "audit events not recorded");
    }
    events.reserve(BATCH);
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
}
