//! The [`Enrolments`] port. Roles and statuses are stored as Forma's numbers (D18).

use async_trait::async_trait;
use gatehouse_domain::{
    CourseId, DomainError, DomainResult, Enrolment, EnrolmentRole, EnrolmentStatus, Enrolments,
    UserId,
};
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::db;
use crate::rows::{get, now, time, to_micros, unreadable};
use crate::users::user_exists;

fn enrolment_from_row(row: &AnyRow) -> DomainResult<Enrolment> {
    Ok(Enrolment {
        user_id: UserId(get(row, "user_id")?),
        course_id: CourseId(get(row, "course_id")?),
        role: EnrolmentRole::from_level(get(row, "role")?).map_err(|e| unreadable("role", e))?,
        status: EnrolmentStatus::from_code(get(row, "status")?)
            .map_err(|e| unreadable("status", e))?,
        created_at: time(row, "created_at")?,
    })
}

#[async_trait]
impl Enrolments for SqlStore {
    async fn enrol(
        &self,
        user: UserId,
        course: CourseId,
        role: EnrolmentRole,
        status: EnrolmentStatus,
    ) -> DomainResult<Enrolment> {
        let mut tx = self.write_tx().await?;
        if !user_exists(&mut tx, user.0).await? {
            return Err(DomainError::UserNotFound(user));
        }
        // A deleted course takes no new enrolments: to callers it no longer exists.
        let live = sqlx::query("SELECT 1 FROM courses WHERE id = $1 AND deleted_at IS NULL")
            .bind(course.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if live.is_none() {
            return Err(DomainError::CourseNotFound(course));
        }
        // Re-enrolling changes role and status and keeps the original enrolment time.
        let row = sqlx::query(
            "INSERT INTO enrolments (user_id, course_id, role, status, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, course_id) DO UPDATE SET role = excluded.role, status = excluded.status \
             RETURNING user_id, course_id, role, status, created_at",
        )
        .bind(user.0)
        .bind(course.0)
        .bind(role.level())
        .bind(status.code())
        .bind(to_micros(now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let enrolment = enrolment_from_row(&row)?;
        tx.commit().await.map_err(db)?;
        Ok(enrolment)
    }

    async fn unenrol(&self, user: UserId, course: CourseId) -> DomainResult<bool> {
        let deleted = sqlx::query("DELETE FROM enrolments WHERE user_id = $1 AND course_id = $2")
            .bind(user.0)
            .bind(course.0)
            .execute(&mut *self.write_conn().await?)
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn enrolment(&self, user: UserId, course: CourseId) -> DomainResult<Option<Enrolment>> {
        sqlx::query(
            "SELECT user_id, course_id, role, status, created_at FROM enrolments \
             WHERE user_id = $1 AND course_id = $2",
        )
        .bind(user.0)
        .bind(course.0)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(enrolment_from_row)
        .transpose()
    }

    async fn user_enrolments(&self, user: UserId) -> DomainResult<Vec<Enrolment>> {
        sqlx::query(
            "SELECT e.user_id AS user_id, e.course_id AS course_id, e.role AS role, \
             e.status AS status, e.created_at AS created_at \
             FROM enrolments e JOIN courses c ON c.id = e.course_id \
             WHERE e.user_id = $1 AND c.deleted_at IS NULL ORDER BY e.course_id",
        )
        .bind(user.0)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(enrolment_from_row)
        .collect()
    }

    async fn course_enrolments(&self, course: CourseId) -> DomainResult<Vec<Enrolment>> {
        sqlx::query(
            "SELECT user_id, course_id, role, status, created_at FROM enrolments \
             WHERE course_id = $1 ORDER BY user_id",
        )
        .bind(course.0)
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(enrolment_from_row)
        .collect()
    }
}
