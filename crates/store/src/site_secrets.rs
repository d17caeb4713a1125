//! The [`SiteSecrets`] port: site-wide secrets (Chamilo `security_key`, Forma key, secret and
//! SSO secret), sealed under the master key.

use async_trait::async_trait;
use gatehouse_domain::{DomainError, DomainResult, Secret, SiteSecrets};

use crate::SqlStore;
use crate::error::db;
use crate::rows::{get, now, to_micros};

/// The associated data a site secret is sealed with.
fn aad(name: &str) -> String {
    format!("site:{name}")
}

#[async_trait]
impl SiteSecrets for SqlStore {
    async fn site_secret(&self, name: &str) -> DomainResult<Option<Secret>> {
        let row = sqlx::query("SELECT secret_sealed FROM site_secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.reader().await?)
            .await
            .map_err(db)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let sealed: String = get(&row, "secret_sealed")?;
        let label = aad(name);
        self.sealer
            .open(&label, &sealed)
            .ok()
            .and_then(|plain| String::from_utf8(plain).ok())
            .map(|plain| Some(Secret::new(plain)))
            .ok_or(DomainError::SecretUnreadable(label))
    }

    async fn put_site_secret(&self, name: &str, value: &Secret) -> DomainResult<()> {
        if name.trim().is_empty() {
            return Err(DomainError::invalid("name", "must not be empty"));
        }
        let sealed = self.sealer.seal(&aad(name), value.expose().as_bytes())?;
        sqlx::query(
            "INSERT INTO site_secrets (name, secret_sealed, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET secret_sealed = excluded.secret_sealed, \
             updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(sealed)
        .bind(to_micros(now()))
        .execute(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn create_site_secret(&self, name: &str, value: &Secret) -> DomainResult<bool> {
        if name.trim().is_empty() {
            return Err(DomainError::invalid("name", "must not be empty"));
        }
        let sealed = self.sealer.seal(&aad(name), value.expose().as_bytes())?;
        let done = sqlx::query(
            "INSERT INTO site_secrets (name, secret_sealed, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(sealed)
        .bind(to_micros(now()))
        .execute(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn site_secret_names(&self) -> DomainResult<Vec<String>> {
        sqlx::query("SELECT name FROM site_secrets ORDER BY name")
            .fetch_all(&mut *self.reader().await?)
            .await
            .map_err(db)?
            .iter()
            .map(|row| get(row, "name"))
            .collect()
    }
}
