//! The [`CourseSessions`] port. Memberships go with the session, user or course by
//! `ON DELETE CASCADE`; a deleted coach leaves the session without one.

use async_trait::async_trait;
use gatehouse_domain::{
    CourseId, CourseSession, CourseSessionId, CourseSessionPatch, CourseSessions, DomainError,
    DomainResult, EntityKind, NewCourseSession, Page, SessionVisibility, UserId,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::attributes::{put_external_id, put_extra_values, remove_attributes};
use crate::error::{db, unique_or};
use crate::rows::{bound, get, now, time, time_opt, to_micros, to_micros_opt, unreadable};
use crate::users::user_exists;

macro_rules! session_columns {
    () => {
        "id, name, coach_id, access_start, access_end, coach_access_start, coach_access_end, \
         visibility, description, duration_days, created_at, updated_at"
    };
}

fn session_from_row(row: &AnyRow) -> DomainResult<CourseSession> {
    let visibility: String = get(row, "visibility")?;
    let coach: Option<i64> = get(row, "coach_id")?;
    Ok(CourseSession {
        id: CourseSessionId(get(row, "id")?),
        name: get(row, "name")?,
        coach: coach.map(UserId),
        access_start: time_opt(row, "access_start")?,
        access_end: time_opt(row, "access_end")?,
        coach_access_start: time_opt(row, "coach_access_start")?,
        coach_access_end: time_opt(row, "coach_access_end")?,
        visibility: SessionVisibility::parse(&visibility)
            .map_err(|e| unreadable("visibility", e))?,
        description: get(row, "description")?,
        duration_days: get(row, "duration_days")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

async fn fetch_session(
    conn: &mut AnyConnection,
    id: CourseSessionId,
) -> DomainResult<Option<CourseSession>> {
    sqlx::query(concat!(
        "SELECT ",
        session_columns!(),
        " FROM course_sessions WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(session_from_row)
    .transpose()
}

async fn require_session(conn: &mut AnyConnection, id: CourseSessionId) -> DomainResult<()> {
    let found = sqlx::query("SELECT 1 FROM course_sessions WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    found.map(|_| ()).ok_or(DomainError::SessionNotFound(id))
}

fn check_name(name: &str) -> DomainResult<()> {
    if name.trim().is_empty() {
        return Err(DomainError::invalid("name", "must not be empty"));
    }
    Ok(())
}

async fn require_coach(conn: &mut AnyConnection, coach: Option<UserId>) -> DomainResult<()> {
    match coach {
        Some(user) if !user_exists(conn, user.0).await? => Err(DomainError::UserNotFound(user)),
        _ => Ok(()),
    }
}

/// Inserts a membership row unless it exists; whether one was inserted.
async fn insert_member(
    conn: &mut AnyConnection,
    sql: &'static str,
    session: CourseSessionId,
    member: i64,
) -> DomainResult<bool> {
    let inserted = sqlx::query(sql)
        .bind(session.0)
        .bind(member)
        .bind(to_micros(now()))
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(inserted.rows_affected() > 0)
}

/// The member ids of one session from a membership table.
async fn members(store: &SqlStore, sql: &'static str, id: i64) -> DomainResult<Vec<i64>> {
    sqlx::query(sql)
        .bind(id)
        .fetch_all(&mut *store.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(|row| get(row, "member"))
        .collect()
}

#[async_trait]
impl CourseSessions for SqlStore {
    async fn create_session(&self, new: NewCourseSession) -> DomainResult<CourseSession> {
        check_name(&new.name)?;
        let now = now();
        let mut tx = self.write_tx().await?;
        require_coach(&mut tx, new.coach).await?;
        let row = sqlx::query(concat!(
            "INSERT INTO course_sessions (name, coach_id, access_start, access_end, \
             coach_access_start, coach_access_end, visibility, description, duration_days, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ",
            session_columns!()
        ))
        .bind(&new.name)
        .bind(new.coach.map(|c| c.0))
        .bind(to_micros_opt(new.access_start))
        .bind(to_micros_opt(new.access_end))
        .bind(to_micros_opt(new.coach_access_start))
        .bind(to_micros_opt(new.coach_access_end))
        .bind(new.visibility.as_str())
        .bind(&new.description)
        .bind(new.duration_days)
        .bind(to_micros(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| unique_or(e, || DomainError::SessionNameTaken(new.name.clone())))?;
        let session = session_from_row(&row)?;
        for (name, value) in &new.external_ids {
            put_external_id(&mut tx, EntityKind::Session, session.id.0, name, value).await?;
        }
        put_extra_values(&mut tx, EntityKind::Session, session.id.0, &new.extra, true).await?;
        tx.commit().await.map_err(db)?;
        Ok(session)
    }

    async fn update_session(
        &self,
        id: CourseSessionId,
        patch: CourseSessionPatch,
    ) -> DomainResult<CourseSession> {
        let now = now();
        let mut tx = self.write_tx().await?;
        // Write first, so the row is locked before it is read (see update_user).
        let touched = sqlx::query("UPDATE course_sessions SET updated_at = $1 WHERE id = $2")
            .bind(to_micros(now))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if touched.rows_affected() == 0 {
            return Err(DomainError::SessionNotFound(id));
        }
        let mut session = fetch_session(&mut tx, id)
            .await?
            .ok_or(DomainError::SessionNotFound(id))?;
        let CourseSessionPatch {
            name,
            coach,
            access_start,
            access_end,
            coach_access_start,
            coach_access_end,
            visibility,
            description,
            duration_days,
            extra,
        } = patch;
        if let Some(v) = name {
            check_name(&v)?;
            session.name = v;
        }
        if let Some(v) = coach {
            require_coach(&mut tx, v).await?;
            session.coach = v;
        }
        if let Some(v) = access_start {
            session.access_start = v;
        }
        if let Some(v) = access_end {
            session.access_end = v;
        }
        if let Some(v) = coach_access_start {
            session.coach_access_start = v;
        }
        if let Some(v) = coach_access_end {
            session.coach_access_end = v;
        }
        if let Some(v) = visibility {
            session.visibility = v;
        }
        if let Some(v) = description {
            session.description = v;
        }
        if let Some(v) = duration_days {
            session.duration_days = v;
        }
        session.updated_at = now;
        sqlx::query(
            "UPDATE course_sessions SET name = $1, coach_id = $2, access_start = $3, \
             access_end = $4, coach_access_start = $5, coach_access_end = $6, visibility = $7, \
             description = $8, duration_days = $9 WHERE id = $10",
        )
        .bind(&session.name)
        .bind(session.coach.map(|c| c.0))
        .bind(to_micros_opt(session.access_start))
        .bind(to_micros_opt(session.access_end))
        .bind(to_micros_opt(session.coach_access_start))
        .bind(to_micros_opt(session.coach_access_end))
        .bind(session.visibility.as_str())
        .bind(&session.description)
        .bind(session.duration_days)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, || DomainError::SessionNameTaken(session.name.clone())))?;
        put_extra_values(&mut tx, EntityKind::Session, id.0, &extra, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(session)
    }

    async fn delete_session(&self, id: CourseSessionId) -> DomainResult<()> {
        let mut tx = self.write_tx().await?;
        // Memberships go by ON DELETE CASCADE; external ids and extra values are removed here.
        let deleted = sqlx::query("DELETE FROM course_sessions WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if deleted.rows_affected() == 0 {
            return Err(DomainError::SessionNotFound(id));
        }
        remove_attributes(&mut tx, EntityKind::Session, id.0).await?;
        tx.commit().await.map_err(db)
    }

    async fn session(&self, id: CourseSessionId) -> DomainResult<Option<CourseSession>> {
        let mut conn = self.reader().await?;
        fetch_session(&mut conn, id).await
    }

    async fn session_by_name(&self, name: &str) -> DomainResult<Option<CourseSession>> {
        sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM course_sessions WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    async fn list_sessions(&self, page: Page) -> DomainResult<Vec<CourseSession>> {
        sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM course_sessions ORDER BY id LIMIT $1 OFFSET $2"
        ))
        .bind(bound(page.limit))
        .bind(bound(page.offset))
        .fetch_all(&mut *self.reader().await?)
        .await
        .map_err(db)?
        .iter()
        .map(session_from_row)
        .collect()
    }

    async fn add_session_user(&self, session: CourseSessionId, user: UserId) -> DomainResult<bool> {
        let mut tx = self.write_tx().await?;
        require_session(&mut tx, session).await?;
        if !user_exists(&mut tx, user.0).await? {
            return Err(DomainError::UserNotFound(user));
        }
        let added = insert_member(
            &mut tx,
            "INSERT INTO session_users (session_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (session_id, user_id) DO NOTHING",
            session,
            user.0,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(added)
    }

    async fn remove_session_user(
        &self,
        session: CourseSessionId,
        user: UserId,
    ) -> DomainResult<bool> {
        let deleted =
            sqlx::query("DELETE FROM session_users WHERE session_id = $1 AND user_id = $2")
                .bind(session.0)
                .bind(user.0)
                .execute(&mut *self.write_conn().await?)
                .await
                .map_err(db)?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn session_users(&self, session: CourseSessionId) -> DomainResult<Vec<UserId>> {
        let ids = members(
            self,
            "SELECT user_id AS member FROM session_users WHERE session_id = $1 ORDER BY user_id",
            session.0,
        )
        .await?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    async fn user_sessions(&self, user: UserId) -> DomainResult<Vec<CourseSessionId>> {
        let ids = members(
            self,
            "SELECT session_id AS member FROM session_users WHERE user_id = $1 ORDER BY session_id",
            user.0,
        )
        .await?;
        Ok(ids.into_iter().map(CourseSessionId).collect())
    }

    async fn add_session_course(
        &self,
        session: CourseSessionId,
        course: CourseId,
    ) -> DomainResult<bool> {
        let mut tx = self.write_tx().await?;
        require_session(&mut tx, session).await?;
        // A deleted course takes no new sessions: to callers it no longer exists.
        let live = sqlx::query("SELECT 1 FROM courses WHERE id = $1 AND deleted_at IS NULL")
            .bind(course.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if live.is_none() {
            return Err(DomainError::CourseNotFound(course));
        }
        let added = insert_member(
            &mut tx,
            "INSERT INTO session_courses (session_id, course_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (session_id, course_id) DO NOTHING",
            session,
            course.0,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(added)
    }

    async fn remove_session_course(
        &self,
        session: CourseSessionId,
        course: CourseId,
    ) -> DomainResult<bool> {
        let deleted =
            sqlx::query("DELETE FROM session_courses WHERE session_id = $1 AND course_id = $2")
                .bind(session.0)
                .bind(course.0)
                .execute(&mut *self.write_conn().await?)
                .await
                .map_err(db)?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn session_courses(&self, session: CourseSessionId) -> DomainResult<Vec<CourseId>> {
        let ids = members(
            self,
            "SELECT course_id AS member FROM session_courses WHERE session_id = $1 \
             ORDER BY course_id",
            session.0,
        )
        .await?;
        Ok(ids.into_iter().map(CourseId).collect())
    }
}
