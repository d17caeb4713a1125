//! gatehouse-client's typed operations against a real sandbox (Chamilo REST, Forma, Wildix),
//! Chamilo REST renewing a rotated or revoked key, and `gatehouse call forma` with each of
//! Forma's three authentication methods.

use gatehouse_client::{
    ChamiloRest, Error, Forma, FormaAuth, FormaAuthMethod, NewCallQueue, Wildix, WildixApp,
};
use gatehouse_testkit::{Sandbox, run_gatehouse};
use serde_json::{Value, json};

use crate::bin;
use crate::call::{call, cred, json_out, sandbox, sandbox_with_forma, url};

fn chamilo_admin(sb: &Sandbox) -> ChamiloRest {
    ChamiloRest::with_password(
        url(sb, "chamilo"),
        cred(sb, &["chamilo", "admin", "username"]),
        cred(sb, &["chamilo", "admin", "password"]),
    )
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_chamilo_rest_client_reads_every_typed_result() {
    let sb = sandbox().await;
    let rest = chamilo_admin(&sb);
    let me = rest.user_profile().await.expect("user_profile");
    assert_eq!((me.id, me.username.as_str(), me.status), (1, "admin", 1));
    assert!(!me.full_name.is_empty(), "{me:?}");
    assert!(rest.username_exists("alice").await.expect("username_exist"));
    assert!(
        !rest
            .username_exists("nobody-here")
            .await
            .expect("username_exist")
    );

    let id = rest
        .save_user(&pairs(&[
            ("firstname", "Typed"),
            ("lastname", "Client"),
            ("status", "5"),
            ("email", "typed@example.test"),
            ("loginname", "typedclient"),
            ("password", "Typed-Pass-1234"),
        ]))
        .await
        .expect("save_user");
    assert!(rest.username_exists("typedclient").await.expect("exists"));
    let students = rest.get_users(Some(5), &[]).await.expect("get_users");
    let row = students
        .iter()
        .find(|u| u.id == id)
        .unwrap_or_else(|| panic!("{id} not in {students:?}"));
    assert_eq!((row.username.as_str(), row.active), ("typedclient", true));
    assert!(
        students.iter().all(|u| u.username != "admin"),
        "status 5 only"
    );

    let courses = rest.get_courses().await.expect("get_courses");
    let course = courses
        .iter()
        .find(|c| c.code == "DEMO101")
        .unwrap_or_else(|| panic!("{courses:?}"));
    assert!(
        rest.subscribe_user_to_course(&course.code, id, 5)
            .await
            .expect("subscribe")
    );
    let members = rest.course_users(course.id).await.expect("course users");
    let member = members
        .iter()
        .find(|m| m.user_id == id)
        .unwrap_or_else(|| panic!("{members:?}"));
    assert_eq!(
        (member.username.as_str(), member.status_rel),
        ("typedclient", 5)
    );
    let theirs = rest.user_courses(Some(id)).await.expect("user_courses");
    assert_eq!(
        theirs.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
        ["DEMO101"]
    );
    assert!(
        rest.unsubscribe_user_from_course(&course.code, id)
            .await
            .expect("unsubscribe")
    );
    assert!(
        rest.user_courses(Some(id))
            .await
            .expect("user_courses")
            .is_empty()
    );
    // The caller's own courses, without a user id.
    rest.user_courses(None).await.expect("own courses");

    // An action without a typed method goes through `action`; its result reads typed after.
    rest.action(
        "save_session",
        &pairs(&[
            ("name", "Typed session"),
            ("coach_username", "1"),
            ("access_start_date", "2030-01-01 00:00:00"),
            ("access_end_date", "2030-06-30 00:00:00"),
        ]),
    )
    .await
    .expect("save_session");
    let sessions = rest.get_sessions().await.expect("get_sessions");
    assert!(
        sessions.iter().any(|s| s.name == "Typed session"),
        "{sessions:?}"
    );
}

#[tokio::test]
async fn a_typed_chamilo_call_keeps_chamilos_error() {
    let sb = sandbox().await;
    // alice is not an administrator: get_users is refused with Chamilo's own message.
    let alice = &sb.credentials["demo_users"][0];
    let rest = ChamiloRest::with_password(
        url(&sb, "chamilo"),
        alice["username"].as_str().expect("username"),
        alice["password"].as_str().expect("password"),
    );
    let err = rest.get_users(None, &[]).await.expect_err("admin only");
    assert!(
        matches!(err, Error::ChamiloRest { ref message } if message.starts_with("You are not allowed")),
        "{err:?}"
    );
}

/// Runs `gatehouse admin --json ARGS` on the sandbox's data directory.
async fn admin(data_dir: &std::path::Path, args: &[&str]) -> Value {
    let dir = data_dir.to_string_lossy().into_owned();
    let mut full = vec!["admin", "--json"];
    full.extend_from_slice(args);
    let (code, stdout, stderr) = run_gatehouse(
        bin(),
        data_dir,
        &full,
        &[("GATEHOUSE_DATA_DIR", dir.as_str())],
        None,
    )
    .await
    .expect("admin runs");
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn the_chamilo_rest_client_authenticates_again_when_its_key_is_rotated_or_revoked() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_string_lossy().into_owned();
    let sb = Sandbox::start_with(bin(), &["--data-dir", &data_dir], &[])
        .await
        .expect("sandbox starts");
    let rest = chamilo_admin(&sb);
    let first_key = rest.api_key().await.expect("authenticate");
    rest.user_profile().await.expect("user_profile");
    assert_eq!(rest.authentications(), 1);
    let holder = ChamiloRest::with_api_key(url(&sb, "chamilo"), "admin", first_key.clone());
    holder
        .user_profile()
        .await
        .expect("the key works before the rotation");

    let keys = admin(
        data.path(),
        &[
            "credential",
            "list",
            "--kind",
            "chamilo-api-key",
            "--user",
            "admin",
        ],
    )
    .await;
    let public_id = keys[0]["public_id"].as_str().expect("public id").to_owned();
    admin(data.path(), &["credential", "rotate", &public_id]).await;

    // The password client notices the refused key, authenticates once more and carries on.
    let profile = rest
        .user_profile()
        .await
        .expect("user_profile after rotation");
    assert_eq!(profile.username, "admin");
    assert_eq!(rest.authentications(), 2);
    let second_key = rest.api_key().await.expect("key");
    assert_ne!(second_key, first_key);
    // A client holding only the old key has nothing to renew it with: Chamilo's error, as sent.
    let err = holder.user_profile().await.expect_err("rotated key");
    assert!(
        matches!(err, Error::ChamiloRest { ref message } if message == "Invalid API key"),
        "{err:?}"
    );

    // `gatehouse call` with the sandbox file (the old key and the password) renews it too.
    let profile = json_out(&call(&sb, &["chamilo", "user_profile"]).await);
    assert_eq!(profile["username"], "admin", "{profile}");

    admin(data.path(), &["credential", "revoke", &public_id]).await;
    let courses = rest
        .get_courses()
        .await
        .expect("get_courses after revocation");
    assert!(!courses.is_empty());
    assert_eq!(rest.authentications(), 3);
    assert_ne!(rest.api_key().await.expect("key"), second_key);
}

fn forma_signed(sb: &Sandbox) -> Forma {
    Forma::new(
        url(sb, "forma"),
        FormaAuth::Signature {
            key: cred(sb, &["forma", "key"]).into(),
            secret: cred(sb, &["forma", "secret"]).into(),
        },
    )
}

#[tokio::test]
async fn the_forma_client_reads_every_typed_result() {
    let sb = sandbox().await;
    let lms = forma_signed(&sb);
    assert_eq!(
        lms.auth_method().await.expect("getauthmethod"),
        FormaAuthMethod::SecretKey
    );
    let admin = lms
        .check_username("admin")
        .await
        .expect("checkUsername")
        .expect("admin exists");
    assert!(!admin.disabled());
    assert!(
        lms.check_username("nobody-here")
            .await
            .expect("checkUsername")
            .is_none()
    );
    let before = lms.count_users("all").await.expect("countusers");

    let idst = lms
        .create_user(&pairs(&[
            ("userid", "typedforma"),
            ("firstname", "Typed"),
            ("lastname", "Forma"),
            ("password", "Typed-Pass-1234"),
            ("email", "typedforma@example.test"),
        ]))
        .await
        .expect("create");
    assert_eq!(
        lms.count_users("all").await.expect("countusers"),
        before + 1
    );
    let listed = lms.list_users().await.expect("listUsers");
    assert!(
        listed
            .iter()
            .any(|u| u.idst == idst && u.userid == "typedforma"),
        "{listed:?}"
    );
    let details = lms
        .user_details(idst)
        .await
        .expect("userdetails")
        .expect("found");
    assert_eq!(
        (
            details.userid.as_str(),
            details.email.as_str(),
            details.valid
        ),
        ("typedforma", "typedforma@example.test", true)
    );
    let by_name = lms
        .user_details_by_userid("typedforma")
        .await
        .expect("userdetailsbyuserid")
        .expect("found");
    assert_eq!(by_name.idst, idst);
    assert!(
        lms.user_details(999_999)
            .await
            .expect("userdetails")
            .is_none()
    );
    assert!(
        lms.user_details_by_userid("nobody-here")
            .await
            .expect("userdetailsbyuserid")
            .is_none()
    );

    let courses = lms.courses(None).await.expect("courses");
    let course = courses.first().unwrap_or_else(|| panic!("no courses"));
    let subscribed = lms
        .subscribe(idst, course.course_id, "tutor")
        .await
        .expect("addUserSubscription");
    assert_eq!(subscribed, "User has been subscribed to the course");
    let subscriptions = lms
        .course_subscriptions(course.course_id)
        .await
        .expect("getUsersSubscription");
    let mine = subscriptions
        .iter()
        .find(|s| s.id == idst)
        .unwrap_or_else(|| panic!("{subscriptions:?}"));
    assert_eq!((mine.userid.as_str(), mine.level), ("typedforma", 4));
    let theirs = lms.user_courses(idst).await.expect("userCourses");
    assert_eq!(
        theirs.iter().map(|c| c.course_id).collect::<Vec<_>>(),
        [course.course_id]
    );
    lms.unsubscribe(idst, course.course_id)
        .await
        .expect("deleteUserSubscription");
    assert!(
        lms.user_courses(idst)
            .await
            .expect("userCourses")
            .is_empty()
    );
}

#[tokio::test]
async fn the_forma_token_client_hands_out_a_typed_token() {
    let (sb, _dir) = sandbox_with_forma("auth_method = \"token\"").await;
    let lms = Forma::new(
        url(&sb, "forma"),
        FormaAuth::Token {
            username: cred(&sb, &["forma", "admin", "username"]).into(),
            password: cred(&sb, &["forma", "admin", "password"]).into(),
        },
    );
    assert_eq!(
        lms.auth_method().await.expect("getauthmethod"),
        FormaAuthMethod::GeneratedToken
    );
    let token = lms.authenticate().await.expect("authenticate");
    assert_eq!(token.token.len(), 32, "{token:?}");
    assert!(!token.expire_at.is_empty(), "{token:?}");
    assert_eq!(lms.token().await.expect("held"), token.token);
    assert!(
        lms.check_username("admin")
            .await
            .expect("with the token")
            .is_some()
    );
}

/// `gatehouse call forma` with only environment variables and an empty HOME.
async fn call_forma_env(env: &[(&str, &str)]) -> (i32, String, String) {
    let home = tempfile::tempdir().expect("tempdir");
    let home_path = home.path().to_string_lossy().into_owned();
    let mut full = vec![("HOME", home_path.as_str())];
    full.extend_from_slice(env);
    run_gatehouse(
        bin(),
        home.path(),
        &["call", "forma", "user/checkUsername", "userid=admin"],
        &full,
        None,
    )
    .await
    .expect("gatehouse runs")
}

#[tokio::test]
async fn gatehouse_call_forma_uses_the_shared_code_from_the_file_the_environment_or_a_profile() {
    let (sb, dir) = sandbox_with_forma("auth_method = \"code\"\nshared_code = \"c0de-c0de\"").await;
    // The credentials file names the method and carries the code.
    assert_eq!(sb.credentials["forma"]["auth_method"], "code");
    assert_eq!(sb.credentials["forma"]["code"], "c0de-c0de");
    let found = json_out(&call(&sb, &["forma", "user/checkUsername", "userid=admin"]).await);
    assert_eq!(found["success"], true, "{found}");

    let forma_url = url(&sb, "forma");
    let out = call_forma_env(&[
        ("GATEHOUSE_FORMA_URL", forma_url.as_str()),
        ("GATEHOUSE_FORMA_CODE", "c0de-c0de"),
    ])
    .await;
    assert_eq!(json_out(&out)["idst"], 1);
    let (code, _, stderr) = call_forma_env(&[
        ("GATEHOUSE_FORMA_URL", forma_url.as_str()),
        ("GATEHOUSE_FORMA_CODE", "not-the-code"),
    ])
    .await;
    assert_eq!(code, 1);
    assert!(stderr.contains("Forma error"), "{stderr}");
    // With a key and secret set too, the method says which to use.
    let out = call_forma_env(&[
        ("GATEHOUSE_FORMA_URL", forma_url.as_str()),
        ("GATEHOUSE_FORMA_CODE", "c0de-c0de"),
        ("GATEHOUSE_FORMA_KEY", "k"),
        ("GATEHOUSE_FORMA_SECRET", "s"),
        ("GATEHOUSE_FORMA_AUTH_METHOD", "code"),
    ])
    .await;
    assert_eq!(json_out(&out)["idst"], 1);

    // A profiles.toml holding `code`.
    let profiles = dir.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!("[lms.forma]\nurl = \"{forma_url}\"\ncode = \"c0de-c0de\"\n"),
    )
    .expect("profiles written");
    let profiles = profiles.to_string_lossy().into_owned();
    let out = run_gatehouse(
        bin(),
        dir.path(),
        &[
            "call",
            "--profile-file",
            &profiles,
            "--profile",
            "lms",
            "forma",
            "user/checkUsername",
            "userid=admin",
        ],
        &[("HOME", dir.path().to_string_lossy().as_ref())],
        None,
    )
    .await
    .expect("gatehouse runs");
    assert_eq!(json_out(&out)["idst"], 1);
    // --verbose masks the code like every other secret.
    let (code, _, stderr) = call(
        &sb,
        &["--verbose", "forma", "user/checkUsername", "userid=admin"],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("c0de-c0de"), "secret leaked: {stderr}");
}

