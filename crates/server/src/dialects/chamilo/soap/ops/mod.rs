//! One function per operation, each over the narrowest ports it needs (STYLE §3).
//!
//! Results keep Chamilo's conventions that integrators test for: an id, `0`, `1`, an empty
//! string or a message in `result` (specs/chamilo.md §4, §5). Helpers shared by the families
//! live here: external-id lookups, `extra` lists, role and date mapping.

mod courses;
mod descriptions;
mod sessions;
mod subscriptions;
mod users;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use gatehouse_domain::{
    Attributes, Course, CourseId, Courses, DomainResult, EnrolmentRole, EntityKind, PasswordHash,
    PlatformRole, User, Users,
};
use gatehouse_wire::SoapValue;

use super::codec::{Op, Params};
use super::error::SoapError;
use crate::state::AppState;

/// Runs one authenticated operation and returns the value to render. `web_root` is the
/// Chamilo root the request came to (for the URLs `WSListSessions` answers).
pub async fn dispatch(state: &AppState, op: &Op, web_root: &str) -> Result<SoapValue, SoapError> {
    let store = state.store.as_ref();
    let p = op.params();
    match op {
        Op::WSCreateUser(_) => users::create_user(state, p).await,
        Op::WSCreateUsers(_) => users::create_users(state, p).await,
        Op::WSCreateUserPasswordCrypted(_) => users::create_user_password_crypted(state, p).await,
        Op::WSCreateUsersPasswordCrypted(_) => users::create_users_password_crypted(state, p).await,
        Op::WSEditUser(_) => users::edit_user(state, p).await,
        Op::WSEditUsers(_) => users::edit_users(state, p).await,
        Op::WSEditUserCredentials(_) => users::edit_user_credentials(state, p).await,
        Op::WSEditUserPasswordCrypted(_) => users::edit_user_password_crypted(state, p).await,
        Op::WSEditUsersPasswordCrypted(_) => users::edit_users_password_crypted(state, p).await,
        Op::WSDeleteUsers(_) => users::act_on_users(store, p, users::Action::Delete).await,
        Op::WSDisableUsers(_) => users::act_on_users(store, p, users::Action::Disable).await,
        Op::WSEnableUsers(_) => users::act_on_users(store, p, users::Action::Enable).await,
        Op::WSGetUser(_) => users::get_user(store, p).await,
        Op::WSGetUserFromUsername(_) => users::get_user_from_username(store, p).await,
        Op::WSUpdateUserOriginalIdFromUsername(_) => {
            users::update_user_original_id_from_username(store, p).await
        }
        Op::WSUpdateUserApiKey(_) => users::update_user_api_key(store, p).await,
        Op::WSCreateCourse(_) => courses::create_course(store, p).await,
        Op::WSCreateCourseByTitle(_) => courses::create_course_by_title(store, p).await,
        Op::WSEditCourse(_) => courses::edit_course(store, p).await,
        Op::WSDeleteCourse(_) => courses::delete_course(store, p).await,
        Op::WSListCourses(_) => courses::list_courses(store, p).await,
        Op::WSCourseDescription(_) => descriptions::course_description(store, p).await,
        Op::WSEditCourseDescription(_) => descriptions::edit_course_description(store, p).await,
        Op::WSUserSubscribedInCourse(_) => courses::user_subscribed_in_course(store, p).await,
        Op::WSSubscribeUserToCourse(_) => subscriptions::subscribe_user_to_course(store, p).await,
        Op::WSSubscribeUserToCourseSimple(_) => {
            subscriptions::subscribe_user_to_course_simple(store, p).await
        }
        Op::WSUnsubscribeUserFromCourse(_) => {
            subscriptions::unsubscribe_user_from_course(store, p).await
        }
        Op::WSUnSubscribeUserFromCourseSimple(_) => {
            subscriptions::unsubscribe_user_from_course_simple(store, p).await
        }
        Op::WSCreateSession(_) => sessions::create_session(store, p).await,
        Op::WSEditSession(_) => sessions::edit_session(store, p).await,
        Op::WSDeleteSession(_) => sessions::delete_session(store, p).await,
        Op::WSSuscribeUsersToSession(_) => sessions::subscribe_users_to_session(store, p).await,
        Op::WSUnsuscribeUsersFromSession(_) => {
            sessions::unsubscribe_users_from_session(store, p).await
        }
        Op::WSSuscribeCoursesToSession(_) => sessions::subscribe_courses_to_session(store, p).await,
        Op::WSUnsuscribeCoursesFromSession(_) => {
            sessions::unsubscribe_courses_from_session(store, p).await
        }
        Op::WSListSessions(_) => sessions::list_sessions(store, p, web_root).await,
    }
}

