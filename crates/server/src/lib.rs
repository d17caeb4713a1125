//! gatehouse's HTTP server as a library.
//!
//! [`app`] builds the router of the shared listeners (every enabled dialect at its mount,
//! `/healthz`, `/metrics`) and [`dialect_app`] the router of a dialect's own listener (D14);
//! [`serve`] runs listeners until a shutdown signal, finishing requests in flight. The store
//! is passed in as `Arc<dyn Store>`, so this crate never sees SQL.
#![forbid(unsafe_code)]

pub mod config;
pub mod credentials;
pub mod dialects;
pub mod edge;
pub mod ops;
pub mod sandbox;
pub mod site_secrets;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::Extension;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;

pub use config::Config;
pub use state::AppState;

/// The router of the shared listeners: every enabled, mounted dialect plus operations.
pub fn app(state: AppState) -> Router {
    // Operations and the not-found answer are measured as "ops"; each dialect nested after
    // this point carries its own observe layer.
    let operations = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(ops::not_found);
    let mut router = edge::observe::wrap(operations, "ops");
    for dialect in dialects::routers() {
        let Some(section) = state
            .config
            .dialects()
            .into_iter()
            .find(|(name, _)| *name == dialect.name)
            .map(|(_, section)| section)
        else {
            continue;
        };
        if section.enabled && !section.mount.is_empty() {
            router = router.nest(
                &section.mount,
                edge::observe::wrap(dialect.router, dialect.name),
            );
        }
    }
    finish(router, state)
}

/// The router of a dialect's own listener: that dialect at `/`, nothing else (D14).
pub fn dialect_app(state: AppState, name: &str) -> Option<Router> {
    let dialect = dialects::routers().into_iter().find(|d| d.name == name)?;
    let router = edge::observe::wrap(dialect.router, dialect.name).fallback(ops::not_found);
    Some(finish(router, state))
}

/// The layers every listener has, outermost first: request ids (so every answer below,
/// the limit and panic answers included, carries `X-Request-Id`), panic containment, the
/// header limit, and the IP resolver.
fn finish(router: Router<AppState>, state: AppState) -> Router {
    router
        .layer(Extension(state.ip_resolver.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.config.header_limit,
            edge::limits::check_headers,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(edge::request_id::assign))
        .with_state(state)
}

/// A panic outside a dialect's work (the dialects contain their own, answering in their
/// wire format and auditing it, D9) becomes a plain 500, never a dropped connection.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}

/// Serves each `(listener, router)` pair until `shutdown` completes, then stops accepting
/// and waits for requests in flight.
pub async fn serve(
    listeners: Vec<(TcpListener, Router)>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (tx, _) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for (listener, router) in listeners {
        let mut rx = tx.subscribe();
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        tasks.spawn(async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|stop| *stop).await;
                })
                .await
        });
    }
    shutdown.await;
    let _ = tx.send(true);
    let mut result = Ok(());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Err(error)) => result = Err(error),
            Err(error) => result = Err(std::io::Error::other(error)),
            Ok(Ok(())) => {}
        }
    }
    result
}
