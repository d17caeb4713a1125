//! Replays `fixtures/corebos/*.request` and compares the answers byte for byte with the
//! `.response.json` beside them (see fixtures/corebos/README.md).

use std::path::Path;

use crate::corebos_support::{Crm, WS, body};

#[tokio::test]
async fn every_fixture_request_gets_its_recorded_answer() {
    let crm = Crm::new().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/corebos");
    let mut replayed = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "request"))
        .collect();
    entries.sort();
    for request in entries {
        let line = std::fs::read_to_string(&request).unwrap();
        let (method, data) = line.trim_end().split_once(' ').unwrap();
        let expected = std::fs::read_to_string(request.with_extension("response.json")).unwrap();
        let url = crm.app.url(WS);
        let response = match method {
            "GET" => crm.app.client.get(format!("{url}?{data}")),
            _ => crm
                .app
                .client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(data.to_owned()),
        }
        .send()
        .await
        .unwrap();
        let (text, _) = body(response).await;
        assert_eq!(text, expected, "{}", request.display());
        replayed += 1;
    }
    assert!(replayed >= 7, "only {replayed} fixtures");
}
