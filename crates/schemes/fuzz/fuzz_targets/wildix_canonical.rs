//! Wildix's canonical request string over arbitrary methods, queries, headers and bodies.
#![no_main]

use gatehouse_schemes::wildix::{self, RawRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Layout: first byte picks method and content type, then query \xff headers \xff body.
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let method = ["GET", "POST", "PUT", "DELETE"][usize::from(selector & 3)];
    let content_type: &[u8] = if selector & 4 == 0 {
        b"application/json"
    } else {
        b"application/x-www-form-urlencoded"
    };
    let mut parts = rest.splitn(3, |&b| b == 0xff);
    let query = parts.next().unwrap_or_default();
    let host = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let headers = [
        ("Host", host),
        ("X-APP-ID", &b"app"[..]),
        ("Content-Type", content_type),
    ];
    let req = RawRequest {
        method,
        path: "/api/v1/x",
        query,
        headers: &headers,
        body,
    };
    if let Ok(signed) = wildix::sign(
        &req,
        &["Host", "X-APP-ID", "Content-Type"],
        "app",
        "secret",
        1_700_000_000,
        300,
    ) {
        let bearer = format!("Bearer {}", signed.token);
        let mut received = headers.to_vec();
        received.push(("Authorization", bearer.as_bytes()));
        let params = wildix::VerifyParams {
            now: 1_700_000_000,
            leeway: 60,
            max_lifetime: 3600,
            iss_check: wildix::IssCheck::Enforce,
        };
        let verified = wildix::verify(
            &RawRequest {
                headers: &received,
                ..req
            },
            "app",
            "secret",
            &params,
        );
        assert!(verified.is_ok(), "{verified:?}");
    }
});
