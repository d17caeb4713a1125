//! Startup, migration, health and the benchmark helpers.

use gatehouse_domain::{
    Attributes, Courses, EnrolmentRole, Enrolments, EntityKind, Health, Page, PasswordHash, Users,
};
use gatehouse_store::{MasterKey, SqlStore, StoreError, StoreOptions};

use crate::support::{name, stores, unmigrated_stores, user};

/// The schema version of this build: 1 initial, 2 lockouts, 3 course sessions, 4 coreBOS,
/// 10 Forma, 20 PBX (numbers are reserved per issue, so they have gaps).
const LATEST_VERSION: i64 = 20;
/// How many migrations this build ships.
const MIGRATION_COUNT: usize = 6;

#[tokio::test]
async fn a_fresh_store_answers_pings_and_passes_its_integrity_check() {
    for t in stores().await {
        t.store.ping().await.unwrap();
        t.store.integrity_check().await.unwrap();
        assert_eq!(t.store.engine(), t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn migrating_twice_changes_nothing_and_keeps_the_data() {
    for t in stores().await {
        let s = &t.store;
        user(s, "kept").await;
        let again = s.migrate().await.unwrap();
        assert!(again.applied.is_empty(), "{}: {again:?}", t.label);
        assert_eq!(again.version, LATEST_VERSION, "{}", t.label);
        let other = t.reopen_with(t.key.clone()).await;
        assert!(
            other.migrate().await.unwrap().applied.is_empty(),
            "{}",
            t.label
        );
        assert!(
            other
                .user_by_username(&name("kept"))
                .await
                .unwrap()
                .is_some()
        );
        other.close().await;
        t.finish().await;
    }
}

#[tokio::test]
async fn seeding_creates_numbered_users_sharing_one_password_and_skips_existing_ones() {
    for t in stores().await {
        let s = &t.store;
        let hash = PasswordHash::legacy_sha1(&"c".repeat(40), None).unwrap();
        user(s, "Bench7").await;
        let created = s
            .seed_users("bench", 1_234, Some(hash.clone()))
            .await
            .unwrap();
        assert_eq!(created, 1_233, "{}", t.label);
        assert_eq!(s.count_users(None).await.unwrap(), 1_234, "{}", t.label);
        let last = s
            .user_by_username(&name("bench1234"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.password, Some(hash), "{}", t.label);
        assert!(last.active, "{}", t.label);
        assert_eq!(last.auth_source, "platform", "{}", t.label);
        assert_eq!(
            s.seed_users("bench", 1_234, None).await.unwrap(),
            0,
            "{}",
            t.label
        );
        assert_eq!(
            s.list_users(Page::all()).await.unwrap().len(),
            1_234,
            "{}",
            t.label
        );
        let err = s.seed_users(" bad", 1, None).await.unwrap_err();
        assert!(
            matches!(err, gatehouse_domain::DomainError::Invalid { .. }),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn an_unwritable_sqlite_path_is_reported_with_the_path_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"").unwrap();
    let url = format!("sqlite://{}/db.sqlite", blocker.display());
    let err = SqlStore::connect(&StoreOptions::with_url(&url), MasterKey::generate())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::SqliteOpen { .. }), "{text}");
    assert!(
        text.starts_with("database_url: cannot open sqlite file "),
        "{text}"
    );
    assert!(text.contains("not-a-dir/db.sqlite"), "{text}");
    assert!(
        text.ends_with("; set GATEHOUSE_DATABASE_URL or fix the path"),
        "{text}"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_reported_without_its_password() {
    // Port 1 on loopback: nothing listens there.
    let options = StoreOptions {
        url: "postgres://gh:hunter2@127.0.0.1:1/gh".into(),
        ..StoreOptions::default()
    };
    let err = SqlStore::connect(&options, MasterKey::generate())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text,
        "database_url: cannot connect to postgres://gh:***@127.0.0.1:1/gh (connection refused)"
    );
}

#[tokio::test]
async fn an_unknown_url_scheme_is_refused_before_connecting() {
    let err = SqlStore::connect(
        &StoreOptions::with_url("mysql://u:pw@h/db"),
        MasterKey::generate(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("database_url: mysql://u:***@h/db is not usable"),
        "{text}"
    );
}

#[tokio::test]
async fn an_in_memory_store_keeps_its_data_across_queries() {
    let store = SqlStore::connect(
        &StoreOptions::with_url("sqlite::memory:"),
        MasterKey::generate(),
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    user(&store, "mem").await;
    assert_eq!(store.count_users(None).await.unwrap(), 1);
    store.close().await;
}

#[tokio::test]
async fn the_sqlite_file_is_created_in_wal_mode_with_its_directory() {
    for t in stores().await {
        if let Some(path) = &t.sqlite_path {
            assert!(path.exists());
            let row = sqlx::query("PRAGMA journal_mode")
                .fetch_one(&sqlx::AnyPool::connect(&t.url).await.unwrap())
                .await
                .unwrap();
            let mode: String = sqlx::Row::get(&row, 0);
            assert_eq!(mode, "wal");
        }
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_succeed() {
    for t in stores().await {
        let mut tasks = Vec::new();
        for n in 0..40 {
            let s = t.store.clone();
            tasks.push(tokio::spawn(async move {
                let u = s
                    .create_user(gatehouse_domain::NewUser::new(name(&format!("w{n}"))))
                    .await?;
                let patch = gatehouse_domain::UserPatch {
                    email: Some(format!("w{n}@example.org")),
                    ..Default::default()
                };
                s.update_user(u.id, patch).await?;
                s.user(u.id).await
            }));
        }
        for task in tasks {
            let user = task.await.unwrap().unwrap().unwrap();
            assert!(user.email.ends_with("@example.org"), "{}", t.label);
        }
        assert_eq!(t.store.count_users(None).await.unwrap(), 40, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_closed_store_reports_itself_unavailable() {
    for t in stores().await {
        t.store.close().await;
        let err = t.store.ping().await.unwrap_err();
        assert!(
            matches!(err, gatehouse_domain::DomainError::Unavailable(_)),
            "{}: {err:?}",
            t.label
        );
        let err = t.store.count_users(None).await.unwrap_err();
        assert!(err.is_store_failure(), "{}: {err:?}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_read_only_database_refuses_writes_but_still_reads() {
    for t in stores().await {
        user(&t.store, "before").await;
        let read_only = t.read_only().await;
        let err = read_only
            .create_user(gatehouse_domain::NewUser::new(name("after")))
            .await
            .unwrap_err();
        assert!(
            matches!(err, gatehouse_domain::DomainError::WriteRefused(_)),
            "{}: {err:?}",
            t.label
        );
        assert_eq!(read_only.count_users(None).await.unwrap(), 1, "{}", t.label);
        read_only.close().await;
        t.finish().await;
    }
}

#[tokio::test]
async fn seeding_courses_enrolments_and_external_ids_links_the_seeded_users() {
    for t in stores().await {
        let s = &t.store;
        assert_eq!(
            s.seed_users("seed", 30, None).await.unwrap(),
            30,
            "{}",
            t.label
        );
        assert_eq!(s.seed_courses("SEED", 4).await.unwrap(), 4, "{}", t.label);
        assert_eq!(
            s.seed_enrolments("seed", 30, "SEED", 4, 100).await.unwrap(),
            100,
            "{}",
            t.label
        );
        assert_eq!(
            s.seed_external_ids("seed", 30, "seed_id").await.unwrap(),
            30,
            "{}",
            t.label
        );
        // Enrolment i: user i % 30 + 1 in course (i % 30 + i / 30) % 4 + 1, so user 1 (i = 0,
        // 30, 60, 90) is in all four courses and user 30 (i = 29, 59, 89) in three.
        let first = s.user_by_username(&name("seed1")).await.unwrap().unwrap();
        assert_eq!(
            s.user_enrolments(first.id).await.unwrap().len(),
            4,
            "{}",
            t.label
        );
        let last = s.user_by_username(&name("seed30")).await.unwrap().unwrap();
        let enrolments = s.user_enrolments(last.id).await.unwrap();
        assert_eq!(enrolments.len(), 3, "{}", t.label);
        assert!(enrolments.iter().all(|e| e.role == EnrolmentRole::Student));
        let course = s.course_by_code("SEED2").await.unwrap().unwrap();
        assert_eq!(course.title, "SEED2");
        assert_eq!(
            s.find_by_external_id(EntityKind::User, "seed_id", "seed30")
                .await
                .unwrap(),
            Some(last.id.0),
            "{}",
            t.label
        );
        // Seeding again adds nothing; more enrolments than pairs is refused.
        assert_eq!(s.seed_courses("SEED", 4).await.unwrap(), 0, "{}", t.label);
        assert_eq!(
            s.seed_enrolments("seed", 30, "SEED", 4, 100).await.unwrap(),
            0,
            "{}",
            t.label
        );
        assert_eq!(
            s.seed_external_ids("seed", 30, "seed_id").await.unwrap(),
            0,
            "{}",
            t.label
        );
        assert!(s.seed_enrolments("seed", 30, "SEED", 4, 121).await.is_err());
        t.finish().await;
    }
}

/// Run by hand: `cargo test -p gatehouse-store --release -- --ignored --nocapture seeding_a_million`.
#[tokio::test]
#[ignore = "takes seconds in release and minutes in debug; a benchmark aid, run by hand"]
async fn seeding_a_million_users_takes_seconds() {
    for t in stores().await {
        let hash = PasswordHash::legacy_sha1(&"d".repeat(40), None).unwrap();
        let started = std::time::Instant::now();
        let created = t
            .store
            .seed_users("m", 1_000_000, Some(hash))
            .await
            .unwrap();
        let elapsed = started.elapsed();
        assert_eq!(created, 1_000_000, "{}", t.label);
        println!("{}: seeded {created} users in {elapsed:.1?}", t.label);
        t.store.integrity_check().await.unwrap();
        t.finish().await;
    }
}

#[tokio::test]
async fn starting_with_another_master_key_is_refused_at_migration() {
    for t in stores().await {
        let other = t.reopen_with(MasterKey::generate()).await;
        let err = other.migrate().await.unwrap_err();
        assert!(
            matches!(err, StoreError::MasterKeyMismatch { .. }),
            "{}: {err}",
            t.label
        );
        assert!(
            err.to_string().starts_with("master key: not the key"),
            "{err}"
        );
        other.close().await;
        let same = t.reopen_with(t.key.clone()).await;
        same.migrate().await.unwrap();
        same.close().await;
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_migrating_one_database_at_once_all_succeed() {
    for t in unmigrated_stores().await {
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = t.reopen_with(t.key.clone()).await;
            tasks.push(tokio::spawn(async move {
                let result = store.migrate().await;
                store.close().await;
                result
            }));
        }
        let mut applied = 0;
        for task in tasks {
            let migrated = task.await.unwrap().unwrap();
            assert_eq!(migrated.version, LATEST_VERSION, "{}", t.label);
            applied += migrated.applied.len();
        }
        assert_eq!(
            applied, MIGRATION_COUNT,
            "{}: exactly one instance applies each migration",
            t.label
        );
        user(&t.store, "after").await;
        t.finish().await;
    }
}

#[tokio::test]
async fn a_database_that_stays_down_is_retried_for_the_connect_wait_then_reported() {
    let options = StoreOptions {
        url: "postgres://gh:pw@127.0.0.1:1/gh".into(),
        connect_wait: std::time::Duration::from_millis(1_200),
        ..StoreOptions::default()
    };
    let started = std::time::Instant::now();
    let err = SqlStore::connect(&options, MasterKey::generate())
        .await
        .unwrap_err();
    assert!(started.elapsed() >= std::time::Duration::from_millis(1_200));
    let text = err.to_string();
    assert!(
        text.contains(
            "(connection refused; gave up after retrying for 1 s (database_startup_wait))"
        ),
        "{err}"
    );
}

/// Set in the child process of the crash test: the SQLite URL to write to until it aborts.
const CRASH_CHILD_VAR: &str = "GATEHOUSE_STORE_CRASH_CHILD_URL";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_crash_of_the_process() {
    if let Ok(url) = std::env::var(CRASH_CHILD_VAR) {
        // The child: write, report each acknowledged write, and die mid-flight.
        let key = MasterKey::from_base64(&std::env::var("GATEHOUSE_MASTER_KEY").unwrap()).unwrap();
        let store = SqlStore::connect(&StoreOptions::with_url(url), key)
            .await
            .unwrap();
        let mut writers = Vec::new();
        for w in 0..4 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                for n in 0.. {
                    let username = format!("crash{w}x{n}");
                    store
                        .create_user(gatehouse_domain::NewUser::new(name(&username)))
                        .await
                        .unwrap();
                    println!("acked {username}");
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        std::process::abort();
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.sqlite").display());
    let key = MasterKey::generate();
    let store = SqlStore::connect(&StoreOptions::with_url(&url), key.clone())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store.close().await;

    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lifecycle::acknowledged_writes_survive_a_crash_of_the_process",
            "--nocapture",
        ])
        .env(CRASH_CHILD_VAR, &url)
        .env("GATEHOUSE_MASTER_KEY", key.to_base64())
        .output()
        .unwrap();
    assert!(!output.status.success(), "the child was meant to crash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let acked: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("acked "))
        .collect();
    assert!(
        acked.len() > 10,
        "too few writes before the crash: {}",
        acked.len()
    );

    let store = SqlStore::connect(&StoreOptions::with_url(&url), key)
        .await
        .unwrap();
    store.integrity_check().await.unwrap();
    for username in &acked {
        assert!(
            store
                .user_by_username(&name(username))
                .await
                .unwrap()
                .is_some(),
            "{username} was acknowledged but lost"
        );
    }
    let stored = store.count_users(None).await.unwrap();
    assert!(stored >= acked.len() as u64);
    println!(
        "{} acknowledged, {stored} stored after the crash",
        acked.len()
    );
    store.close().await;
}
