//! Every scenario, run for a fraction of a second against a sandbox of the debug build, gets
//! only successful answers: the harness cannot quietly measure error answers.

use std::path::PathBuf;
use std::time::Duration;

use gatehouse_bench::{Options, run};

/// The `gatehouse` binary of this build: beside the test binary's `deps/` directory.
fn gatehouse() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join("gatehouse");
    if !path.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "gatehouse", "--bin", "gatehouse"])
            .status()
            .unwrap();
        assert!(status.success(), "cargo build -p gatehouse failed");
    }
    path
}

#[tokio::test]
async fn every_scenario_answers_successfully() {
    let mut options = Options::new(gatehouse());
    // Unpinned and tiny: this checks the harness, not the figures.
    options.server.pin = false;
    options.duration = Duration::from_millis(300);
    options.connections = 4;
    options.flood_connections = 2;
    options.scale_users = 3_000;
    options.scale_enrolments = 1_000;
    options.sessions = 200;
    let report = run(&options).await.unwrap();
    let table = report.markdown();
    assert_eq!(report.errors(), 0, "{table}");
    for name in gatehouse_bench::scenarios::ALL {
        let row = report
            .row(name)
            .unwrap_or_else(|| panic!("{name} missing:\n{table}"));
        assert!(row.stats.ok > 0, "{name} measured nothing:\n{table}");
    }
    assert_eq!(
        report.scale.len(),
        gatehouse_bench::scenarios::KEY_CHECKED.len(),
        "{table}"
    );
    assert!(report.scale.iter().all(|r| r.large > 0.0), "{table}");
    assert_eq!(report.memory.len(), 2, "{table}");
}

#[tokio::test]
async fn an_unknown_scenario_is_refused_before_anything_starts() {
    let mut options = Options::new(PathBuf::from("/nonexistent/gatehouse"));
    options.scenario = Some("nope".into());
    let error = run(&options).await.err().unwrap().to_string();
    assert!(error.contains("unknown scenario"), "{error}");
}
