//! Newtype ids and names.
//!
//! One internal integer id per entity; each dialect renders it its own way (Chamilo
//! `user_id`, Forma `idst`, coreBOS `19x<id>`) in its codec, never here.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(
    /// The internal id of a user (Chamilo `user_id`, Forma `idst`, the record id of coreBOS `19x<id>`).
    UserId
);
int_id!(
    /// The internal id of a course.
    CourseId
);
int_id!(
    /// The internal id of a stored credential (API key, access key, application).
    CredentialId
);

/// A login name as the caller wrote it.
///
/// Compares and hashes case-insensitively (ASCII), as Chamilo's MySQL collation and Forma's
/// lookups do, so `Alice` and `alice` are one account; it keeps the spelling it was created with.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// The longest username accepted; Chamilo's column is 100 characters.
    pub const MAX_LEN: usize = 100;

    /// Validates a username: non-empty after trimming, at most [`Self::MAX_LEN`]
    /// characters, no control characters.
    pub fn parse(raw: &str) -> Result<Self, crate::DomainError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(crate::DomainError::invalid("username", "must not be empty"));
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(crate::DomainError::invalid(
                "username",
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(crate::DomainError::invalid(
                "username",
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as created.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the store indexes on: the ASCII-lowercased name.
    pub fn folded(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl PartialEq for Username {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Username {}

impl std::hash::Hash for Username {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({:?})", self.0)
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_compare_case_insensitively_but_keep_their_spelling() {
        let a = Username::parse("Alice").unwrap();
        let b = Username::parse("alice").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "Alice");
        assert_eq!(a.folded(), "alice");
    }

    #[test]
    fn empty_and_control_character_usernames_are_refused() {
        assert!(Username::parse("   ").is_err());
        assert!(Username::parse("a\nb").is_err());
        assert!(Username::parse(&"x".repeat(101)).is_err());
        assert_eq!(Username::parse("  bob ").unwrap().as_str(), "bob");
    }
}
