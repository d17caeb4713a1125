//! gatehouse's configuration: one TOML file, `GATEHOUSE_*` environment variables, flags.
//!
//! Layers, lowest first: built-in defaults (the sandbox puts its own beneath the file),
//! the TOML file, the environment, then command-line flags (D7). Every key has a default.
//! An unknown key in the file or a bad value anywhere stops startup with a message naming
//! the key; a `GATEHOUSE_*` variable that names no key is ignored (and debug-logged),
//! because other tools (`gatehouse call`) read variables of that prefix too.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Addresses of the shared listeners, each serving every enabled dialect at its mount.
    #[serde(deserialize_with = "one_or_many")]
    pub listen: Vec<SocketAddr>,
    /// Where gatehouse keeps its database (by default), master key and rendered files.
    pub data_dir: PathBuf,
    /// The database: `sqlite://PATH` (default `sqlite://<data_dir>/db.sqlite`) or `postgres://…`.
    pub database_url: Option<String>,
    /// Most connections one instance opens to the database (the pool size). With N
    /// instances on one PostgreSQL server, N × this must stay below its `max_connections`.
    pub database_max_connections: u32,
    /// Seconds a query waits for a free or new connection before the request gets the
    /// dialect's store-failure answer (D9); bounds how long requests hang while the database
    /// is down.
    pub database_acquire_timeout: u64,
    /// Seconds startup keeps retrying a database that is not reachable yet (a server or
    /// container still starting) before giving up with one line; 0 tries once.
    pub database_startup_wait: u64,
    /// Proxies whose `X-Forwarded-For` is believed; empty = believe none (ARCHITECTURE §4.1).
    #[serde(deserialize_with = "one_or_many")]
    pub trusted_proxies: Vec<IpNet>,
    /// `text` or `json` log lines.
    pub log_format: LogFormat,
    /// Log filter in `tracing` syntax (`info`, `gatehouse_server=debug`, ...).
    pub log_level: String,
    /// Whether authentication failures carry an `X-Gatehouse-Diagnostic` header (D16).
    pub diagnostics: bool,
    /// How long audit events are kept, in days; 0 keeps them for ever.
    pub audit_retention_days: u32,
    /// Seconds a request may take before it is answered with its dialect's internal error
    /// (D9 "timeout") and its work is cancelled; 0 = no limit.
    pub request_timeout: u64,
    /// The largest total size of a request's header block, in bytes (names, values and
    /// their separators); a larger one is answered 431 before any dialect sees it.
    pub header_limit: usize,
    /// Rate limits and lockout after repeated authentication failures (D6, D8, D10).
    pub guard: crate::edge::GuardConfig,
    /// Chamilo (SOAP and REST).
    pub chamilo: ChamiloConfig,
    /// coreBOS / vtiger `webservice.php`.
    pub corebos: crate::dialects::corebos::CorebosConfig,
    /// Forma LMS REST and SSO.
    pub forma: crate::dialects::forma::FormaConfig,
    /// Wildix WMS S2S.
    pub wildix: WildixConfig,
}

/// The default `body_limit` of every dialect: 2 MiB (D9).
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The settings every dialect section has (D14); dialect issues add their own keys beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialectConfig {
    /// Whether the dialect is served at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Path prefix on the shared listeners (`/chamilo`); `""` = not on the shared listeners.
    pub mount: String,
    /// Extra addresses serving only this dialect, at `/`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub listen: Vec<SocketAddr>,
}

fn yes() -> bool {
    true
}

