//! The [`Credentials`] port: secrets sealed under the master key beside a SHA-256 lookup
//! hash (D12).

use async_trait::async_trait;
use gatehouse_domain::{
    Credential, CredentialFilter, CredentialHolder, CredentialId, CredentialKind, Credentials,
    DomainError, DomainResult, EntityKind, ExtraValue, NewCredential, Secret, SigningCredential,
    UserId,
};
use ipnet::IpNet;
use sqlx::any::AnyRow;
use subtle::ConstantTimeEq;

use crate::SqlStore;
use crate::crypto::lookup_hash;
use crate::error::{Failure, classify, corrupt, db, unique_or};
use crate::rows::{get, now, time, time_opt, to_micros, to_micros_opt, unreadable};
use crate::users::{user_columns, user_from_row};

macro_rules! credential_columns {
    () => {
        "id, kind, owner_id, public_id, label, allowed_cidrs, expires_at, revoked_at, \
         created_at, rotated_at"
    };
}

/// The associated data a credential's secret is sealed with: a sealed secret copied onto
/// another credential's row does not open there.
fn aad(public_id: &str) -> String {
    format!("credential:{public_id}")
}

fn cidrs_to_text(cidrs: &[IpNet]) -> String {
    cidrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn cidrs_from_text(text: &str) -> DomainResult<Vec<IpNet>> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|e| corrupt("allowed_cidrs", e)))
        .collect()
}

/// What a row calls the credential columns whose names `users` has too: plain, or aliased
/// where the row also carries the owner's columns (see [`SIGNING_QUERY`]).
struct CredentialNames {
    id: &'static str,
    expires_at: &'static str,
    created_at: &'static str,
}

const PLAIN_NAMES: CredentialNames = CredentialNames {
    id: "id",
    expires_at: "expires_at",
    created_at: "created_at",
};

const JOINED_NAMES: CredentialNames = CredentialNames {
    id: "credential_id",
    expires_at: "credential_expires_at",
    created_at: "credential_created_at",
};

/// The credential columns under [`JOINED_NAMES`], with the sealed secret and its lookup
/// hash: the select list of a subquery `c` that the owner's row is JOINed to.
macro_rules! joined_credential_columns {
    () => {
        "id AS credential_id, kind, owner_id, public_id, label, allowed_cidrs, \
         expires_at AS credential_expires_at, revoked_at, created_at AS credential_created_at, \
         rotated_at, secret_hash, secret_sealed"
    };
}

/// The credential with its sealed secret and its owner, in one round trip (a Wildix request
/// otherwise cost three: credential, secret, owner). The credential's columns come from a
/// subquery that renames the three whose names `users` shares, so the owner's columns keep
/// the names [`user_from_row`] reads; a LEFT JOIN keeps a credential whose owner is gone.
const SIGNING_QUERY: &str = concat!(
    "SELECT c.*, ",
    user_columns!(),
    " FROM (SELECT ",
    joined_credential_columns!(),
    " FROM credentials WHERE public_id = $1) c LEFT JOIN users ON users.id = c.owner_id"
);

/// A key check's credential with its owner, in one round trip (the check then needs the
/// user anyway; a second query for it would double the store round trips of the request).
/// Shaped as [`SIGNING_QUERY`]; the owner always exists (credentials go with their user).
const OWNER_QUERY: &str = concat!(
    "SELECT c.*, ",
    user_columns!(),
    " FROM (SELECT ",
    joined_credential_columns!(),
    " FROM credentials WHERE kind = $1 AND secret_hash = $2) c \
     JOIN users ON users.id = c.owner_id ORDER BY c.credential_id"
);