#[tokio::test]
async fn gatehouse_call_forma_uses_a_token_when_the_sandbox_is_configured_for_tokens() {
    let (sb, _dir) = sandbox_with_forma("auth_method = \"token\"").await;
    assert_eq!(sb.credentials["forma"]["auth_method"], "token");
    let found = json_out(&call(&sb, &["forma", "user/checkUsername", "userid=admin"]).await);
    assert_eq!(found["success"], true, "{found}");
}

fn wildix(sb: &Sandbox) -> Wildix {
    let app = WildixApp {
        app_id: cred(sb, &["wildix", "app_id"]).into(),
        app_name: cred(sb, &["wildix", "app_name"]).into(),
        secret: cred(sb, &["wildix", "secret"]).into(),
    };
    Wildix::new(&url(sb, "wildix"), app).expect("url")
}

#[tokio::test]
async fn the_wildix_client_reads_every_typed_result() {
    let sb = sandbox().await;
    let pbx = wildix(&sb);
    let queues = pbx.call_queues(None, None).await.expect("CallQueues");
    assert!(
        queues.records.iter().any(|q| q.name == "Sales"),
        "{queues:?}"
    );
    let page = pbx.call_queues(Some(1), Some(1)).await.expect("a page");
    assert_eq!(
        (page.records.len(), page.start, page.count),
        (1, Some(1), Some(1))
    );
    assert_eq!(page.total, Some(queues.records.len() as i64));

    let created = pbx
        .create_call_queue(&NewCallQueue {
            name: "Typed".into(),
            description: "made by the typed client".into(),
            strategy: String::new(),
            members: vec!["Local/1001@pbxinternal".into()],
        })
        .await
        .expect("create queue");
    assert_eq!(created.description, "made by the typed client");
    let one = pbx.call_queue(created.id).await.expect("one queue");
    assert_eq!(
        one.members
            .iter()
            .map(|m| m.member.as_str())
            .collect::<Vec<_>>(),
        ["Local/1001@pbxinternal"]
    );
    let grown = pbx
        .add_dynamic_member(created.id, "Local/1002@pbxinternal")
        .await
        .expect("add member");
    assert!(
        grown
            .members
            .iter()
            .any(|m| m.member == "Local/1002@pbxinternal" && m.dynamic),
        "{grown:?}"
    );
    let shrunk = pbx
        .remove_dynamic_member(created.id, "Local/1002@pbxinternal")
        .await
        .expect("remove member (a slash inside the path segment)");
    assert_eq!(shrunk.members.len(), 1, "{shrunk:?}");
    let gone = pbx
        .remove_dynamic_member(created.id, "Local/1002@pbxinternal")
        .await
        .expect_err("not a member any more");
    assert!(
        matches!(gone, Error::Wildix { status: 404, .. }),
        "{gone:?}"
    );
    let missing = pbx.call_queue(999_999).await.expect_err("no such queue");
    assert!(
        matches!(missing, Error::Wildix { status: 404, .. }),
        "{missing:?}"
    );

    let colleagues = pbx.colleagues(None, None).await.expect("Colleagues");
    assert!(
        colleagues
            .records
            .iter()
            .any(|c| c.login == "alice" && !c.extension.is_empty()),
        "{colleagues:?}"
    );
    let history = pbx
        .call_history(&json!({"fields": "id,start,src,dst", "count": "2"}))
        .await
        .expect("CallHistory");
    assert!(
        history.records.len() <= 2 && !history.records.is_empty(),
        "{history:?}"
    );
    assert!(history.records[0].contains_key("src"), "{history:?}");

    let sound = pbx
        .create_tts_sound("tts", "typed", "Hello from the typed client", "en")
        .await
        .expect("create sound");
    assert_eq!(
        (sound.filename.as_str(), sound.directory.as_str()),
        ("typed", "tts")
    );
    let listed = pbx.sounds(Some("tts")).await.expect("Sounds");
    assert!(
        listed.records.iter().any(|s| s.filename == "typed"),
        "{listed:?}"
    );
    assert_eq!(
        pbx.delete_sound("typed", Some("tts"))
            .await
            .expect("delete"),
        1
    );
    assert!(
        pbx.sounds(Some("tts"))
            .await
            .expect("Sounds")
            .records
            .iter()
            .all(|s| s.filename != "typed")
    );
}
