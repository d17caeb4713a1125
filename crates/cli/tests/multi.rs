//! Several `gatehouse serve` instances over one PostgreSQL database, moving an install from
//! SQLite to PostgreSQL, and PostgreSQL going away and coming back (issue #11).
//!
//! Each test makes its own database on the server of `GATEHOUSE_TEST_PG_URL` (or its own
//! cluster), so tests never share state; without that variable they say so and return.

use std::time::{Duration, Instant};

use gatehouse_testkit::{PgCluster, PgDatabase, Served, pg_admin_url, run_gatehouse};
use serde_json::Value;

use crate::bin;

/// A fresh random master key, base64, shared by the instances of one test.
fn master_key() -> String {
    gatehouse_store::MasterKey::generate().to_base64()
}

/// The environment one instance (or admin command) of a test runs with.
struct Install {
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

impl Install {
    fn new(database_url: &str, key: &str, extra: &[(&str, &str)]) -> Self {
        let mut env = vec![
            ("GATEHOUSE_DATABASE_URL".to_owned(), database_url.to_owned()),
            ("GATEHOUSE_MASTER_KEY".to_owned(), key.to_owned()),
            ("GATEHOUSE_LOG_LEVEL".to_owned(), "warn".to_owned()),
        ];
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Self {
            env,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    async fn serve(&self) -> Served {
        Served::start(
            bin(),
            self.dir.path(),
            &["--listen", "127.0.0.1:0"],
            &self.env(),
        )
        .await
        .expect("serve starts")
    }

    /// Runs `gatehouse admin --json ARGS` and parses its output.
    async fn admin(&self, args: &[&str]) -> Value {
        let mut full = vec!["admin", "--json"];
        full.extend_from_slice(args);
        let (code, stdout, stderr) =
            run_gatehouse(bin(), self.dir.path(), &full, &self.env(), None)
                .await
                .expect("admin runs");
        assert_eq!(code, 0, "admin {args:?}: {stderr}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("admin {args:?}: {e}: {stdout}"))
    }
}

/// alice with a password and a coreBOS access key; returns the key.
async fn alice_with_access_key(install: &Install) -> String {
    let (code, _, stderr) = run_gatehouse(
        bin(),
        install.dir.path(),
        &[
            "admin",
            "user",
            "add",
            "alice",
            "--password-stdin",
            "--email",
            "alice@example.test",
            "--first-name",
            "Alice",
            "--last-name",
            "Liddell",
        ],
        &install.env(),
        Some("Wonder-Land-42\n"),
    )
    .await
    .expect("admin runs");
    assert_eq!(code, 0, "{stderr}");
    let issued = install
        .admin(&[
            "credential",
            "add",
            "--kind",
            "corebos-access-key",
            "--user",
            "alice",
        ])
        .await;
    issued["secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned()
}

fn webservice(served: &Served) -> String {
    format!("{}/corebos/webservice.php", served.base_url)
}

async fn getchallenge(http: &reqwest::Client, served: &Served, user: &str) -> String {
    let reply: Value = http
        .get(webservice(served))
        .query(&[("operation", "getchallenge"), ("username", user)])
        .send()
        .await
        .expect("getchallenge sent")
        .json()
        .await
        .expect("getchallenge JSON");
    reply["result"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {reply}"))
        .to_owned()
}

async fn login(
    http: &reqwest::Client,
    served: &Served,
    user: &str,
    token: &str,
    key: &str,
) -> Value {
    let proof = gatehouse_schemes::corebos::login_proof(token, key);
    http.post(webservice(served))
        .form(&[
            ("operation", "login"),
            ("username", user),
            ("accessKey", proof.as_str()),
        ])
        .send()
        .await
        .expect("login sent")
        .json()
        .await
        .expect("login JSON")
}

async fn corebos_call(http: &reqwest::Client, served: &Served, params: &[(&str, &str)]) -> Value {
    http.post(webservice(served))
        .form(params)
        .send()
        .await
        .expect("call sent")
        .json()
        .await
        .expect("call JSON")
}

#[tokio::test]
async fn two_instances_on_one_postgresql_database_share_challenges_sessions_sso_and_lockouts() {
    let Some(admin_url) = pg_admin_url("two_instances_on_one_postgresql_database") else {
        return;
    };
    let db = PgDatabase::create(&admin_url).await.expect("test database");
    let key = master_key();
    let settings = [
        ("GATEHOUSE_FORMA__SSO_SECRET", "shared-sso-secret-for-both"),
        ("GATEHOUSE_GUARD__LOCKOUT_THRESHOLD", "3"),
        ("GATEHOUSE_GUARD__IP_LOCKOUT", "false"),
    ];
    let one = Install::new(&db.url, &key, &settings);
    let two = Install::new(&db.url, &key, &settings);
    let access_key = alice_with_access_key(&one).await;
    let (code, _, stderr) = run_gatehouse(
        bin(),
        one.dir.path(),
        &[
            "admin",
            "user",
            "add",
            "mallory",
            "--password",
            "Not-Used-Here-1",
        ],
        &one.env(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{stderr}");
    let mallory_key = one
        .admin(&[
            "credential",
            "add",
            "--kind",
            "corebos-access-key",
            "--user",
            "mallory",
        ])
        .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let (a, b) = tokio::join!(one.serve(), two.serve());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // A challenge from A logs in at B; the session works at A; a logout at B ends it at A.
    let token = getchallenge(&http, &a, "alice").await;
    let reply = login(&http, &b, "alice", &token, &access_key).await;
    assert_eq!(reply["success"], true, "{reply}");
    let session = reply["result"]["sessionName"].as_str().unwrap().to_owned();
    let again = login(&http, &a, "alice", &token, &access_key).await;
    assert_eq!(
        again["success"], false,
        "a used challenge logs in again: {again}"
    );
    let listed = corebos_call(
        &http,
        &a,
        &[("operation", "listtypes"), ("sessionName", &session)],
    )
    .await;
    assert_eq!(listed["success"], true, "{listed}");
    let out = corebos_call(
        &http,
        &b,
        &[("operation", "logout"), ("sessionName", &session)],
    )
    .await;
    assert_eq!(out["success"], true, "{out}");
    let after = corebos_call(
        &http,
        &a,
        &[("operation", "listtypes"), ("sessionName", &session)],
    )
    .await;
    assert_eq!(after["error"]["code"], "AUTHENTICATION_REQUIRED", "{after}");

    // 50 parallel logins over A and B: challenges taken at one instance, logins sent to the
    // other, every one succeeds, and no token logs in twice.
    let mut tasks = Vec::new();
    for i in 0..50 {
        let http = http.clone();
        let (issue, use_at) = if i % 2 == 0 {
            (a.base_url.clone(), b.base_url.clone())
        } else {
            (b.base_url.clone(), a.base_url.clone())
        };
        let access_key = access_key.clone();
        tasks.push(tokio::spawn(async move {
            let url = |base: &str| format!("{base}/corebos/webservice.php");
            let reply: Value = http
                .get(url(&issue))
                .query(&[("operation", "getchallenge"), ("username", "alice")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token = reply["result"]["token"].as_str().unwrap().to_owned();
            let proof = gatehouse_schemes::corebos::login_proof(&token, &access_key);
            let login: Value = http
                .post(url(&use_at))
                .form(&[
                    ("operation", "login"),
                    ("username", "alice"),
                    ("accessKey", proof.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (token, issue, login)
        }));
    }
    let mut tokens = Vec::new();
    for task in tasks {
        let (token, issued_at, reply) = task.await.unwrap();
        assert_eq!(reply["success"], true, "parallel login failed: {reply}");
        tokens.push((token, issued_at));
    }
    let mut distinct: Vec<&String> = tokens.iter().map(|(t, _)| t).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 50, "every getchallenge mints its own token");
    for (token, issued_at) in tokens.iter().take(10) {
        let at = if *issued_at == a.base_url { &a } else { &b };
        let reply = login(&http, at, "alice", token, &access_key).await;
        assert_eq!(
            reply["success"], false,
            "token {token} logged in twice: {reply}"
        );
    }

    // A Forma SSO link used at A is refused at B.
    let now = chrono::Utc::now().timestamp();
    let link_a = gatehouse_client::forma_sso_url(
        &format!("{}/forma", a.base_url),
        "alice",
        "shared-sso-secret-for-both",
        now,
    );
    let link_b = link_a.replacen(&a.base_url, &b.base_url, 1);
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let first = http.get(&link_a).send().await.unwrap();
    assert_eq!(first.status(), 302);
    assert!(
        !location(&first).contains("access_failure"),
        "{}",
        location(&first)
    );
    let replayed = http.get(&link_b).send().await.unwrap();
    assert_eq!(replayed.status(), 302);
    assert!(
        location(&replayed).contains("access_failure"),
        "the link worked twice: {}",
        location(&replayed)
    );

    // A lockout caused at A holds at B: three wrong proofs at A, then the right one at B.
    for _ in 0..3 {
        let token = getchallenge(&http, &a, "mallory").await;
        let reply = login(&http, &a, "mallory", &token, "not-the-key").await;
        assert_eq!(reply["success"], false, "{reply}");
    }
    let token = getchallenge(&http, &b, "mallory").await;
    let reply = login(&http, &b, "mallory", &token, &mallory_key).await;
    assert_eq!(
        reply["success"], false,
        "the lockout from A did not hold at B: {reply}"
    );
    assert_eq!(
        reply["error"]["code"], "INVALID_USER_CREDENTIALS",
        "{reply}"
    );
    let locked = one.admin(&["lockout", "list"]).await;
    assert!(locked.to_string().contains("mallory"), "{locked}");

    for served in [a, b] {
        let logs = served.stop().await.unwrap();
        assert!(!logs.contains("panicked"), "{logs}");
    }
    db.drop().await.unwrap();
}

/// The credentials the dialect calls are signed with.
struct Creds {
    security_key: String,
    chamilo_api_key: String,
    corebos_key: String,
    forma_key: String,
    forma_secret: String,
    wildix_id: String,
    wildix_secret: String,
}

impl Creds {
    /// Issues alice a Chamilo API key and a Wildix app, and reads the site secrets (which
    /// the first `serve` created).
    async fn issue(install: &Install, corebos_key: String) -> Self {
        let chamilo_api_key = install
            .admin(&[
                "credential",
                "add",
                "--kind",
                "chamilo-api-key",
                "--user",
                "alice",
            ])
            .await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let wildix = install
            .admin(&["wildix-app", "add", "sync", "--user", "alice"])
            .await;
        let secrets = install.admin(&["secrets", "show", "--show-secret"]).await;
        Self {
            security_key: secret_named(&secrets, "chamilo.security_key"),
            chamilo_api_key,
            corebos_key,
            forma_key: secret_named(&secrets, "forma.api_key"),
            forma_secret: secret_named(&secrets, "forma.api_secret"),
            wildix_id: wildix["public_id"].as_str().unwrap().to_owned(),
            wildix_secret: wildix["secret"].as_str().unwrap().to_owned(),
        }
    }
}

fn secret_named(secrets: &Value, name: &str) -> String {
    secrets
        .as_array()
        .and_then(|list| list.iter().find(|s| s["name"] == name))
        .and_then(|s| s["value"].as_str().or_else(|| s["secret"].as_str()))
        .unwrap_or_else(|| panic!("no {name} in {secrets}"))
        .to_owned()
}

/// Runs `gatehouse call ARGS` against one instance with `creds` in the environment.
async fn call(served: &Served, creds: &Creds, args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    let base = &served.base_url;
    let env = [
        ("HOME".to_owned(), home.path().display().to_string()),
        (
            "GATEHOUSE_CHAMILO_URL".to_owned(),
            format!("{base}/chamilo"),
        ),
        (
            "GATEHOUSE_CHAMILO_SECURITY_KEY".to_owned(),
            creds.security_key.clone(),
        ),
        ("GATEHOUSE_CHAMILO_USERNAME".to_owned(), "alice".to_owned()),
        (
            "GATEHOUSE_CHAMILO_API_KEY".to_owned(),
            creds.chamilo_api_key.clone(),
        ),
        (
            "GATEHOUSE_COREBOS_URL".to_owned(),
            format!("{base}/corebos"),
        ),
        ("GATEHOUSE_COREBOS_USERNAME".to_owned(), "alice".to_owned()),
        (
            "GATEHOUSE_COREBOS_ACCESS_KEY".to_owned(),
            creds.corebos_key.clone(),
        ),
        ("GATEHOUSE_FORMA_URL".to_owned(), format!("{base}/forma")),
        ("GATEHOUSE_FORMA_KEY".to_owned(), creds.forma_key.clone()),
        (
            "GATEHOUSE_FORMA_SECRET".to_owned(),
            creds.forma_secret.clone(),
        ),
        ("GATEHOUSE_WILDIX_URL".to_owned(), format!("{base}/wildix")),
        (
            "GATEHOUSE_WILDIX_APP_ID".to_owned(),
            creds.wildix_id.clone(),
        ),
        ("GATEHOUSE_WILDIX_APP_NAME".to_owned(), "sync".to_owned()),
        (
            "GATEHOUSE_WILDIX_SECRET".to_owned(),
            creds.wildix_secret.clone(),
        ),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut full = vec!["call"];
    full.extend_from_slice(args);
    run_gatehouse(bin(), home.path(), &full, &env, None)
        .await
        .expect("call runs")
}

/// What every dialect answers about the users at one instance, through `gatehouse call`.
async fn dialect_reads(served: &Served, creds: &Creds) -> Vec<(String, String)> {
    let calls: &[&[&str]] = &[
        &["chamilo", "WSGetUserFromUsername", "username=alice"],
        &[
            "chamilo",
            "WSGetUser",
            "original_user_id_name=hr",
            "original_user_id_value=A-1",
        ],
        &["chamilo", "user_profile"],
        &["chamilo", "user_courses"],
        &["chamilo", "get_courses"],
        &["corebos", "retrieve", "id=19x1"],
        &[
            "corebos",
            "query",
            "query=SELECT user_name, email1, first_name, last_name, status FROM Users;",
        ],
        &["forma", "user/checkUsername", "userid=alice"],
        &["forma", "user/checkUsername", "userid=bob"],
        &["wildix", "GET", "Colleagues/"],
    ];
    let mut answers = Vec::new();
    for args in calls {
        let (code, stdout, stderr) = call(served, creds, args).await;
        assert_eq!(code, 0, "call {args:?}: {stderr}{stdout}");
        // Links name the instance they were served from; the rest must be equal.
        answers.push((args.join(" "), stdout.replace(&served.base_url, "<base>")));
    }
    answers
}

#[tokio::test]
async fn an_install_exported_from_sqlite_and_imported_into_postgresql_answers_every_dialect_alike()
{
    let Some(admin_url) =
        pg_admin_url("an_install_exported_from_sqlite_and_imported_into_postgresql")
    else {
        return;
    };
    let key = master_key();
    let source_dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}/db.sqlite", source_dir.path().display());
    let source = Install::new(&sqlite_url, &key, &[]);
    let corebos_key = alice_with_access_key(&source).await;
    let (code, _, stderr) = run_gatehouse(
        bin(),
        source.dir.path(),
        &["admin", "user", "add", "bob", "--inactive", "--admin"],
        &source.env(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{stderr}");
    source
        .admin(&["course", "add", "MATH101", "--title", "Mathematics"])
        .await;
    source
        .admin(&["enrol", "alice", "MATH101", "--role", "student"])
        .await;
    source
        .admin(&["enrol", "bob", "MATH101", "--role", "instructor"])
        .await;
    source
        .admin(&["wildix-queue", "add", "support", "--member", "201"])
        .await;
    // serve creates the site secrets; an external id comes through the Chamilo dialect.
    let a = source.serve().await;
    let creds = Creds::issue(&source, corebos_key).await;
    let (code, stdout, stderr) = call(
        &a,
        &creds,
        &[
            "chamilo",
            "WSCreateUser",
            "firstname=Carol",
            "lastname=Chem",
            "status=5",
            "email=carol@example.test",
            "loginname=carol",
            "password=Pass-word-77",
            "encrypt_method=",
            "language=english",
            "phone=",
            "expiration_date=",
            "original_user_id_name=hr",
            "original_user_id_value=A-1",
            "active=1",
        ],
    )
    .await;
    assert_eq!(code, 0, "WSCreateUser: {stderr}{stdout}");
    let before = dialect_reads(&a, &creds).await;
    a.stop().await.unwrap();

    let (code, export, stderr) = run_gatehouse(
        bin(),
        source.dir.path(),
        &["admin", "export"],
        &source.env(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "export: {stderr}");
    let header: Value = serde_json::from_str(export.lines().next().unwrap()).unwrap();
    assert_eq!(header["kind"], "gatehouse-export");
    assert_eq!(header["format"], 1);
    assert!(export.lines().all(|l| {
        serde_json::from_str::<Value>(l)
            .map(|v| v["kind"].is_string())
            .unwrap_or(false)
    }));
    assert!(
        !export.contains(&creds.chamilo_api_key),
        "a credential left the database unsealed"
    );
    assert!(
        !export.contains("Wonder-Land-42"),
        "a password left the database"
    );

    let db = PgDatabase::create(&admin_url).await.expect("test database");
    // Another master key is refused, and leaves the target empty.
    let stranger = Install::new(&db.url, &master_key(), &[]);
    let (code, _, stderr) = run_gatehouse(
        bin(),
        stranger.dir.path(),
        &["admin", "import"],
        &stranger.env(),
        Some(&export),
    )
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(
        stderr.contains("sealed under another master key"),
        "{stderr}"
    );
    db.drop().await.unwrap();

    let db = PgDatabase::create(&admin_url).await.expect("test database");
    let target = Install::new(&db.url, &key, &[]);
    let (code, migrated, stderr) = run_gatehouse(
        bin(),
        target.dir.path(),
        &["admin", "migrate"],
        &target.env(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "migrate on PostgreSQL: {stderr}");
    assert!(migrated.contains("postgres"), "{migrated}");
    let (code, stdout, stderr) = run_gatehouse(
        bin(),
        target.dir.path(),
        &["admin", "--json", "import"],
        &target.env(),
        Some(&export),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "import: {stderr}");
    let imported: Value = serde_json::from_str(&stdout).unwrap();
    assert!(imported["imported"].as_u64().unwrap() > 10, "{imported}");
    // A second import is refused; with --merge it changes nothing.
    let (code, _, stderr) = run_gatehouse(
        bin(),
        target.dir.path(),
        &["admin", "import"],
        &target.env(),
        Some(&export),
    )
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(stderr.contains("is not empty"), "{stderr}");
    let (code, stdout, stderr) = run_gatehouse(
        bin(),
        target.dir.path(),
        &["admin", "--json", "import", "--merge"],
        &target.env(),
        Some(&export),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{stderr}");
    let merged: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(merged["imported"], 0, "{merged}");

    let b = target.serve().await;
    let after = dialect_reads(&b, &creds).await;
    for ((call, was), (_, now)) in before.iter().zip(&after) {
        assert_eq!(was, now, "{call} answers differently after the move");
    }
    // New rows get fresh ids after the imported ones (PostgreSQL's sequences moved on).
    let (code, _, stderr) = run_gatehouse(
        bin(),
        target.dir.path(),
        &["admin", "user", "add", "dave"],
        &target.env(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "a user created after the import: {stderr}");
    let dave = target.admin(&["user", "show", "dave"]).await;
    assert_eq!(dave["user"]["id"], 4, "{dave}");
    b.stop().await.unwrap();
    db.drop().await.unwrap();
}

#[tokio::test]
async fn serve_waits_for_a_database_that_starts_later_and_survives_an_outage() {
    if pg_admin_url("serve_waits_for_a_database_that_starts_later_and_survives_an_outage").is_none()
    {
        return;
    }
    // A cluster of this test's own: stopping the shared one would break the other tests.
    let cluster = PgCluster::start().await.expect("own cluster");
    let db = PgDatabase::create(&cluster.admin_url)
        .await
        .expect("database");
    let key = master_key();
    let install = Install::new(
        &db.url,
        &key,
        &[
            ("GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT", "1"),
            ("GATEHOUSE_DATABASE_STARTUP_WAIT", "60"),
        ],
    );
    let access_key = alice_with_access_key(&install).await;
    let first = install.serve().await;
    let creds = Creds::issue(&install, access_key.clone()).await;
    first.stop().await.unwrap();

    // Startup: the server is down when serve starts and comes up a few seconds later.
    cluster.pause().await.unwrap();
    let starting = {
        let install = &install;
        async move { install.serve().await }
    };
    let (served, ()) = tokio::join!(starting, async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        cluster.resume().await.unwrap();
    });
    let http = reqwest::Client::new();
    let token = getchallenge(&http, &served, "alice").await;
    assert_eq!(
        login(&http, &served, "alice", &token, &access_key).await["success"],
        true
    );

    // Outage: every dialect answers its store-failure error within the timeout.
    cluster.pause().await.unwrap();
    let down_since = Instant::now();
    // A request touches the store a few times (lockout, verification, audit, operation),
    // but only its first call waits out database_acquire_timeout (1 s here): after it the
    // store knows the database is down and answers at once for a second. So every request
    // answers within one timeout, plus slack for the client's own start.
    let answered_within = Duration::from_secs(2);
    let started = Instant::now();
    let reply: Value = http
        .get(webservice(&served))
        .query(&[("operation", "getchallenge"), ("username", "alice")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        started.elapsed() < answered_within,
        "coreBOS took {:?}",
        started.elapsed()
    );
    assert_eq!(reply["error"]["code"], "DATABASE_QUERY_ERROR", "{reply}");

    // The other dialects, through their clients: each its own D9 answer.
    let expectations: &[(&[&str], &str)] = &[
        (
            &["chamilo", "WSGetUserFromUsername", "username=alice"],
            "Internal error (request ",
        ),
        (&["chamilo", "user_profile"], "Internal error (request "),
        (
            &["forma", "user/checkUsername", "userid=alice"],
            "internal error (request ",
        ),
        (&["wildix", "GET", "Colleagues/"], "503"),
    ];
    for (args, expected) in expectations {
        let started = Instant::now();
        let (code, stdout, stderr) = call(&served, &creds, args).await;
        assert!(
            started.elapsed() < answered_within,
            "{args:?} took {:?}",
            started.elapsed()
        );
        assert_ne!(
            code, 0,
            "{args:?} succeeded with the database down: {stdout}"
        );
        let said = format!("{stdout}{stderr}");
        assert!(
            said.contains(expected),
            "{args:?}: expected {expected:?} in {said}"
        );
    }

    let health = http
        .get(format!("{}/healthz", served.base_url))
        .send()
        .await
        .unwrap();
    assert_ne!(
        health.status(),
        200,
        "healthz says healthy while the database is down"
    );

    // Back after 10 s: the same instance serves again without a restart.
    let rest = Duration::from_secs(10).saturating_sub(down_since.elapsed());
    tokio::time::sleep(rest).await;
    cluster.resume().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply: Value = http
            .get(webservice(&served))
            .query(&[("operation", "getchallenge"), ("username", "alice")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if reply["success"] == true {
            let token = reply["result"]["token"].as_str().unwrap();
            let logged = login(&http, &served, "alice", token, &access_key).await;
            assert_eq!(logged["success"], true, "{logged}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still failing after PostgreSQL came back: {reply}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let health = http
        .get(format!("{}/healthz", served.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let logs = served.stop().await.unwrap();
    assert!(!logs.contains("panicked"), "{logs}");
    db.drop().await.unwrap();
    cluster.stop().await.unwrap();
}
