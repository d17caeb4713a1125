//! Course actions: `save_course`, `delete_course`, `get_courses`, `subscribe_user_to_course`,
//! `unsubscribe_user_from_course`, `get_users_subscribed_to_course`, `user_courses`
//! (specs/chamilo.md §6).

use gatehouse_domain::{
    Course, CourseId, Courses, DomainError, EnrolmentStatus, Enrolments, NewCourse, Page, UserId,
    Users,
};

use super::{course_status, role_from_course_status, visibility_code, visibility_from_code};
use crate::dialects::chamilo::rest::auth::Caller;
use crate::dialects::chamilo::rest::codec::CourseRef;
use crate::dialects::chamilo::rest::error::RestError;
use crate::dialects::chamilo::rest::json::Json;

/// The live course a reference names.
pub async fn find_course<S: Courses + ?Sized>(
    store: &S,
    course: &CourseRef,
) -> Result<Option<Course>, DomainError> {
    match course {
        CourseRef::Id(id) => Ok(store
            .course(CourseId(*id))
            .await?
            .filter(|c| c.deleted_at.is_none())),
        CourseRef::Code(code) if code.is_empty() => Ok(None),
        CourseRef::Code(code) => store.course_by_code(code).await,
    }
}

/// A course code as Chamilo makes one: letters, digits and `_`, upper case, at most 40.
fn code_from(wanted: &str) -> String {
    wanted
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The arguments of `save_course`.
#[derive(Debug, Clone)]
pub struct SaveCourse<'a> {
    /// `title`.
    pub title: &'a str,
    /// `wanted_code`.
    pub wanted_code: &'a str,
    /// `id_campus`.
    pub id_campus: i64,
    /// `disk_quota` in MB.
    pub disk_quota: i64,
    /// `visibility` 0–3.
    pub visibility: i64,
    /// `language`.
    pub language: &'a str,
    /// `remove_campus_id_from_wanted_code`.
    pub remove_campus_id: bool,
    /// The `extra_*` values.
    pub extra: &'a [(String, String)],
}

/// `save_course`: the code is `CAMPUS_<id>_<wanted_code>` unless the remove flag is 1, made
/// unique with a number as Chamilo does → `{status, id, code_course, title_course,
/// extra_fields, message}` or `{status:false, message}`.
pub async fn save_course<S: Courses + ?Sized>(
    store: &S,
    args: SaveCourse<'_>,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let refused = |message: &str| {
        Json::object([
            ("status", Json::Bool(false)),
            ("message", Json::from(message)),
        ])
    };
    if args.title.trim().is_empty() {
        return Ok(refused("Title is required"));
    }
    let wanted = if args.wanted_code.trim().is_empty() {
        args.title
    } else {
        args.wanted_code
    };
    let base = if args.remove_campus_id {
        code_from(wanted)
    } else {
        code_from(&format!("CAMPUS_{}_{}", args.id_campus, wanted))
    };
    if base.is_empty() {
        return Ok(refused("Course code is required"));
    }
    let mut code = base.clone();
    let mut n = 0;
    while store.course_by_code(&code).await.map_err(fail)?.is_some() {
        n += 1;
        code = format!("{base}{n}");
    }
    let mut new = NewCourse::new(code, args.title.trim());
    new.disk_quota_mb = args.disk_quota.max(0);
    new.visibility = visibility_from_code(args.visibility);
    new.language = args.language.trim().to_ascii_lowercase();
    new.extra = args.extra.to_vec();
    let course = match store.create_course(new).await {
        Ok(course) => course,
        Err(e) if e.is_store_failure() => return Err(fail(e)),
        Err(e) => return Ok(refused(&e.to_string())),
    };
    let extra = Json::object(
        args.extra
            .iter()
            .map(|(k, v)| (k.clone(), Json::from(v.as_str()))),
    );
    Ok(Json::object([
        ("status", Json::Bool(true)),
        ("id", Json::Int(course.id.0)),
        ("code_course", Json::from(course.code.as_str())),
        ("title_course", Json::from(course.title.as_str())),
        ("extra_fields", extra),
        (
            "message",
            Json::from(format!("Course {} added", course.code)),
        ),
    ]))
}

/// `delete_course` → `{"status":true}`; an unknown course is Chamilo's "Course doesn't exists".
pub async fn delete_course<S: Courses + ?Sized>(
    store: &S,
    course: &CourseRef,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let course = find_course(store, course)
        .await
        .map_err(fail)?
        .ok_or(RestError::CourseDoesNotExist)?;
    store.delete_course(course.id).await.map_err(fail)?;
    Ok(Json::object([("status", Json::Bool(true))]))
}

/// A course row as Chamilo's `course` table has it (the columns gatehouse keeps).
fn course_row(course: &Course) -> Json {
    Json::object([
        ("id", Json::Int(course.id.0)),
        ("title", Json::from(course.title.as_str())),
        ("code", Json::from(course.code.as_str())),
        ("directory", Json::from(course.code.as_str())),
        ("course_language", Json::from(course.language.as_str())),
        ("description", Json::from(course.description.as_str())),
        ("category_code", Json::from(course.category.as_str())),
        ("visibility", Json::Int(visibility_code(course.visibility))),
        ("tutor_name", Json::from(course.tutor_name.as_str())),
        ("visual_code", Json::from(course.code.as_str())),
        (
            "disk_quota",
            Json::Int(course.disk_quota_mb.saturating_mul(1024 * 1024)),
        ),
        (
            "creation_date",
            Json::from(super::format_date(course.created_at)),
        ),
    ])
}