/// The `[chamilo]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChamiloConfig {
    /// Whether the dialect is served at all.
    pub enabled: bool,
    /// Path prefix on the shared listeners; `""` = not on the shared listeners.
    pub mount: String,
    /// Extra addresses serving only Chamilo, at `/`.
    #[serde(deserialize_with = "one_or_many")]
    pub listen: Vec<SocketAddr>,
    /// The SOAP `security_key`. Unset: generated on first start and kept (encrypted) in the
    /// store, readable with `gatehouse admin secrets show --show-secret`.
    pub security_key: Option<String>,
    /// The hash PasswordCrypted calls must send (`encrypt_method`), as Chamilo's
    /// `$_configuration['password_encryption']` (specs/chamilo.md §1 "Passwords").
    pub password_encryption: PasswordEncryption,
    /// Whitelist mode: non-empty turns it on, the key becomes `sha1(security_key)` and the
    /// caller's IP must be inside one of these networks. Chamilo computes the range check and
    /// ignores it (specs/chamilo.md §7); gatehouse enforces it.
    #[serde(deserialize_with = "one_or_many")]
    pub whitelist: Vec<IpNet>,
    /// Chamilo's `webservice_enable_adminonly_api`: allows the REST actions that reveal other
    /// users' API keys (`get_user_api_key`, `get_users_api_keys`) to administrators.
    pub webservice_enable_adminonly_api: bool,
    /// The largest request body read, in bytes (SOAP and REST; D9).
    pub body_limit: usize,
    /// `[chamilo.guard]`: rate keys overriding `[guard]` for SOAP and REST (D10).
    pub guard: crate::edge::RateOverrides,
}

impl Default for ChamiloConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            mount: "/chamilo".to_owned(),
            listen: Vec::new(),
            security_key: None,
            password_encryption: PasswordEncryption::Sha1,
            whitelist: Vec::new(),
            webservice_enable_adminonly_api: false,
            body_limit: DEFAULT_BODY_LIMIT,
            guard: crate::edge::RateOverrides::default(),
        }
    }
}

impl ChamiloConfig {
    /// The settings every dialect has.
    pub fn common(&self) -> DialectConfig {
        DialectConfig {
            enabled: self.enabled,
            mount: self.mount.clone(),
            listen: self.listen.clone(),
        }
    }
}

/// The `[wildix]` section (D7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WildixConfig {
    /// Whether the dialect is served at all.
    pub enabled: bool,
    /// Path prefix on the shared listeners; `""` = not on the shared listeners.
    pub mount: String,
    /// Extra addresses serving only Wildix, at `/`.
    #[serde(deserialize_with = "one_or_many")]
    pub listen: Vec<SocketAddr>,
    /// Seconds of clock skew tolerated on `exp` and `iat` (specs/wildix.md §5 step 3).
    pub leeway: i64,
    /// The longest `exp - iat` accepted, in seconds.
    pub max_token_lifetime: i64,
    /// Whether a token whose `iss` is not the application's name is refused or only logged.
    pub iss_check: IssMode,
    /// Whether a token is refused the second time it is seen (within `replay_window`).
    pub replay_cache: bool,
    /// How long a seen token is remembered, in seconds.
    pub replay_window: i64,
    /// Renders `Sounds` text to audio: a command line with `{out}` (the file to write) and
    /// `{text}` (the text), e.g. `espeak-ng -w {out} {text}`; empty = no rendering.
    pub tts_command: String,
    /// The largest request body read, in bytes (D9).
    pub body_limit: usize,
    /// `[wildix.guard]`: rate keys overriding `[guard]` (D10).
    pub guard: crate::edge::RateOverrides,
}

impl Default for WildixConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            mount: "/wildix".to_owned(),
            listen: Vec::new(),
            leeway: 60,
            max_token_lifetime: 3600,
            iss_check: IssMode::Log,
            replay_cache: false,
            replay_window: 300,
            tts_command: String::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            guard: crate::edge::RateOverrides::default(),
        }
    }
}

impl WildixConfig {
    /// The settings every dialect has.
    pub fn common(&self) -> DialectConfig {
        DialectConfig {
            enabled: self.enabled,
            mount: self.mount.clone(),
            listen: self.listen.clone(),
        }
    }
}

/// `[wildix] iss_check`: what a token whose `iss` differs from the app name gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IssMode {
    /// Accepted, with a warning in the log (the lenient choice of specs/wildix.md §5 step 2).
    #[default]
    Log,
    /// Refused.
    Enforce,
}

