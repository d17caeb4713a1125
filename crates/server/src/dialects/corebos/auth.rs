//! getchallenge / login / logout / extendsession, and sessions -> [`Caller`]
//! (specs/corebos.md §4, §5, §7; D1, D7, D15, D18).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use gatehouse_domain::{
    Credential, CredentialFilter, CredentialKind, Principal, Secret, SessionKind, SessionLimits,
    User, UserId, Username,
};
use rand::Rng;

use super::codec::Reply;
use super::config::ChallengeMode;
use super::error::CorebosError;
use super::json::Json;
use super::router::Refusal;
use gatehouse_schemes::corebos;

use crate::edge::guard::audit_throttled;
use crate::edge::password::{BUSY_RETRY_AFTER, PasswordVerdict, check_password};
use crate::edge::{AuthFailure, AuthRecord, PasswordPoolError};
use crate::state::AppState;

/// The ws entity id of `Users` in stock installs, so the admin is `19x1` (§5, §9).
pub const USERS_PREFIX: i64 = 19;

/// The constant API version `login` reports (§5).
const API_VERSION: &str = "0.22";

/// What `vtigerVersion` reports: stock coreBOS ships 5.5.0 (§5, §15).
const VTIGER_VERSION: &str = "5.5.0";

/// The cookie of a browser session (D15).
pub const WEB_SESSION_COOKIE: &str = "gatehouse_session";

/// The authenticated caller of a post-login operation.
#[derive(Debug, Clone)]
pub struct Caller {
    /// What the session proves.
    pub principal: Principal,
    /// The user, as loaded for this request.
    pub user: User,
}

impl Caller {
    /// The caller's coreBOS user id, `19x<id>`.
    pub fn ws_id(&self) -> String {
        user_ws_id(self.user.id)
    }
}

/// `19x<id>`.
pub fn user_ws_id(id: UserId) -> String {
    format!("{USERS_PREFIX}x{id}")
}

/// The configuration section whose `[corebos.guard]` rate keys apply.
const RATE_SECTION: &str = "corebos";

/// The per-IP limit, before anything else a request does (off by default, D10).
/// `login` answers with its own code (D9).
pub async fn throttle_ip(
    state: &AppState,
    origin: &Origin,
    operation: &str,
) -> Result<(), Refusal> {
    match state.guard.throttle_ip(RATE_SECTION, origin.ip) {
        Ok(()) => Ok(()),
        Err(throttled) => {
            let record = origin.record("none", operation);
            audit_throttled(state.store.as_ref(), &record, throttled, None).await;
            Err(too_many(operation, throttled.retry_after).into())
        }
    }
}

/// The rate-limit answer of `operation` (D9).
fn too_many(operation: &str, seconds: u64) -> CorebosError {
    if operation == "login" {
        CorebosError::LoginTooManyRequests(seconds)
    } else {
        CorebosError::TooManyRequests(seconds)
    }
}

/// The per-credential limit of a session's requests, keyed by the session's user, so
/// opening more sessions does not buy more requests (off by default, D10).
pub async fn throttle_caller(
    state: &AppState,
    origin: &Origin,
    operation: &str,
    caller: &Caller,
) -> Result<(), Refusal> {
    let key = format!("user:{}", caller.user.id.0);
    match state.guard.throttle_credential(RATE_SECTION, &key) {
        Ok(()) => Ok(()),
        Err(throttled) => {
            let record = origin.record("session", operation);
            let name = caller.user.username.as_str();
            audit_throttled(state.store.as_ref(), &record, throttled, Some(name)).await;
            Err(CorebosError::TooManyRequests(throttled.retry_after).into())
        }
    }
}

/// The sign-in limits of `getchallenge` and `login`, per (IP, operation) and per username
/// (D10); `login` answers with its own code (D9).
async fn throttle_sign_in(
    state: &AppState,
    origin: &Origin,
    operation: &'static str,
    username: &str,
) -> Result<(), Refusal> {
    let Err(throttled) =
        state
            .guard
            .throttle_sign_in(RATE_SECTION, operation, origin.ip, Some(username))
    else {
        return Ok(());
    };
    let record = origin.record("challenge", operation);
    audit_throttled(state.store.as_ref(), &record, throttled, Some(username)).await;
    Err(too_many(operation, throttled.retry_after).into())
}

