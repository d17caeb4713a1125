//! Users: the accounts every dialect provisions and authenticates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{DomainError, PasswordHash, UserId, Username};

/// A user's platform role, independent of any product's numbering.
///
/// Chamilo's status codes (1 teacher, 5 student, ...) and Forma's levels are mapped onto
/// these in each dialect's codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    /// Creates and teaches courses (Chamilo COURSEMANAGER).
    Teacher,
    /// Administers course sessions (Chamilo SESSIONADMIN).
    SessionAdmin,
    /// Human-resources manager who follows other users (Chamilo DRH).
    HrManager,
    /// A learner; the default.
    #[default]
    Student,
    /// An anonymous guest account.
    Anonymous,
    /// Follows a group of students (Chamilo STUDENT_BOSS).
    StudentBoss,
    /// An invited external user (Chamilo INVITEE).
    Invitee,
}

impl PlatformRole {
    /// Every role, in a stable order.
    pub const ALL: [PlatformRole; 7] = [
        Self::Teacher,
        Self::SessionAdmin,
        Self::HrManager,
        Self::Student,
        Self::Anonymous,
        Self::StudentBoss,
        Self::Invitee,
    ];

    /// The role's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Teacher => "teacher",
            Self::SessionAdmin => "session_admin",
            Self::HrManager => "hr_manager",
            Self::Student => "student",
            Self::Anonymous => "anonymous",
            Self::StudentBoss => "student_boss",
            Self::Invitee => "invitee",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| DomainError::invalid("role", format!("unknown platform role {name:?}")))
    }
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Internal id.
    pub id: UserId,
    /// Login name, unique case-insensitively.
    pub username: Username,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address (may be empty: the legacy products allow it).
    pub email: String,
    /// Phone number, free text.
    pub phone: String,
    /// Chamilo's `official_code`: an organisation's own person code.
    pub official_code: String,
    /// Preferred language as the product names it (`english`, `it`, ...); empty = platform default.
    pub language: String,
    /// Platform role.
    pub role: PlatformRole,
    /// Platform administrator (all products' admin-only operations).
    pub is_admin: bool,
    /// Whether the account may sign in.
    pub active: bool,
    /// After this instant the account may no longer sign in.
    pub expires_at: Option<DateTime<Utc>>,
    /// Which authenticator owns the password (`platform` by default, as Chamilo names it).
    pub auth_source: String,
    /// The stored password hash, if the user has a usable password.
    #[serde(skip)]
    pub password: Option<PasswordHash>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user was last changed.
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Whether the user may sign in at `now`: active and not expired.
    pub fn can_sign_in(&self, now: DateTime<Utc>) -> bool {
        self.active && self.expires_at.is_none_or(|t| t > now)
    }
}

/// Everything needed to create a user, created in one transaction.
///
/// External ids and extra values are part of the command so that a create either stores
/// all of them or none (Forma: "nothing half-created").
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: Username,
    /// Password hash to store; `None` leaves the user without a usable password.
    pub password: Option<PasswordHash>,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number.
    pub phone: String,
    /// Official code.
    pub official_code: String,
    /// Language.
    pub language: String,
    /// Platform role.
    pub role: PlatformRole,
    /// Platform administrator.
    pub is_admin: bool,
    /// Whether the account may sign in.
    pub active: bool,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Authenticator name; `platform` if empty.
    pub auth_source: String,
    /// External ids `(name, value)` to attach (Chamilo's `original_user_id_name/value`).
    pub external_ids: Vec<(String, String)>,
    /// Extra field values `(field name, value)`; missing fields are created.
    pub extra: Vec<(String, String)>,
}

impl NewUser {
    /// A new active student with no password and empty profile fields.
    pub fn new(username: Username) -> Self {
        Self {
            username,
            password: None,
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: String::new(),
            official_code: String::new(),
            language: String::new(),
            role: PlatformRole::Student,
            is_admin: false,
            active: true,
            expires_at: None,
            auth_source: String::new(),
            external_ids: Vec::new(),
            extra: Vec::new(),
        }
    }
}

/// A partial update of a user: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// New login name (must stay unique).
    pub username: Option<Username>,
    /// New given name.
    pub first_name: Option<String>,
    /// New family name.
    pub last_name: Option<String>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New phone number.
    pub phone: Option<String>,
    /// New official code.
    pub official_code: Option<String>,
    /// New language.
    pub language: Option<String>,
    /// New platform role.
    pub role: Option<PlatformRole>,
    /// New admin flag.
    pub is_admin: Option<bool>,
    /// New active flag.
    pub active: Option<bool>,
    /// New expiry; `Some(None)` removes it.
    pub expires_at: Option<Option<DateTime<Utc>>>,
    /// New password hash; `Some(None)` removes the usable password.
    pub password: Option<Option<PasswordHash>>,
    /// Extra field values to set; fields that do not exist are skipped (Chamilo's edit rule).
    pub extra: Vec<(String, String)>,
}

impl UserPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.first_name.is_none()
            && self.last_name.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.official_code.is_none()
            && self.language.is_none()
            && self.role.is_none()
            && self.is_admin.is_none()
            && self.active.is_none()
            && self.expires_at.is_none()
            && self.password.is_none()
            && self.extra.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn platform_roles_round_trip_through_their_stored_names() {
        for role in PlatformRole::ALL {
            assert_eq!(PlatformRole::parse(role.as_str()).unwrap(), role);
        }
        assert!(PlatformRole::parse("root").is_err());
    }

    #[test]
    fn inactive_or_expired_users_cannot_sign_in() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut user = User {
            id: UserId(1),
            username: Username::parse("a").unwrap(),
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: String::new(),
            official_code: String::new(),
            language: String::new(),
            role: PlatformRole::Student,
            is_admin: false,
            active: true,
            expires_at: None,
            auth_source: "platform".into(),
            password: None,
            created_at: now,
            updated_at: now,
        };
        assert!(user.can_sign_in(now));
        user.expires_at = Some(now);
        assert!(!user.can_sign_in(now));
        user.expires_at = None;
        user.active = false;
        assert!(!user.can_sign_in(now));
    }
}