/// Chamilo's `password_encryption` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PasswordEncryption {
    /// Hex `sha1(password)`: the default of gatehouse's sandbox and of older installations.
    #[default]
    Sha1,
    /// Hex `md5(password)`.
    Md5,
    /// bcrypt (`$2y$…`), Chamilo's default for new installations.
    Bcrypt,
    /// Plain passwords on the wire; gatehouse stores their Argon2id hash, never the value (D12).
    None,
}

impl PasswordEncryption {
    /// The name Chamilo and its clients use (`encrypt_method`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Md5 => "md5",
            Self::Bcrypt => "bcrypt",
            Self::None => "none",
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 8080))],
            data_dir: PathBuf::from("./gatehouse-data"),
            database_url: None,
            database_max_connections: 8,
            database_acquire_timeout: 5,
            database_startup_wait: 30,
            trusted_proxies: Vec::new(),
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            diagnostics: false,
            audit_retention_days: 90,
            request_timeout: 30,
            header_limit: 64 * 1024,
            guard: crate::edge::GuardConfig::default(),
            chamilo: ChamiloConfig::default(),
            corebos: Default::default(),
            forma: Default::default(),
            wildix: WildixConfig::default(),
        }
    }
}

/// A configuration that cannot be used; its text names the key or file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("config file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A key or value is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// Where configuration comes from, lowest layer first.
#[derive(Debug, Default)]
pub struct ConfigSources<'a> {
    /// Defaults beneath the file (the sandbox's); `None` = [`Config::default`].
    pub base: Option<Config>,
    /// The TOML file, if any.
    pub file: Option<&'a Path>,
    /// The environment variables to read (normally `std::env::vars()`).
    pub env: Vec<(String, String)>,
    /// Flag values, as a partial TOML table (`{"listen": [...]}`), applied last.
    pub flags: Option<toml::Table>,
}