/// Issues a single-use challenge; several may be outstanding per user (D1, §4).
pub async fn challenge(
    state: &AppState,
    origin: &Origin,
    username: &str,
) -> Result<Reply, Refusal> {
    throttle_sign_in(state, origin, "getchallenge", username).await?;
    let not_found = || CorebosError::ChallengeUserNotFound(username.to_owned());
    let name = Username::parse(username).map_err(|_| not_found())?;
    let user = state
        .store
        .user_by_username(&name)
        .await
        .map_err(CorebosError::from)?
        .ok_or_else(not_found)?;
    let now = Utc::now();
    let ttl = secs(state.config.corebos.challenge_ttl);
    let token = corebos::generate_challenge_token(&mut rand::thread_rng());
    let challenge = state
        .store
        .issue_challenge(user.id, &token, now, now + ttl)
        .await
        .map_err(CorebosError::from)?;
    let expire = challenge.expires_at.timestamp();
    let expire_time = match state.config.corebos.challenge_mode {
        // The Go client type-asserts a string (D1).
        ChallengeMode::Corebos => Json::Str(expire.to_string()),
        ChallengeMode::Vtiger => Json::Int(expire),
    };
    Ok(Reply::new(Json::object([
        ("token", Json::Str(token)),
        ("serverTime", Json::Int(now.timestamp())),
        ("expireTime", expire_time),
    ])))
}

/// Who is asking, for audit events.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The resolved client IP.
    pub ip: IpAddr,
    /// The request id.
    pub request_id: Option<String>,
}

impl Origin {
    fn record(&self, scheme: &'static str, operation: &str) -> AuthRecord {
        AuthRecord {
            dialect: "corebos",
            scheme,
            operation: operation.to_owned(),
            ip: Some(self.ip),
            request_id: self.request_id.clone(),
        }
    }
}

