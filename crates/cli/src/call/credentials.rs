//! Where `gatehouse call` finds URLs and secrets (D17): flags (`--profile-file`, `--profile`),
//! then `GATEHOUSE_<DIALECT>_*` environment variables, then the `default` profile of
//! `~/.config/gatehouse/profiles.toml`. Each key is taken from the first source that has it.
//!
//! A profile file is either the sandbox credentials file (JSON, ARCHITECTURE.md §5, with each
//! section's `url` from D14) or a TOML file of `[<profile>.<dialect>]` tables whose keys are
//! the environment names in lower case (`url`, `security_key`, `access_key`, ...).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use serde_json::Value;

/// The keys of one dialect, by their environment-variable suffix in lower case.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    values: BTreeMap<String, String>,
}

impl Credentials {
    /// The value of `key`, if any source gave one.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The value of `key`, or an error naming the flag and variable that would supply it.
    pub fn require(&self, dialect: &str, key: &str) -> anyhow::Result<&str> {
        self.get(key).ok_or_else(|| {
            anyhow!(
                "no {dialect} {key}: pass --profile-file FILE, or set GATEHOUSE_{}_{}, or add `{key}` to [default.{dialect}] in ~/.config/gatehouse/profiles.toml",
                dialect.to_ascii_uppercase(),
                key.to_ascii_uppercase()
            )
        })
    }

    /// Every secret value, for masking in `--verbose` output.
    pub fn secrets(&self) -> Vec<String> {
        const SECRET: &[&str] = &[
            "security_key",
            "password",
            "api_key",
            "access_key",
            "secret",
            "sso_secret",
            "code",
        ];
        self.values
            .iter()
            .filter(|(k, v)| SECRET.contains(&k.as_str()) && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn fill_from(&mut self, other: BTreeMap<String, String>) {
        for (k, v) in other {
            if !v.is_empty() {
                self.values.entry(k).or_insert(v);
            }
        }
    }
}

/// The keys each dialect reads from the environment (D17).
fn env_keys(dialect: &str) -> &'static [&'static str] {
    match dialect {
        "chamilo" => &["url", "security_key", "username", "password", "api_key"],
        "corebos" => &["url", "username", "access_key"],
        "forma" => &[
            "url",
            "auth_method",
            "code",
            "key",
            "secret",
            "sso_secret",
            "username",
            "password",
        ],
        "wildix" => &["url", "app_id", "app_name", "secret"],
        _ => &[],
    }
}

/// Resolves the credentials of `dialect` from the three sources, in order.
pub fn resolve(
    dialect: &str,
    profile: Option<&str>,
    profile_file: Option<&Path>,
) -> anyhow::Result<Credentials> {
    let mut creds = Credentials::default();
    if let Some(file) = profile_file {
        creds.fill_from(load_file(file, profile.unwrap_or("default"), dialect)?);
    } else if let Some(name) = profile {
        let file = default_profiles_path().ok_or_else(|| {
            anyhow!("--profile {name}: HOME is not set, so there is no profiles.toml")
        })?;
        creds.fill_from(load_file(&file, name, dialect)?);
    }
    let mut env = BTreeMap::new();
    for key in env_keys(dialect) {
        let var = format!(
            "GATEHOUSE_{}_{}",
            dialect.to_ascii_uppercase(),
            key.to_ascii_uppercase()
        );
        if let Ok(value) = std::env::var(&var) {
            env.insert((*key).to_owned(), value);
        }
    }
    creds.fill_from(env);
    if let Some(file) = default_profiles_path().filter(|p| p.exists()) {
        creds.fill_from(load_file(&file, "default", dialect)?);
    }
    Ok(creds)
}

fn default_profiles_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    Some(PathBuf::from(home).join(".config/gatehouse/profiles.toml"))
}

fn load_file(
    path: &Path,
    profile: &str,
    dialect: &str,
) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read profile file {}", path.display()))?;
    if text.trim_start().starts_with('{') {
        let json: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        return Ok(from_credentials_file(&json, dialect));
    }
    let toml: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let section = toml
        .get(profile)
        .and_then(|p| p.get(dialect))
        .and_then(toml::Value::as_table);
    let mut out = BTreeMap::new();
    for (k, v) in section.into_iter().flatten() {
        if let Some(s) = v.as_str() {
            out.insert(k.clone(), s.to_owned());
        }
    }
    Ok(out)
}

/// Reads one dialect's section of the sandbox credentials file: its string members, the
/// `admin` user's `username`/`password`/`api_key`, and `url` (or `<base_url>/<dialect>`).
fn from_credentials_file(json: &Value, dialect: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let section = json.get(dialect);
    let strings = |v: Option<&Value>, out: &mut BTreeMap<String, String>| {
        if let Some(Value::Object(map)) = v {
            for (k, v) in map {
                if let Some(s) = v.as_str() {
                    out.entry(k.clone()).or_insert_with(|| s.to_owned());
                }
            }
        }
    };
    strings(section, &mut out);
    strings(section.and_then(|s| s.get("admin")), &mut out);
    if !out.contains_key("url") {
        if let Some(base) = json.get("base_url").and_then(Value::as_str) {
            out.insert(
                "url".into(),
                format!("{}/{dialect}", base.trim_end_matches('/')),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_file_gives_each_dialect_its_url_and_admin_login() {
        let json = serde_json::json!({
            "base_url": "http://127.0.0.1:1",
            "chamilo": {"security_key": "sk", "admin": {"username": "admin", "password": "pw", "api_key": "ak"}},
            "wildix": {"url": "http://127.0.0.1:2", "app_id": "a", "app_name": "n", "secret": "s"}
        });
        let chamilo = from_credentials_file(&json, "chamilo");
        assert_eq!(
            chamilo.get("url").map(String::as_str),
            Some("http://127.0.0.1:1/chamilo")
        );
        assert_eq!(chamilo.get("api_key").map(String::as_str), Some("ak"));
        let wildix = from_credentials_file(&json, "wildix");
        assert_eq!(
            wildix.get("url").map(String::as_str),
            Some("http://127.0.0.1:2")
        );
    }
}
