//! Secrets never reach logs or the audit trail, and SIGTERM finishes requests in flight
//! (issue #8), against the real binary.

use std::time::Duration;

use gatehouse_client::{
    ChamiloRest, ChamiloSoap, Corebos, Forma, FormaAuth, SoapValue, Wildix, WildixApp,
    forma_sso_url,
};
use gatehouse_testkit::{Sandbox, run_gatehouse};
use serde_json::Value;

use crate::bin;

fn cred(sb: &Sandbox, path: &[&str]) -> String {
    let mut v = &sb.credentials;
    for p in path {
        v = &v[*p];
    }
    v.as_str()
        .unwrap_or_else(|| panic!("credentials file has no {path:?}"))
        .to_owned()
}

fn url(sb: &Sandbox, dialect: &str) -> String {
    sb.credentials[dialect]["url"]
        .as_str()
        .map_or_else(|| format!("{}/{dialect}", sb.base_url), str::to_owned)
}

/// Every string in the credentials file under a key that names a secret (Forma's `key`
/// and Wildix's `app_id` name a credential and may be audited; their secrets may not).
fn secrets_of(value: &Value, key: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                secrets_of(v, k, out);
            }
        }
        Value::String(s) => {
            let secret = key != "key"
                && ["key", "secret", "password", "token"]
                    .iter()
                    .any(|word| key.contains(word));
            if secret && s.len() >= 6 {
                out.push(s.clone());
            }
        }
        _ => {}
    }
}

