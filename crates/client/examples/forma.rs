//! Checks a username through Forma's signed REST API and prints an SSO link, against a sandbox.
//!
//! `GATEHOUSE_CREDENTIALS=creds.json cargo run -p gatehouse-client --example forma`

use gatehouse_client::{Forma, FormaAuth, forma_sso_url};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let creds = common::credentials()?;
    let url = common::url(&creds, "forma");
    let section = &creds["forma"];
    let auth = FormaAuth::Signature {
        key: section["key"].as_str().unwrap_or_default().into(),
        secret: section["secret"].as_str().unwrap_or_default().into(),
    };
    let lms = Forma::new(&url, auth);
    println!(
        "{}",
        lms.call("user/checkUsername", &[("userid".into(), "admin".into())])
            .await?
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let sso_secret = section["sso_secret"].as_str().unwrap_or_default();
    println!(
        "{}",
        forma_sso_url(&url, "admin", sso_secret, i64::try_from(now)?)
    );
    Ok(())
}

mod common;
