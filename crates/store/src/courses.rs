//! The [`Courses`] port.

use async_trait::async_trait;
use gatehouse_domain::{
    Course, CourseId, CoursePatch, CourseVisibility, Courses, DomainError, DomainResult,
    EntityKind, NewCourse, Page,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::attributes::{put_external_id, put_extra_values};
use crate::error::{db, unique_or};
use crate::rows::{bound, get, now, time, time_opt, to_micros, unreadable};

macro_rules! course_columns {
    () => {
        "id, code, title, category, language, visibility, disk_quota_mb, tutor_name, \
         description, deleted_at, created_at, updated_at"
    };
}

fn course_from_row(row: &AnyRow) -> DomainResult<Course> {
    let visibility: String = get(row, "visibility")?;
    Ok(Course {
        id: CourseId(get(row, "id")?),
        code: get(row, "code")?,
        title: get(row, "title")?,
        category: get(row, "category")?,
        language: get(row, "language")?,
        visibility: CourseVisibility::parse(&visibility)
            .map_err(|e| unreadable("visibility", e))?,
        disk_quota_mb: get(row, "disk_quota_mb")?,
        tutor_name: get(row, "tutor_name")?,
        description: get(row, "description")?,
        deleted_at: time_opt(row, "deleted_at")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

async fn fetch_course(conn: &mut AnyConnection, id: CourseId) -> DomainResult<Option<Course>> {
    sqlx::query(concat!(
        "SELECT ",
        course_columns!(),
        " FROM courses WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(course_from_row)
    .transpose()
}

#[async_trait]
impl Courses for SqlStore {
    async fn create_course(&self, new: NewCourse) -> DomainResult<Course> {
        if new.code.trim().is_empty() {
            return Err(DomainError::invalid("code", "must not be empty"));
        }
        let now = now();
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO courses (code, title, category, language, visibility, disk_quota_mb, \
             tutor_name, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ",
            course_columns!()
        ))
        .bind(&new.code)
        .bind(&new.title)
        .bind(&new.category)
        .bind(&new.language)
        .bind(new.visibility.as_str())
        .bind(new.disk_quota_mb)
        .bind(&new.tutor_name)
        .bind(&new.description)
        .bind(to_micros(now))
        .fetch_one(&mut *tx)
        .await
        // Codes are unique among live courses; a deleted course's code may be used again.
        .map_err(|e| unique_or(e, || DomainError::CourseCodeTaken(new.code.clone())))?;
        let course = course_from_row(&row)?;
        for (name, value) in &new.external_ids {
            put_external_id(&mut tx, EntityKind::Course, course.id.0, name, value).await?;
        }
        put_extra_values(&mut tx, EntityKind::Course, course.id.0, &new.extra, true).await?;
        tx.commit().await.map_err(db)?;
        Ok(course)
    }

    async fn update_course(&self, id: CourseId, patch: CoursePatch) -> DomainResult<Course> {
        let now = now();
        let mut tx = self.write_tx().await?;
        // Write first, so the row is locked before it is read (see update_user).
        let touched = sqlx::query("UPDATE courses SET updated_at = $1 WHERE id = $2")
            .bind(to_micros(now))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if touched.rows_affected() == 0 {
            return Err(DomainError::CourseNotFound(id));
        }
        let mut course = fetch_course(&mut tx, id)
            .await?
            .ok_or(DomainError::CourseNotFound(id))?;
        let CoursePatch {
            title,
            category,
            language,
            visibility,
            disk_quota_mb,
            tutor_name,
            description,
            extra,
        } = patch;
        if let Some(v) = title {
            course.title = v;
        }
        if let Some(v) = category {
            course.category = v;
        }
        if let Some(v) = language {
            course.language = v;
        }
        if let Some(v) = visibility {
            course.visibility = v;
        }
        if let Some(v) = disk_quota_mb {
            course.disk_quota_mb = v;
        }
        if let Some(v) = tutor_name {
            course.tutor_name = v;
        }
        if let Some(v) = description {
            course.description = v;
        }
        course.updated_at = now;
        sqlx::query(
            "UPDATE courses SET title = $1, category = $2, language = $3, visibility = $4, \
             disk_quota_mb = $5, tutor_name = $6, description = $7 WHERE id = $8",
        )
        .bind(&course.title)
        .bind(&course.category)
        .bind(&course.language)
        .bind(course.visibility.as_str())
        .bind(course.disk_quota_mb)
        .bind(&course.tutor_name)
        .bind(&course.description)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        put_extra_values(&mut tx, EntityKind::Course, id.0, &extra, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(course)
    }

    async fn delete_course(&self, id: CourseId) -> DomainResult<()> {
        let mut tx = self.write_tx().await?;
        let deleted = sqlx::query(
            "UPDATE courses SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND deleted_at IS NULL",
        )
        .bind(to_micros(now()))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Deleting a deleted course changes nothing and is not an error.
        if deleted.rows_affected() == 0 && fetch_course(&mut tx, id).await?.is_none() {
            return Err(DomainError::CourseNotFound(id));
        }
        tx.commit().await.map_err(db)
    }

    async fn course(&self, id: CourseId) -> DomainResult<Option<Course>> {
        let mut conn = self.reader().await?;
        fetch_course(&mut conn, id).await
    }

    async fn course_by_code(&self, code: &str) -> DomainResult<Option<Course>> {
        sqlx::query(concat!(
            "SELECT ",
            course_columns!(),
            " FROM courses WHERE code = $1 AND deleted_at IS NULL"
        ))
        .bind(code)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(course_from_row)
        .transpose()
    }

    async fn list_courses(&self, page: Page) -> DomainResult<Vec<Course>> {
        sqlx::query(concat!(
            "SELECT ",
            course_columns!(),
            " FROM courses WHERE deleted_at IS NULL ORDER BY id LIMIT $1 OFFSET $2"
        ))
        .bind(bound(page.limit))
        .bind(bound(page.offset))
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(course_from_row)
        .collect()
    }
}
