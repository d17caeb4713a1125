//! The login proof `md5_hex(token + access key)` (specs/corebos.md §5, §13).
//!
//! Mirrors `gatehouse_schemes::corebos` (same names and rules) until that crate is merged
//! into this branch; then these functions are replaced by re-exports of it.

use md5::{Digest, Md5};
use rand::Rng;
use subtle::ConstantTimeEq;

/// A challenge token: 13 lowercase hex digits, PHP `uniqid()`'s shape, from a CSPRNG (§4).
pub fn generate_challenge_token() -> String {
    let bits = rand::thread_rng().r#gen::<u64>() & ((1u64 << 52) - 1);
    format!("{bits:013x}")
}

/// The redacted canonical input for diagnostics (D16): `65a7f3c2e1b4d{access_key}`.
pub fn redacted_input(token: &str) -> String {
    format!("{token}{{access_key}}")
}

/// The proof a client sends: lowercase hex `md5(token + access_key)`.
pub fn login_proof(token: &str, access_key: &str) -> String {
    hex::encode(Md5::digest(format!("{token}{access_key}").as_bytes()))
}

/// Whether `sent` is the proof for this token and key: constant time, lowercase only
/// (coreBOS compares case-sensitively, §13); an empty key never matches.
pub fn verify_login(sent: &str, token: &str, access_key: &str) -> bool {
    !access_key.is_empty()
        && bool::from(
            sent.as_bytes()
                .ct_eq(login_proof(token, access_key).as_bytes()),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_vectors_verify_and_uppercase_does_not() {
        let vectors = [
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
        for (token, key, proof) in vectors {
            assert!(verify_login(proof, token, key));
            assert!(!verify_login(&proof.to_uppercase(), token, key));
        }
        assert!(!verify_login(
            "e0e772a262d7072eb908d945a4a45b04",
            "66f1e2d3c4b5a",
            "Kbrn8QpLz3Ws5Tu"
        ));
    }

    #[test]
    fn tokens_have_the_uniqid_shape() {
        let token = generate_challenge_token();
        assert_eq!(token.len(), 13);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }
}
