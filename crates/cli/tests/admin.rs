//! `gatehouse admin`: users, credentials, courses and the audit trail against the serve database.

use gatehouse_testkit::{Sandbox, run_gatehouse};

use crate::bin;

async fn admin(cwd: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut full = vec!["admin"];
    full.extend_from_slice(args);
    run_gatehouse(bin(), cwd, &full, &[], None).await.unwrap()
}

async fn admin_json(cwd: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let (code, stdout, stderr) = admin(cwd, &full).await;
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

#[tokio::test]
async fn users_can_be_added_listed_shown_disabled_and_deleted() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    let added = admin_json(
        cwd,
        &[
            "user",
            "add",
            "Alice",
            "--password",
            "pw-1234",
            "--email",
            "alice@example.com",
            "--first-name",
            "Alice",
            "--last-name",
            "Liddell",
            "--admin",
        ],
    )
    .await;
    assert_eq!(added["user"]["username"], "Alice");
    assert_eq!(added["user"]["is_admin"], true);
    assert_eq!(added["has_password"], true);
    assert!(added["user"].get("password").is_none(), "{added}");

    // Usernames are unique case-insensitively.
    let (code, _, stderr) = admin(cwd, &["user", "add", "alice"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("already taken"), "{stderr}");

    admin_json(cwd, &["user", "add", "bob", "--inactive"]).await;
    let list = admin_json(cwd, &["user", "list"]).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice", "bob"]);
    assert_eq!(list[1]["active"], false);

    let (code, table, _) = admin(cwd, &["user", "list"]).await;
    assert_eq!(code, 0);
    assert!(table.starts_with("ID  USERNAME"), "{table}");
    assert!(table.contains("alice@example.com"), "{table}");

    let shown = admin_json(cwd, &["user", "show", "ALICE"]).await;
    assert_eq!(shown["user"]["email"], "alice@example.com");
    let disabled = admin_json(cwd, &["user", "disable", "alice"]).await;
    assert_eq!(disabled["user"]["active"], false);
    let enabled = admin_json(cwd, &["user", "enable", "alice"]).await;
    assert_eq!(enabled["user"]["active"], true);
    admin_json(cwd, &["user", "delete", "bob"]).await;
    let (code, _, stderr) = admin(cwd, &["user", "show", "bob"]).await;
    assert_eq!(code, 1);
    assert_eq!(stderr.trim(), "gatehouse: user \"bob\" not found");
}

#[tokio::test]
async fn credentials_can_be_added_rotated_and_revoked() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    admin_json(cwd, &["user", "add", "carol"]).await;
    let added = admin_json(
        cwd,
        &[
            "credential",
            "add",
            "--kind",
            "chamilo-api-key",
            "--user",
            "carol",
            "--allow-cidr",
            "203.0.113.0/24",
            "--expires",
            "2030-01-01T00:00:00Z",
        ],
    )
    .await;
    let public_id = added["public_id"].as_str().unwrap().to_owned();
    let first_secret = added["secret"].as_str().unwrap().to_owned();
    assert_eq!(added["kind"], "chamilo-api-key");
    assert_eq!(added["owner"], "carol");
    assert_eq!(added["allowed_cidrs"][0], "203.0.113.0/24");
    assert_eq!(first_secret.len(), 32);

    let shown = admin_json(cwd, &["credential", "show", &public_id]).await;
    assert_eq!(shown["secret"], "***");
    let shown = admin_json(cwd, &["credential", "show", &public_id, "--show-secret"]).await;
    assert_eq!(shown["secret"], first_secret.as_str());

    let rotated = admin_json(cwd, &["credential", "rotate", &public_id]).await;
    let second_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(second_secret, first_secret);
    assert!(rotated["rotated_at"].is_string());

    let revoked = admin_json(cwd, &["credential", "revoke", &public_id]).await;
    assert!(revoked["revoked_at"].is_string());
    let (code, _, stderr) = admin(cwd, &["credential", "rotate", &public_id]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("revoked"), "{stderr}");
    assert_eq!(
        admin_json(cwd, &["credential", "list"]).await,
        serde_json::json!([])
    );
    assert_eq!(
        admin_json(cwd, &["credential", "list", "--all"]).await[0]["public_id"],
        public_id.as_str()
    );

    let (code, _, stderr) = admin(
        cwd,
        &["credential", "add", "--kind", "ldap", "--user", "carol"],
    )
    .await;
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown credential kind"), "{stderr}");
}

#[tokio::test]
async fn admin_writes_are_in_the_audit_trail() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    admin_json(cwd, &["user", "add", "dave"]).await;
    admin_json(cwd, &["course", "add", "RUST1", "--title", "Rust"]).await;
    admin_json(cwd, &["enrol", "dave", "RUST1", "--role", "instructor"]).await;
    let course = admin_json(cwd, &["course", "show", "RUST1"]).await;
    assert_eq!(course["enrolments"][0]["role"], "instructor");
    let tail = admin_json(cwd, &["audit", "tail", "-n", "2"]).await;
    let ops: Vec<&str> = tail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["enrol dave RUST1", "course add RUST1"]);
    assert_eq!(tail[0]["dialect"], "admin");
    assert_eq!(tail[0]["outcome"], "success");
    let found = admin_json(
        cwd,
        &["audit", "search", "--since", "10m", "--outcome", "success"],
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 3);
    let none = admin_json(cwd, &["audit", "search", "--outcome", "failure"]).await;
    assert_eq!(none, serde_json::json!([]));
}

