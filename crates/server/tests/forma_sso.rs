//! Forma SSO links, the web session they open and the landing pages (specs/forma.md §5;
//! D5, D15, D18).

use chrono::Utc;
use gatehouse_domain::UserPatch;
use gatehouse_schemes::forma_sso::{self, SsoTimezone};

use crate::forma_support::Lms;

/// The answer to one GET, redirects not followed.
struct Answer {
    status: u16,
    location: String,
    cookie: Option<String>,
    referrer_policy: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(lms: &Lms, path_and_query: &str) -> Answer {
    let response = client()
        .get(lms.app.url(path_and_query))
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Answer {
        status: response.status().as_u16(),
        location: header("location").unwrap_or_default(),
        cookie: header("set-cookie"),
        referrer_policy: header("referrer-policy").unwrap_or_default(),
    }
}

fn sso_path(user: &str, time: &str, token: &str) -> String {
    format!("/forma/index.php?r=adm/homepage/sso&login_user={user}&time={time}&token={token}")
}

const FAILED: &str = "/forma/index.php?r=adm/homepage/show&msg=access_failure";

fn now() -> i64 {
    Utc::now().timestamp()
}

async fn page(lms: &Lms, path: &str, cookie: Option<&str>) -> String {
    let mut request = client().get(lms.app.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn a_current_link_signs_in_once_and_the_landing_page_shows_the_user() {
    let lms = Lms::new().await;
    lms.app.add_user("Alice", "x-Pass-1").await;
    let time = now().to_string();
    let token = forma_sso::token("Alice", &time, &lms.sso_secret());
    let first = get(&lms, &sso_path("Alice", &time, &token)).await;
    assert_eq!(first.status, 302);
    assert_eq!(first.location, "/forma/index.php");
    assert_eq!(first.referrer_policy, "no-referrer");
    let cookie = first.cookie.expect("a session cookie");
    assert!(cookie.starts_with("gatehouse_session="), "{cookie}");
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let landing = page(&lms, "/forma/index.php", Some(pair)).await;
    assert!(landing.contains("Signed in as Alice"), "{landing}");
    let replay = get(&lms, &sso_path("Alice", &time, &token)).await;
    assert_eq!((replay.status, replay.location.as_str()), (302, FAILED));
    assert!(replay.cookie.is_none());
    assert!(page(&lms, FAILED, None).await.contains("Sign-in failed"));
    assert!(
        page(&lms, "/forma/index.php", None)
            .await
            .contains("Not signed in")
    );
}

#[tokio::test]
async fn the_seed_form_with_a_calendar_time_and_a_lowercased_user_signs_in_once() {
    let lms = Lms::new().await;
    lms.app.add_user("JohnDoe", "x-Pass-1").await;
    let time = forma_sso::calendar_time(now(), SsoTimezone::Utc).unwrap();
    let token = forma_sso::legacy_token("JohnDoe", &time, &lms.sso_secret()).to_uppercase();
    // The form without `r` reaches the same handler.
    let path = format!("/forma/index.php?login_user=JohnDoe&time={time}&token={token}");
    let first = get(&lms, &path).await;
    assert_eq!(
        (first.status, first.location.as_str()),
        (302, "/forma/index.php")
    );
    assert!(first.cookie.is_some());
    let again = get(&lms, &path).await;
    assert_eq!(again.location, FAILED);
}

#[tokio::test]
async fn expired_far_future_tampered_and_malformed_links_are_refused() {
    let lms = Lms::new().await;
    lms.app.add_user("bob", "x-Pass-1").await;
    let secret = lms.sso_secret();
    let link = |t: i64| {
        let time = t.to_string();
        sso_path("bob", &time, &forma_sso::token("bob", &time, &secret))
    };
    for path in [link(now() - 120), link(now() + 3600)] {
        let answer = get(&lms, &path).await;
        assert_eq!(
            (answer.status, answer.location.as_str()),
            (302, FAILED),
            "{path}"
        );
        assert!(answer.cookie.is_none());
        assert_eq!(answer.referrer_policy, "no-referrer");
    }
    let time = now().to_string();
    let mut token = forma_sso::token("bob", &time, &secret);
    let flipped = if token.starts_with('0') { "1" } else { "0" };
    token.replace_range(0..1, flipped);
    assert_eq!(
        get(&lms, &sso_path("bob", &time, &token)).await.location,
        FAILED
    );
    let junk = format!("{time}abc");
    let token = forma_sso::token("bob", &junk, &secret);
    assert_eq!(
        get(&lms, &sso_path("bob", &junk, &token)).await.location,
        FAILED
    );
    // The untouched link still works: refusals did not use it up.
    let token = forma_sso::token("bob", &time, &secret);
    assert_eq!(
        get(&lms, &sso_path("bob", &time, &token)).await.location,
        "/forma/index.php"
    );
}

#[tokio::test]
async fn an_inactive_or_unknown_user_gets_the_access_failure_redirect() {
    let lms = Lms::new().await;
    let carol = lms.app.add_user("carol", "x-Pass-1").await;
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    lms.app.store().update_user(carol.id, patch).await.unwrap();
    let time = now().to_string();
    for user in ["carol", "nobody"] {
        let token = forma_sso::token(user, &time, &lms.sso_secret());
        assert_eq!(
            get(&lms, &sso_path(user, &time, &token)).await.location,
            FAILED
        );
    }
}

#[tokio::test]
async fn repeated_bad_links_lock_the_user_out_even_for_a_good_one() {
    let lms = Lms::new().await;
    lms.app.add_user("dave", "x-Pass-1").await;
    let time = now().to_string();
    for _ in 0..10 {
        get(&lms, &sso_path("dave", &time, &"0".repeat(32))).await;
    }
    let token = forma_sso::token("dave", &time, &lms.sso_secret());
    assert_eq!(
        get(&lms, &sso_path("dave", &time, &token)).await.location,
        FAILED
    );
}

#[tokio::test]
async fn the_audit_trail_says_which_variant_of_the_formula_matched() {
    let lms = Lms::new().await;
    lms.app.add_user("Erin", "x-Pass-1").await;
    let time = forma_sso::calendar_time(now(), SsoTimezone::Utc).unwrap();
    let token = forma_sso::legacy_token("Erin", &time, &lms.sso_secret());
    get(&lms, &sso_path("Erin", &time, &token)).await;
    let events = lms
        .app
        .audit_events(gatehouse_domain::AuditQuery::default())
        .await
        .unwrap();
    let sso = events
        .iter()
        .find(|e| e.event.dialect == "forma-sso")
        .expect("an SSO audit event");
    assert_eq!(sso.event.reason, "ok:lowercased+calendar");
    assert_eq!(sso.event.principal.as_deref(), Some("Erin"));
}

#[tokio::test]
async fn the_sso_cookie_is_swapped_by_corebos_extendsession_for_a_webservice_session() {
    let crm = crate::corebos_support::Crm::new().await;
    let secret = crm
        .app
        .state
        .site_secret(gatehouse_server::site_secrets::FORMA_SSO_SECRET)
        .unwrap()
        .expose()
        .to_owned();
    let time = now().to_string();
    let token = forma_sso::token("alice", &time, &secret);
    let answer = client()
        .get(crm.app.url(&sso_path("alice", &time, &token)))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
    let pair = cookie.split(';').next().unwrap();
    let response = crm
        .app
        .client
        .post(crm.app.url("/corebos/webservice.php"))
        .header("cookie", pair)
        .form(&[("operation", "extendsession")])
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        json["result"]["userId"],
        format!("19x{}", crm.alice.id),
        "{json}"
    );
}

#[tokio::test]
async fn under_the_token_method_a_rest_token_signs_a_browser_in() {
    let mut config = gatehouse_server::config::Config::default();
    config.forma.auth_method = gatehouse_server::dialects::forma::AuthMethod::Token;
    let lms = Lms::with_config(config).await;
    lms.app.add_user("frank", "Frank-Pass-1").await;
    let text = lms
        .raw(
            "/api/auth/authenticate",
            "username=frank&password=Frank-Pass-1",
            None,
            Some("application/json"),
        )
        .await;
    let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
    let token = reply["token"].as_str().unwrap();
    let answer = get(&lms, &format!("/forma/index.php?auth={token}")).await;
    assert_eq!(
        (answer.status, answer.location.as_str()),
        (302, "/forma/index.php")
    );
    let cookie = answer.cookie.expect("a session cookie");
    let landing = page(&lms, "/forma/index.php", cookie.split(';').next()).await;
    assert!(landing.contains("Signed in as frank"), "{landing}");
    let bad = get(
        &lms,
        "/forma/index.php?auth=0123456789abcdef0123456789abcdef",
    )
    .await;
    assert_eq!(bad.location, FAILED);
}

#[tokio::test]
async fn the_cookie_is_secure_only_when_a_trusted_proxy_says_https() {
    let config = gatehouse_server::config::Config {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Default::default()
    };
    let lms = Lms::with_config(config).await;
    lms.app.add_user("gina", "x-Pass-1").await;
    let secret = lms.sso_secret();
    let mut cookies = Vec::new();
    for (offset, proto) in [(0, Some("https")), (1, None)] {
        let time = (now() - offset).to_string();
        let token = forma_sso::token("gina", &time, &secret);
        let mut request = client().get(lms.app.url(&sso_path("gina", &time, &token)));
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        let response = request.send().await.unwrap();
        cookies.push(
            response.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert!(cookies[0].ends_with("; Secure"), "{}", cookies[0]);
    assert!(!cookies[1].contains("Secure"), "{}", cookies[1]);
}
