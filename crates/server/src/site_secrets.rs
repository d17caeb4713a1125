//! The site-wide secrets: generated on first start, kept encrypted in the store.
//!
//! Chamilo's `security_key` and Forma's API key, API secret and SSO secret belong to the
//! installation, not to a user. `serve` creates the missing ones at startup so a restart
//! reuses them; `gatehouse admin secrets show --show-secret` reads them.

use gatehouse_domain::{DomainError, Secret, SiteSecrets};
use rand::Rng;

/// The name of Chamilo's shared SOAP key (`sha1(ip + security_key)`).
pub const CHAMILO_SECURITY_KEY: &str = "chamilo.security_key";
/// The name of Forma's API key (the `key` of `X-Authorization`).
pub const FORMA_API_KEY: &str = "forma.api_key";
/// The name of Forma's API secret (hashed into `X-Authorization`).
pub const FORMA_API_SECRET: &str = "forma.api_secret";
/// The name of Forma's SSO secret (`md5(user,time,secret)`).
pub const FORMA_SSO_SECRET: &str = "forma.sso_secret";

/// Makes a fresh value for a site secret.
pub type Generator = fn() -> String;

/// Every site secret with how to make a fresh one.
pub const ALL: [(&str, Generator); 4] = [
    (CHAMILO_SECURITY_KEY, || random_hex(32)),
    (FORMA_API_KEY, || random_alphanumeric(20)),
    (FORMA_API_SECRET, || random_alphanumeric(32)),
    (FORMA_SSO_SECRET, || random_alphanumeric(32)),
];

/// Creates every missing site secret; returns the names it created.
///
/// Insert-if-absent, never overwrite: instances starting at the same moment on one empty
/// database all end up reading the one value that was written first.
pub async fn ensure(store: &dyn SiteSecrets) -> Result<Vec<&'static str>, DomainError> {
    let mut created = Vec::new();
    for (name, generate) in ALL {
        if store.site_secret(name).await?.is_none()
            && store
                .create_site_secret(name, &Secret::new(generate()))
                .await?
        {
            created.push(name);
        }
    }
    Ok(created)
}

/// `len` random lowercase hex digits from the OS CSPRNG.
pub fn random_hex(len: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
        .collect()
}

/// `len` random characters of `[A-Za-z0-9]` from the OS CSPRNG.
pub fn random_alphanumeric(len: usize) -> String {
    rand::rngs::OsRng
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_have_their_shape() {
        let hex = random_hex(32);
        assert_eq!(hex.len(), 32);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let alnum = random_alphanumeric(20);
        assert_eq!(alnum.len(), 20);
        assert!(alnum.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(random_hex(32), hex);
    }
}
