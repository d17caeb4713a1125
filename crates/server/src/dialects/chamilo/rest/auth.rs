//! REST authentication: `authenticate` (username + password → the user's stable API key)
//! and the `username` + `api_key` check of every other action (specs/chamilo.md §6).
//!
//! Every decision is one audit event. Failures answer Chamilo's own texts ("Invalid user
//! detected.", "Invalid API key") and, where diagnostics are on, say why in
//! `X-Gatehouse-Diagnostic` (D16); REST has no canonical string, so only the reason shows.

use std::net::{IpAddr, Ipv4Addr};

use chrono::Utc;
use gatehouse_domain::{
    CredentialFilter, CredentialHolder, CredentialKind, Credentials, DomainError, ExtraValue,
    NewCredential, Principal, Secret, User, UserId, Username, Users,
};

use super::error::RestError;
use crate::credentials;
use crate::edge::auth::record;
use crate::edge::guard::audit_throttled;
use crate::edge::password::{BUSY_RETRY_AFTER, PasswordVerdict, check_password};
use crate::edge::{AuthFailure, AuthRecord, PasswordPoolError};
use crate::state::AppState;

/// The configuration section whose `[chamilo.guard]` rate keys apply.
const RATE_SECTION: &str = "chamilo";

/// A refused call: the envelope's error and, for authentication decisions, the failure
/// that goes to the audit trail and the diagnostic header.
#[derive(Debug)]
pub struct Refusal {
    /// What the caller is told.
    pub error: RestError,
    /// Why, for audit and diagnostics.
    pub failure: Option<AuthFailure>,
}

