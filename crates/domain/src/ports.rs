//! The ports: what the server and the command line ask of a store.
//!
//! Split by concern so that an operation can take the narrowest one (STYLE.md §3);
//! [`Directory`] and [`Store`] gather them for the places that need more. Every method is
//! one transaction: it applies entirely or not at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{
    AuditEvent, AuditQuery, Course, CourseDescription, CourseId, CoursePatch, CourseSession,
    CourseSessionId, CourseSessionPatch, Credential, CredentialFilter, CredentialHolder,
    CredentialId, CredentialKind, DomainResult, Enrolment, EnrolmentRole, EnrolmentStatus,
    EntityKind, EntityRef, ExternalId, ExtraValue, LockoutPolicy, LockoutState, LockoutSubject,
    NewCourse, NewCourseSession, NewCredential, NewUser, PasswordHash, Secret, SigningCredential,
    StoredAuditEvent, User, UserId, UserPatch, Username,
};

/// A window of a list: skip `offset`, return at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// How many to skip.
    pub offset: u64,
    /// How many at most.
    pub limit: u64,
}

impl Page {
    /// The first `limit` items.
    pub fn first(limit: u64) -> Self {
        Self { offset: 0, limit }
    }

    /// Everything (for small lists and exports).
    pub fn all() -> Self {
        Self {
            offset: 0,
            limit: i64::MAX as u64,
        }
    }
}

/// Users: create, read, change, delete.
#[async_trait]
pub trait Users: Send + Sync {
    /// Creates a user with its external ids and extra values; fails with
    /// [`crate::DomainError::UsernameTaken`] or [`crate::DomainError::ExternalIdTaken`]
    /// and then stores nothing.
    async fn create_user(&self, new: NewUser) -> DomainResult<User>;
    /// Applies a patch; extra values for fields that do not exist are skipped.
    async fn update_user(&self, id: UserId, patch: UserPatch) -> DomainResult<User>;
    /// Deletes a user with its enrolments, credentials, external ids and extra values.
    async fn delete_user(&self, id: UserId) -> DomainResult<()>;
    /// Replaces the stored password hash (after a sign-in that asked for an upgrade).
    async fn set_password(&self, id: UserId, hash: Option<PasswordHash>) -> DomainResult<()>;
    /// The user with this id.
    async fn user(&self, id: UserId) -> DomainResult<Option<User>>;
    /// The user with this username, compared case-insensitively.
    async fn user_by_username(&self, username: &Username) -> DomainResult<Option<User>>;
    /// The user carrying external id (`name`, `value`), compared exactly.
    ///
    /// One lookup where [`Attributes::find_by_external_id`] followed by [`Users::user`] would
    /// be two: the dialects that address users by external id (Chamilo SOAP) call it on
    /// every request.
    async fn user_by_external_id(&self, name: &str, value: &str) -> DomainResult<Option<User>>;
    /// Users ordered by id.
    async fn list_users(&self, page: Page) -> DomainResult<Vec<User>>;
    /// How many users there are, optionally only active or inactive ones.
    async fn count_users(&self, active: Option<bool>) -> DomainResult<u64>;
}

/// Courses: create, read, change, soft-delete.
#[async_trait]
pub trait Courses: Send + Sync {
    /// Creates a course with its external ids and extra values.
    async fn create_course(&self, new: NewCourse) -> DomainResult<Course>;
    /// Applies a patch.
    async fn update_course(&self, id: CourseId, patch: CoursePatch) -> DomainResult<Course>;
    /// Soft-deletes a course: it keeps its row (and enrolments) but is hidden from lookups.
    async fn delete_course(&self, id: CourseId) -> DomainResult<()>;
    /// The course with this id, deleted or not.
    async fn course(&self, id: CourseId) -> DomainResult<Option<Course>>;
    /// The live course with this code.
    async fn course_by_code(&self, code: &str) -> DomainResult<Option<Course>>;
    /// Live courses ordered by id.
    async fn list_courses(&self, page: Page) -> DomainResult<Vec<Course>>;
}

