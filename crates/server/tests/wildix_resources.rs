//! The Wildix resources through signed requests, and HTTP Basic with a user's password.

use base64::Engine;
use gatehouse_domain::{NewCallRecord, NewUser, Username};
use serde_json::json;

use crate::wildix_support::*;

const QUEUES: &str = "/api/v1/PBX/settings/CallQueues/";
const JSON: (&str, &str) = ("Content-Type", "application/json");

#[tokio::test]
async fn a_queue_is_created_listed_shown_and_given_and_rid_of_a_dynamic_member() {
    let app = app().await;
    let t = now();
    let r = root(&app, t);
    let created = call(
        &r,
        "POST",
        QUEUES,
        "name=Sales&description=Front+desk&members%5B%5D=1001",
        t,
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.json);
    let id = created.json["result"]["id"].as_i64().unwrap();
    assert_eq!(
        created.json["result"]["members"][0]["stateInterface"],
        "1001"
    );

    let list = call(&r, "GET", QUEUES, "", t).await;
    assert_eq!(list.json["result"]["total"], 1);
    assert_eq!(list.json["result"]["records"][0]["name"], "Sales");

    let members = format!("{QUEUES}{id}/members/dynamic/");
    let added = call(&r, "POST", &members, "member=1002", t).await;
    assert_eq!(added.status, 200, "{}", added.json);
    assert_eq!(
        added.json["result"]["members"][1],
        json!({"member":"1002","stateInterface":"1002","dynamic":true})
    );

    let removed = call(&r, "DELETE", &format!("{members}1002"), "", t).await;
    assert_eq!(removed.status, 200, "{}", removed.json);
    assert_eq!(
        removed.json["result"]["members"].as_array().unwrap().len(),
        1
    );
    let again = call(&r, "DELETE", &format!("{members}1002"), "", t).await;
    assert_eq!(again.status, 404);

    let missing = call(&r, "GET", &format!("{QUEUES}999/"), "", t).await;
    assert_eq!(missing.json, json!({"type":"error","reason":"Not found"}));
}

#[tokio::test]
async fn creating_a_queue_without_a_name_is_400_naming_the_field() {
    let app = app().await;
    let t = now();
    let answer = call(&root(&app, t), "POST", QUEUES, "description=x", t).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.reason(), "name: is required");
}

