//! Chamilo LMS: the SOAP `secret_key`, the related username signatures, and REST api keys.
//!
//! SOAP calls carry `secret_key = sha1_hex(ip + security_key)` (whitelist mode:
//! `sha1_hex(security_key)`), chamilo.md §3. `courses_list.soap.php` and `user_info.soap.php`
//! sign `sha1(username + key)`. REST calls carry a per-user 32-char api key (chamilo.md §6).
//!
//! ```
//! use gatehouse_schemes::chamilo::{self, KeyMode};
//!
//! let key = chamilo::soap_secret_key("203.0.113.10", "0123456789abcdef0123456789abcdef");
//! assert_eq!(key, "78f94282503da8b8934661183379d12fb23f75e1");
//! chamilo::verify_soap_key(&key, "203.0.113.10", "0123456789abcdef0123456789abcdef", KeyMode::IpBound)
//!     .unwrap();
//! let err = chamilo::verify_soap_key(&key, "203.0.113.11", "0123456789abcdef0123456789abcdef", KeyMode::IpBound)
//!     .unwrap_err();
//! assert_eq!(err.reason_code(), "mismatch");
//! assert_eq!(err.canonical(), Some("203.0.113.11{security_key}"));
//! ```

use rand::{CryptoRng, RngCore};

use crate::ct::{HexCase, check_hex, ct_eq, sha1_hex, sha256_hex};
use crate::error::{Reason, VerifyError};

/// Which formula the installation uses for the SOAP key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// `sha1(ip + security_key)`: the default (chamilo.md §3, step 5).
    IpBound,
    /// `sha1(security_key)`: Chamilo's "whitelist mode", which drops the IP from the formula
    /// and never enforces the whitelist itself (chamilo.md §3 step 4, §7).
    Whitelist,
}

/// The string Chamilo hashes for the SOAP key: `ip + security_key`, or `security_key` alone.
/// `ip` is the text the server sees (`203.0.113.10`, `2001:db8::7`), exactly what `testip.php` reports;
/// Rust's `IpAddr` `Display` gives that text (RFC 5952 for IPv6).
pub fn soap_canonical_input(ip: &str, security_key: &str, mode: KeyMode) -> String {
    match mode {
        KeyMode::IpBound => format!("{ip}{security_key}"),
        KeyMode::Whitelist => security_key.to_owned(),
    }
}

fn soap_redacted(ip: &str, mode: KeyMode) -> String {
    match mode {
        KeyMode::IpBound => format!("{ip}{{security_key}}"),
        KeyMode::Whitelist => "{security_key}".to_owned(),
    }
}

/// The SOAP `secret_key` a client sends from `ip`: `sha1_hex(ip + security_key)`.
/// Clients compute it after asking `testip.php` for their IP (chamilo.md §3).
pub fn soap_secret_key(ip: &str, security_key: &str) -> String {
    sha1_hex(soap_canonical_input(ip, security_key, KeyMode::IpBound).as_bytes())
}

/// The SOAP `secret_key` in whitelist mode: `sha1_hex(security_key)`.
/// Independent of the caller's IP (chamilo.md §3 step 5).
pub fn whitelist_secret_key(security_key: &str) -> String {
    sha1_hex(security_key.as_bytes())
}

/// Verifies a received SOAP `secret_key` in constant time.
/// Lower-case hex only: Chamilo compares the strings case-sensitively (chamilo.md §3 step 6).
pub fn verify_soap_key(
    sent: &str,
    ip: &str,
    security_key: &str,
    mode: KeyMode,
) -> Result<(), VerifyError> {
    if security_key.is_empty() {
        return Err(Reason::SecretUnset {
            what: "security_key",
        }
        .into());
    }
    let expected = sha1_hex(soap_canonical_input(ip, security_key, mode).as_bytes());
    verify_sha1(sent, "secret_key", &expected, || soap_redacted(ip, mode))
}

/// The string hashed by `courses_list.soap.php` / `user_info.soap.php`: `username + key`.
/// `key` is the admin's `dokeos` api key or (courses_list only) the `security_key` (chamilo.md §3).
pub fn username_canonical_input(username: &str, key: &str) -> String {
    format!("{username}{key}")
}

