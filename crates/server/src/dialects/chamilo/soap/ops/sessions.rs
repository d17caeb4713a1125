//! Course sessions (specs/chamilo.md §4.3): create, edit, delete, members, courses, list.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use gatehouse_domain::{
    Attributes, CourseSession, CourseSessionId, CourseSessionPatch, CourseSessions, Courses,
    DomainError, DomainResult, EntityKind, NewCourseSession, Page, UserId, Users,
};
use gatehouse_wire::SoapValue;

use super::{extras, id_value, intval, keyed_result, live_course_by_external, user_by_external};
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;

const KEY: &str = "original_session_id_value";

/// The session carrying external id (`name`, `value`).
async fn session_by_external<S: CourseSessions + Attributes + ?Sized>(
    store: &S,
    name: &str,
    value: &str,
) -> DomainResult<Option<CourseSession>> {
    if name.is_empty() || value.is_empty() {
        return Ok(None);
    }
    match store
        .find_by_external_id(EntityKind::Session, name, value)
        .await?
    {
        Some(id) => store.session(CourseSessionId(id)).await,
        None => Ok(None),
    }
}

/// The validated fields of a create or edit item.
struct Plan {
    name: String,
    coach: UserId,
    dates: Option<Dates>,
    duration: Option<i64>,
}

struct Dates {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    coach_start: DateTime<Utc>,
    coach_end: DateTime<Utc>,
}

/// Chamilo's checks (§4.3): a name, a coach, and unless `nolimit` is set two valid dates with
/// start before end; the start is `00:00:00`, the end `23:59:59`, and the coach's access
/// widens them by `nb_days_access_before`/`after` days. `None` is Chamilo's `0`.
fn plan(item: &Params) -> Option<Plan> {
    let name = item.str("name").trim().to_owned();
    let coach = intval(item.str("user_id"));
    if name.is_empty() || coach <= 0 {
        return None;
    }
    let no_limit = !matches!(item.str("nolimit").trim(), "" | "0");
    let dates = if no_limit {
        None
    } else {
        let day = |y: &str, m: &str, d: &str| {
            let (y, m, d) = (
                intval(item.str(y)),
                intval(item.str(m)),
                intval(item.str(d)),
            );
            NaiveDate::from_ymd_opt(
                i32::try_from(y).ok()?,
                u32::try_from(m).ok()?,
                u32::try_from(d).ok()?,
            )
        };
        let start = day("year_start", "month_start", "day_start")?
            .and_hms_opt(0, 0, 0)?
            .and_utc();
        let end = day("year_end", "month_end", "day_end")?
            .and_hms_opt(23, 59, 59)?
            .and_utc();
        if start >= end {
            return None;
        }
        let before =
            Duration::try_days(intval(item.str("nb_days_access_before")).clamp(0, 36_500))?;
        let after = Duration::try_days(intval(item.str("nb_days_access_after")).clamp(0, 36_500))?;
        Some(Dates {
            start,
            end,
            coach_start: start - before,
            coach_end: end + after,
        })
    };
    let duration = Some(intval(item.str("duration"))).filter(|d| *d > 0);
    Some(Plan {
        name,
        coach: UserId(coach),
        dates,
        duration,
    })
}

