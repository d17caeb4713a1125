//! Courses and enrolments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CourseId, DomainError, UserId};

/// Who may see a course, independent of any product's numbering.
///
/// Chamilo's 0–4 and Forma's course status are mapped in the dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CourseVisibility {
    /// Only its teachers (Chamilo 0).
    Closed,
    /// Registered members (Chamilo 1).
    Registered,
    /// Every signed-in user of the platform (Chamilo 2); the default.
    #[default]
    Platform,
    /// Anyone (Chamilo 3).
    World,
    /// Hidden from catalogues (Chamilo 4).
    Hidden,
}

impl CourseVisibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Registered => "registered",
            Self::Platform => "platform",
            Self::World => "world",
            Self::Hidden => "hidden",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        [
            Self::Closed,
            Self::Registered,
            Self::Platform,
            Self::World,
            Self::Hidden,
        ]
        .into_iter()
        .find(|v| v.as_str() == name)
        .ok_or_else(|| DomainError::invalid("visibility", format!("unknown visibility {name:?}")))
    }
}

/// A course as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Course {
    /// Internal id.
    pub id: CourseId,
    /// Unique code (Chamilo's course code, Forma's `code`).
    pub code: String,
    /// Title.
    pub title: String,
    /// Category code or name, free text.
    pub category: String,
    /// Course language.
    pub language: String,
    /// Visibility.
    pub visibility: CourseVisibility,
    /// Disk quota in MiB.
    pub disk_quota_mb: i64,
    /// Name of the tutor, free text (Chamilo `tutor_name`).
    pub tutor_name: String,
    /// Long description.
    pub description: String,
    /// When it was soft-deleted; deleted courses are hidden from lookups by default.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Everything needed to create a course, created in one transaction.
#[derive(Debug, Clone)]
pub struct NewCourse {
    /// Unique code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Category.
    pub category: String,
    /// Language.
    pub language: String,
    /// Visibility.
    pub visibility: CourseVisibility,
    /// Disk quota in MiB.
    pub disk_quota_mb: i64,
    /// Tutor name.
    pub tutor_name: String,
    /// Description.
    pub description: String,
    /// External ids `(name, value)` to attach.
    pub external_ids: Vec<(String, String)>,
    /// Extra field values; missing fields are created.
    pub extra: Vec<(String, String)>,
}

impl NewCourse {
    /// A course with the given code and title and default settings.
    pub fn new(code: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            title: title.into(),
            category: String::new(),
            language: String::new(),
            visibility: CourseVisibility::default(),
            disk_quota_mb: 100,
            tutor_name: String::new(),
            description: String::new(),
            external_ids: Vec::new(),
            extra: Vec::new(),
        }
    }
}

/// A partial update of a course: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    /// New title.
    pub title: Option<String>,
    /// New category.
    pub category: Option<String>,
    /// New language.
    pub language: Option<String>,
    /// New visibility.
    pub visibility: Option<CourseVisibility>,
    /// New disk quota.
    pub disk_quota_mb: Option<i64>,
    /// New tutor name.
    pub tutor_name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Extra values to set; fields that do not exist are skipped.
    pub extra: Vec<(String, String)>,
}

/// A user's role in a course, stored as Forma's levels (D18).
///
/// Chamilo writes its 1 as instructor and anything else as student, and reads
/// administrator/instructor as 1, all else as 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentRole {
    /// Forma level 1.
    Guest,
    /// Forma level 2.
    Ghost,
    /// Forma level 3; the default.
    Student,
    /// Forma level 4.
    Tutor,
    /// Forma level 5.
    Mentor,
    /// Forma level 6 (Chamilo's course teacher).
    Instructor,
    /// Forma level 7.
    Administrator,
}

impl EnrolmentRole {
    /// Forma's numeric level, which is also the stored value.
    pub fn level(self) -> i64 {
        match self {
            Self::Guest => 1,
            Self::Ghost => 2,
            Self::Student => 3,
            Self::Tutor => 4,
            Self::Mentor => 5,
            Self::Instructor => 6,
            Self::Administrator => 7,
        }
    }

    /// The role for a stored level.
    pub fn from_level(level: i64) -> Result<Self, DomainError> {
        Ok(match level {
            1 => Self::Guest,
            2 => Self::Ghost,
            3 => Self::Student,
            4 => Self::Tutor,
            5 => Self::Mentor,
            6 => Self::Instructor,
            7 => Self::Administrator,
            other => {
                return Err(DomainError::invalid(
                    "role",
                    format!("enrolment level must be 1 to 7, got {other}"),
                ));
            }
        })
    }

    /// The role's name (Forma's user-level names).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::Ghost => "ghost",
            Self::Student => "student",
            Self::Tutor => "tutor",
            Self::Mentor => "mentor",
            Self::Instructor => "instructor",
            Self::Administrator => "administrator",
        }
    }

    /// Parses a role name or a level number.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if let Ok(level) = text.parse::<i64>() {
            return Self::from_level(level);
        }
        (1..=7)
            .filter_map(|l| Self::from_level(l).ok())
            .find(|r| r.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| DomainError::invalid("role", format!("unknown enrolment role {text:?}")))
    }
}

/// The state of an enrolment, stored as Forma's numbers (D18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// −2.
    WaitingList,
    /// −1.
    ToConfirm,
    /// 0; the default.
    #[default]
    Subscribed,
    /// 1.
    Started,
    /// 2.
    Completed,
    /// 3.
    Suspended,
    /// 4.
    Overbooking,
}

impl EnrolmentStatus {
    /// Forma's number, which is also the stored value.
    pub fn code(self) -> i64 {
        match self {
            Self::WaitingList => -2,
            Self::ToConfirm => -1,
            Self::Subscribed => 0,
            Self::Started => 1,
            Self::Completed => 2,
            Self::Suspended => 3,
            Self::Overbooking => 4,
        }
    }

    /// The status for a stored number.
    pub fn from_code(code: i64) -> Result<Self, DomainError> {
        Ok(match code {
            -2 => Self::WaitingList,
            -1 => Self::ToConfirm,
            0 => Self::Subscribed,
            1 => Self::Started,
            2 => Self::Completed,
            3 => Self::Suspended,
            4 => Self::Overbooking,
            other => {
                return Err(DomainError::invalid(
                    "status",
                    format!("enrolment status must be -2 to 4, got {other}"),
                ));
            }
        })
    }
}

/// A user's enrolment in a course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrolment {
    /// The user.
    pub user_id: UserId,
    /// The course.
    pub course_id: CourseId,
    /// Role in the course.
    pub role: EnrolmentRole,
    /// State of the enrolment.
    pub status: EnrolmentStatus,
    /// When the user was enrolled.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrolment_roles_and_statuses_round_trip_through_their_numbers() {
        for level in 1..=7 {
            assert_eq!(EnrolmentRole::from_level(level).unwrap().level(), level);
        }
        for code in -2..=4 {
            assert_eq!(EnrolmentStatus::from_code(code).unwrap().code(), code);
        }
        assert!(EnrolmentRole::from_level(0).is_err());
        assert!(EnrolmentStatus::from_code(5).is_err());
    }

    #[test]
    fn enrolment_roles_parse_from_names_or_levels() {
        assert_eq!(
            EnrolmentRole::parse("Instructor").unwrap(),
            EnrolmentRole::Instructor
        );
        assert_eq!(EnrolmentRole::parse("3").unwrap(), EnrolmentRole::Student);
        assert!(EnrolmentRole::parse("owner").is_err());
    }
}
