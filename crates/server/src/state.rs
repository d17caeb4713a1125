//! `AppState`: what every handler can reach.

use std::sync::Arc;

use gatehouse_domain::{PasswordPolicy, Store};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::Config;
use crate::edge::{DiagnosticsMode, IpResolver, PasswordPool};

/// Shared state of one gatehouse instance; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The store behind every port.
    pub store: Arc<dyn Store>,
    /// The configuration in force.
    pub config: Arc<Config>,
    /// The client-IP resolver built from `trusted_proxies`.
    pub ip_resolver: IpResolver,
    /// Where password hashing runs.
    pub passwords: PasswordPool,
    /// The Argon2id cost.
    pub password_policy: PasswordPolicy,
    /// How much authentication failures reveal.
    pub diagnostics: DiagnosticsMode,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
}

impl AppState {
    /// State for `config` over `store`, with diagnostics as `serve` has them
    /// (redacted when `diagnostics = true`, else off).
    pub fn new(config: Config, store: Arc<dyn Store>) -> Self {
        let diagnostics = if config.diagnostics {
            DiagnosticsMode::Redacted
        } else {
            DiagnosticsMode::Off
        };
        Self {
            store,
            ip_resolver: IpResolver::new(config.trusted_proxies.clone()),
            config: Arc::new(config),
            passwords: PasswordPool::for_this_machine(),
            password_policy: PasswordPolicy::default(),
            diagnostics,
            metrics: crate::ops::metrics_handle(),
        }
    }

    /// The same state with full sandbox diagnostics (expected values shown, D16).
    pub fn with_sandbox_diagnostics(mut self) -> Self {
        self.diagnostics = DiagnosticsMode::Full;
        self
    }
}
