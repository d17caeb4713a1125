//! The Forma ports: [`Markers`], [`RestTokens`] and [`Categories`] over SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gatehouse_domain::{Categories, Category, DomainResult, Markers, RestTokens, Secret, UserId};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::crypto::lookup_hash;
use crate::error::{Failure, classify, db};
use crate::rows::{get, to_micros};

#[async_trait]
impl Markers for SqlStore {
    async fn claim_marker(
        &self,
        scope: &str,
        key: &Secret,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM single_use_markers WHERE scope = $1 AND expires_at <= $2")
            .bind(scope)
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let inserted = sqlx::query(
            "INSERT INTO single_use_markers (scope, key_hash, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(scope)
        .bind(lookup_hash(key.expose()))
        .bind(to_micros(expires_at))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {
                tx.commit().await.map_err(db)?;
                Ok(true)
            }
            // The key is already claimed and live: another request (maybe on another
            // instance) used it first.
            Err(e) if classify(&e) == Failure::Unique => {
                tx.rollback().await.map_err(db)?;
                Ok(false)
            }
            Err(e) => Err(db(e)),
        }
    }
}

#[async_trait]
impl RestTokens for SqlStore {
    async fn put_rest_token(
        &self,
        user: UserId,
        token: &Secret,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM forma_rest_tokens WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO forma_rest_tokens (user_id, token_hash, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(user.0)
        .bind(lookup_hash(token.expose()))
        .bind(to_micros(expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn use_rest_token(
        &self,
        token: &Secret,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<Option<UserId>> {
        let hash = lookup_hash(token.expose());
        // One guarded UPDATE checks and slides the expiry, so a token that expires between a
        // read and a write is never extended.
        let row = sqlx::query(
            "UPDATE forma_rest_tokens SET expires_at = $1 \
             WHERE token_hash = $2 AND expires_at >= $3 RETURNING user_id",
        )
        .bind(to_micros(expires_at))
        .bind(&hash)
        .bind(to_micros(now))
        .fetch_optional(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        match row {
            Some(row) => Ok(Some(UserId(get(&row, "user_id")?))),
            None => {
                // Forma purges expired rows on every call (specs/forma.md §3.0).
                sqlx::query("DELETE FROM forma_rest_tokens WHERE expires_at < $1")
                    .bind(to_micros(now))
                    .execute(&mut *self.write_conn().await?)
                    .await
                    .map_err(db)?;
                Ok(None)
            }
        }
    }
}

fn category_from_row(row: &AnyRow) -> DomainResult<Category> {
    Ok(Category {
        id: get(row, "id")?,
        parent_id: get(row, "parent_id")?,
        name: get(row, "name")?,
    })
}

#[async_trait]
impl Categories for SqlStore {
    async fn add_category(&self, parent_id: i64, name: &str) -> DomainResult<Category> {
        let row = sqlx::query(
            "INSERT INTO course_categories (parent_id, name) VALUES ($1, $2) \
             RETURNING id, parent_id, name",
        )
        .bind(parent_id)
        .bind(name)
        .fetch_one(&mut *self.write_conn().await?)
        .await
        .map_err(db)?;
        category_from_row(&row)
    }

    async fn rename_category(&self, id: i64, name: &str) -> DomainResult<bool> {
        let done = sqlx::query("UPDATE course_categories SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn categories(&self) -> DomainResult<Vec<Category>> {
        let rows = sqlx::query("SELECT id, parent_id, name FROM course_categories ORDER BY id")
            .fetch_all(&mut *self.reader().await?)
            .await
            .map_err(db)?;
        rows.iter().map(category_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use gatehouse_domain::{NewUser, Username, Users};

    use super::*;
    use crate::{MasterKey, StoreOptions};

    async fn store() -> (SqlStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = SqlStore::connect(&StoreOptions::with_url(&url), MasterKey::generate())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn a_marker_is_claimed_once_until_it_expires() {
        let (store, _dir) = store().await;
        let now = crate::rows::now();
        let key = Secret::new("sig");
        let until = now + Duration::seconds(60);
        assert!(store.claim_marker("s", &key, now, until).await.unwrap());
        assert!(!store.claim_marker("s", &key, now, until).await.unwrap());
        assert!(store.claim_marker("other", &key, now, until).await.unwrap());
        let later = until + Duration::seconds(1);
        let again = later + Duration::seconds(60);
        assert!(store.claim_marker("s", &key, later, again).await.unwrap());
    }

    #[tokio::test]
    async fn a_new_token_replaces_the_old_and_each_use_slides_the_expiry() {
        let (store, _dir) = store().await;
        let user = store
            .create_user(NewUser::new(Username::parse("t").unwrap()))
            .await
            .unwrap();
        let now = crate::rows::now();
        let (old, new) = (Secret::new("old"), Secret::new("new"));
        let soon = now + Duration::seconds(10);
        store.put_rest_token(user.id, &old, soon).await.unwrap();
        store.put_rest_token(user.id, &new, soon).await.unwrap();
        assert_eq!(store.use_rest_token(&old, now, soon).await.unwrap(), None);
        let later = now + Duration::seconds(8);
        let slid = later + Duration::seconds(10);
        assert_eq!(
            store.use_rest_token(&new, later, slid).await.unwrap(),
            Some(user.id)
        );
        // Past the first expiry but within the slid one.
        let after = now + Duration::seconds(15);
        assert_eq!(
            store.use_rest_token(&new, after, after).await.unwrap(),
            Some(user.id)
        );
        let dead = after + Duration::seconds(1);
        assert_eq!(store.use_rest_token(&new, dead, dead).await.unwrap(), None);
    }

    #[tokio::test]
    async fn categories_are_added_listed_and_renamed() {
        let (store, _dir) = store().await;
        let root = store.add_category(0, "Languages").await.unwrap();
        let child = store.add_category(root.id, "Italian").await.unwrap();
        assert_eq!(child.parent_id, root.id);
        assert!(store.rename_category(child.id, "Italiano").await.unwrap());
        assert!(!store.rename_category(999, "x").await.unwrap());
        let names: Vec<String> = store
            .categories()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Languages", "Italiano"]);
    }
}
