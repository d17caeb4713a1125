//! One function per Forma operation, over the narrowest port (specs/forma.md §4).

pub mod courses;
pub mod sso;
pub mod users;

use chrono::{DateTime, Utc};
use gatehouse_domain::{DomainError, UserId};

use super::error::FormaError;

/// Forma's `YYYY-MM-DD HH:MM:SS` (UTC here; Forma prints its PHP default zone).
pub fn datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A positive numeric id (`idst`, `course_id`); anything else is `None`.
pub fn positive_id(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

/// A user id from text.
pub fn user_id(text: &str) -> Option<UserId> {
    positive_id(text).map(UserId)
}

/// A store failure as Forma's internal error (D9).
pub fn store_error(request_id: Option<&str>) -> impl Fn(DomainError) -> FormaError + '_ {
    move |e| FormaError::internal(request_id, &e)
}