impl Config {
    /// Loads the configuration from its layers and checks it.
    pub fn load(sources: ConfigSources<'_>) -> Result<Self, ConfigError> {
        let base = sources.base.unwrap_or_default();
        let mut merged = toml::Table::try_from(&base)
            .map_err(|e| ConfigError::Invalid(format!("built-in defaults: {e}")))?;
        let mut layers: Vec<(String, toml::Table)> = Vec::new();
        if let Some(path) = sources.file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            let table = toml::from_str::<toml::Table>(&text).map_err(|e| {
                ConfigError::Invalid(format!(
                    "config file {}: {}",
                    path.display(),
                    one_line(&e.to_string())
                ))
            })?;
            // Unknown keys are an error only in the file (D7), where they are surely typos.
            reject_unknown_keys(&table).map_err(|key| {
                ConfigError::Invalid(format!(
                    "{key}: unknown key in config file {}",
                    path.display()
                ))
            })?;
            layers.push((format!("config file {}", path.display()), table));
        }
        layers.push(("environment".to_owned(), env_table(&sources.env)));
        if let Some(flags) = sources.flags {
            layers.push(("command-line flags".to_owned(), flags));
        }
        for (_, layer) in &layers {
            deep_merge(&mut merged, layer.clone());
        }
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                let key = e.path().to_string();
                let origin = layers
                    .iter()
                    .rev()
                    .find(|(_, table)| has_key(table, &key))
                    .map(|(name, _)| format!(" (from {name})"))
                    .unwrap_or_default();
                ConfigError::Invalid(format!("{key}: {}{origin}", e.inner()))
            })?;
        config.check()?;
        Ok(config)
    }

    /// The database URL in force: the configured one or the SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("db.sqlite").display()))
    }

    /// Each dialect's `[<dialect>.guard]` rate overrides, by section name (D10).
    pub fn rate_overrides(&self) -> [(&'static str, crate::edge::RateOverrides); 4] {
        [
            ("chamilo", self.chamilo.guard.clone()),
            ("corebos", self.corebos.guard.clone()),
            ("forma", self.forma.guard.clone()),
            ("wildix", self.wildix.guard.clone()),
        ]
    }

    /// The settings every dialect has, with the dialects' names.
    pub fn dialects(&self) -> [(&'static str, DialectConfig); 4] {
        [
            ("chamilo", self.chamilo.common()),
            ("corebos", self.corebos.common()),
            ("forma", self.forma.common()),
            ("wildix", self.wildix.common()),
        ]
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.listen.is_empty() {
            return Err(ConfigError::Invalid(
                "listen: at least one address is needed (e.g. listen = [\"127.0.0.1:8080\"])"
                    .into(),
            ));
        }
        let mut mounts = BTreeSet::new();
        for (name, dialect) in self.dialects() {
            let mount = &dialect.mount;
            let dialect = &dialect;
            if !mount.is_empty()
                && (!mount.starts_with('/') || mount.ends_with('/') || mount.contains("//"))
            {
                return Err(ConfigError::Invalid(format!(
                    "{name}.mount: {mount:?} must be empty or a path like \"/{name}\" (leading slash, no trailing slash)"
                )));
            }
            if dialect.enabled && !mount.is_empty() && !mounts.insert(mount.clone()) {
                return Err(ConfigError::Invalid(format!(
                    "{name}.mount: {mount:?} is already the mount of another dialect"
                )));
            }
        }
        self.forma.check().map_err(ConfigError::Invalid)?;
        if self.database_max_connections == 0 || self.database_acquire_timeout == 0 {
            return Err(ConfigError::Invalid(
                "database_max_connections and database_acquire_timeout must be at least 1".into(),
            ));
        }
        crate::edge::guard::check_quotas(&self.guard, &self.rate_overrides())
            .map_err(ConfigError::Invalid)?;
        if let Some(url) = &self.database_url {
            let known = ["sqlite:", "postgres:", "postgresql:"];
            if !known.iter().any(|p| url.starts_with(p)) {
                return Err(ConfigError::Invalid(format!(
                    "database_url: {:?} is neither sqlite://PATH nor postgres://…",
                    redact_url(url)
                )));
            }
        }
        Ok(())
    }
}

/// Reads `GATEHOUSE_<KEY>` and `GATEHOUSE_<SECTION>__<KEY>` for the keys [`Config`] has.
///
/// A value is read as a TOML value when it parses as one (`true`, `8080`, `["a", "b"]`),
/// else as a string, so `GATEHOUSE_LISTEN=127.0.0.1:9000` needs no quotes.
fn env_table(vars: &[(String, String)]) -> toml::Table {
    let known = known_keys();
    let mut table = toml::Table::new();
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("GATEHOUSE_") else {
            continue;
        };
        let dotted = rest.to_ascii_lowercase().replace("__", ".");
        if !known.contains(&dotted) {
            tracing::debug!(variable = %name, "ignoring environment variable that names no configuration key");
            continue;
        }
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.clone()));
        // Sections nest (`GATEHOUSE_COREBOS__GUARD__AUTH_RATE` is `[corebos.guard] auth_rate`).
        let path: Vec<&str> = dotted.split('.').collect();
        insert_at(&mut table, &path, parsed);
    }
    table
}

/// Sets `path` (section names, then the key) in `table`, creating the sections.
fn insert_at(table: &mut toml::Table, path: &[&str], value: toml::Value) {
    match path {
        [] => {}
        [key] => {
            table.insert((*key).to_owned(), value);
        }
        [section, rest @ ..] => {
            let entry = table
                .entry((*section).to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = entry {
                insert_at(inner, rest, value);
            }
        }
    }
}

/// Every key of [`Config`], dotted (`listen`, `chamilo.mount`, `corebos.guard.auth_rate`, ...).
pub fn known_keys() -> BTreeSet<String> {
    fn walk(prefix: &str, value: serde_json::Value, keys: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    let dotted = if prefix.is_empty() {
                        key
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&dotted, inner, keys);
                }
            }
            _ => {
                keys.insert(prefix.to_owned());
            }
        }
    }
    let mut keys = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(Config::default()) {
        walk("", value, &mut keys);
    }
    keys
}

