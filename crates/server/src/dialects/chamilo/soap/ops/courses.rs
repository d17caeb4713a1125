//! Courses: create, edit, soft-delete, list, descriptions, membership (specs/chamilo.md §4.2).

use gatehouse_domain::{
    Attributes, Course, CoursePatch, CourseVisibility, Courses, DomainError, Enrolments,
    EntityKind, EntityRef, NewCourse, Page, UserId, Users,
};
use gatehouse_wire::SoapValue;

use super::{course_by_external, extras, id_value, intval, keyed_result, live_course_by_external};
use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;

/// Chamilo's visibility number (§1) → ours; out of range → `None`.
pub(super) fn visibility_from(n: &str) -> Option<CourseVisibility> {
    match n.trim() {
        "0" => Some(CourseVisibility::Closed),
        "1" => Some(CourseVisibility::Registered),
        "2" => Some(CourseVisibility::Platform),
        "3" => Some(CourseVisibility::World),
        "4" => Some(CourseVisibility::Hidden),
        _ => None,
    }
}

/// Ours → Chamilo's visibility number.
pub(super) fn visibility_number(v: CourseVisibility) -> i64 {
    match v {
        CourseVisibility::Closed => 0,
        CourseVisibility::Registered => 1,
        CourseVisibility::Platform => 2,
        CourseVisibility::World => 3,
        CourseVisibility::Hidden => 4,
    }
}

/// A course code from a wanted code or a title, as Chamilo's `generate_course_code`: ASCII
/// letters and digits upper-cased, everything else dropped, at most 40 characters.
fn code_from(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(40)
        .collect()
}

/// The first free code among `base`, `base1`, `base2`... (Chamilo also makes codes unique).
async fn free_code<S: Courses + ?Sized>(store: &S, base: &str) -> Result<String, SoapError> {
    let base = if base.is_empty() { "COURSE" } else { base };
    for n in 0..1000 {
        let code = if n == 0 {
            base.to_owned()
        } else {
            format!("{base}{n}")
        };
        if store.course_by_code(&code).await?.is_none() {
            return Ok(code);
        }
    }
    Err(SoapError::Internal)
}

async fn create<S: Courses + ?Sized>(
    store: &S,
    new: NewCourse,
) -> Result<Option<Course>, SoapError> {
    match store.create_course(new).await {
        Ok(course) => Ok(Some(course)),
        Err(DomainError::CourseCodeTaken(_) | DomainError::ExternalIdTaken { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn external(p: &Params) -> Vec<(String, String)> {
    let (name, value) = (
        p.str("original_course_id_name"),
        p.str("original_course_id_value"),
    );
    if name.is_empty() || value.is_empty() {
        Vec::new()
    } else {
        vec![(name.to_owned(), value.to_owned())]
    }
}

/// `WSCreateCourse`: per item, the course code, or `0`. An existing live course with the
/// external id is updated (language reset to `english`, as Chamilo does) and its code
/// returned; a deleted one gives `0`. The undeclared `visibility` (0–3) is honoured (§4.2).
pub async fn create_course<S: Courses + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("courses") {
        let value = item.str("original_course_id_value");
        let visibility =
            visibility_from(item.str("visibility")).filter(|v| *v != CourseVisibility::Hidden);
        let existing =
            course_by_external(store, item.str("original_course_id_name"), value).await?;
        let result = match existing {
            Some(course) if course.deleted_at.is_some() => id_value(0),
            Some(course) => {
                let patch = CoursePatch {
                    title: Some(item.str("title").to_owned()),
                    category: Some(item.str("category_code").to_owned()),
                    tutor_name: Some(item.str("tutor_name").to_owned()),
                    language: Some("english".to_owned()),
                    visibility,
                    extra: extras(item),
                    ..CoursePatch::default()
                };
                store.update_course(course.id, patch).await?;
                SoapValue::Text(course.code)
            }
            None => {
                let wanted = match item.str("wanted_code") {
                    "" => code_from(item.str("title")),
                    w => code_from(w),
                };
                let mut new = NewCourse::new(free_code(store, &wanted).await?, item.str("title"));
                new.category = item.str("category_code").to_owned();
                new.tutor_name = item.str("tutor_name").to_owned();
                new.language = match item.str("course_language") {
                    "" => "english".to_owned(),
                    l => l.to_owned(),
                };
                if let Some(v) = visibility {
                    new.visibility = v;
                }
                let quota = intval(item.str("disk_quota"));
                new.disk_quota_mb = if quota > 0 { quota } else { 100 };
                new.external_ids = external(item);
                new.extra = extras(item);
                match create(store, new).await? {
                    Some(course) => SoapValue::Text(course.code),
                    None => id_value(0),
                }
            }
        };
        out.push(keyed_result("original_course_id_value", value, result));
    }
    Ok(SoapValue::Array(out))
}

/// `WSCreateCourseByTitle`: Chamilo's fixed defaults (category `LANG`, language `spanish`
/// unless `course_language` is given), the code generated from the title. An existing course
/// answers its numeric id, a new one its code, a code already in use `0` (§4.2).
pub async fn create_course_by_title<S: Courses + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("courses") {
        let value = item.str("original_course_id_value");
        let language = match item.str("course_language") {
            "" => "spanish",
            l => l,
        };
        let existing =
            course_by_external(store, item.str("original_course_id_name"), value).await?;
        let result = match existing {
            Some(course) if course.deleted_at.is_some() => id_value(0),
            Some(course) => {
                let patch = CoursePatch {
                    title: Some(item.str("title").to_owned()),
                    category: Some("LANG".to_owned()),
                    language: Some(language.to_owned()),
                    tutor_name: Some(item.str("tutor_name").to_owned()),
                    visibility: Some(CourseVisibility::World),
                    ..CoursePatch::default()
                };
                store.update_course(course.id, patch).await?;
                id_value(course.id.0)
            }
            None => {
                let code = code_from(item.str("title"));
                if code.is_empty() || store.course_by_code(&code).await?.is_some() {
                    id_value(0)
                } else {
                    let mut new = NewCourse::new(code, item.str("title"));
                    new.category = "LANG".to_owned();
                    new.language = language.to_owned();
                    new.tutor_name = item.str("tutor_name").to_owned();
                    new.external_ids = external(item);
                    new.extra = extras(item);
                    match create(store, new).await? {
                        Some(course) => SoapValue::Text(course.code),
                        None => id_value(0),
                    }
                }
            }
        };
        out.push(keyed_result("original_course_id_value", value, result));
    }
    Ok(SoapValue::Array(out))
}

/// `WSEditCourse`: `1` per edited course, `0` when the external id is unknown. The tutor
/// name comes from user `tutor_id` when that user is a teacher (§4.2); empty fields are left
/// as they are rather than blanked, and Chamilo's hard-coded disk quota is not applied.
pub async fn edit_course<S: Courses + Users + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("courses") {
        let value = item.str("original_course_id_value");
        let course = course_by_external(store, item.str("original_course_id_name"), value).await?;
        let result = match course {
            None => 0,
            Some(course) => {
                let tutor = match intval(item.str("tutor_id")) {
                    0 => None,
                    id => store
                        .user(UserId(id))
                        .await?
                        .filter(|u| u.role == gatehouse_domain::PlatformRole::Teacher),
                };
                let non_empty = |k: &str| {
                    Some(item.str(k))
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                };
                let quota = intval(item.str("disk_quota"));
                let patch = CoursePatch {
                    title: non_empty("title"),
                    category: non_empty("category_code"),
                    language: non_empty("course_language"),
                    visibility: visibility_from(item.str("visibility")),
                    disk_quota_mb: (quota > 0).then_some(quota),
                    tutor_name: tutor.map(|t| format!("{} {}", t.first_name, t.last_name)),
                    extra: extras(item),
                    ..CoursePatch::default()
                };
                store.update_course(course.id, patch).await?;
                1
            }
        };
        out.push(keyed_result(
            "original_course_id_value",
            value,
            id_value(result),
        ));
    }
    Ok(SoapValue::Array(out))
}

/// `WSDeleteCourse`: soft delete; `1` on success (Chamilo crashed here serialising a DB
/// statement, §4.2), `0` when unknown or already deleted.
pub async fn delete_course<S: Courses + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let mut out = Vec::new();
    for item in p.list("courses") {
        let value = item.str("original_course_id_value");
        let course =
            live_course_by_external(store, item.str("original_course_id_name"), value).await?;
        let result = match course {
            None => 0,
            Some(course) => {
                store.delete_course(course.id).await?;
                1
            }
        };
        out.push(keyed_result(
            "original_course_id_value",
            value,
            id_value(result),
        ));
    }
    Ok(SoapValue::Array(out))
}

