//! Password hashes: Argon2id for everything gatehouse hashes, legacy forms for what it imports.
//!
//! Chamilo's PasswordCrypted calls and old installations hand over `md5`/`sha1` hex digests
//! (optionally salted as `raw{salt}`) and bcrypt; those verify as the product did and are
//! replaced by Argon2id on the next successful sign-in (specs/chamilo.md §1 "Passwords").
//! These functions are CPU-bound and synchronous: the server runs them on its bounded
//! blocking pool, never on the async workers.

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use md5::Md5;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::DomainError;

/// A stored password hash.
#[derive(Clone, PartialEq, Eq)]
pub enum PasswordHash {
    /// An Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`): what gatehouse writes.
    Argon2(String),
    /// A bcrypt hash (`$2y$…`), as Chamilo's `bcrypt` mode stores.
    Bcrypt(String),
    /// Lowercase hex `sha1(raw)` or, with a salt, `sha1(raw + "{" + salt + "}")`.
    Sha1 {
        /// The 40 hex digits.
        hex: String,
        /// The salt, if any.
        salt: Option<String>,
    },
    /// Lowercase hex `md5(raw)` or, with a salt, `md5(raw + "{" + salt + "}")`.
    Md5 {
        /// The 32 hex digits.
        hex: String,
        /// The salt, if any.
        salt: Option<String>,
    },
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A hash is not the password, but an offline attack needs only the hash: keep it out of logs.
        f.write_str(match self {
            Self::Argon2(_) => "PasswordHash::Argon2(***)",
            Self::Bcrypt(_) => "PasswordHash::Bcrypt(***)",
            Self::Sha1 { .. } => "PasswordHash::Sha1(***)",
            Self::Md5 { .. } => "PasswordHash::Md5(***)",
        })
    }
}

impl PasswordHash {
    /// The one-string form kept in the store: PHC or bcrypt as they are, legacy digests as
    /// `sha1:<hex>[:<salt>]` / `md5:<hex>[:<salt>]`.
    pub fn to_stored(&self) -> String {
        match self {
            Self::Argon2(phc) | Self::Bcrypt(phc) => phc.clone(),
            Self::Sha1 { hex, salt } => legacy_stored("sha1", hex, salt.as_deref()),
            Self::Md5 { hex, salt } => legacy_stored("md5", hex, salt.as_deref()),
        }
    }

    /// Reads the stored form back.
    pub fn from_stored(stored: &str) -> Result<Self, DomainError> {
        if stored.starts_with("$argon2") {
            return Ok(Self::Argon2(stored.to_owned()));
        }
        if stored.starts_with("$2") {
            return Ok(Self::Bcrypt(stored.to_owned()));
        }
        let mut parts = stored.splitn(3, ':');
        let (algo, hex, salt) = (parts.next(), parts.next(), parts.next());
        let salt = salt.map(str::to_owned);
        match (algo, hex) {
            (Some("sha1"), Some(hex)) => Self::legacy_sha1(hex, salt),
            (Some("md5"), Some(hex)) => Self::legacy_md5(hex, salt),
            _ => Err(DomainError::invalid(
                "password",
                "unrecognised stored password hash",
            )),
        }
    }

    /// An imported `sha1` hex digest; refuses anything but 40 hex digits.
    pub fn legacy_sha1(hex: &str, salt: Option<String>) -> Result<Self, DomainError> {
        check_hex(hex, 40, "sha1")?;
        Ok(Self::Sha1 {
            hex: hex.to_ascii_lowercase(),
            salt: salt.filter(|s| !s.is_empty()),
        })
    }

    /// An imported `md5` hex digest; refuses anything but 32 hex digits.
    pub fn legacy_md5(hex: &str, salt: Option<String>) -> Result<Self, DomainError> {
        check_hex(hex, 32, "md5")?;
        Ok(Self::Md5 {
            hex: hex.to_ascii_lowercase(),
            salt: salt.filter(|s| !s.is_empty()),
        })
    }

    /// Whether this is a legacy form that should be replaced by Argon2id after a successful sign-in.
    pub fn needs_upgrade(&self) -> bool {
        !matches!(self, Self::Argon2(_))
    }
}

fn legacy_stored(algo: &str, hex: &str, salt: Option<&str>) -> String {
    match salt {
        Some(salt) => format!("{algo}:{hex}:{salt}"),
        None => format!("{algo}:{hex}"),
    }
}

fn check_hex(hex: &str, len: usize, algo: &str) -> Result<(), DomainError> {
    if hex.len() == len && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "password",
            format!("a {algo} hash is {len} hexadecimal digits"),
        ))
    }
}

/// The Argon2id cost gatehouse hashes with.
///
/// Defaults to OWASP's minimum (19 MiB, t=2, p=1), about 36 ms a hash on one core here (D11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// What checking a password found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password matches; `upgrade` says the stored hash should be replaced by Argon2id.
    Valid {
        /// Re-hash with the current policy and store the result.
        upgrade: bool,
    },
    /// The password does not match.
    Invalid,
}

