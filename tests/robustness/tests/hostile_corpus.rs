//! The hostile input corpus (`corpus/<dialect>/*.toml`): each case gets its dialect's own
//! error, the server answers `/healthz` after every case, and its memory stays bounded.

use std::path::Path;
use std::time::Duration;

use gatehouse_client::Corebos;
use gatehouse_robustness::corpus::{self, Listener, Vars};
use gatehouse_robustness::{memory, raw_http};

use crate::support::{healthy, host_port, sandbox};

/// Generous: a debug build idles near 30 MiB; the body limit (2 MiB) bounds what one request
/// may buffer, so only a leak or an unbounded expansion (entities, nesting) comes near this.
const MEMORY_BOUND_KIB: u64 = 300 * 1024;

#[tokio::test]
async fn every_hostile_case_gets_its_dialects_error_and_the_server_stays_up_and_bounded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let cases = corpus::load_all(&root).unwrap();
    assert!(cases.len() >= 40, "corpus too small: {} cases", cases.len());
    for dialect in [
        "chamilo-soap",
        "chamilo-rest",
        "corebos",
        "forma",
        "wildix",
        "http",
    ] {
        assert!(
            cases
                .iter()
                .any(|c| c.name().starts_with(&format!("{dialect}/"))),
            "no case for {dialect}"
        );
    }

    let (sandbox, _dir) = sandbox("", &[]).await;
    let pid = sandbox.pid().unwrap();
    let c = &sandbox.credentials;
    let crm = Corebos::new(
        sandbox.url("/corebos"),
        c["corebos"]["username"].as_str().unwrap(),
        c["corebos"]["access_key"].as_str().unwrap(),
    );
    let session = crm.session().await.unwrap().session_name;
    let vars = Vars::from([
        (
            "chamilo_secret_key".to_owned(),
            gatehouse_schemes::chamilo::soap_secret_key(
                "127.0.0.1",
                c["chamilo"]["security_key"].as_str().unwrap(),
            ),
        ),
        ("corebos_session".to_owned(), session),
        (
            "wildix_app_id".to_owned(),
            c["wildix"]["app_id"].as_str().unwrap().to_owned(),
        ),
    ]);
    let shared = host_port(&sandbox.base_url);
    let wildix = host_port(c["wildix"]["url"].as_str().unwrap());

    let mut failures = Vec::new();
    for case in &cases {
        let request = case.request(&vars).unwrap();
        let addr = match case.listener {
            Listener::Shared => &shared,
            Listener::Wildix => &wildix,
        };
        let half_close = case.declared_length.is_some();
        match raw_http::exchange(addr, &request, half_close, Duration::from_secs(30)).await {
            Ok(response) => {
                if let Err(problem) = case.check(response.as_ref()) {
                    failures.push(format!("{} ({}): {problem}", case.name(), case.description));
                }
            }
            Err(error) => failures.push(format!("{}: {error:#}", case.name())),
        }
        assert!(
            healthy(&sandbox.base_url).await,
            "the server stopped answering /healthz after {}; stderr: {}",
            case.name(),
            sandbox.stderr()
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases got the wrong answer:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    let used = memory::of_process(pid).unwrap();
    println!(
        "memory after {} hostile cases: VmRSS {} KiB, VmHWM {} KiB",
        cases.len(),
        used.rss_kib,
        used.peak_kib
    );
    assert!(
        used.peak_kib < MEMORY_BOUND_KIB,
        "peak resident memory {} KiB over {MEMORY_BOUND_KIB} KiB",
        used.peak_kib
    );

    // The injections changed nothing: the users are all still there, and a signed call works.
    let users = crm.query("SELECT user_name FROM Users;").await.unwrap();
    assert!(users.len() >= 4, "users after the corpus: {users:?}");
    assert!(
        !sandbox.stderr().contains("panicked"),
        "a request panicked: {}",
        sandbox.stderr()
    );
}
