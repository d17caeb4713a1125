//! Wildix WMS: the PBX's `/api/v1/...` JSON API behind S2S JWT authentication
//! (specs/wildix.md; issue #7).
//!
//! Mounted at `/wildix` (clients sign `/wildix/api/v1/...`, D3) and at `/` on listeners of
//! its own, where every path is Wildix's: authentication first, then 404 for an unknown path
//! (D14). Quirks kept: `sign.headers` as an array or a `{"0":…}` object, `Host` compared
//! without its port, raw query and form bodies read with PHP's `parse_str`, JSON bodies
//! only when `Content-Type` says so; errors always `{"type":"error","reason":…}`.
//!
//! Parts: [`router`] (the one dispatch), [`codec`] (request → [`codec::Op`], envelopes),
//! [`auth`] (S2S and Basic → `Principal`), [`ops`] (one fn per operation), [`error`] (the table).

pub mod auth;
pub mod codec;
pub mod demo;
pub mod error;
pub mod ops;
pub mod router;

use axum::Router;
use axum::routing::any;

use crate::state::AppState;

/// The dialect's router: one catch-all handler, so unknown paths are answered after
/// authentication and in the dialect's envelope.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", any(router::handle))
        .route("/{*path}", any(router::handle))
}
