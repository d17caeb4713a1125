//! The Lockouts port.

use chrono::Duration;
use gatehouse_domain::{LockoutPolicy, LockoutSubject, Lockouts};

use crate::support::{at, stores};

#[tokio::test]
async fn failures_are_counted_until_the_threshold_locks_the_subject() {
    for t in stores().await {
        let s = &t.store;
        let subject = LockoutSubject::username("Alice");
        let policy = LockoutPolicy::production();
        assert!(s.lockout(&subject).await.unwrap().is_none(), "{}", t.label);
        for _ in 0..9 {
            s.record_failure(&subject, &policy, at(0)).await.unwrap();
        }
        let before = s.lockout(&subject).await.unwrap().unwrap();
        assert_eq!(before.failures, 9, "{}", t.label);
        assert!(!before.is_locked(at(0)));
        let locked = s.record_failure(&subject, &policy, at(1)).await.unwrap();
        assert_eq!(locked.locked_until, Some(at(61)), "{}", t.label);
        assert_eq!(s.lockout(&subject).await.unwrap().unwrap(), locked);
        // The same name in another case shares the record.
        let other_case = s.lockout(&LockoutSubject::username("ALICE")).await.unwrap();
        assert_eq!(other_case, Some(locked.clone()), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn concurrent_failures_are_all_counted() {
    for t in stores().await {
        let subject = LockoutSubject::Ip("198.51.100.7".parse().unwrap());
        let policy = LockoutPolicy {
            threshold: 1000,
            ..LockoutPolicy::production()
        };
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let store = t.store.clone();
            let subject = subject.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .record_failure(&subject, &policy, at(5))
                    .await
                    .unwrap();
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let state = t.store.lockout(&subject).await.unwrap().unwrap();
        assert_eq!(state.failures, 20, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn lockouts_are_listed_newest_first_and_cleared() {
    for t in stores().await {
        let s = &t.store;
        let policy = LockoutPolicy::sandbox();
        let bob = LockoutSubject::username("bob");
        let ip = LockoutSubject::Ip("2001:db8::5".parse().unwrap());
        s.record_failure(&bob, &policy, at(0)).await.unwrap();
        s.record_failure(&ip, &policy, at(0) + Duration::seconds(3))
            .await
            .unwrap();
        let listed: Vec<LockoutSubject> = s
            .list_lockouts()
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.subject)
            .collect();
        assert_eq!(listed, [ip.clone(), bob.clone()], "{}", t.label);
        assert!(s.clear_lockout(&bob).await.unwrap());
        assert!(!s.clear_lockout(&bob).await.unwrap());
        assert!(s.lockout(&bob).await.unwrap().is_none(), "{}", t.label);
        t.finish().await;
    }
}
