//! Looks users and courses up through Forma's REST API with the installation's own
//! authentication method, and prints an SSO link, against a sandbox.
//!
//! `GATEHOUSE_CREDENTIALS=creds.json cargo run -p gatehouse-client --example forma`

use gatehouse_client::{Forma, FormaAuth, forma_sso_url};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let creds = common::credentials()?;
    let url = common::url(&creds, "forma");
    let section = &creds["forma"];
    let text = |k: &str| section[k].as_str().unwrap_or_default().to_owned();
    // The sandbox names the configured method; the client speaks all three.
    let auth = match section["auth_method"].as_str() {
        Some("code") => FormaAuth::Code(text("code")),
        Some("token") => FormaAuth::Token {
            username: section["admin"]["username"]
                .as_str()
                .unwrap_or("admin")
                .into(),
            password: section["admin"]["password"]
                .as_str()
                .unwrap_or_default()
                .into(),
        },
        _ => FormaAuth::Signature {
            key: text("key"),
            secret: text("secret"),
        },
    };
    let lms = Forma::new(&url, auth);
    let admin = lms
        .check_username("admin")
        .await?
        .ok_or("admin not found")?;
    println!(
        "admin is idst {} (disabled: {})",
        admin.idst,
        admin.disabled()
    );
    for user in lms.list_users().await? {
        println!("user {} {}", user.idst, user.userid);
    }
    for course in lms.courses(None).await? {
        println!("course {} {}", course.course_id, course.course_name);
    }
    // Any other function: `lms.call("module/function", &fields)` gives the JSON as sent.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    println!(
        "{}",
        forma_sso_url(&url, "admin", &text("sso_secret"), i64::try_from(now)?)
    );
    Ok(())
}

mod common;
