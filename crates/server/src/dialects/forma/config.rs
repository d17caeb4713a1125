//! The `[forma]` configuration section (D7, issue #6).

use std::net::SocketAddr;

use gatehouse_schemes::forma_sso::{SsoParams, SsoTimezone};
use serde::{Deserialize, Serialize};

use crate::config::DialectConfig;

/// The longest duration a `[forma]` key takes: ten years, far below where time arithmetic
/// could overflow.
pub const MAX_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// The `[forma]` section: where the dialect is served, how REST callers authenticate and
/// how SSO links are checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormaConfig {
    /// Whether the dialect is served at all.
    pub enabled: bool,
    /// Path prefix on the shared listeners; `""` = not on the shared listeners.
    pub mount: String,
    /// Extra addresses serving only Forma, at `/`.
    pub listen: Vec<SocketAddr>,
    /// Forma's `rest_auth_method` (specs/forma.md §3): `code`, `token` or `secret_key`.
    pub auth_method: AuthMethod,
    /// The API key of `secret_key`; unset = generated on first start and kept in the store.
    pub api_key: Option<String>,
    /// The API secret of `secret_key`; unset = generated on first start and kept in the store.
    pub api_secret: Option<String>,
    /// The shared code of `code`. Unset or empty refuses every call: Forma's empty default
    /// lets everything through (§3.1, §6), gatehouse does not.
    pub shared_code: Option<String>,
    /// The SSO secret; unset = generated on first start and kept in the store.
    pub sso_secret: Option<String>,
    /// Seconds a REST token lives after its last use (sliding, §3.2).
    pub rest_auth_lifetime: u64,
    /// Seconds an SSO link is valid after its `time` (`time + lifetime >= now`, §5.3).
    pub sso_lifetime: u64,
    /// Seconds an SSO `time` may lie in the future (Forma has no bound, §5.3).
    pub sso_future_skew: u64,
    /// IANA zone of calendar SSO times (`yyyymmddhhmm[ss]`); unset = UTC (D5).
    pub sso_timezone: Option<String>,
    /// Whether an identical signature is refused a second time within `replay_window`.
    pub replay_cache: bool,
    /// Seconds a seen signature is remembered by the replay cache.
    pub replay_window: u64,
    /// Where a successful SSO sign-in redirects; unset = `<mount>/index.php` (D15).
    pub landing_url: Option<String>,
    /// When the session cookie carries `Secure` (D15).
    pub cookie_secure: CookieSecure,
    /// The largest request body read, in bytes; a larger one answers
    /// "Error: request body too large." (D9).
    pub body_limit: usize,
    /// `[forma.guard]`: rate keys overriding `[guard]` (D10).
    pub guard: crate::edge::RateOverrides,
}

impl Default for FormaConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            mount: "/forma".to_owned(),
            listen: Vec::new(),
            auth_method: AuthMethod::SecretKey,
            api_key: None,
            api_secret: None,
            shared_code: None,
            sso_secret: None,
            rest_auth_lifetime: 60,
            sso_lifetime: 60,
            sso_future_skew: 60,
            sso_timezone: None,
            replay_cache: false,
            replay_window: 300,
            landing_url: None,
            cookie_secure: CookieSecure::Auto,
            body_limit: crate::config::DEFAULT_BODY_LIMIT,
            guard: crate::edge::RateOverrides::default(),
        }
    }
}

impl FormaConfig {
    /// The settings every dialect has.
    pub fn common(&self) -> DialectConfig {
        DialectConfig {
            enabled: self.enabled,
            mount: self.mount.clone(),
            listen: self.listen.clone(),
        }
    }

