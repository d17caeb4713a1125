//! The observe layer: request counts and latencies per dialect and outcome, and a log line.
//!
//! Each dialect's router is wrapped with [`layer`] under its own label. Dialects whose wire
//! format answers errors with HTTP 200 (coreBOS, Chamilo REST, Forma) put a
//! [`ResponseOutcome`] on the response so the metrics still tell failures apart.

use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// The outcome label a handler chose for its response (`ok`, `auth_failure`, `bad_request`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseOutcome(pub &'static str);

/// The metric names, for `/metrics` readers and tests.
pub mod names {
    /// Counter of finished requests, labelled `dialect` and `outcome`.
    pub const REQUESTS: &str = "gatehouse_requests_total";
    /// Histogram of request durations in seconds, labelled `dialect` and `outcome`.
    pub const DURATION: &str = "gatehouse_request_duration_seconds";
}

fn outcome_of(response: &Response) -> &'static str {
    if let Some(outcome) = response.extensions().get::<ResponseOutcome>() {
        return outcome.0;
    }
    let status = response.status();
    if status.is_server_error() {
        "server_error"
    } else if status.is_client_error() {
        "client_error"
    } else {
        "ok"
    }
}

/// Measures one request of `dialect`.
async fn observe(State(dialect): State<&'static str>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let elapsed = start.elapsed();
    let outcome = outcome_of(&response);
    metrics::counter!(names::REQUESTS, "dialect" => dialect, "outcome" => outcome).increment(1);
    metrics::histogram!(names::DURATION, "dialect" => dialect, "outcome" => outcome)
        .record(elapsed.as_secs_f64());
    tracing::info!(
        dialect,
        %method,
        path,
        status = response.status().as_u16(),
        outcome,
        elapsed_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// Wraps a router so that its requests are measured under `dialect`.
pub fn wrap<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    dialect: &'static str,
) -> Router<S> {
    router.layer(axum::middleware::from_fn_with_state(dialect, observe))
}
