use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::Sha256;

use super::*;

const APP_ID: &str = "s2s-acme-0001";
const APP_NAME: &str = "acme-crm";
const SECRET: &str = "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA";

struct Vector {
    method: &'static str,
    path: &'static str,
    query: &'static str,
    /// Headers the client signs, in `sign.headers` order, with their wire values.
    signed: &'static [(&'static str, &'static str)],
    body: &'static str,
    ts: i64,
    canonical: &'static str,
    hash: &'static str,
    jwt: &'static str,
}

const HOST_APP: &[(&str, &str)] = &[("Host", "pbx.example.com"), ("X-APP-ID", APP_ID)];

// wildix.md §10, V1-V4 (common config: app s2s-acme-0001 / acme-crm).
const VECTORS: [Vector; 4] = [
    Vector {
        method: "GET",
        path: "/api/v1/PBX/CallHistory/",
        query: "fields=id%2Cstart%2Cend%2Csrc%2Cdst&filter%5Bstart%5D%5Bfrom%5D=01%2F11%2F2023+00%3A00&filter%5Bstart%5D%5Bto%5D=02%2F11%2F2023+23%3A59&count=50&start=0",
        signed: HOST_APP,
        body: "",
        ts: 1700000000,
        canonical: "GET/api/v1/PBX/CallHistory/host:pbx.example.com;x-app-id:s2s-acme-0001;count:50;fields:id,start,end,src,dst;filter:start:from:01/11/2023 00:00;to:02/11/2023 23:59;;;start:0;",
        hash: "88aaabb7ac36c578955174da60ee4c431c43215af25a8ffde31f063e64660883",
        jwt: "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMzAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI4OGFhYWJiN2FjMzZjNTc4OTU1MTc0ZGE2MGVlNGM0MzFjNDMyMTVhZjI1YThmZmRlMzFmMDYzZTY0NjYwODgzIn19.GP0dqS_mNWAgKAbpfY8jb--ba2QL4jFcboYGiIFPx8I",
    },
    Vector {
        method: "POST",
        path: "/api/v1/Originate",
        query: "",
        signed: HOST_APP,
        body: "channel=Local%2F1001%40users&context=users&exten=1002&priority=1&callerid=Acme+%3C1001%3E",
        ts: 1700000100,
        canonical: "POST/api/v1/Originatehost:pbx.example.com;x-app-id:s2s-acme-0001;callerid:Acme <1001>;channel:Local/1001@users;context:users;exten:1002;priority:1;",
        hash: "fa5cc7bb4a99b2c1589e12ce26821ed8e47bc651b952377c90fe4475b219ec1a",
        jwt: "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDEwMCwiZXhwIjoxNzAwMDAwNDAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiJmYTVjYzdiYjRhOTliMmMxNTg5ZTEyY2UyNjgyMWVkOGU0N2JjNjUxYjk1MjM3N2M5MGZlNDQ3NWIyMTllYzFhIn19.MWQAFvebeZ9FU8XGfQB_dTPR4fZ9xTtzUlxJQMeGZzU",
    },
    Vector {
        method: "POST",
        path: "/api/v1/Sounds/",
        query: "",
        signed: &[
            ("Content-Type", "application/json"),
            ("Host", "pbx.example.com"),
            ("X-APP-ID", APP_ID),
        ],
        body: r#"{"directory":"custom","filename":"welcome","text":"Welcome to Acme. Please hold.","voice":"en-US-Female"}"#,
        ts: 1700000200,
        canonical: "POST/api/v1/Sounds/content-type:application/json;host:pbx.example.com;x-app-id:s2s-acme-0001;directory:custom;filename:welcome;text:Welcome to Acme. Please hold.;voice:en-US-Female;",
        hash: "31905e9a070b739a3d423da3f113390662a9d88711ae3bd1c2fd36a68dc0425e",
        jwt: "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDIwMCwiZXhwIjoxNzAwMDAwNTAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiQ29udGVudC1UeXBlIiwiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiIzMTkwNWU5YTA3MGI3MzlhM2Q0MjNkYTNmMTEzMzkwNjYyYTlkODg3MTFhZTNiZDFjMmZkMzZhNjhkYzA0MjVlIn19.h7M8ZLcYEHBsc5jNid27rhmOO2yrIgCRx67nNKbwVCs",
    },
    Vector {
        method: "GET",
        path: "/api/v1/PBX/settings/CallQueues/",
        query: "",
        signed: HOST_APP,
        body: "",
        ts: 1700000300,
        canonical: "GET/api/v1/PBX/settings/CallQueues/host:pbx.example.com;x-app-id:s2s-acme-0001;",
        hash: "53269c6477310b658404bd784f662ce5871ff9556ee60a6f11b20ab97500bc13",
        jwt: "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDMwMCwiZXhwIjoxNzAwMDAwNjAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiI1MzI2OWM2NDc3MzEwYjY1ODQwNGJkNzg0ZjY2MmNlNTg3MWZmOTU1NmVlNjBhNmYxMWIyMGFiOTc1MDBiYzEzIn19.LYxreDbuY2GPjCYrS3breHKSikque-xNk9wTxqCL6cE",
    },
];

