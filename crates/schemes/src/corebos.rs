//! coreBOS / vtiger challenge login: `accessKey = md5_hex(token + user access key)`.
//!
//! `getchallenge` hands out a token; `login` sends the md5 of token and access key
//! (corebos.md §4, §5). gatehouse mints tokens from a CSPRNG instead of `uniqid()`, and
//! generates access keys that the coreBOS JS clients can actually use (no `rn`, §10).
//!
//! ```
//! use gatehouse_schemes::corebos;
//!
//! let proof = corebos::login_proof("65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K");
//! assert_eq!(proof, "6072a8246926f6798bca25fb1c288965");
//! corebos::verify_login(&proof, "65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K").unwrap();
//! let err = corebos::verify_login(&proof.to_uppercase(), "65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K").unwrap_err();
//! assert_eq!(err.reason_code(), "bad_encoding");
//! ```

use rand::{CryptoRng, Rng, RngCore};

use crate::ct::{HexCase, check_hex, ct_eq, md5_hex};
use crate::error::{Reason, VerifyError};

/// Length of a challenge token: 13 characters, the length of PHP `uniqid()` (corebos.md §4).
pub const TOKEN_LEN: usize = 13;

/// The shortest access key gatehouse generates (corebos.md §14.8: 16+ characters).
pub const MIN_ACCESS_KEY_LEN: usize = 16;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Mints a challenge token: 13 lower-case hex characters (52 random bits).
/// Same shape as coreBOS's `uniqid()` tokens, but unpredictable (corebos.md §11.1, §14.3).
pub fn generate_challenge_token<R: RngCore + CryptoRng>(rng: &mut R) -> String {
    let bits = rng.next_u64() & ((1u64 << (4 * TOKEN_LEN)) - 1);
    format!("{bits:013x}")
}

/// Generates an access key of `len` characters (at least 16) from `[A-Za-z0-9]`.
/// It never contains `rn`: the coreBOS JS clients' MD5 replaces `rn` with `n` before hashing,
/// so such a key could never log in from JavaScript (corebos.md §10 "Client bug").
pub fn generate_access_key<R: RngCore + CryptoRng>(rng: &mut R, len: usize) -> String {
    let len = len.max(MIN_ACCESS_KEY_LEN);
    let mut key = String::with_capacity(len);
    while key.len() < len {
        let c = char::from(ALPHANUMERIC[rng.gen_range(0..ALPHANUMERIC.len())]);
        // Redraw an `n` that would follow an `r`; every other character stays uniform.
        if c == 'n' && key.ends_with('r') {
            continue;
        }
        key.push(c);
    }
    key
}

/// The string hashed for a login: `token + access_key`, no separator (corebos.md §5).
pub fn canonical_input(token: &str, access_key: &str) -> String {
    format!("{token}{access_key}")
}

/// The redacted form of [`canonical_input`] for diagnostics: `65a7f3c2e1b4d{access_key}` (D16).
pub fn redacted_input(token: &str) -> String {
    format!("{token}{{access_key}}")
}

/// The `accessKey` a client sends to `login`: `md5_hex(token + access_key)`, lower case.
pub fn login_proof(token: &str, access_key: &str) -> String {
    md5_hex(canonical_input(token, access_key).as_bytes())
}

/// Verifies a login's `accessKey` against the live token and the user's access key.
/// Constant time, lower-case hex only (coreBOS compares case-sensitively, corebos.md §13);
/// an empty stored key is `secret_unset` before any comparison (`ACCESSKEY_UNDEFINED`, §5).
pub fn verify_login(sent: &str, token: &str, access_key: &str) -> Result<(), VerifyError> {
    if access_key.is_empty() {
        return Err(Reason::SecretUnset { what: "access_key" }.into());
    }
    if sent.is_empty() {
        return Err(Reason::Missing { what: "accessKey" }.into());
    }
    let expected = login_proof(token, access_key);
    let with_context = |e: VerifyError| {
        e.with_canonical(redacted_input(token))
            .with_expected(&expected)
    };
    check_hex("accessKey", sent.as_bytes(), 32, HexCase::Lower).map_err(with_context)?;
    if ct_eq(sent.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(with_context(Reason::Mismatch { what: "accessKey" }.into()))
    }
}

/// Splits the password alternative `accessKey = token + plaintext password` (corebos.md §5).
/// Returns the password part when `sent` starts with the token; the server decides whether the
/// mode is enabled (off by default) and checks the password itself.
pub fn password_proof<'a>(sent: &'a str, token: &str) -> Option<&'a str> {
    sent.strip_prefix(token)
}

/// What the coreBOS JS clients hash instead of the real input: every `rn` replaced by `n`.
/// Used to explain why a JS client's login fails with a key containing `rn` (corebos.md §10).
pub fn js_client_input(token: &str, access_key: &str) -> String {
    canonical_input(token, access_key).replace("rn", "n")
}

