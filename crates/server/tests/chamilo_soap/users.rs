//! The user operations through the wire.

use gatehouse_domain::{CredentialFilter, CredentialKind, PasswordCheck, PasswordHash, Username};
use gatehouse_testkit::TestApp;

use super::support::*;

async fn user(app: &TestApp, login: &str) -> gatehouse_domain::User {
    app.store()
        .user_by_username(&Username::parse(login).unwrap())
        .await
        .unwrap()
        .expect("user exists")
}

#[tokio::test]
async fn create_user_defaults_to_inactive_and_get_user_finds_it_by_external_id() {
    let app = TestApp::new().await;
    let id = call(&app, "WSCreateUser", "createUser", &new_user("ada", "E1"))
        .await
        .text();
    assert_ne!(id, "0");
    assert!(
        !user(&app, "ada").await.active,
        "Chamilo's WSCreateUser default is inactive (D18)"
    );

    let got = call(&app, "WSGetUser", "GetUser", &user_ref("E1"))
        .await
        .value();
    assert_eq!(got.str("user_id"), id);
    assert_eq!(got.str("firstname"), "Ada");
    assert_eq!(got.str("lastname"), "Lovelace");

    let missing = call(&app, "WSGetUser", "GetUser", &user_ref("nobody")).await;
    assert!(missing.body.contains("<return xsi:type=\"tns:User\"><user_id xsi:type=\"xsd:string\"></user_id><firstname xsi:type=\"xsd:string\"></firstname><lastname xsi:type=\"xsd:string\"></lastname></return>"), "{}", missing.body);
}

#[tokio::test]
async fn create_user_with_active_1_is_active_and_a_taken_login_answers_0() {
    let app = TestApp::new().await;
    let members = format!("{}{}", new_user("bob", "E2"), s("active", "1"));
    assert_ne!(
        call(&app, "WSCreateUser", "createUser", &members)
            .await
            .text(),
        "0"
    );
    assert!(user(&app, "bob").await.active);
    let again = call(&app, "WSCreateUser", "createUser", &new_user("BOB", "E3")).await;
    assert_eq!(again.text(), "0");
}

#[tokio::test]
async fn create_users_answers_one_result_per_item_with_the_external_value() {
    let app = TestApp::new().await;
    let users = arr(
        "users",
        "usersParams",
        &[new_user("c1", "C1"), new_user("c1", "C2")],
    );
    let answer = call(&app, "WSCreateUsers", "createUsers", &users).await;
    let value = answer.value();
    let items = value.items();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].str("original_user_id_value"), "C1");
    assert_ne!(items[0].str("result"), "0");
    assert_eq!(items[1].str("result"), "0", "the login is taken");
    assert!(
        answer
            .body
            .contains("SOAP-ENC:arrayType=\"tns:result_createUsers[2]\"")
    );
}

#[tokio::test]
async fn create_user_password_crypted_stores_the_sha1_verbatim_and_it_verifies() {
    let app = TestApp::new().await;
    let hash = "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"; // sha1("password")
    let members = [
        s("firstname", "Wo"),
        s("lastname", "Commerce"),
        s("status", "5"),
        s("email", "wc@example.test"),
        s("loginname", "shopper"),
        s("password", hash),
        s("encrypt_method", "sha1"),
        s("original_user_id_name", "wp_id"),
        s("original_user_id_value", "77"),
    ]
    .concat();
    let id = call(
        &app,
        "WSCreateUserPasswordCrypted",
        "createUserPasswordCrypted",
        &members,
    )
    .await
    .text();
    assert_ne!(id, "0");
    let stored = user(&app, "shopper").await;
    assert!(stored.active);
    let stored_hash = stored.password.expect("a password");
    assert_eq!(stored_hash, PasswordHash::legacy_sha1(hash, None).unwrap());
    assert!(matches!(
        app.state.password_policy.verify(&stored_hash, "password"),
        PasswordCheck::Valid { upgrade: true }
    ));
}