/// Logs in with `md5(token + access key)` in coreBOS's check order (§5): unknown user,
/// no live challenge, no access key, wrong proof, inactive user. A success consumes exactly
/// the challenge it used (D1) and opens a fresh session.
pub async fn login(
    state: &AppState,
    origin: &Origin,
    username: &str,
    sent: &str,
) -> Result<Reply, Refusal> {
    let record = origin.record("challenge", "login");
    let refuse = |error: CorebosError, failure: AuthFailure| {
        let failure = failure.claimed(username);
        let event = record.failure(&failure);
        let store = state.store.clone();
        async move {
            crate::edge::auth::record(store.as_ref(), event).await;
            Refusal::new(error).with_failure(failure)
        }
    };
    throttle_sign_in(state, origin, "login", username).await?;
    // Guard before verify (D8): a locked name or IP gets a wrong credential's answer, unchecked.
    let checked = match state.guard.check(Some(username), origin.ip).await {
        Ok(checked) => checked,
        Err(locked) => return Err(refuse(CorebosError::InvalidUserCredentials, locked).await),
    };
    let now = Utc::now();
    let user = match Username::parse(username) {
        Ok(name) => state
            .store
            .user_by_username(&name)
            .await
            .map_err(CorebosError::from)?,
        Err(_) => None,
    };
    let Some(user) = user else {
        // An unknown username counts against the name given (D8).
        let mut failure = AuthFailure::new("unknown_user");
        failure.locked_until = state.guard.failure(Some(username), origin.ip).await;
        return Err(refuse(CorebosError::LoginUserNotFound, failure).await);
    };
    let challenges = state
        .store
        .live_challenges(user.id, now)
        .await
        .map_err(CorebosError::from)?;
    let Some(newest) = challenges.first().cloned() else {
        return Err(refuse(CorebosError::InvalidAuthToken, AuthFailure::new("expired")).await);
    };
    let keys = access_keys(state, user.id, origin.ip, now).await?;
    if keys.is_empty() && !state.config.corebos.password_login {
        return Err(refuse(
            CorebosError::AccessKeyUndefined,
            AuthFailure::new("secret_unset"),
        )
        .await);
    }
    // Every outstanding challenge is tried (D1); the newest one explains a failure (D16).
    let mut first_error = None;
    let mut matched = None;
    'search: for challenge in &challenges {
        for (_, key) in &keys {
            match corebos::verify_login(sent, &challenge.token, key.expose()) {
                Ok(()) => {
                    matched = Some(challenge.clone());
                    break 'search;
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    if matched.is_none() {
        matched = password_match(state, &user, &challenges, sent).await?;
    }
    let Some(challenge) = matched else {
        let redacted = corebos::redacted_input(&newest.token);
        let failure = match first_error {
            Some(error) => AuthFailure::new(error.reason_code()).diagnosis(
                error.canonical().map_or(redacted, str::to_owned),
                error.expected().map(str::to_owned),
            ),
            None => AuthFailure::new("mismatch").diagnosis(redacted, None),
        };
        let mut failure = failure;
        failure.locked_until = state.guard.failure(Some(username), origin.ip).await;
        return Err(refuse(CorebosError::InvalidUserCredentials, failure).await);
    };
    if !user.can_sign_in(now) {
        return Err(refuse(CorebosError::UserInactive, AuthFailure::new("inactive")).await);
    }
    if !state
        .store
        .consume_challenge(challenge.id, now)
        .await
        .map_err(CorebosError::from)?
    {
        // Another login used this token first: it never logs in twice (D1).
        return Err(refuse(CorebosError::InvalidAuthToken, AuthFailure::new("replayed")).await);
    }
    state.guard.success(checked, username).await;
    let principal = principal_of(&user, "challenge");
    let reply = open_session(state, &user).await?;
    state
        .audit
        .record_decision(record.success(&principal))
        .await;
    Ok(reply)
}

/// The password alternative `accessKey = token + password`, only when configured (§5).
///
/// The password is checked the one shared way ([`check_password`]): on the password pool,
/// a user without a password against the decoy hash, a legacy hash upgraded on success.
/// Lockout bookkeeping stays with [`login`], which counts this like any wrong proof.
async fn password_match(
    state: &AppState,
    user: &User,
    challenges: &[gatehouse_domain::Challenge],
    sent: &str,
) -> Result<Option<gatehouse_domain::Challenge>, Refusal> {
    if !state.config.corebos.password_login {
        return Ok(None);
    }
    let Some(challenge) = challenges
        .iter()
        .find(|c| sent.starts_with(c.token.as_str()))
    else {
        return Ok(None);
    };
    let password = &sent[challenge.token.len()..];
    let verdict =
        check_password(state, Some(user), password)
            .await
            .map_err(|error| match error {
                PasswordPoolError::Busy => CorebosError::LoginTooManyRequests(BUSY_RETRY_AFTER),
                PasswordPoolError::Failed => CorebosError::Internal,
            })?;
    Ok((verdict == PasswordVerdict::Valid).then(|| challenge.clone()))
}

/// The user's usable access keys, revealed for the proof (each is a credential, D12).
async fn access_keys(
    state: &AppState,
    user: UserId,
    ip: IpAddr,
    now: DateTime<Utc>,
) -> Result<Vec<(Credential, Secret)>, Refusal> {
    let credentials = state
        .store
        .list_credentials(CredentialFilter {
            owner: Some(user),
            kind: Some(CredentialKind::CorebosAccessKey),
            include_revoked: false,
        })
        .await
        .map_err(CorebosError::from)?;
    let mut keys = Vec::new();
    for credential in credentials {
        if credential.is_usable(now) && credential.allows_ip(ip) {
            let secret = state
                .store
                .reveal(credential.id)
                .await
                .map_err(CorebosError::from)?;
            if !secret.is_empty() {
                keys.push((credential, secret));
            }
        }
    }
    Ok(keys)
}

/// Opens a web-service session for `user` and renders the LoginResult (§5).
async fn open_session(state: &AppState, user: &User) -> Result<Reply, Refusal> {
    let sid = new_session_id();
    let now = Utc::now();
    // Housekeeping rides on logins: dead sessions and expired challenges go.
    if let Err(error) = state
        .store
        .purge_expired(SessionKind::Webservice, limits(state, now), now)
        .await
    {
        tracing::warn!(%error, "expired coreBOS sessions not purged");
    }
    state
        .store
        .open_session(
            SessionKind::Webservice,
            &Secret::new(sid.clone()),
            user.id,
            now,
        )
        .await
        .map_err(CorebosError::from)?;
    Ok(Reply::new(Json::object([
        ("sessionName", Json::Str(sid)),
        ("userId", Json::Str(user_ws_id(user.id))),
        ("version", Json::str(API_VERSION)),
        ("vtigerVersion", Json::str(VTIGER_VERSION)),
    ])))
}

/// A session id: 26 characters of `[0-9a-v]` (130 random bits), the shape of a PHP
/// session id, so every client and the old 34-character columns take it (§7).
fn new_session_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    let mut rng = rand::thread_rng();
    (0..26)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

fn secs(n: u64) -> Duration {
    Duration::seconds(
        i64::try_from(n)
            .unwrap_or(i64::MAX / 1000)
            .min(i64::MAX / 1000),
    )
}

fn limits(state: &AppState, now: DateTime<Utc>) -> SessionLimits {
    SessionLimits {
        idle_since: now - secs(state.config.corebos.session_idle),
        created_since: now - secs(state.config.corebos.session_lifetime),
    }
}

fn principal_of(user: &User, scheme: &'static str) -> Principal {
    Principal {
        user: Some((user.id, user.username.clone())),
        is_admin: user.is_admin,
        scheme,
        credential: None,
    }
}

/// Resumes the request's session: unknown, idle-expired and absolute-expired sessions, and
/// sessions of users who may no longer sign in, are `AUTHENTICATION_REQUIRED` (D7). A
/// refusal is audited; a success is not (it is one per request, and the login was).
pub async fn resume(
    state: &AppState,
    origin: &Origin,
    operation: &str,
    sid: Option<&str>,
) -> Result<Caller, CorebosError> {
    let reason = match sid {
        None => "missing",
        Some(sid) => match live_caller(state, sid).await? {
            Some(caller) => return Ok(caller),
            None => "unknown_session",
        },
    };
    let event = origin
        .record("session", operation)
        .failure(&AuthFailure::new(reason));
    crate::edge::auth::record(state.store.as_ref(), event).await;
    Err(CorebosError::AuthenticationRequired)
}

async fn live_caller(state: &AppState, sid: &str) -> Result<Option<Caller>, CorebosError> {
    let now = Utc::now();
    // The session and its user in one store round trip (plus the touch, when due).
    Ok(state
        .store
        .resume_session_with_user(
            SessionKind::Webservice,
            &Secret::new(sid),
            limits(state, now),
            now,
        )
        .await?
        .map(|(_, user)| user)
        .filter(|u| u.can_sign_in(now))
        .map(|user| Caller {
            principal: principal_of(&user, "session"),
            user,
        }))
}

/// Ends the session: `{"message":"successfull"}` (sic, §7). When the id came only in the
/// header, coreBOS keeps the session and answers `session error`; so does gatehouse.
pub async fn logout(
    state: &AppState,
    sid: Option<&str>,
    session_param: bool,
) -> Result<Reply, Refusal> {
    if !session_param {
        return Ok(Reply::new(Json::object([(
            "message",
            Json::str("session error"),
        )])));
    }
    if let Some(sid) = sid {
        state
            .store
            .close_session(SessionKind::Webservice, &Secret::new(sid))
            .await
            .map_err(CorebosError::from)?;
    }
    Ok(Reply::new(Json::object([(
        "message",
        Json::str("successfull"),
    )])))
}

/// Swaps a valid `gatehouse_session` browser cookie for a web-service session (D15, §6.2).
pub async fn extend_session(
    state: &AppState,
    origin: &Origin,
    cookie: Option<String>,
) -> Result<Reply, Refusal> {
    let record = origin.record("web_session", "extendsession");
    let now = Utc::now();
    let user = match &cookie {
        Some(value) => state
            .store
            .resume_session_with_user(
                SessionKind::Web,
                &Secret::new(value.clone()),
                limits(state, now),
                now,
            )
            .await
            .map_err(CorebosError::from)?
            .map(|(_, user)| user)
            .filter(|u| u.can_sign_in(now)),
        None => None,
    };
    let Some(user) = user else {
        let failure = AuthFailure::new(if cookie.is_some() {
            "unknown_session"
        } else {
            "missing"
        });
        crate::edge::auth::record(state.store.as_ref(), record.failure(&failure)).await;
        return Err(Refusal::new(CorebosError::NoWebSession).with_failure(failure));
    };
    let reply = open_session(state, &user).await?;
    state
        .audit
        .record_decision(record.success(&principal_of(&user, "web_session")))
        .await;
    Ok(reply)
}

/// The `gatehouse_session` cookie's value, if the request has one.
pub fn web_session_cookie(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == WEB_SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_have_the_php_shape() {
        let sid = new_session_id();
        assert_eq!(sid.len(), 26);
        assert!(
            sid.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
        );
        assert_ne!(sid, new_session_id());
    }

    #[test]
    fn the_web_session_cookie_is_found_among_others() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "a=1; gatehouse_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(web_session_cookie(&headers).as_deref(), Some("abc"));
    }
}