/// Enrolments of users in courses.
#[async_trait]
pub trait Enrolments: Send + Sync {
    /// Enrols a user, or changes the role and status of an existing enrolment.
    async fn enrol(
        &self,
        user: UserId,
        course: CourseId,
        role: EnrolmentRole,
        status: EnrolmentStatus,
    ) -> DomainResult<Enrolment>;
    /// Removes an enrolment; `false` if there was none.
    async fn unenrol(&self, user: UserId, course: CourseId) -> DomainResult<bool>;
    /// One enrolment.
    async fn enrolment(&self, user: UserId, course: CourseId) -> DomainResult<Option<Enrolment>>;
    /// A user's enrolments in live courses, ordered by course id.
    async fn user_enrolments(&self, user: UserId) -> DomainResult<Vec<Enrolment>>;
    /// A course's enrolments, ordered by user id.
    async fn course_enrolments(&self, course: CourseId) -> DomainResult<Vec<Enrolment>>;
}

/// Course sessions: time-boxed groupings of courses and users (Chamilo sessions).
///
/// Chamilo SOAP `WS*Session*` and REST `save_session`/`add_*_session` work on these
/// (specs/chamilo.md §4.3, §6).
#[async_trait]
pub trait CourseSessions: Send + Sync {
    /// Creates a session with its external ids and extra values; fails with
    /// [`crate::DomainError::SessionNameTaken`], [`crate::DomainError::ExternalIdTaken`] or
    /// [`crate::DomainError::UserNotFound`] (coach) and then stores nothing.
    async fn create_session(&self, new: NewCourseSession) -> DomainResult<CourseSession>;
    /// Applies a patch; extra values for fields that do not exist are skipped.
    async fn update_session(
        &self,
        id: CourseSessionId,
        patch: CourseSessionPatch,
    ) -> DomainResult<CourseSession>;
    /// Deletes a session for good, with its user and course relations, external ids and
    /// extra values (Chamilo's `WSDeleteSession` is a hard delete).
    async fn delete_session(&self, id: CourseSessionId) -> DomainResult<()>;
    /// The session with this id.
    async fn session(&self, id: CourseSessionId) -> DomainResult<Option<CourseSession>>;
    /// The session with this exact name.
    async fn session_by_name(&self, name: &str) -> DomainResult<Option<CourseSession>>;
    /// Sessions ordered by id.
    async fn list_sessions(&self, page: Page) -> DomainResult<Vec<CourseSession>>;
    /// Adds a user to a session; `false` if the user was already in it.
    async fn add_session_user(&self, session: CourseSessionId, user: UserId) -> DomainResult<bool>;
    /// Removes a user from a session; `false` if the user was not in it.
    async fn remove_session_user(
        &self,
        session: CourseSessionId,
        user: UserId,
    ) -> DomainResult<bool>;
    /// The users of a session, ordered by id.
    async fn session_users(&self, session: CourseSessionId) -> DomainResult<Vec<UserId>>;
    /// The sessions a user is in, ordered by id.
    async fn user_sessions(&self, user: UserId) -> DomainResult<Vec<CourseSessionId>>;
    /// Adds a live course to a session; `false` if it was already in it.
    async fn add_session_course(
        &self,
        session: CourseSessionId,
        course: CourseId,
    ) -> DomainResult<bool>;
    /// Removes a course from a session; `false` if it was not in it.
    async fn remove_session_course(
        &self,
        session: CourseSessionId,
        course: CourseId,
    ) -> DomainResult<bool>;
    /// The courses of a session, ordered by id.
    async fn session_courses(&self, session: CourseSessionId) -> DomainResult<Vec<CourseId>>;
}