/// Whether `sent` is what a coreBOS JS client with the `rn` MD5 bug would send.
/// Only true when the bug changed the input, so a correct proof never counts.
pub fn is_js_rn_bug_proof(sent: &str, token: &str, access_key: &str) -> bool {
    let buggy = js_client_input(token, access_key);
    buggy != canonical_input(token, access_key)
        && ct_eq(sent.as_bytes(), md5_hex(buggy.as_bytes()).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // corebos.md §13, vectors 1-3.
    #[test]
    fn spec_vectors_verify() {
        let rows = [
            (
                "65a7f3c2e1b4d",
                "Xq7Lm2Pz9Rt4Vw8K",
                "6072a8246926f6798bca25fb1c288965",
            ),
            (
                "5f2b9c8d7e6a1",
                "A1b2C3d4E5f6G7h8",
                "d8a4a013be10e0fdced41ba6c09cb7d5",
            ),
            (
                "66f1e2d3c4b5a",
                "Kbrn8QpLz3Ws5Tu",
                "137d6458252383e1f394bc5e189ddccf",
            ),
        ];
        for (token, key, want) in rows {
            assert_eq!(canonical_input(token, key), format!("{token}{key}"));
            assert_eq!(login_proof(token, key), want);
            verify_login(want, token, key).unwrap();
        }
    }

    // corebos.md §13 vector 3: the JS clients' value must be rejected.
    #[test]
    fn the_js_rn_bug_value_is_rejected_and_recognised() {
        let buggy = "e0e772a262d7072eb908d945a4a45b04";
        assert_eq!(
            md5_hex(js_client_input("66f1e2d3c4b5a", "Kbrn8QpLz3Ws5Tu").as_bytes()),
            buggy
        );
        let e = verify_login(buggy, "66f1e2d3c4b5a", "Kbrn8QpLz3Ws5Tu").unwrap_err();
        assert_eq!(e.reason_code(), "mismatch");
        assert_eq!(e.canonical(), Some("66f1e2d3c4b5a{access_key}"));
        assert!(is_js_rn_bug_proof(
            buggy,
            "66f1e2d3c4b5a",
            "Kbrn8QpLz3Ws5Tu"
        ));
        let good = login_proof("66f1e2d3c4b5a", "Kbrn8QpLz3Ws5Tu");
        assert!(!is_js_rn_bug_proof(
            &good,
            "66f1e2d3c4b5a",
            "Kbrn8QpLz3Ws5Tu"
        ));
    }

    // corebos.md §13 negative checks.
    #[test]
    fn upper_case_digests_and_empty_keys_are_refused_with_distinct_reasons() {
        let upper = "6072A8246926F6798BCA25FB1C288965";
        assert_eq!(
            verify_login(upper, "65a7f3c2e1b4d", "Xq7Lm2Pz9Rt4Vw8K")
                .unwrap_err()
                .reason_code(),
            "bad_encoding"
        );
        assert_eq!(
            verify_login(upper, "65a7f3c2e1b4d", "")
                .unwrap_err()
                .reason_code(),
            "secret_unset"
        );
        assert_eq!(
            verify_login("", "65a7f3c2e1b4d", "k")
                .unwrap_err()
                .reason_code(),
            "missing"
        );
        assert_eq!(
            verify_login("abc", "65a7f3c2e1b4d", "k")
                .unwrap_err()
                .reason_code(),
            "bad_length"
        );
    }

    // corebos.md §13: password mode sends the token followed by the password.
    #[test]
    fn password_mode_proofs_split_after_the_token() {
        assert_eq!(
            password_proof("65a7f3c2e1b4dhunter2", "65a7f3c2e1b4d"),
            Some("hunter2")
        );
        assert_eq!(
            password_proof("6072a8246926f6798bca25fb1c288965", "65a7f3c2e1b4d"),
            None
        );
    }

    #[test]
    fn challenge_tokens_are_13_lowercase_hex_characters() {
        let mut rng = rand::rngs::OsRng;
        for _ in 0..100 {
            let t = generate_challenge_token(&mut rng);
            assert_eq!(t.len(), TOKEN_LEN);
            assert!(
                t.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
            );
        }
    }

    #[test]
    fn access_keys_never_contain_rn_and_are_at_least_16_alphanumerics() {
        let mut rng = rand::rngs::OsRng;
        for len in [0, 16, 24, 64] {
            for _ in 0..500 {
                let k = generate_access_key(&mut rng, len);
                assert_eq!(k.len(), len.max(16));
                assert!(k.bytes().all(|c| c.is_ascii_alphanumeric()));
                assert!(!k.contains("rn"), "{k}");
            }
        }
    }

    /// An RNG that always yields the index of `r` then `n`, to force the redraw path.
    #[test]
    fn access_key_generation_redraws_an_n_after_an_r() {
        use rand::SeedableRng;
        use rand::rngs::StdRng;
        let mut rng = StdRng::seed_from_u64(7);
        let keys: Vec<String> = (0..2000)
            .map(|_| generate_access_key(&mut rng, 32))
            .collect();
        assert!(keys.iter().any(|k| k.contains('r') && k.contains('n')));
        assert!(keys.iter().all(|k| !k.contains("rn")));
    }

    proptest! {
        #[test]
        fn proofs_round_trip_and_any_changed_input_fails(
            token in "[0-9a-f]{13}",
            key in "[A-Za-z0-9]{16,40}",
            pos in 0usize..32,
            delta in 1u8..16,
        ) {
            let proof = login_proof(&token, &key);
            prop_assert!(verify_login(&proof, &token, &key).is_ok());
            let mut b = proof.into_bytes();
            let digit = (b[pos] as char).to_digit(16).unwrap() as u8;
            b[pos] = b"0123456789abcdef"[usize::from((digit + delta) % 16)];
            prop_assert!(verify_login(&String::from_utf8(b).unwrap(), &token, &key).is_err());
            let other_key = format!("{key}x");
            prop_assert!(verify_login(&login_proof(&token, &key), &token, &other_key).is_err());
        }
    }
}
