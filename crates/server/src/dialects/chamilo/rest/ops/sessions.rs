//! Session actions: `save_session`, `get_sessions`, `add_courses_session`,
//! `add_users_session`, `unsubscribe_users_from_session` (specs/chamilo.md §6).

use gatehouse_domain::{
    CourseId, CourseSessionId, CourseSessions, DomainError, NewCourseSession, Page, UserId, Users,
};

use super::{format_date, parse_date};
use crate::dialects::chamilo::rest::auth::{Caller, find_user};
use crate::dialects::chamilo::rest::error::RestError;
use crate::dialects::chamilo::rest::json::Json;
use crate::dialects::chamilo::rest::params::php_int;

fn status(ok: bool, message: &str) -> Json {
    Json::object([("status", Json::Bool(ok)), ("message", Json::from(message))])
}

/// Chamilo's `ErrorOccurred`.
const ERROR_OCCURRED: &str = "An error occurred.";

/// The arguments of `save_session`.
#[derive(Debug, Clone)]
pub struct SaveSession<'a> {
    /// `name`.
    pub name: &'a str,
    /// `coach_username`: a user id as Chamilo casts it, or (gatehouse) a username.
    pub coach: &'a str,
    /// `access_start_date`.
    pub access_start_date: &'a str,
    /// `access_end_date`.
    pub access_end_date: &'a str,
    /// `description`.
    pub description: &'a str,
    /// `extra`.
    pub extra: &'a [(String, String)],
}

/// `save_session` → `{status:true, message:"A new session has been created", id_session}`
/// or `{status:false, message:"An error occurred."}` (empty or taken name, unknown coach,
/// unreadable dates, start after end).
pub async fn save_session<S: Users + CourseSessions + ?Sized>(
    store: &S,
    args: SaveSession<'_>,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let coach = match args.coach.trim() {
        "" => None,
        c if c.bytes().all(|b| b.is_ascii_digit()) => Some(UserId(php_int(c))),
        c => match find_user(store, c).await.map_err(fail)? {
            Some(user) => Some(user.id),
            None => return Ok(status(false, ERROR_OCCURRED)),
        },
    };
    let (Ok(start), Ok(end)) = (
        parse_date(args.access_start_date),
        parse_date(args.access_end_date),
    ) else {
        return Ok(status(false, ERROR_OCCURRED));
    };
    if args.name.trim().is_empty() || matches!((start, end), (Some(s), Some(e)) if s >= e) {
        return Ok(status(false, ERROR_OCCURRED));
    }
    let mut new = NewCourseSession::new(args.name.trim());
    new.coach = coach;
    new.access_start = start;
    new.access_end = end;
    new.coach_access_start = start;
    new.coach_access_end = end;
    new.description = args.description.to_owned();
    new.extra = args.extra.to_vec();
    match store.create_session(new).await {
        Ok(session) => Ok(Json::object([
            ("status", Json::Bool(true)),
            ("message", Json::from("A new session has been created")),
            ("id_session", Json::Int(session.id.0)),
        ])),
        Err(e) if e.is_store_failure() => Err(fail(e)),
        Err(_) => Ok(status(false, ERROR_OCCURRED)),
    }
}

/// `get_sessions` → `[{id, name, access_start_date, access_end_date}]`.
pub async fn get_sessions<S: CourseSessions + ?Sized>(
    store: &S,
    request_id: &str,
) -> Result<Json, RestError> {
    let sessions = store
        .list_sessions(Page::all())
        .await
        .map_err(|e| RestError::from_domain(&e, request_id))?;
    Ok(Json::Array(
        sessions
            .into_iter()
            .map(|s| {
                Json::object([
                    ("id", Json::Int(s.id.0)),
                    ("name", Json::from(s.name)),
                    (
                        "access_start_date",
                        Json::from(s.access_start.map(format_date)),
                    ),
                    ("access_end_date", Json::from(s.access_end.map(format_date))),
                ])
            })
            .collect(),
    ))
}

/// `add_courses_session` → `{status, message}` ("Update successful" / "An error occurred.").
pub async fn add_courses_session<S: CourseSessions + ?Sized>(
    store: &S,
    id_session: i64,
    list_courses: &[i64],
    request_id: &str,
) -> Result<Json, RestError> {
    let session = CourseSessionId(id_session);
    if list_courses.is_empty() {
        return Ok(status(false, ERROR_OCCURRED));
    }
    for course in list_courses {
        match store.add_session_course(session, CourseId(*course)).await {
            Ok(_) => {}
            Err(e) if e.is_store_failure() => return Err(RestError::from_domain(&e, request_id)),
            Err(_) => return Ok(status(false, ERROR_OCCURRED)),
        }
    }
    Ok(status(true, "Update successful"))
}

/// `add_users_session` (admin, or a user adding only themself) → `{status:true, message:"Users added"}`.
pub async fn add_users_session<S: CourseSessions + ?Sized>(
    store: &S,
    caller: &Caller,
    id_session: i64,
    list_users: &[i64],
    request_id: &str,
) -> Result<Json, RestError> {
    // Chamilo lets a user add a list that merely contains them; gatehouse lets a non-admin
    // add only themself, so a user cannot enrol others.
    if !caller.is_admin()
        && (list_users.is_empty() || list_users.iter().any(|u| *u != caller.user.id.0))
    {
        return Err(RestError::NotAllowed);
    }
    let session = CourseSessionId(id_session);
    for user in list_users {
        match store.add_session_user(session, UserId(*user)).await {
            Ok(_) => {}
            Err(DomainError::SessionNotFound(_)) => return Err(RestError::SessionNotFound),
            Err(e) if e.is_store_failure() => return Err(RestError::from_domain(&e, request_id)),
            Err(_) => return Ok(status(false, ERROR_OCCURRED)),
        }
    }
    Ok(status(true, "Users added"))
}

/// `unsubscribe_users_from_session` → `{status:true, message:"User is now unsubscribed"}`.
pub async fn unsubscribe_users_from_session<S: CourseSessions + ?Sized>(
    store: &S,
    id_session: i64,
    list_users: &[i64],
    request_id: &str,
) -> Result<Json, RestError> {
    let session = CourseSessionId(id_session);
    if store
        .session(session)
        .await
        .map_err(|e| RestError::from_domain(&e, request_id))?
        .is_none()
    {
        return Err(RestError::SessionNotFound);
    }
    for user in list_users {
        store
            .remove_session_user(session, UserId(*user))
            .await
            .map_err(|e| RestError::from_domain(&e, request_id))?;
    }
    Ok(status(true, "User is now unsubscribed"))
}