/// The typed description sections of courses (Chamilo's course descriptions, kinds 1–8).
///
/// SOAP `WSCourseDescription` reads them and `WSEditCourseDescription` upserts one
/// (specs/chamilo.md §4.2).
#[async_trait]
pub trait CourseDescriptions: Send + Sync {
    /// The course's stored sections, ordered by kind (missing kinds are simply absent).
    async fn course_descriptions(&self, course: CourseId) -> DomainResult<Vec<CourseDescription>>;
    /// Creates or replaces the course's section `kind` (1–8); fails with
    /// [`crate::DomainError::CourseNotFound`] for a missing course.
    async fn set_course_description(
        &self,
        course: CourseId,
        kind: i64,
        title: &str,
        content: &str,
    ) -> DomainResult<CourseDescription>;
}

/// External ids and extra fields of users, courses and sessions.
#[async_trait]
pub trait Attributes: Send + Sync {
    /// The entity of `kind` that carries external id (`name`, `value`), compared exactly.
    async fn find_by_external_id(
        &self,
        kind: EntityKind,
        name: &str,
        value: &str,
    ) -> DomainResult<Option<i64>>;
    /// Sets (or replaces) the entity's value for external id `name`.
    async fn set_external_id(&self, entity: EntityRef, name: &str, value: &str)
    -> DomainResult<()>;
    /// The entity's external ids, ordered by name.
    async fn external_ids(&self, entity: EntityRef) -> DomainResult<Vec<ExternalId>>;
    /// Creates the extra field `name` for `kind` if it does not exist.
    async fn define_extra_field(&self, kind: EntityKind, name: &str) -> DomainResult<()>;
    /// Whether extra field `name` exists for `kind`.
    async fn extra_field_exists(&self, kind: EntityKind, name: &str) -> DomainResult<bool>;
    /// The names of `kind`'s extra fields, ordered.
    async fn extra_fields(&self, kind: EntityKind) -> DomainResult<Vec<String>>;
    /// Sets the entity's value of field `name`; `false` (and nothing stored) if the field does
    /// not exist (Chamilo's edit rule).
    async fn set_extra_value(
        &self,
        entity: EntityRef,
        name: &str,
        value: &str,
    ) -> DomainResult<bool>;
    /// The entity's extra values, ordered by field name.
    async fn extra_values(&self, entity: EntityRef) -> DomainResult<Vec<ExtraValue>>;
}

/// The identity store as the dialects see it: users, courses, enrolments, course sessions,
/// course descriptions and their attributes.
pub trait Directory:
    Users + Courses + Enrolments + CourseSessions + CourseDescriptions + Attributes
{
}

impl<T: Users + Courses + Enrolments + CourseSessions + CourseDescriptions + Attributes + ?Sized>
    Directory for T
{
}

/// Credentials of users and applications, secrets encrypted at rest.
#[async_trait]
pub trait Credentials: Send + Sync {
    /// Issues a credential; its public id must be unique.
    async fn issue_credential(&self, new: NewCredential) -> DomainResult<Credential>;
    /// The credential with this public id.
    async fn credential(&self, public_id: &str) -> DomainResult<Option<Credential>>;
    /// The credential with this id.
    async fn credential_by_id(&self, id: CredentialId) -> DomainResult<Option<Credential>>;
    /// Credentials matching a filter, ordered by id.
    async fn list_credentials(&self, filter: CredentialFilter) -> DomainResult<Vec<Credential>>;
    /// The credential of `kind` whose secret is `secret` (found by its SHA-256 lookup hash and
    /// confirmed in constant time), revoked or not: the caller decides.
    async fn find_by_secret(
        &self,
        kind: CredentialKind,
        secret: &Secret,
    ) -> DomainResult<Option<Credential>>;
    /// The credential with this public id together with its decrypted secret and its owner,
    /// read in one round trip: what checking a request signed with the credential's secret
    /// needs (Wildix S2S), instead of [`Credentials::credential`], [`Credentials::reveal`]
    /// and [`Users::user`] one after the other.
    async fn signing_credential(&self, public_id: &str) -> DomainResult<Option<SigningCredential>>;
    /// As [`Credentials::find_by_secret`], with the credential's owner and, when `with_extra`,
    /// the owner's extra values, read in the same round trip: a key check that goes on to
    /// load its user (Chamilo REST) costs one query instead of two or three.
    async fn find_by_secret_with_owner(
        &self,
        kind: CredentialKind,
        secret: &Secret,
        with_extra: bool,
    ) -> DomainResult<Option<CredentialHolder>>;
    /// Decrypts a credential's secret, to verify a signature or to show it on request.
    async fn reveal(&self, id: CredentialId) -> DomainResult<Secret>;
    /// Replaces a credential's secret.
    async fn rotate_credential(&self, id: CredentialId, secret: Secret)
    -> DomainResult<Credential>;
    /// Revokes a credential for good.
    async fn revoke_credential(&self, id: CredentialId) -> DomainResult<Credential>;
}

