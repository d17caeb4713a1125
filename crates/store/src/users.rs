//! The [`Users`] port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gatehouse_domain::{
    DomainError, DomainResult, EntityKind, NewUser, Page, PasswordHash, PlatformRole, User, UserId,
    UserPatch, Username, Users,
};
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Executor, Row};

use crate::SqlStore;
use crate::attributes::{put_external_id, put_extra_values, remove_attributes};
use crate::error::{Failure, classify, db, unique_or};
use crate::rows::{bound, flag, get, now, time, time_opt, to_micros, to_micros_opt, unreadable};
use crate::store::Engine;

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

/// The INSERT of a new user returning its row, starting with `$verb` (`INSERT`, or SQLite's
/// `INSERT OR ROLLBACK`); `$1`–`$15` as [`bind_new_user`] binds them.
macro_rules! insert_user {
    ($verb:literal) => {
        concat!(
            $verb,
            " INTO users (username, username_folded, first_name, last_name, email, phone, \
             official_code, language, role, is_admin, active, expires_at, auth_source, password, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
             RETURNING ",
            user_columns!()
        )
    };
}

/// See [`insert_user!`].
const INSERT_USER: &str = insert_user!("INSERT");

/// A user and one external id in one round trip on SQLite, which has no INSERT inside a
/// WITH: the whole transaction is one multi-statement string (`$16`–`$18` are the external
/// id's kind, name and value). `OR ROLLBACK` makes SQLite itself end the transaction when a
/// constraint refuses a row, so the connection is left outside a transaction even if the
/// caller is gone before it could roll back; the upsert of `put_external_id` is left out
/// because a brand-new user has no external id to replace.
const SQLITE_INSERT_USER_WITH_EXTERNAL_ID: &str = concat!(
    "BEGIN IMMEDIATE; ",
    insert_user!("INSERT OR ROLLBACK"),
    "; INSERT OR ROLLBACK INTO external_ids (entity_kind, entity_id, name, value) \
     VALUES ($16, last_insert_rowid(), $17, $18); COMMIT"
);

/// The same as one PostgreSQL statement: a data-modifying WITH runs both INSERTs, all or
/// none, without BEGIN and COMMIT.
const POSTGRES_INSERT_USER_WITH_EXTERNAL_ID: &str = concat!(
    "WITH u AS (",
    insert_user!("INSERT"),
    "), e AS (INSERT INTO external_ids (entity_kind, entity_id, name, value) \
     SELECT $16, id, $17, $18 FROM u) SELECT ",
    user_columns!(),
    " FROM u"
);

/// One create of a batch ([`crate::user_batch`]) on SQLite: its INSERTs inside a savepoint
/// of their own, all in one statement string. Plain INSERTs: a refused row undoes its own
/// statement only, and the batch rolls back to the savepoint.
const SQLITE_INSERT_USER_IN_SAVEPOINT: &str = concat!(
    "SAVEPOINT create_user; ",
    insert_user!("INSERT"),
    "; RELEASE create_user"
);

/// The same with one external id (`$16`–`$18`).
const SQLITE_INSERT_USER_WITH_EXTERNAL_ID_IN_SAVEPOINT: &str = concat!(
    "SAVEPOINT create_user; ",
    insert_user!("INSERT"),
    "; INSERT INTO external_ids (entity_kind, entity_id, name, value) \
     VALUES ($16, last_insert_rowid(), $17, $18); RELEASE create_user"
);

/// The statement string of one create in a batch (see [`SQLITE_INSERT_USER_IN_SAVEPOINT`]).
pub(crate) fn insert_user_savepoint_sql(with_external_id: bool) -> &'static str {
    if with_external_id {
        SQLITE_INSERT_USER_WITH_EXTERNAL_ID_IN_SAVEPOINT
    } else {
        SQLITE_INSERT_USER_IN_SAVEPOINT
    }
}

