//! Startup failures end with one clear line and a non-zero status.

use gatehouse_testkit::run_gatehouse;

use crate::bin;

async fn serve_fails(args: &[&str], env: &[(&str, &str)], files: &[(&str, &str)]) -> String {
    let cwd = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(cwd.path().join(name), text).unwrap();
    }
    let mut full = vec!["serve"];
    full.extend_from_slice(args);
    let (code, _, stderr) = run_gatehouse(bin(), cwd.path(), &full, env, None)
        .await
        .unwrap();
    assert_ne!(code, 0, "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    lines[0].to_owned()
}

#[tokio::test]
async fn a_malformed_config_file_names_the_problem() {
    let line = serve_fails(
        &["--config", "bad.toml"],
        &[],
        &[("bad.toml", "listen = [\n")],
    )
    .await;
    assert!(
        line.starts_with("gatehouse: config file bad.toml:"),
        "{line}"
    );
    let line = serve_fails(
        &["--config", "typo.toml"],
        &[],
        &[("typo.toml", "lisen = \"127.0.0.1:0\"\n")],
    )
    .await;
    assert!(line.contains("lisen: unknown key"), "{line}");
    let line = serve_fails(&["--config", "missing.toml"], &[], &[]).await;
    assert!(line.contains("missing.toml"), "{line}");
}

#[tokio::test]
async fn an_unreachable_database_names_the_url_without_its_password() {
    let line = serve_fails(
        &["--listen", "127.0.0.1:0"],
        &[
            (
                "GATEHOUSE_DATABASE_URL",
                "postgres://gh:hunter2@127.0.0.1:1/gh",
            ),
            ("GATEHOUSE_DATABASE_STARTUP_WAIT", "0"),
        ],
        &[],
    )
    .await;
    assert!(line.contains("postgres://gh:***@127.0.0.1:1/gh"), "{line}");
    assert!(!line.contains("hunter2"), "{line}");
}

#[tokio::test]
async fn a_database_that_never_comes_up_stops_startup_after_the_configured_wait() {
    let cwd = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (code, _, stderr) = run_gatehouse(
        bin(),
        cwd.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        &[
            (
                "GATEHOUSE_DATABASE_URL",
                "postgres://gh:hunter2@127.0.0.1:1/gh",
            ),
            ("GATEHOUSE_DATABASE_STARTUP_WAIT", "2"),
            ("GATEHOUSE_LOG_LEVEL", "warn"),
        ],
        None,
    )
    .await
    .unwrap();
    assert_ne!(code, 0, "{stderr}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(
        lines[0].contains("postgres://gh:***@127.0.0.1:1/gh")
            && lines[0].contains("gave up after retrying for 2 s (database_startup_wait)"),
        "{}",
        lines[0]
    );
}

#[tokio::test]
async fn a_port_in_use_names_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let line = serve_fails(&["--listen", &addr], &[], &[]).await;
    assert!(
        line.contains(&format!("listen {addr}: cannot listen")),
        "{line}"
    );
}
