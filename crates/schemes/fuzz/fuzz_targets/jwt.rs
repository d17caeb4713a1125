//! The JWT decoder and the whole Wildix verify path on arbitrary Authorization headers.
#![no_main]

use gatehouse_schemes::wildix::{self, IssCheck, RawRequest, VerifyParams};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(token) = wildix::decode_unverified(text) {
            if let Ok(claims) = token.claims() {
                let params = VerifyParams {
                    now: 1_700_000_000,
                    leeway: 60,
                    max_lifetime: 3600,
                    iss_check: IssCheck::Log,
                };
                let _ = wildix::check_times(&claims, &params);
                let _ = wildix::jwt::payload_json(&claims);
            }
            let _ = token.alg();
            let _ = token.signature_valid("secret");
        }
    }
    let headers = [
        ("Host", &b"pbx.example.com"[..]),
        ("X-APP-ID", b"app"),
        ("Authorization", data),
    ];
    let req = RawRequest {
        method: "POST",
        path: "/api",
        query: b"a[]=1",
        headers: &headers,
        body: b"x=1",
    };
    let params = VerifyParams {
        now: 1_700_000_000,
        leeway: 60,
        max_lifetime: 3600,
        iss_check: IssCheck::Log,
    };
    let _ = wildix::verify(&req, "app", "secret", &params);
});