/// `WSListCourses`: live courses with the value of external id `original_course_id_name` as
/// `external_course_id`; `from`/`to` (when `to` > 0) select rows `from..to`.
pub async fn list_courses<S: Courses + Enrolments + Attributes + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let field = p.str("original_course_id_name");
    let from = intval(p.str("from")).max(0) as u64;
    let to = intval(p.str("to"));
    let page = if to > 0 {
        Page {
            offset: from,
            limit: (to as u64).saturating_sub(from),
        }
    } else {
        Page {
            offset: from,
            limit: Page::all().limit,
        }
    };
    let mut out = Vec::new();
    for course in store.list_courses(page).await? {
        let entity = EntityRef {
            kind: EntityKind::Course,
            id: course.id.0,
        };
        let external = if field.is_empty() {
            String::new()
        } else {
            store
                .external_ids(entity)
                .await?
                .into_iter()
                .find(|e| e.name == field)
                .map(|e| e.value)
                .unwrap_or_default()
        };
        let students = store.course_enrolments(course.id).await?.len();
        out.push(SoapValue::record([
            ("id", id_value(course.id.0)),
            ("code", SoapValue::text(course.code)),
            ("external_course_id", SoapValue::Text(external)),
            ("title", SoapValue::text(course.title)),
            ("language", SoapValue::text(course.language)),
            ("category_name", SoapValue::text(course.category)),
            ("visibility", id_value(visibility_number(course.visibility))),
            ("number_students", SoapValue::Text(students.to_string())),
        ]));
    }
    Ok(SoapValue::Array(out))
}

/// `WSUserSubscribedInCourse`: `1` if user `user_id` is enrolled in live course `course`
/// (a code), else the empty string (PHP `false`, §4.5).
pub async fn user_subscribed_in_course<S: Courses + Enrolments + ?Sized>(
    store: &S,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let course = store.course_by_code(p.str("course").trim()).await?;
    let user = intval(p.str("user_id"));
    let subscribed = match course {
        Some(course) if user > 0 => store.enrolment(UserId(user), course.id).await?.is_some(),
        _ => false,
    };
    Ok(SoapValue::text(if subscribed { "1" } else { "" }))
}
