//! Storage faults: the disk under the database fills up while the server runs. Writes get
//! each dialect's store-failure answer (D9), reads keep working, nothing acknowledged is
//! lost, and once space returns writes work again without a restart.
//!
//! The server runs in a private mount namespace (`unshare --mount`) over a small tmpfs at
//! its data directory; the test fills and empties that tmpfs through `/proc/<pid>/root`.
//! This needs root (CI runs as uid 0) and fails, saying so, where it is not allowed.
//!
//! A read-only remount of the running server's filesystem is not simulated: Linux refuses
//! `mount -o remount,ro` (EBUSY) while a process holds files open for writing there, and
//! SQLite keeps the database and its WAL open read-write for the life of the pool. A disk
//! that becomes read-only underneath fails writes with the same store error path as a full one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use gatehouse_client::{ChamiloSoap, Error, Forma, FormaAuth, SoapValue};
use gatehouse_testkit::Sandbox;

use crate::support::bin;

/// The tmpfs's size: room for the demo store and its WAL, small enough to fill at once.
const TMPFS_SIZE: &str = "16m";

/// Starts `gatehouse sandbox` inside a new mount namespace with a tmpfs at `mount_point`.
async fn sandbox_on_tmpfs(dir: &Path, mount_point: &Path) -> Sandbox {
    let probe = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size=1m tmpfs {}",
            mount_point.display()
        ))
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "the storage-fault test needs `unshare --mount` and `mount -t tmpfs` (root, or \
             CAP_SYS_ADMIN); they failed here: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("the storage-fault test needs unshare (util-linux): {e}"),
    }
    let wrapper = dir.join("in-namespace.sh");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\n# gatehouse in a private mount namespace over a small tmpfs.\n\
         exec unshare --mount --propagation private -- sh -c \
         'mount -t tmpfs -o size=\"$FAULT_SIZE\" tmpfs \"$FAULT_MOUNT\" && exec \"$FAULT_BIN\" \"$@\"' sh \"$@\"\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&wrapper, perms).unwrap();
    let data = mount_point.join("data");
    Sandbox::start_with(
        &wrapper,
        &["--data-dir", data.to_str().unwrap()],
        &[
            ("FAULT_SIZE", TMPFS_SIZE),
            ("FAULT_MOUNT", mount_point.to_str().unwrap()),
            ("FAULT_BIN", bin().to_str().unwrap()),
        ],
    )
    .await
    .unwrap()
}

/// Fills the filesystem at `path` (as the server sees it) until it refuses another byte.
fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).unwrap();
    let mut written = 0u64;
    for chunk in [1 << 20, 4096, 1] {
        let bytes = vec![0u8; chunk];
        while file.write_all(&bytes).is_ok() {
            written += chunk as u64;
        }
    }
    let _ = file.sync_all();
    written
}

fn soap_create_fields(username: &str) -> SoapValue {
    let text = SoapValue::text;
    SoapValue::record([
        ("firstname", text("Full")),
        ("lastname", text("Disk")),
        ("status", text("5")),
        ("email", text(&format!("{username}@example.org"))),
        ("loginname", text(username)),
        ("password", text("8843d7f92416211de9ebb963ff4ce28125932878")),
        ("encrypt_method", text("sha1")),
        ("original_user_id_name", text("fault_id")),
        ("original_user_id_value", text(username)),
        ("extra", SoapValue::Array(Vec::new())),
    ])
}

/// Creates a user through Forma; `Ok(true)` acknowledged, `Err` the error's text.
async fn forma_create(forma: &Forma, username: &str) -> Result<bool, String> {
    let fields = [
        ("userid".to_owned(), username.to_owned()),
        ("firstname".to_owned(), "Full".to_owned()),
        ("lastname".to_owned(), "Disk".to_owned()),
        ("email".to_owned(), format!("{username}@example.org")),
    ];
    match forma.call("user/create", &fields).await {
        Ok(reply) => Ok(reply["success"] == true || reply["success"] == "true"),
        Err(Error::Forma { message }) => Err(message.unwrap_or_default()),
        Err(e) => Err(e.to_string()),
    }
}

