//! SSO token links and the small pages behind `index.php` (specs/forma.md §5; D5, D15, D18).
//!
//! `index.php?r=adm/homepage/sso&login_user=U&time=T&token=K` (or the same without `r`)
//! signs a user in with `md5(U,T,sso_secret)`, every variant of D15 accepted. Hardened
//! compatibly (§8): `time` must be digits, a future `time` is bounded by `sso_future_skew`,
//! and each link works once (a store-backed marker per (user, time, token), so it holds
//! across instances). Only GET parameters are read: a cross-site POST cannot sign anyone in.
//! Success opens a web session behind the `gatehouse_session` cookie and redirects to the
//! landing page; every failure redirects to Forma's `access_failure` URL.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, OriginalUri, Request, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use gatehouse_domain::{Principal, Secret, SessionKind, SessionLimits, User, Username};
use gatehouse_schemes::forma_sso;
use gatehouse_schemes::php_form;
use gatehouse_schemes::php_value::{PhpArray, PhpKey, PhpValue};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use super::super::auth::RATE_SECTION;
use super::super::config::{AuthMethod, CookieSecure};
use super::user_id;
use crate::edge::audit::RequestAudit;
use crate::edge::auth::record as audit;
use crate::edge::guard::audit_throttled;
use crate::edge::{AuthFailure, AuthRecord, ClientIp, RequestId, contain};
use crate::site_secrets::FORMA_SSO_SECRET;
use crate::state::AppState;

/// The browser session cookie (D15), shared with coreBOS `extendsession`.
pub const COOKIE: &str = "gatehouse_session";
/// The marker scope of used SSO links.
const SSO_SCOPE: &str = "forma.sso";
/// A web session unused this long is over.
const SESSION_IDLE_SECS: i64 = 7200;
/// A web session lives at most this long.
const SESSION_LIFETIME_SECS: i64 = 86400;

fn field(query: &PhpArray, name: &str) -> String {
    match query.get(&PhpKey::from_bytes(name.as_bytes())) {
        Some(PhpValue::Array(_)) | None => String::new(),
        Some(v) => String::from_utf8_lossy(&v.to_php_string()).into_owned(),
    }
}

/// `index.php`: the SSO entry, the failure page, or the landing page.
///
/// Contained like every handler (D9): a panic or timeout is audited and answers, on a
/// sign-in, the failure redirect a refused sign-in gets (as a rate limit does); elsewhere
/// a page saying "Error: internal error (request <id>)." with HTTP 500.
pub async fn index(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
) -> Response {
    let query = php_form::parse_str(request.uri().query().unwrap_or_default().as_bytes());
    let original = request
        .extensions()
        .get::<OriginalUri>()
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let mount = original
        .strip_suffix(request.uri().path())
        .unwrap_or_default()
        .to_owned();
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
    let sign_in = is_sign_in(&state, &query);
    let audit = RequestAudit::new("forma", "index.php", ip, request_id.clone());
    let task_state = state.clone();
    let failure_mount = mount.clone();
    let answered = contain::run(&state, &audit, async move {
        route(&task_state, ip, request, &query, &mount).await
    })
    .await;
    answered.unwrap_or_else(|_| {
        if sign_in {
            redirect(&failure_url(&failure_mount), None)
        } else {
            let id = request_id.as_deref().unwrap_or("-");
            let mut page = page(&format!("Error: internal error (request {id})."));
            *page.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            page
        }
    })
}

/// Whether `index.php` with this query signs someone in (an SSO link or a token).
fn is_sign_in(state: &AppState, query: &PhpArray) -> bool {
    is_sso_link(query)
        || (!is_failure_page(query)
            && state.config.forma.auth_method == AuthMethod::Token
            && !field(query, "auth").is_empty())
}

/// Whether the query asks for Forma's failure page (§5.4).
fn is_failure_page(query: &PhpArray) -> bool {
    field(query, "r") == "adm/homepage/show" && field(query, "msg") == "access_failure"
}

/// Whether the query is an SSO link: `r=adm/homepage/sso`, or no `r` and all three fields.
fn is_sso_link(query: &PhpArray) -> bool {
    let r = field(query, "r");
    let link = ["login_user", "time", "token"]
        .iter()
        .all(|n| !field(query, n).is_empty());
    r == "adm/homepage/sso" || (r.is_empty() && link)
}

/// What `index.php` does with this query (see [`index`]).
async fn route(
    state: &AppState,
    ip: std::net::IpAddr,
    request: Request,
    query: &PhpArray,
    mount: &str,
) -> Response {
    if is_sso_link(query) {
        let record = AuthRecord {
            dialect: "forma-sso",
            scheme: "sso_token",
            operation: "adm/homepage/sso".into(),
            ip: Some(ip),
            request_id: request.extensions().get::<RequestId>().map(|r| r.0.clone()),
        };
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let secure = cookie_secure(state, peer, request.headers());
        return sign_in(state, &record, query, mount, secure).await;
    }
    if is_failure_page(query) {
        return page("Sign-in failed");
    }
    let auth = field(query, "auth");
    if state.config.forma.auth_method == AuthMethod::Token && !auth.is_empty() {
        let record = AuthRecord {
            dialect: "forma",
            scheme: "token",
            operation: "index.php".into(),
            ip: Some(ip),
            request_id: request.extensions().get::<RequestId>().map(|r| r.0.clone()),
        };
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let secure = cookie_secure(state, peer, request.headers());
        return token_sign_in(state, &record, &auth, mount, secure).await;
    }
    landing(state, request.headers()).await
}

