//! coreBOS's URL table, the request pipeline and the one dispatch `match` on [`Op`].

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::{HeaderValue, Method, StatusCode, header};

use super::auth::{self, Caller, Origin};
use super::codec::{self, Op, OpName, Reply};
use super::error::CorebosError;
use super::ops;
use super::params::Params;
use crate::edge::audit::{self, RequestAudit};
use crate::edge::observe::ResponseOutcome;
use crate::edge::{AuthFailure, ClientIp, RequestId, body, contain};
use crate::state::AppState;

/// The audit dialect name.
pub const DIALECT: &str = "corebos";

/// coreBOS's routes, relative to its mount: the one script of §1.
pub fn router() -> Router<AppState> {
    Router::new().route("/webservice.php", any(webservice))
}

/// A refused request: the wire error plus, for authentication failures, what the
/// diagnostics header may say (D16).
#[derive(Debug)]
pub struct Refusal {
    /// The error the caller is told.
    pub error: CorebosError,
    /// The authentication failure behind it, if any.
    pub failure: Option<Box<AuthFailure>>,
}

impl Refusal {
    /// A refusal with no authentication detail.
    pub fn new(error: CorebosError) -> Self {
        Self {
            error,
            failure: None,
        }
    }

    /// Adds the authentication failure for the diagnostics header.
    pub fn with_failure(mut self, failure: AuthFailure) -> Self {
        self.failure = Some(Box::new(failure));
        self
    }
}

impl From<CorebosError> for Refusal {
    fn from(error: CorebosError) -> Self {
        Self::new(error)
    }
}

/// `webservice.php`: GET, POST and OPTIONS; every answer is HTTP 200 JSON (§1, §2).
async fn webservice(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
) -> Response {
    if request.method() == Method::OPTIONS {
        return StatusCode::OK.into_response();
    }
    // The request's time starts now: reading the body counts against it.
    let deadline = contain::Deadline::start(&state);
    let (parts, body) = request.into_parts();
    let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone());
    let limit = state.config.corebos.body_limit;
    let reading = RequestAudit::new(DIALECT, "-", ip, request_id.clone());
    let body = match body::read_by(&state, &reading, deadline, body, limit).await {
        Ok(bytes) => bytes,
        Err(error) => return render(&state, Err(Refusal::new(CorebosError::from(error)))),
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let params = Params::from_request(parts.uri.query().unwrap_or_default(), &content_type, &body);
    let watch = RequestAudit::new(
        DIALECT,
        params.text("operation").unwrap_or_default(),
        ip,
        request_id.clone(),
    );
    let origin = Origin { ip, request_id };
    // A panic or timeout in an operation still answers in the envelope (D9),
    // `INTERNAL_SERVER_ERROR`, not a bare 500.
    let task_state = state.clone();
    let headers = parts.headers;
    let result = contain::run_by(&state, &watch, deadline, async move {
        dispatch(&task_state, &origin, &headers, &params).await
    })
    .await
    .unwrap_or_else(|_| Err(Refusal::new(CorebosError::Internal)));
    render(&state, result)
}

/// The one dispatch: operation name, session, parameters, then the operation (§1).
async fn dispatch(
    state: &AppState,
    origin: &Origin,
    headers: &http::HeaderMap,
    params: &Params,
) -> Result<Reply, Refusal> {
    if params
        .text("format")
        .is_some_and(|f| !f.eq_ignore_ascii_case("json"))
    {
        return Err(CorebosError::UnsupportedFormat.into());
    }
    let name = OpName::parse(params)?;
    auth::throttle_ip(state, origin, name.wire_name()).await?;
    let sid = codec::session_id(headers, params);
    let caller: Option<Caller> = if name.prelogin() {
        None
    } else {
        let caller = auth::resume(state, origin, name.wire_name(), sid.as_deref()).await?;
        auth::throttle_caller(state, origin, name.wire_name(), &caller).await?;
        Some(caller)
    };
    let op = Op::decode(name, params)?;
    if !op.is_write() {
        return run(state, origin, headers, sid, caller.as_ref(), op).await;
    }
    // Every write is audited once, as the session's user, however it ends.
    let audit = RequestAudit::new(
        DIALECT,
        name.wire_name(),
        origin.ip,
        origin.request_id.clone(),
    )
    .by(
        caller.as_ref().map_or("none", |c| c.principal.scheme),
        caller.as_ref().and_then(|c| c.principal.username()),
    );
    let result = run(state, origin, headers, sid, caller.as_ref(), op).await;
    let label = result
        .as_ref()
        .map_or_else(|refusal| refusal.error.outcome(), |_| audit::OK);
    audit.write_done(&state.audit, label).await;
    result
}

/// Runs one decoded operation for the session's caller (`None` before login).
async fn run(
    state: &AppState,
    origin: &Origin,
    headers: &http::HeaderMap,
    sid: Option<String>,
    caller: Option<&Caller>,
    op: Op,
) -> Result<Reply, Refusal> {
    let who = || caller.ok_or(CorebosError::AuthenticationRequired);
    let store = state.store.as_ref();
    Ok(match op {
        Op::GetChallenge { username } => auth::challenge(state, origin, &username).await?,
        Op::Login {
            username,
            access_key,
        } => auth::login(state, origin, &username, &access_key).await?,
        Op::ExtendSession => {
            auth::extend_session(state, origin, auth::web_session_cookie(headers)).await?
        }
        Op::Logout { session_param } => auth::logout(state, sid.as_deref(), session_param).await?,
        Op::ListTypes { field_types } => ops::meta::list_types(who()?, field_types.as_deref())?,
        Op::Describe { element_type } => ops::meta::describe(store, who()?, &element_type).await?,
        Op::Create {
            element_type,
            element,
        } => ops::records::create(state, who()?, &element_type, &element).await?,
        Op::Retrieve { id } => ops::records::retrieve(store, who()?, &id).await?,
        Op::Update { element } => ops::records::update(state, who()?, &element).await?,
        Op::Revise { element } => ops::records::revise(state, who()?, element.as_ref()).await?,
        Op::Delete { id } => ops::records::delete(store, who()?, &id).await?,
        Op::Query { query } => ops::query::query(store, who()?, &query).await?,
    })
}

/// The HTTP response: always 200 `application/json` (§2); failures carry their outcome
/// label for metrics and, per the diagnostics mode, `X-Gatehouse-Diagnostic`.
fn render(state: &AppState, result: Result<Reply, Refusal>) -> Response {
    let retry_after = result
        .as_ref()
        .err()
        .and_then(|refusal| refusal.error.retry_after());
    let (body, outcome, diagnostic) = match result {
        Ok(reply) => (codec::success_body(&reply), "ok", None),
        Err(refusal) => (
            codec::error_body(&refusal.error),
            refusal.error.outcome(),
            refusal
                .failure
                .and_then(|f| f.diagnostic_header(state.diagnostics)),
        ),
    };
    let mut response = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    if let Some(value) = diagnostic {
        response
            .headers_mut()
            .insert(crate::edge::auth::DIAGNOSTIC_HEADER, value);
    }
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response.extensions_mut().insert(ResponseOutcome(outcome));
    response
}