/// The user carrying external id (`name`, `value`); none when either is empty (§1).
async fn user_by_external<S: Users + ?Sized>(
    store: &S,
    name: &str,
    value: &str,
) -> DomainResult<Option<User>> {
    if name.is_empty() || value.is_empty() {
        return Ok(None);
    }
    store.user_by_external_id(name, value).await
}

/// The course carrying external id (`name`, `value`), deleted or not.
async fn course_by_external<S: Courses + Attributes + ?Sized>(
    store: &S,
    name: &str,
    value: &str,
) -> DomainResult<Option<Course>> {
    if name.is_empty() || value.is_empty() {
        return Ok(None);
    }
    match store
        .find_by_external_id(EntityKind::Course, name, value)
        .await?
    {
        Some(id) => store.course(CourseId(id)).await,
        None => Ok(None),
    }
}

/// The live course carrying the external id: Chamilo treats visibility 0 as deleted (§1),
/// which is what a soft delete is here.
async fn live_course_by_external<S: Courses + Attributes + ?Sized>(
    store: &S,
    name: &str,
    value: &str,
) -> DomainResult<Option<Course>> {
    Ok(course_by_external(store, name, value)
        .await?
        .filter(|c| c.deleted_at.is_none()))
}

/// The `extra` list of a struct as `(field_name, field_value)` pairs; nameless items skipped.
fn extras(p: &Params) -> Vec<(String, String)> {
    p.list("extra")
        .into_iter()
        .filter(|e| !e.str("field_name").is_empty())
        .map(|e| {
            (
                e.str("field_name").to_owned(),
                e.str("field_value").to_owned(),
            )
        })
        .collect()
}

/// Chamilo's platform `status` number → role (§1); anything unknown is a student.
fn role_from_status(status: &str) -> PlatformRole {
    match status.trim() {
        "1" => PlatformRole::Teacher,
        "3" => PlatformRole::SessionAdmin,
        "4" => PlatformRole::HrManager,
        "6" => PlatformRole::Anonymous,
        "17" => PlatformRole::StudentBoss,
        "20" => PlatformRole::Invitee,
        _ => PlatformRole::Student,
    }
}

/// A course `status` (1 teacher, else student) → the stored enrolment role (D18).
fn enrolment_role(status: &str) -> EnrolmentRole {
    if status.trim() == "1" {
        EnrolmentRole::Instructor
    } else {
        EnrolmentRole::Student
    }
}

/// PHP's `intval` for the few numeric inputs: leading digits (with a sign), else 0.
fn intval(s: &str) -> i64 {
    let s = s.trim();
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map_or(0, |n| sign * n)
}

/// `expiration_date` as Chamilo accepts it (`YYYY-MM-DD[ HH:MM:SS]`), read as UTC; empty,
/// zero or unreadable dates mean "no expiry" (§1).
fn parse_expiry(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.starts_with("0000-00-00") {
        return None;
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Some(dt.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
}

/// Hashes a plain password with Argon2id on the password pool.
async fn hash_plain(state: &AppState, plain: &str) -> Result<PasswordHash, SoapError> {
    let policy = state.password_policy;
    let plain = plain.to_owned();
    Ok(state.passwords.run(move || policy.hash(&plain)).await??)
}

/// An id as Chamilo prints it.
fn id_value(id: i64) -> SoapValue {
    SoapValue::Text(id.to_string())
}

/// A `{<key>: value, result}` item of the array results.
fn keyed_result(key: &str, value: &str, result: SoapValue) -> SoapValue {
    SoapValue::record([(key, SoapValue::text(value)), ("result", result)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intval_reads_leading_digits_like_php() {
        assert_eq!(intval("12abc"), 12);
        assert_eq!(intval(" -3"), -3);
        assert_eq!(intval("x"), 0);
        assert_eq!(intval(""), 0);
        assert_eq!(intval("99999999999999999999999"), 0);
    }

    #[test]
    fn expiry_dates_accept_both_chamilo_forms_and_zero_means_none() {
        assert!(parse_expiry("2030-01-02 03:04:05").is_some());
        assert!(parse_expiry("2030-01-02").is_some());
        assert!(parse_expiry("0000-00-00 00:00:00").is_none());
        assert!(parse_expiry("").is_none());
        assert!(parse_expiry("tomorrow").is_none());
    }

    #[test]
    fn statuses_map_to_roles_with_students_as_the_default() {
        assert_eq!(role_from_status("1"), PlatformRole::Teacher);
        assert_eq!(role_from_status("5"), PlatformRole::Student);
        assert_eq!(role_from_status("banana"), PlatformRole::Student);
        assert_eq!(enrolment_role("1"), EnrolmentRole::Instructor);
        assert_eq!(enrolment_role("5"), EnrolmentRole::Student);
    }
}
