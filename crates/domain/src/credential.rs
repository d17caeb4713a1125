//! Credentials: the per-user and per-application secrets of the dialects.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::{CredentialId, DomainError, DomainResult, ExtraValue, Secret, User, UserId};

/// What a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// Chamilo REST `api_key` (one per user, `api/v2.php`).
    ChamiloApiKey,
    /// Chamilo SOAP per-user key (`WSUpdateUserApiKey`).
    ChamiloSoapApiKey,
    /// coreBOS access key, hashed with the challenge at login.
    CorebosAccessKey,
    /// Wildix S2S application: public id = app id, label = app name, secret = HMAC key.
    WildixApp,
}

impl CredentialKind {
    /// Every kind, in a stable order.
    pub const ALL: [CredentialKind; 4] = [
        Self::ChamiloApiKey,
        Self::ChamiloSoapApiKey,
        Self::CorebosAccessKey,
        Self::WildixApp,
    ];

    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChamiloApiKey => "chamilo-api-key",
            Self::ChamiloSoapApiKey => "chamilo-soap-api-key",
            Self::CorebosAccessKey => "corebos-access-key",
            Self::WildixApp => "wildix-app",
        }
    }

    /// Parses a stored or command-line name.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| {
                DomainError::invalid(
                    "kind",
                    format!(
                        "unknown credential kind {name:?} (expected one of: {})",
                        Self::ALL.map(Self::as_str).join(", ")
                    ),
                )
            })
    }
}

/// A credential as stored, without its secret.
///
/// The secret is encrypted at rest (XChaCha20-Poly1305 under the master key) beside a
/// SHA-256 lookup hash; read it with [`crate::Credentials::reveal`] only to verify or to
/// show it on an explicit request (D12).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credential {
    /// Internal id.
    pub id: CredentialId,
    /// What it is for.
    pub kind: CredentialKind,
    /// The user whose rights it carries.
    pub owner: UserId,
    /// The id it is known by in public (Wildix app id, `gh_…` handle for keys); not secret.
    pub public_id: String,
    /// A name (Wildix app name, a note); may be empty.
    pub label: String,
    /// Networks it may be used from; empty = anywhere.
    pub allowed_cidrs: Vec<IpNet>,
    /// After this instant it no longer works.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked credential never works again.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When its secret was last replaced.
    pub rotated_at: Option<DateTime<Utc>>,
}

impl Credential {
    /// Whether it may be used at `now`: not revoked and not expired.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|t| t > now)
    }

    /// Whether `ip` is inside its allowed networks (or it has none).
    pub fn allows_ip(&self, ip: std::net::IpAddr) -> bool {
        self.allowed_cidrs.is_empty() || self.allowed_cidrs.iter().any(|net| net.contains(&ip))
    }
}

/// A credential found by its secret together with its owner, as
/// [`crate::Credentials::find_by_secret_with_owner`] reads them in one round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialHolder {
    /// The credential, revoked or not: the caller decides.
    pub credential: Credential,
    /// The user it belongs to, as stored when the credential was read.
    pub owner: User,
    /// The owner's extra values ordered by field name, when they were asked for.
    pub extra: Option<Vec<ExtraValue>>,
}

/// Everything needed to issue a credential.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// What it is for.
    pub kind: CredentialKind,
    /// Whose rights it carries.
    pub owner: UserId,
    /// Public id; must be unique.
    pub public_id: String,
    /// A name; may be empty.
    pub label: String,
    /// The secret, stored encrypted and as a lookup hash.
    pub secret: Secret,
    /// Networks it may be used from.
    pub allowed_cidrs: Vec<IpNet>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Which credentials to list.
#[derive(Debug, Clone, Default)]
pub struct CredentialFilter {
    /// Only this user's.
    pub owner: Option<UserId>,
    /// Only this kind.
    pub kind: Option<CredentialKind>,
    /// Include revoked ones.
    pub include_revoked: bool,
}

/// A credential read for checking a request signed with its secret: the credential, its
/// secret and the user whose rights it carries, read together in one store round trip
/// ([`crate::Credentials::signing_credential`]).
#[derive(Debug)]
pub struct SigningCredential {
    /// The credential itself.
    pub credential: Credential,
    /// Its decrypted secret, or why it could not be opened (sealed under another master key,
    /// an edited row). Kept as a result so that the caller reports a store failure only
    /// after the credential's own checks (kind, revocation, networks) have passed, exactly
    /// as a separate [`crate::Credentials::reveal`] would.
    pub secret: DomainResult<Secret>,
    /// The owner, if the user still exists.
    pub owner: Option<User>,
}