/// [`OWNER_QUERY`] plus the owner's extra values, one row per value (one row with NULLs when
/// there are none), so Chamilo REST `user_profile` costs one round trip. Only the values of
/// user fields (`extra_values.entity_id` is shared by users, courses and sessions); the field
/// name comes from a scalar subquery, as a JOIN of `extra_fields` would bring a second `id`.
const OWNER_EXTRA_QUERY: &str = concat!(
    "SELECT c.*, ",
    user_columns!(),
    ", (SELECT name FROM extra_fields WHERE extra_fields.id = v.field_id) AS extra_field, \
     v.value AS extra_value FROM (SELECT ",
    joined_credential_columns!(),
    " FROM credentials WHERE kind = $1 AND secret_hash = $2) c \
     JOIN users ON users.id = c.owner_id \
     LEFT JOIN extra_values v ON v.entity_id = users.id \
     AND v.field_id IN (SELECT id FROM extra_fields WHERE entity_kind = $3) \
     ORDER BY c.credential_id, extra_field"
);

fn credential_from_row(row: &AnyRow) -> DomainResult<Credential> {
    credential_from_named(row, &PLAIN_NAMES)
}

fn credential_from_named(row: &AnyRow, names: &CredentialNames) -> DomainResult<Credential> {
    let kind: String = get(row, "kind")?;
    let cidrs: String = get(row, "allowed_cidrs")?;
    Ok(Credential {
        id: CredentialId(get(row, names.id)?),
        kind: CredentialKind::parse(&kind).map_err(|e| unreadable("kind", e))?,
        owner: UserId(get(row, "owner_id")?),
        public_id: get(row, "public_id")?,
        label: get(row, "label")?,
        allowed_cidrs: cidrs_from_text(&cidrs)?,
        expires_at: time_opt(row, names.expires_at)?,
        revoked_at: time_opt(row, "revoked_at")?,
        created_at: time(row, names.created_at)?,
        rotated_at: time_opt(row, "rotated_at")?,
    })
}

impl SqlStore {
    /// Opens a sealed credential secret.
    fn open_credential_secret(&self, public_id: &str, sealed: &str) -> DomainResult<Secret> {
        let label = aad(public_id);
        self.sealer
            .open(&label, sealed)
            .ok()
            .and_then(|plain| String::from_utf8(plain).ok())
            .map(Secret::new)
            .ok_or(DomainError::SecretUnreadable(label))
    }

    /// The credential on `row` (its columns under `names`), if it carries `secret`. The
    /// index found the row by `hash`; confirm in constant time, first the hash, then the
    /// decrypted secret itself, so a row edited to carry another hash does not match.
    fn confirm_secret(
        &self,
        row: &AnyRow,
        names: &CredentialNames,
        hash: &str,
        secret: &Secret,
    ) -> DomainResult<Option<Credential>> {
        let stored_hash: String = get(row, "secret_hash")?;
        if !bool::from(stored_hash.as_bytes().ct_eq(hash.as_bytes())) {
            return Ok(None);
        }
        let credential = credential_from_named(row, names)?;
        let sealed: String = get(row, "secret_sealed")?;
        let stored = self.open_credential_secret(&credential.public_id, &sealed)?;
        Ok(secret.ct_eq(stored.expose()).then_some(credential))
    }