/// The `signature` of `WSCourseList` / `WSCourseListOfUser`: `sha1_hex(username + key)`.
/// Those services identify the caller by username and this key-bound hash (chamilo.md §3).
pub fn username_signature(username: &str, key: &str) -> String {
    sha1_hex(username_canonical_input(username, key).as_bytes())
}

/// Verifies a `courses_list` / `user_info` signature in constant time.
/// The placeholder in the diagnostic is `{api_key}`, whichever key the server tried.
pub fn verify_username_signature(sent: &str, username: &str, key: &str) -> Result<(), VerifyError> {
    if key.is_empty() {
        return Err(Reason::SecretUnset { what: "api_key" }.into());
    }
    let expected = username_signature(username, key);
    verify_sha1(sent, "signature", &expected, || {
        format!("{username}{{api_key}}")
    })
}

fn verify_sha1(
    sent: &str,
    what: &'static str,
    expected: &str,
    redacted: impl FnOnce() -> String,
) -> Result<(), VerifyError> {
    if sent.is_empty() {
        return Err(Reason::Missing { what }.into());
    }
    let outcome = check_hex(what, sent.as_bytes(), 40, HexCase::Lower).and_then(|()| {
        if ct_eq(sent.as_bytes(), expected.as_bytes()) {
            Ok(())
        } else {
            Err(Reason::Mismatch { what }.into())
        }
    });
    outcome.map_err(|e| e.with_canonical(redacted()).with_expected(expected))
}

/// Generates a REST api key: 32 random lower-case hex characters.
/// Chamilo 1.11.6 derived keys from the time (predictable); the recommendation is 32 random hex (chamilo.md §6).
pub fn generate_api_key<R: RngCore + CryptoRng>(rng: &mut R) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The lookup hash stored beside an encrypted api key: SHA-256 hex of the key.
/// Lets the store index and match keys without decrypting them (D12).
pub fn lookup_hash(api_key: &str) -> String {
    sha256_hex(api_key.as_bytes())
}

