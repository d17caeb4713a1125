//! Login flood: while 200 concurrent password sign-ins run, requests checked by key (Chamilo
//! SOAP's security key, Forma's signature) all keep succeeding, because Argon2id runs on a
//! bounded pool of its own (issue #8). Their latency is printed, never asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gatehouse_client::{ChamiloSoap, Forma, FormaAuth};

use crate::support::{demo_users, sandbox};

const LOGINS: usize = 200;
/// Key-checked calls made at the least, per checker task.
const MIN_CALLS: usize = 20;

#[tokio::test]
async fn key_checked_requests_keep_succeeding_during_a_login_flood() {
    let (sandbox, _dir) = sandbox("", &[]).await;
    let c = sandbox.credentials.clone();
    let mut users = demo_users(&sandbox);
    users.push((
        "admin".to_owned(),
        c["chamilo"]["admin"]["password"]
            .as_str()
            .unwrap()
            .to_owned(),
    ));

    let flooding = Arc::new(AtomicBool::new(true));
    let started = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let mut logins = Vec::new();
    for i in 0..LOGINS {
        let (username, password) = users[i % users.len()].clone();
        let http = http.clone();
        let rest = sandbox.url("/chamilo/main/webservices/api/v2.php");
        let wildix = sandbox.url("/wildix/api/v1/PBX/settings/CallQueues/");
        let started = started.clone();
        logins.push(tokio::spawn(async move {
            started.fetch_add(1, Ordering::SeqCst);
            // Half through Chamilo REST, half through Wildix Basic; the outcome (signed in or
            // refused for a full queue) does not matter here, only the load.
            let request = if i % 2 == 0 {
                http.post(rest).form(&[
                    ("action", "authenticate"),
                    ("username", username.as_str()),
                    ("password", password.as_str()),
                ])
            } else {
                http.get(wildix).basic_auth(&username, Some(&password))
            };
            request.send().await.map(|r| r.status().as_u16())
        }));
    }

    let soap = ChamiloSoap::new(
        sandbox.url("/chamilo"),
        c["chamilo"]["security_key"].as_str().unwrap(),
    );
    let forma = Forma::new(
        sandbox.url("/forma"),
        FormaAuth::Signature {
            key: c["forma"]["key"].as_str().unwrap().to_owned(),
            secret: c["forma"]["secret"].as_str().unwrap().to_owned(),
        },
    );
    let mut checkers = Vec::new();
    for task in 0..4 {
        let soap = soap.clone();
        let forma = forma.clone();
        let flooding = flooding.clone();
        checkers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            while flooding.load(Ordering::SeqCst) || latencies.len() < MIN_CALLS {
                let began = Instant::now();
                let outcome = if task % 2 == 0 {
                    soap.get_user_from_username("admin")
                        .await
                        .map(|u| !u.user_id.is_empty())
                        .map_err(|e| e.to_string())
                } else {
                    forma
                        .call("user/checkUsername", &[("userid".into(), "admin".into())])
                        .await
                        .map(|v| v.to_string().contains("idst"))
                        .map_err(|e| e.to_string())
                };
                latencies.push(began.elapsed());
                match outcome {
                    Ok(true) => {}
                    Ok(false) => failures.push(format!("task {task}: wrong answer")),
                    Err(e) => failures.push(format!("task {task}: {e}")),
                }
            }
            (latencies, failures)
        }));
    }

    let mut statuses = Vec::new();
    for login in logins {
        statuses.push(login.await.unwrap());
    }
    flooding.store(false, Ordering::SeqCst);
    assert_eq!(started.load(Ordering::SeqCst), LOGINS);
    let answered = statuses.iter().filter(|s| s.is_ok()).count();
    assert_eq!(
        answered, LOGINS,
        "some sign-ins got no answer: {statuses:?}"
    );

    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    for checker in checkers {
        let (l, f) = checker.await.unwrap();
        latencies.extend(l);
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} of {} key-checked calls failed during the flood: {:?}",
        failures.len(),
        latencies.len(),
        &failures[..failures.len().min(10)]
    );
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "key-checked calls during {LOGINS} concurrent password sign-ins: n={} p50={:?} p99={:?} max={:?}",
        latencies.len(),
        at(0.5),
        at(0.99),
        latencies.last().copied().unwrap_or(Duration::ZERO)
    );
}
