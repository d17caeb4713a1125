//! What the Forma dialect keeps beyond the Directory: single-use markers, REST tokens and
//! course categories.
//!
//! All three live in the store, not in a process, so any instance behind a load balancer
//! honours a marker another instance claimed, accepts a token another instance issued and
//! lists the same categories (ARCHITECTURE.md §3).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{DomainResult, Secret, UserId};

/// Single-use markers: "this value was seen", for replay caches and one-time links.
#[async_trait]
pub trait Markers: Send + Sync {
    /// Claims `key` in `scope` until `expires_at`; `true` for exactly one caller even when
    /// several instances race, `false` while an earlier claim is still live. Only a hash of
    /// `key` is stored. Expired markers of the scope are dropped on the way.
    async fn claim_marker(
        &self,
        scope: &str,
        key: &Secret,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<bool>;
}

/// Forma REST tokens of the `GENERATED_TOKEN` method (specs/forma.md §3.2).
#[async_trait]
pub trait RestTokens: Send + Sync {
    /// Stores `token` (hashed, D12) as `user`'s only token, replacing an older one: Forma
    /// keeps one row per user, so re-authenticating kills the previous token.
    async fn put_rest_token(
        &self,
        user: UserId,
        token: &Secret,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<()>;
    /// The user of a token still valid at `now`, whose expiry then slides to `expires_at`
    /// (Forma always extends it, §3.2); `None` for an unknown or expired token.
    async fn use_rest_token(
        &self,
        token: &Secret,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<Option<UserId>>;
}

/// A course category (Forma's catalogue tree, specs/forma.md §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Internal id, Forma's `category_id`.
    pub id: i64,
    /// The parent category; 0 is the root.
    pub parent_id: i64,
    /// The name.
    pub name: String,
}

/// Course categories.
#[async_trait]
pub trait Categories: Send + Sync {
    /// Creates a category under `parent_id` (0 = root).
    async fn add_category(&self, parent_id: i64, name: &str) -> DomainResult<Category>;
    /// Renames a category; `false` if it does not exist.
    async fn rename_category(&self, id: i64, name: &str) -> DomainResult<bool>;
    /// Every category, ordered by id.
    async fn categories(&self) -> DomainResult<Vec<Category>>;
}