/// Site-wide secrets (Chamilo `security_key`, Forma key/secret/SSO secret), encrypted at rest.
#[async_trait]
pub trait SiteSecrets: Send + Sync {
    /// The secret called `name`, if set.
    async fn site_secret(&self, name: &str) -> DomainResult<Option<Secret>>;
    /// Sets the secret called `name`.
    async fn put_site_secret(&self, name: &str, value: &Secret) -> DomainResult<()>;
    /// Sets the secret called `name` only if it is not set yet; `true` if this call set it.
    /// Instances starting together on one database all keep the first value written.
    async fn create_site_secret(&self, name: &str, value: &Secret) -> DomainResult<bool>;
    /// The names of the secrets that are set, ordered.
    async fn site_secret_names(&self) -> DomainResult<Vec<String>>;
}

/// The audit trail.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Records one event.
    async fn record(&self, event: AuditEvent) -> DomainResult<()>;
    /// Records `events` in order, all or none, in one transaction: what the server's audit
    /// writer uses to store events it batched off the request path.
    async fn record_batch(&self, events: Vec<AuditEvent>) -> DomainResult<()>;
    /// Reads events, newest first.
    async fn audit_events(&self, query: AuditQuery) -> DomainResult<Vec<StoredAuditEvent>>;
    /// Deletes events older than `before`; returns how many.
    async fn purge_audit(&self, before: DateTime<Utc>) -> DomainResult<u64>;
}

/// Failure counters and lockouts, shared by every instance through the store (D8).
#[async_trait]
pub trait Lockouts: Send + Sync {
    /// The record of `subject`, if it has one.
    async fn lockout(&self, subject: &LockoutSubject) -> DomainResult<Option<LockoutState>>;
    /// Counts one failure of `subject` at `now` under `policy`, atomically (concurrent
    /// failures on several instances are all counted); returns the new record.
    async fn record_failure(
        &self,
        subject: &LockoutSubject,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> DomainResult<LockoutState>;
    /// Forgets `subject`'s failures (after a success, or by an operator); `false` if it had none.
    async fn clear_lockout(&self, subject: &LockoutSubject) -> DomainResult<bool>;
    /// Subjects with failures or a lockout, most recent failure first.
    async fn list_lockouts(&self) -> DomainResult<Vec<LockoutState>>;
}

/// Liveness of the store, for `/healthz`.
#[async_trait]
pub trait Health: Send + Sync {
    /// Answers `Ok` if the store can serve a query now.
    async fn ping(&self) -> DomainResult<()>;
}

/// Everything a store provides; what `AppState` holds.
pub trait Store:
    Directory
    + Credentials
    + SiteSecrets
    + Audit
    + Lockouts
    + Health
    + crate::Sessions
    + crate::Crm
    + crate::Markers
    + crate::RestTokens
    + crate::Categories
    + crate::Pbx
{
}

impl<T> Store for T where
    T: Directory
        + Credentials
        + SiteSecrets
        + Audit
        + Lockouts
        + Health
        + crate::Sessions
        + crate::Crm
        + crate::Markers
        + crate::RestTokens
        + crate::Categories
        + crate::Pbx
        + ?Sized
{
}
