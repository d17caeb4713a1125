//! The shapes of Forma results that specs/forma.md §3–§4 documents.
//!
//! Forma sends most database values as strings (`"idst":"12345"` in lists) and some as ints
//! where its code casts (`"idst":12345`); every number here reads both. Members beyond the
//! documented ones are kept in `other` where Forma versions differ.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient::{flag, int, list, opt_int, text};

/// The installation's `rest_auth_method` as `auth/getauthmethod` names it (§3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum FormaAuthMethod {
    /// Method 0: one shared code.
    #[serde(rename = "SINGLE_CODE")]
    SingleCode,
    /// Method 1: a token from `auth/authenticate`.
    #[serde(rename = "GENERATED_TOKEN")]
    GeneratedToken,
    /// Method 2: key and secret, the `X-Authorization` signature.
    #[serde(rename = "SECRET_KEY")]
    SecretKey,
}

/// What `auth/authenticate` returns (§3.2).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AuthToken {
    /// The token, sent as `auth` afterwards.
    #[serde(deserialize_with = "text")]
    pub token: String,
    /// When it expires (server-local `YYYY-MM-DD HH:MM:SS`; the lifetime slides on use).
    #[serde(default, deserialize_with = "text")]
    pub expire_at: String,
}

/// What `user/checkUsername` returns for a user that exists (§4.2).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CheckedUser {
    /// The user's id.
    #[serde(deserialize_with = "int")]
    pub idst: i64,
    /// `"_DISABLED"` for a suspended account, empty otherwise.
    #[serde(default, deserialize_with = "text")]
    pub message: String,
}

impl CheckedUser {
    /// Whether the account is suspended.
    pub fn disabled(&self) -> bool {
        self.message == "_DISABLED"
    }
}

/// A row of `user/listUsers`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FormaUser {
    /// The user's id.
    #[serde(deserialize_with = "int")]
    pub idst: i64,
    /// The login name, without Forma's leading `/`.
    #[serde(deserialize_with = "text")]
    pub userid: String,
    /// First name.
    #[serde(default, deserialize_with = "text")]
    pub firstname: String,
    /// Last name.
    #[serde(default, deserialize_with = "text")]
    pub lastname: String,
}

/// The `details` of `user/userdetails` and `user/userdetailsbyuserid`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FormaUserDetails {
    /// The user's id.
    #[serde(deserialize_with = "int")]
    pub idst: i64,
    /// The login name.
    #[serde(deserialize_with = "text")]
    pub userid: String,
    /// First name.
    #[serde(default, deserialize_with = "text")]
    pub firstname: String,
    /// Last name.
    #[serde(default, deserialize_with = "text")]
    pub lastname: String,
    /// Email address.
    #[serde(default, deserialize_with = "text")]
    pub email: String,
    /// Whether the account is active (`valid` = 1).
    #[serde(default, deserialize_with = "flag")]
    pub valid: bool,
    /// Registration date.
    #[serde(default, deserialize_with = "text")]
    pub register_date: String,
    /// The custom fields.
    #[serde(default, deserialize_with = "list")]
    pub custom_fields: Vec<CustomField>,
    /// The other members (`signature`, `pwd_expire_at`, `last_enter`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One custom field of a user.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CustomField {
    /// The field id.
    #[serde(deserialize_with = "text")]
    pub id: String,
    /// The field name.
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    /// The user's value.
    #[serde(default, deserialize_with = "text")]
    pub value: String,
}

/// A course of `course/courses`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FormaCourse {
    /// The course id.
    #[serde(deserialize_with = "int")]
    pub course_id: i64,
    /// The course code.
    #[serde(default, deserialize_with = "text")]
    pub code: String,
    /// The name (`&` arrives as `&amp;`, as Forma sends it).
    #[serde(default, deserialize_with = "text")]
    pub course_name: String,
    /// The description.
    #[serde(default, deserialize_with = "text")]
    pub course_description: String,
    /// `elearning` or `classroom`.
    #[serde(default, deserialize_with = "text")]
    pub course_type: String,
    /// The category id.
    #[serde(default, deserialize_with = "opt_int")]
    pub category_id: Option<i64>,
    /// The link into the LMS.
    #[serde(default, deserialize_with = "text")]
    pub course_link: String,
    /// The other members (`status`, `selling`, `dates`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A course of a user from `user/userCourses`, in Forma 3.x's and 4.x's shapes alike.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FormaUserCourse {
    /// The course id.
    #[serde(deserialize_with = "int")]
    pub course_id: i64,
    /// The name.
    #[serde(default, deserialize_with = "text")]
    pub course_name: String,
    /// `elearning` or `classroom`.
    #[serde(default, deserialize_with = "text")]
    pub course_type: String,
    /// The user's status: −2 waiting list … 2 completed, 3 suspended, 4 overbooking.
    #[serde(default, deserialize_with = "int")]
    pub user_status: i64,
    /// The link into the LMS.
    #[serde(default, deserialize_with = "text")]
    pub course_link: String,
    /// The other members (4.x adds `numof_associated`, `enrolled`, `id_user`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A subscription of `course/getUsersSubscription`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FormaSubscription {
    /// The user's id.
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// The login name.
    #[serde(default, deserialize_with = "text")]
    pub userid: String,
    /// The full name.
    #[serde(default, deserialize_with = "text")]
    pub fullname: String,
    /// The level: 3 student, 4 tutor, 6 instructor, 7 administrator, ...
    #[serde(default, deserialize_with = "int")]
    pub level: i64,
    /// The status: 0 subscribed, 1 started, 2 completed, ...
    #[serde(default, deserialize_with = "int")]
    pub status: i64,
    /// The other members (dates, `del`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The courses of `user/userCourses`: a list of `{course_info:{…}}` (3.x) or a map of user id
/// to `{courses:[…]}` (4.x).
pub(crate) fn user_courses(courses: &Value) -> crate::Result<Vec<FormaUserCourse>> {
    let mut rows = Vec::new();
    let mut push = |item: &Value| -> crate::Result<()> {
        let row = item.get("course_info").unwrap_or(item).clone();
        rows.push(crate::lenient::decode("user/userCourses", row)?);
        Ok(())
    };
    match courses {
        Value::Array(items) => items.iter().try_for_each(&mut push)?,
        Value::Object(by_user) => {
            for entry in by_user.values() {
                match entry.get("courses") {
                    Some(Value::Array(items)) => items.iter().try_for_each(&mut push)?,
                    Some(Value::Object(items)) => items.values().try_for_each(&mut push)?,
                    _ => push(entry)?,
                }
            }
        }
        _ => {}
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_courses_read_the_3x_and_4x_shapes_alike() {
        let v3 = serde_json::json!([
            {"course_info": {"course_id": "4", "course_type": "elearning", "course_name": "A", "user_status": "1"}}
        ]);
        let v4 = serde_json::json!({
            "12": {"courses": [{"course_id": 4, "course_type": "elearning", "course_name": "A", "user_status": "1", "id_user": 12}]}
        });
        let a = user_courses(&v3).expect("3.x");
        let b = user_courses(&v4).expect("4.x");
        assert_eq!((a[0].course_id, a[0].user_status), (4, 1));
        assert_eq!((b[0].course_id, b[0].user_status), (4, 1));
    }
}