/// Verifies a received REST `api_key` against the stored lookup hash, in constant time.
/// Chamilo compares the key itself loosely; hashing first makes the comparison length-independent.
pub fn verify_api_key(sent: &str, stored_lookup_hash: &str) -> Result<(), VerifyError> {
    if sent.is_empty() {
        return Err(Reason::Missing { what: "api_key" }.into());
    }
    if ct_eq(lookup_hash(sent).as_bytes(), stored_lookup_hash.as_bytes()) {
        Ok(())
    } else {
        Err(Reason::Mismatch { what: "api_key" }.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY1: &str = "0123456789abcdef0123456789abcdef";

    // chamilo.md §3 "Test vectors", rows 1-3.
    #[test]
    fn soap_key_vectors_from_the_spec_verify() {
        let rows = [
            (
                "203.0.113.10",
                KEY1,
                "78f94282503da8b8934661183379d12fb23f75e1",
            ),
            (
                "2001:db8::7",
                "s3cr3t-chamilo-key",
                "3377aa65237a920e54638fb1feb4c022338a6e2d",
            ),
            (
                "127.0.0.1",
                "d41d8cd98f00b204e9800998ecf8427e",
                "964c7a15d30ae267ee61a32efddbf1cebb44e40e",
            ),
        ];
        for (ip, key, want) in rows {
            assert_eq!(soap_secret_key(ip, key), want);
            verify_soap_key(want, ip, key, KeyMode::IpBound).unwrap();
        }
    }

    // chamilo.md §3 vector 2: the text of an IPv6 address is what `IpAddr` displays (RFC 5952).
    #[test]
    fn ip_addresses_render_as_the_text_the_vectors_hash() {
        let v6: std::net::IpAddr = "2001:0db8:0000::0007".parse().unwrap();
        assert_eq!(v6.to_string(), "2001:db8::7");
        let v4: std::net::IpAddr = "203.0.113.10".parse().unwrap();
        assert_eq!(
            soap_secret_key(&v4.to_string(), KEY1),
            "78f94282503da8b8934661183379d12fb23f75e1"
        );
    }

    // chamilo.md §3 "Test vectors", whitelist mode.
    #[test]
    fn whitelist_vector_from_the_spec_verifies_from_any_ip() {
        let want = "b1775a785f09a6ebaf2dc33d6eaeb98974d9cdb8";
        assert_eq!(whitelist_secret_key(KEY1), want);
        verify_soap_key(want, "198.51.100.1", KEY1, KeyMode::Whitelist).unwrap();
        let e = verify_soap_key(want, "198.51.100.1", KEY1, KeyMode::IpBound).unwrap_err();
        assert_eq!(e.reason_code(), "mismatch");
    }

    #[test]
    fn a_key_from_another_ip_is_a_mismatch_with_a_redacted_canonical() {
        let sent = soap_secret_key("203.0.113.10", KEY1);
        let e = verify_soap_key(&sent, "203.0.113.99", KEY1, KeyMode::IpBound).unwrap_err();
        assert_eq!(e.reason_code(), "mismatch");
        assert_eq!(e.canonical(), Some("203.0.113.99{security_key}"));
        assert_eq!(
            e.expected(),
            Some(soap_secret_key("203.0.113.99", KEY1).as_str())
        );
        assert!(!format!("{e:?}{e}").contains(KEY1));
    }

    // chamilo.md §3 step 6: the comparison is case-sensitive.
    #[test]
    fn upper_case_hex_short_values_and_empty_values_get_distinct_reasons() {
        let sent = soap_secret_key("127.0.0.1", KEY1).to_uppercase();
        let code = |s: &str| {
            verify_soap_key(s, "127.0.0.1", KEY1, KeyMode::IpBound)
                .unwrap_err()
                .reason_code()
        };
        assert_eq!(code(&sent), "bad_encoding");
        assert_eq!(code("abc"), "bad_length");
        assert_eq!(code(""), "missing");
        assert_eq!(code(&"z".repeat(40)), "bad_encoding");
        let e = verify_soap_key(&sent, "127.0.0.1", "", KeyMode::IpBound).unwrap_err();
        assert_eq!(e.reason_code(), "secret_unset");
    }

    // chamilo.md §3 "Related SOAP endpoints": sha1(username + key).
    #[test]
    fn username_signatures_hash_username_then_key() {
        let sig = username_signature("admin", "k3y");
        assert_eq!(sig, sha1_hex(b"admink3y"));
        verify_username_signature(&sig, "admin", "k3y").unwrap();
        let e = verify_username_signature(&sig, "Admin", "k3y").unwrap_err();
        assert_eq!(e.canonical(), Some("Admin{api_key}"));
    }

    #[test]
    fn generated_api_keys_are_32_lowercase_hex_and_differ() {
        let mut rng = rand::rngs::OsRng;
        let a = generate_api_key(&mut rng);
        let b = generate_api_key(&mut rng);
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
        assert_ne!(a, b);
    }

    #[test]
    fn api_keys_verify_against_their_lookup_hash_only() {
        let key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let stored = lookup_hash(key);
        assert_eq!(stored.len(), 64);
        verify_api_key(key, &stored).unwrap();
        assert_eq!(
            verify_api_key("x", &stored).unwrap_err().reason_code(),
            "mismatch"
        );
        assert_eq!(
            verify_api_key("", &stored).unwrap_err().reason_code(),
            "missing"
        );
    }

    proptest! {
        #[test]
        fn soap_keys_round_trip_and_any_one_byte_change_fails(
            ip in "[0-9a-f:.]{1,39}",
            key in ".{1,40}",
            pos in 0usize..40,
            delta in 1u8..16,
        ) {
            let sent = soap_secret_key(&ip, &key);
            prop_assert!(verify_soap_key(&sent, &ip, &key, KeyMode::IpBound).is_ok());
            let mut bytes = sent.into_bytes();
            let digit = (bytes[pos] as char).to_digit(16).unwrap() as u8;
            bytes[pos] = b"0123456789abcdef"[usize::from((digit + delta) % 16)];
            let tampered = String::from_utf8(bytes).unwrap();
            prop_assert!(verify_soap_key(&tampered, &ip, &key, KeyMode::IpBound).is_err());
        }
    }
}