impl PasswordPolicy {
    fn argon2(&self) -> Result<Argon2<'static>, DomainError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| DomainError::invalid("password_policy", e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes a plaintext password with Argon2id and a fresh random salt.
    pub fn hash(&self, plain: &str) -> Result<PasswordHash, DomainError> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let phc = self
            .argon2()?
            .hash_password(plain.as_bytes(), &salt)
            .map_err(|e| DomainError::Internal(format!("argon2: {e}")))?;
        Ok(PasswordHash::Argon2(phc.to_string()))
    }

    /// Checks a plaintext password against a stored hash, in constant time where the
    /// algorithm allows; an Argon2 hash with other parameters than the policy's also asks
    /// for an upgrade.
    pub fn verify(&self, stored: &PasswordHash, plain: &str) -> PasswordCheck {
        let valid = match stored {
            PasswordHash::Argon2(phc) => {
                let Ok(parsed) = argon2::PasswordHash::new(phc) else {
                    return PasswordCheck::Invalid;
                };
                if Argon2::default()
                    .verify_password(plain.as_bytes(), &parsed)
                    .is_err()
                {
                    return PasswordCheck::Invalid;
                }
                let current = format!(
                    "m={},t={},p={}",
                    self.memory_kib, self.iterations, self.parallelism
                );
                return PasswordCheck::Valid {
                    upgrade: !phc.contains(&current),
                };
            }
            PasswordHash::Bcrypt(hash) => bcrypt::verify(plain, hash).unwrap_or(false),
            PasswordHash::Sha1 { hex, salt } => {
                let digest = Sha1::digest(salted(plain, salt.as_deref()));
                ct_hex_eq(&digest, hex)
            }
            PasswordHash::Md5 { hex, salt } => {
                let digest = Md5::digest(salted(plain, salt.as_deref()));
                ct_hex_eq(&digest, hex)
            }
        };
        if valid {
            PasswordCheck::Valid { upgrade: true }
        } else {
            PasswordCheck::Invalid
        }
    }
}

/// Chamilo's (Symfony's) salt merge: `raw{salt}`, or `raw` when the salt is empty.
fn salted(plain: &str, salt: Option<&str>) -> Vec<u8> {
    match salt {
        Some(salt) if !salt.is_empty() => format!("{plain}{{{salt}}}").into_bytes(),
        _ => plain.as_bytes().to_vec(),
    }
}

// Compared in constant time; the legacy servers compared hex strings with ==.
fn ct_hex_eq(digest: &[u8], stored_hex: &str) -> bool {
    let computed = hex::encode(digest);
    computed
        .as_bytes()
        .ct_eq(stored_hex.to_ascii_lowercase().as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordPolicy {
        PasswordPolicy {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn an_argon2id_hash_verifies_its_password_only() {
        let policy = cheap();
        let hash = policy.hash("correct horse").unwrap();
        assert!(matches!(&hash, PasswordHash::Argon2(phc) if phc.starts_with("$argon2id$")));
        assert_eq!(
            policy.verify(&hash, "correct horse"),
            PasswordCheck::Valid { upgrade: false }
        );
        assert_eq!(
            policy.verify(&hash, "correct horsE"),
            PasswordCheck::Invalid
        );
    }

    #[test]
    fn an_argon2id_hash_with_weaker_parameters_asks_for_an_upgrade() {
        let hash = cheap().hash("pw").unwrap();
        let stronger = PasswordPolicy {
            memory_kib: 2048,
            ..cheap()
        };
        assert_eq!(
            stronger.verify(&hash, "pw"),
            PasswordCheck::Valid { upgrade: true }
        );
    }

    #[test]
    fn legacy_sha1_and_md5_digests_verify_with_and_without_salt_and_ask_for_an_upgrade() {
        let policy = cheap();
        // sha1("secret") and md5("secret"), as Chamilo's PasswordCrypted calls send them.
        let sha1 =
            PasswordHash::legacy_sha1("E5E9FA1BA31ECD1AE84F75CAAA474F3A663F05F4", None).unwrap();
        let md5 = PasswordHash::legacy_md5("5ebe2294ecd0e0f08eab7690d2a6ee69", None).unwrap();
        assert_eq!(
            policy.verify(&sha1, "secret"),
            PasswordCheck::Valid { upgrade: true }
        );
        assert_eq!(
            policy.verify(&md5, "secret"),
            PasswordCheck::Valid { upgrade: true }
        );
        assert_eq!(policy.verify(&md5, "Secret"), PasswordCheck::Invalid);
        // sha1("secret{pepper}")
        let salted_hex = hex::encode(Sha1::digest(b"secret{pepper}"));
        let salted = PasswordHash::legacy_sha1(&salted_hex, Some("pepper".into())).unwrap();
        assert_eq!(
            policy.verify(&salted, "secret"),
            PasswordCheck::Valid { upgrade: true }
        );
        assert_eq!(
            policy.verify(&salted, "secret{pepper}"),
            PasswordCheck::Invalid
        );
    }

    #[test]
    fn bcrypt_hashes_verify() {
        let hash = bcrypt::hash("secret", 4).unwrap();
        let stored = PasswordHash::from_stored(&hash).unwrap();
        assert!(matches!(stored, PasswordHash::Bcrypt(_)));
        assert_eq!(
            cheap().verify(&stored, "secret"),
            PasswordCheck::Valid { upgrade: true }
        );
        assert_eq!(cheap().verify(&stored, "nope"), PasswordCheck::Invalid);
    }

    #[test]
    fn stored_forms_round_trip() {
        let forms = [
            cheap().hash("x").unwrap(),
            PasswordHash::legacy_md5("5ebe2294ecd0e0f08eab7690d2a6ee69", Some("s:a:lt".into()))
                .unwrap(),
            PasswordHash::legacy_sha1("e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", None).unwrap(),
        ];
        for form in forms {
            assert_eq!(PasswordHash::from_stored(&form.to_stored()).unwrap(), form);
        }
        assert!(PasswordHash::from_stored("plain-text").is_err());
        assert!(PasswordHash::legacy_md5("xyz", None).is_err());
    }

    #[test]
    fn a_password_hash_never_prints_itself() {
        let hash = cheap().hash("x").unwrap();
        assert_eq!(format!("{hash:?}"), "PasswordHash::Argon2(***)");
    }
}
