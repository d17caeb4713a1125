//! Panic and timeout containment for a dialect's work (D9, issue #8).
//!
//! Each dialect runs its operation through [`run`]: the work becomes its own task, so a
//! panic ends that task instead of the connection, and it is cancelled when it outlasts
//! `request_timeout`. Either way the caller gets [`Stopped`], which each dialect's error
//! table turns into its internal-error answer naming the request id (D9), and one audit
//! event is recorded (outcome `error`, reason `panic` or `timeout`). The panic message is
//! logged, never sent.
//!
//! A request's time runs from its handler's start, not from the start of its work: the
//! handler takes a [`Deadline`] first and both the body read ([`crate::edge::body`]) and
//! the work ([`run_by`]) end by it, so a client trickling its body is answered by the
//! timeout like a slow operation.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use gatehouse_domain::Outcome;

use crate::edge::audit::RequestAudit;
use crate::state::AppState;

/// Why contained work ended without a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The work panicked.
    Panic,
    /// The work outlasted `request_timeout` and was cancelled.
    Timeout,
}

impl Stopped {
    /// The audit reason code.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Panic => "panic",
            Self::Timeout => "timeout",
        }
    }
}

/// When a request's time is up: `request_timeout` after its handler started (`None` = no
/// limit). Everything the request does (reading its body, its work) shares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// The deadline of a request whose handler starts now.
    pub fn start(state: &AppState) -> Self {
        Self(state.request_timeout.map(|limit| Instant::now() + limit))
    }
}

/// Runs `work` as its own task under the state's request timeout, counted from now; on a
/// panic or timeout logs it, records `audit`'s event with outcome `error` and the reason,
/// and returns [`Stopped`].
pub async fn run<T, F>(state: &AppState, audit: &RequestAudit, work: F) -> Result<T, Stopped>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    run_by(state, audit, Deadline::start(state), work).await
}

/// [`run`], ending by `deadline` (taken when the request's handler started) instead.
pub async fn run_by<T, F>(
    state: &AppState,
    audit: &RequestAudit,
    deadline: Deadline,
    work: F,
) -> Result<T, Stopped>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let task = tokio::spawn(work);
    let abort = task.abort_handle();
    let joined = match deadline.0 {
        Some(at) => match tokio::time::timeout_at(at, task).await {
            Ok(joined) => joined,
            Err(_) => {
                abort.abort();
                let limit = state.request_timeout;
                return Err(stopped(state, audit, Stopped::Timeout, limit).await);
            }
        },
        None => task.await,
    };
    match joined {
        Ok(value) => Ok(value),
        Err(error) => {
            if error.is_panic() {
                let payload = error.into_panic();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(
                    dialect = audit.dialect,
                    operation = %audit.operation,
                    request_id = audit.request_id.as_deref().unwrap_or("-"),
                    panic = %message,
                    "a request handler panicked"
                );
            }
            Err(stopped(state, audit, Stopped::Panic, None).await)
        }
    }
}

async fn stopped(
    state: &AppState,
    audit: &RequestAudit,
    why: Stopped,
    limit: Option<Duration>,
) -> Stopped {
    if let Some(limit) = limit {
        tracing::error!(
            dialect = audit.dialect,
            operation = %audit.operation,
            request_id = audit.request_id.as_deref().unwrap_or("-"),
            limit_ms = limit.as_millis() as u64,
            "request timed out"
        );
    }
    crate::edge::auth::record(
        state.store.as_ref(),
        audit.event(Outcome::Error, why.reason()),
    )
    .await;
    why
}
