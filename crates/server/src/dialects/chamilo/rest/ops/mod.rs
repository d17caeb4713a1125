//! One function per REST action, each over the narrowest port it needs (STYLE.md §3), and
//! the Chamilo numbering of roles, visibilities and dates they share.

pub mod courses;
pub mod keys;
pub mod sessions;
pub mod users;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use gatehouse_domain::{CourseVisibility, EnrolmentRole, PlatformRole};

use super::error::RestError;

/// Chamilo's platform `status` for a role (specs/chamilo.md §1).
pub fn chamilo_status(role: PlatformRole) -> i64 {
    match role {
        PlatformRole::Teacher => 1,
        PlatformRole::SessionAdmin => 3,
        PlatformRole::HrManager => 4,
        PlatformRole::Student => 5,
        PlatformRole::Anonymous => 6,
        PlatformRole::StudentBoss => 17,
        PlatformRole::Invitee => 20,
    }
}

/// The role for Chamilo's platform `status`; unknown numbers are students, Chamilo's default.
pub fn role_from_status(status: i64) -> PlatformRole {
    PlatformRole::ALL
        .into_iter()
        .find(|r| chamilo_status(*r) == status)
        .unwrap_or(PlatformRole::Student)
}

/// Chamilo's course-relation status for an enrolment role: administrators and instructors
/// read as 1 (teacher), everything else as 5 (student) (D18).
pub fn course_status(role: EnrolmentRole) -> i64 {
    match role {
        EnrolmentRole::Administrator | EnrolmentRole::Instructor => 1,
        _ => 5,
    }
}

/// The enrolment role Chamilo's course status writes: 1 is instructor, anything else student (D18).
pub fn role_from_course_status(status: i64) -> EnrolmentRole {
    if status == 1 {
        EnrolmentRole::Instructor
    } else {
        EnrolmentRole::Student
    }
}

/// Chamilo's course visibility number (0–4).
pub fn visibility_code(v: CourseVisibility) -> i64 {
    match v {
        CourseVisibility::Closed => 0,
        CourseVisibility::Registered => 1,
        CourseVisibility::Platform => 2,
        CourseVisibility::World => 3,
        CourseVisibility::Hidden => 4,
    }
}

/// The visibility for Chamilo's number; out-of-range numbers are "open to the platform".
pub fn visibility_from_code(code: i64) -> CourseVisibility {
    match code {
        0 => CourseVisibility::Closed,
        1 => CourseVisibility::Registered,
        3 => CourseVisibility::World,
        4 => CourseVisibility::Hidden,
        _ => CourseVisibility::Platform,
    }
}

/// A date as Chamilo writes it: `Y-m-d H:i:s` (UTC).
pub fn format_date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A date as clients send it (`Y-m-d H:i[:s]` or `Y-m-d`), read as UTC; empty or
/// `0000-00-00…` means none, anything else unreadable is "Invalid date".
pub fn parse_date(text: &str) -> Result<Option<DateTime<Utc>>, RestError> {
    let t = text.trim();
    if t.is_empty() || t.starts_with("0000-00-00") {
        return Ok(None);
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(Some(at.and_utc()));
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| Some(at.and_utc()))
        .ok_or(RestError::InvalidDate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_roles_map_both_ways() {
        for role in PlatformRole::ALL {
            assert_eq!(role_from_status(chamilo_status(role)), role);
        }
        assert_eq!(role_from_status(99), PlatformRole::Student);
        assert_eq!(course_status(role_from_course_status(1)), 1);
        assert_eq!(course_status(role_from_course_status(7)), 5);
        assert_eq!(course_status(EnrolmentRole::Administrator), 1);
    }

    #[test]
    fn dates_read_chamilos_forms_and_refuse_the_rest() {
        let at = parse_date("2026-03-01 08:30").unwrap().unwrap();
        assert_eq!(format_date(at), "2026-03-01 08:30:00");
        assert_eq!(parse_date("0000-00-00 00:00:00").unwrap(), None);
        assert_eq!(
            format_date(parse_date("2026-03-01").unwrap().unwrap()),
            "2026-03-01 00:00:00"
        );
        assert_eq!(parse_date("soon"), Err(RestError::InvalidDate));
    }
}