/// A user read back from a row of [`user_columns!`].
pub(crate) fn user_row(row: &AnyRow) -> DomainResult<User> {
    user_from_row(row)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds `$1`–`$15` of [`INSERT_USER`].
pub(crate) fn bind_new_user<'q>(
    query: AnyQuery<'q>,
    new: &'q NewUser,
    auth_source: &'q str,
    now: DateTime<Utc>,
) -> AnyQuery<'q> {
    query
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
        .bind(auth_source)
        .bind(new.password.as_ref().map(PasswordHash::to_stored))
        .bind(to_micros(now))
}

impl SqlStore {
    /// Creates a user without extra values and with at most one external id in a single
    /// round trip to the writer: one INSERT, or one statement string carrying the whole
    /// transaction (see [`SQLITE_INSERT_USER_WITH_EXTERNAL_ID`]). `None` when a unique
    /// constraint refused a row: nothing is stored, and the caller finds out which.
    pub(crate) async fn create_at_once(
        &self,
        new: &NewUser,
        auth_source: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<User>> {
        let mut conn = self.write_conn().await?;
        let rows = match new.external_ids.first() {
            None => {
                bind_new_user(sqlx::query(INSERT_USER), new, auth_source, now)
                    .fetch_all(&mut *conn)
                    .await
            }
            Some((name, value)) => {
                let sql = match self.engine {
                    Engine::Sqlite => SQLITE_INSERT_USER_WITH_EXTERNAL_ID,
                    Engine::Postgres => POSTGRES_INSERT_USER_WITH_EXTERNAL_ID,
                };
                let rows = bind_new_user(sqlx::query(sql), new, auth_source, now)
                    .bind(EntityKind::User.as_str())
                    .bind(name)
                    .bind(value)
                    .fetch_all(&mut *conn)
                    .await;
                if rows.is_err() && self.engine == Engine::Sqlite {
                    end_failed_transaction(&mut conn).await;
                }
                rows
            }
        };
        match rows {
            Ok(rows) => rows
                .first()
                .map(user_from_row)
                .transpose()?
                .map(Some)
                .ok_or_else(|| DomainError::Internal("the new user's row was not returned".into())),
            Err(e) if classify(&e) == Failure::Unique => Ok(None),
            Err(e) => Err(db(e)),
        }
    }
}

/// After [`SQLITE_INSERT_USER_WITH_EXTERNAL_ID`] failed: rolls back what it may have left
/// open (a failure that is not a refused row, such as a failed COMMIT). sqlx does not know
/// of that transaction, so a connection where it cannot be ended is closed rather than
/// returned to the pool, where every later BEGIN on it would fail.
async fn end_failed_transaction(conn: &mut PoolConnection<Any>) {
    if let Err(e) = conn.execute("ROLLBACK").await {
        // SQLite already ended it (OR ROLLBACK, or its own rollback after an I/O error).
        if !e.to_string().contains("no transaction is active") {
            tracing::warn!(error = %e, "closing the writer connection: its transaction could not be ended");
            conn.close_on_drop();
        }
    }
}

#[async_trait]
impl Users for SqlStore {
    async fn create_user(&self, new: NewUser) -> DomainResult<User> {
        let now = now();
        let auth_source = if new.auth_source.is_empty() {
            DEFAULT_AUTH_SOURCE.to_owned()
        } else {
            new.auth_source.clone()
        };
        // The common creates (issue #10) cost the single writer one round trip: no extra
        // values and at most one external id fit one statement (see `create_at_once`).
        // When a constraint refuses it, the step-by-step transaction below runs instead and
        // names what was taken, exactly as it always has.
        if new.extra.is_empty() && new.external_ids.len() <= 1 {
            // On SQLite concurrent creates share one commit (see `crate::user_batch`).
            let queued = match &self.creates {
                Some(queue) => queue.create(&new, &auth_source, now).await,
                None => None,
            };
            let created = match queued {
                Some(created) => created,
                None => self.create_at_once(&new, &auth_source, now).await,
            };
            match created? {
                Some(user) => return Ok(user),
                None if new.external_ids.is_empty() => {
                    return Err(DomainError::UsernameTaken(new.username.to_string()));
                }
                None => {}
            }
        }
        let mut tx = self.write_tx().await?;
        let row = bind_new_user(sqlx::query(INSERT_USER), &new, &auth_source, now)
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
