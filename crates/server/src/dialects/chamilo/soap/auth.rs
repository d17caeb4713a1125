//! The `secret_key` check (specs/chamilo.md §3) with gatehouse's fixes.
//!
//! The math is `gatehouse-schemes`' (constant time). The IP is the one [`crate::edge::ClientIp`]
//! resolves, which `testip.php` reports, so `X-Forwarded-For` counts only through trusted
//! proxies (Chamilo believed any). In whitelist mode (`[chamilo] whitelist` non-empty) the key
//! is `sha1(security_key)` as in Chamilo, and the caller's IP must be in the list, which
//! Chamilo computed and ignored (§7). Every decision is audited.
//!
//! The key names no user, so the guard's lockout applies per client IP only (D8): a locked IP
//! gets fault #1 unchecked, exactly what a wrong key gets (D9), audited as `locked_out`.

use std::net::IpAddr;

use gatehouse_domain::Principal;
use gatehouse_schemes::chamilo::{KeyMode, verify_soap_key};

use crate::edge::{AuthFailure, AuthRecord};
use crate::site_secrets::CHAMILO_SECURITY_KEY;
use crate::state::AppState;

/// The audit record's dialect name.
pub const DIALECT: &str = "chamilo-soap";
/// The audit record's scheme name.
pub const SCHEME: &str = "soap_key";

/// Checks `sent` for a call of `operation` from `ip`, and audits the decision.
pub async fn check_key(
    state: &AppState,
    ip: IpAddr,
    sent: &str,
    operation: &str,
    request_id: Option<String>,
) -> Result<Principal, AuthFailure> {
    let decision = match state.guard.check(None, ip).await {
        Err(locked) => Err(locked),
        Ok(_) => match decide(state, ip, sent) {
            Err(mut failure) => {
                failure.locked_until = state.guard.failure(None, ip).await;
                Err(failure)
            }
            ok => ok,
        },
    };
    let audit = AuthRecord {
        dialect: DIALECT,
        scheme: SCHEME,
        operation: operation.to_owned(),
        ip: Some(ip),
        request_id,
    };
    let event = match &decision {
        Ok(principal) => audit.success(principal),
        Err(failure) => audit.failure(failure),
    };
    state.audit.record_decision(event).await;
    decision
}

fn decide(state: &AppState, ip: IpAddr, sent: &str) -> Result<Principal, AuthFailure> {
    let whitelist = &state.config.chamilo.whitelist;
    let mode = if whitelist.is_empty() {
        KeyMode::IpBound
    } else {
        KeyMode::Whitelist
    };
    if mode == KeyMode::Whitelist && !whitelist.iter().any(|net| net.contains(&ip)) {
        return Err(AuthFailure::new("ip_not_allowed").diagnosis(ip.to_string(), None));
    }
    let security_key = state
        .site_secret(CHAMILO_SECURITY_KEY)
        .map(|s| s.expose().to_owned())
        .unwrap_or_default();
    verify_soap_key(sent, &ip.to_string(), &security_key, mode)
        .map(|()| Principal::site(SCHEME))
        .map_err(|e| {
            let failure = AuthFailure::new(e.reason_code());
            match e.canonical() {
                Some(canonical) => failure.diagnosis(canonical, e.expected().map(str::to_owned)),
                None => failure,
            }
        })
}
