//! Forma LMS API signature: `X-Authorization: FormaLMS base64(key + ":" + sha1hex)`.
//!
//! `sha1hex = sha1_hex(join(",", V) + "," + secret)` where `V` are the POST values as PHP
//! parsed them: values only, `$_POST` order, arrays flattened depth-first, empties kept
//! (forma.md §3.3.2). Forma parses the header leniently (§3.3.1): every `FormaLMS ` is
//! removed, base64 is decoded non-strictly, and the comparison ignores case.
//!
//! ```
//! use gatehouse_schemes::{forma, php_form};
//!
//! let post = php_form::parse_post(b"userid=jdoe&email=&role=user");
//! let header = forma::sign_header("myapikey", "mysecret", &post);
//! forma::verify(header.as_bytes(), "myapikey", "mysecret", &post).unwrap();
//! let err = forma::verify(header.as_bytes(), "myapikey", "other", &post).unwrap_err();
//! assert_eq!(err.reason_code(), "mismatch");
//! assert_eq!(err.canonical(), Some("jdoe,,user,{secret}"));
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::ct::{HexCase, check_hex, ct_eq, php_base64_decode_lenient, sha1_hex};
use crate::error::{Reason, VerifyError};
use crate::php_value::{PhpArray, PhpValue};

/// The prefix the official clients write before the base64 part (forma.md §3.3.1).
pub const HEADER_PREFIX: &str = "FormaLMS ";

/// The values Forma signs, in order: `$_POST` flattened depth-first, keys dropped.
/// Forma 3.0+ recurses into nested arrays; empty arrays contribute nothing (forma.md §3.3.2).
pub fn signed_values(post: &PhpArray) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    flatten(post, &mut out);
    out
}

fn flatten(a: &PhpArray, out: &mut Vec<Vec<u8>>) {
    for (_, v) in a.iter() {
        match v {
            PhpValue::Array(inner) => flatten(inner, out),
            scalar => out.push(scalar.to_php_string()),
        }
    }
}

fn joined(post: &PhpArray) -> Vec<u8> {
    signed_values(post).join(&b","[..])
}

/// The exact bytes Forma hashes: `join(",", values) + "," + secret`.
/// An empty body hashes just `"," + secret`, one constant per installation (forma.md §3.3.2).
pub fn canonical_input(post: &PhpArray, secret: &str) -> Vec<u8> {
    let mut s = joined(post);
    s.push(b',');
    s.extend_from_slice(secret.as_bytes());
    s
}

/// [`canonical_input`] with the secret replaced by `{secret}` (D16); non-UTF-8 bytes shown as U+FFFD.
pub fn redacted_input(post: &PhpArray) -> String {
    format!("{},{{secret}}", String::from_utf8_lossy(&joined(post)))
}

/// The lower-case sha1 hex inside the header.
pub fn signature(post: &PhpArray, secret: &str) -> String {
    sha1_hex(&canonical_input(post, secret))
}

/// The full header value a client sends: `FormaLMS ` + base64(`key:sha1hex`).
pub fn sign_header(key: &str, secret: &str, post: &PhpArray) -> String {
    let raw = format!("{key}:{}", signature(post, secret));
    format!("{HEADER_PREFIX}{}", STANDARD.encode(raw))
}

/// Decodes a received header as Forma does: removes every `FormaLMS ` (exact case, one space),
/// then decodes base64 non-strictly (spaces and other foreign characters skipped, padding optional).
/// So `FormaLMS  <b64>` (Postman's two spaces) and a bare `<b64>` both work (forma.md §3.3.1).
pub fn decode_header(header: &[u8]) -> Vec<u8> {
    let prefix = HEADER_PREFIX.as_bytes();
    let mut stripped = Vec::with_capacity(header.len());
    let mut i = 0;
    while let Some(rest) = header.get(i..) {
        if rest.is_empty() {
            break;
        }
        if rest.starts_with(prefix) {
            i += prefix.len();
        } else {
            stripped.push(rest[0]);
            i += 1;
        }
    }
    php_base64_decode_lenient(&stripped)
}

