//! Course subscriptions (specs/chamilo.md §4.4). Roles follow D18: Chamilo's course status 1
//! is stored as instructor, anything else as student.

use gatehouse_domain::{Attributes, Courses, EnrolmentStatus, Enrolments, User, UserId, Users};
use gatehouse_wire::SoapValue;

use super::{enrolment_role, id_value, intval, live_course_by_external, user_by_external};
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;

/// Chamilo's refusal text when `add_user_to_course` fails (§4.4).
const NOT_REGISTERED: &str = "User was not registered possible reasons: User already registered to the course, Course visibility doesnt allow user subscriptions ";

/// `WSSubscribeUserToCourse`: per item `{original_user_id_value, original_course_id_value,
/// result}` with `1` when enrolled now, `0` when the user or live course is unknown or the
/// user is already enrolled (Chamilo's `add_user_to_course` refuses a second time).
pub async fn subscribe_user_to_course<S: Users + Courses + Enrolments + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("userscourses") {
        let (user_id, course_id) = (item.get("user_id"), item.get("course_id"));
        let user_ref = user_id.map_or("", |u| u.str("original_user_id_value"));
        let course_ref = course_id.map_or("", |c| c.str("original_course_id_value"));
        let user = match user_id {
            Some(u) => user_by_external(store, u.str("original_user_id_name"), user_ref).await?,
            None => None,
        };
        let course = match course_id {
            Some(c) => {
                live_course_by_external(store, c.str("original_course_id_name"), course_ref).await?
            }
            None => None,
        };
        let status = match item.str("status") {
            "" | "0" => "5",
            s => s,
        };
        let done = match (user, course) {
            (Some(user), Some(course)) => {
                if store.enrolment(user.id, course.id).await?.is_some() {
                    false
                } else {
                    let role = enrolment_role(status);
                    store
                        .enrol(user.id, course.id, role, EnrolmentStatus::default())
                        .await?;
                    true
                }
            }
            _ => false,
        };
        out.push(SoapValue::record([
            ("original_user_id_value", SoapValue::text(user_ref)),
            ("original_course_id_value", SoapValue::text(course_ref)),
            ("result", id_value(i64::from(done))),
        ]));
    }
    Ok(SoapValue::Array(out))
}

/// `WSSubscribeUserToCourseSimple`: `1`, or Chamilo's message strings; an empty `course`
/// answers the literal `Array` as Chamilo's empty PHP array did (§4.4).
pub async fn subscribe_user_to_course_simple<S: Users + Courses + Enrolments + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let user_id = p.str("user_id").trim();
    let user = match intval(user_id) {
        id if id > 0 => store.user(UserId(id)).await?,
        _ => None,
    };
    let Some(user) = user else {
        return Ok(SoapValue::Text(format!("User {user_id} does not exist")));
    };
    let code = p.str("course").trim();
    if code.is_empty() {
        return Ok(SoapValue::Array(Vec::new()));
    }
    let Some(course) = store.course_by_code(code).await? else {
        return Ok(SoapValue::Text(format!(
            "Course {code} does not exist in the platform "
        )));
    };
    if store.enrolment(user.id, course.id).await?.is_some() {
        return Ok(SoapValue::text(NOT_REGISTERED));
    }
    store
        .enrol(
            user.id,
            course.id,
            enrolment_role(p.str("status")),
            EnrolmentStatus::default(),
        )
        .await?;
    Ok(id_value(1))
}

/// The active users named by an `original_user_id_values` list, each resolved with the item's
/// `original_user_id_name` (Chamilo indexed the name string per character, §4.4).
pub(super) async fn listed_users<S: Users + Attributes + ?Sized>(
    store: &S,
    item: &Params,
) -> Result<Vec<User>, SoapError> {
    let name = item.str("original_user_id_name");
    let mut users = Vec::new();
    for entry in item.list("original_user_id_values") {
        let value = match entry {
            SoapValue::Text(v) => v.as_str(),
            other => other.str("original_user_id_value"),
        };
        if let Some(user) = user_by_external(store, name, value).await?
            && user.active
        {
            users.push(user);
        }
    }
    Ok(users)
}

/// `WSUnsubscribeUserFromCourse`: per item, the internal ids actually resolved (comma list),
/// the course value and `1`, or `0` when the course is unknown or no user resolved.
pub async fn unsubscribe_user_from_course<S: Users + Courses + Enrolments + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("userscourses") {
        let users = listed_users(store, item).await?;
        let ids: Vec<String> = users.iter().map(|u| u.id.0.to_string()).collect();
        let course_value = item.str("original_course_id_value");
        let course =
            live_course_by_external(store, item.str("original_course_id_name"), course_value)
                .await?;
        let result = match course {
            Some(course) if !users.is_empty() => {
                for user in &users {
                    store.unenrol(user.id, course.id).await?;
                }
                1
            }
            _ => 0,
        };
        out.push(SoapValue::record([
            ("original_user_id_values", SoapValue::Text(ids.join(","))),
            ("original_course_id_value", SoapValue::text(course_value)),
            ("result", id_value(result)),
        ]));
    }
    Ok(SoapValue::Array(out))
}

/// `WSUnSubscribeUserFromCourseSimple`: `{original_user_id_value, original_course_id_value,
/// result}`, result `1` when an enrolment was removed, else `0`.
pub async fn unsubscribe_user_from_course_simple<
    S: Users + Courses + Enrolments + Attributes + ?Sized,
>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let user_value = p.str("original_user_id_value");
    let course_value = p.str("original_course_id_value");
    let user = user_by_external(store, p.str("original_user_id_name"), user_value).await?;
    let course =
        live_course_by_external(store, p.str("original_course_id_name"), course_value).await?;
    let removed = match (user, course) {
        (Some(user), Some(course)) => store.unenrol(user.id, course.id).await?,
        _ => false,
    };
    Ok(SoapValue::record([
        ("original_user_id_value", SoapValue::text(user_value)),
        ("original_course_id_value", SoapValue::text(course_value)),
        ("result", id_value(i64::from(removed))),
    ]))
}