impl From<RestError> for Refusal {
    fn from(error: RestError) -> Self {
        Self {
            error,
            failure: None,
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user the key belongs to.
    pub user: User,
    /// What the operations may do as them.
    pub principal: Principal,
    /// Their extra values ordered by field name, when read with the key check.
    pub extra: Option<Vec<ExtraValue>>,
}

impl Caller {
    /// Whether the caller is a platform administrator.
    pub fn is_admin(&self) -> bool {
        self.principal.is_admin
    }
}

/// Records a failure and turns it into the answer `error`.
async fn refuse(
    state: &AppState,
    audit: &AuthRecord,
    error: RestError,
    failure: AuthFailure,
) -> Refusal {
    record(state.store.as_ref(), audit.failure(&failure)).await;
    Refusal {
        error,
        failure: Some(failure),
    }
}

fn internal(error: &DomainError, audit: &AuthRecord) -> Refusal {
    RestError::from_domain(error, audit.request_id.as_deref().unwrap_or("-")).into()
}

/// `authenticate`: refuses locked names and IPs unchecked, counts wrong passwords towards
/// a lockout (D8), checks the password on the password pool, upgrades a legacy or weaker
/// hash to Argon2id, refuses inactive and expired users (D18, unlike Chamilo), and returns
/// the user with their API key, issued on the first success and the same ever after (D12).
pub async fn authenticate(
    state: &AppState,
    audit: &AuthRecord,
    username: &str,
    password: &str,
) -> Result<(User, Secret), Refusal> {
    let invalid = |reason: &'static str| AuthFailure::new(reason).claimed(username);
    if username.trim().is_empty() || password.is_empty() {
        let failure = invalid("missing_credentials");
        return Err(refuse(state, audit, RestError::InvalidUser, failure).await);
    }
    let user = match Username::parse(username) {
        Ok(name) => state
            .store
            .user_by_username(&name)
            .await
            .map_err(|e| internal(&e, audit))?,
        Err(_) => None,
    };
    let ip = audit.ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    // Rate limits first (D10): a password check is the expensive path.
    if let Err(throttled) =
        state
            .guard
            .throttle_sign_in(RATE_SECTION, "rest:authenticate", ip, Some(username))
    {
        audit_throttled(state.store.as_ref(), audit, throttled, Some(username)).await;
        return Err(RestError::TooManyRequests(throttled.retry_after).into());
    }
    // A locked name or IP gets exactly a wrong password's answer, unchecked (D8, D9).
    let checked = match state.guard.check(Some(username), ip).await {
        Ok(checked) => checked,
        Err(failure) => return Err(refuse(state, audit, RestError::InvalidUser, failure).await),
    };
    let verdict = match check_password(state, user.as_ref(), password).await {
        Ok(verdict) => verdict,
        Err(PasswordPoolError::Busy) => {
            let failure = invalid("rate_limited");
            let error = RestError::TooManyRequests(BUSY_RETRY_AFTER);
            return Err(refuse(state, audit, error, failure).await);
        }
        Err(PasswordPoolError::Failed) => {
            let id = audit.request_id.clone().unwrap_or_default();
            return Err(RestError::Internal(id).into());
        }
    };
    let user = match (user, verdict) {
        (Some(user), PasswordVerdict::Valid) => user,
        (_, verdict) => {
            // A wrong credential counts towards a lockout; an unknown name counts against the name (D8).
            let mut failure = invalid(verdict.reason());
            failure.locked_until = state.guard.failure(Some(username), ip).await;
            return Err(refuse(state, audit, RestError::InvalidUser, failure).await);
        }
    };
    // Checked after the password, so a wrong guess cannot learn that an account is disabled.
    if !user.can_sign_in(Utc::now()) {
        let reason = if user.active { "expired" } else { "inactive" };
        return Err(refuse(state, audit, RestError::InvalidUser, invalid(reason)).await);
    }
    state.guard.success(checked, username).await;
    let key = user_api_key(state.store.as_ref(), user.id, true)
        .await
        .map_err(|e| internal(&e, audit))?
        .ok_or_else(|| internal(&DomainError::Internal("no api key issued".into()), audit))?;
    let principal = principal_for(&user, None);
    state.audit.record_decision(audit.success(&principal)).await;
    Ok((user, key))
}

/// Checks `username` + `api_key`: the key is found by its lookup hash and confirmed in
/// constant time, must be usable from this IP, and must belong to that (active) user.
/// A missing key answers "Invalid API key", where Chamilo crashed with HTTP 500 (§6).
/// With `with_extra` the caller comes with their extra values (for `user_profile`).
pub async fn verify_key(
    state: &AppState,
    audit: &AuthRecord,
    username: &str,
    api_key: &str,
    with_extra: bool,
) -> Result<Caller, Refusal> {
    let invalid = |reason: &'static str| AuthFailure::new(reason).claimed(username);
    if api_key.is_empty() {
        return Err(refuse(
            state,
            audit,
            RestError::InvalidApiKey,
            invalid("missing_key"),
        )
        .await);
    }
    // The key with its owner (and the owner's extra values when the action shows them) in
    // one store round trip; the owner must be the user named, compared as the username
    // lookup compares (case-insensitively).
    let holder = state
        .store
        .find_by_secret_with_owner(
            CredentialKind::ChamiloApiKey,
            &Secret::new(api_key),
            with_extra,
        )
        .await
        .map_err(|e| internal(&e, audit))?;
    let claimed = Username::parse(username).ok();
    let Some(CredentialHolder {
        credential,
        owner: user,
        extra,
    }) = holder
    else {
        return Err(refuse(state, audit, RestError::InvalidApiKey, invalid("mismatch")).await);
    };
    let now = Utc::now();
    let reason = if claimed.is_none_or(|name| name.folded() != user.username.folded()) {
        Some("mismatch")
    } else if !credential.is_usable(now) {
        Some(if credential.revoked_at.is_some() {
            "revoked"
        } else {
            "expired"
        })
    } else if audit.ip.is_some_and(|ip| !credential.allows_ip(ip)) {
        Some("ip_not_allowed")
    } else if !user.can_sign_in(now) {
        Some("inactive")
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(refuse(state, audit, RestError::InvalidApiKey, invalid(reason)).await);
    }
    let principal = principal_for(&user, Some(credential.id));
    state.audit.record_decision(audit.success(&principal)).await;
    // Per key, once it is known good (off by default, D10).
    let key = format!("api_key:{}", credential.id.0);
    if let Err(throttled) = state.guard.throttle_credential(RATE_SECTION, &key) {
        audit_throttled(state.store.as_ref(), audit, throttled, Some(username)).await;
        return Err(RestError::TooManyRequests(throttled.retry_after).into());
    }
    Ok(Caller {
        user,
        principal,
        extra,
    })
}

/// The per-IP limit, before anything else a request does (off by default, D10).
pub async fn throttle_ip(state: &AppState, audit: &AuthRecord) -> Result<(), Refusal> {
    let ip = audit.ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    match state.guard.throttle_ip(RATE_SECTION, ip) {
        Ok(()) => Ok(()),
        Err(throttled) => {
            audit_throttled(state.store.as_ref(), audit, throttled, None).await;
            Err(RestError::TooManyRequests(throttled.retry_after).into())
        }
    }
}

fn principal_for(user: &User, credential: Option<gatehouse_domain::CredentialId>) -> Principal {
    Principal {
        user: Some((user.id, user.username.clone())),
        is_admin: user.is_admin,
        scheme: if credential.is_some() {
            "api_key"
        } else {
            "password"
        },
        credential,
    }
}

/// The user's REST API key: the oldest usable `chamilo-api-key` credential, decrypted
/// (D12); with `create`, one is issued when the user has none. One key per user, as
/// Chamilo's `user_api_key` row per (user, `MsgREST`), so `authenticate`, the key actions
/// and the sandbox credentials file all show the same key.
pub async fn user_api_key<S: Credentials + ?Sized>(
    store: &S,
    owner: UserId,
    create: bool,
) -> Result<Option<Secret>, DomainError> {
    let now = Utc::now();
    let existing = store
        .list_credentials(CredentialFilter {
            owner: Some(owner),
            kind: Some(CredentialKind::ChamiloApiKey),
            include_revoked: false,
        })
        .await?
        .into_iter()
        .find(|c| c.is_usable(now));
    match existing {
        Some(credential) => store.reveal(credential.id).await.map(Some),
        None if create => {
            let secret = credentials::new_secret(CredentialKind::ChamiloApiKey);
            store
                .issue_credential(NewCredential {
                    kind: CredentialKind::ChamiloApiKey,
                    owner,
                    public_id: credentials::new_public_id(CredentialKind::ChamiloApiKey, ""),
                    label: String::new(),
                    secret: secret.clone(),
                    allowed_cidrs: Vec::new(),
                    expires_at: None,
                })
                .await?;
            Ok(Some(secret))
        }
        None => Ok(None),
    }
}

/// The user called `name` (case-insensitively); `None` for a name that cannot be one.
pub async fn find_user<S: Users + ?Sized>(
    store: &S,
    name: &str,
) -> Result<Option<User>, DomainError> {
    match Username::parse(name) {
        Ok(name) => store.user_by_username(&name).await,
        Err(_) => Ok(None),
    }
}
