//! Forma's three REST authentication methods, `auth/authenticate` and `auth/getauthmethod`
//! (specs/forma.md §3). The method is `[forma] auth_method`; module `auth` needs none.
//!
//! Hardened underneath, compatibly: an empty shared code, key or secret refuses every call
//! instead of opening the API (§6); comparisons are constant-time; tokens are stored hashed
//! (D12); an opt-in replay cache refuses an identical signature within a window, across
//! instances (store-backed markers).

use chrono::{Duration, Utc};
use gatehouse_domain::{Principal, Secret, Username};
use gatehouse_schemes::ct::ct_eq;
use gatehouse_schemes::forma;
use http::HeaderMap;

use super::codec::Params;
use super::config::AuthMethod;
use super::error::{FormaError, Refusal};
use super::output::{Value, map};
use crate::edge::auth::record as audit;
use crate::edge::password::{PasswordVerdict, check_password};
use crate::edge::{AuthFailure, AuthRecord};
use crate::site_secrets::{FORMA_API_KEY, FORMA_API_SECRET};
use crate::state::AppState;

/// Where a request came from, for audit events.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The resolved client IP.
    pub ip: std::net::IpAddr,
    /// The request id.
    pub request_id: Option<String>,
}

impl Origin {
    /// The audit context of one decision.
    pub fn record(&self, scheme: &'static str, operation: &str) -> AuthRecord {
        AuthRecord {
            dialect: "forma",
            scheme,
            operation: operation.to_owned(),
            ip: Some(self.ip),
            request_id: self.request_id.clone(),
        }
    }
}

/// The configuration section whose `[forma.guard]` rate keys apply.
pub const RATE_SECTION: &str = "forma";

/// The per-IP limit, before anything else a request does (off by default, D10).
pub async fn throttle_ip(
    state: &AppState,
    origin: &Origin,
    operation: &str,
) -> Result<(), Refusal> {
    match state.guard.throttle_ip(RATE_SECTION, origin.ip) {
        Ok(()) => Ok(()),
        Err(throttled) => {
            let record = origin.record("none", operation);
            crate::edge::guard::audit_throttled(state.store.as_ref(), &record, throttled, None)
                .await;
            Err(FormaError::TooManyRequests(throttled.retry_after).into())
        }
    }
}

/// The sign-in limits of a password check, per (IP, operation) and per username (D10).
pub async fn throttle_sign_in(
    state: &AppState,
    record: &AuthRecord,
    username: Option<&str>,
) -> Result<(), Refusal> {
    let ip = record
        .ip
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match state
        .guard
        .throttle_sign_in(RATE_SECTION, &record.operation, ip, username)
    {
        Ok(()) => Ok(()),
        Err(throttled) => {
            crate::edge::guard::audit_throttled(state.store.as_ref(), record, throttled, username)
                .await;
            Err(FormaError::TooManyRequests(throttled.retry_after).into())
        }
    }
}

/// The scope of replay-cache markers.
const REPLAY_SCOPE: &str = "forma.signature";

fn scheme_of(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Code => "shared_code",
        AuthMethod::Token => "token",
        AuthMethod::SecretKey => "signature",
    }
}

