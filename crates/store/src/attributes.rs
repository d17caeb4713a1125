//! The [`Attributes`] port: external ids and extra fields of users, courses and sessions, plus the
//! helpers the user and course writes share inside their transactions.

use async_trait::async_trait;
use gatehouse_domain::{
    Attributes, CourseId, CourseSessionId, DomainError, DomainResult, EntityKind, EntityRef,
    ExternalId, ExtraValue, UserId,
};
use sqlx::AnyConnection;

use crate::SqlStore;
use crate::error::{db, unique_or};
use crate::rows::{get, now, to_micros};

/// Sets (or replaces) an entity's external id `name`; a value that another entity of the same
/// kind holds is refused.
pub(crate) async fn put_external_id(
    conn: &mut AnyConnection,
    kind: EntityKind,
    id: i64,
    name: &str,
    value: &str,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO external_ids (entity_kind, entity_id, name, value) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (entity_kind, entity_id, name) DO UPDATE SET value = excluded.value",
    )
    .bind(kind.as_str())
    .bind(id)
    .bind(name)
    .bind(value)
    .execute(conn)
    .await
    .map_err(|e| {
        unique_or(e, || DomainError::ExternalIdTaken {
            kind: kind.as_str(),
            name: name.to_owned(),
            value: value.to_owned(),
        })
    })?;
    Ok(())
}

/// The id of `kind`'s extra field `name`, if it exists.
async fn field_id(
    conn: &mut AnyConnection,
    kind: EntityKind,
    name: &str,
) -> DomainResult<Option<i64>> {
    let row = sqlx::query("SELECT id FROM extra_fields WHERE entity_kind = $1 AND name = $2")
        .bind(kind.as_str())
        .bind(name)
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    row.as_ref().map(|r| get(r, "id")).transpose()
}

/// Creates `kind`'s extra field `name` unless it exists; returns its id.
async fn define_field(conn: &mut AnyConnection, kind: EntityKind, name: &str) -> DomainResult<i64> {
    sqlx::query(
        "INSERT INTO extra_fields (entity_kind, name, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (entity_kind, name) DO NOTHING",
    )
    .bind(kind.as_str())
    .bind(name)
    .bind(to_micros(now()))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    field_id(conn, kind, name)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("extra field {name} vanished")))
}

