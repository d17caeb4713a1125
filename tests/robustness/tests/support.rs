//! What the suite's tests share: starting sandboxes with a configuration, the demo users,
//! liveness.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use gatehouse_testkit::Sandbox;

/// The binary under test.
pub fn bin() -> &'static Path {
    gatehouse_robustness::binary::gatehouse()
}

/// A second loopback address: a client there is another IP to the guard (D7).
pub const OTHER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A sandbox started with `config` (TOML) and `args`; the config file lives in the returned
/// directory, which must outlive the sandbox.
pub async fn sandbox(config: &str, args: &[&str]) -> (Sandbox, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), config);
    let mut all = vec!["--config", path.to_str().unwrap()];
    all.extend_from_slice(args);
    let sandbox = Sandbox::start_with(bin(), &all, &[]).await.unwrap();
    (sandbox, dir)
}

/// Writes `config` as `gatehouse.toml` in `dir`.
pub fn write_config(dir: &Path, config: &str) -> PathBuf {
    let path = dir.join("gatehouse.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// The demo users of the credentials file: (username, password).
pub fn demo_users(sandbox: &Sandbox) -> Vec<(String, String)> {
    sandbox.credentials["demo_users"]
        .as_array()
        .expect("credentials file lists demo_users")
        .iter()
        .map(|u| {
            (
                u["username"].as_str().unwrap().to_owned(),
                u["password"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// An HTTP client that connects from `ip`.
pub fn client_from(ip: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip)
        .build()
        .unwrap()
}

/// Whether `/healthz` answers 200 `{"status":"ok"}`.
pub async fn healthy(base_url: &str) -> bool {
    match reqwest::get(format!("{base_url}/healthz")).await {
        Ok(response) if response.status() == 200 => response
            .text()
            .await
            .is_ok_and(|t| t.contains(r#""status":"ok""#)),
        _ => false,
    }
}

/// The `host:port` of a base URL.
pub fn host_port(base_url: &str) -> String {
    base_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// The `reason=` of an `X-Gatehouse-Diagnostic` header.
pub fn diagnostic_reason(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let value = headers.get("x-gatehouse-diagnostic")?.to_str().ok()?;
    value
        .split(';')
        .find_map(|p| p.trim().strip_prefix("reason="))
        .map(str::to_owned)
}
