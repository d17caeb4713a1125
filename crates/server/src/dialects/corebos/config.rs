//! The `[corebos]` configuration section (D7).

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::config::DialectConfig;

/// The `[corebos]` section: where the dialect is served, and its challenge and session limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorebosConfig {
    /// Whether the dialect is served at all.
    pub enabled: bool,
    /// Path prefix on the shared listeners; `""` = not on the shared listeners.
    pub mount: String,
    /// Extra addresses serving only coreBOS, at `/`.
    pub listen: Vec<SocketAddr>,
    /// Seconds a `getchallenge` token stays valid (D1: 300 in both modes).
    pub challenge_ttl: u64,
    /// Seconds a session may stay unused (sliding idle timeout).
    pub session_idle: u64,
    /// Seconds a session lives at most, however busy (absolute lifetime).
    pub session_lifetime: u64,
    /// Whether `login` also accepts `accessKey = token + password` (specs/corebos.md §5);
    /// off by default because the password then travels in clear.
    pub password_login: bool,
    /// What clients observe of the challenge (D1).
    pub challenge_mode: ChallengeMode,
    /// The largest request body read, in bytes; a larger one answers `INVALID_PARAMETER` (D9).
    pub body_limit: usize,
    /// `[corebos.guard]`: rate keys overriding `[guard]` (D10).
    pub guard: crate::edge::RateOverrides,
}

impl Default for CorebosConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            mount: "/corebos".to_owned(),
            listen: Vec::new(),
            challenge_ttl: 300,
            session_idle: 7200,
            session_lifetime: 86400,
            password_login: false,
            challenge_mode: ChallengeMode::Corebos,
            body_limit: crate::config::DEFAULT_BODY_LIMIT,
            guard: crate::edge::RateOverrides::default(),
        }
    }
}

impl CorebosConfig {
    /// The settings every dialect has.
    pub fn common(&self) -> DialectConfig {
        DialectConfig {
            enabled: self.enabled,
            mount: self.mount.clone(),
            listen: self.listen.clone(),
        }
    }
}

/// How `getchallenge` renders `expireTime` (D1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ChallengeMode {
    /// `expireTime` a JSON string: the official Go client type-asserts a string.
    #[default]
    Corebos,
    /// `expireTime` a JSON number, as vtiger sends it.
    Vtiger,
}