async fn put_extra_value(
    conn: &mut AnyConnection,
    field: i64,
    entity: i64,
    value: &str,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO extra_values (field_id, entity_id, value) VALUES ($1, $2, $3) \
         ON CONFLICT (field_id, entity_id) DO UPDATE SET value = excluded.value",
    )
    .bind(field)
    .bind(entity)
    .bind(value)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Sets extra values of an entity: with `create_fields` missing fields are created (a
/// create), otherwise values for missing fields are skipped (Chamilo's edit rule).
pub(crate) async fn put_extra_values(
    conn: &mut AnyConnection,
    kind: EntityKind,
    entity: i64,
    values: &[(String, String)],
    create_fields: bool,
) -> DomainResult<()> {
    for (name, value) in values {
        let field = if create_fields {
            Some(define_field(conn, kind, name).await?)
        } else {
            field_id(conn, kind, name).await?
        };
        if let Some(field) = field {
            put_extra_value(conn, field, entity, value).await?;
        }
    }
    Ok(())
}

/// Removes an entity's external ids and extra values (when the entity itself goes).
pub(crate) async fn remove_attributes(
    conn: &mut AnyConnection,
    kind: EntityKind,
    id: i64,
) -> DomainResult<()> {
    sqlx::query("DELETE FROM external_ids WHERE entity_kind = $1 AND entity_id = $2")
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query(
        "DELETE FROM extra_values WHERE entity_id = $1 \
         AND field_id IN (SELECT id FROM extra_fields WHERE entity_kind = $2)",
    )
    .bind(id)
    .bind(kind.as_str())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Fails with the kind's not-found error unless the entity exists (deleted courses exist).
async fn require_entity(conn: &mut AnyConnection, entity: EntityRef) -> DomainResult<()> {
    let (sql, missing) = match entity.kind {
        EntityKind::User => (
            "SELECT 1 FROM users WHERE id = $1",
            DomainError::UserNotFound(UserId(entity.id)),
        ),
        EntityKind::Course => (
            "SELECT 1 FROM courses WHERE id = $1",
            DomainError::CourseNotFound(CourseId(entity.id)),
        ),
        EntityKind::Session => (
            "SELECT 1 FROM course_sessions WHERE id = $1",
            DomainError::SessionNotFound(CourseSessionId(entity.id)),
        ),
    };
    let found = sqlx::query(sql)
        .bind(entity.id)
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    found.map(|_| ()).ok_or(missing)
}

#[async_trait]
impl Attributes for SqlStore {
    async fn find_by_external_id(
        &self,
        kind: EntityKind,
        name: &str,
        value: &str,
    ) -> DomainResult<Option<i64>> {
        let row = sqlx::query(
            "SELECT entity_id FROM external_ids WHERE entity_kind = $1 AND name = $2 AND value = $3",
        )
        .bind(kind.as_str())
        .bind(name)
        .bind(value)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?;
        row.as_ref().map(|r| get(r, "entity_id")).transpose()
    }

    async fn set_external_id(
        &self,
        entity: EntityRef,
        name: &str,
        value: &str,
    ) -> DomainResult<()> {
        let mut tx = self.write_tx().await?;
        require_entity(&mut tx, entity).await?;
        put_external_id(&mut tx, entity.kind, entity.id, name, value).await?;
        tx.commit().await.map_err(db)
    }

    async fn external_ids(&self, entity: EntityRef) -> DomainResult<Vec<ExternalId>> {
        sqlx::query(
            "SELECT name, value FROM external_ids WHERE entity_kind = $1 AND entity_id = $2 \
             ORDER BY name",
        )
        .bind(entity.kind.as_str())
        .bind(entity.id)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(ExternalId {
                name: get(row, "name")?,
                value: get(row, "value")?,
            })
        })
        .collect()
    }

    async fn define_extra_field(&self, kind: EntityKind, name: &str) -> DomainResult<()> {
        if name.trim().is_empty() {
            return Err(DomainError::invalid("field", "must not be empty"));
        }
        let mut conn = self.write_conn().await?;
        define_field(&mut conn, kind, name).await.map(|_| ())
    }

    async fn extra_field_exists(&self, kind: EntityKind, name: &str) -> DomainResult<bool> {
        let mut conn = self.reader().await?;
        Ok(field_id(&mut conn, kind, name).await?.is_some())
    }

    async fn extra_fields(&self, kind: EntityKind) -> DomainResult<Vec<String>> {
        sqlx::query("SELECT name FROM extra_fields WHERE entity_kind = $1 ORDER BY name")
            .bind(kind.as_str())
            .fetch_all(&mut *self.reader().await?)
            .await
            .map_err(db)?
            .iter()
            .map(|row| get(row, "name"))
            .collect()
    }

    async fn set_extra_value(
        &self,
        entity: EntityRef,
        name: &str,
        value: &str,
    ) -> DomainResult<bool> {
        let mut tx = self.write_tx().await?;
        require_entity(&mut tx, entity).await?;
        let Some(field) = field_id(&mut tx, entity.kind, name).await? else {
            return Ok(false);
        };
        put_extra_value(&mut tx, field, entity.id, value).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn extra_values(&self, entity: EntityRef) -> DomainResult<Vec<ExtraValue>> {
        sqlx::query(
            "SELECT f.name AS field, v.value AS value FROM extra_values v \
             JOIN extra_fields f ON f.id = v.field_id \
             WHERE f.entity_kind = $1 AND v.entity_id = $2 ORDER BY f.name",
        )
        .bind(entity.kind.as_str())
        .bind(entity.id)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(ExtraValue {
                field: get(row, "field")?,
                value: get(row, "value")?,
            })
        })
        .collect()
    }
}
