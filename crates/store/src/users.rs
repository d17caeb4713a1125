//! The [`Users`] port.

use async_trait::async_trait;
use gatehouse_domain::{
    DomainError, DomainResult, EntityKind, NewUser, Page, PasswordHash, PlatformRole, User, UserId,
    UserPatch, Username, Users,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::SqlStore;
use crate::attributes::{put_external_id, put_extra_values, remove_attributes};
use crate::error::{db, unique_or};
use crate::rows::{bound, flag, get, now, time, time_opt, to_micros, to_micros_opt, unreadable};

macro_rules! user_columns {
    () => {
        "id, username, first_name, last_name, email, phone, official_code, language, role, \
         is_admin, active, expires_at, auth_source, password, created_at, updated_at"
    };
}
pub(crate) use user_columns;

/// The authenticator a user has when none is given (Chamilo's name).
const DEFAULT_AUTH_SOURCE: &str = "platform";

pub(crate) fn user_from_row(row: &AnyRow) -> DomainResult<User> {
    let username: String = get(row, "username")?;
    let role: String = get(row, "role")?;
    let password: Option<String> = get(row, "password")?;
    Ok(User {
        id: UserId(get(row, "id")?),
        username: Username::parse(&username).map_err(|e| unreadable("username", e))?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        email: get(row, "email")?,
        phone: get(row, "phone")?,
        official_code: get(row, "official_code")?,
        language: get(row, "language")?,
        role: PlatformRole::parse(&role).map_err(|e| unreadable("role", e))?,
        is_admin: flag(row, "is_admin")?,
        active: flag(row, "active")?,
        expires_at: time_opt(row, "expires_at")?,
        auth_source: get(row, "auth_source")?,
        password: password
            .as_deref()
            .map(PasswordHash::from_stored)
            .transpose()
            .map_err(|e| unreadable("password", e))?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

/// Whether user `id` exists.
pub(crate) async fn user_exists(conn: &mut AnyConnection, id: i64) -> DomainResult<bool> {
    Ok(sqlx::query("SELECT 1 FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db)?
        .is_some())
}

async fn fetch_user(conn: &mut AnyConnection, id: UserId) -> DomainResult<Option<User>> {
    sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

#[async_trait]
impl Users for SqlStore {
    async fn create_user(&self, new: NewUser) -> DomainResult<User> {
        let now = now();
        let auth_source = if new.auth_source.is_empty() {
            DEFAULT_AUTH_SOURCE.to_owned()
        } else {
            new.auth_source
        };
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO users (username, username_folded, first_name, last_name, email, phone, \
             official_code, language, role, is_admin, active, expires_at, auth_source, password, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
             RETURNING ",
            user_columns!()
        ))
        .bind(new.username.as_str())
        .bind(new.username.folded())
        .bind(&new.first_name)
        .bind(&new.last_name)
        .bind(&new.email)
        .bind(&new.phone)
        .bind(&new.official_code)
        .bind(&new.language)
        .bind(new.role.as_str())
        .bind(i64::from(new.is_admin))
        .bind(i64::from(new.active))
        .bind(to_micros_opt(new.expires_at))
        .bind(&auth_source)
        .bind(new.password.as_ref().map(PasswordHash::to_stored))
        .bind(to_micros(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| unique_or(e, || DomainError::UsernameTaken(new.username.to_string())))?;
        let user = user_from_row(&row)?;
        // External ids and extra values go in the same transaction: a taken external id
        // leaves no user behind (Forma: nothing half-created).
        for (name, value) in &new.external_ids {
            put_external_id(&mut tx, EntityKind::User, user.id.0, name, value).await?;
        }
        put_extra_values(&mut tx, EntityKind::User, user.id.0, &new.extra, true).await?;
        tx.commit().await.map_err(db)?;
        Ok(user)
    }

    async fn update_user(&self, id: UserId, patch: UserPatch) -> DomainResult<User> {
        let now = now();
        let mut tx = self.write_tx().await?;
        // Write first: on PostgreSQL this locks the row, so two patches cannot lose each other.
        let touched = sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
            .bind(to_micros(now))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if touched.rows_affected() == 0 {
            return Err(DomainError::UserNotFound(id));
        }
        let mut user = fetch_user(&mut tx, id)
            .await?
            .ok_or(DomainError::UserNotFound(id))?;
        let UserPatch {
            username,
            first_name,
            last_name,
            email,
            phone,
            official_code,
            language,
            role,
            is_admin,
            active,
            expires_at,
            password,
            extra,
        } = patch;
        if let Some(v) = username {
            user.username = v;
        }
        if let Some(v) = first_name {
            user.first_name = v;
        }
        if let Some(v) = last_name {
            user.last_name = v;
        }
        if let Some(v) = email {
            user.email = v;
        }
        if let Some(v) = phone {
            user.phone = v;
        }
        if let Some(v) = official_code {
            user.official_code = v;
        }
        if let Some(v) = language {
            user.language = v;
        }
        if let Some(v) = role {
            user.role = v;
        }
        if let Some(v) = is_admin {
            user.is_admin = v;
        }
        if let Some(v) = active {
            user.active = v;
        }
        if let Some(v) = expires_at {
            user.expires_at = v;
        }
        if let Some(v) = password {
            user.password = v;
        }
        user.updated_at = now;
        sqlx::query(
            "UPDATE users SET username = $1, username_folded = $2, first_name = $3, \
             last_name = $4, email = $5, phone = $6, official_code = $7, language = $8, \
             role = $9, is_admin = $10, active = $11, expires_at = $12, password = $13 \
             WHERE id = $14",
        )
        .bind(user.username.as_str())
        .bind(user.username.folded())
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(&user.email)
        .bind(&user.phone)
        .bind(&user.official_code)
        .bind(&user.language)
        .bind(user.role.as_str())
        .bind(i64::from(user.is_admin))
        .bind(i64::from(user.active))
        .bind(to_micros_opt(user.expires_at))
        .bind(user.password.as_ref().map(PasswordHash::to_stored))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, || DomainError::UsernameTaken(user.username.to_string())))?;
        // Chamilo's edit rule: values for fields that do not exist are skipped.
        put_extra_values(&mut tx, EntityKind::User, id.0, &extra, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(user)
    }

    async fn delete_user(&self, id: UserId) -> DomainResult<()> {
        let mut tx = self.write_tx().await?;
        // Enrolments and credentials go by ON DELETE CASCADE; external ids and extra values
        // point at users and courses alike, so they are removed here.
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if deleted.rows_affected() == 0 {
            return Err(DomainError::UserNotFound(id));
        }
        remove_attributes(&mut tx, EntityKind::User, id.0).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn set_password(&self, id: UserId, hash: Option<PasswordHash>) -> DomainResult<()> {
        let updated = sqlx::query("UPDATE users SET password = $1, updated_at = $2 WHERE id = $3")
            .bind(hash.as_ref().map(PasswordHash::to_stored))
            .bind(to_micros(now()))
            .bind(id.0)
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        if updated.rows_affected() == 0 {
            return Err(DomainError::UserNotFound(id));
        }
        Ok(())
    }

    async fn user(&self, id: UserId) -> DomainResult<Option<User>> {
        let mut conn = self.reader().await?;
        fetch_user(&mut conn, id).await
    }

    async fn user_by_username(&self, username: &Username) -> DomainResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username_folded = $1"
        ))
        .bind(username.folded())
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    /// A subquery rather than a JOIN keeps the selected columns those of `users` alone; the
    /// lookup uses the `(entity_kind, name, value)` index, then the primary key.
    async fn user_by_external_id(&self, name: &str, value: &str) -> DomainResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = (SELECT entity_id FROM external_ids \
              WHERE entity_kind = $1 AND name = $2 AND value = $3)"
        ))
        .bind(EntityKind::User.as_str())
        .bind(name)
        .bind(value)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn list_users(&self, page: Page) -> DomainResult<Vec<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users ORDER BY id LIMIT $1 OFFSET $2"
        ))
        .bind(bound(page.limit))
        .bind(bound(page.offset))
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(user_from_row)
        .collect()
    }

    async fn count_users(&self, active: Option<bool>) -> DomainResult<u64> {
        let row = match active {
            None => {
                sqlx::query("SELECT COUNT(*) AS n FROM users")
                    .fetch_one(&mut *self.reader().await?)
                    .await
            }
            Some(active) => {
                sqlx::query("SELECT COUNT(*) AS n FROM users WHERE active = $1")
                    .bind(i64::from(active))
                    .fetch_one(&mut *self.reader().await?)
                    .await
            }
        }
        .map_err(db)?;
        let n: i64 = row.try_get("n").map_err(db)?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}
