//! `gatehouse admin wildix-app` and `wildix-queue` against the serve database.

use gatehouse_testkit::run_gatehouse;

use crate::bin;

async fn admin(cwd: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut full = vec!["admin", "--json"];
    full.extend_from_slice(args);
    run_gatehouse(bin(), cwd, &full, &[], None).await.unwrap()
}

async fn admin_json(cwd: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = admin(cwd, args).await;
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

#[tokio::test]
async fn a_wildix_app_is_added_listed_rotated_and_revoked() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    admin_json(cwd, &["user", "add", "crm-bot", "--password", "pw-1234"]).await;
    let added = admin_json(cwd, &["wildix-app", "add", "acme", "--user", "crm-bot"]).await;
    let app_id = added["public_id"].as_str().unwrap().to_owned();
    assert!(app_id.starts_with("s2s-acme-"), "{added}");
    assert_eq!(added["label"], "acme");
    let secret = added["secret"].as_str().unwrap().to_owned();
    assert_ne!(secret, "***");

    let list = admin_json(cwd, &["wildix-app", "list"]).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["secret"], "***");

    let rotated = admin_json(cwd, &["wildix-app", "rotate", &app_id]).await;
    assert_ne!(rotated["secret"].as_str(), Some(secret.as_str()));
    let revoked = admin_json(cwd, &["wildix-app", "revoke", &app_id]).await;
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    assert_eq!(
        admin_json(cwd, &["wildix-app", "list"]).await,
        serde_json::json!([])
    );

    let (code, _, stderr) = admin(cwd, &["wildix-app", "rotate", "s2s-nobody-1"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("not found"), "{stderr}");
}

#[tokio::test]
async fn a_wildix_queue_is_added_with_members_and_listed() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    let added = admin_json(
        cwd,
        &[
            "wildix-queue",
            "add",
            "Support",
            "--member",
            "1001",
            "--member",
            "1002",
        ],
    )
    .await;
    assert_eq!(added["name"], "Support");
    assert_eq!(
        added["members"].as_array().map(Vec::len),
        Some(2),
        "{added}"
    );
    let list = admin_json(cwd, &["wildix-queue", "list"]).await;
    assert_eq!(list[0]["name"], "Support");
    let (code, _, stderr) = admin(cwd, &["wildix-queue", "add", "Support"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("exists"), "{stderr}");
}
