//! Digests as lowercase hex, constant-time comparison and the shape checks every scheme shares.
//!
//! Every legacy product compared hashes with `==` or `strcmp`; gatehouse compares in constant
//! time everywhere, and checks the shape of a received value first so that the failure reason
//! says "wrong length" or "not hex" instead of a bare mismatch.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Reason, VerifyError};

/// SHA-1 of `input` as 40 lowercase hex characters.
/// PHP's `sha1()` returns lowercase hex, and every SHA-1 scheme here compares against that form.
pub fn sha1_hex(input: &[u8]) -> String {
    hex::encode(Sha1::digest(input))
}

/// MD5 of `input` as 32 lowercase hex characters.
/// PHP's `md5()` output, used by coreBOS logins and Forma SSO tokens.
pub fn md5_hex(input: &[u8]) -> String {
    hex::encode(Md5::digest(input))
}

/// SHA-256 of `input` as 64 lowercase hex characters.
/// Used for Wildix's `sign.hash` and for credential lookup hashes.
pub fn sha256_hex(input: &[u8]) -> String {
    hex::encode(Sha256::digest(input))
}

/// Compares two byte strings in constant time (for equal lengths).
/// The length itself is not secret (every hash here has a fixed, public length).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Which letter case a received hex digest may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HexCase {
    /// Only `0-9a-f`: the product compared case-sensitively (Chamilo, coreBOS).
    Lower,
    /// `0-9a-fA-F`: the product compared case-insensitively (Forma, Wildix).
    Any,
}

/// Checks that `value` is `len` hex characters in the allowed case.
/// Gives a typed reason (`bad_length`, `bad_encoding`) before any comparison is made.
pub(crate) fn check_hex(
    what: &'static str,
    value: &[u8],
    len: usize,
    case: HexCase,
) -> Result<(), VerifyError> {
    if value.len() != len {
        return Err(Reason::BadLength {
            what,
            expected: len,
            actual: value.len(),
        }
        .into());
    }
    let ok = value.iter().all(|b| match case {
        HexCase::Lower => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        HexCase::Any => b.is_ascii_hexdigit(),
    });
    if ok {
        Ok(())
    } else {
        let detail = if case == HexCase::Lower && value.iter().all(u8::is_ascii_hexdigit) {
            "upper-case hex (the product compares case-sensitively)"
        } else {
            "not hexadecimal"
        };
        Err(Reason::BadEncoding { what, detail }.into())
    }
}

/// Decodes base64 the way PHP's non-strict `base64_decode` does.
/// Characters outside `A-Za-z0-9+/` (spaces, `=`, url-safe `-_`) are skipped, padding is
/// optional and a dangling sixth bit group is dropped (forma.md §3.3.1 step 3).
pub(crate) fn php_base64_decode_lenient(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_lowercase_hex_of_the_known_values() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_equality_refuses_different_lengths() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }

    #[test]
    fn hex_check_names_length_case_and_alphabet_problems() {
        let e = check_hex("h", b"abc", 4, HexCase::Lower).unwrap_err();
        assert_eq!(e.reason_code(), "bad_length");
        let e = check_hex("h", b"ABCD", 4, HexCase::Lower).unwrap_err();
        assert_eq!(e.reason_code(), "bad_encoding");
        assert!(check_hex("h", b"ABCD", 4, HexCase::Any).is_ok());
        let e = check_hex("h", b"abcg", 4, HexCase::Any).unwrap_err();
        assert_eq!(e.reason_code(), "bad_encoding");
    }

    #[test]
    fn lenient_base64_skips_spaces_padding_and_foreign_characters_like_php() {
        assert_eq!(php_base64_decode_lenient(b"YWJj"), b"abc");
        assert_eq!(php_base64_decode_lenient(b" Y W\nJj== "), b"abc");
        assert_eq!(php_base64_decode_lenient(b"YWI"), b"ab");
        assert_eq!(php_base64_decode_lenient(b"YQ"), b"a");
        // A lone trailing character carries fewer than 8 bits and yields nothing.
        assert_eq!(php_base64_decode_lenient(b"YWJjZ"), b"abc");
        assert_eq!(php_base64_decode_lenient(b"Y=W=J=j"), b"abc");
    }
}
