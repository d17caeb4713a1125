//! The Wildix URL table: every path is the dialect's (D14). Authentication first, then the
//! codec decodes the operation and one `match` dispatches it.

use axum::extract::{OriginalUri, Request, State};
use axum::response::{IntoResponse, Response};
use gatehouse_domain::Pbx;
use gatehouse_schemes::php_form;
use gatehouse_schemes::wildix::{self, RawRequest};

use super::auth;
use super::codec::{self, NewQueueFields, Op};
use super::error::WildixError;
use super::ops::{colleagues, history, originate, queues, sounds};
use crate::edge::audit::{self, RequestAudit};
use crate::edge::{AuthRecord, ClientIp, RequestId, body, contain};
use crate::state::AppState;

/// The audit dialect name.
pub const DIALECT: &str = "wildix";

/// Serves one Wildix request, whatever its path.
pub async fn handle(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    OriginalUri(original): OriginalUri,
    request: Request,
) -> Response {
    let watch = RequestAudit::new(
        DIALECT,
        format!("{} {}", request.method(), request.uri().path()),
        ip,
        request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone()),
    );
    // Contained so a panic or timeout becomes Wildix's 500 envelope (D9), not a bare 500.
    let task_state = state.clone();
    let contained = contain::run(&state, &watch, async move {
        serve(&task_state, ip, &original, request).await
    })
    .await;
    match contained {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => error.into_response(),
        Err(stopped) => {
            WildixError::Internal(format!("request {}", stopped.reason())).into_response()
        }
    }
}

async fn serve(
    state: &AppState,
    ip: std::net::IpAddr,
    original: &http::Uri,
    request: Request,
) -> Result<Response, WildixError> {
    let (parts, body) = request.into_parts();
    let mut record = AuthRecord {
        dialect: "wildix",
        scheme: "jwt",
        operation: format!("{} {}", parts.method, parts.uri.path()),
        ip: Some(ip),
        request_id: parts.extensions.get::<RequestId>().map(|id| id.0.clone()),
    };
    // The per-IP limit before the body is even read (off by default, D10).
    auth::throttle_ip(state, ip, &record).await?;
    let limit = state.config.wildix.body_limit;
    // Already contained (see `handle`): the request's timeout covers this read.
    let bytes = body::read(body, limit).await.map_err(WildixError::from)?;
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    // D3: the hash covers the path as received, before any mount is stripped.
    let query = original.query().unwrap_or("").as_bytes();
    let raw = RawRequest {
        method: parts.method.as_str(),
        path: original.path(),
        query,
        headers: &headers,
        body: &bytes,
    };
    let principal = auth::authenticate(state, &raw, ip, &mut record).await?;
    let query_map = php_form::parse_str(query);
    let body_map = wildix::body_params(&raw)
        .map_err(|_| WildixError::invalid("body", "not a JSON object or array"))?;
    let op = codec::decode(&parts.method, parts.uri.path(), &query_map, &body_map)?;
    tracing::debug!(
        op = op.wire_name(),
        user = principal.username(),
        "wildix operation"
    );
    if !op.is_write() {
        return run(state, &principal, op).await;
    }
    // Every write is audited once, as the authenticated caller, however it ends.
    let audit = RequestAudit::new(DIALECT, op.wire_name(), ip, record.request_id.clone())
        .by(principal.scheme, principal.username());
    let result = run(state, &principal, op).await;
    let label = result
        .as_ref()
        .map_or_else(WildixError::outcome, |_| audit::OK);
    audit.write_done(&state.audit, label).await;
    result
}

/// Runs one decoded operation for the authenticated caller.
async fn run(
    state: &AppState,
    principal: &gatehouse_domain::Principal,
    op: Op,
) -> Result<Response, WildixError> {
    let pbx: &dyn Pbx = state.store.as_ref();
    let data_dir = state.config.data_dir.as_path();
    match op {
        Op::ListCallQueues(paging) => queues::list_call_queues(pbx, paging).await,
        Op::CreateCallQueue(NewQueueFields {
            name,
            description,
            strategy,
            members,
        }) => {
            let new = gatehouse_domain::NewCallQueue {
                name,
                description,
                strategy,
                members,
            };
            queues::create_call_queue(pbx, new).await
        }
        Op::GetCallQueue(id) => queues::get_call_queue(pbx, id).await,
        Op::AddDynamicMember { queue, member } => {
            queues::add_dynamic_member(pbx, queue, &member).await
        }
        Op::RemoveDynamicMember { queue, member } => {
            queues::remove_dynamic_member(pbx, queue, &member).await
        }
        Op::CallHistory { scope, params } => {
            let own = match &principal.user {
                Some((id, _)) => Some(colleagues::extension_of(pbx, *id).await?),
                None => None,
            };
            history::call_history(pbx, scope, &params, own).await
        }
        Op::ListSounds { directory } => sounds::list_sounds(pbx, directory.as_deref()).await,
        Op::CreateSound(body) => {
            sounds::create_sound(pbx, &state.config.wildix.tts_command, data_dir, &body).await
        }
        Op::DeleteSound { name, directory } => {
            sounds::delete_sound(pbx, data_dir, &name, directory.as_deref()).await
        }
        Op::Originate(body) => originate::originate(pbx, &body).await,
        Op::Colleagues(paging) => colleagues::colleagues(state.store.as_ref(), pbx, paging).await,
    }
}
