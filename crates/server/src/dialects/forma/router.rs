//! Forma's URL table, the request pipeline and the one dispatch `match` on [`Op`].

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::{HeaderMap, HeaderValue, StatusCode, header};

use super::auth::{self, Origin};
use super::codec::{Op, Params, Route, Unknown, accept_format};
use super::error::{FormaError, Refusal};
use super::ops::courses::{self, CourseCtx};
use super::ops::sso;
use super::ops::users::{self, UserCtx};
use super::output::{self, Format, Value};
use crate::edge::audit::{self, RequestAudit};
use crate::edge::observe::ResponseOutcome;
use crate::edge::{ClientIp, RequestId, body, contain};
use crate::state::AppState;

/// The audit dialect name.
pub const DIALECT: &str = "forma";

/// Forma's routes, relative to its mount: the REST entry in both spellings (§2.1) and
/// `index.php` for SSO and the landing pages (§5, D15).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rest.php", any(rest_php))
        .route("/api/{*rest}", any(pretty))
        .route("/index.php", any(sso::index))
}

/// `/api/<module>/<function>…`: the route is the path (the rewrite has no QSA, but GET
/// parameters are still read as a harmless fallback, §8).
async fn pretty(state: State<AppState>, ip: ClientIp, request: Request) -> Response {
    let route = request.uri().path().to_owned();
    handle(state, ip, request, Some(route)).await
}

/// `/api/rest.php?q=/api/...`: the route is `q`, POST first then GET.
async fn rest_php(state: State<AppState>, ip: ClientIp, request: Request) -> Response {
    handle(state, ip, request, None).await
}

/// The site prefix a Forma client knows this server by (`http://host/forma`).
fn site(headers: &HeaderMap, original: &str, inner: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    let mount = original.strip_suffix(inner).unwrap_or_default();
    format!("{proto}://{host}{mount}")
}

async fn handle(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
    pretty_route: Option<String>,
) -> Response {
    // The request's time starts now: reading the body counts against it.
    let deadline = contain::Deadline::start(&state);
    let (parts, body) = request.into_parts();
    let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone());
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let accepted = accept_format(accept);
    let limit = state.config.forma.body_limit;
    let reading = RequestAudit::new(DIALECT, "-", ip, request_id.clone());
    let body = match body::read_by(&state, &reading, deadline, body, limit).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let format = accepted.unwrap_or(Format::Xml);
            let error = FormaError::from_body(error, request_id.as_deref());
            return render(&state, format, Err(error.into()));
        }
    };
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let mut params = Params::new(&body, &query, Vec::new());
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = super::multipart::boundary(content_type) {
        params.post = super::multipart::parse(&body, &boundary);
    }
    let q = match pretty_route {
        Some(path) => Some(path),
        None => params.text("q"),
    };
    let Some(q) = q else {
        return plain(super::codec::RouteError::NoInput.message());
    };
    let route = match Route::parse(&q, accepted.is_some()) {
        Ok(route) => route,
        Err(e) => return plain(e.message()),
    };
    let format = accepted.or(route.suffix_format).unwrap_or(Format::Xml);
    params.positional = route.positional.clone();
    let original = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let site = site(&parts.headers, &original, parts.uri.path());
    let panic_id = request_id.clone().unwrap_or_else(|| "-".into());
    let watch = RequestAudit::new(
        DIALECT,
        format!("{}/{}", route.module, route.function),
        ip,
        request_id.clone(),
    );
    let origin = Origin { ip, request_id };
    let headers = parts.headers;
    let task_state = state.clone();
    // A panic or timeout in an operation still answers in the envelope (D9),
    // "Error: internal error (request <id>).", not a bare 500.
    let result = contain::run_by(&state, &watch, deadline, async move {
        dispatch(&task_state, &origin, &headers, &params, &route, site).await
    })
    .await
    .unwrap_or_else(|_| Err(FormaError::Internal(panic_id).into()));
    render(&state, format, result)
}

/// The one dispatch: operation, credential, then the operation (§2, §3, §4).
async fn dispatch(
    state: &AppState,
    origin: &Origin,
    headers: &HeaderMap,
    params: &Params,
    route: &Route,
    site: String,
) -> Result<Value, Refusal> {
    let op = Op::decode(&route.module, &route.function).map_err(|u| match u {
        Unknown::Module(m) => FormaError::UnknownModule(m),
        Unknown::Function(f) => FormaError::UnknownFunction(f),
    })?;
    auth::throttle_ip(state, origin, op.wire_name()).await?;
    let principal = if op.is_public() {
        None
    } else {
        Some(auth::check(state, origin, op.wire_name(), headers, params).await?)
    };
    if op == Op::UserDetailsFromCredentials {
        // A password check behind the API credential: the sign-in limits apply too (D10).
        let record = origin.record("password", op.wire_name());
        let user = params.non_empty("userid");
        auth::throttle_sign_in(state, &record, user.as_deref()).await?;
    }
    if !op.is_write() {
        return run(state, origin, params, op, site).await;
    }
    // Every write is audited once, as the authenticated caller, however it ends.
    let audit = RequestAudit::new(
        DIALECT,
        op.wire_name(),
        origin.ip,
        origin.request_id.clone(),
    )
    .by(
        principal.as_ref().map_or("none", |p| p.scheme),
        principal.as_ref().and_then(|p| p.username()),
    );
    let result = run(state, origin, params, op, site).await;
    let label = result
        .as_ref()
        .map_or_else(|refusal| refusal.error.outcome(), |_| audit::OK);
    audit.write_done(&state.audit, label).await;
    result
}