    async fn credential_where(&self, id: CredentialId) -> DomainResult<Option<Credential>> {
        sqlx::query(concat!(
            "SELECT ",
            credential_columns!(),
            " FROM credentials WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(credential_from_row)
        .transpose()
    }
}

#[async_trait]
impl Credentials for SqlStore {
    async fn issue_credential(&self, new: NewCredential) -> DomainResult<Credential> {
        if new.public_id.trim().is_empty() {
            return Err(DomainError::invalid("public_id", "must not be empty"));
        }
        if new.secret.is_empty() {
            return Err(DomainError::invalid("secret", "must not be empty"));
        }
        let sealed = self
            .sealer
            .seal(&aad(&new.public_id), new.secret.expose().as_bytes())?;
        let row = sqlx::query(concat!(
            "INSERT INTO credentials (kind, owner_id, public_id, label, secret_sealed, secret_hash, \
             allowed_cidrs, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
            credential_columns!()
        ))
        .bind(new.kind.as_str())
        .bind(new.owner.0)
        .bind(&new.public_id)
        .bind(&new.label)
        .bind(sealed)
        .bind(lookup_hash(new.secret.expose()))
        .bind(cidrs_to_text(&new.allowed_cidrs))
        .bind(to_micros_opt(new.expires_at))
        .bind(to_micros(now()))
        .fetch_one(&mut *self.write_conn().await?)
        .await
        .map_err(|e| {
            if classify(&e) == Failure::ForeignKey {
                return DomainError::UserNotFound(new.owner);
            }
            unique_or(e, || {
                DomainError::invalid(
                    "public_id",
                    format!("{:?} is already used by another credential", new.public_id),
                )
            })
        })?;
        credential_from_row(&row)
    }

    async fn credential(&self, public_id: &str) -> DomainResult<Option<Credential>> {
        sqlx::query(concat!(
            "SELECT ",
            credential_columns!(),
            " FROM credentials WHERE public_id = $1"
        ))
        .bind(public_id)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(credential_from_row)
        .transpose()
    }

    async fn credential_by_id(&self, id: CredentialId) -> DomainResult<Option<Credential>> {
        self.credential_where(id).await
    }

    async fn list_credentials(&self, filter: CredentialFilter) -> DomainResult<Vec<Credential>> {
        sqlx::query(concat!(
            "SELECT ",
            credential_columns!(),
            " FROM credentials WHERE ($1 IS NULL OR owner_id = $1) AND ($2 IS NULL OR kind = $2) \
             AND ($3 = 1 OR revoked_at IS NULL) ORDER BY id"
        ))
        .bind(filter.owner.map(|o| o.0))
        .bind(filter.kind.map(CredentialKind::as_str))
        .bind(i64::from(filter.include_revoked))
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(credential_from_row)
        .collect()
    }

    async fn find_by_secret(
        &self,
        kind: CredentialKind,
        secret: &Secret,
    ) -> DomainResult<Option<Credential>> {
        let hash = lookup_hash(secret.expose());
        let rows = sqlx::query(concat!(
            "SELECT ",
            credential_columns!(),
            ", secret_hash, secret_sealed FROM credentials \
             WHERE kind = $1 AND secret_hash = $2 ORDER BY id"
        ))
        .bind(kind.as_str())
        .bind(&hash)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?;
        for row in &rows {
            if let Some(credential) = self.confirm_secret(row, &PLAIN_NAMES, &hash, secret)? {
                return Ok(Some(credential));
            }
        }
        Ok(None)
    }

    async fn find_by_secret_with_owner(
        &self,
        kind: CredentialKind,
        secret: &Secret,
        with_extra: bool,
    ) -> DomainResult<Option<CredentialHolder>> {
        let hash = lookup_hash(secret.expose());
        let query = if with_extra {
            sqlx::query(OWNER_EXTRA_QUERY)
                .bind(kind.as_str())
                .bind(&hash)
                .bind(EntityKind::User.as_str())
        } else {
            sqlx::query(OWNER_QUERY).bind(kind.as_str()).bind(&hash)
        };
        let rows = query
            .fetch_all(&mut *self.reader().await?)
            .await
            .map_err(db)?;
        // Rows come grouped by credential (ORDER BY its id), one per extra value of its
        // owner; each credential is confirmed once, on the first row of its group.
        let mut start = 0;
        while start < rows.len() {
            let id: i64 = get(&rows[start], JOINED_NAMES.id)?;
            let mut end = start + 1;
            while end < rows.len() && get::<i64>(&rows[end], JOINED_NAMES.id)? == id {
                end += 1;
            }
            let group = &rows[start..end];
            start = end;
            let Some(credential) = self.confirm_secret(&group[0], &JOINED_NAMES, &hash, secret)?
            else {
                continue;
            };
            let extra = if with_extra {
                let mut values = Vec::new();
                for row in group {
                    let field: Option<String> = get(row, "extra_field")?;
                    let value: Option<String> = get(row, "extra_value")?;
                    if let (Some(field), Some(value)) = (field, value) {
                        values.push(ExtraValue { field, value });
                    }
                }
                Some(values)
            } else {
                None
            };
            return Ok(Some(CredentialHolder {
                credential,
                owner: user_from_row(&group[0])?,
                extra,
            }));
        }
        Ok(None)
    }

    async fn signing_credential(&self, public_id: &str) -> DomainResult<Option<SigningCredential>> {
        let Some(row) = sqlx::query(SIGNING_QUERY)
            .bind(public_id)
            .fetch_optional(&mut *self.reader().await?)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let credential = credential_from_named(&row, &JOINED_NAMES)?;
        let sealed: String = get(&row, "secret_sealed")?;
        let secret = self.open_credential_secret(&credential.public_id, &sealed);
        let owner = match get::<Option<i64>>(&row, "id")? {
            Some(_) => Some(user_from_row(&row)?),
            None => None,
        };
        Ok(Some(SigningCredential {
            credential,
            secret,
            owner,
        }))
    }

    async fn reveal(&self, id: CredentialId) -> DomainResult<Secret> {
        let row = sqlx::query("SELECT public_id, secret_sealed FROM credentials WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *self.reader().await?)
            .await
            .map_err(db)?
            .ok_or(DomainError::CredentialIdNotFound(id))?;
        let public_id: String = get(&row, "public_id")?;
        let sealed: String = get(&row, "secret_sealed")?;
        self.open_credential_secret(&public_id, &sealed)
    }

    async fn rotate_credential(
        &self,
        id: CredentialId,
        secret: Secret,
    ) -> DomainResult<Credential> {
        if secret.is_empty() {
            return Err(DomainError::invalid("secret", "must not be empty"));
        }
        // The public id never changes, so it can be read before the write.
        let current = self
            .credential_where(id)
            .await?
            .ok_or(DomainError::CredentialIdNotFound(id))?;
        let sealed = self
            .sealer
            .seal(&aad(&current.public_id), secret.expose().as_bytes())?;
        let row = sqlx::query(concat!(
            "UPDATE credentials SET secret_sealed = $1, secret_hash = $2, rotated_at = $3 \
             WHERE id = $4 AND revoked_at IS NULL RETURNING ",
            credential_columns!()
        ))
        .bind(sealed)
        .bind(lookup_hash(secret.expose()))
        .bind(to_micros(now()))
        .bind(id.0)
        .fetch_optional(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        match row {
            Some(row) => credential_from_row(&row),
            None if self.credential_where(id).await?.is_some() => Err(DomainError::invalid(
                "credential",
                format!("{} is revoked; issue a new one", current.public_id),
            )),
            None => Err(DomainError::CredentialIdNotFound(id)),
        }
    }

    async fn revoke_credential(&self, id: CredentialId) -> DomainResult<Credential> {
        // Revoking twice keeps the first revocation time.
        sqlx::query(concat!(
            "UPDATE credentials SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING ",
            credential_columns!()
        ))
        .bind(to_micros(now()))
        .bind(id.0)
        .fetch_optional(&mut *self.write_conn().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(credential_from_row)
        .transpose()?
        .ok_or(DomainError::CredentialIdNotFound(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_networks_round_trip_through_their_stored_text() {
        let cidrs: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
        assert_eq!(cidrs_to_text(&cidrs), "10.0.0.0/8,::1/128");
        assert_eq!(cidrs_from_text("10.0.0.0/8,::1/128").unwrap(), cidrs);
        assert!(cidrs_from_text("").unwrap().is_empty());
        assert!(cidrs_from_text("nonsense").is_err());
    }
}
