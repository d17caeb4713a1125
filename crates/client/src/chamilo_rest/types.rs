//! The shapes of Chamilo REST results that specs/chamilo.md §6 documents.
//!
//! Numbers are read leniently (PHP sends ids as ints or numeric strings across versions) and
//! members Chamilo adds beyond the documented ones are kept in `other`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient::{flag, int, list, opt_int, text};

/// `user_profile`: the calling user.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// The user id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The login name.
    #[serde(deserialize_with = "text")]
    pub username: String,
    /// First and last name as Chamilo formats them.
    #[serde(default, deserialize_with = "text")]
    pub full_name: String,
    /// Chamilo status: 1 teacher, 5 student.
    #[serde(default, deserialize_with = "int")]
    pub status: i64,
    /// The picture URL.
    #[serde(default, deserialize_with = "text")]
    pub picture_uri: String,
    /// The official code.
    #[serde(default, deserialize_with = "text")]
    pub official_code: String,
    /// The phone number.
    #[serde(default, deserialize_with = "text")]
    pub phone: String,
    /// The user's extra fields.
    #[serde(default, deserialize_with = "list")]
    pub extra: Vec<ProfileExtra>,
}

/// One extra field of a [`UserProfile`].
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ProfileExtra {
    /// The field's title.
    #[serde(deserialize_with = "text")]
    pub title: String,
    /// The value.
    #[serde(default, deserialize_with = "text")]
    pub value: String,
}

/// A row of `get_users`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct UserRow {
    /// The user id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The login name.
    #[serde(deserialize_with = "text")]
    pub username: String,
    /// First name.
    #[serde(default, deserialize_with = "text")]
    pub firstname: String,
    /// Last name.
    #[serde(default, deserialize_with = "text")]
    pub lastname: String,
    /// Email address.
    #[serde(default, deserialize_with = "text")]
    pub email: String,
    /// Whether the account is active.
    #[serde(default, deserialize_with = "flag")]
    pub active: bool,
    /// The extra fields asked for with `extra_fields`, by name.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A row of `get_courses` (Chamilo's `course` table).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ChamiloCourse {
    /// The course id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The course code.
    #[serde(deserialize_with = "text")]
    pub code: String,
    /// The title.
    #[serde(default, deserialize_with = "text")]
    pub title: String,
    /// The course directory.
    #[serde(default, deserialize_with = "text")]
    pub directory: String,
    /// The language.
    #[serde(default, deserialize_with = "text")]
    pub course_language: String,
    /// Visibility 0–3 (closed, registered, open platform, open world).
    #[serde(default, deserialize_with = "opt_int")]
    pub visibility: Option<i64>,
    /// The other columns, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A course of `user_courses`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserCourse {
    /// The course id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The course code.
    #[serde(deserialize_with = "text")]
    pub code: String,
    /// The title.
    #[serde(default, deserialize_with = "text")]
    pub title: String,
    /// The course directory.
    #[serde(default, deserialize_with = "text")]
    pub directory: String,
    /// The course picture URL.
    #[serde(default, deserialize_with = "text")]
    pub url_picture: String,
    /// The teachers' names, comma-separated.
    #[serde(default, deserialize_with = "text")]
    pub teachers: String,
    /// Whether it is a "special" course.
    #[serde(default, deserialize_with = "flag")]
    pub is_special: bool,
    /// The course's home page.
    #[serde(default, deserialize_with = "text")]
    pub url: String,
}

/// A user of `get_users_subscribed_to_course`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CourseUser {
    /// The user id.
    #[serde(deserialize_with = "int")]
    pub user_id: i64,
    /// The login name.
    #[serde(deserialize_with = "text")]
    pub username: String,
    /// First name.
    #[serde(default, deserialize_with = "text")]
    pub firstname: String,
    /// Last name.
    #[serde(default, deserialize_with = "text")]
    pub lastname: String,
    /// Status in the course: 1 teacher, 5 student.
    #[serde(default, deserialize_with = "int")]
    pub status_rel: i64,
}

/// A session of `get_sessions`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct RestSession {
    /// The session id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Access start, as Chamilo formats it (`None` when open).
    #[serde(default)]
    pub access_start_date: Option<String>,
    /// Access end (`None` when open).
    #[serde(default)]
    pub access_end_date: Option<String>,
}
