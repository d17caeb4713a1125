//! Who a Wildix request acts as: an S2S application's bearer token (specs/wildix.md §5), or
//! HTTP Basic with a gatehouse user's password (§6 "Other auth").

use chrono::{Duration, Utc};
use gatehouse_domain::{Credential, CredentialKind, Principal, SigningCredential, User, Username};
use gatehouse_schemes::wildix::{self, IssCheck, RawRequest, VerifyParams};

use super::error::WildixError;
use crate::config::IssMode;
use crate::edge::guard::audit_throttled;
use crate::edge::password::{self, PasswordVerdict};
use crate::edge::{AuthFailure, AuthRecord};
use crate::state::AppState;

/// Authenticates a request and records the decision in the audit trail.
pub async fn authenticate(
    state: &AppState,
    req: &RawRequest<'_>,
    ip: std::net::IpAddr,
    record: &mut AuthRecord,
) -> Result<Principal, WildixError> {
    let authorization = req.header("authorization").unwrap_or_default();
    let basic = authorization
        .trim_ascii()
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"basic "));
    record.scheme = if basic { "password" } else { "jwt" };
    let outcome = if basic {
        basic_auth(state, &authorization, ip, record).await
    } else {
        s2s(state, req, ip).await
    };
    match outcome {
        Ok(principal) => {
            state
                .audit
                .record_decision(record.success(&principal))
                .await;
            // Per application (or Basic user) once it is known good (off by default, D10).
            let key = match (principal.credential, principal.username()) {
                (Some(app), _) => format!("app:{}", app.0),
                (None, name) => format!("user:{}", name.unwrap_or_default().to_lowercase()),
            };
            if let Err(throttled) = state.guard.throttle_credential(RATE_SECTION, &key) {
                let name = principal.username();
                audit_throttled(state.store.as_ref(), record, throttled, name).await;
                return Err(WildixError::TooManyRequests(throttled.retry_after));
            }
            Ok(principal)
        }
        Err(Refusal::Failed(failure)) => {
            crate::edge::auth::record(state.store.as_ref(), record.failure(&failure)).await;
            Err(WildixError::Auth {
                failure,
                diagnostics: state.diagnostics,
            })
        }
        Err(Refusal::Error(error)) => Err(error),
    }
}

/// The configuration section whose `[wildix.guard]` rate keys apply.
const RATE_SECTION: &str = "wildix";

/// The per-IP limit, before anything else a request does (off by default, D10).
pub async fn throttle_ip(
    state: &AppState,
    ip: std::net::IpAddr,
    record: &AuthRecord,
) -> Result<(), WildixError> {
    match state.guard.throttle_ip(RATE_SECTION, ip) {
        Ok(()) => Ok(()),
        Err(throttled) => {
            audit_throttled(state.store.as_ref(), record, throttled, None).await;
            Err(WildixError::TooManyRequests(throttled.retry_after))
        }
    }
}

/// Why authentication did not succeed: a refused credential, or gatehouse failing.
enum Refusal {
    Failed(AuthFailure),
    Error(WildixError),
}

impl From<gatehouse_domain::DomainError> for Refusal {
    fn from(error: gatehouse_domain::DomainError) -> Self {
        Self::Error(WildixError::Store(error))
    }
}

fn fail(reason: &'static str) -> Refusal {
    Refusal::Failed(AuthFailure::new(reason))
}

