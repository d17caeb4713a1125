//! The server in-process over a fresh SQLite store.

use std::sync::Arc;

use gatehouse_domain::{
    AuditQuery, DomainResult, NewUser, PasswordPolicy, Store, StoredAuditEvent, User, Username,
};
use gatehouse_server::config::Config;
use gatehouse_server::{AppState, app};
use gatehouse_store::{MasterKey, SqlStore, StoreOptions};
use tokio::net::TcpListener;

/// A running in-process gatehouse with its own temporary store.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The state the server runs with (store, config, ...).
    pub state: AppState,
    /// An HTTP client for the tests.
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    /// Starts with the default configuration (diagnostics as in the sandbox).
    pub async fn new() -> Self {
        Self::with_config(Config::default()).await
    }

    /// Starts with `config` (its `data_dir` and `database_url` are replaced by a temporary store).
    pub async fn with_config(mut config: Config) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        config.data_dir = dir.path().to_owned();
        config.database_url = Some(format!(
            "sqlite://{}",
            dir.path().join("db.sqlite").display()
        ));
        let options = StoreOptions {
            url: config.database_url(),
            ..StoreOptions::default()
        };
        let store = SqlStore::connect(&options, MasterKey::generate())
            .await
            .expect("test store opens");
        store.migrate().await.expect("test store migrates");
        let store: Arc<dyn Store> = Arc::new(store);
        let mut state = AppState::build(config, store)
            .await
            .expect("site secrets created")
            .with_sandbox_diagnostics();
        // Tests hash many passwords; a cheap policy keeps them fast. Production cost is
        // exercised by the domain's own tests and the benchmarks.
        state.password_policy = PasswordPolicy {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let router = app(state.clone());
        let server = tokio::spawn(async move {
            let _ = gatehouse_server::serve(vec![(listener, router)], std::future::pending()).await;
        });
        Self {
            base_url,
            state,
            client: reqwest::Client::new(),
            _dir: dir,
            server,
        }
    }

    /// The store behind the app.
    pub fn store(&self) -> &dyn Store {
        self.state.store.as_ref()
    }

    /// The audit trail as `query` selects it, once every event recorded so far is stored:
    /// successful authentications are batched off the request path
    /// (`gatehouse_server::edge::audit_writer`), so reading the store directly could race them.
    pub async fn audit_events(&self, query: AuditQuery) -> DomainResult<Vec<StoredAuditEvent>> {
        self.state.audit.flush().await;
        self.store().audit_events(query).await
    }

    /// Adds an active user with this name and password `password` (hashed with the test policy).
    pub async fn with_user(self, username: &str, password: &str) -> Self {
        self.add_user(username, password).await;
        self
    }

    /// Adds an active user and returns it.
    pub async fn add_user(&self, username: &str, password: &str) -> User {
        let mut new = NewUser::new(Username::parse(username).expect("valid username"));
        new.password = Some(
            self.state
                .password_policy
                .hash(password)
                .expect("password hashes"),
        );
        self.store().create_user(new).await.expect("user created")
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}