/// `WSCreateSession`: per item the new session id, or `0` when the external id already
/// exists, a check fails, the name is in use or the coach does not exist. Chamilo appended
/// nothing when the creation itself failed, shifting later results; every item gets its entry.
pub async fn create_session<S: CourseSessions + Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("sessions") {
        let (name, value) = (item.str("original_session_id_name"), item.str(KEY));
        let result = match plan(item) {
            _ if session_by_external(store, name, value).await?.is_some() => 0,
            None => 0,
            Some(plan) => {
                let mut new = NewCourseSession::new(plan.name);
                new.coach = Some(plan.coach);
                if let Some(d) = plan.dates {
                    new.access_start = Some(d.start);
                    new.access_end = Some(d.end);
                    new.coach_access_start = Some(d.coach_start);
                    new.coach_access_end = Some(d.coach_end);
                }
                new.duration_days = plan.duration;
                if !name.is_empty() && !value.is_empty() {
                    new.external_ids.push((name.to_owned(), value.to_owned()));
                }
                new.extra = extras(item);
                match store.create_session(new).await {
                    Ok(session) => session.id.0,
                    Err(
                        DomainError::SessionNameTaken(_)
                        | DomainError::ExternalIdTaken { .. }
                        | DomainError::UserNotFound(_),
                    ) => 0,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        out.push(keyed_result(KEY, value, id_value(result)));
    }
    Ok(SoapValue::Array(out))
}

/// `WSEditSession`: `1` per edited session, `0` when unknown, a check fails or the new name
/// belongs to another session. Visibility and description are kept; extras are updated only
/// for fields that exist.
pub async fn edit_session<S: CourseSessions + Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("sessions") {
        let value = item.str(KEY);
        let session =
            session_by_external(store, item.str("original_session_id_name"), value).await?;
        let result = match (session, plan(item)) {
            (Some(session), Some(plan)) => {
                let patch = CourseSessionPatch {
                    name: Some(plan.name),
                    coach: Some(Some(plan.coach)),
                    access_start: Some(plan.dates.as_ref().map(|d| d.start)),
                    access_end: Some(plan.dates.as_ref().map(|d| d.end)),
                    coach_access_start: Some(plan.dates.as_ref().map(|d| d.coach_start)),
                    coach_access_end: Some(plan.dates.as_ref().map(|d| d.coach_end)),
                    duration_days: Some(plan.duration),
                    extra: extras(item),
                    ..CourseSessionPatch::default()
                };
                match store.update_session(session.id, patch).await {
                    Ok(_) => 1,
                    Err(DomainError::SessionNameTaken(_) | DomainError::UserNotFound(_)) => 0,
                    Err(e) => return Err(e.into()),
                }
            }
            _ => 0,
        };
        out.push(keyed_result(KEY, value, id_value(result)));
    }
    Ok(SoapValue::Array(out))
}

/// `WSDeleteSession`: hard delete with memberships and attributes; `1` or `0`. Chamilo echoed
/// the external id's *name* as `original_session_id_value`; gatehouse echoes the value.
pub async fn delete_session<S: CourseSessions + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("sessions") {
        let value = item.str(KEY);
        let session =
            session_by_external(store, item.str("original_session_id_name"), value).await?;
        let result = match session {
            Some(session) => {
                store.delete_session(session.id).await?;
                1
            }
            None => 0,
        };
        out.push(keyed_result(KEY, value, id_value(result)));
    }
    Ok(SoapValue::Array(out))
}

fn member_result(user_value: &str, session_value: &str, result: i64) -> SoapValue {
    SoapValue::record([
        ("original_user_id_values", SoapValue::text(user_value)),
        (KEY, SoapValue::text(session_value)),
        ("result", id_value(result)),
    ])
}

/// Adds (`add`) or removes the listed users; one entry per user, `1` when the user resolved
/// (active, found by the item's `original_user_id_name`), `0` otherwise; an unknown session
/// gives a single `0` entry (§4.3).
async fn change_members<S: CourseSessions + Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
    add: bool,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("userssessions") {
        let session_value = item.str(KEY);
        let session =
            session_by_external(store, item.str("original_session_id_name"), session_value).await?;
        let Some(session) = session else {
            out.push(member_result("", session_value, 0));
            continue;
        };
        let name = item.str("original_user_id_name");
        for entry in item.list("original_user_id_values") {
            let user_value = match entry {
                SoapValue::Text(v) => v.as_str(),
                other => other.str("original_user_id_value"),
            };
            let user = user_by_external(store, name, user_value)
                .await?
                .filter(|u| u.active);
            let result = match user {
                Some(user) => {
                    if add {
                        store.add_session_user(session.id, user.id).await?;
                    } else {
                        store.remove_session_user(session.id, user.id).await?;
                    }
                    1
                }
                None => 0,
            };
            out.push(member_result(user_value, session_value, result));
        }
    }
    Ok(SoapValue::Array(out))
}

/// `WSSuscribeUsersToSession` (Chamilo's spelling): see [`change_members`].
pub async fn subscribe_users_to_session<S: CourseSessions + Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    change_members(store, p, true).await
}

/// `WSUnsuscribeUsersFromSession`: the mirror image of [`subscribe_users_to_session`].
pub async fn unsubscribe_users_from_session<S: CourseSessions + Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    change_members(store, p, false).await
}