#[tokio::test]
async fn failed_admin_writes_are_audited_with_a_reason() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    admin_json(cwd, &["user", "add", "erin"]).await;
    let (code, _, stderr) = admin(cwd, &["user", "add", "Erin"]).await;
    assert_eq!(code, 1, "{stderr}");
    let (code, _, stderr) = admin(cwd, &["user", "delete", "nobody"]).await;
    assert_eq!(code, 1, "{stderr}");
    let failed = admin_json(cwd, &["audit", "search", "--outcome", "failure"]).await;
    let seen: Vec<(&str, &str)> = failed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap(),
                e["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("user delete nobody", "refused"),
            ("user add Erin", "taken")
        ]
    );
    assert!(
        failed
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["dialect"] == "admin")
    );
    let ok = admin_json(cwd, &["audit", "search", "--outcome", "success"]).await;
    assert_eq!(ok.as_array().unwrap().len(), 1, "{ok}");
}

/// `audit search` over the sandbox's database, as one JSON array.
async fn search(data_dir: &str, filters: &[&str], user: &str) -> Vec<serde_json::Value> {
    let mut args = vec!["admin", "--json", "audit", "search"];
    args.extend_from_slice(filters);
    let (code, stdout, stderr) = run_gatehouse(
        crate::bin(),
        std::path::Path::new(data_dir),
        &args,
        &[("GATEHOUSE_DATA_DIR", data_dir), ("USER", user)],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{filters:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{filters:?}: {e}: {stdout}"))
}

#[tokio::test]
async fn audit_search_filters_by_user_and_by_the_rate_limited_outcome() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_string_lossy().into_owned();
    // Per-username sign-in limit of 2 at once, so the third attempt is rate-limited (D10).
    let sb = Sandbox::start_with(
        crate::bin(),
        &["--data-dir", &data_dir],
        &[
            ("GATEHOUSE_GUARD__RATE_LIMITS", "true"),
            ("GATEHOUSE_GUARD__USER_RATE", "1"),
            ("GATEHOUSE_GUARD__USER_BURST", "2"),
        ],
    )
    .await
    .unwrap();
    let rest = format!("{}/chamilo/main/webservices/api/v2.php", sb.base_url);
    let client = reqwest::Client::new();
    for user in ["mallory"; 6].into_iter().chain(["trent"]) {
        let answer = client
            .post(&rest)
            .form(&[
                ("action", "authenticate"),
                ("username", user),
                ("password", "wrong"),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(answer.contains(r#""error":true"#), "{answer}");
    }
    // An admin write by an operator of another name.
    let (code, _, stderr) = run_gatehouse(
        crate::bin(),
        data.path(),
        &["admin", "user", "add", "dave"],
        &[("GATEHOUSE_DATA_DIR", &data_dir), ("USER", "ops-carol")],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{stderr}");

    let mallory = search(&data_dir, &["--user", "mallory"], "ops-carol").await;
    assert!(
        mallory.iter().all(|e| e["principal"] == "mallory"),
        "{mallory:?}"
    );
    let outcomes: Vec<&str> = mallory
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    // The first two are checked and fail; past the burst they are refused unchecked (a
    // flood is audited once per key and period, so not every refusal is an event).
    assert!(
        outcomes.contains(&"rate_limited") && outcomes.contains(&"failure"),
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| ["failure", "rate_limited", "locked_out"].contains(o)),
        "{outcomes:?}"
    );
    let operator = search(&data_dir, &["--user", "ops-carol"], "ops-carol").await;
    let ops: Vec<&str> = operator
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["user add dave"]);
    let limited = search(&data_dir, &["--outcome", "rate_limited"], "ops-carol").await;
    assert!(!limited.is_empty());
    assert!(
        limited
            .iter()
            .all(|e| e["outcome"] == "rate_limited" && e["principal"] == "mallory"),
        "{limited:?}"
    );
    let none = search(
        &data_dir,
        &["--user", "trent", "--outcome", "rate_limited"],
        "ops-carol",
    )
    .await;
    assert_eq!(none, Vec::<serde_json::Value>::new());
    let trent = search(&data_dir, &["--user", "trent"], "ops-carol").await;
    assert_eq!(trent.len(), 1, "{trent:?}");
    drop(sb);
}

#[tokio::test]
async fn usage_errors_exit_with_status_2() {
    let cwd = tempfile::tempdir().unwrap();
    let (code, _, stderr) = admin(cwd.path(), &["user", "frobnicate"]).await;
    assert_eq!(code, 2, "{stderr}");
}
