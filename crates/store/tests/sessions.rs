//! The Sessions port: challenges and sessions.

use chrono::{Duration, Utc};
use gatehouse_domain::{Secret, SessionKind, SessionLimits, Sessions, UserPatch, Users};

use crate::support::{stores, user};

fn limits_at(now: chrono::DateTime<Utc>, idle: i64, lifetime: i64) -> SessionLimits {
    SessionLimits {
        idle_since: now - Duration::seconds(idle),
        created_since: now - Duration::seconds(lifetime),
    }
}

#[tokio::test]
async fn several_challenges_stay_live_and_each_is_consumed_once() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let now = Utc::now();
        let a = s
            .issue_challenge(ann.id, "aaaaaaaaaaaaa", now, now + Duration::seconds(300))
            .await
            .unwrap();
        let b = s
            .issue_challenge(ann.id, "bbbbbbbbbbbbb", now, now + Duration::seconds(300))
            .await
            .unwrap();
        let live = s.live_challenges(ann.id, now).await.unwrap();
        assert_eq!(
            live.iter().map(|c| c.token.as_str()).collect::<Vec<_>>(),
            ["bbbbbbbbbbbbb", "aaaaaaaaaaaaa"],
            "{}",
            t.label
        );
        assert!(s.consume_challenge(a.id, now).await.unwrap(), "{}", t.label);
        assert!(
            !s.consume_challenge(a.id, now).await.unwrap(),
            "{}",
            t.label
        );
        let live = s.live_challenges(ann.id, now).await.unwrap();
        assert_eq!(live, vec![b.clone()], "{}", t.label);
        // Expired: neither live nor consumable.
        let later = now + Duration::seconds(301);
        assert!(
            s.live_challenges(ann.id, later).await.unwrap().is_empty(),
            "{}",
            t.label
        );
        assert!(
            !s.consume_challenge(b.id, later).await.unwrap(),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn sessions_resume_within_their_limits_and_close_for_good() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let now = Utc::now();
        let sid = Secret::new("session-id-0123456789abcdef");
        s.open_session(SessionKind::Webservice, &sid, ann.id, now)
            .await
            .unwrap();
        let resumed = s
            .resume_session(SessionKind::Webservice, &sid, limits_at(now, 60, 3600), now)
            .await
            .unwrap()
            .expect("live");
        assert_eq!(resumed.user, ann.id, "{}", t.label);
        // Another kind does not see it.
        assert!(
            s.resume_session(SessionKind::Web, &sid, limits_at(now, 60, 3600), now)
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        assert!(
            s.close_session(SessionKind::Webservice, &sid)
                .await
                .unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.close_session(SessionKind::Webservice, &sid)
                .await
                .unwrap(),
            "{}",
            t.label
        );
        assert!(
            s.resume_session(SessionKind::Webservice, &sid, limits_at(now, 60, 3600), now)
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn idle_or_too_old_sessions_are_dead_and_stay_dead() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let start = Utc::now();
        let idle = Secret::new("idle-session");
        let old = Secret::new("old-session");
        s.open_session(SessionKind::Webservice, &idle, ann.id, start)
            .await
            .unwrap();
        s.open_session(SessionKind::Webservice, &old, ann.id, start)
            .await
            .unwrap();
        let later = start + Duration::seconds(100);
        // Idle limit 60 s: dead.
        assert!(
            s.resume_session(
                SessionKind::Webservice,
                &idle,
                limits_at(later, 60, 3600),
                later
            )
            .await
            .unwrap()
            .is_none(),
            "{}",
            t.label
        );
        assert!(
            s.resume_session(
                SessionKind::Webservice,
                &idle,
                limits_at(later, 600, 3600),
                later
            )
            .await
            .unwrap()
            .is_none(),
            "{} deleted",
            t.label
        );
        // Lifetime 50 s: dead however recently used.
        assert!(
            s.resume_session(
                SessionKind::Webservice,
                &old,
                limits_at(later, 600, 50),
                later
            )
            .await
            .unwrap()
            .is_none(),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_user_keeps_at_most_the_newest_outstanding_challenges() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let now = Utc::now();
        let extra = 4;
        for i in 0..gatehouse_domain::MAX_OUTSTANDING_CHALLENGES + extra {
            s.issue_challenge(
                ann.id,
                &format!("{i:013x}"),
                now,
                now + Duration::seconds(300),
            )
            .await
            .unwrap();
        }
        let live = s.live_challenges(ann.id, now).await.unwrap();
        assert_eq!(
            live.len() as i64,
            gatehouse_domain::MAX_OUTSTANDING_CHALLENGES,
            "{}",
            t.label
        );
        assert!(
            live.iter().all(|c| c.token != format!("{:013x}", 0)),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn purging_drops_dead_sessions_and_expired_challenges_only() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let start = Utc::now();
        let dead = Secret::new("dead-session");
        s.open_session(SessionKind::Webservice, &dead, ann.id, start)
            .await
            .unwrap();
        s.issue_challenge(
            ann.id,
            "0000000000001",
            start,
            start + Duration::seconds(10),
        )
        .await
        .unwrap();
        let later = start + Duration::seconds(100);
        let live = Secret::new("live-session");
        s.open_session(SessionKind::Webservice, &live, ann.id, later)
            .await
            .unwrap();
        let web = Secret::new("web-session");
        s.open_session(SessionKind::Web, &web, ann.id, start)
            .await
            .unwrap();
        let purged = s
            .purge_expired(SessionKind::Webservice, limits_at(later, 60, 3600), later)
            .await
            .unwrap();
        assert_eq!(purged, 2, "{}", t.label);
        assert!(
            s.resume_session(
                SessionKind::Webservice,
                &live,
                limits_at(later, 60, 3600),
                later
            )
            .await
            .unwrap()
            .is_some(),
            "{}",
            t.label
        );
        assert!(
            s.resume_session(SessionKind::Web, &web, limits_at(later, 600, 3600), later)
                .await
                .unwrap()
                .is_some(),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn uses_within_the_touch_interval_write_nothing_and_idle_expiry_still_ends_a_session() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        // Whole seconds: the store keeps microseconds.
        let start = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
        let sid = Secret::new("touch-session");
        s.open_session(SessionKind::Webservice, &sid, ann.id, start)
            .await
            .unwrap();
        let resume = |at: chrono::DateTime<Utc>| {
            s.resume_session(SessionKind::Webservice, &sid, limits_at(at, 60, 3600), at)
        };
        // Within the interval (the smaller of 1 s and idle/100 = 0.6 s): the stored mark stays.
        let soon = start + Duration::milliseconds(500);
        let session = resume(soon).await.unwrap().expect("live");
        assert_eq!(session.last_seen_at, start, "{}: no write", t.label);
        assert_eq!(
            resume(soon).await.unwrap().unwrap().last_seen_at,
            start,
            "{}: still no write",
            t.label
        );
        // Past the interval: marked.
        let later = start + Duration::seconds(30);
        assert_eq!(
            resume(later).await.unwrap().unwrap().last_seen_at,
            later,
            "{}: marked",
            t.label
        );
        // Sliding: alive 59 s after the last mark, dead 60 s after it, and gone for good.
        let within = later + Duration::seconds(59);
        assert!(resume(within).await.unwrap().is_some(), "{}", t.label);
        let idle = within + Duration::seconds(61);
        assert!(resume(idle).await.unwrap().is_none(), "{}", t.label);
        assert!(
            s.resume_session(
                SessionKind::Webservice,
                &sid,
                limits_at(idle, 6000, 36000),
                idle
            )
            .await
            .unwrap()
            .is_none(),
            "{}: deleted",
            t.label
        );
    }
}

#[tokio::test]
async fn a_session_resumes_with_its_user_as_stored_now() {
    for t in stores().await {
        let s = &t.store;
        let ann = user(s, "ann").await;
        let start = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
        let sid = Secret::new("joined-session");
        s.open_session(SessionKind::Webservice, &sid, ann.id, start)
            .await
            .unwrap();
        let resume = |at: chrono::DateTime<Utc>| {
            s.resume_session_with_user(SessionKind::Webservice, &sid, limits_at(at, 60, 3600), at)
        };
        let soon = start + Duration::milliseconds(500);
        let (session, found) = resume(soon).await.unwrap().expect("live");
        assert_eq!(session.user, ann.id, "{}", t.label);
        assert_eq!(session.kind, SessionKind::Webservice, "{}", t.label);
        assert_eq!(session.created_at, start, "{}", t.label);
        assert_eq!(session.last_seen_at, start, "{}: no write", t.label);
        assert_eq!(Some(found), s.user(ann.id).await.unwrap(), "{}", t.label);
        assert_eq!(
            s.resume_session(
                SessionKind::Webservice,
                &sid,
                limits_at(soon, 60, 3600),
                soon
            )
            .await
            .unwrap(),
            Some(session),
            "{}: the same session as without its user",
            t.label
        );
        // A change to the user shows at once: nothing is kept between calls.
        let patch = UserPatch {
            first_name: Some("Ann-Marie".into()),
            ..UserPatch::default()
        };
        s.update_user(ann.id, patch).await.unwrap();
        let later = start + Duration::seconds(30);
        let (session, found) = resume(later).await.unwrap().expect("live");
        assert_eq!(found.first_name, "Ann-Marie", "{}", t.label);
        assert_eq!(session.last_seen_at, later, "{}: marked", t.label);
        // Another kind does not see it.
        assert!(
            s.resume_session_with_user(SessionKind::Web, &sid, limits_at(later, 60, 3600), later)
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        // Idle: dead, and gone for good.
        let idle = later + Duration::seconds(61);
        assert!(resume(idle).await.unwrap().is_none(), "{}", t.label);
        assert!(
            s.resume_session(
                SessionKind::Webservice,
                &sid,
                limits_at(idle, 6000, 36000),
                idle
            )
            .await
            .unwrap()
            .is_none(),
            "{}: deleted",
            t.label
        );
        // Closed, or its user deleted: no session.
        let closed = Secret::new("closed-session");
        s.open_session(SessionKind::Web, &closed, ann.id, idle)
            .await
            .unwrap();
        let web = |secret| web_session_user(s, secret, idle);
        assert!(web(&closed).await.unwrap().is_some(), "{}", t.label);
        s.close_session(SessionKind::Web, &closed).await.unwrap();
        assert!(web(&closed).await.unwrap().is_none(), "{}", t.label);
        let bob = user(s, "bob").await;
        let bobs = Secret::new("bobs-session");
        s.open_session(SessionKind::Web, &bobs, bob.id, idle)
            .await
            .unwrap();
        assert_eq!(
            web(&bobs).await.unwrap().map(|(_, u)| u.id),
            Some(bob.id),
            "{}",
            t.label
        );
        s.delete_user(bob.id).await.unwrap();
        assert!(web(&bobs).await.unwrap().is_none(), "{}", t.label);
        t.finish().await;
    }
}

/// Resumes a browser session with its user at `at` under a 60 s idle limit.
async fn web_session_user(
    s: &gatehouse_store::SqlStore,
    secret: &Secret,
    at: chrono::DateTime<Utc>,
) -> gatehouse_domain::DomainResult<Option<(gatehouse_domain::Session, gatehouse_domain::User)>> {
    s.resume_session_with_user(SessionKind::Web, secret, limits_at(at, 60, 3600), at)
        .await
}
