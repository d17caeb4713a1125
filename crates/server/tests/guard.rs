//! The guard's lockout as dialects use it: check before verifying, count failures, reset on success.

use std::net::IpAddr;

use gatehouse_server::config::Config;
use gatehouse_server::edge::GuardConfig;
use gatehouse_testkit::TestApp;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

async fn app(guard: GuardConfig) -> TestApp {
    TestApp::with_config(Config {
        guard,
        ..Config::default()
    })
    .await
}

#[tokio::test]
async fn a_username_is_locked_after_the_threshold_and_the_refusal_says_until_when() {
    let app = app(GuardConfig::default()).await;
    let guard = &app.state.guard;
    let from = ip("127.0.0.1");
    for _ in 0..9 {
        assert_eq!(guard.failure(Some("alice"), from).await, None);
    }
    let _ = guard.check(Some("alice"), from).await.unwrap();
    let until = guard
        .failure(Some("alice"), from)
        .await
        .expect("tenth failure locks");
    let refused = guard
        .check(Some("ALICE"), ip("127.0.0.2"))
        .await
        .unwrap_err();
    assert_eq!(refused.reason, "locked_out");
    assert_eq!(refused.locked_until, Some(until));
    assert_eq!(refused.claimed.as_deref(), Some("ALICE"));
    // Other users are not affected by alice's lockout...
    let _ = guard.check(Some("bob"), ip("127.0.0.2")).await.unwrap();
}

#[tokio::test]
async fn serve_also_locks_the_ip_that_failed_but_the_sandbox_does_not() {
    let serve = app(GuardConfig::default()).await;
    let from = ip("127.0.0.9");
    for n in 0..10 {
        serve
            .state
            .guard
            .failure(Some(&format!("user{n}")), from)
            .await;
    }
    let refused = serve
        .state
        .guard
        .check(Some("fresh"), from)
        .await
        .unwrap_err();
    assert_eq!(refused.reason, "locked_out");

    let sandbox = app(GuardConfig::sandbox()).await;
    for n in 0..10 {
        sandbox
            .state
            .guard
            .failure(Some(&format!("user{n}")), from)
            .await;
    }
    let _ = sandbox
        .state
        .guard
        .check(Some("fresh"), from)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_success_forgets_the_username_failures() {
    let app = app(GuardConfig::default()).await;
    let guard = &app.state.guard;
    let from = ip("127.0.0.1");
    for _ in 0..9 {
        guard.failure(Some("carol"), from).await;
    }
    let checked = guard.check(Some("Carol"), from).await.unwrap();
    guard.success(checked, "Carol").await;
    assert_eq!(guard.failure(Some("carol"), ip("127.0.0.3")).await, None);
    let _ = guard.check(Some("carol"), ip("127.0.0.3")).await.unwrap();
}

#[tokio::test]
async fn a_success_after_a_check_that_saw_no_failures_writes_nothing() {
    let app = app(GuardConfig::default()).await;
    let guard = &app.state.guard;
    let from = ip("127.0.0.1");
    let checked = guard.check(Some("erin"), from).await.unwrap();
    // Failures of another request land between this request's check and its success.
    for _ in 0..9 {
        guard.failure(Some("erin"), ip("127.0.0.2")).await;
    }
    guard.success(checked, "erin").await;
    // They were not reset: the tenth failure starts the lockout.
    assert!(guard.failure(Some("erin"), ip("127.0.0.3")).await.is_some());
}

#[tokio::test]
async fn with_lockout_off_nothing_is_counted() {
    let app = app(GuardConfig {
        lockout: false,
        ..GuardConfig::default()
    })
    .await;
    for _ in 0..50 {
        assert_eq!(
            app.state.guard.failure(Some("dave"), ip("127.0.0.1")).await,
            None
        );
    }
    let _ = app
        .state
        .guard
        .check(Some("dave"), ip("127.0.0.1"))
        .await
        .unwrap();
}
