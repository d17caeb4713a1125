//! Reads the sandbox credentials file named by `GATEHOUSE_CREDENTIALS` (shared by the examples).

/// The credentials file as JSON.
pub fn credentials() -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let path = std::env::var("GATEHOUSE_CREDENTIALS")
        .map_err(|_| "set GATEHOUSE_CREDENTIALS to the sandbox credentials file")?;
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// A dialect's base URL: its `url`, or `<base_url>/<dialect>`.
pub fn url(creds: &serde_json::Value, dialect: &str) -> String {
    match creds[dialect]["url"].as_str() {
        Some(url) => url.to_owned(),
        None => format!(
            "{}/{dialect}",
            creds["base_url"].as_str().unwrap_or_default()
        ),
    }
}