/// Overlays `layer` onto `base`, section by section.
fn deep_merge(base: &mut toml::Table, layer: toml::Table) {
    for (key, value) in layer {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(section)) => {
                deep_merge(existing, section);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The first key of `table` that [`Config`] does not have, dotted.
fn reject_unknown_keys(table: &toml::Table) -> Result<(), String> {
    fn walk(prefix: &str, table: &toml::Table, known: &BTreeSet<String>) -> Result<(), String> {
        for (key, value) in table {
            let dotted = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(section)
                    if known.iter().any(|k| k.starts_with(&format!("{dotted}."))) =>
                {
                    walk(&dotted, section, known)?;
                }
                _ if known.contains(&dotted) => {}
                _ => return Err(dotted),
            }
        }
        Ok(())
    }
    walk("", table, &known_keys())
}

fn has_key(table: &toml::Table, dotted: &str) -> bool {
    match dotted.split_once('.') {
        Some((section, key)) => {
            matches!(table.get(section), Some(toml::Value::Table(t)) if t.contains_key(key.split('.').next().unwrap_or(key)))
        }
        None => table.contains_key(dotted.split('[').next().unwrap_or(dotted)),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{path}")
            } else {
                url.to_owned()
            }
        }
        None => url.to_owned(),
    }
}