#[tokio::test]
async fn password_crypted_refuses_other_methods_and_malformed_hashes_with_chamilo_messages() {
    let app = TestApp::new().await;
    let item = |login: &str, pw: &str, method: &str| {
        [
            s("loginname", login),
            s("password", pw),
            s("encrypt_method", method),
            s("original_user_id_name", "x"),
            s("original_user_id_value", login),
        ]
        .concat()
    };
    let users = arr(
        "users",
        "createUsersPassEncryptParams",
        &[
            item("m1", "abc", "md5"),
            item("m2", "abc", "sha1"),
            item("m3", &"a".repeat(40), "sha1"),
        ],
    );
    let answer = call(
        &app,
        "WSCreateUsersPasswordCrypted",
        "createUsersPasswordCrypted",
        &users,
    )
    .await;
    let results = answer.results();
    assert_eq!(results[0], "This encryption md5 is not configured");
    assert_eq!(results[1], "Encryption sha1 is invalid");
    assert_ne!(results[2], "0");
    assert!(answer.body.contains("tns:result_createUsersPassEncrypt[3]"));
}

#[tokio::test]
async fn edit_user_enables_and_edits_while_an_empty_username_keeps_the_login() {
    let app = TestApp::new().await;
    let id = call(&app, "WSCreateUser", "createUser", &new_user("eve", "E9"))
        .await
        .text();
    let no_enable = [user_ref("E9"), s("firstname", "Evelyn")].concat();
    assert_eq!(
        call(&app, "WSEditUser", "editUser", &no_enable)
            .await
            .text(),
        "0",
        "inactive without enable"
    );
    let edit = [
        user_ref("E9"),
        s("firstname", "Evelyn"),
        s("enable", "1"),
        s("email", "evelyn@example.test"),
        s("language", "french"),
    ]
    .concat();
    assert_eq!(call(&app, "WSEditUser", "editUser", &edit).await.text(), id);
    let edited = user(&app, "eve").await;
    assert!(edited.active);
    assert_eq!(edited.first_name, "Evelyn");
    assert_eq!(edited.last_name, "Lovelace", "empty fields are not blanked");
    assert_eq!(edited.language, "french");
}

#[tokio::test]
async fn edit_users_renames_and_refuses_a_login_of_someone_else() {
    let app = TestApp::new().await;
    let first = create_active_user(&app, "u1", "U1").await;
    create_active_user(&app, "u2", "U2").await;
    let rename = [
        user_ref("U1"),
        s("username", "u1-renamed"),
        s("status", "1"),
    ]
    .concat();
    let clash = [user_ref("U2"), s("username", "u1-renamed")].concat();
    let users = arr("users", "editUsersParams", &[rename, clash]);
    let results = call(&app, "WSEditUsers", "editUsers", &users)
        .await
        .results();
    assert_eq!(results, [first, "0".to_owned()]);
    assert_eq!(
        user(&app, "u1-renamed").await.role,
        gatehouse_domain::PlatformRole::Teacher
    );
}

#[tokio::test]
async fn edit_user_credentials_sets_username_and_password() {
    let app = TestApp::new().await;
    create_active_user(&app, "cred", "CR").await;
    let members = [
        s("username", "cred2"),
        s("password", "N3w-password"),
        user_ref("CR"),
    ]
    .concat();
    assert_eq!(
        call(
            &app,
            "WSEditUserCredentials",
            "editUserCredentials",
            &members
        )
        .await
        .text(),
        "1"
    );
    let edited = user(&app, "cred2").await;
    assert!(matches!(
        app.state
            .password_policy
            .verify(&edited.password.unwrap(), "N3w-password"),
        PasswordCheck::Valid { .. }
    ));
    let unknown = [s("username", "x"), user_ref("nope")].concat();
    assert_eq!(
        call(
            &app,
            "WSEditUserCredentials",
            "editUserCredentials",
            &unknown
        )
        .await
        .text(),
        "0"
    );
}

