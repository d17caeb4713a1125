//! Chamilo's URL table.

use axum::Router;
use axum::routing::any;

use super::{rest, soap, testip};
use crate::state::AppState;

/// The directory every Chamilo web service lives in.
pub const WEBSERVICES: &str = "/main/webservices";

/// Chamilo's routes, relative to its mount.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{WEBSERVICES}/testip.php"), any(testip::testip))
        .route(
            &format!("{WEBSERVICES}/registration.soap.php"),
            any(soap::endpoint),
        )
        .route(rest::PATH, any(rest::v2))
}
