//! Lists the call queues and colleagues through Wildix S2S, against a sandbox.
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
    for queue in pbx.call_queues(None, None).await?.records {
        let members = pbx.call_queue(queue.id).await?.members;
        println!(
            "queue {} {}: {} members",
            queue.id,
            queue.name,
            members.len()
        );
    }
    for colleague in pbx.colleagues(None, None).await?.records {
        println!("colleague {} at {}", colleague.login, colleague.extension);
    }
    // Any other endpoint: `pbx.request(method, path, &query, &body, encoding)`.
    let history = pbx
        .get("PBX/CallHistory/", &serde_json::json!({"count": "5"}))
        .await?;
    println!("history: {history}");
    Ok(())
}

mod common;