/// The `course_code` entries of an item: each carries an external course *value* under the
/// item's `original_course_id_name`, not a Chamilo code (§4.3).
fn course_values(item: &Params) -> Vec<String> {
    item.list("original_course_id_values")
        .into_iter()
        .map(|entry| match entry {
            SoapValue::Text(v) => v.clone(),
            other => other.str("course_code").to_owned(),
        })
        .collect()
}

fn course_result(courses: &str, session_value: &str, result: i64) -> SoapValue {
    SoapValue::record([
        ("original_course_id_values", SoapValue::text(courses)),
        (KEY, SoapValue::text(session_value)),
        ("result", id_value(result)),
    ])
}

/// `WSSuscribeCoursesToSession`: one entry per course, `1` when the live course resolved and
/// is in the session, `0` otherwise; an unknown session gives a single `0` entry.
pub async fn subscribe_courses_to_session<S: CourseSessions + Courses + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("coursessessions") {
        let session_value = item.str(KEY);
        let session =
            session_by_external(store, item.str("original_session_id_name"), session_value).await?;
        let Some(session) = session else {
            out.push(course_result("", session_value, 0));
            continue;
        };
        let name = item.str("original_course_id_name");
        for value in course_values(item) {
            let result = match live_course_by_external(store, name, &value).await? {
                Some(course) => {
                    store.add_session_course(session.id, course.id).await?;
                    1
                }
                None => 0,
            };
            out.push(course_result(&value, session_value, result));
        }
    }
    Ok(SoapValue::Array(out))
}

/// `WSUnsuscribeCoursesFromSession`: one entry per session, with the Chamilo codes of the
/// courses removed (comma list) and `1`, or `0` when the session or every course is unknown.
pub async fn unsubscribe_courses_from_session<S: CourseSessions + Courses + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("coursessessions") {
        let session_value = item.str(KEY);
        let session =
            session_by_external(store, item.str("original_session_id_name"), session_value).await?;
        let Some(session) = session else {
            out.push(course_result("", session_value, 0));
            continue;
        };
        let name = item.str("original_course_id_name");
        let mut codes = Vec::new();
        for value in course_values(item) {
            if let Some(course) = live_course_by_external(store, name, &value).await? {
                store.remove_session_course(session.id, course.id).await?;
                codes.push(course.code);
            }
        }
        let result = i64::from(!codes.is_empty());
        out.push(course_result(&codes.join(","), session_value, result));
    }
    Ok(SoapValue::Array(out))
}

fn day_filter(s: &str) -> Option<DateTime<Utc>> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
}

fn render_date(d: Option<DateTime<Utc>>) -> SoapValue {
    SoapValue::Text(d.map_or_else(String::new, |d| d.format("%Y-%m-%d %H:%M:%S").to_string()))
}

/// `WSListSessions`: `{id, title, url, date_start, date_end}` per session, filtered by
/// access start on or after `date_start` and access end on or before `date_end` (whole days,
/// UTC, §4.5); `from`/`to` (when `to` > 0) select rows `from..to`. `url` is the session page
/// under `web_root`, the Chamilo root the request came to.
pub async fn list_sessions<S: CourseSessions + ?Sized>(
    store: &S,
    p: &Params,
    web_root: &str,
) -> Result<SoapValue, SoapError> {
    let after = day_filter(p.str("date_start"));
    let before = day_filter(p.str("date_end")).map(|d| d + Duration::days(1));
    let from = usize::try_from(intval(p.str("from"))).unwrap_or(0);
    let to = usize::try_from(intval(p.str("to"))).unwrap_or(0);
    let sessions = store.list_sessions(Page::all()).await?;
    let matching = sessions.into_iter().filter(|s| {
        after.is_none_or(|a| s.access_start.is_some_and(|start| start >= a))
            && before.is_none_or(|b| s.access_end.is_some_and(|end| end < b))
    });
    let selected: Vec<CourseSession> = if to > 0 {
        matching.skip(from).take(to.saturating_sub(from)).collect()
    } else {
        matching.skip(from).collect()
    };
    let items = selected
        .into_iter()
        .map(|s| {
            SoapValue::record([
                ("id", id_value(s.id.0)),
                ("title", SoapValue::text(s.name.clone())),
                (
                    "url",
                    SoapValue::Text(format!(
                        "{web_root}/main/session/index.php?session_id={}",
                        s.id.0
                    )),
                ),
                ("date_start", render_date(s.access_start)),
                ("date_end", render_date(s.access_end)),
            ])
        })
        .collect();
    Ok(SoapValue::Array(items))
}
