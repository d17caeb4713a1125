//! The Audit port.

use std::net::IpAddr;

use gatehouse_domain::{Audit, AuditEvent, AuditQuery, Outcome};

use crate::support::{at, stores};

fn event(seconds: i64, principal: Option<&str>, outcome: Outcome) -> AuditEvent {
    AuditEvent {
        at: at(seconds),
        request_id: Some(format!("req-{seconds}")),
        dialect: "corebos".into(),
        scheme: "challenge".into(),
        operation: "login".into(),
        principal: principal.map(str::to_owned),
        ip: Some("203.0.113.7".parse::<IpAddr>().unwrap()),
        outcome,
        reason: if outcome == Outcome::Success {
            "ok"
        } else {
            "mismatch"
        }
        .into(),
    }
}

#[tokio::test]
async fn recorded_events_read_back_newest_first_with_increasing_ids() {
    for t in stores().await {
        let s = &t.store;
        s.record(event(100, Some("alice"), Outcome::Success))
            .await
            .unwrap();
        s.record(event(300, Some("bob"), Outcome::Failure))
            .await
            .unwrap();
        let mut anonymous = event(200, None, Outcome::RateLimited);
        anonymous.ip = Some("2001:db8::1".parse().unwrap());
        anonymous.request_id = None;
        s.record(anonymous.clone()).await.unwrap();
        let events = s.audit_events(AuditQuery::default()).await.unwrap();
        let times: Vec<i64> = events.iter().map(|e| e.event.at.timestamp()).collect();
        assert_eq!(times, [300, 200, 100], "{}", t.label);
        assert_eq!(events[1].event, anonymous, "{}", t.label);
        assert_eq!(
            events[0].event,
            event(300, Some("bob"), Outcome::Failure),
            "{}",
            t.label
        );
        let mut ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        ids.sort();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{}", t.label);
        assert!(
            events[2].id < events[1].id,
            "{}: ids follow recording order",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn audit_queries_filter_by_time_principal_outcome_and_limit() {
    for t in stores().await {
        let s = &t.store;
        for (seconds, who, outcome) in [
            (10, "Alice", Outcome::Success),
            (20, "alice", Outcome::Failure),
            (30, "bob", Outcome::Failure),
            (40, "ALICE", Outcome::LockedOut),
            (50, "carol", Outcome::Success),
        ] {
            s.record(event(seconds, Some(who), outcome)).await.unwrap();
        }
        let times = |events: Vec<gatehouse_domain::StoredAuditEvent>| {
            events
                .iter()
                .map(|e| e.event.at.timestamp())
                .collect::<Vec<_>>()
        };
        let since = AuditQuery {
            since: Some(at(30)),
            ..AuditQuery::default()
        };
        assert_eq!(
            times(s.audit_events(since).await.unwrap()),
            [50, 40, 30],
            "{}",
            t.label
        );
        let alice = AuditQuery {
            principal: Some("aLiCe".into()),
            ..AuditQuery::default()
        };
        assert_eq!(
            times(s.audit_events(alice).await.unwrap()),
            [40, 20, 10],
            "{}",
            t.label
        );
        let failures = AuditQuery {
            outcome: Some(Outcome::Failure),
            ..AuditQuery::default()
        };
        assert_eq!(
            times(s.audit_events(failures).await.unwrap()),
            [30, 20],
            "{}",
            t.label
        );
        let newest_two = AuditQuery {
            limit: 2,
            ..AuditQuery::default()
        };
        assert_eq!(
            times(s.audit_events(newest_two).await.unwrap()),
            [50, 40],
            "{}",
            t.label
        );
        let combined = AuditQuery {
            since: Some(at(15)),
            principal: Some("ALICE".into()),
            outcome: Some(Outcome::Failure),
            limit: 10,
        };
        assert_eq!(
            times(s.audit_events(combined).await.unwrap()),
            [20],
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn purging_removes_only_events_older_than_the_cut() {
    for t in stores().await {
        let s = &t.store;
        for seconds in [10, 20, 30] {
            s.record(event(seconds, Some("x"), Outcome::Success))
                .await
                .unwrap();
        }
        assert_eq!(s.purge_audit(at(20)).await.unwrap(), 1, "{}", t.label);
        assert_eq!(s.purge_audit(at(20)).await.unwrap(), 0, "{}", t.label);
        let left: Vec<i64> = s
            .audit_events(AuditQuery::default())
            .await
            .unwrap()
            .iter()
            .map(|e| e.event.at.timestamp())
            .collect();
        assert_eq!(left, [30, 20], "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn purging_a_backlog_larger_than_one_batch_removes_all_of_it() {
    let backlog = gatehouse_store::PURGE_BATCH * 2 + 7;
    for t in stores().await {
        let s = &t.store;
        for seconds in 0..backlog {
            s.record(event(seconds, Some("x"), Outcome::Success))
                .await
                .unwrap();
        }
        s.record(event(backlog + 100, Some("x"), Outcome::Success))
            .await
            .unwrap();
        assert_eq!(
            s.purge_audit(at(backlog)).await.unwrap(),
            backlog as u64,
            "{}",
            t.label
        );
        let left = s.audit_events(AuditQuery::default()).await.unwrap();
        assert_eq!(left.len(), 1, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_batch_longer_than_one_insert_is_stored_whole_and_in_order() {
    for t in stores().await {
        let s = &t.store;
        s.record_batch(Vec::new()).await.unwrap();
        let count = gatehouse_store::AUDIT_INSERT_ROWS + 44;
        let batch: Vec<AuditEvent> = (0..count as i64)
            .map(|i| {
                let mut e = event(1_000 + i, Some(&format!("User{i}")), Outcome::Success);
                if i % 3 == 0 {
                    e.principal = None;
                    e.ip = None;
                    e.request_id = None;
                }
                e
            })
            .collect();
        s.record_batch(batch.clone()).await.unwrap();
        let mut events = s.audit_events(AuditQuery::default()).await.unwrap();
        events.reverse();
        assert_eq!(events.len(), count, "{}", t.label);
        let stored: Vec<AuditEvent> = events.iter().map(|e| e.event.clone()).collect();
        assert_eq!(stored, batch, "{}", t.label);
        assert!(
            events.windows(2).all(|w| w[0].id < w[1].id),
            "{}: ids follow the batch's order",
            t.label
        );
        let alice = s
            .audit_events(AuditQuery {
                principal: Some("user7".into()),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(
            alice.len(),
            1,
            "{}: the folded principal is stored",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn batches_of_every_small_length_are_stored_whole_and_in_order() {
    // 1, 2, 4, ... are one statement without a transaction; 3, 5, ... several in one.
    for t in stores().await {
        let s = &t.store;
        let mut expected = Vec::new();
        for length in 1..=9_i64 {
            let batch: Vec<AuditEvent> = (0..length)
                .map(|i| event(100 * length + i, Some("writer"), Outcome::Success))
                .collect();
            s.record_batch(batch.clone()).await.unwrap();
            expected.extend(batch);
        }
        let mut events = s.audit_events(AuditQuery::default()).await.unwrap();
        events.reverse();
        let stored: Vec<AuditEvent> = events.into_iter().map(|e| e.event).collect();
        assert_eq!(stored, expected, "{}", t.label);
        t.finish().await;
    }
}
