//! Reading a request body under a dialect's `body_limit`, the one way every dialect does it
//! (D9, issue #8).
//!
//! A body that was not read is one of two things, and each dialect answers them differently:
//! - [`BodyError::TooLarge`]: more than the limit arrived, or `Content-Length` declared more.
//!   D9's too-large answer.
//! - [`BodyError::Incomplete`]: the body could not be read to its end (the client declared
//!   more than it sent and closed, or the connection failed) while nothing said it was over
//!   the limit. The request is malformed, not too large: each dialect's malformed-request
//!   answer ("Request body incomplete" in its own words).
//!
//! Past the limit the rest is drained (up to [`DRAIN_CAP`]) so a client still sending its
//! upload reads the answer instead of a reset connection. Reading is part of the request's
//! time: [`read_by`] ends by the request's [`Deadline`], so a client trickling its body gets
//! [`BodyError::Stopped`], which each dialect answers as a timeout.

use axum::body::{Body, Bytes, HttpBody};
use http_body_util::BodyExt;

use crate::edge::audit::RequestAudit;
use crate::edge::contain::{self, Deadline, Stopped};
use crate::state::AppState;

/// How much of an over-limit body is read and thrown away so its sender can read the
/// answer; a body declared larger than this is answered at once.
pub const DRAIN_CAP: u64 = 64 * 1024 * 1024;

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Over the limit, which it carries (D9's too-large answer).
    TooLarge(usize),
    /// Cut short or failed in transit, and not over the limit.
    Incomplete,
    /// The request's time ran out while reading (or the read panicked), audited by
    /// [`contain`].
    Stopped(Stopped),
}

/// Reads `body` up to `limit` bytes, classifying a failure (see the module docs). For work
/// already running under [`contain`]; elsewhere use [`read_by`].
pub async fn read(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let declared = body.size_hint().exact();
    let declared_over = declared.is_some_and(|n| n > limit as u64);
    if declared.is_some_and(|n| n > DRAIN_CAP) {
        return Err(BodyError::TooLarge(limit));
    }
    let mut body = body;
    let mut kept = Vec::new();
    let mut seen = 0u64;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // A failure after the limit was passed (or declared passed) is still too large:
            // that is what the client must fix first.
            return Err(if declared_over || seen > limit as u64 {
                BodyError::TooLarge(limit)
            } else {
                BodyError::Incomplete
            });
        };
        if let Ok(data) = frame.into_data() {
            seen += data.len() as u64;
            if seen > DRAIN_CAP {
                return Err(BodyError::TooLarge(limit));
            }
            if seen <= limit as u64 {
                kept.extend_from_slice(&data);
            }
        }
    }
    if declared_over || seen > limit as u64 {
        Err(BodyError::TooLarge(limit))
    } else {
        Ok(Bytes::from(kept))
    }
}

/// [`read`], contained and ending by `deadline`: a panic or the request's timeout is audited
/// as `audit` (outcome `error`, reason `panic` or `timeout`) and answered
/// [`BodyError::Stopped`].
pub async fn read_by(
    state: &AppState,
    audit: &RequestAudit,
    deadline: Deadline,
    body: Body,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared_over = body.size_hint().exact().is_some_and(|n| n > limit as u64);
    match contain::run_by(state, audit, deadline, read(body, limit)).await {
        Ok(read) => read,
        // A body declared over the limit is too large, whether or not its drain finished.
        Err(_) if declared_over => Err(BodyError::TooLarge(limit)),
        Err(stopped) => Err(BodyError::Stopped(stopped)),
    }
}

#[cfg(test)]
mod tests {
    //! A body cut short needs a real connection: see the server's `hygiene` tests.

    use super::*;

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole() {
        let read = read(Body::from("abcdef"), 6).await;
        assert_eq!(read, Ok(Bytes::from_static(b"abcdef")));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_too_large() {
        let read = read(Body::from("abcdef"), 5).await;
        assert_eq!(read, Err(BodyError::TooLarge(5)));
    }

    #[tokio::test]
    async fn an_empty_body_is_read() {
        assert_eq!(read(Body::empty(), 0).await, Ok(Bytes::new()));
    }
}