/// `get_courses`: the live courses as rows (not admin-gated, as in Chamilo).
pub async fn get_courses<S: Courses + ?Sized>(
    store: &S,
    request_id: &str,
) -> Result<Json, RestError> {
    let courses = store
        .list_courses(Page::all())
        .await
        .map_err(|e| RestError::from_domain(&e, request_id))?;
    Ok(Json::Array(courses.iter().map(course_row).collect()))
}

/// `subscribe_user_to_course` (admin or the user themself) → `[true|false]`.
pub async fn subscribe_user_to_course<S: Courses + Enrolments + ?Sized>(
    store: &S,
    caller: &Caller,
    course: &CourseRef,
    user_id: i64,
    status: i64,
    request_id: &str,
) -> Result<Json, RestError> {
    if !caller.is_admin() && caller.user.id.0 != user_id {
        return Err(RestError::NotAllowed);
    }
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let Some(course) = find_course(store, course).await.map_err(fail)? else {
        return Ok(Json::Array(vec![Json::Bool(false)]));
    };
    let role = role_from_course_status(status);
    let done = match store
        .enrol(
            UserId(user_id),
            course.id,
            role,
            EnrolmentStatus::Subscribed,
        )
        .await
    {
        Ok(_) => true,
        Err(e) if e.is_store_failure() => return Err(fail(e)),
        Err(_) => false,
    };
    Ok(Json::Array(vec![Json::Bool(done)]))
}

/// `unsubscribe_user_from_course` (admin or the user themself) → `[true|false]`.
pub async fn unsubscribe_user_from_course<S: Courses + Enrolments + ?Sized>(
    store: &S,
    caller: &Caller,
    course: &CourseRef,
    user_id: i64,
    request_id: &str,
) -> Result<Json, RestError> {
    if !caller.is_admin() && caller.user.id.0 != user_id {
        return Err(RestError::NotAllowed);
    }
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let Some(course) = find_course(store, course).await.map_err(fail)? else {
        return Ok(Json::Array(vec![Json::Bool(false)]));
    };
    let done = store
        .unenrol(UserId(user_id), course.id)
        .await
        .map_err(fail)?;
    Ok(Json::Array(vec![Json::Bool(done)]))
}

/// `get_users_subscribed_to_course` → `[{user_id, username, firstname, lastname, status_rel}]`.
pub async fn get_users_subscribed_to_course<S: Users + Courses + Enrolments + ?Sized>(
    store: &S,
    course: &CourseRef,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let course = find_course(store, course)
        .await
        .map_err(fail)?
        .ok_or(RestError::CourseNotFound)?;
    let mut rows = Vec::new();
    for enrolment in store.course_enrolments(course.id).await.map_err(fail)? {
        let Some(user) = store.user(enrolment.user_id).await.map_err(fail)? else {
            continue;
        };
        rows.push(Json::object([
            ("user_id", Json::Int(user.id.0)),
            ("username", Json::from(user.username.as_str())),
            ("firstname", Json::from(user.first_name.as_str())),
            ("lastname", Json::from(user.last_name.as_str())),
            ("status_rel", Json::Int(course_status(enrolment.role))),
        ]));
    }
    Ok(Json::Array(rows))
}

/// `user_courses`: the courses of `user_id` (others' only for admins; the caller's by
/// default) → `[{id, title, code, directory, urlPicture, teachers, isSpecial, url}]`.
pub async fn user_courses<S: Users + Courses + Enrolments + ?Sized>(
    store: &S,
    caller: &Caller,
    user_id: Option<i64>,
    root: &str,
    request_id: &str,
) -> Result<Json, RestError> {
    let fail = |e: DomainError| RestError::from_domain(&e, request_id);
    let user = user_id.map_or(caller.user.id, UserId);
    if user != caller.user.id && !caller.is_admin() {
        return Err(RestError::NotAllowed);
    }
    let mut rows = Vec::new();
    for enrolment in store.user_enrolments(user).await.map_err(fail)? {
        let Some(course) = store.course(enrolment.course_id).await.map_err(fail)? else {
            continue;
        };
        let mut teachers = Vec::new();
        for other in store.course_enrolments(course.id).await.map_err(fail)? {
            if course_status(other.role) == 1
                && let Some(teacher) = store.user(other.user_id).await.map_err(fail)?
            {
                teachers.push(super::users::full_name(&teacher));
            }
        }
        rows.push(Json::object([
            ("id", Json::Int(course.id.0)),
            ("title", Json::from(course.title.as_str())),
            ("code", Json::from(course.code.as_str())),
            ("directory", Json::from(course.code.as_str())),
            (
                "urlPicture",
                Json::from(format!("{root}main/img/session_default.png")),
            ),
            ("teachers", Json::from(teachers.join(", "))),
            ("isSpecial", Json::Bool(false)),
            (
                "url",
                Json::from(format!(
                    "{root}courses/{}/index.php?id_session=0",
                    course.code
                )),
            ),
        ]));
    }
    Ok(Json::Array(rows))
}
