//! Crash safety: the server is killed with SIGKILL while 8 clients create users through
//! Chamilo SOAP, Chamilo REST, coreBOS, Forma and the admin command; after a restart on the
//! same data directory every acknowledged user exists exactly once and the database passes
//! SQLite's integrity check.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use gatehouse_client::{ChamiloRest, ChamiloSoap, Corebos, Forma, FormaAuth, SoapValue};
use gatehouse_testkit::{Sandbox, run_gatehouse};

use crate::support::{bin, write_config};

/// How a task creates users.
#[derive(Debug, Clone, Copy)]
enum Creator {
    SoapPasswordCrypted,
    SoapPlain,
    RestSaveUser,
    CorebosUsers,
    FormaCreate,
    AdminCommand,
}

const CREATORS: [Creator; 8] = [
    Creator::SoapPasswordCrypted,
    Creator::SoapPasswordCrypted,
    Creator::SoapPlain,
    Creator::RestSaveUser,
    Creator::CorebosUsers,
    Creator::FormaCreate,
    Creator::FormaCreate,
    Creator::AdminCommand,
];

struct Clients {
    soap: ChamiloSoap,
    rest: ChamiloRest,
    crm: Corebos,
    forma: Forma,
    config: std::path::PathBuf,
    cwd: std::path::PathBuf,
}

impl Clients {
    fn new(sandbox: &Sandbox, config: &Path, cwd: &Path) -> Self {
        let c = &sandbox.credentials;
        let s = |p: &str| c.pointer(p).and_then(|v| v.as_str()).unwrap().to_owned();
        Self {
            soap: ChamiloSoap::new(sandbox.url("/chamilo"), s("/chamilo/security_key")),
            rest: ChamiloRest::with_api_key(
                sandbox.url("/chamilo"),
                "admin",
                s("/chamilo/admin/api_key"),
            ),
            crm: Corebos::new(
                sandbox.url("/corebos"),
                s("/corebos/username"),
                s("/corebos/access_key"),
            ),
            forma: Forma::new(
                sandbox.url("/forma"),
                FormaAuth::Signature {
                    key: s("/forma/key"),
                    secret: s("/forma/secret"),
                },
            ),
            config: config.to_owned(),
            cwd: cwd.to_owned(),
        }
    }

    /// Creates `username`; `Ok(true)` only when the server acknowledged the creation.
    async fn create(&self, creator: Creator, username: &str) -> Result<bool, String> {
        let text = |v: &str| SoapValue::text(v);
        let email = format!("{username}@example.org");
        match creator {
            Creator::SoapPasswordCrypted | Creator::SoapPlain => {
                let (operation, password, extra) = match creator {
                    Creator::SoapPasswordCrypted => (
                        "WSCreateUserPasswordCrypted",
                        "8843d7f92416211de9ebb963ff4ce28125932878",
                        vec![("encrypt_method", text("sha1"))],
                    ),
                    _ => (
                        "WSCreateUser",
                        "a-plain-password",
                        vec![("active", text("1"))],
                    ),
                };
                let mut fields = vec![
                    ("firstname", text("Crash")),
                    ("lastname", text("Test")),
                    ("status", text("5")),
                    ("email", text(&email)),
                    ("loginname", text(username)),
                    ("password", text(password)),
                    ("original_user_id_name", text("crash_id")),
                    ("original_user_id_value", text(username)),
                    ("extra", SoapValue::Array(Vec::new())),
                ];
                fields.extend(extra);
                let result = self
                    .soap
                    .call(operation, SoapValue::record(fields))
                    .await
                    .map_err(|e| e.to_string())?;
                let id: i64 = result.as_str().trim().parse().unwrap_or(0);
                Ok(id > 0)
            }
            Creator::RestSaveUser => {
                let fields: Vec<(String, String)> = [
                    ("firstname", "Crash"),
                    ("lastname", "Test"),
                    ("status", "5"),
                    ("email", email.as_str()),
                    ("loginname", username),
                    ("password", "a-plain-password"),
                ]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
                let data = self
                    .rest
                    .action("save_user", &fields)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(data
                    .to_string()
                    .trim_matches(['[', ']'])
                    .parse::<i64>()
                    .is_ok_and(|id| id > 0))
            }
            Creator::CorebosUsers => {
                let mut record = gatehouse_client::Record::new();
                record.insert("user_name".into(), username.into());
                record.insert("last_name".into(), "Test".into());
                record.insert("email1".into(), email.into());
                let created = self
                    .crm
                    .create("Users", &record)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(created
                    .get("id")
                    .and_then(|v| v.as_str())
                    .is_some_and(|id| id.starts_with("19x")))
            }
            Creator::FormaCreate => {
                let fields = [
                    ("userid".to_owned(), username.to_owned()),
                    ("firstname".to_owned(), "Crash".to_owned()),
                    ("lastname".to_owned(), "Test".to_owned()),
                    ("email".to_owned(), email),
                ];
                let reply = self
                    .forma
                    .call("user/create", &fields)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(reply["success"] == true || reply["success"] == "true")
            }
            Creator::AdminCommand => {
                let config = self.config.to_str().unwrap();
                let (code, _, stderr) = run_gatehouse(
                    bin(),
                    &self.cwd,
                    &["admin", "--config", config, "user", "add", username],
                    &[],
                    None,
                )
                .await
                .map_err(|e| e.to_string())?;
                if code == 0 { Ok(true) } else { Err(stderr) }
            }
        }
    }
}

