//! Lists the coreBOS modules and the first Accounts, against a sandbox.
//!
//! `GATEHOUSE_CREDENTIALS=creds.json cargo run -p gatehouse-client --example corebos`
//! (creds.json as written by `gatehouse sandbox --credentials-file creds.json`).

use gatehouse_client::Corebos;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let creds = common::credentials()?;
    let section = &creds["corebos"];
    let crm = Corebos::new(
        common::url(&creds, "corebos"),
        section["username"].as_str().unwrap_or("admin"),
        section["access_key"].as_str().unwrap_or_default(),
    );
    println!("types: {:?}", crm.list_types().await?.types);
    for row in crm
        .query("SELECT accountname FROM Accounts LIMIT 3;")
        .await?
    {
        println!("account: {}", row["accountname"]);
    }
    Ok(())
}

mod common;