/// Accepts a single value or a list, so `GATEHOUSE_LISTEN=127.0.0.1:9000` works as well as a TOML array.
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        One(T),
        Many(Vec<T>),
    }
    Ok(match OneOrMany::<T>::deserialize(deserializer)? {
        OneOrMany::One(value) => vec![value],
        OneOrMany::Many(values) => values,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn load_file(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        Config::load(ConfigSources {
            file: Some(file.path()),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..ConfigSources::default()
        })
    }

    #[test]
    fn every_key_has_a_default() {
        let config = Config::load(ConfigSources::default()).unwrap();
        assert_eq!(config.listen, vec!["127.0.0.1:8080".parse().unwrap()]);
        assert_eq!(config.database_url(), "sqlite://./gatehouse-data/db.sqlite");
        assert_eq!(config.chamilo.mount, "/chamilo");
        assert!(!config.diagnostics);
    }

    #[test]
    fn a_file_overrides_defaults_and_single_values_are_accepted_for_lists() {
        let config = load_file(
            "listen = \"0.0.0.0:9000\"\ntrusted_proxies = [\"10.0.0.0/8\"]\n[corebos]\nmount = \"/crm\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(config.listen, vec!["0.0.0.0:9000".parse().unwrap()]);
        assert_eq!(
            config.trusted_proxies,
            vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]
        );
        assert_eq!(config.corebos.mount, "/crm");
        assert!(config.corebos.enabled);
    }

    #[test]
    fn an_unknown_key_in_the_file_is_named_in_the_error() {
        let err = load_file("lisen = \"127.0.0.1:1\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("lisen"), "{err}");
        let err = load_file("[forma]\nmonut = \"/x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("monut"), "{err}");
    }

    #[test]
    fn a_bad_value_is_named_in_the_error() {
        let err = load_file("trusted_proxies = [\"not-a-cidr\"]\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("trusted_proxies"), "{err}");
        let err = load_file("diagnostics = \"yes please\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("diagnostics"), "{err}");
        let err = load_file("[wildix]\nmount = \"wildix/\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("wildix.mount"), "{err}");
        let err = load_file("database_url = \"mysql://x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("database_url"), "{err}");
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let err = load_file("listen = [\n", &[]).unwrap_err().to_string();
        assert!(err.contains("config file"), "{err}");
        assert!(err.contains("line"), "{err}");
    }

    #[test]
    fn the_database_follows_the_data_dir_unless_set() {
        let config = load_file("data_dir = \"/var/lib/gh\"\n", &[]).unwrap();
        assert_eq!(config.database_url(), "sqlite:///var/lib/gh/db.sqlite");
    }

    #[test]
    fn the_environment_overrides_the_file_and_unknown_variables_are_ignored() {
        let config = load_file(
            "listen = \"127.0.0.1:1000\"\n",
            &[
                ("GATEHOUSE_LISTEN", "127.0.0.1:2000"),
                ("GATEHOUSE_DIAGNOSTICS", "true"),
                ("GATEHOUSE_FORMA__MOUNT", "/lms"),
                ("GATEHOUSE_CHAMILO_SECURITY_KEY", "used by gatehouse call"),
                ("GATEHOUSE_NO_SUCH_KEY", "x"),
                ("HOME", "/root"),
            ],
        )
        .unwrap();
        assert_eq!(config.listen, vec!["127.0.0.1:2000".parse().unwrap()]);
        assert!(config.diagnostics);
        assert_eq!(config.forma.mount, "/lms");
    }

    #[test]
    fn a_bad_value_in_the_environment_is_named_in_the_error() {
        let err = load_file("", &[("GATEHOUSE_WILDIX__ENABLED", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("wildix.enabled"), "{err}");
        assert!(err.contains("environment"), "{err}");
    }

    #[test]
    fn the_example_file_shows_exactly_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gatehouse.example.toml");
        let config = Config::load(ConfigSources {
            file: Some(&path),
            ..ConfigSources::default()
        })
        .unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn rate_keys_have_d10s_defaults_and_dialects_override_them_from_file_or_environment() {
        let config = load_file(
            "[guard]\nuser_burst = 7\n[corebos.guard]\nauth_burst = 3\n",
            &[
                ("GATEHOUSE_GUARD__AUTH_RATE", "5"),
                ("GATEHOUSE_WILDIX__GUARD__IP_RATE", "9"),
                ("GATEHOUSE_WILDIX__GUARD__IP_BURST", "12"),
            ],
        )
        .unwrap();
        assert!(config.guard.rate_limits);
        assert_eq!((config.guard.auth_rate, config.guard.auth_burst), (5, 200));
        assert_eq!((config.guard.user_rate, config.guard.user_burst), (10, 7));
        assert_eq!((config.guard.ip_rate, config.guard.credential_rate), (0, 0));
        assert_eq!(config.corebos.guard.auth_burst, Some(3));
        assert_eq!(config.corebos.guard.auth_rate, None);
        assert_eq!(config.wildix.guard.ip_rate, Some(9));
        assert_eq!(config.wildix.guard.ip_burst, Some(12));
        assert!(config.forma.guard.is_empty());
    }

    #[test]
    fn a_bad_rate_value_names_its_key() {
        let err = load_file("[guard]\nauth_rate = -1\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("guard.auth_rate"), "{err}");
        let err = load_file("[forma.guard]\nuser_burst = \"many\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("forma.guard.user_burst"), "{err}");
        let err = load_file("[forma.guard]\nuser_brust = 3\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("forma.guard.user_brust"), "{err}");
        let err = load_file("", &[("GATEHOUSE_COREBOS__GUARD__AUTH_RATE", "fast")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("corebos.guard.auth_rate"), "{err}");
        // A limit that is on needs a burst of at least one.
        let err = load_file("[guard]\nip_rate = 5\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("guard.ip_burst"), "{err}");
        let err = load_file("[chamilo.guard]\nauth_burst = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("chamilo.guard.auth_burst"), "{err}");
        // With rate limits off nothing is checked.
        load_file("[guard]\nrate_limits = false\nip_rate = 5\n", &[]).unwrap();
    }

    #[test]
    fn known_keys_cover_sections() {
        let keys = known_keys();
        assert!(keys.contains("listen"));
        assert!(keys.contains("chamilo.mount"));
        assert!(keys.contains("wildix.listen"));
        assert!(keys.contains("guard.auth_rate"));
        assert!(keys.contains("corebos.guard.credential_burst"));
        assert!(!keys.contains("chamilo"));
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://gh:s3cret@db:5432/gh"),
            "postgres://gh:***@db:5432/gh"
        );
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}