/// Whether the cookie gets `Secure` (D15): gatehouse serves plain HTTP itself, so `auto`
/// means "a trusted proxy said https".
fn cookie_secure(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    match state.config.forma.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => {
            let trusted = peer.is_some_and(|p| {
                state
                    .config
                    .trusted_proxies
                    .iter()
                    .any(|net| net.contains(&p.ip()))
            });
            trusted
                && headers
                    .get("x-forwarded-proto")
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
        }
    }
}

async fn sign_in(
    state: &AppState,
    record: &AuthRecord,
    query: &PhpArray,
    mount: &str,
    secure: bool,
) -> Response {
    let failure_url = failure_url(mount);
    let login_user = field(query, "login_user");
    let ip = record
        .ip
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if let Some(seconds) = throttle(state, record, Some(&login_user)).await {
        return too_many(&failure_url, seconds);
    }
    // Guard before verify (D8); a locked user or IP gets the failure redirect, unchecked.
    let checked = match state.guard.check(Some(&login_user), ip).await {
        Ok(checked) => checked,
        Err(failure) => {
            audit(state.store.as_ref(), record.failure(&failure)).await;
            return redirect(&failure_url, None);
        }
    };
    match check_link(state, query).await {
        Ok((user, variant)) => {
            state.guard.success(checked, &login_user).await;
            let principal = Principal {
                user: Some((user.id, user.username.clone())),
                is_admin: user.is_admin,
                scheme: "sso_token",
                credential: None,
            };
            let mut event = record.success(&principal);
            // D15: the audit event says which variant of the formula matched.
            event.reason = format!("ok:{variant}");
            state.audit.record_decision(event).await;
            web_session_redirect(state, &user, mount, secure).await
        }
        Err(mut failure) => {
            if !matches!(
                failure.reason,
                "missing" | "secret_unset" | "replayed" | "store_failure"
            ) {
                failure.locked_until = state.guard.failure(Some(&login_user), ip).await;
            }
            audit(state.store.as_ref(), record.failure(&failure)).await;
            let mut response = redirect(&failure_url, None);
            if let Some(value) = failure.diagnostic_header(state.diagnostics) {
                response
                    .headers_mut()
                    .insert(crate::edge::auth::DIAGNOSTIC_HEADER, value);
            }
            response
        }
    }
}

/// The per-IP and sign-in limits of an SSO or token sign-in (D10): `Some(seconds to wait)`
/// when refused (audited once per key and period).
async fn throttle(state: &AppState, record: &AuthRecord, user: Option<&str>) -> Option<u64> {
    let ip = record
        .ip
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let guard = &state.guard;
    let refused = guard
        .throttle_ip(RATE_SECTION, ip)
        .and_then(|()| guard.throttle_sign_in(RATE_SECTION, &record.operation, ip, user))
        .err()?;
    audit_throttled(state.store.as_ref(), record, refused, user).await;
    Some(refused.retry_after)
}

