//! Lists the call queues through Wildix S2S, against a sandbox.
//!
//! `GATEHOUSE_CREDENTIALS=creds.json cargo run -p gatehouse-client --example wildix`

use gatehouse_client::{Wildix, WildixApp};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let creds = common::credentials()?;
    let section = &creds["wildix"];
    let text = |k: &str| section[k].as_str().unwrap_or_default().to_owned();
    let app = WildixApp {
        app_id: text("app_id"),
        app_name: text("app_name"),
        secret: text("secret"),
    };
    let pbx = Wildix::new(&common::url(&creds, "wildix"), app)?;
    println!(
        "{}",
        pbx.get("PBX/settings/CallQueues/", &serde_json::Value::Null)
            .await?
    );
    Ok(())
}

mod common;