/// Every username in `admin --json user list`, with how often it appears.
async fn listed_users(config: &Path, cwd: &Path) -> BTreeMap<String, usize> {
    let (code, stdout, stderr) = run_gatehouse(
        bin(),
        cwd,
        &[
            "admin",
            "--config",
            config.to_str().unwrap(),
            "--json",
            "user",
            "list",
        ],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "admin user list failed: {stderr}");
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut counts = BTreeMap::new();
    for user in list.as_array().expect("a JSON array") {
        let name = user["username"]
            .as_str()
            .or_else(|| user["user"]["username"].as_str())
            .unwrap_or_else(|| panic!("no username in {user}"));
        *counts.entry(name.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn users_acknowledged_before_a_kill_9_exist_exactly_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(
        dir.path(),
        &format!("data_dir = {:?}\n", data.display().to_string()),
    );
    let data_arg = data.to_str().unwrap().to_owned();
    let mut sandbox = Sandbox::start_with(bin(), &["--data-dir", &data_arg], &[])
        .await
        .unwrap();
    let clients = Arc::new(Clients::new(&sandbox, &config, dir.path()));
    // Set just before the kill: an error from then on is the kill's, not a refusal.
    let killing = Arc::new(AtomicBool::new(false));
    let acked_so_far: Arc<Vec<AtomicUsize>> =
        Arc::new(CREATORS.iter().map(|_| AtomicUsize::new(0)).collect());

    let mut tasks = Vec::new();
    for (task, creator) in CREATORS.into_iter().enumerate() {
        let clients = clients.clone();
        let killing = killing.clone();
        let acked_so_far = acked_so_far.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut refusals = Vec::new();
            let mut n = 0;
            while !killing.load(Ordering::SeqCst) {
                let username = format!("crash{task}u{n}");
                n += 1;
                match clients.create(creator, &username).await {
                    Ok(true) => {
                        acknowledged.push(username);
                        acked_so_far[task].fetch_add(1, Ordering::SeqCst);
                    }
                    // The server is going or gone (or died mid-answer): not acknowledged.
                    _ if killing.load(Ordering::SeqCst) => break,
                    Ok(false) => refusals.push(username),
                    Err(e) => refusals.push(format!("{username}: {e}")),
                }
            }
            (creator, acknowledged, refusals)
        }));
    }

    // Let every client get going (a slow machine may take a while for the password
    // creators, which hash with Argon2id), then pull the plug mid-write.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while acked_so_far.iter().any(|n| n.load(Ordering::SeqCst) == 0)
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    killing.store(true, Ordering::SeqCst);
    sandbox.kill().await.unwrap();

    let mut acknowledged = Vec::new();
    for task in tasks {
        let (creator, acked, refusals) = task.await.unwrap();
        assert!(
            !acked.is_empty(),
            "{creator:?} acknowledged nothing before the kill; refusals: {refusals:?}"
        );
        // Usernames are fresh, so a refusal while the server ran is a bug in the test or server.
        assert!(
            refusals.len() <= 1,
            "{creator:?} refused creations while the server ran: {refusals:?}"
        );
        acknowledged.extend(acked);
    }

    let restarted = Sandbox::start_with(bin(), &["--data-dir", &data_arg], &[])
        .await
        .unwrap();
    let users = listed_users(&config, dir.path()).await;
    for username in &acknowledged {
        assert_eq!(
            users.get(username).copied(),
            Some(1),
            "acknowledged user {username} not there exactly once"
        );
    }
    println!(
        "{} creations acknowledged before the kill, {} users after restart",
        acknowledged.len(),
        users.len()
    );
    drop(restarted);

    let store = open_store(&data).await;
    store.integrity_check().await.unwrap();
}

async fn open_store(data: &Path) -> gatehouse_store::SqlStore {
    let (key, _) = gatehouse_store::MasterKey::load_or_create(&data.join("master.key")).unwrap();
    let options = gatehouse_store::StoreOptions {
        url: format!("sqlite://{}", data.join("db.sqlite").display()),
        ..gatehouse_store::StoreOptions::default()
    };
    gatehouse_store::SqlStore::connect(&options, key)
        .await
        .unwrap()
}
