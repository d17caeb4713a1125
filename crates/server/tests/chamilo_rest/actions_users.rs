//! User and API-key actions through the wire.

use gatehouse_domain::{EntityKind, PasswordHash, Username};
use gatehouse_server::config::Config;
use gatehouse_testkit::TestApp;

use super::support::{NOT_ALLOWED, Options, admin, api_key, call, post_to, user};

#[tokio::test]
async fn username_exist_answers_a_one_element_array() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let yes = call(
        &app,
        "admin",
        &key,
        "username_exist",
        &[("loginname", "ADMIN")],
    )
    .await;
    assert_eq!(yes.body, r#"{"error":false,"data":[true]}"#);
    let no = call(
        &app,
        "admin",
        &key,
        "username_exist",
        &[("loginname", "zed")],
    )
    .await;
    assert_eq!(no.body, r#"{"error":false,"data":[false]}"#);
}

#[tokio::test]
async fn save_user_creates_an_active_user_with_original_id_and_extras_who_can_sign_in() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let body = super::support::form(&[
        ("action", "save_user"),
        ("username", "admin"),
        ("api_key", &key),
        ("firstname", "Jo"),
        ("lastname", "March"),
        ("status", "1"),
        ("email", "jo@example.test"),
        ("loginname", "jo"),
        ("password", "pw-jo"),
        ("original_user_id_name", "hr_id"),
        ("original_user_id_value", "H-7"),
    ]) + "&extra%5B0%5D%5Bfield_name%5D=age&extra%5B0%5D%5Bfield_value%5D=29";
    let reply = post_to(&app, "", body).await;
    let id = reply.data()[0].as_i64().unwrap();
    assert_eq!(reply.body, format!(r#"{{"error":false,"data":[{id}]}}"#));
    let jo = app
        .store()
        .user_by_username(&Username::parse("jo").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(jo.active);
    assert_eq!(jo.role, gatehouse_domain::PlatformRole::Teacher);
    assert!(matches!(jo.password, Some(PasswordHash::Argon2(_))));
    assert_eq!(
        app.store()
            .find_by_external_id(EntityKind::User, "hr_id", "H-7")
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(api_key(&app, "jo", "pw-jo").await.len(), 32);
    let again = call(
        &app,
        "admin",
        &key,
        "save_user",
        &[("loginname", "JO"), ("password", "x")],
    )
    .await;
    assert_eq!(
        again.body,
        r#"{"error":true,"message":"This login is not available"}"#
    );
    let no_password = call(&app, "admin", &key, "save_user", &[("loginname", "np")]).await;
    assert_eq!(
        no_password.body,
        r#"{"error":true,"message":"User not registered."}"#
    );
}

#[tokio::test]
async fn save_user_json_reads_a_json_object_and_answers_no_data_without_one() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let json = r#"{"loginname":"jj","password":"pw","firstname":"J","lastname":"J","status":5}"#;
    let reply = call(&app, "admin", &key, "save_user_json", &[("json", json)]).await;
    assert!(reply.data()[0].as_i64().is_some(), "{}", reply.body);
    let missing = call(&app, "admin", &key, "save_user_json", &[]).await;
    assert_eq!(
        missing.body,
        r#"{"error":true,"message":"No data available"}"#
    );
}

#[tokio::test]
async fn save_user_get_apikey_answers_the_key_authenticate_will_return() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let reply = call(
        &app,
        "admin",
        &key,
        "save_user_get_apikey",
        &[("loginname", "kit"), ("password", "pw-kit")],
    )
    .await;
    let data = reply.data();
    let id = data["id"].as_i64().unwrap();
    let new_key = data["api_key"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.body,
        format!(r#"{{"error":false,"data":{{"id":{id},"api_key":"{new_key}"}}}}"#)
    );
    assert_eq!(api_key(&app, "kit", "pw-kit").await, new_key);
}

#[tokio::test]
async fn update_user_from_username_patches_and_refuses_unsupported_keys_whole() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    user(&app, "ann", "pw", Options::default()).await;
    let ok = call(
        &app,
        "admin",
        &key,
        "update_user_from_username",
        &[
            ("loginname", "ann"),
            ("email", "ann@new.test"),
            ("language", "french"),
        ],
    )
    .await;
    assert_eq!(ok.body, r#"{"error":false,"data":[true]}"#);
    let ann = app
        .store()
        .user_by_username(&Username::parse("ann").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ann.email.as_str(), ann.language.as_str()),
        ("ann@new.test", "french")
    );
    let refused = call(
        &app,
        "admin",
        &key,
        "update_user_from_username",
        &[
            ("loginname", "ann"),
            ("email", "x@y.z"),
            ("password", "new"),
        ],
    )
    .await;
    assert_eq!(
        refused.body,
        r#"{"error":true,"message":"Unsupported update 'password'"}"#
    );
    let unknown = call(
        &app,
        "admin",
        &key,
        "update_user_from_username",
        &[("loginname", "zz")],
    )
    .await;
    assert_eq!(unknown.body, r#"{"error":true,"message":"User not found"}"#);
    let absent = call(&app, "admin", &key, "update_user_from_username", &[]).await;
    assert_eq!(
        absent.body,
        r#"{"error":true,"message":"No data available"}"#
    );
}

#[tokio::test]
async fn users_may_update_themselves_but_not_others_nor_their_own_status() {
    let app = TestApp::new().await;
    user(&app, "ann", "pw", Options::default()).await;
    user(&app, "bob", "pw", Options::default()).await;
    let key = api_key(&app, "ann", "pw").await;
    let own = call(
        &app,
        "ann",
        &key,
        "update_user_from_username",
        &[("loginname", "ann"), ("phone", "555")],
    )
    .await;
    assert_eq!(own.body, r#"{"error":false,"data":[true]}"#);
    let other = call(
        &app,
        "ann",
        &key,
        "update_user_from_username",
        &[("loginname", "bob"), ("phone", "1")],
    )
    .await;
    assert_eq!(other.body, NOT_ALLOWED);
    let status = call(
        &app,
        "ann",
        &key,
        "update_user_from_username",
        &[("loginname", "ann"), ("active", "1")],
    )
    .await;
    assert_eq!(status.body, NOT_ALLOWED);
}

#[tokio::test]
async fn delete_user_answers_a_status_object() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    let ann = user(&app, "ann", "pw", Options::default()).await;
    let id = ann.id.0.to_string();
    let reply = call(&app, "admin", &key, "delete_user", &[("user_id", &id)]).await;
    assert_eq!(reply.body, r#"{"error":false,"data":{"status":true}}"#);
    let again = call(&app, "admin", &key, "delete_user", &[("user_id", &id)]).await;
    assert_eq!(again.body, r#"{"error":false,"data":{"status":false}}"#);
}

#[tokio::test]
async fn user_profile_describes_the_caller_with_their_extra_values() {
    let app = TestApp::new().await;
    let ann = user(&app, "ann", "pw", Options::default()).await;
    let key = api_key(&app, "ann", "pw").await;
    let reply = call(&app, "ann", &key, "user_profile", &[]).await;
    let host = app.base_url.trim_start_matches("http://");
    assert_eq!(
        reply.body,
        format!(
            r#"{{"error":false,"data":{{"pictureUri":"http:\/\/{host}\/chamilo\/main\/img\/icons\/128\/unknown.png","id":{},"status":5,"fullName":"First Last","username":"ann","officialCode":"","phone":"","extra":[]}}}}"#,
            ann.id
        )
    );
}

#[tokio::test]
async fn get_users_filters_by_status_and_adds_asked_extra_fields() {
    let app = TestApp::new().await;
    let key = admin(&app).await;
    user(&app, "ann", "pw", Options::default()).await;
    let all = call(&app, "admin", &key, "get_users", &[("status", "*")]).await;
    assert_eq!(all.data().as_array().unwrap().len(), 2);
    let students = call(
        &app,
        "admin",
        &key,
        "get_users",
        &[("status", "5"), ("extra_fields", "age")],
    )
    .await;
    let rows = students.data();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{}", students.body);
    assert!(
        students
            .body
            .contains(r#""username":"ann","active":1,"age":null"#),
        "{}",
        students.body
    );
}

#[tokio::test]
async fn the_key_actions_show_rotate_and_list_keys_for_administrators() {
    let config = Config {
        chamilo: gatehouse_server::config::ChamiloConfig {
            webservice_enable_adminonly_api: true,
            ..Default::default()
        },
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let key = admin(&app).await;
    let ann = user(&app, "ann", "pw", Options::default()).await;
    let none = call(&app, "admin", &key, "get_user_api_key", &[("user", "ann")]).await;
    assert_eq!(
        none.body,
        format!(
            r#"{{"error":false,"data":{{"id":{},"username":"ann","api_key":null}}}}"#,
            ann.id
        )
    );
    let forced = call(
        &app,
        "admin",
        &key,
        "get_user_api_key",
        &[("user", "ann"), ("force", "1")],
    )
    .await;
    let ann_key = forced.data()["api_key"].as_str().unwrap().to_owned();
    assert_eq!(api_key(&app, "ann", "pw").await, ann_key);
    let list = call(
        &app,
        "admin",
        &key,
        "get_users_api_keys",
        &[("per_page", "1")],
    )
    .await;
    let data = list.data();
    assert_eq!(
        (data["total"].as_i64(), data["length"].as_i64()),
        (Some(2), Some(1))
    );
    assert!(
        data["next"].as_str().unwrap().contains("page=2"),
        "{}",
        list.body
    );
    let id = ann.id.0.to_string();
    let wrong = call(
        &app,
        "ann",
        &ann_key,
        "update_user_apikey",
        &[("user_id", &id), ("current_api_key", "x")],
    )
    .await;
    assert_eq!(wrong.body, NOT_ALLOWED);
    let rotated = call(
        &app,
        "ann",
        &ann_key,
        "update_user_apikey",
        &[("user_id", &id), ("current_api_key", &ann_key)],
    )
    .await;
    let new_key = rotated.data()["api_key"].as_str().unwrap().to_owned();
    assert_ne!(new_key, ann_key);
    assert_eq!(api_key(&app, "ann", "pw").await, new_key);
    let old = call(&app, "ann", &ann_key, "user_profile", &[]).await;
    assert_eq!(old.body, r#"{"error":true,"message":"Invalid API key"}"#);
}
