//! gatehouse's identity model, shared by every dialect and every store.
//!
//! The domain knows no wire format and no SQL: entities and newtype ids, the commands that
//! change them, the port traits a store implements ([`Directory`] with users, courses,
//! course sessions, descriptions and their attributes, [`Credentials`], [`Audit`],
//! together [`Store`]), [`DomainError`], and the password policy. Dialects render
//! ids and roles their own way in their codecs; the store maps its private errors into
//! [`DomainError`] and nowhere else.
#![forbid(unsafe_code)]

mod attributes;
mod audit;
mod auth_session;
mod course;
mod credential;
mod crm;
mod error;
mod forma;
mod ids;
mod lockout;
pub mod password;
mod pbx;
mod ports;
mod principal;
mod secret;
mod session;
mod user;

pub use attributes::{EntityKind, EntityRef, ExternalId, ExtraValue};
pub use audit::{AuditEvent, AuditQuery, Outcome, StoredAuditEvent};
pub use auth_session::{
    Challenge, MAX_OUTSTANDING_CHALLENGES, SESSION_TOUCH_INTERVAL, Session, SessionKind,
    SessionLimits, Sessions,
};
pub use course::{
    Course, CoursePatch, CourseVisibility, Enrolment, EnrolmentRole, EnrolmentStatus, NewCourse,
};
pub use credential::{
    Credential, CredentialFilter, CredentialHolder, CredentialKind, NewCredential,
    SigningCredential,
};
pub use crm::{Crm, CrmRecord, NewCrmRecord, RecordId};
pub use error::DomainError;
pub use forma::{Categories, Category, Markers, RestTokens};
pub use ids::{CourseId, CredentialId, UserId, Username};
pub use lockout::{LockoutPolicy, LockoutState, LockoutSubject};
pub use password::{PasswordCheck, PasswordHash, PasswordPolicy};
pub use pbx::{
    CallFilter, CallQueue, CallRecord, NewCallQueue, NewCallRecord, NewSound, Pbx, QueueMember,
    Sound,
};
pub use ports::{
    Attributes, Audit, CourseDescriptions, CourseSessions, Courses, Credentials, Directory,
    Enrolments, Health, Lockouts, Page, SiteSecrets, Store, Users,
};
pub use principal::Principal;
pub use secret::Secret;
pub use session::{
    CourseDescription, CourseSession, CourseSessionId, CourseSessionPatch, NewCourseSession,
    SessionVisibility,
};
pub use user::{NewUser, PlatformRole, User, UserPatch};

/// The result type of every port method.
pub type DomainResult<T> = Result<T, DomainError>;
