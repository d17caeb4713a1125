//! `gatehouse explain` reproduces the specs' vectors from the command line and points at the
//! first difference of a wrong value.

use gatehouse_testkit::run_gatehouse;

use crate::bin;

async fn explain(args: &[&str]) -> (i32, serde_json::Value) {
    let mut full = vec!["explain", "--json"];
    full.extend_from_slice(args);
    let cwd = std::env::temp_dir();
    let (code, stdout, stderr) = run_gatehouse(bin(), &cwd, &full, &[], None).await.unwrap();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (code, report)
}

#[tokio::test]
async fn chamilo_vectors_match_and_a_wrong_ip_is_pointed_at() {
    // specs/chamilo.md §3 vectors 1 and 2.
    let (code, r) = explain(&[
        "chamilo",
        "--ip",
        "203.0.113.10",
        "--security-key",
        "0123456789abcdef0123456789abcdef",
        "--secret-key",
        "78f94282503da8b8934661183379d12fb23f75e1",
    ])
    .await;
    assert_eq!((code, &r["matches"]), (0, &serde_json::json!(true)));
    let (code, r) = explain(&[
        "chamilo",
        "--ip",
        "2001:db8::7",
        "--security-key",
        "s3cr3t-chamilo-key",
    ])
    .await;
    assert_eq!(code, 0);
    assert_eq!(r["expected"], "3377aa65237a920e54638fb1feb4c022338a6e2d");
    // The key of another IP: a mismatch, exit 1, with a note about testip.php.
    let (code, r) = explain(&[
        "chamilo",
        "--ip",
        "203.0.113.11",
        "--security-key",
        "0123456789abcdef0123456789abcdef",
        "--secret-key",
        "78f94282503da8b8934661183379d12fb23f75e1",
    ])
    .await;
    assert_eq!(code, 1);
    assert_eq!(r["matches"], false);
    assert!(r["first_difference"]["index"].is_u64());
    assert!(r["notes"].to_string().contains("testip.php"), "{r}");
}

#[tokio::test]
async fn corebos_vectors_match_and_the_js_rn_bug_is_recognised() {
    // specs/corebos.md §13 vectors 1 and 3.
    let (code, r) = explain(&[
        "corebos",
        "--token",
        "65a7f3c2e1b4d",
        "--access-key",
        "Xq7Lm2Pz9Rt4Vw8K",
        "--sent",
        "6072a8246926f6798bca25fb1c288965",
    ])
    .await;
    assert_eq!((code, &r["matches"]), (0, &serde_json::json!(true)));
    assert_eq!(r["canonical"], "65a7f3c2e1b4dXq7Lm2Pz9Rt4Vw8K");
    let (_, r) = explain(&[
        "corebos",
        "--token",
        "66f1e2d3c4b5a",
        "--access-key",
        "Kbrn8QpLz3Ws5Tu",
    ])
    .await;
    assert_eq!(r["expected"], "137d6458252383e1f394bc5e189ddccf");
}

#[tokio::test]
async fn forma_vectors_match_and_a_reordered_body_is_refused() {
    // specs/forma.md §7.1 V1.
    let body = "userid=jdoe&firstname=John&lastname=Doe&password=Secret123&email=jdoe%40example.com&role=user&valid=1";
    let header = "FormaLMS bXlhcGlrZXk6OWRhYTI3MzRmMmNiZTY4N2JiOGU5ZjBmZTVhNzNiNTE2MGM5ZWIzMg==";
    let (code, r) = explain(&[
        "forma", "--key", "myapikey", "--secret", "mysecret", "--body", body, "--header", header,
    ])
    .await;
    assert_eq!((code, &r["matches"]), (0, &serde_json::json!(true)));
    assert_eq!(
        r["canonical"],
        "jdoe,John,Doe,Secret123,jdoe@example.com,user,1,mysecret"
    );
    let reordered = "firstname=John&userid=jdoe&lastname=Doe&password=Secret123&email=jdoe%40example.com&role=user&valid=1";
    let (code, r) = explain(&[
        "forma", "--key", "myapikey", "--secret", "mysecret", "--body", reordered, "--header",
        header,
    ])
    .await;
    assert_eq!(code, 1);
    assert_eq!(r["matches"], false);
}

#[tokio::test]
async fn forma_sso_vector_matches_in_either_case() {
    // specs/forma.md §7.2 S1.
    let (code, r) = explain(&[
        "forma-sso",
        "--user",
        "gverdi",
        "--time",
        "1511165622",
        "--sso-secret",
        "parolachiavecondivisasso",
        "--token",
        "D16EA692E74FDD9CBBBD2FB1001C33E1",
    ])
    .await;
    assert_eq!((code, &r["matches"]), (0, &serde_json::json!(true)));
    assert_eq!(r["canonical"], "gverdi,1511165622,parolachiavecondivisasso");
}

#[tokio::test]
async fn wildix_vector_matches_at_its_time_and_a_changed_parameter_is_named() {
    // specs/wildix.md §10 V1 (clock fixed at the vector's time, D14).
    let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMzAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI4OGFhYWJiN2FjMzZjNTc4OTU1MTc0ZGE2MGVlNGM0MzFjNDMyMTVhZjI1YThmZmRlMzFmMDYzZTY0NjYwODgzIn19.GP0dqS_mNWAgKAbpfY8jb--ba2QL4jFcboYGiIFPx8I";
    let query = "fields=id%2Cstart%2Cend%2Csrc%2Cdst&filter%5Bstart%5D%5Bfrom%5D=01%2F11%2F2023+00%3A00&filter%5Bstart%5D%5Bto%5D=02%2F11%2F2023+23%3A59&count=50&start=0";
    let url = format!("https://pbx.example.com/api/v1/PBX/CallHistory/?{query}");
    let args = |url: &str| {
        vec![
            "wildix".to_owned(),
            "--method".into(),
            "GET".into(),
            "--url".into(),
            url.to_owned(),
            "--app-id".into(),
            "s2s-acme-0001".into(),
            "--app-name".into(),
            "acme-crm".into(),
            "--secret".into(),
            "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA".into(),
            "--token".into(),
            jwt.into(),
            "--now".into(),
            "1700000010".into(),
        ]
    };
    let owned = args(&url);
    let (code, r) = explain(&owned.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        r["expected"].as_str().map(|t| t.split('.').nth(1)),
        Some(jwt.split('.').nth(1))
    );
    // count=51 instead of 50: the hash check fails and says so.
    let changed = args(&url.replace("count=50", "count=51"));
    let (code, r) = explain(&changed.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(code, 1);
    let failed: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["part"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["hash"], "{r}");
}