/// Verifies a received `X-Authorization` header against the api key, secret and parsed body.
/// Key and hex compare case-insensitively, as Forma does; the hex in constant time. An empty
/// secret is refused (`secret_unset`) rather than making the API public (forma.md §3.3.4, §6).
pub fn verify(header: &[u8], key: &str, secret: &str, post: &PhpArray) -> Result<(), VerifyError> {
    if secret.is_empty() {
        return Err(Reason::SecretUnset {
            what: "rest_auth_api_secret",
        }
        .into());
    }
    if header.iter().all(u8::is_ascii_whitespace) {
        return Err(Reason::Missing {
            what: "X-Authorization header",
        }
        .into());
    }
    let decoded = decode_header(header);
    let expected = signature(post, secret);
    let context = |e: VerifyError| {
        e.with_canonical(redacted_input(post))
            .with_expected(format!("{key}:{expected}"))
    };
    // The hex part has no ':', so the last ':' separates it from the key.
    let Some(colon) = decoded.iter().rposition(|&b| b == b':') else {
        return Err(context(
            Reason::BadEncoding {
                what: "X-Authorization header",
                detail: "decoded value has no ':' between key and hash",
            }
            .into(),
        ));
    };
    let (sent_key, sent_hex) = (&decoded[..colon], &decoded[colon + 1..]);
    if !sent_key.eq_ignore_ascii_case(key.as_bytes()) {
        return Err(context(Reason::WrongKey.into()));
    }
    check_hex("X-Authorization hash", sent_hex, 40, HexCase::Any).map_err(context)?;
    if ct_eq(&sent_hex.to_ascii_lowercase(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(context(
            Reason::Mismatch {
                what: "X-Authorization hash",
            }
            .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php_form::parse_post;
    use proptest::prelude::*;

    struct Vector {
        body: &'static [u8],
        key: &'static str,
        secret: &'static str,
        hashed: &'static str,
        sha1: &'static str,
        header: &'static str,
    }

    // forma.md §7.1, V1-V4.
    const VECTORS: [Vector; 4] = [
        Vector {
            body: b"userid=jdoe&firstname=John&lastname=Doe&password=Secret123&email=jdoe%40example.com&role=user&valid=1",
            key: "myapikey",
            secret: "mysecret",
            hashed: "jdoe,John,Doe,Secret123,jdoe@example.com,user,1,mysecret",
            sha1: "9daa2734f2cbe687bb8e9f0fe5a73b5160c9eb32",
            header: "FormaLMS bXlhcGlrZXk6OWRhYTI3MzRmMmNiZTY4N2JiOGU5ZjBmZTVhNzNiNTE2MGM5ZWIzMg==",
        },
        Vector {
            body: b"",
            key: "myapikey",
            secret: "mysecret",
            hashed: ",mysecret",
            sha1: "ba64fc19887c27d6398e8fbcab8a7455b698b05d",
            header: "FormaLMS bXlhcGlrZXk6YmE2NGZjMTk4ODdjMjdkNjM5OGU4ZmJjYWI4YTc0NTViNjk4YjA1ZA==",
        },
        Vector {
            body: b"idst=12345&course_id=7&user_level=student&_customfields%5B3%5D=Milano&_customfields%5B5%5D=IT&sendmail=",
            key: "K3y-42",
            secret: "s3cr3t!",
            hashed: "12345,7,student,Milano,IT,,s3cr3t!",
            sha1: "e5bbdd17a62d2d0e99ed64443d0c520b2e8837fe",
            header: "FormaLMS SzN5LTQyOmU1YmJkZDE3YTYyZDJkMGU5OWVkNjQ0NDNkMGM1MjBiMmU4ODM3ZmU=",
        },
        Vector {
            body: b"userid=caf%C3%A9&email=&userid=zo%C3%AB+x",
            key: "myapikey",
            secret: "mysecret",
            hashed: "zoë x,,mysecret",
            sha1: "76d5654e9367f310976933e46ab77c66e88c52a1",
            header: "FormaLMS bXlhcGlrZXk6NzZkNTY1NGU5MzY3ZjMxMDk3NjkzM2U0NmFiNzdjNjZlODhjNTJhMQ==",
        },
    ];

    #[test]
    fn spec_vectors_hash_sign_and_verify() {
        for v in &VECTORS {
            let post = parse_post(v.body);
            assert_eq!(canonical_input(&post, v.secret), v.hashed.as_bytes());
            assert_eq!(signature(&post, v.secret), v.sha1);
            assert_eq!(sign_header(v.key, v.secret, &post), v.header);
            verify(v.header.as_bytes(), v.key, v.secret, &post).unwrap();
        }
    }

    // forma.md §3.3.2: `a[]=1&a[]=2&b=3&a[]=4` gives `1,2,4,3`.
    #[test]
    fn arrays_flatten_depth_first_in_first_position_order() {
        let post = parse_post(b"a[]=1&a[]=2&b=3&a[]=4&c[x][y]=5&c[z]=6");
        assert_eq!(canonical_input(&post, "s"), b"1,2,4,3,5,6,s");
    }

    // forma.md §3.3.1: two spaces (Postman), no prefix, upper-case hex and key all pass.
    #[test]
    fn header_parsing_is_as_lenient_as_forma() {
        let v = &VECTORS[0];
        let post = parse_post(v.body);
        let b64 = v.header.trim_start_matches(HEADER_PREFIX);
        for h in [
            format!("FormaLMS  {b64}"),
            b64.to_owned(),
            format!("FormaLMS {}", b64.trim_end_matches('=')),
            format!(
                "FormaLMS {}",
                STANDARD.encode(format!("MYAPIKEY:{}", v.sha1.to_uppercase()))
            ),
            format!("FormaLMS FormaLMS {b64} "),
        ] {
            verify(h.as_bytes(), v.key, v.secret, &post).unwrap_or_else(|e| panic!("{h}: {e}"));
        }
    }

    #[test]
    fn refusals_carry_distinct_reasons_and_no_secret() {
        let v = &VECTORS[0];
        let post = parse_post(v.body);
        let code = |h: &str| {
            verify(h.as_bytes(), v.key, v.secret, &post)
                .unwrap_err()
                .reason_code()
        };
        assert_eq!(code(""), "missing");
        assert_eq!(code("FormaLMS bm9jb2xvbg=="), "bad_encoding");
        assert_eq!(
            code(&STANDARD.encode(format!("otherkey:{}", v.sha1))),
            "wrong_key"
        );
        assert_eq!(code(&STANDARD.encode("myapikey:abc")), "bad_length");
        assert_eq!(
            code(&STANDARD.encode(format!("myapikey:{}", "x".repeat(40)))),
            "bad_encoding"
        );
        let wrong = sign_header(v.key, "not-the-secret", &post);
        let err = verify(wrong.as_bytes(), v.key, v.secret, &post).unwrap_err();
        assert_eq!(err.reason_code(), "mismatch");
        assert_eq!(
            err.canonical(),
            Some("jdoe,John,Doe,Secret123,jdoe@example.com,user,1,{secret}")
        );
        assert_eq!(
            err.expected(),
            Some(format!("myapikey:{}", v.sha1).as_str())
        );
        assert!(!format!("{err:?} {err}").contains("mysecret"));
        let open = verify(v.header.as_bytes(), v.key, "", &post).unwrap_err();
        assert_eq!(open.reason_code(), "secret_unset");
    }

    // forma.md §3.3.6: the Postman script drops empty values; Forma (and gatehouse) keeps them.
    #[test]
    fn a_signature_that_skipped_empty_values_is_refused() {
        let post = parse_post(b"a=1&b=&c=2");
        let postman = format!("myapikey:{}", sha1_hex(b"1,2,mysecret"));
        let header = format!("FormaLMS  {}", STANDARD.encode(postman));
        let err = verify(header.as_bytes(), "myapikey", "mysecret", &post).unwrap_err();
        assert_eq!(err.reason_code(), "mismatch");
    }

    proptest! {
        // Keys are never signed (forma.md §3.3.2), so tampering is tested on values and secret.
        #[test]
        fn signatures_round_trip_and_a_changed_value_or_secret_fails(
            values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 0..8),
            secret in "[ -~]{1,24}",
            which in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let body: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("f{i}={}", crate::php_form::url_encode(v)))
                .collect();
            let post = parse_post(body.join("&").as_bytes());
            let header = sign_header("k", &secret, &post);
            prop_assert!(verify(header.as_bytes(), "k", &secret, &post).is_ok());
            let other_secret = format!("{secret}x");
            prop_assert!(verify(header.as_bytes(), "k", &other_secret, &post).is_err());
            if !values.is_empty() {
                let mut changed = values.clone();
                let target = &mut changed[which.index(values.len())];
                if target.is_empty() { target.push(byte) } else { target[0] = target[0].wrapping_add(byte.max(1)) }
                let body: Vec<String> = changed
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("f{i}={}", crate::php_form::url_encode(v)))
                    .collect();
                let tampered = parse_post(body.join("&").as_bytes());
                prop_assert!(verify(header.as_bytes(), "k", &secret, &tampered).is_err());
            }
        }
    }
}
