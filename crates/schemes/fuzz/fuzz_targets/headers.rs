//! The other header and parameter parsers: Forma X-Authorization, Basic, SSO times and tokens.
#![no_main]

use gatehouse_schemes::forma_sso::{self, SsoParams};
use gatehouse_schemes::{basic, chamilo, corebos, forma, php_value::PhpArray};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = forma::decode_header(data);
    let _ = forma::verify(data, "key", "secret", &PhpArray::new());
    let _ = basic::parse(data);
    let text = String::from_utf8_lossy(data);
    let mut fields = text.splitn(3, '\n');
    let (user, time, token) = (
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
    );
    let _ = forma_sso::verify(
        user,
        time,
        token,
        "secret",
        1_700_000_000,
        &SsoParams::default(),
    );
    let _ = chamilo::verify_soap_key(&text, "203.0.113.10", "key", chamilo::KeyMode::IpBound);
    let _ = corebos::verify_login(&text, "65a7f3c2e1b4d", "key");
});