async fn seed_calls(app: &gatehouse_testkit::TestApp) {
    for (day, src, dst) in [
        (1, "1001", "1002"),
        (2, "1002", "1003"),
        (5, "1003", "1001"),
    ] {
        let start = chrono::NaiveDate::from_ymd_opt(2023, 11, day)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap()
            .and_utc();
        app.store()
            .record_call(NewCallRecord {
                start,
                end: start + chrono::Duration::seconds(42),
                src: src.into(),
                dst: dst.into(),
                billsec: 40,
                disposition: "ANSWERED".into(),
                channel: format!("SIP/{src}"),
                context: "users".into(),
                callerid: String::new(),
                originated: false,
            })
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn call_history_filters_by_start_selects_fields_and_pages() {
    let app = app().await;
    seed_calls(&app).await;
    let t = now();
    let r = root(&app, t);
    let target = "/api/v1/PBX/CallHistory/?fields=id%2Cstart%2Csrc%2Cduration&filter%5Bstart%5D%5Bfrom%5D=01%2F11%2F2023+00%3A00&filter%5Bstart%5D%5Bto%5D=02%2F11%2F2023+23%3A59&count=1&start=0";
    let answer = call(&r, "GET", target, "", t).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let result = &answer.json["result"];
    assert_eq!(result["total"], 2);
    assert_eq!(result["count"], 1);
    assert_eq!(
        result["records"][0],
        json!({"id": 2, "start": "2023-11-02 10:00:00", "src": "1002", "duration": 42})
    );
    let page2 = call(&r, "GET", &target.replace("start=0", "start=1"), "", t).await;
    assert_eq!(page2.json["result"]["records"][0]["src"], "1001");

    let per_user = call(&r, "GET", "/api/v1/User/1003/CallHistory/", "", t).await;
    assert_eq!(per_user.json["result"]["total"], 2);

    let bad = call(
        &r,
        "GET",
        "/api/v1/PBX/CallHistory/?filter%5Bstart%5D%5Bfrom%5D=2023-11-01",
        "",
        t,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.reason().starts_with("filter[start][from]"),
        "{}",
        bad.reason()
    );
}

#[tokio::test]
async fn the_own_call_history_is_the_applications_users_extension() {
    let app = app().await;
    seed_calls(&app).await;
    let owner = app
        .store()
        .user_by_username(&Username::parse("acme").unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store()
        .set_extension(owner.id, Some("1002"))
        .await
        .unwrap();
    let t = now();
    let answer = call(&root(&app, t), "GET", "/api/v1/CallHistory/", "", t).await;
    assert_eq!(answer.json["result"]["total"], 2, "{}", answer.json);
}

#[tokio::test]
async fn an_originated_call_appears_in_the_call_history() {
    let app = app().await;
    let t = now();
    let r = root(&app, t);
    let body = "channel=Local%2F1001%40users&context=users&exten=1002&async=true&timeout=30000";
    let answer = call(&r, "POST", "/api/v1/Originate", body, t).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let history = call(&r, "GET", "/api/v1/PBX/CallHistory/", "", t).await;
    let record = &history.json["result"]["records"][0];
    assert_eq!(record["src"], "1001");
    assert_eq!(record["dst"], "1002");
    assert_eq!(record["disposition"], "ORIGINATED");
    assert_eq!(record["originated"], true);
}

#[tokio::test]
async fn originate_without_a_channel_is_400_naming_channel() {
    let app = app().await;
    let t = now();
    let answer = call(&root(&app, t), "POST", "/api/v1/Originate", "exten=1002", t).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json,
        json!({"type":"error","reason":"channel: is required"})
    );
}

#[tokio::test]
async fn sounds_are_created_from_a_json_body_listed_by_directory_and_deleted() {
    let app = app().await;
    let t = now();
    let r = root(&app, t);
    let body =
        r#"{"directory":"custom","filename":"welcome","text":"Hello","voice":"en-US-Female"}"#;
    let created = call_with(&r, "POST", "/api/v1/Sounds/", &[JSON], body, t).await;
    assert_eq!(created.status, 200, "{}", created.json);
    assert_eq!(created.json["result"]["audio"], false);
    call(
        &r,
        "POST",
        "/api/v1/Sounds/",
        "directory=moh&filename=jazz&text=x",
        t,
    )
    .await;

    let custom = call(&r, "GET", "/api/v1/Sounds/?directory=custom", "", t).await;
    assert_eq!(custom.json["result"]["total"], 1);
    assert_eq!(custom.json["result"]["records"][0]["name"], "welcome");

    let deleted = call(&r, "DELETE", "/api/v1/Sounds/welcome", "", t).await;
    assert_eq!(deleted.status, 200, "{}", deleted.json);
    assert_eq!(
        call(&r, "DELETE", "/api/v1/Sounds/welcome", "", t)
            .await
            .status,
        404
    );

    let unsafe_name = call(&r, "POST", "/api/v1/Sounds/", "directory=..&filename=x", t).await;
    assert_eq!(unsafe_name.status, 400);
    let option_like = call(
        &r,
        "POST",
        "/api/v1/Sounds/",
        "directory=a&filename=x&text=-w+%2Ftmp%2Fx",
        t,
    )
    .await;
    assert_eq!(option_like.status, 400);
    assert!(
        option_like.reason().starts_with("text"),
        "{}",
        option_like.reason()
    );
}

#[tokio::test]
async fn a_configured_tts_command_renders_the_audio_file() {
    let mut config = gatehouse_server::config::Config::default();
    // A stand-in engine that only creates {out}; Debian's would be `espeak-ng -w {out} {text}`.
    config.wildix.tts_command = "touch {out}".into();
    let app = app_with(config).await;
    let t = now();
    let r = root(&app, t);
    let created = call(
        &r,
        "POST",
        "/api/v1/Sounds/",
        "directory=custom&filename=hi&text=Hi",
        t,
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.json);
    assert_eq!(created.json["result"]["audio"], true);
    let file = created.json["result"]["file"].as_str().unwrap();
    assert!(app.state.config.data_dir.join(file).exists());
}

#[tokio::test]
async fn colleagues_lists_every_directory_user_with_an_extension() {
    let app = app().await;
    let mut new = NewUser::new(Username::parse("maria").unwrap());
    new.first_name = "Maria".into();
    new.last_name = "Rossi".into();
    // As Chamilo, Forma or coreBOS would create her: through the Directory port.
    let maria = app.store().create_user(new).await.unwrap();
    app.store()
        .set_extension(maria.id, Some("2001"))
        .await
        .unwrap();
    let t = now();
    let answer = call(&root(&app, t), "GET", "/api/v1/Colleagues/", "", t).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let records = answer.json["result"]["records"].as_array().unwrap().clone();
    let m = records.iter().find(|r| r["login"] == "maria").unwrap();
    assert_eq!(m["extension"], "2001");
    assert_eq!(m["name"], "Maria Rossi");
    assert!(records.iter().any(|r| r["login"] == "acme"));
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[tokio::test]
async fn basic_auth_with_the_right_password_works_and_a_wrong_one_is_401() {
    let app = app().await;
    let r = root(&app, now());
    let ok = basic("acme", "acme-password-1");
    let answer = send(&r, "GET", QUEUES, &[("Authorization", &ok)], "").await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let wrong = basic("acme", "nope");
    let refused = send(&r, "GET", QUEUES, &[("Authorization", &wrong)], "").await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json["type"], "error");
    let unknown = basic("nobody", "nope");
    assert_eq!(
        send(&r, "GET", QUEUES, &[("Authorization", &unknown)], "")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn basic_auth_is_locked_out_after_repeated_wrong_passwords() {
    let app = app().await;
    let r = root(&app, now());
    let wrong = basic("acme", "nope");
    for _ in 0..10 {
        let refused = send(&r, "GET", QUEUES, &[("Authorization", &wrong)], "").await;
        assert_eq!(refused.status, 401);
    }
    let ok = basic("acme", "acme-password-1");
    let locked = send(&r, "GET", QUEUES, &[("Authorization", &ok)], "").await;
    assert_eq!(locked.status, 401, "{}", locked.json);
    assert!(
        locked.diagnostic().starts_with("reason=locked_out"),
        "{}",
        locked.diagnostic()
    );
    assert!(locked.diagnostic().contains("locked_until="));
    // Unchecked, and answered as a wrong password is.
    assert_eq!(locked.reason(), "Invalid username or password");
}
