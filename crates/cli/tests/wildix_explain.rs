//! `gatehouse explain wildix` names the failing part of a request the Wildix suite refuses
//! (crates/server/tests/wildix_vectors.rs: the V1 vector with `count` changed after
//! signing, and the V4 vector presented after it expired).

use gatehouse_testkit::run_gatehouse;

use crate::bin;

const SECRET: &str = "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA";
const V1_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMzAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI4OGFhYWJiN2FjMzZjNTc4OTU1MTc0ZGE2MGVlNGM0MzFjNDMyMTVhZjI1YThmZmRlMzFmMDYzZTY0NjYwODgzIn19.GP0dqS_mNWAgKAbpfY8jb--ba2QL4jFcboYGiIFPx8I";
const V4_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDMwMCwiZXhwIjoxNzAwMDAwNjAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI1MzI2OWM2NDc3MzEwYjY1ODQwNGJkNzg0ZjY2MmNlNTg3MWZmOTU1NmVlNjBhNmYxMWIyMGFiOTc1MDBiYzEzIn19.LYxreDbuY2GPjCYrS3breHKSikque-xNk9wTxqCL6cE";

async fn explain(url: &str, token: &str, now: &str) -> (i32, serde_json::Value) {
    let args = [
        "explain",
        "--json",
        "wildix",
        "--method",
        "GET",
        "--url",
        url,
        "--app-id",
        "s2s-acme-0001",
        "--app-name",
        "acme-crm",
        "--secret",
        SECRET,
        "--token",
        token,
        "--now",
        now,
    ];
    let cwd = std::env::temp_dir();
    let (code, stdout, stderr) = run_gatehouse(bin(), &cwd, &args, &[], None).await.unwrap();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (code, report)
}

fn failing_parts(report: &serde_json::Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["ok"] == false)
        .filter_map(|c| c["part"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn explain_wildix_names_the_hash_when_a_parameter_was_changed_after_signing() {
    let url = "https://pbx.example.com:8443/api/v1/PBX/CallHistory/?fields=id%2Cstart%2Cend%2Csrc%2Cdst&filter%5Bstart%5D%5Bfrom%5D=01%2F11%2F2023+00%3A00&filter%5Bstart%5D%5Bto%5D=02%2F11%2F2023+23%3A59&count=99&start=0";
    let (code, report) = explain(url, V1_JWT, "1700000000").await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(failing_parts(&report), ["hash"], "{report}");
    assert!(
        report["canonical"]
            .as_str()
            .unwrap_or("")
            .contains("count:99;"),
        "{report}"
    );
}

#[tokio::test]
async fn explain_wildix_names_the_times_when_the_token_expired() {
    let url = "https://pbx.example.com/api/v1/PBX/settings/CallQueues/";
    let (_, report) = explain(url, V4_JWT, "1700000660").await;
    assert_eq!(failing_parts(&report), ["times"], "{report}");
}
