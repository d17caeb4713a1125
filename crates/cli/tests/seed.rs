//! `gatehouse admin seed`: bulk benchmark data, then a sandbox with one worker started on it.

use gatehouse_testkit::{Sandbox, run_gatehouse};

use crate::bin;

#[tokio::test]
async fn seeded_users_share_one_password_and_a_sandbox_with_one_worker_serves_them() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    let seed = [
        "admin",
        "--json",
        "seed",
        "--users",
        "50",
        "--courses",
        "3",
        "--enrolments",
        "120",
    ];
    let (code, stdout, stderr) = run_gatehouse(bin(), cwd, &seed, &[], None).await.unwrap();
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["users"], 50, "{summary}");
    assert_eq!(summary["external_ids"], 50, "{summary}");
    assert_eq!(summary["courses"], 3, "{summary}");
    assert_eq!(summary["enrolments"], 120, "{summary}");

    // Seeding again skips what exists; more enrolments than user-course pairs is refused.
    let (code, stdout, _) = run_gatehouse(bin(), cwd, &seed, &[], None).await.unwrap();
    assert_eq!(code, 0);
    let again: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(again["users"], 0, "{again}");
    let (code, _, stderr) = run_gatehouse(
        bin(),
        cwd,
        &[
            "admin",
            "seed",
            "--users",
            "2",
            "--courses",
            "1",
            "--enrolments",
            "3",
        ],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("enrolments"), "{stderr}");

    let (code, stdout, stderr) = run_gatehouse(
        bin(),
        cwd,
        &["admin", "--json", "course", "show", "BENCH2"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("bench"), "{stdout}");

    // The sandbox reuses the seeded store; with one runtime worker it answers, and a seeded
    // user signs in with the shared password.
    let data_dir = cwd.join("gatehouse-data");
    let sandbox = Sandbox::start_with(
        bin(),
        &["--data-dir", data_dir.to_str().unwrap(), "--workers", "1"],
        &[],
    )
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let answer: serde_json::Value = client
        .post(sandbox.url("/chamilo/main/webservices/api/v2.php"))
        .form(&[
            ("action", "authenticate"),
            ("username", "bench37"),
            ("password", "bench-password"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["error"], false, "{answer}");
    let wrong: serde_json::Value = client
        .post(sandbox.url("/chamilo/main/webservices/api/v2.php"))
        .form(&[
            ("action", "authenticate"),
            ("username", "bench37"),
            ("password", "not-it"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(wrong["error"], true, "{wrong}");
}

#[tokio::test]
async fn zero_workers_is_a_usage_error() {
    let cwd = tempfile::tempdir().unwrap();
    let (code, _, stderr) =
        run_gatehouse(bin(), cwd.path(), &["sandbox", "--workers", "0"], &[], None)
            .await
            .unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--workers"), "{stderr}");
}