/// Checks the credential of a protected call by the configured method and records the
/// decision; the error is the one Forma's method answers.
pub async fn check(
    state: &AppState,
    origin: &Origin,
    operation: &str,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Principal, Refusal> {
    let method = state.config.forma.auth_method;
    let record = origin.record(scheme_of(method), operation);
    let store = state.store.as_ref();
    // Guard before verify (D8): the signature's lockout subject is the key it names;
    // codes and tokens name nobody, so only the IP counts for them.
    let claimed = match method {
        AuthMethod::SecretKey => headers
            .get("x-authorization")
            .map(|h| claimed_key(h.as_bytes())),
        AuthMethod::Code | AuthMethod::Token => None,
    };
    let checked = match state.guard.check(claimed.as_deref(), origin.ip).await {
        Ok(checked) => checked,
        Err(failure) => {
            audit(store, record.failure(&failure)).await;
            return Err(refuse(wrong_credential(method), failure));
        }
    };
    let result = match method {
        AuthMethod::Code => check_code(state, headers, params),
        AuthMethod::Token => check_token(state, params).await,
        AuthMethod::SecretKey => check_signature(state, headers, params).await,
    };
    match result {
        Ok(principal) => {
            if let Some(name) = &claimed {
                state.guard.success(checked, name).await;
            }
            state
                .audit
                .record_decision(record.success(&principal))
                .await;
            // Per credential once it is known good (off by default, D10): the site key or
            // shared code, or a token's user.
            let key = match principal.username() {
                Some(name) => format!("user:{}", name.to_lowercase()),
                None => principal.scheme.to_owned(),
            };
            if let Err(throttled) = state.guard.throttle_credential(RATE_SECTION, &key) {
                let name = principal.username();
                crate::edge::guard::audit_throttled(store, &record, throttled, name).await;
                return Err(FormaError::TooManyRequests(throttled.retry_after).into());
            }
            Ok(principal)
        }
        Err(mut refusal) => {
            if let Some(failure) = &mut refusal.failure {
                if counts_as_failure(failure.reason) {
                    failure.locked_until = state.guard.failure(claimed.as_deref(), origin.ip).await;
                }
                audit(store, record.failure(failure)).await;
            }
            Err(refusal)
        }
    }
}

/// What a wrong credential of `method` answers; a lockout answers the same, unchecked (D9).
fn wrong_credential(method: AuthMethod) -> FormaError {
    match method {
        AuthMethod::Code => FormaError::BadCode,
        AuthMethod::Token => FormaError::BadToken,
        AuthMethod::SecretKey => FormaError::BadSignature,
    }
}

/// Whether a refusal is a credential checked and found wrong (D8): a missing credential,
/// an unset secret, a replay or a store failure is not.
fn counts_as_failure(reason: &str) -> bool {
    !matches!(
        reason,
        "missing" | "secret_unset" | "replayed" | "store_failure"
    )
}

/// The API key an `X-Authorization` header names (before the last `:`).
fn claimed_key(header: &[u8]) -> String {
    let decoded = forma::decode_header(header);
    let key = match decoded.iter().rposition(|&b| b == b':') {
        Some(colon) => &decoded[..colon],
        None => &decoded[..],
    };
    String::from_utf8_lossy(key).into_owned()
}

fn refuse(error: FormaError, failure: AuthFailure) -> Refusal {
    Refusal {
        error,
        failure: Some(Box::new(failure)),
    }
}

/// Method 0: `auth` field or `X-Authorization` minus every `FormaLMS` and space (§3.1).
fn check_code(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Principal, Refusal> {
    let code = state
        .config
        .forma
        .shared_code
        .as_deref()
        .unwrap_or_default();
    if code.is_empty() {
        // Forma's empty default accepts everything; gatehouse refuses everything.
        return Err(refuse(
            FormaError::BadCode,
            AuthFailure::new("secret_unset"),
        ));
    }
    let field = params.text("auth").unwrap_or_default();
    let header = headers
        .get("x-authorization")
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .replace("FormaLMS", "")
                .replace(' ', "")
        })
        .unwrap_or_default();
    let field_ok = ct_eq(field.as_bytes(), code.as_bytes());
    let header_ok = ct_eq(header.as_bytes(), code.as_bytes());
    if field_ok || header_ok {
        Ok(Principal::site("shared_code"))
    } else {
        Err(refuse(FormaError::BadCode, AuthFailure::new("mismatch")))
    }
}

/// Method 1: the token in `auth`, sliding its expiry by `rest_auth_lifetime` (§3.2).
async fn check_token(state: &AppState, params: &Params) -> Result<Principal, Refusal> {
    let token = params.text("auth").unwrap_or_default();
    if token.is_empty() {
        return Err(refuse(FormaError::BadToken, AuthFailure::new("missing")));
    }
    let now = Utc::now();
    let store = state.store.as_ref();
    let used = store
        .use_rest_token(&Secret::new(token), now, now + lifetime(state))
        .await
        .map_err(|e| FormaError::internal(None, &e))?;
    let Some(user_id) = used else {
        return Err(refuse(
            FormaError::BadToken,
            AuthFailure::new("unknown_token"),
        ));
    };
    let user = store
        .user(user_id)
        .await
        .map_err(|e| FormaError::internal(None, &e))?
        .ok_or_else(|| refuse(FormaError::BadToken, AuthFailure::new("unknown_user")))?;
    if !user.can_sign_in(now) {
        // D18: a suspended or expired user's token stops working at once.
        let name = user.username.as_str().to_owned();
        return Err(refuse(
            FormaError::BadToken,
            AuthFailure::new("inactive").claimed(name),
        ));
    }
    Ok(Principal {
        user: Some((user.id, user.username)),
        is_admin: true,
        scheme: "token",
        credential: None,
    })
}

fn lifetime(state: &AppState) -> Duration {
    Duration::seconds(
        i64::try_from(state.config.forma.rest_auth_lifetime).unwrap_or(i64::MAX / 1000),
    )
}

