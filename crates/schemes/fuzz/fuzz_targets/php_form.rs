//! PHP `$_POST` parsing of arbitrary bodies, and Forma's signature over the result.
#![no_main]

use gatehouse_schemes::php_form::{self, Limits, Mode};
use gatehouse_schemes::{forma, wildix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let post = php_form::parse_post(data);
    let _ = forma::signed_values(&post);
    let _ = forma::redacted_input(&post);
    let header = forma::sign_header("key", "secret", &post);
    assert!(forma::verify(header.as_bytes(), "key", "secret", &post).is_ok());
    let _ = wildix::canonical_data(&post);
    // Re-serialising and parsing again must not panic either (keys may be re-mangled).
    let _ = php_form::parse_post(php_form::build_query(&post).as_bytes());
    let tight = Limits {
        max_vars: 8,
        max_depth: 3,
    };
    let _ = php_form::parse(data, Mode::Post, tight);
});