/// A rate-limited sign-in: the failure redirect, with `Retry-After` (D9).
fn too_many(failure_url: &str, seconds: u64) -> Response {
    let mut response = redirect(failure_url, None);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Opens a web session for `user` and redirects to the landing page with its cookie (D15);
/// if the session cannot be stored, the failure redirect.
async fn web_session_redirect(
    state: &AppState,
    user: &User,
    mount: &str,
    secure: bool,
) -> Response {
    let session = crate::site_secrets::random_hex(64);
    let opened = state
        .store
        .open_session(
            SessionKind::Web,
            &Secret::new(session.clone()),
            user.id,
            Utc::now(),
        )
        .await;
    if let Err(error) = opened {
        tracing::error!(%error, "forma: web session not stored");
        return redirect(&failure_url(mount), None);
    }
    let target = state
        .config
        .forma
        .landing_url
        .clone()
        .unwrap_or_else(|| format!("{mount}/index.php"));
    let mut cookie = format!("{COOKIE}={session}; HttpOnly; SameSite=Lax; Path=/");
    if secure {
        cookie.push_str("; Secure");
    }
    redirect(&target, Some(cookie))
}

/// Forma's failure redirect (§5.4).
fn failure_url(mount: &str) -> String {
    format!("{mount}/index.php?r=adm/homepage/show&msg=access_failure")
}

/// `index.php?auth=<token>` under the token method: Forma's browser login with a REST
/// token (§3.2); the token's expiry is checked (Forma only purges) and slides as on REST.
async fn token_sign_in(
    state: &AppState,
    record: &AuthRecord,
    token: &str,
    mount: &str,
    secure: bool,
) -> Response {
    let ip = record
        .ip
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if let Some(seconds) = throttle(state, record, None).await {
        return too_many(&failure_url(mount), seconds);
    }
    if let Err(failure) = state.guard.check(None, ip).await {
        audit(state.store.as_ref(), record.failure(&failure)).await;
        return redirect(&failure_url(mount), None);
    }
    // Forma filters the field to letters and digits.
    let token: String = token.chars().filter(char::is_ascii_alphanumeric).collect();
    let now = Utc::now();
    let lifetime =
        Duration::seconds(i64::try_from(state.config.forma.rest_auth_lifetime).unwrap_or(60));
    let store = state.store.as_ref();
    let user = match store
        .use_rest_token(&Secret::new(token), now, now + lifetime)
        .await
    {
        Ok(Some(id)) => store.user(id).await.ok().flatten(),
        _ => None,
    };
    match user.filter(|u| u.can_sign_in(now)) {
        Some(user) => {
            let principal = Principal {
                user: Some((user.id, user.username.clone())),
                is_admin: user.is_admin,
                scheme: "token",
                credential: None,
            };
            state
                .audit
                .record_decision(record.success(&principal))
                .await;
            web_session_redirect(state, &user, mount, secure).await
        }
        None => {
            let mut failure = AuthFailure::new("unknown_token");
            failure.locked_until = state.guard.failure(None, ip).await;
            audit(store, record.failure(&failure)).await;
            redirect(&failure_url(mount), None)
        }
    }
}

/// Checks a link: token, window, user, then single use. The marker is claimed last, so a
/// link refused for another reason is not used up.
async fn check_link(
    state: &AppState,
    query: &PhpArray,
) -> Result<(User, &'static str), AuthFailure> {
    let login_user = field(query, "login_user");
    let time = field(query, "time");
    let token = field(query, "token");
    let secret = state
        .site_secret(FORMA_SSO_SECRET)
        .map(Secret::expose)
        .unwrap_or_default();
    let now = Utc::now();
    let params = state.config.forma.sso_params();
    let matched = forma_sso::verify(&login_user, &time, &token, secret, now.timestamp(), &params)
        .map_err(|e| {
        let f = AuthFailure::new(e.reason_code()).claimed(login_user.clone());
        match e.canonical() {
            Some(c) => f.diagnosis(c, e.expected().map(str::to_owned)),
            None => f,
        }
    })?;
    let internal = |_| AuthFailure::new("store_failure").claimed(login_user.clone());
    let by_idst = !matches!(field(query, "use_user_idst").as_str(), "" | "0");
    let user = if by_idst {
        match user_id(&login_user) {
            Some(id) => state.store.user(id).await.map_err(internal)?,
            None => None,
        }
    } else {
        match Username::parse(&login_user) {
            Ok(name) => state
                .store
                .user_by_username(&name)
                .await
                .map_err(internal)?,
            Err(_) => None,
        }
    };
    let Some(user) = user else {
        return Err(AuthFailure::new("unknown_user").claimed(login_user));
    };
    if !user.can_sign_in(now) {
        // D18: Forma does not check suspended users here; gatehouse does.
        return Err(AuthFailure::new("inactive").claimed(login_user));
    }
    let key = format!(
        "{}\n{}\n{}",
        login_user.to_ascii_lowercase(),
        time,
        token.to_ascii_lowercase()
    );
    let until = DateTime::from_timestamp(matched.issued_at.saturating_add(params.lifetime), 0)
        .unwrap_or(now)
        .max(now)
        + Duration::seconds(1);
    let fresh = state
        .store
        .claim_marker(SSO_SCOPE, &Secret::new(key), now, until)
        .await
        .map_err(internal)?;
    if !fresh {
        return Err(AuthFailure::new("replayed").claimed(login_user));
    }
    Ok((user, matched.variant_code()))
}

/// A 302 with `Referrer-Policy: no-referrer` (the link carries a token), optionally setting
/// the session cookie.
fn redirect(location: &str, cookie: Option<String>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

/// A tiny HTML page.
fn page(text: &str) -> Response {
    let escaped = super::super::output::xml_escape(text);
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!DOCTYPE html><title>Forma</title><p>{escaped}</p>\n"),
    )
        .into_response();
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The landing page: who the session cookie signs in, if anyone (D15).
async fn landing(state: &AppState, headers: &HeaderMap) -> Response {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned());
    let Some(cookie) = cookie else {
        return page("Not signed in");
    };
    let now = Utc::now();
    let limits = SessionLimits {
        idle_since: now - Duration::seconds(SESSION_IDLE_SECS),
        created_since: now - Duration::seconds(SESSION_LIFETIME_SECS),
    };
    let store = state.store.as_ref();
    let session = store
        .resume_session(SessionKind::Web, &Secret::new(cookie), limits, now)
        .await;
    let user = match session {
        Ok(Some(s)) => store.user(s.user).await.ok().flatten(),
        _ => None,
    };
    match user {
        Some(user) => page(&format!("Signed in as {}", user.username)),
        None => page("Not signed in"),
    }
}
