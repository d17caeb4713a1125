//! Reads the admin user through Chamilo SOAP and REST, against a sandbox.
//!
//! `GATEHOUSE_CREDENTIALS=creds.json cargo run -p gatehouse-client --example chamilo`

use gatehouse_client::{ChamiloRest, ChamiloSoap, SoapValue, soap_to_json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let creds = common::credentials()?;
    let url = common::url(&creds, "chamilo");
    let section = &creds["chamilo"];
    let soap = ChamiloSoap::new(&url, section["security_key"].as_str().unwrap_or_default());
    let user = soap
        .call(
            "WSGetUserFromUsername",
            SoapValue::record([("username", SoapValue::text("admin"))]),
        )
        .await?;
    println!("SOAP: {}", soap_to_json(&user));
    let rest = ChamiloRest::with_password(
        &url,
        section["admin"]["username"].as_str().unwrap_or("admin"),
        section["admin"]["password"].as_str().unwrap_or_default(),
    );
    // Typed results where Chamilo documents the shape; `rest.action(..)` reaches any other.
    let profile = rest.user_profile().await?;
    println!(
        "REST: {} is user {} ({})",
        profile.username, profile.id, profile.full_name
    );
    println!(
        "REST: 'alice' exists: {}",
        rest.username_exists("alice").await?
    );
    for course in rest.get_courses().await? {
        println!("REST: course {} {}", course.code, course.title);
    }
    Ok(())
}

mod common;