/// Headers as received: the signed ones, Guzzle's unsigned extras, and the bearer token.
fn received<'a>(signed: &[(&'a str, &'a str)], auth: &'a str) -> Vec<(&'a str, &'a [u8])> {
    let mut h: Vec<(&str, &[u8])> = signed.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    h.push(("User-Agent", b"GuzzleHttp/6.5.8 curl/7.88.1 PHP/8.2.36"));
    h.push(("Authorization", auth.as_bytes()));
    h
}

fn request<'a>(v: &'a Vector, headers: &'a [(&'a str, &'a [u8])]) -> RawRequest<'a> {
    RawRequest {
        method: v.method,
        path: v.path,
        query: v.query.as_bytes(),
        headers,
        body: v.body.as_bytes(),
    }
}

fn params(now: i64) -> VerifyParams {
    VerifyParams {
        now,
        leeway: 60,
        max_lifetime: 3600,
        iss_check: IssCheck::Enforce,
    }
}

fn names(v: &Vector) -> Vec<&'static str> {
    v.signed.iter().map(|(n, _)| *n).collect()
}

/// A token over an arbitrary payload, for claims the signer would never write.
fn raw_token(header: &str, payload: &str, secret: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

// wildix.md §10 V1-V4; D14: the clock is fixed at each vector's time.
#[test]
fn spec_vectors_sign_byte_for_byte_and_verify_at_their_time() {
    for v in &VECTORS {
        let bearer = format!("Bearer {}", v.jwt);
        let headers = received(v.signed, &bearer);
        let req = request(v, &headers);
        let signed = sign(&req, &names(v), APP_NAME, SECRET, v.ts, DEFAULT_LIFETIME).unwrap();
        assert_eq!(signed.canonical, v.canonical, "{}", v.path);
        assert_eq!(signed.hash, v.hash);
        assert_eq!(signed.token, v.jwt);
        let ok = verify(&req, APP_NAME, SECRET, &params(v.ts)).unwrap();
        assert_eq!(ok.canonical, v.canonical);
        assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
    }
}

// wildix.md §10 "Check vector (upstream test, must reproduce)".
#[test]
fn the_upstream_php_test_vector_reproduces() {
    let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ0ZXN0LTEyMzQ1Njc4OTAiLCJpYXQiOjE2OTc3MDAwMDAsImV4cCI6MTY5NzcwMDMwMCwic2lnbiI6eyJhbGciOiJzaGEyNTYiLCJoZWFkZXJzIjpbImNvbnRlbnQtdHlwZSIsIkhvc3QiLCJYLUFQUC1JRCJdLCJoYXNoIjoiZGE5ZTg3ZDE5NDMyZjdjZGM5NTQ5N2FmOTZiNDlkYzIxMWQ3ZjM4ZjRlZWMzNjE1NGI3ZWU0ZDM5MWYxZWRiZCJ9fQ.S4iRArzr4xJ9XeEO_rSuomiPbOgTSX6CJdFjD7lWDy8";
    let bearer = format!("Bearer {jwt}");
    let headers = received(
        &[
            ("content-type", "application/json"),
            ("Host", "host.com"),
            ("X-APP-ID", "1234567890"),
        ],
        &bearer,
    );
    let req = RawRequest {
        method: "POST",
        path: "/api/test/",
        query: b"a=one&b=two&c=3",
        headers: &headers,
        body: br#"{"field1":"value1","field2":{"a":"value2","b":{"c":"value3"}}}"#,
    };
    let signed = sign(
        &req,
        &["content-type", "Host", "X-APP-ID"],
        "test-1234567890",
        "foo_secret1234567890",
        1697700000,
        300,
    )
    .unwrap();
    assert_eq!(
        signed.canonical,
        "POST/api/test/content-type:application/json;host:host.com;x-app-id:1234567890;a:one;b:two;c:3;field1:value1;field2:a:value2;b:c:value3;;;"
    );
    assert_eq!(
        signed.hash,
        "da9e87d19432f7cdc95497af96b49dc211d7f38f4eec36154b7ee4d391f1edbd"
    );
    assert_eq!(signed.token, jwt);
    verify(
        &req,
        "test-1234567890",
        "foo_secret1234567890",
        &params(1697700000),
    )
    .unwrap();
}

#[test]
fn time_checks_refuse_expired_future_and_overlong_tokens() {
    let v = &VECTORS[3];
    let bearer = format!("Bearer {}", v.jwt);
    let headers = received(v.signed, &bearer);
    let req = request(v, &headers);
    let code = |p: VerifyParams| {
        verify(&req, APP_NAME, SECRET, &p)
            .unwrap_err()
            .reason_code()
    };
    // exp = ts + 300: still valid at exp + leeway - 1, expired at exp + leeway.
    assert!(verify(&req, APP_NAME, SECRET, &params(v.ts + 359)).is_ok());
    assert_eq!(code(params(v.ts + 360)), "expired");
    assert!(verify(&req, APP_NAME, SECRET, &params(v.ts - 60)).is_ok());
    assert_eq!(code(params(v.ts - 61)), "not_yet_valid");
    assert_eq!(
        code(VerifyParams {
            max_lifetime: 299,
            ..params(v.ts)
        }),
        "lifetime_too_long"
    );
    let err = verify(&req, APP_NAME, SECRET, &params(v.ts + 1000)).unwrap_err();
    assert_eq!(err.canonical(), Some(v.canonical));
}

#[test]
fn tampered_requests_fail_with_the_canonical_string_and_expected_hash() {
    let v = &VECTORS[1];
    let bearer = format!("Bearer {}", v.jwt);
    let headers = received(v.signed, &bearer);
    let req = RawRequest { body: b"channel=Local%2F1001%40users&context=users&exten=1003&priority=1&callerid=Acme+%3C1001%3E", ..request(v, &headers) };
    let err = verify(&req, APP_NAME, SECRET, &params(v.ts)).unwrap_err();
    assert_eq!(err.reason_code(), "mismatch");
    let canonical = err.canonical().unwrap();
    assert!(canonical.contains("exten:1003;"), "{canonical}");
    assert_eq!(
        err.expected(),
        Some(sha256_hex(canonical.as_bytes()).as_str())
    );
    let req = RawRequest {
        path: "/wildix/api/v1/Originate",
        ..request(v, &headers)
    };
    assert_eq!(
        verify(&req, APP_NAME, SECRET, &params(v.ts))
            .unwrap_err()
            .reason_code(),
        "mismatch"
    );
}

#[test]
fn wrong_secrets_algorithms_and_headers_get_distinct_reasons() {
    let v = &VECTORS[3];
    let check = |auth: &str, secret: &str| {
        let headers = received(v.signed, auth);
        verify(&request(v, &headers), APP_NAME, secret, &params(v.ts))
            .map(|_| ())
            .map_err(|e| e.reason_code())
    };
    let bearer = format!("Bearer {}", v.jwt);
    assert_eq!(check(&bearer, "other-secret"), Err("bad_signature"));
    assert_eq!(check(&bearer, " "), Err("secret_unset"));
    assert_eq!(check("", SECRET), Err("missing"));
    assert_eq!(
        check(&format!("Basic {}", v.jwt), SECRET),
        Err("wrong_scheme")
    );
    assert_eq!(check("Bearer not.a.jwt", SECRET), Err("bad_encoding"));
    let payload = r#"{"iss":"acme-crm","iat":1700000300,"exp":1700000600,"sign":{"alg":"sha256","headers":["Host","X-APP-ID"],"hash":"53269c6477310b658404bd784f662ce5871ff9556ee60a6f11b20ab97500bc13"}}"#;
    let none = format!(
        "Bearer {}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(payload)
    );
    assert_eq!(check(&none, SECRET), Err("unsupported_alg"));
    let hs512 = format!(
        "Bearer {}",
        raw_token(r#"{"typ":"JWT","alg":"HS512"}"#, payload, SECRET)
    );
    assert_eq!(check(&hs512, SECRET), Err("unsupported_alg"));
    // The same payload signed properly verifies, so each refusal above is about one thing only.
    let good = format!("Bearer {}", raw_token(jwt::HEADER_JSON, payload, SECRET));
    assert_eq!(check(&good, SECRET), Ok(()));
    let no_exp = payload.replace(r#""exp":1700000600,"#, "");
    let no_exp = format!("Bearer {}", raw_token(jwt::HEADER_JSON, &no_exp, SECRET));
    assert_eq!(check(&no_exp, SECRET), Err("missing_claim"));
    let sha1 = payload.replace(r#""alg":"sha256""#, r#""alg":"sha1""#);
    let sha1 = format!("Bearer {}", raw_token(jwt::HEADER_JSON, &sha1, SECRET));
    assert_eq!(check(&sha1, SECRET), Err("unsupported_alg"));
}

// wildix.md §5 step 4: sign.headers as {"0":..,"1":..}; §7: third-party clients with 60 s lifetimes.
#[test]
fn third_party_tokens_with_object_header_lists_verify() {
    let v = &VECTORS[3];
    let payload = format!(
        r#"{{"iss":"acme-crm","iat":{},"exp":{},"sign":{{"alg":"sha256","headers":{{"0":"Host","1":"X-APP-ID"}},"hash":"{}"}}}}"#,
        v.ts,
        v.ts + 60,
        v.hash.to_uppercase()
    );
    let bearer = format!("Bearer {}", raw_token(jwt::HEADER_JSON, &payload, SECRET));
    let headers = received(v.signed, &bearer);
    let ok = verify(&request(v, &headers), APP_NAME, SECRET, &params(v.ts)).unwrap();
    assert_eq!(ok.claims.signed_headers, vec!["Host", "X-APP-ID"]);
}

#[test]
fn the_app_id_is_read_from_the_header_trimmed() {
    let headers: Vec<(&str, &[u8])> = vec![("x-app-id", b" s2s-acme-0001 ")];
    let req = RawRequest {
        method: "GET",
        path: "/",
        query: b"",
        headers: &headers,
        body: b"",
    };
    assert_eq!(req.app_id().as_deref(), Some(APP_ID));
    assert_eq!(
        RawRequest {
            headers: &[],
            ..req
        }
        .app_id(),
        None
    );
}

// D3: Host is compared without its port.
#[test]
fn a_host_header_with_a_port_verifies_against_the_portless_signature() {
    let v = &VECTORS[0];
    let bearer = format!("Bearer {}", v.jwt);
    let headers = received(
        &[("Host", "pbx.example.com:8443"), ("X-APP-ID", APP_ID)],
        &bearer,
    );
    verify(&request(v, &headers), APP_NAME, SECRET, &params(v.ts)).unwrap();
    assert_eq!(host_without_port(b"[::1]:8080"), b"[::1]");
    assert_eq!(host_without_port(b"::1"), b"::1");
}

#[test]
fn issuer_checks_enforce_or_warn() {
    let v = &VECTORS[3];
    let bearer = format!("Bearer {}", v.jwt);
    let headers = received(v.signed, &bearer);
    let req = request(v, &headers);
    let err = verify(&req, "other-app", SECRET, &params(v.ts)).unwrap_err();
    assert_eq!(err.reason_code(), "iss_mismatch");
    let ok = verify(
        &req,
        "other-app",
        SECRET,
        &VerifyParams {
            iss_check: IssCheck::Log,
            ..params(v.ts)
        },
    )
    .unwrap();
    assert_eq!(
        ok.warnings,
        vec![Warning::IssMismatch {
            iss: Some(APP_NAME.into())
        }]
    );
}

#[test]
fn unsigned_host_and_app_id_are_reported_as_warnings() {
    let headers: Vec<(&str, &[u8])> = vec![("Host", b"pbx.example.com")];
    let req = RawRequest {
        method: "GET",
        path: "/x",
        query: b"",
        headers: &headers,
        body: b"",
    };
    let signed = sign(&req, &[], APP_NAME, SECRET, 100, 300).unwrap();
    let bearer = format!("Bearer {}", signed.token);
    let mut with_auth = headers.clone();
    with_auth.push(("Authorization", bearer.as_bytes()));
    let ok = verify(
        &RawRequest {
            headers: &with_auth,
            ..req
        },
        APP_NAME,
        SECRET,
        &params(100),
    )
    .unwrap();
    assert_eq!(
        ok.warnings,
        vec![Warning::HostNotSigned, Warning::AppIdNotSigned]
    );
}

#[test]
fn bodies_are_ignored_for_get_and_delete_and_bad_json_is_bad_encoding() {
    let headers: Vec<(&str, &[u8])> = vec![("Content-Type", b"application/json; charset=utf-8")];
    let req = RawRequest {
        method: "DELETE",
        path: "/x",
        query: b"",
        headers: &headers,
        body: b"{not json",
    };
    assert_eq!(canonical_string(&req, &[] as &[&str]).unwrap(), b"DELETE/x");
    let req = RawRequest {
        method: "PUT",
        ..req
    };
    assert_eq!(
        canonical_string(&req, &[] as &[&str])
            .unwrap_err()
            .reason_code(),
        "bad_encoding"
    );
    let req = RawRequest { body: b"42", ..req };
    assert_eq!(
        canonical_string(&req, &[] as &[&str])
            .unwrap_err()
            .reason_code(),
        "bad_encoding"
    );
    // wildix.md §4: a JSON request with an empty body sends `[]`.
    let req = RawRequest { body: b"[]", ..req };
    assert_eq!(canonical_string(&req, &[] as &[&str]).unwrap(), b"PUT/x");
}

fn php_array_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::btree_map("[a-z][a-z0-9_]{0,7}", "[ -~]{0,12}", 0..8)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #[test]
    fn signed_requests_verify_and_any_changed_token_byte_fails(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]),
        query in php_array_strategy(),
        body in php_array_strategy(),
        iat in 1_600_000_000i64..1_900_000_000,
        pos in any::<prop::sample::Index>(),
        replacement in any::<u8>(),
    ) {
        let query = crate::php_form::build_query(&PhpArray::from_pairs(query.iter().map(|(k, v)| (k, PhpValue::Str(v.clone().into_bytes())))));
        let body = crate::php_form::build_query(&PhpArray::from_pairs(body.iter().map(|(k, v)| (k, PhpValue::Str(v.clone().into_bytes())))));
        let base: Vec<(&str, &[u8])> = vec![("Host", b"pbx.example.com"), ("X-APP-ID", APP_ID.as_bytes())];
        let req = RawRequest { method, path: "/api/v1/Thing", query: query.as_bytes(), headers: &base, body: body.as_bytes() };
        let signed = sign(&req, &["Host", "X-APP-ID"], APP_NAME, SECRET, iat, 300).unwrap();
        let bearer = format!("Bearer {}", signed.token);
        let mut headers = base.clone();
        headers.push(("Authorization", bearer.as_bytes()));
        let req = RawRequest { headers: &headers, ..req };
        prop_assert!(verify(&req, APP_NAME, SECRET, &params(iat)).is_ok());

        let mut token = signed.token.into_bytes();
        let i = pos.index(token.len());
        prop_assume!(token[i] != replacement);
        token[i] = replacement;
        let bearer = [b"Bearer ".as_slice(), &token].concat();
        let mut headers = base.clone();
        headers.push(("Authorization", &bearer));
        let tampered = RawRequest { headers: &headers, ..req };
        prop_assert!(verify(&tampered, APP_NAME, SECRET, &params(iat)).is_err());
    }

    // wildix.md §1: C() sorts keys, so the order of query parameters does not matter.
    #[test]
    fn canonical_strings_ignore_parameter_order(
        pairs in php_array_strategy(),
        seed in any::<u64>(),
    ) {
        let mut shuffled = pairs.clone();
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.rotate_left(i as u32) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let q = |p: &[(String, String)]| crate::php_form::build_query(&PhpArray::from_pairs(p.iter().map(|(k, v)| (k, PhpValue::Str(v.clone().into_bytes())))));
        let (a, b) = (q(&pairs), q(&shuffled));
        let ra = RawRequest { method: "POST", path: "/p", query: a.as_bytes(), headers: &[], body: b.as_bytes() };
        let rb = RawRequest { method: "POST", path: "/p", query: b.as_bytes(), headers: &[], body: a.as_bytes() };
        prop_assert_eq!(canonical_string(&ra, &[] as &[&str]).unwrap(), canonical_string(&rb, &[] as &[&str]).unwrap());
    }
}