/// Method 2: the `X-Authorization` signature over the raw ordered form body (§3.3), then
/// the opt-in replay cache.
async fn check_signature(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Principal, Refusal> {
    let key = state
        .site_secret(FORMA_API_KEY)
        .map(Secret::expose)
        .unwrap_or_default();
    let secret = state
        .site_secret(FORMA_API_SECRET)
        .map(Secret::expose)
        .unwrap_or_default();
    let Some(header) = headers.get("x-authorization") else {
        // Forma answers a missing header with an empty error (§3.3.1).
        return Err(refuse(FormaError::Empty, AuthFailure::new("missing")));
    };
    if key.is_empty() {
        return Err(refuse(
            FormaError::BadSignature,
            AuthFailure::new("secret_unset"),
        ));
    }
    if let Err(e) = forma::verify(header.as_bytes(), key, secret, &params.post) {
        let failure = AuthFailure::new(e.reason_code()).claimed(
            String::from_utf8_lossy(&forma::decode_header(header.as_bytes()))
                .split(':')
                .next()
                .unwrap_or_default()
                .to_owned(),
        );
        let failure = match e.canonical() {
            Some(c) => failure.diagnosis(c, e.expected().map(str::to_owned)),
            None => failure,
        };
        let error = if e.reason_code() == "missing" {
            FormaError::Empty
        } else {
            FormaError::BadSignature
        };
        return Err(refuse(error, failure));
    }
    let forma_config = &state.config.forma;
    if forma_config.replay_cache {
        let now = Utc::now();
        let window = Duration::seconds(i64::try_from(forma_config.replay_window).unwrap_or(300));
        // Identical values give an identical signature, so the signature is the key.
        let seen = forma::signature(&params.post, secret);
        let fresh = state
            .store
            .claim_marker(REPLAY_SCOPE, &Secret::new(seen), now, now + window)
            .await
            .map_err(|e| FormaError::internal(None, &e))?;
        if !fresh {
            return Err(refuse(
                FormaError::BadSignature,
                AuthFailure::new("replayed"),
            ));
        }
    }
    Ok(Principal::site("signature"))
}

/// `auth/getauthmethod`: the configured method's name (§3.4).
pub fn get_auth_method(state: &AppState) -> Value {
    map([
        ("success", true.into()),
        ("method", state.config.forma.auth_method.wire_name().into()),
    ])
}

/// `auth/authenticate`: username and password for a token (§3.2). Allowed only under the
/// `token` method (Forma also allows it under `code`, where the token is useless).
pub async fn authenticate(
    state: &AppState,
    origin: &Origin,
    params: &Params,
) -> Result<Value, Refusal> {
    if state.config.forma.auth_method != AuthMethod::Token {
        return Err(FormaError::TokensNotUsed.into());
    }
    let username = params.non_empty("username").filter(|u| u != "0");
    let password = params.non_empty("password");
    let (Some(username), Some(password)) = (username, password) else {
        return Err(FormaError::InvalidLoginData.into());
    };
    let record = origin.record("password", "auth/authenticate");
    let store = state.store.as_ref();
    let name = username.strip_prefix('/').unwrap_or(&username);
    throttle_sign_in(state, &record, Some(name)).await?;
    let checked = match state.guard.check(Some(name), origin.ip).await {
        Ok(checked) => checked,
        Err(failure) => {
            audit(store, record.failure(&failure)).await;
            return Err(refuse(FormaError::InvalidUser, failure));
        }
    };
    let user = match Username::parse(name) {
        Ok(name) => store
            .user_by_username(&name)
            .await
            .map_err(|e| FormaError::internal(origin.request_id.as_deref(), &e))?,
        Err(_) => None,
    };
    // The edge's shared check: a decoy for unknown users, legacy hashes upgraded on success.
    let verdict = check_password(state, user.as_ref(), &password)
        .await
        .map_err(|_| FormaError::busy())?;
    let user = match (user, verdict) {
        (Some(user), PasswordVerdict::Valid) if user.can_sign_in(Utc::now()) => user,
        _ => {
            let mut failure = AuthFailure::new("mismatch").claimed(name);
            failure.locked_until = state.guard.failure(Some(name), origin.ip).await;
            audit(store, record.failure(&failure)).await;
            return Err(refuse(FormaError::InvalidUser, failure));
        }
    };
    let token = crate::site_secrets::random_hex(32);
    let expires = Utc::now() + lifetime(state);
    store
        .put_rest_token(user.id, &Secret::new(token.clone()), expires)
        .await
        .map_err(|e| FormaError::internal(origin.request_id.as_deref(), &e))?;
    let principal = Principal {
        user: Some((user.id, user.username.clone())),
        is_admin: user.is_admin,
        scheme: "password",
        credential: None,
    };
    state.guard.success(checked, name).await;
    state
        .audit
        .record_decision(record.success(&principal))
        .await;
    Ok(map([
        ("success", true.into()),
        ("message", "You are authenticated.".into()),
        ("token", token.into()),
        (
            "expire_at",
            expires.format("%Y-%m-%d %H:%M:%S").to_string().into(),
        ),
    ]))
}
