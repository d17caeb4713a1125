//! Secrets at rest: the [`MasterKey`], XChaCha20-Poly1305 sealing bound to the row, and the
//! SHA-256 lookup hash (D12).

use std::fmt;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::StoreError;

const NONCE_LEN: usize = 24;

/// The 32-byte key every stored secret is encrypted under.
///
/// Lives outside the database (`GATEHOUSE_MASTER_KEY` or `<data_dir>/master.key`, D7), so a
/// copy of the database alone reveals no credential. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// The key length in bytes.
    pub const LEN: usize = 32;

    /// A fresh random key from the operating system's generator.
    /// Used on first start, when no key exists yet.
    pub fn generate() -> Self {
        let mut bytes = [0u8; Self::LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A key from its raw bytes.
    /// For tests and for callers that derive the key elsewhere.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads a key written as base64 (standard or URL-safe, padded or not; surrounding
    /// whitespace ignored).
    /// The form of `GATEHOUSE_MASTER_KEY` and of the key file.
    pub fn from_base64(text: &str) -> Result<Self, StoreError> {
        let text = text.trim();
        let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok());
        let invalid = |detail: String| {
            StoreError::MasterKey(format!(
                "must be base64 of 32 bytes ({detail}); generate one with `openssl rand -base64 32`"
            ))
        };
        let bytes = decoded.ok_or_else(|| invalid("not valid base64".into()))?;
        let bytes: [u8; Self::LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| invalid(format!("got {} bytes", bytes.len())))?;
        Ok(Self(bytes))
    }

    /// The key as standard base64 with padding.
    /// What `load_or_create` writes and what `GATEHOUSE_MASTER_KEY` takes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Reads the key file at `path`, or creates it with a new key if it does not exist;
    /// returns the key and whether it was created.
    /// The file holds the base64 key and a newline, and is created with mode 0600 (with its
    /// parent directory) so only the service user can read it.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), StoreError> {
        let file_error = |reason: String| StoreError::MasterKeyFile {
            path: path.display().to_string(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let key = Self::from_base64(&text).map_err(|e| match e {
                    StoreError::MasterKey(reason) => file_error(reason),
                    other => other,
                })?;
                return Ok((key, false));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(file_error(e.kind().to_string())),
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| file_error(format!("cannot create its directory ({})", e.kind())))?;
        }
        let key = Self::generate();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = match options.open(path) {
            Ok(file) => file,
            // Another process created it first: use that key, never a second one.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Self::load_or_create(path);
            }
            Err(e) => return Err(file_error(format!("cannot create ({})", e.kind()))),
        };
        writeln!(file, "{}", key.to_base64())
            .and_then(|()| file.sync_all())
            .map_err(|e| file_error(format!("cannot write ({})", e.kind())))?;
        Ok((key, true))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

/// Encrypts and decrypts stored secrets under the master key.
pub(crate) struct Sealer {
    cipher: XChaCha20Poly1305,
}

/// A sealed value could not be opened: wrong key, damaged data, or moved to another row.
#[derive(Debug)]
pub(crate) struct Unreadable;

/// A value too long to seal.
#[derive(Debug)]
pub(crate) struct TooLong;

impl From<TooLong> for gatehouse_domain::DomainError {
    fn from(_: TooLong) -> Self {
        Self::invalid("secret", "is too long to encrypt")
    }
}

impl Sealer {
    pub(crate) fn new(key: &MasterKey) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new((&key.0).into()),
        }
    }

    /// Encrypts `plain` with a fresh random nonce; `aad` names the row (`credential:<public id>`,
    /// `site:<name>`) so a ciphertext copied onto another row does not decrypt there.
    /// Returns base64 of nonce ‖ ciphertext ‖ tag.
    pub(crate) fn seal(&self, aad: &str, plain: &[u8]) -> Result<String, TooLong> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            // XChaCha20-Poly1305 only fails for messages of 256 GiB and more.
            .map_err(|_| TooLong)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// Decrypts what [`Sealer::seal`] wrote for the same `aad`.
    pub(crate) fn open(&self, aad: &str, stored: &str) -> Result<Vec<u8>, Unreadable> {
        let raw = STANDARD.decode(stored).map_err(|_| Unreadable)?;
        if raw.len() < NONCE_LEN {
            return Err(Unreadable);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| Unreadable)
    }
}

/// The lookup hash of a secret: lowercase hex SHA-256.
/// Lets a credential be found by its secret through an index, without decrypting every row.
pub(crate) fn lookup_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_master_key_round_trips_through_base64_and_never_prints() {
        let key = MasterKey::generate();
        assert_eq!(MasterKey::from_base64(&key.to_base64()).unwrap(), key);
        assert_eq!(format!("{key:?}"), "MasterKey(***)");
    }

    #[test]
    fn a_short_or_garbled_master_key_is_refused_with_the_rule() {
        let err = MasterKey::from_base64("c2hvcnQ=").unwrap_err().to_string();
        assert!(err.contains("must be base64 of 32 bytes"), "{err}");
        assert!(err.contains("got 5 bytes"), "{err}");
        let err = MasterKey::from_base64("!!!").unwrap_err().to_string();
        assert!(err.contains("must be base64 of 32 bytes"), "{err}");
    }

    #[test]
    fn the_key_file_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/master.key");
        let (created, was_created) = MasterKey::load_or_create(&path).unwrap();
        assert!(was_created);
        let (loaded, was_created) = MasterKey::load_or_create(&path).unwrap();
        assert!(!was_created);
        assert_eq!(created, loaded);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{}\n", created.to_base64()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_row() {
        let sealer = Sealer::new(&MasterKey::generate());
        let sealed = sealer.seal("site:forma_secret", b"hunter2").unwrap();
        assert_eq!(
            sealer.open("site:forma_secret", &sealed).unwrap(),
            b"hunter2"
        );
        assert!(sealer.open("site:other", &sealed).is_err());
        assert!(
            Sealer::new(&MasterKey::generate())
                .open("site:forma_secret", &sealed)
                .is_err()
        );
        assert_ne!(
            sealer.seal("site:forma_secret", b"hunter2").unwrap(),
            sealed
        );
    }
}