/// Runs one authenticated (or public) operation.
async fn run(
    state: &AppState,
    origin: &Origin,
    params: &Params,
    op: Op,
    site: String,
) -> Result<Value, Refusal> {
    let rid = origin.request_id.as_deref();
    let store = state.store.as_ref();
    let resolved;
    let params = match ext_user(store, params, op).await {
        Ok(Some(with_id)) => {
            resolved = with_id;
            &resolved
        }
        Ok(None) => params,
        Err(e) => return Err(FormaError::internal(rid, &e).into()),
    };
    let u = UserCtx {
        dir: store,
        passwords: &state.passwords,
        policy: &state.password_policy,
        request_id: rid,
    };
    let c = CourseCtx {
        dir: store,
        categories: store,
        site,
        request_id: rid,
    };
    let p = params;
    Ok(match op {
        Op::Authenticate => return auth::authenticate(state, origin, p).await,
        Op::GetAuthMethod => auth::get_auth_method(state),
        Op::ListUsers => users::list_users(&u).await?,
        Op::UserDetails => users::user_details(&u, p).await?,
        Op::CustomFields => users::custom_fields(&u).await?,
        Op::Create => users::create(&u, p).await?,
        Op::Edit => users::edit(&u, p).await?,
        Op::UpdateUserByUserid => users::update_by_userid(&u, p).await?,
        Op::Delete => users::delete(&u, p).await?,
        Op::CheckUsername => users::check_username(&u, p).await?,
        Op::CountUsers => users::count_users(&u, p).await?,
        Op::UserCourses => courses::user_courses(&c, p).await?,
        Op::UserDetailsByUserid => users::details_by_userid(&u, p).await?,
        Op::UserDetailsFromCredentials => users::details_from_credentials(&u, p).await?,
        Op::Courses => courses::courses(&c, p).await?,
        Op::AddUserSubscription => courses::add_subscription(&c, p).await?,
        Op::UpdateUserSubscription => courses::update_subscription(&c, p).await?,
        Op::DeleteUserSubscription => courses::delete_subscription(&c, p).await?,
        Op::GetUsersSubscription => courses::users_subscription(&c, p).await?,
        Op::AddCourse => courses::add_course(&c, p).await?,
        Op::UpdateCourse => courses::update_course(&c, p).await?,
        Op::DeleteCourse => courses::delete_course(&c, p).await?,
        Op::AddCategory => courses::add_category(&c, p).await?,
        Op::GetCategories => courses::get_categories(&c).await?,
    })
}

/// Resolves `ext_user` + `ext_user_type` (§2.2): the user whose external id
/// `ext.user.<type>` is `ext_user` becomes `params[0]`; none found makes it `0`, which the
/// functions refuse (`edit` with Forma's "not specified" message). `create` stores the
/// mapping instead, so it is left alone.
async fn ext_user(
    store: &dyn gatehouse_domain::Store,
    params: &Params,
    op: Op,
) -> Result<Option<Params>, gatehouse_domain::DomainError> {
    let (Some(value), Some(kind)) = (
        params.non_empty("ext_user"),
        params.non_empty("ext_user_type"),
    ) else {
        return Ok(None);
    };
    if matches!(op, Op::Create | Op::Authenticate | Op::GetAuthMethod) {
        return Ok(None);
    }
    let found = store
        .find_by_external_id(
            gatehouse_domain::EntityKind::User,
            &format!("ext.user.{kind}"),
            &value,
        )
        .await?;
    let mut with_id = params.clone();
    let id = found.map_or_else(|| "0".to_owned(), |id| id.to_string());
    match with_id.positional.first_mut() {
        Some(first) => *first = id,
        None => with_id.positional.push(id),
    }
    with_id.ext_not_found = found.is_none();
    Ok(Some(with_id))
}

/// A pre-dispatch error: plain text, PHP's default content type, HTTP 200 (§2.4).
fn plain(message: &'static str) -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        message,
    )
        .into_response();
    response
        .extensions_mut()
        .insert(ResponseOutcome("bad_request"));
    response
}

/// The HTTP response: always 200 in the chosen format (§2.3, §2.4); failures carry their
/// outcome label for metrics and, per the diagnostics mode, `X-Gatehouse-Diagnostic`.
fn render(state: &AppState, format: Format, result: Result<Value, Refusal>) -> Response {
    let retry_after = result
        .as_ref()
        .err()
        .and_then(|refusal| refusal.error.retry_after());
    let (body, outcome, diagnostic) = match result {
        Ok(reply) => (output::success(format, &reply), "ok", None),
        Err(refusal) => (
            output::error(format, refusal.error.message().as_deref()),
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
            HeaderValue::from_static(format.content_type()),
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
