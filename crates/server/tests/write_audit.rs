//! Every write of every dialect is one audit event (issue #8): dialect, scheme, operation,
//! principal, resolved IP, outcome, reason and request id. Each case performs one write
//! through the wire and reads the newest event by time, which is the write's (the
//! authentication decision happened before it).

use gatehouse_domain::{AuditQuery, Outcome, StoredAuditEvent};
use gatehouse_testkit::TestApp;

use crate::chamilo_rest::support as rest;
use crate::chamilo_soap::support as soap;
use crate::corebos_support::Crm;
use crate::forma_support::Lms;
use crate::wildix_support as wildix;

/// What a case expects of its write's event.
struct Expected {
    dialect: &'static str,
    scheme: &'static str,
    operation: &'static str,
    principal: Option<&'static str>,
    outcome: Outcome,
    reason: &'static str,
}

async fn newest(app: &TestApp) -> StoredAuditEvent {
    app.audit_events(AuditQuery {
        limit: 1,
        ..AuditQuery::default()
    })
    .await
    .expect("audit readable")
    .remove(0)
}

async fn check(app: &TestApp, expected: Expected, network: bool) {
    let got = newest(app).await;
    let e = &got.event;
    let label = format!("{} {}: {e:?}", expected.dialect, expected.operation);
    assert_eq!(e.dialect, expected.dialect, "{label}");
    assert_eq!(e.scheme, expected.scheme, "{label}");
    assert_eq!(e.operation, expected.operation, "{label}");
    assert_eq!(e.principal.as_deref(), expected.principal, "{label}");
    assert_eq!(e.outcome, expected.outcome, "{label}");
    assert_eq!(e.reason, expected.reason, "{label}");
    assert!(
        e.request_id.as_deref().is_some_and(|id| !id.is_empty()),
        "{label}"
    );
    if network {
        assert_eq!(e.ip, Some("127.0.0.1".parse().unwrap()), "{label}");
    } else {
        assert!(e.ip.is_some(), "{label}");
    }
}

#[tokio::test]
async fn chamilo_soap_writes_are_audited() {
    let app = TestApp::new().await;
    soap::create_active_user(&app, "ada", "hr-1").await;
    let ok = Expected {
        dialect: "chamilo-soap",
        scheme: "soap_key",
        operation: "WSCreateUsers",
        principal: None,
        outcome: Outcome::Success,
        reason: "ok",
    };
    check(&app, ok, true).await;
    soap::create_course(&app, "Rust", "sis-1").await;
    let course = Expected {
        dialect: "chamilo-soap",
        scheme: "soap_key",
        operation: "WSCreateCourse",
        principal: None,
        outcome: Outcome::Success,
        reason: "ok",
    };
    check(&app, course, true).await;
    // A read is not a write: the only newer event is its authentication decision. (Newer
    // by time: a batched success may be stored after a later write, so ids do not order.)
    let before = newest(&app).await.event.at;
    soap::call(&app, "WSGetUser", "GetUser", &soap::user_ref("hr-1")).await;
    let events = app.audit_events(AuditQuery::default()).await.unwrap();
    let after: Vec<_> = events.iter().filter(|e| e.event.at > before).collect();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].event.operation, "WSGetUser");
}

#[tokio::test]
async fn chamilo_rest_writes_are_audited_with_their_outcome() {
    let app = TestApp::new().await;
    let key = rest::admin(&app).await;
    let fields = [
        ("firstname", "Jo"),
        ("lastname", "March"),
        ("status", "5"),
        ("email", "jo@example.test"),
        ("loginname", "jo"),
        ("password", "pw-jo"),
    ];
    rest::call(&app, "admin", &key, "save_user", &fields).await;
    let ok = Expected {
        dialect: "chamilo-rest",
        scheme: "api_key",
        operation: "save_user",
        principal: Some("admin"),
        outcome: Outcome::Success,
        reason: "ok",
    };
    check(&app, ok, true).await;
    // The same login again is refused: a failed write, with the refusal's label.
    let again = rest::call(&app, "admin", &key, "save_user", &fields).await;
    assert!(again.body.contains("\"error\":true"), "{}", again.body);
    let refused = Expected {
        dialect: "chamilo-rest",
        scheme: "api_key",
        operation: "save_user",
        principal: Some("admin"),
        outcome: Outcome::Failure,
        reason: "bad_request",
    };
    check(&app, refused, true).await;
}

#[tokio::test]
async fn corebos_writes_and_logout_are_audited() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let element = r#"{"firstname":"Ada","lastname":"Lovelace","email":"ada@example.test"}"#;
    let (text, _) = crm
        .post(&[
            ("operation", "create"),
            ("sessionName", &sid),
            ("elementType", "Contacts"),
            ("element", element),
        ])
        .await;
    assert!(text.contains("\"success\":true"), "{text}");
    let created = Expected {
        dialect: "corebos",
        scheme: "session",
        operation: "create",
        principal: Some("admin"),
        outcome: Outcome::Success,
        reason: "ok",
    };
    check(&crm.app, created, true).await;
    crm.post(&[
        ("operation", "delete"),
        ("sessionName", &sid),
        ("id", "12x999999"),
    ])
    .await;
    let missing = newest(&crm.app).await.event;
    assert_eq!(
        (missing.operation.as_str(), missing.outcome),
        ("delete", Outcome::Failure),
        "{missing:?}"
    );
    crm.post(&[("operation", "logout"), ("sessionName", &sid)])
        .await;
    let logout = Expected {
        dialect: "corebos",
        scheme: "session",
        operation: "logout",
        principal: Some("admin"),
        outcome: Outcome::Success,
        reason: "ok",
    };
    check(&crm.app, logout, true).await;
}

#[tokio::test]
async fn forma_writes_are_audited() {
    let lms = Lms::new().await;
    lms.create("jdoe").await;
    let created = Expected {
        dialect: "forma",
        scheme: "signature",
        operation: "user/create",
        principal: None,
        outcome: Outcome::Success,
        reason: "ok",
    };
    check(&lms.app, created, true).await;
    let body = "userid=jdoe&firstname=Jo&lastname=Doe";
    lms.json("/api/user/create", body).await;
    let again = newest(&lms.app).await.event;
    assert_eq!(again.operation, "user/create");
    assert_eq!(again.outcome, Outcome::Failure, "{again:?}");
}

#[tokio::test]
async fn wildix_writes_are_audited() {
    let app = wildix::app().await;
    let t = wildix::now();
    let r = wildix::root(&app, t);
    let body = "channel=Local%2F1001%40users&context=users&exten=1002&async=true&timeout=30000";
    let answer = wildix::call(&r, "POST", "/api/v1/Originate", body, t).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let got = newest(&app).await.event;
    assert_eq!(
        (
            got.dialect.as_str(),
            got.operation.as_str(),
            got.outcome,
            got.reason.as_str()
        ),
        ("wildix", "Originate", Outcome::Success, "ok"),
        "{got:?}"
    );
    assert_eq!(got.scheme, "jwt");
    assert!(got.request_id.is_some());
    let missing = wildix::call(&r, "DELETE", "/api/v1/Sounds/nothing-here", "", t).await;
    assert_eq!(missing.status, 404, "{}", missing.json);
    let got = newest(&app).await.event;
    assert_eq!(
        (got.operation.as_str(), got.outcome, got.reason.as_str()),
        ("Sounds.delete", Outcome::Failure, "not_found"),
        "{got:?}"
    );
}
