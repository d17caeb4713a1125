//! `AppState`: what every handler can reach.

use std::collections::BTreeMap;
use std::sync::Arc;

use gatehouse_domain::{DomainError, PasswordPolicy, Secret, Store};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::Config;
use crate::edge::{AuditWriter, DiagnosticsMode, Guard, IpResolver, PasswordPool};

/// Shared state of one gatehouse instance; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The store behind every port.
    pub store: Arc<dyn Store>,
    /// Records authentication decisions; successes are batched off the request path
    /// (see [`crate::edge::audit_writer`]).
    pub audit: AuditWriter,
    /// The configuration in force.
    pub config: Arc<Config>,
    /// The client-IP resolver built from `trusted_proxies`.
    pub ip_resolver: IpResolver,
    /// Lockout checks before verification.
    pub guard: Guard,
    /// Where password hashing runs.
    pub passwords: PasswordPool,
    /// The Argon2id cost.
    pub password_policy: PasswordPolicy,
    /// How much authentication failures reveal.
    pub diagnostics: DiagnosticsMode,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The site secrets in force, read once at startup (config values win over stored ones).
    pub site_secrets: Arc<BTreeMap<&'static str, Secret>>,
    /// The clock time checks read: the system's, or fixed (tests replaying signed vectors).
    pub clock: Clock,
    /// How long a dialect's work may run before it is cancelled and answered with the
    /// dialect's internal error (`request_timeout`; `None` = no limit).
    pub request_timeout: Option<std::time::Duration>,
}

/// Where "now" comes from for token time checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A fixed instant, in Unix seconds (tests of vectors signed at a known time).
    Fixed(i64),
}

impl Clock {
    /// Now, in Unix seconds.
    pub fn unix(&self) -> i64 {
        match self {
            Self::System => chrono::Utc::now().timestamp(),
            Self::Fixed(at) => *at,
        }
    }
}

impl AppState {
    /// State for `config` over `store`, with diagnostics as `serve` has them
    /// (redacted when `diagnostics = true`, else off). Starts the audit writer's task, so it
    /// must be called inside a Tokio runtime.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Self {
        let diagnostics = if config.diagnostics {
            DiagnosticsMode::Redacted
        } else {
            DiagnosticsMode::Off
        };
        Self {
            guard: Guard::new(&config.guard, &config.rate_overrides(), store.clone()),
            audit: AuditWriter::spawn(store.clone()),
            store,
            ip_resolver: IpResolver::new(config.trusted_proxies.clone()),
            request_timeout: (config.request_timeout > 0)
                .then(|| std::time::Duration::from_secs(config.request_timeout)),
            config: Arc::new(config),
            passwords: PasswordPool::for_this_machine(),
            password_policy: PasswordPolicy::default(),
            diagnostics,
            metrics: crate::ops::metrics_handle(),
            site_secrets: Arc::new(BTreeMap::new()),
            clock: Clock::System,
        }
    }

    /// State for `config` over `store`, with the site secrets created where missing and
    /// loaded; what `serve`, the sandbox and tests start from.
    pub async fn build(config: Config, store: Arc<dyn Store>) -> Result<Self, DomainError> {
        crate::site_secrets::ensure(store.as_ref()).await?;
        let mut secrets = BTreeMap::new();
        for (name, _) in crate::site_secrets::ALL {
            if let Some(value) = store.site_secret(name).await? {
                secrets.insert(name, value);
            }
        }
        if let Some(key) = &config.chamilo.security_key {
            secrets.insert(
                crate::site_secrets::CHAMILO_SECURITY_KEY,
                Secret::new(key.clone()),
            );
        }
        let forma = &config.forma;
        for (name, value) in [
            (crate::site_secrets::FORMA_API_KEY, &forma.api_key),
            (crate::site_secrets::FORMA_API_SECRET, &forma.api_secret),
            (crate::site_secrets::FORMA_SSO_SECRET, &forma.sso_secret),
        ] {
            if let Some(value) = value {
                secrets.insert(name, Secret::new(value.clone()));
            }
        }
        let mut state = Self::new(config, store);
        state.site_secrets = Arc::new(secrets);
        Ok(state)
    }

    /// The site secret called `name` (see [`crate::site_secrets`]), if set.
    pub fn site_secret(&self, name: &str) -> Option<&Secret> {
        self.site_secrets.get(name)
    }

    /// The same state reading time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The same state with another request timeout (tests use milliseconds).
    pub fn with_request_timeout(mut self, limit: Option<std::time::Duration>) -> Self {
        self.request_timeout = limit;
        self
    }

    /// The same state with full sandbox diagnostics (expected values shown, D16).
    pub fn with_sandbox_diagnostics(mut self) -> Self {
        self.diagnostics = DiagnosticsMode::Full;
        self
    }
}