    /// Refuses values that cannot work, naming the key.
    pub fn check(&self) -> Result<(), String> {
        if let Some(zone) = &self.sso_timezone
            && SsoTimezone::from_name(zone).is_none()
        {
            return Err(format!(
                "forma.sso_timezone: {zone:?} is not an IANA time zone (e.g. \"Europe/Rome\")"
            ));
        }
        for (key, value) in [
            ("rest_auth_lifetime", self.rest_auth_lifetime),
            ("sso_lifetime", self.sso_lifetime),
            ("sso_future_skew", self.sso_future_skew),
            ("replay_window", self.replay_window),
        ] {
            if value > MAX_SECONDS {
                return Err(format!(
                    "forma.{key}: {value} seconds is more than ten years ({MAX_SECONDS})"
                ));
            }
        }
        Ok(())
    }

    /// The SSO window as the verifier takes it.
    pub fn sso_params(&self) -> SsoParams {
        SsoParams {
            lifetime: i64::try_from(self.sso_lifetime).unwrap_or(i64::MAX),
            future_skew: i64::try_from(self.sso_future_skew).unwrap_or(i64::MAX),
            timezone: self
                .sso_timezone
                .as_deref()
                .and_then(SsoTimezone::from_name)
                .unwrap_or_default(),
        }
    }
}

/// Forma's three REST authentication methods (`rest_auth_method` 0, 1, 2; §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// 0, `SINGLE_CODE`: one shared code in `auth` or `X-Authorization`.
    Code,
    /// 1, `GENERATED_TOKEN`: `auth/authenticate` hands out a token sent as `auth`.
    Token,
    /// 2, `SECRET_KEY`: the `X-Authorization` signature; the default.
    #[default]
    SecretKey,
}

impl AuthMethod {
    /// The name `auth/getauthmethod` answers (§3.4).
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Code => "SINGLE_CODE",
            Self::Token => "GENERATED_TOKEN",
            Self::SecretKey => "SECRET_KEY",
        }
    }
}

/// When the `gatehouse_session` cookie is marked `Secure` (D15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CookieSecure {
    /// Over TLS, or behind a trusted proxy that sends `X-Forwarded-Proto: https`.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigSources};

    use super::*;

    fn load(file: &str, env: &[(&str, &str)]) -> Result<Config, String> {
        let dir = tempfile_path();
        std::fs::write(&dir, file).map_err(|e| e.to_string())?;
        let result = Config::load(ConfigSources {
            file: Some(&dir),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..ConfigSources::default()
        })
        .map_err(|e| e.to_string());
        let _ = std::fs::remove_file(&dir);
        result
    }

    fn tempfile_path() -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "gatehouse-forma-config-{}-{}.toml",
            std::process::id(),
            crate::site_secrets::random_hex(8)
        ))
    }

    #[test]
    fn the_forma_section_takes_its_keys_from_the_file_and_the_environment() {
        let config = load(
            "[forma]\nauth_method = \"code\"\nshared_code = \"c0de\"\nsso_lifetime = 30\n",
            &[("GATEHOUSE_FORMA__REPLAY_CACHE", "true")],
        )
        .unwrap();
        assert_eq!(config.forma.auth_method, AuthMethod::Code);
        assert_eq!(config.forma.shared_code.as_deref(), Some("c0de"));
        assert_eq!(config.forma.sso_params().lifetime, 30);
        assert!(config.forma.replay_cache);
        assert_eq!(config.forma.rest_auth_lifetime, 60);
    }

    #[test]
    fn an_unknown_sso_timezone_or_method_is_named() {
        let err = load("[forma]\nsso_timezone = \"Mars/Olympus\"\n", &[]).unwrap_err();
        assert!(err.contains("forma.sso_timezone"), "{err}");
        let err = load("[forma]\nsso_lifetime = 99999999999\n", &[]).unwrap_err();
        assert!(err.contains("forma.sso_lifetime"), "{err}");
        let err = load("[forma]\nauth_method = \"none\"\n", &[]).unwrap_err();
        assert!(err.contains("forma.auth_method"), "{err}");
        let zone = load("[forma]\nsso_timezone = \"Europe/Rome\"\n", &[]).unwrap();
        assert_ne!(zone.forma.sso_params().timezone, SsoTimezone::Utc);
    }
}