/// A successful and a failed authentication through each dialect and scheme.
async fn authenticate_everywhere(sb: &Sandbox) -> Vec<String> {
    let mut issued = Vec::new();
    let chamilo = url(sb, "chamilo");
    let get_admin = || SoapValue::record([("username", SoapValue::text("admin"))]);
    let soap = ChamiloSoap::new(chamilo.clone(), cred(sb, &["chamilo", "security_key"]));
    soap.call("WSGetUserFromUsername", get_admin())
        .await
        .expect("soap key");
    let wrong = ChamiloSoap::new(chamilo.clone(), "not-the-key");
    assert!(
        wrong
            .call("WSGetUserFromUsername", get_admin())
            .await
            .is_err()
    );
    let (user, password) = (
        cred(sb, &["chamilo", "admin", "username"]),
        cred(sb, &["chamilo", "admin", "password"]),
    );
    let rest = ChamiloRest::with_password(chamilo.clone(), &user, &password);
    rest.user_profile().await.expect("rest password");
    let rest = ChamiloRest::with_password(chamilo.clone(), &user, "wrong-password");
    assert!(rest.user_profile().await.is_err());
    let api_key = cred(sb, &["chamilo", "admin", "api_key"]);
    ChamiloRest::with_api_key(chamilo.clone(), &user, &api_key)
        .user_profile()
        .await
        .expect("rest api key");
    let bad = ChamiloRest::with_api_key(chamilo.clone(), &user, "0000000000");
    assert!(bad.user_profile().await.is_err());
    let crm = Corebos::new(
        url(sb, "corebos"),
        cred(sb, &["corebos", "username"]),
        cred(sb, &["corebos", "access_key"]),
    );
    crm.list_types().await.expect("corebos access key");
    issued.push(crm.session().await.expect("session").session_name);
    let wrong = Corebos::new(
        url(sb, "corebos"),
        cred(sb, &["corebos", "username"]),
        "0123456789abcdef",
    );
    assert!(wrong.list_types().await.is_err());
    let signature = |secret: String| {
        Forma::new(
            url(sb, "forma"),
            FormaAuth::Signature {
                key: cred(sb, &["forma", "key"]),
                secret,
            },
        )
    };
    let check = [("userid".to_owned(), "admin".to_owned())];
    signature(cred(sb, &["forma", "secret"]))
        .call("user/checkUsername", &check)
        .await
        .expect("forma signature");
    assert!(
        signature("not-the-secret".into())
            .call("user/checkUsername", &check)
            .await
            .is_err()
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    for secret in [
        cred(sb, &["forma", "sso_secret"]),
        "not-the-sso-secret".into(),
    ] {
        let link = forma_sso_url(&url(sb, "forma"), "admin", &secret, now);
        let response = no_redirects.get(&link).send().await.unwrap();
        assert_eq!(response.status(), 302);
        if let Some(cookie) = response.headers().get("set-cookie") {
            let value = cookie.to_str().unwrap();
            let session = value.split(';').next().unwrap().split('=').nth(1).unwrap();
            issued.push(session.to_owned());
        }
    }
    let app = |secret: String| WildixApp {
        app_id: cred(sb, &["wildix", "app_id"]),
        app_name: cred(sb, &["wildix", "app_name"]),
        secret,
    };
    let pbx = Wildix::new(&url(sb, "wildix"), app(cred(sb, &["wildix", "secret"]))).unwrap();
    pbx.get("PBX/settings/CallQueues/", &Value::Null)
        .await
        .expect("wildix jwt");
    let wrong = Wildix::new(&url(sb, "wildix"), app("not-the-secret".into())).unwrap();
    assert!(
        wrong
            .get("PBX/settings/CallQueues/", &Value::Null)
            .await
            .is_err()
    );
    for pass in [password.as_str(), "wrong-password"] {
        reqwest::Client::new()
            .get(format!("{}/api/v1/Colleagues/", url(sb, "wildix")))
            .basic_auth(&user, Some(pass))
            .send()
            .await
            .unwrap();
    }
    issued
}

#[tokio::test]
async fn no_secret_reaches_the_logs_or_the_audit_trail_even_at_debug_level() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_string_lossy().into_owned();
    let sb = Sandbox::start_with(bin(), &["--data-dir", &data_dir], &[("RUST_LOG", "debug")])
        .await
        .unwrap();
    let issued = authenticate_everywhere(&sb).await;
    let mut secrets = Vec::new();
    secrets_of(&sb.credentials, "", &mut secrets);
    secrets.extend(issued);
    assert!(secrets.len() >= 8, "{secrets:?}");
    // Stopped first: successful authentications are stored in batches, all of them by a
    // graceful shutdown.
    let mut sb = sb;
    assert!(sb.stop().await.unwrap().success());
    let (code, audit, stderr) = run_gatehouse(
        bin(),
        data.path(),
        &["admin", "--json", "audit", "tail", "-n", "10000"],
        &[("GATEHOUSE_DATA_DIR", &data_dir)],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{stderr}");
    let events: Vec<Value> = serde_json::from_str(&audit).unwrap();
    assert!(events.len() >= 15, "every decision audited: {audit}");
    let logs = sb.stderr();
    assert!(logs.contains("DEBUG"), "debug logging is on");
    // The sandbox prints the administrator's password once at startup, on purpose; the
    // rest of stdout and every log line must not carry a secret.
    let admin_password = cred(&sb, &["chamilo", "admin", "password"]);
    let stdout = sb.stdout().replace(&format!("/ {admin_password}"), "");
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret is in the log");
        assert!(
            !audit.contains(secret.as_str()),
            "a secret is in the audit trail"
        );
        if secret != &admin_password {
            assert!(
                !stdout.contains(secret.as_str()),
                "a secret is on stdout: {secret}"
            );
        }
    }
}

#[tokio::test]
async fn sigterm_finishes_a_request_in_flight_then_exits_zero() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sb = Sandbox::start(bin()).await.unwrap();
    // A request whose body is still arriving when SIGTERM comes: in flight for certain.
    let body = format!(
        "action=user_profile&username={}&api_key={}",
        cred(&sb, &["chamilo", "admin", "username"]),
        cred(&sb, &["chamilo", "admin", "api_key"]),
    );
    let address = sb.base_url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /chamilo/main/webservices/api/v2.php HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(10);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = sb.pid().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""error":false"#), "{answer}");
    let exit = sb.wait_exit(Duration::from_secs(30)).await.unwrap();
    assert!(exit.success(), "{exit:?}; stderr: {}", sb.stderr());
}