#[tokio::test]
async fn edit_user_password_crypted_answers_1_and_checks_its_pairs() {
    let app = TestApp::new().await;
    create_active_user(&app, "pc", "PC").await;
    let ok = [
        user_ref("PC"),
        s("password", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"),
        s("encrypt_method", "sha1"),
    ]
    .concat();
    assert_eq!(
        call(
            &app,
            "WSEditUserPasswordCrypted",
            "editUserPasswordCrypted",
            &ok
        )
        .await
        .text(),
        "1"
    );
    assert_eq!(
        user(&app, "pc").await.username.as_str(),
        "pc",
        "an omitted username keeps the login"
    );
    let only_password = [user_ref("PC"), s("password", "x")].concat();
    assert_eq!(
        call(
            &app,
            "WSEditUserPasswordCrypted",
            "editUserPasswordCrypted",
            &only_password
        )
        .await
        .text(),
        "If password is not empty the encrypt_method param is required "
    );
    let only_method = [user_ref("PC"), s("encrypt_method", "sha1")].concat();
    let users = arr(
        "users",
        "editUsersPasswordCryptedParams",
        &[only_method, [user_ref("PC"), s("firstname", "P")].concat()],
    );
    let results = call(
        &app,
        "WSEditUsersPasswordCrypted",
        "editUsersPasswordCrypted",
        &users,
    )
    .await
    .results();
    assert_eq!(
        results,
        [
            "If encrypt_method is not empty the password param is required ",
            "1"
        ]
    );
}

#[tokio::test]
async fn disable_enable_and_delete_users_answer_per_id() {
    let app = TestApp::new().await;
    create_active_user(&app, "d1", "D1").await;
    let ids = arr("ids", "user_id", &[user_ref("D1"), user_ref("missing")]);
    let disabled = call(&app, "WSDisableUsers", "user_ids", &ids).await;
    assert_eq!(disabled.results(), ["1", "0"]);
    assert!(disabled.body.contains("tns:result_actionUsers[2]"));
    assert!(!user(&app, "d1").await.active);
    assert_eq!(
        call(&app, "WSEnableUsers", "user_ids", &ids)
            .await
            .results(),
        ["1", "0"]
    );
    assert!(user(&app, "d1").await.active);
    assert_eq!(
        call(&app, "WSDeleteUsers", "user_ids", &ids)
            .await
            .results(),
        ["1", "0"]
    );
    assert!(
        app.store()
            .user_by_username(&Username::parse("d1").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn get_user_from_username_carries_extra_fields_as_json() {
    let app = TestApp::new().await;
    let extra = arr(
        "extra",
        "extras",
        &[[s("field_name", "badge"), s("field_value", "42")].concat()],
    );
    let users = arr(
        "users",
        "usersParams",
        &[format!("{}{extra}", new_user("xf", "XF"))],
    );
    call(&app, "WSCreateUsers", "createUsers", &users).await;
    let got = call(
        &app,
        "WSGetUserFromUsername",
        "GetUserFromUsername",
        &s("username", "xf"),
    )
    .await
    .value();
    assert_eq!(got.str("firstname"), "Ada");
    assert_eq!(got.str("extra_fields"), r#"{"badge":"42"}"#);
}

#[tokio::test]
async fn update_user_original_id_from_username_makes_the_user_findable() {
    let app = TestApp::new().await;
    app.add_user("legacy", "pw-legacy-1").await;
    let members = [
        s("username", "legacy"),
        s("original_user_id_name", "crm"),
        s("original_user_id_value", "L-1"),
    ]
    .concat();
    let got = call(
        &app,
        "WSUpdateUserOriginalIdFromUsername",
        "WSUpdateUserOriginalIdFromUsername",
        &members,
    )
    .await
    .value();
    assert_ne!(got.str("user_id"), "");
    let found = call(
        &app,
        "WSGetUser",
        "GetUser",
        &[
            s("original_user_id_value", "L-1"),
            s("original_user_id_name", "crm"),
        ]
        .concat(),
    )
    .await
    .value();
    assert_eq!(found.str("user_id"), got.str("user_id"));
}

#[tokio::test]
async fn update_user_api_key_creates_one_key_and_shows_it_again() {
    let app = TestApp::new().await;
    app.add_user("keyed", "pw-keyed-1").await;
    let members = [
        s("original_user_id_name", "crm"),
        s("original_user_id_value", "K-1"),
        s("chamilo_username", "keyed"),
    ]
    .concat();
    let first = call(&app, "WSUpdateUserApiKey", "userApiKey", &members)
        .await
        .text();
    assert_eq!(first.len(), 32);
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
    let second = call(&app, "WSUpdateUserApiKey", "userApiKey", &members)
        .await
        .text();
    assert_eq!(first, second);
    let keys = app
        .store()
        .list_credentials(CredentialFilter {
            owner: None,
            kind: Some(CredentialKind::ChamiloSoapApiKey),
            include_revoked: false,
        })
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    let nobody = [
        s("original_user_id_name", "crm"),
        s("original_user_id_value", "none"),
    ]
    .concat();
    assert_eq!(
        call(&app, "WSUpdateUserApiKey", "userApiKey", &nobody)
            .await
            .text(),
        "0"
    );
}

#[tokio::test]
async fn a_sha1_pre_hashed_soap_user_authenticates_through_rest_and_is_upgraded_to_argon2id() {
    let app = TestApp::new().await;
    let members = [
        s("firstname", "Re"),
        s("lastname", "St"),
        s("status", "5"),
        s("email", "rest@example.test"),
        s("loginname", "crossover"),
        s("password", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"),
        s("encrypt_method", "sha1"),
        s("original_user_id_name", "wp_id"),
        s("original_user_id_value", "X1"),
    ]
    .concat();
    call(
        &app,
        "WSCreateUserPasswordCrypted",
        "createUserPasswordCrypted",
        &members,
    )
    .await;
    let response = app
        .client
        .post(app.url("/chamilo/main/webservices/api/v2.php"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=authenticate&username=crossover&password=password")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], false, "{body}");
    let upgraded = user(&app, "crossover").await.password.expect("a password");
    assert!(matches!(upgraded, PasswordHash::Argon2(_)), "{upgraded:?}");
}

/// `WSCreateUserPasswordCrypted` for `login` with external id `hr_id` = `external`.
async fn create_crypted(app: &TestApp, login: &str, external: &str) -> String {
    let members = [
        s("firstname", "Wo"),
        s("lastname", "Commerce"),
        s("status", "5"),
        s("email", "wc@example.test"),
        s("loginname", login),
        s("password", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"),
        s("encrypt_method", "sha1"),
        s("original_user_id_name", "hr_id"),
        s("original_user_id_value", external),
    ]
    .concat();
    call(
        app,
        "WSCreateUserPasswordCrypted",
        "createUserPasswordCrypted",
        &members,
    )
    .await
    .text()
}

#[tokio::test]
async fn a_crypted_create_refused_by_a_taken_login_or_external_id_answers_0_or_reactivates() {
    // The crypted create inserts first; what the insert refuses goes through the checks.
    let app = TestApp::new().await;
    let before = app.store().count_users(None).await.unwrap();
    let id = create_crypted(&app, "shopper", "77").await;
    assert_ne!(id, "0");
    // An active user holds the external id, or the login: 0, nothing stored.
    assert_eq!(create_crypted(&app, "other", "77").await, "0");
    assert_eq!(create_crypted(&app, "SHOPPER", "78").await, "0");
    let none = app
        .store()
        .user_by_username(&Username::parse("other").unwrap())
        .await
        .unwrap();
    assert!(none.is_none());
    let refused = call(&app, "WSGetUser", "GetUser", &user_ref("78")).await;
    assert!(
        refused
            .body
            .contains("<user_id xsi:type=\"xsd:string\"></user_id>"),
        "{}",
        refused.body
    );
    // An inactive user with the external id is reactivated, under its own login or a new one.
    let ids = arr("ids", "user_id", &[user_ref("77")]);
    call(&app, "WSDisableUsers", "user_ids", &ids).await;
    assert_eq!(create_crypted(&app, "shopper", "77").await, id);
    assert!(user(&app, "shopper").await.active);
    call(&app, "WSDisableUsers", "user_ids", &ids).await;
    assert_eq!(create_crypted(&app, "renamed", "77").await, id);
    let renamed = user(&app, "renamed").await;
    assert!(renamed.active);
    assert_eq!(renamed.id.0.to_string(), id);
    assert_eq!(app.store().count_users(None).await.unwrap(), before + 1);
}
