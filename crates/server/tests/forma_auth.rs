//! Forma REST authentication: the signature's edge cases, shared code, tokens and the
//! replay cache (specs/forma.md §3, §7.1).

use std::time::Duration;

use gatehouse_server::config::Config;
use gatehouse_server::dialects::forma::AuthMethod;
use serde_json::json;

use crate::forma_support::Lms;

/// An app whose key and secret are the spec's vector values.
async fn vector_app(key: &str, secret: &str) -> Lms {
    let mut config = Config::default();
    config.forma.api_key = Some(key.into());
    config.forma.api_secret = Some(secret.into());
    Lms::with_config(config).await
}

const JSON: Option<&str> = Some("application/json");

#[tokio::test]
async fn the_spec_vectors_are_accepted_with_their_published_headers() {
    let lms = vector_app("myapikey", "mysecret").await;
    // V1: the plain create body.
    let v1 = "userid=jdoe&firstname=John&lastname=Doe&password=Secret123&email=jdoe%40example.com&role=user&valid=1";
    let h1 = "FormaLMS bXlhcGlrZXk6OWRhYTI3MzRmMmNiZTY4N2JiOGU5ZjBmZTVhNzNiNTE2MGM5ZWIzMg==";
    let text = lms.raw("/api/user/create", v1, Some(h1), JSON).await;
    assert!(text.starts_with(r#"{"success":true,"idst":"#), "{text}");
    // V2: no body at all signs ",secret".
    let h2 = "FormaLMS bXlhcGlrZXk6YmE2NGZjMTk4ODdjMjdkNjM5OGU4ZmJjYWI4YTc0NTViNjk4YjA1ZA==";
    let text = lms.raw("/api/user/countusers", "", Some(h2), JSON).await;
    assert_eq!(text, r#"{"success":true,"users_count":"1"}"#);
    // V4: a repeated field keeps its first position and takes the last value; UTF-8; '+'.
    let v4 = "userid=caf%C3%A9&email=&userid=zo%C3%AB+x";
    let h4 = "FormaLMS bXlhcGlrZXk6NzZkNTY1NGU5MzY3ZjMxMDk3NjkzM2U0NmFiNzdjNjZlODhjNTJhMQ==";
    let text = lms.raw("/api/user/create", v4, Some(h4), JSON).await;
    assert!(text.starts_with(r#"{"success":true"#), "{text}");
    let check = lms
        .json("/api/user/checkUsername", "userid=zo%C3%AB+x")
        .await;
    assert_eq!(check["success"], true, "the last value was stored");
}

#[tokio::test]
async fn the_bracket_array_vector_with_an_empty_trailing_value_is_accepted() {
    let lms = vector_app("K3y-42", "s3cr3t!").await;
    let v3 = "idst=12345&course_id=7&user_level=student&_customfields%5B3%5D=Milano&_customfields%5B5%5D=IT&sendmail=";
    let h3 = "FormaLMS SzN5LTQyOmU1YmJkZDE3YTYyZDJkMGU5OWVkNjQ0NDNkMGM1MjBiMmU4ODM3ZmU=";
    let text = lms
        .raw("/api/course/addUserSubscription", v3, Some(h3), JSON)
        .await;
    // Authenticated: the answer is the endpoint's own (no such user), not an auth error.
    assert_eq!(text, r#"{"error":"NO_DATA_FOUND"}"#);
}

#[tokio::test]
async fn lenient_header_forms_are_accepted_as_forma_parses_them() {
    let lms = Lms::new().await;
    let body = "userid=a%2Cb&list%5B%5D=1&list%5B%5D=2&other=3&list%5B%5D=4&empty=";
    let signed = lms.sign(body);
    let b64 = signed.trim_start_matches("FormaLMS ");
    for header in [
        signed.clone(),
        format!("FormaLMS  {b64}"),
        b64.to_owned(),
        b64.trim_end_matches('=').to_owned(),
    ] {
        let text = lms
            .raw("/api/user/countusers", body, Some(&header), JSON)
            .await;
        assert_eq!(text, r#"{"success":true,"users_count":"0"}"#, "{header}");
    }
}

#[tokio::test]
async fn values_with_commas_sign_like_separate_fields_as_in_forma() {
    let lms = Lms::new().await;
    // `a=1,2` and `a=1&b=2` hash the same string; Forma accepts either with one header.
    let header = lms.sign("userid=x&firstname=1&lastname=2");
    let text = lms
        .raw(
            "/api/user/create",
            "userid=x&firstname=1%2C2",
            Some(&header),
            JSON,
        )
        .await;
    assert!(text.starts_with(r#"{"success":true"#), "{text}");
}

#[tokio::test]
async fn a_signature_over_reordered_fields_is_refused() {
    let lms = Lms::new().await;
    let header = lms.sign("userid=jdoe&email=j%40x.org");
    let text = lms
        .raw(
            "/api/user/create",
            "email=j%40x.org&userid=jdoe",
            Some(&header),
            JSON,
        )
        .await;
    assert_eq!(text, r#"{"error":"Api Key or Secret not valid"}"#);
    assert_eq!(lms.app.store().count_users(None).await.unwrap(), 0);
}

#[tokio::test]
async fn a_missing_header_is_forma_s_empty_error_and_a_forged_one_is_refused() {
    let lms = Lms::new().await;
    assert_eq!(
        lms.raw("/api/user/listUsers", "", None, JSON).await,
        r#"{"error":null}"#
    );
    assert!(
        lms.raw("/api/user/listUsers", "", None, None)
            .await
            .ends_with("<XMLoutput><error></error></XMLoutput>")
    );
    let forged = gatehouse_schemes::forma::sign_header("other", "guess", &Default::default());
    assert_eq!(
        lms.raw("/api/user/listUsers", "", Some(&forged), JSON)
            .await,
        r#"{"error":"Api Key or Secret not valid"}"#
    );
}

#[tokio::test]
async fn the_replay_cache_refuses_an_identical_signature_within_its_window() {
    let mut config = Config::default();
    config.forma.replay_cache = true;
    let lms = Lms::with_config(config).await;
    let first = lms.json("/api/user/countusers", "status=all").await;
    assert_eq!(first["success"], true);
    let again = lms.json("/api/user/countusers", "status=all").await;
    assert_eq!(again, json!({"error": "Api Key or Secret not valid"}));
    let other = lms.json("/api/user/countusers", "status=active").await;
    assert_eq!(other["success"], true);
    // Without the cache (the default) Forma's behaviour stands: the same call works twice.
    let plain = Lms::new().await;
    plain.json("/api/user/countusers", "").await;
    assert_eq!(
        plain.json("/api/user/countusers", "").await["success"],
        true
    );
}

#[tokio::test]
async fn the_shared_code_works_in_the_field_or_the_header_and_an_empty_one_refuses_all() {
    let mut config = Config::default();
    config.forma.auth_method = AuthMethod::Code;
    let open = Lms::with_config(config.clone()).await;
    assert_eq!(
        open.raw("/api/user/listUsers", "auth=", None, JSON).await,
        r#"{"error":"Autentication code is not valid"}"#
    );
    config.forma.shared_code = Some("c0de".into());
    let lms = Lms::with_config(config).await;
    let ok = lms
        .raw("/api/user/countusers", "auth=c0de", None, JSON)
        .await;
    assert_eq!(ok, r#"{"success":true,"users_count":"0"}"#);
    let ok = lms
        .raw("/api/user/countusers", "", Some("FormaLMS c0 de"), JSON)
        .await;
    assert!(ok.starts_with(r#"{"success":true"#), "{ok}");
    assert_eq!(
        lms.raw("/api/user/countusers", "auth=nope", None, JSON)
            .await,
        r#"{"error":"Autentication code is not valid"}"#
    );
}

#[tokio::test]
async fn getauthmethod_names_the_method_and_tokens_are_refused_under_secret_key() {
    let lms = Lms::new().await;
    assert_eq!(
        lms.raw("/api/auth/getauthmethod", "", None, JSON).await,
        r#"{"success":true,"method":"SECRET_KEY"}"#
    );
    assert_eq!(
        lms.raw(
            "/api/auth/authenticate",
            "username=a&password=b",
            None,
            JSON
        )
        .await,
        r#"{"error":"Error: Tokens are not used on this installation."}"#
    );
}

fn token_config(lifetime: u64) -> Config {
    let mut config = Config::default();
    config.forma.auth_method = AuthMethod::Token;
    config.forma.rest_auth_lifetime = lifetime;
    config
}

async fn authenticate(lms: &Lms, body: &str) -> serde_json::Value {
    let text = lms.raw("/api/auth/authenticate", body, None, JSON).await;
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn a_token_authenticates_later_calls_and_re_authenticating_kills_the_old_one() {
    let lms = Lms::with_config(token_config(60)).await;
    lms.app.add_user("ops", "Ops-Pass-1").await;
    assert_eq!(
        lms.raw("/api/auth/getauthmethod", "", None, JSON).await,
        r#"{"success":true,"method":"GENERATED_TOKEN"}"#
    );
    let reply = authenticate(&lms, "username=ops&password=Ops-Pass-1").await;
    assert_eq!(reply["message"], "You are authenticated.");
    let token = reply["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    assert_eq!(reply["expire_at"].as_str().unwrap().len(), 19);
    let ok = lms
        .raw("/api/user/countusers", &format!("auth={token}"), None, JSON)
        .await;
    assert_eq!(ok, r#"{"success":true,"users_count":"1"}"#);
    let newer = authenticate(&lms, "username=OPS&password=Ops-Pass-1").await;
    assert_ne!(newer["token"], reply["token"]);
    assert_eq!(
        lms.raw("/api/user/countusers", &format!("auth={token}"), None, JSON)
            .await,
        r#"{"error":"Autentication Token is not valid"}"#
    );
    assert_eq!(
        authenticate(&lms, "username=ops&password=wrong").await,
        json!({"error": "Error: invalid user."})
    );
    assert_eq!(
        authenticate(&lms, "username=ops").await,
        json!({"error": "Error: invalid login data provided."})
    );
}

#[tokio::test]
async fn a_token_expires_unless_used_and_each_use_slides_its_lifetime() {
    let lms = Lms::with_config(token_config(2)).await;
    lms.app.add_user("ops", "Ops-Pass-1").await;
    let token = authenticate(&lms, "username=ops&password=Ops-Pass-1").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = format!("auth={token}");
    let call = || lms.raw("/api/user/countusers", &body, None, JSON);
    for _ in 0..3 {
        // 3 × 1.2 s > 2 s: only sliding keeps it alive.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(call().await.starts_with(r#"{"success":true"#));
    }
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(
        call().await,
        r#"{"error":"Autentication Token is not valid"}"#
    );
}

#[tokio::test]
async fn repeated_bad_signatures_lock_the_key_out_even_for_a_good_one() {
    let lms = Lms::new().await;
    let forged = gatehouse_schemes::forma::sign_header(&lms.key(), "wrong", &Default::default());
    for _ in 0..10 {
        lms.raw("/api/user/countusers", "", Some(&forged), None)
            .await;
    }
    let good = lms.sign("");
    assert_eq!(
        lms.raw(
            "/api/user/countusers",
            "",
            Some(&good),
            Some("application/json")
        )
        .await,
        r#"{"error":"Api Key or Secret not valid"}"#
    );
}

#[tokio::test]
async fn a_multipart_body_is_signed_over_its_text_parts_as_postman_sends_it() {
    let lms = Lms::new().await;
    let body = "--b0undary\r\nContent-Disposition: form-data; name=\"userid\"\r\n\r\npostman\r\n\
                --b0undary\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.png\"\r\n\r\nPNG\r\n\
                --b0undary\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n\r\n--b0undary--\r\n";
    // The values PHP puts in $_POST: "postman" and "" (the file part is not one).
    let header = lms.sign("userid=postman&email=");
    let response = lms
        .app
        .client
        .post(lms.app.url("/forma/api/user/create"))
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .header("accept", "application/json")
        .header("x-authorization", format!("FormaLMS  {}", &header[9..]))
        .body(body)
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    assert!(text.starts_with(r#"{"success":true"#), "{text}");
}

#[tokio::test]
async fn a_refused_signature_says_why_in_the_sandbox_diagnostic_header() {
    let lms = Lms::new().await;
    let forged = gatehouse_schemes::forma::sign_header(&lms.key(), "wrong", &Default::default());
    let response = lms
        .app
        .client
        .post(lms.app.url("/forma/api/user/countusers"))
        .header("x-authorization", forged)
        .body("status=all")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    let header = response.headers()["x-gatehouse-diagnostic"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        header.starts_with(r#"reason=mismatch; canonical="all,{secret}"; expected=""#),
        "{header}"
    );
}

#[tokio::test]
async fn a_legacy_sha1_password_authenticates_and_is_then_stored_as_argon2id() {
    use gatehouse_domain::{NewUser, PasswordHash, Username};
    let lms = Lms::with_config(token_config(60)).await;
    // sha1("secret"), as Chamilo's PasswordCrypted calls store it.
    let mut new = NewUser::new(Username::parse("legacy").unwrap());
    new.password =
        Some(PasswordHash::legacy_sha1("e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", None).unwrap());
    let user = lms.app.store().create_user(new).await.unwrap();
    let reply = authenticate(&lms, "username=legacy&password=secret").await;
    assert_eq!(reply["message"], "You are authenticated.", "{reply}");
    let stored = lms.app.store().user(user.id).await.unwrap().unwrap();
    assert!(
        matches!(stored.password, Some(PasswordHash::Argon2(_))),
        "{:?}",
        stored.password
    );
}
