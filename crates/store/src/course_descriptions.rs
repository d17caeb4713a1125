//! The [`CourseDescriptions`] port: one row per (course, kind 1–8).

use async_trait::async_trait;
use gatehouse_domain::{
    CourseDescription, CourseDescriptions, CourseId, DomainError, DomainResult,
};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::db;
use crate::rows::{get, now, to_micros};

fn description_from_row(row: &AnyRow) -> DomainResult<CourseDescription> {
    Ok(CourseDescription {
        course_id: CourseId(get(row, "course_id")?),
        kind: get(row, "kind")?,
        title: get(row, "title")?,
        content: get(row, "content")?,
    })
}

#[async_trait]
impl CourseDescriptions for SqlStore {
    async fn course_descriptions(&self, course: CourseId) -> DomainResult<Vec<CourseDescription>> {
        sqlx::query(
            "SELECT course_id, kind, title, content FROM course_descriptions \
             WHERE course_id = $1 ORDER BY kind",
        )
        .bind(course.0)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(description_from_row)
        .collect()
    }

    async fn set_course_description(
        &self,
        course: CourseId,
        kind: i64,
        title: &str,
        content: &str,
    ) -> DomainResult<CourseDescription> {
        let kind = CourseDescription::check_kind(kind)?;
        let mut tx = self.write_tx().await?;
        // Descriptions of a soft-deleted course are still the course's: only a missing row fails.
        let exists = sqlx::query("SELECT 1 FROM courses WHERE id = $1")
            .bind(course.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_none() {
            return Err(DomainError::CourseNotFound(course));
        }
        let row = sqlx::query(
            "INSERT INTO course_descriptions (course_id, kind, title, content, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (course_id, kind) DO UPDATE SET title = excluded.title, \
             content = excluded.content, updated_at = excluded.updated_at \
             RETURNING course_id, kind, title, content",
        )
        .bind(course.0)
        .bind(kind)
        .bind(title)
        .bind(content)
        .bind(to_micros(now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let description = description_from_row(&row)?;
        tx.commit().await.map_err(db)?;
        Ok(description)
    }
}
