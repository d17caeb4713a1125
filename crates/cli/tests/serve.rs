//! `gatehouse serve`: first start, restart, secrets at rest and in logs.

use gatehouse_testkit::{Served, run_gatehouse};

use crate::bin;

async fn admin_json(cwd: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["admin", "--json"];
    full.extend_from_slice(args);
    let (code, stdout, stderr) = run_gatehouse(bin(), cwd, &full, &[], None).await.unwrap();
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

#[tokio::test]
async fn serve_without_config_creates_its_data_dir_and_a_restart_reuses_it() {
    let cwd = tempfile::tempdir().unwrap();
    let served = Served::start(bin(), cwd.path(), &["--listen", "127.0.0.1:0"], &[])
        .await
        .unwrap();
    let banner = served.banner.join("\n");
    assert!(
        banner.contains("first start: created the master key"),
        "{banner}"
    );
    assert!(
        banner.contains("gatehouse admin secrets show --show-secret"),
        "{banner}"
    );
    assert!(
        banner.contains("(chamilo)") && banner.contains("(wildix)"),
        "{banner}"
    );
    let data = cwd.path().join("gatehouse-data");
    assert!(data.join("db.sqlite").is_file());
    let key_file = std::fs::read_to_string(data.join("master.key")).unwrap();
    let health = reqwest::get(format!("{}/healthz", served.base_url))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    served.stop().await.unwrap();
    let secrets = admin_json(cwd.path(), &["secrets", "show", "--show-secret"]).await;

    let again = Served::start(bin(), cwd.path(), &["--listen", "127.0.0.1:0"], &[])
        .await
        .unwrap();
    let banner = again.banner.join("\n");
    assert!(!banner.contains("first start"), "{banner}");
    assert!(!banner.contains("created site secrets"), "{banner}");
    assert_eq!(
        std::fs::read_to_string(data.join("master.key")).unwrap(),
        key_file
    );
    again.stop().await.unwrap();
    assert_eq!(
        admin_json(cwd.path(), &["secrets", "show", "--show-secret"]).await,
        secrets
    );
    assert_eq!(secrets.as_array().unwrap().len(), 4, "{secrets}");
}

#[tokio::test]
async fn secrets_are_not_stored_in_clear_and_not_logged() {
    let cwd = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_gatehouse(
        bin(),
        cwd.path(),
        &["admin", "user", "add", "alice", "--password-stdin"],
        &[],
        Some("Tr0ub4dor&3\n"),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{stderr}");
    let issued = admin_json(
        cwd.path(),
        &[
            "credential",
            "add",
            "--kind",
            "corebos-access-key",
            "--user",
            "alice",
        ],
    )
    .await;
    let access_key = issued["secret"].as_str().unwrap().to_owned();
    assert_eq!(access_key.len(), 16);

    // Run the server once so the site secrets exist, with debug logging to catch leaks.
    let served = Served::start(
        bin(),
        cwd.path(),
        &["--listen", "127.0.0.1:0"],
        &[("RUST_LOG", "debug")],
    )
    .await
    .unwrap();
    reqwest::get(format!("{}/healthz", served.base_url))
        .await
        .unwrap();
    let banner = served.banner.join("\n");
    let logs = served.stop().await.unwrap();
    assert!(logs.contains("DEBUG"), "debug logging was not on: {logs}");
    let secrets = admin_json(cwd.path(), &["secrets", "show", "--show-secret"]).await;
    let mut clear: Vec<String> = secrets
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_str().unwrap().to_owned())
        .collect();
    clear.push(access_key.clone());
    clear.push("Tr0ub4dor&3".into());

    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(cwd.path().join("gatehouse-data")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("db.sqlite")
        {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(bytes.len() > 4096);
    for secret in &clear {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a secret is stored in clear"
        );
        assert!(
            !banner.contains(secret.as_str()),
            "a secret was printed at startup"
        );
        assert!(!logs.contains(secret.as_str()), "a secret was logged");
    }

    // Lists hide secrets unless asked.
    let listed = admin_json(cwd.path(), &["credential", "list"]).await;
    assert_eq!(listed[0]["secret"], "***");
    let listed = admin_json(cwd.path(), &["credential", "list", "--show-secret"]).await;
    assert_eq!(listed[0]["secret"], access_key.as_str());
    let hidden = admin_json(cwd.path(), &["secrets", "show"]).await;
    assert!(
        hidden
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["value"] == "***")
    );
}
