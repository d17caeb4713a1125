//! Course sessions (Chamilo's time-boxed groupings of courses and users) and course
//! descriptions (Chamilo's eight typed description sections of a course).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CourseId, DomainError, UserId};

/// The internal id of a course session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CourseSessionId(pub i64);

impl std::fmt::Display for CourseSessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Who may see a course session, independent of any product's numbering.
///
/// Chamilo numbers these 1 read-only, 2 visible, 3 invisible, 4 available (specs/chamilo.md
/// §1); the dialect maps the numbers, the store keeps the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionVisibility {
    /// Content visible but read-only (Chamilo 1); what Chamilo gives new sessions.
    #[default]
    ReadOnly,
    /// Visible and usable (Chamilo 2).
    Visible,
    /// Hidden from its users (Chamilo 3).
    Invisible,
    /// Available regardless of dates (Chamilo 4).
    Available,
}

impl SessionVisibility {
    /// Every visibility, in Chamilo's order.
    pub const ALL: [SessionVisibility; 4] = [
        Self::ReadOnly,
        Self::Visible,
        Self::Invisible,
        Self::Available,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read_only",
            Self::Visible => "visible",
            Self::Invisible => "invisible",
            Self::Available => "available",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == name)
            .ok_or_else(|| {
                DomainError::invalid("visibility", format!("unknown session visibility {name:?}"))
            })
    }

    /// Chamilo's number (1–4).
    pub fn chamilo_code(self) -> i64 {
        match self {
            Self::ReadOnly => 1,
            Self::Visible => 2,
            Self::Invisible => 3,
            Self::Available => 4,
        }
    }

    /// The visibility for Chamilo's number (1–4).
    pub fn from_chamilo_code(code: i64) -> Result<Self, DomainError> {
        Ok(match code {
            1 => Self::ReadOnly,
            2 => Self::Visible,
            3 => Self::Invisible,
            4 => Self::Available,
            other => {
                return Err(DomainError::invalid(
                    "visibility",
                    format!("session visibility must be 1 to 4, got {other}"),
                ));
            }
        })
    }
}

/// A course session as stored.
///
/// Sessions group courses and users over a time window; integrations create them through
/// Chamilo SOAP `WSCreateSession` and REST `save_session` (specs/chamilo.md §4.3, §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseSession {
    /// Internal id (Chamilo's `id_session`).
    pub id: CourseSessionId,
    /// Name, unique among sessions (Chamilo refuses a second session of the same name).
    pub name: String,
    /// The coach (general tutor), if any.
    pub coach: Option<UserId>,
    /// When learners may start entering.
    pub access_start: Option<DateTime<Utc>>,
    /// When learners may no longer enter.
    pub access_end: Option<DateTime<Utc>>,
    /// When the coach may start entering.
    pub coach_access_start: Option<DateTime<Utc>>,
    /// When the coach may no longer enter.
    pub coach_access_end: Option<DateTime<Utc>>,
    /// Visibility.
    pub visibility: SessionVisibility,
    /// Description, free text.
    pub description: String,
    /// Duration in days for sessions that run per learner rather than by dates.
    pub duration_days: Option<i64>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Everything needed to create a session, created in one transaction.
#[derive(Debug, Clone)]
pub struct NewCourseSession {
    /// Unique name.
    pub name: String,
    /// Coach.
    pub coach: Option<UserId>,
    /// Learners' access start.
    pub access_start: Option<DateTime<Utc>>,
    /// Learners' access end.
    pub access_end: Option<DateTime<Utc>>,
    /// Coach's access start.
    pub coach_access_start: Option<DateTime<Utc>>,
    /// Coach's access end.
    pub coach_access_end: Option<DateTime<Utc>>,
    /// Visibility.
    pub visibility: SessionVisibility,
    /// Description.
    pub description: String,
    /// Duration in days.
    pub duration_days: Option<i64>,
    /// External ids `(name, value)` to attach (Chamilo's `original_session_id_name/value`).
    pub external_ids: Vec<(String, String)>,
    /// Extra field values; missing fields are created.
    pub extra: Vec<(String, String)>,
}

impl NewCourseSession {
    /// A read-only session with the given name, no coach, no dates.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            coach: None,
            access_start: None,
            access_end: None,
            coach_access_start: None,
            coach_access_end: None,
            visibility: SessionVisibility::default(),
            description: String::new(),
            duration_days: None,
            external_ids: Vec::new(),
            extra: Vec::new(),
        }
    }
}

/// A partial update of a session: `None` leaves a field as it is; for the optional fields
/// `Some(None)` clears them.
#[derive(Debug, Clone, Default)]
pub struct CourseSessionPatch {
    /// New name (must stay unique).
    pub name: Option<String>,
    /// New coach.
    pub coach: Option<Option<UserId>>,
    /// New learners' access start.
    pub access_start: Option<Option<DateTime<Utc>>>,
    /// New learners' access end.
    pub access_end: Option<Option<DateTime<Utc>>>,
    /// New coach's access start.
    pub coach_access_start: Option<Option<DateTime<Utc>>>,
    /// New coach's access end.
    pub coach_access_end: Option<Option<DateTime<Utc>>>,
    /// New visibility.
    pub visibility: Option<SessionVisibility>,
    /// New description.
    pub description: Option<String>,
    /// New duration.
    pub duration_days: Option<Option<i64>>,
    /// Extra values to set; fields that do not exist are skipped (Chamilo's edit rule).
    pub extra: Vec<(String, String)>,
}

/// One typed description section of a course.
///
/// Chamilo keeps up to eight per course, `kind` 1–8 (general description, objectives,
/// topics, methodology, course material, human and technical resources, assessment, other);
/// SOAP `WSCourseDescription` lists them and `WSEditCourseDescription` upserts one
/// (specs/chamilo.md §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseDescription {
    /// The course.
    pub course_id: CourseId,
    /// The section, 1–8.
    pub kind: i64,
    /// The section's title.
    pub title: String,
    /// The section's content (HTML in Chamilo).
    pub content: String,
}

impl CourseDescription {
    /// The lowest section kind.
    pub const MIN_KIND: i64 = 1;
    /// The highest section kind.
    pub const MAX_KIND: i64 = 8;

    /// Checks that `kind` is one of Chamilo's eight sections.
    pub fn check_kind(kind: i64) -> Result<i64, DomainError> {
        if (Self::MIN_KIND..=Self::MAX_KIND).contains(&kind) {
            Ok(kind)
        } else {
            Err(DomainError::invalid(
                "kind",
                format!("course description kind must be 1 to 8, got {kind}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_visibilities_round_trip_through_names_and_chamilo_numbers() {
        for v in SessionVisibility::ALL {
            assert_eq!(SessionVisibility::parse(v.as_str()).unwrap(), v);
            assert_eq!(
                SessionVisibility::from_chamilo_code(v.chamilo_code()).unwrap(),
                v
            );
        }
        assert!(SessionVisibility::from_chamilo_code(0).is_err());
        assert!(SessionVisibility::parse("public").is_err());
    }

    #[test]
    fn only_the_eight_description_kinds_are_accepted() {
        assert!(CourseDescription::check_kind(0).is_err());
        assert!(CourseDescription::check_kind(9).is_err());
        assert_eq!(CourseDescription::check_kind(8).unwrap(), 8);
    }
}