/// The S2S check: application by `X-APP-ID`, token verified by gatehouse-schemes, then the
/// optional replay cache.
async fn s2s(
    state: &AppState,
    req: &RawRequest<'_>,
    ip: std::net::IpAddr,
) -> Result<Principal, Refusal> {
    let wildix_config = &state.config.wildix;
    let Some(app_id) = req.app_id() else {
        let missing_auth = req.header("authorization").is_none();
        return Err(fail(if missing_auth {
            "missing"
        } else {
            "unknown_app"
        }));
    };
    let claimed = |f: AuthFailure| Refusal::Failed(f.claimed(app_id.clone()));
    // The application, its secret and its owner in one read; each is still checked in the
    // order the spec gives, so a refusal names the same reason it always did.
    let SigningCredential {
        credential: app,
        secret,
        owner,
    } = match state.store.signing_credential(&app_id).await? {
        Some(found) if found.credential.kind == CredentialKind::WildixApp => found,
        _ => return Err(claimed(AuthFailure::new("unknown_app"))),
    };
    if !app.is_usable(Utc::now()) {
        return Err(claimed(AuthFailure::new("revoked")));
    }
    if !app.allows_ip(ip) {
        return Err(claimed(AuthFailure::new("ip_not_allowed")));
    }
    let secret = secret?;
    let params = VerifyParams {
        now: state.clock.unix(),
        leeway: wildix_config.leeway,
        max_lifetime: wildix_config.max_token_lifetime,
        iss_check: match wildix_config.iss_check {
            IssMode::Log => IssCheck::Log,
            IssMode::Enforce => IssCheck::Enforce,
        },
    };
    let verified = wildix::verify(req, &app.label, secret.expose(), &params).map_err(|e| {
        let mut failure = AuthFailure::new(e.reason_code());
        if let Some(canonical) = e.canonical() {
            failure = failure.diagnosis(canonical, e.expected().map(str::to_owned));
        }
        claimed(failure)
    })?;
    for warning in &verified.warnings {
        tracing::warn!(app_id, ?warning, "wildix token accepted with a warning");
    }
    if wildix_config.replay_cache {
        let auth = req.header("authorization").unwrap_or_default();
        let key = gatehouse_schemes::ct::sha256_hex(auth.trim_ascii());
        // The mark outlives the token: until its exp plus leeway, and at least the window.
        let token_left = verified
            .claims
            .exp
            .saturating_add(wildix_config.leeway)
            .saturating_sub(params.now);
        let keep = token_left
            .max(wildix_config.replay_window)
            .clamp(1, 86_400 * 366);
        if !state
            .store
            .mark_once(&key, Utc::now() + Duration::seconds(keep))
            .await?
        {
            return Err(claimed(AuthFailure::new("replayed")));
        }
    }
    let owner = active_owner(owner, &app)?;
    Ok(Principal {
        user: Some((owner.id, owner.username.clone())),
        is_admin: owner.is_admin,
        scheme: "jwt",
        credential: Some(app.id),
    })
}

/// The user whose rights the application acts with; an inactive owner disables the app.
fn active_owner(owner: Option<User>, app: &Credential) -> Result<User, Refusal> {
    match owner {
        Some(user) if user.can_sign_in(Utc::now()) => Ok(user),
        _ => Err(Refusal::Failed(
            AuthFailure::new("owner_inactive").claimed(app.public_id.clone()),
        )),
    }
}

/// HTTP Basic with a gatehouse user's password, behind the guard's lockout (D8): a locked
/// username or IP is refused unchecked; a wrong password counts; a success clears the
/// username's count.
async fn basic_auth(
    state: &AppState,
    header: &[u8],
    ip: std::net::IpAddr,
    record: &AuthRecord,
) -> Result<Principal, Refusal> {
    let creds = gatehouse_schemes::basic::parse(header)
        .map_err(|e| Refusal::Failed(AuthFailure::new(e.reason_code())))?;
    // A password check is the expensive path: the sign-in limits come first (D10).
    if let Err(throttled) =
        state
            .guard
            .throttle_sign_in(RATE_SECTION, "basic", ip, Some(&creds.username))
    {
        audit_throttled(
            state.store.as_ref(),
            record,
            throttled,
            Some(&creds.username),
        )
        .await;
        return Err(Refusal::Error(WildixError::TooManyRequests(
            throttled.retry_after,
        )));
    }
    let checked = state
        .guard
        .check(Some(&creds.username), ip)
        .await
        .map_err(Refusal::Failed)?;
    match check_password(state, &creds).await {
        Ok(principal) => {
            state.guard.success(checked, &creds.username).await;
            Ok(principal)
        }
        Err(Refusal::Failed(mut failure)) => {
            if matches!(failure.reason, "unknown_user" | "wrong_password") {
                failure.locked_until = state.guard.failure(Some(&creds.username), ip).await;
            }
            Err(Refusal::Failed(failure))
        }
        Err(other) => Err(other),
    }
}

/// Checks the password with the edge's shared check (decoy for unknown users, legacy
/// hashes upgraded after a success).
async fn check_password(
    state: &AppState,
    creds: &gatehouse_schemes::basic::BasicCredentials,
) -> Result<Principal, Refusal> {
    let claimed =
        |reason| Refusal::Failed(AuthFailure::new(reason).claimed(creds.username.clone()));
    let user = match Username::parse(&creds.username) {
        Ok(username) => state.store.user_by_username(&username).await?,
        Err(_) => None,
    };
    let verdict = password::check_password(state, user.as_ref(), creds.password())
        .await
        .map_err(|_| Refusal::Error(WildixError::TooManyRequests(password::BUSY_RETRY_AFTER)))?;
    let user = match (user, verdict) {
        (Some(user), PasswordVerdict::Valid) => user,
        (_, PasswordVerdict::UnknownUser) => return Err(claimed("unknown_user")),
        _ => return Err(claimed("wrong_password")),
    };
    if !user.can_sign_in(Utc::now()) {
        return Err(claimed("owner_inactive"));
    }
    Ok(Principal {
        user: Some((user.id, user.username.clone())),
        is_admin: user.is_admin,
        scheme: "password",
        credential: None,
    })
}
