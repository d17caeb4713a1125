//! Session actions through the wire.

use gatehouse_domain::CourseSessionId;
use gatehouse_testkit::TestApp;

use super::support::{NOT_ALLOWED, Options, admin, api_key, call, form, post_to, user};

#[tokio::test]
async fn save_session_creates_a_session_that_get_sessions_lists() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let coach = user(&app, "coach", "pw", Options::default()).await;
    let reply = call(
        &app,
        "admin",
        &key,
        "save_session",
        &[
            ("name", "Spring"),
            ("coach_username", &coach.id.0.to_string()),
            ("access_start_date", "2026-03-01 08:00"),
            ("access_end_date", "2026-06-30 18:00:00"),
            ("description", "Cohort A"),
        ],
    )
    .await;
    let id = reply.data()["id_session"].as_i64().unwrap();
    assert_eq!(
        reply.body,
        format!(
            r#"{{"error":false,"data":{{"status":true,"message":"A new session has been created","id_session":{id}}}}}"#
        )
    );
    let session = app
        .store()
        .session(CourseSessionId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.coach, Some(coach.id));
    let list = call(&app, "admin", &key, "get_sessions", &[]).await;
    assert_eq!(
        list.body,
        format!(
            r#"{{"error":false,"data":[{{"id":{id},"name":"Spring","access_start_date":"2026-03-01 08:00:00","access_end_date":"2026-06-30 18:00:00"}}]}}"#
        )
    );
    let taken = call(&app, "admin", &key, "save_session", &[("name", "Spring")]).await;
    assert_eq!(
        taken.body,
        r#"{"error":false,"data":{"status":false,"message":"An error occurred."}}"#
    );
    let backwards = call(
        &app,
        "admin",
        &key,
        "save_session",
        &[
            ("name", "Back"),
            ("access_start_date", "2026-06-01"),
            ("access_end_date", "2026-01-01"),
        ],
    )
    .await;
    assert_eq!(backwards.data()["status"], false);
}

#[tokio::test]
async fn courses_and_users_join_and_leave_a_session() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let ann = user(&app, "ann", "pw", Options::default()).await;
    let bob = user(&app, "bob", "pw", Options::default()).await;
    let made = call(&app, "admin", &key, "save_session", &[("name", "S1")]).await;
    let id = made.data()["id_session"].as_i64().unwrap().to_string();
    let course = call(
        &app,
        "admin",
        &key,
        "save_course",
        &[("title", "Geo"), ("wanted_code", "GEO")],
    )
    .await;
    let course_id = course.data()["id"].as_i64().unwrap().to_string();
    let courses = post_to(
        &app,
        "",
        form(&[
            ("action", "add_courses_session"),
            ("username", "admin"),
            ("api_key", &key),
            ("id_session", &id),
        ]) + &format!("&list_courses%5B%5D={course_id}"),
    )
    .await;
    assert_eq!(
        courses.body,
        r#"{"error":false,"data":{"status":true,"message":"Update successful"}}"#
    );
    let users = post_to(
        &app,
        "",
        form(&[
            ("action", "add_users_session"),
            ("username", "admin"),
            ("api_key", &key),
            ("id_session", &id),
        ]) + &format!("&list_users[]={}&list_users[]={}", ann.id, bob.id),
    )
    .await;
    assert_eq!(
        users.body,
        r#"{"error":false,"data":{"status":true,"message":"Users added"}}"#
    );
    let session = CourseSessionId(id.parse().unwrap());
    assert_eq!(
        app.store().session_users(session).await.unwrap(),
        vec![ann.id, bob.id]
    );
    assert_eq!(app.store().session_courses(session).await.unwrap().len(), 1);
    let out = post_to(
        &app,
        "",
        form(&[
            ("action", "unsubscribe_users_from_session"),
            ("username", "admin"),
            ("api_key", &key),
            ("id_session", &id),
        ]) + &format!("&list_users[]={}", ann.id),
    )
    .await;
    assert_eq!(
        out.body,
        r#"{"error":false,"data":{"status":true,"message":"User is now unsubscribed"}}"#
    );
    assert_eq!(
        app.store().session_users(session).await.unwrap(),
        vec![bob.id]
    );
    let missing = call(
        &app,
        "admin",
        &key,
        "unsubscribe_users_from_session",
        &[("id_session", "999")],
    )
    .await;
    assert_eq!(
        missing.body,
        r#"{"error":true,"message":"The session could not be found"}"#
    );
}

#[tokio::test]
async fn a_user_may_add_only_themself_to_a_session() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let ann = user(&app, "ann", "pw", Options::default()).await;
    let bob = user(&app, "bob", "pw", Options::default()).await;
    let made = call(&app, "admin", &key, "save_session", &[("name", "Self")]).await;
    let id = made.data()["id_session"].as_i64().unwrap().to_string();
    let ann_key = api_key(&app, "ann", "pw").await;
    let own = call(
        &app,
        "ann",
        &ann_key,
        "add_users_session",
        &[("id_session", &id), ("list_users[]", &ann.id.0.to_string())],
    )
    .await;
    assert_eq!(own.data()["status"], true, "{}", own.body);
    let others = call(
        &app,
        "ann",
        &ann_key,
        "add_users_session",
        &[("id_session", &id), ("list_users[]", &bob.id.0.to_string())],
    )
    .await;
    assert_eq!(others.body, NOT_ALLOWED);
}