async fn exists(forma: &Forma, soap: &ChamiloSoap, username: &str) -> bool {
    let forma_sees = forma
        .call("user/checkUsername", &[("userid".into(), username.into())])
        .await
        .is_ok_and(|v| v.to_string().contains("idst"));
    let soap_sees = soap.get_user_from_username(username).await.is_ok();
    assert_eq!(
        forma_sees, soap_sees,
        "{username}: Forma and Chamilo disagree"
    );
    forma_sees
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_each_dialects_error_and_recovers_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mount_point = dir.path().join("mnt");
    std::fs::create_dir(&mount_point).unwrap();
    let sandbox = sandbox_on_tmpfs(dir.path(), &mount_point).await;
    let pid = sandbox.pid().unwrap();
    let c = &sandbox.credentials;
    let s = |p: &str| c.pointer(p).and_then(|v| v.as_str()).unwrap().to_owned();
    let soap = ChamiloSoap::new(sandbox.url("/chamilo"), s("/chamilo/security_key"));
    let forma = Forma::new(
        sandbox.url("/forma"),
        FormaAuth::Signature {
            key: s("/forma/key"),
            secret: s("/forma/secret"),
        },
    );

    // Before: writes acknowledged.
    let mut acknowledged = Vec::new();
    for n in 0..5 {
        let name = format!("before{n}");
        assert_eq!(forma_create(&forma, &name).await, Ok(true), "{name}");
        acknowledged.push(name);
    }

    // The disk fills up (seen from inside the server's namespace).
    let filler: PathBuf = PathBuf::from(format!("/proc/{pid}/root"))
        .join(mount_point.strip_prefix("/").unwrap())
        .join("filler");
    let filled = fill(&filler);
    assert!(filled > 0, "nothing could be written to the tmpfs");

    // Writes: some are refused with the dialect's store-failure answer, never acknowledged
    // and lost. SQLite may still fit a few commits into pages its WAL already holds.
    let mut forma_refusal = None;
    for n in 0..300 {
        let name = format!("full{n}");
        match forma_create(&forma, &name).await {
            Ok(true) => acknowledged.push(name),
            Ok(false) => panic!("{name}: refused without an error"),
            Err(message) => {
                forma_refusal = Some(message);
                break;
            }
        }
    }
    let forma_refusal = forma_refusal.expect("300 creations on a full disk all acknowledged");
    assert!(
        forma_refusal.starts_with("Error: internal error (request "),
        "Forma's answer to a full disk: {forma_refusal:?}"
    );
    let soap_refusal = soap
        .call(
            "WSCreateUserPasswordCrypted",
            soap_create_fields("fullsoap"),
        )
        .await;
    match soap_refusal {
        Err(Error::ChamiloFault { code, message }) => {
            assert!(code.ends_with("Server"), "{code}");
            assert!(message.starts_with("Internal error (request "), "{message}");
        }
        other => panic!("Chamilo SOAP's answer to a full disk: {other:?}"),
    }

    // Reads keep working, and everything acknowledged is there.
    assert!(crate::support::healthy(&sandbox.base_url).await);
    for name in &acknowledged {
        assert!(
            exists(&forma, &soap, name).await,
            "{name} lost on a full disk"
        );
    }

    // Space returns: writes work again, no restart.
    std::fs::remove_file(&filler).unwrap();
    let mut last = Err(String::new());
    for n in 0..20 {
        let name = format!("after{n}");
        last = forma_create(&forma, &name).await;
        if last == Ok(true) {
            acknowledged.push(name);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        last,
        Ok(true),
        "writes still refused after space returned; server log: {}",
        sandbox.stderr()
    );
    let soap_after = soap
        .call(
            "WSCreateUserPasswordCrypted",
            soap_create_fields("aftersoap"),
        )
        .await
        .unwrap();
    assert!(
        soap_after.as_str().parse::<i64>().is_ok_and(|id| id > 0),
        "{soap_after:?}"
    );
    acknowledged.push("aftersoap".into());
    for name in &acknowledged {
        assert!(
            exists(&forma, &soap, name).await,
            "{name} lost after recovery"
        );
    }
    assert!(
        !sandbox.stderr().contains("panicked"),
        "{}",
        sandbox.stderr()
    );
}
