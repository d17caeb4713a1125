//! Course and subscription actions through the wire.

use gatehouse_testkit::TestApp;

use super::support::{NOT_ALLOWED, Options, admin, api_key, call, user};

#[tokio::test]
async fn save_course_prefixes_the_campus_and_answers_chamilos_object() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let reply = call(
        &app,
        "admin",
        &key,
        "save_course",
        &[
            ("title", "Biology"),
            ("wanted_code", "bio"),
            ("extra_room", "B12"),
        ],
    )
    .await;
    let id = reply.data()["id"].as_i64().unwrap();
    assert_eq!(
        reply.body,
        format!(
            r#"{{"error":false,"data":{{"status":true,"id":{id},"code_course":"CAMPUS_1_BIO","title_course":"Biology","extra_fields":{{"room":"B12"}},"message":"Course CAMPUS_1_BIO added"}}}}"#
        )
    );
    let plain = call(
        &app,
        "admin",
        &key,
        "save_course",
        &[
            ("title", "Bio 2"),
            ("wanted_code", "bio"),
            ("remove_campus_id_from_wanted_code", "1"),
        ],
    )
    .await;
    assert_eq!(plain.data()["code_course"], "BIO");
    let twice = call(
        &app,
        "admin",
        &key,
        "save_course",
        &[
            ("title", "Bio 3"),
            ("wanted_code", "bio"),
            ("remove_campus_id_from_wanted_code", "1"),
        ],
    )
    .await;
    assert_eq!(twice.data()["code_course"], "BIO1");
    let untitled = call(&app, "admin", &key, "save_course", &[]).await;
    assert_eq!(untitled.data()["status"], false);
}

#[tokio::test]
async fn get_courses_lists_live_courses_and_delete_course_hides_them() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let made = call(
        &app,
        "admin",
        &key,
        "save_course",
        &[("title", "Chem"), ("wanted_code", "CH")],
    )
    .await;
    let code = made.data()["code_course"].as_str().unwrap().to_owned();
    let list = call(&app, "admin", &key, "get_courses", &[]).await;
    assert_eq!(list.data()[0]["code"], code.as_str());
    assert_eq!(list.data()[0]["visibility"], 2);
    let deleted = call(
        &app,
        "admin",
        &key,
        "delete_course",
        &[("course_code", &code)],
    )
    .await;
    assert_eq!(deleted.body, r#"{"error":false,"data":{"status":true}}"#);
    let list = call(&app, "admin", &key, "get_courses", &[]).await;
    assert_eq!(list.body, r#"{"error":false,"data":[]}"#);
    let again = call(
        &app,
        "admin",
        &key,
        "delete_course",
        &[("course_code", &code)],
    )
    .await;
    assert_eq!(
        again.body,
        r#"{"error":true,"message":"Course doesn't exists"}"#
    );
}

#[tokio::test]
async fn subscriptions_show_in_the_course_roster_and_the_users_courses() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let ann = user(&app, "ann", "pw", Options::default()).await;
    let carol = user(&app, "carol", "pw", Options::default()).await;
    let made = call(
        &app,
        "admin",
        &key,
        "save_course",
        &[
            ("title", "Art"),
            ("wanted_code", "ART"),
            ("remove_campus_id_from_wanted_code", "1"),
        ],
    )
    .await;
    let course_id = made.data()["id"].as_i64().unwrap().to_string();
    let (ann_id, carol_id) = (ann.id.0.to_string(), carol.id.0.to_string());
    let sub = call(
        &app,
        "admin",
        &key,
        "subscribe_user_to_course",
        &[("course_code", "ART"), ("user_id", &ann_id)],
    )
    .await;
    assert_eq!(sub.body, r#"{"error":false,"data":[true]}"#);
    let teacher = call(
        &app,
        "admin",
        &key,
        "subscribe_user_to_course",
        &[
            ("course_id", &course_id),
            ("user_id", &carol_id),
            ("status", "1"),
        ],
    )
    .await;
    assert_eq!(teacher.body, r#"{"error":false,"data":[true]}"#);
    let missing = call(
        &app,
        "admin",
        &key,
        "subscribe_user_to_course",
        &[("course_code", "NOPE"), ("user_id", &ann_id)],
    )
    .await;
    assert_eq!(missing.body, r#"{"error":false,"data":[false]}"#);
    let roster = call(
        &app,
        "admin",
        &key,
        "get_users_subscribed_to_course",
        &[("course", &course_id)],
    )
    .await;
    assert_eq!(
        roster.body,
        format!(
            r#"{{"error":false,"data":[{{"user_id":{ann_id},"username":"ann","firstname":"First","lastname":"Last","status_rel":5}},{{"user_id":{carol_id},"username":"carol","firstname":"First","lastname":"Last","status_rel":1}}]}}"#
        )
    );
    let ann_key = api_key(&app, "ann", "pw").await;
    let mine = call(&app, "ann", &ann_key, "user_courses", &[]).await;
    let host = app.base_url.trim_start_matches("http://");
    assert_eq!(
        mine.body,
        format!(
            r#"{{"error":false,"data":[{{"id":{course_id},"title":"Art","code":"ART","directory":"ART","urlPicture":"http:\/\/{host}\/chamilo\/main\/img\/session_default.png","teachers":"First Last","isSpecial":false,"url":"http:\/\/{host}\/chamilo\/courses\/ART\/index.php?id_session=0"}}]}}"#
        )
    );
    let others = call(
        &app,
        "ann",
        &ann_key,
        "user_courses",
        &[("user_id", &carol_id)],
    )
    .await;
    assert_eq!(others.body, NOT_ALLOWED);
    let unsub = call(
        &app,
        "admin",
        &key,
        "unsubscribe_user_from_course",
        &[("course_code", "ART"), ("user_id", &ann_id)],
    )
    .await;
    assert_eq!(unsub.body, r#"{"error":false,"data":[true]}"#);
    let again = call(
        &app,
        "admin",
        &key,
        "unsubscribe_user_from_course",
        &[("course_code", "ART"), ("user_id", &ann_id)],
    )
    .await;
    assert_eq!(again.body, r#"{"error":false,"data":[false]}"#);
}

#[tokio::test]
async fn users_may_subscribe_themselves_but_not_others() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let ann = user(&app, "ann", "pw", Options::default()).await;
    let bob = user(&app, "bob", "pw", Options::default()).await;
    call(
        &app,
        "admin",
        &key,
        "save_course",
        &[
            ("title", "Open"),
            ("wanted_code", "OPEN"),
            ("remove_campus_id_from_wanted_code", "1"),
        ],
    )
    .await;
    let ann_key = api_key(&app, "ann", "pw").await;
    let own = call(
        &app,
        "ann",
        &ann_key,
        "subscribe_user_to_course",
        &[("course_code", "OPEN"), ("user_id", &ann.id.0.to_string())],
    )
    .await;
    assert_eq!(own.body, r#"{"error":false,"data":[true]}"#);
    let other = call(
        &app,
        "ann",
        &ann_key,
        "subscribe_user_to_course",
        &[("course_code", "OPEN"), ("user_id", &bob.id.0.to_string())],
    )
    .await;
    assert_eq!(other.body, NOT_ALLOWED);
}
