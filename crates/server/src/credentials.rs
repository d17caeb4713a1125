//! Issuing credentials: fresh secrets and public ids of the right shape for each kind.
//!
//! Used by `gatehouse admin credential add|rotate` and the sandbox seed, so a key issued
//! either way looks the same.

use chrono::{DateTime, Utc};
use gatehouse_domain::{
    Credential, CredentialKind, Credentials, DomainError, NewCredential, Secret, UserId,
};
use ipnet::IpNet;

use crate::site_secrets::{random_alphanumeric, random_hex};

/// A fresh secret of the shape `kind`'s clients expect.
///
/// Chamilo keys are 32 lowercase hex digits (specs/chamilo.md §6); coreBOS access keys are
/// 16 alphanumerics that never contain `rn`, which the official JS client's MD5 mangles
/// (specs/corebos.md); Wildix secrets are 32 alphanumerics.
pub fn new_secret(kind: CredentialKind) -> Secret {
    let mut rng = rand::rngs::OsRng;
    Secret::new(match kind {
        CredentialKind::ChamiloApiKey | CredentialKind::ChamiloSoapApiKey => {
            gatehouse_schemes::chamilo::generate_api_key(&mut rng)
        }
        CredentialKind::CorebosAccessKey => {
            gatehouse_schemes::corebos::generate_access_key(&mut rng, 16)
        }
        CredentialKind::WildixApp => random_alphanumeric(32),
    })
}

/// A fresh public id: Wildix app ids are `s2s-<name>-<random>` as the PBX makes them,
/// other kinds `<kind>-<random>`.
pub fn new_public_id(kind: CredentialKind, name: &str) -> String {
    match kind {
        CredentialKind::WildixApp => {
            let slug: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            let slug = slug.trim_matches('-');
            let slug = if slug.is_empty() { "app" } else { slug };
            format!("s2s-{slug}-{}", random_hex(8))
        }
        other => format!("{}-{}", other.as_str(), random_hex(12)),
    }
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// Kind.
    pub kind: CredentialKind,
    /// Owner.
    pub owner: UserId,
    /// Label (the Wildix app name); also names the public id of a Wildix app.
    pub label: String,
    /// Networks it may be used from.
    pub allowed_cidrs: Vec<IpNet>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Issues a credential with a fresh secret and public id; returns it with its secret, which
/// is shown once.
pub async fn issue(
    store: &dyn Credentials,
    request: IssueRequest,
) -> Result<(Credential, Secret), DomainError> {
    let secret = new_secret(request.kind);
    let credential = store
        .issue_credential(NewCredential {
            kind: request.kind,
            owner: request.owner,
            public_id: new_public_id(request.kind, &request.label),
            label: request.label,
            secret: secret.clone(),
            allowed_cidrs: request.allowed_cidrs,
            expires_at: request.expires_at,
        })
        .await?;
    Ok((credential, secret))
}

/// Replaces a credential's secret with a fresh one of its kind; returns the new secret.
pub async fn rotate(
    store: &dyn Credentials,
    credential: &Credential,
) -> Result<(Credential, Secret), DomainError> {
    let secret = new_secret(credential.kind);
    let rotated = store
        .rotate_credential(credential.id, secret.clone())
        .await?;
    Ok((rotated, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corebos_access_keys_never_contain_rn() {
        for _ in 0..2000 {
            let key = new_secret(CredentialKind::CorebosAccessKey);
            assert_eq!(key.expose().len(), 16);
            assert!(!key.expose().contains("rn"));
        }
    }

    #[test]
    fn wildix_app_ids_follow_the_pbx_shape() {
        let id = new_public_id(CredentialKind::WildixApp, "My CRM!");
        assert!(id.starts_with("s2s-my-crm-"), "{id}");
        assert_eq!(id.len(), "s2s-my-crm-".len() + 8);
        assert!(new_public_id(CredentialKind::ChamiloApiKey, "").starts_with("chamilo-api-key-"));
    }
}
