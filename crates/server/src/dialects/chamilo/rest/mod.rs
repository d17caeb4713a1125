//! Chamilo REST `main/webservices/api/v2.php` (specs/chamilo.md §6).
//!
//! One URL, any method; `action` picks the operation ([`codec::Action`]). `authenticate`
//! trades username + password for the user's stable API key; every other action sends
//! `username` + `api_key`. Every answer is HTTP 200 `application/json` with
//! `Access-Control-Allow-Origin: *` and Chamilo's envelope, `{"error":false,"data":…}` or
//! `{"error":true,"message":…}`, written as PHP's `json_encode` writes it ([`json`]).
//! Failures of gatehouse itself answer in that envelope too (D9): an oversized body
//! "Request body too large (limit N bytes)", a body cut short "Request body incomplete",
//! a panic, timeout or store failure "Internal error (request <id>)".
//!
//! Where Chamilo was unsafe, gatehouse keeps the wire shape and does the safe thing:
//! - a missing `api_key` answers "Invalid API key" (Chamilo: HTTP 500 with no JSON);
//! - `authenticate` refuses inactive and expired users (D18), and a disabled user's key
//!   stops working; keys are random, compared in constant time, stored encrypted (D12);
//! - `update_user_from_username` lets only administrators change `status`, `active`,
//!   `enabled` and `expiration_date`, even on their own account; keys Chamilo accepts but
//!   gatehouse has no place for (`address`, `theme`, …) are accepted and not stored;
//! - `add_users_session` lets a non-administrator add only themself (Chamilo: any list
//!   that contains them); `delete_user` never deletes the caller;
//! - `save_session`'s `coach_username` is a user id as Chamilo casts it, or a username.

pub mod auth;
pub mod codec;
pub mod error;
pub mod json;
pub mod ops;
pub mod params;

use axum::body::Body;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use gatehouse_domain::{CourseId, CourseSessionId};
use http::{HeaderMap, HeaderValue, header};

use self::auth::{Caller, Refusal};
use self::codec::Action;
use self::error::RestError;
use self::json::Json;
use self::params::{Params, php_int};
use crate::edge::audit::{self, RequestAudit};
use crate::edge::observe::ResponseOutcome;
use crate::edge::{AuthRecord, ClientIp, RequestId, body, contain};
use crate::state::AppState;

/// The path of the REST endpoint under Chamilo's mount.
pub const PATH: &str = "/main/webservices/api/v2.php";

/// What every operation may know about the request besides its arguments.
struct Context {
    state: AppState,
    audit: AuthRecord,
    /// The portal root as Chamilo's `WEB_PATH`: `http://host<mount>/`.
    root: String,
    request_id: String,
}

/// The `api/v2.php` handler.
pub async fn v2(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    OriginalUri(uri): OriginalUri,
    request_id: Option<axum::Extension<RequestId>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = request_id.map_or_else(|| "-".to_owned(), |id| id.0.0.clone());
    // The request's time starts now: reading the body counts against it.
    let deadline = contain::Deadline::start(&state);
    let limit = state.config.chamilo.body_limit;
    let reading = RequestAudit::new("chamilo-rest", "-", ip, Some(request_id.clone()));
    let bytes = match body::read_by(&state, &reading, deadline, body, limit).await {
        Ok(bytes) => bytes,
        Err(error) => return envelope(Err(RestError::from_body(error, &request_id)), None),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let params = Params::parse(uri.query().unwrap_or(""), content_type, &bytes);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let mount = uri.path().strip_suffix(PATH).unwrap_or("");
    let action = codec::decode(&params);
    let context = Context {
        audit: AuthRecord {
            dialect: "chamilo-rest",
            scheme: "api_key",
            operation: action
                .as_ref()
                .map_or("invalid", Action::wire_name)
                .to_owned(),
            ip: Some(ip),
            request_id: Some(request_id.clone()),
        },
        root: format!("http://{host}{mount}/"),
        request_id: request_id.clone(),
        state,
    };
    let state = context.state.clone();
    let diagnostics = state.diagnostics;
    let watch = RequestAudit::new(
        "chamilo-rest",
        context.audit.operation.clone(),
        ip,
        Some(request_id.clone()),
    );
    // A panic or timeout answers in the envelope rather than dropping the connection (D9).
    match contain::run_by(&state, &watch, deadline, handle(context, params, action)).await {
        Ok(Ok(data)) => envelope(Ok(data), None),
        Ok(Err(refusal)) => {
            let header = refusal
                .failure
                .as_ref()
                .and_then(|f| f.diagnostic_header(diagnostics));
            envelope(Err(refusal.error), header)
        }
        Err(_) => envelope(Err(RestError::Internal(request_id)), None),
    }
}

/// Authenticates and runs one action.
async fn handle(
    mut context: Context,
    params: Params,
    action: Option<Action>,
) -> Result<Json, Refusal> {
    let claim = codec::claim(&params);
    auth::throttle_ip(&context.state, &context.audit).await?;
    let Some(action) = action else {
        return Err(RestError::InvalidAction.into());
    };
    if let Action::Authenticate { password } = &action {
        context.audit.scheme = "password";
        let (_, key) =
            auth::authenticate(&context.state, &context.audit, &claim.username, password).await?;
        return Ok(Json::object([
            ("url", Json::from(context.root.as_str())),
            ("apiKey", Json::from(key.expose())),
            ("gcmSenderId", Json::from("")),
        ]));
    }
    let caller = auth::verify_key(
        &context.state,
        &context.audit,
        &claim.username,
        &claim.api_key,
        matches!(action, Action::UserProfile),
    )
    .await?;
    if !action.is_write() {
        return authorised(&context, &caller, &params, action).await;
    }
    // Every write is audited once, as the authenticated caller, however it ends.
    let audit = RequestAudit::new(
        "chamilo-rest",
        action.wire_name(),
        context
            .audit
            .ip
            .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into()),
        context.audit.request_id.clone(),
    )
    .by(context.audit.scheme, caller.principal.username());
    let result = authorised(&context, &caller, &params, action).await;
    let label = result
        .as_ref()
        .map_or_else(|refusal| refusal.error.outcome(), |_| audit::OK);
    audit.write_done(&context.state.audit, label).await;
    result
}

/// Runs an action for an authenticated caller: routing context, rights, then the action.
async fn authorised(
    context: &Context,
    caller: &auth::Caller,
    params: &Params,
    action: Action,
) -> Result<Json, Refusal> {
    check_routing_context(context, params).await?;
    if action.admin_only() && !caller.is_admin() {
        return Err(RestError::NotAllowed.into());
    }
    if matches!(
        action,
        Action::GetUserApiKey { .. } | Action::GetUsersApiKeys { .. }
    ) && !context.state.config.chamilo.webservice_enable_adminonly_api
    {
        return Err(RestError::NotAllowed.into());
    }
    dispatch(context, caller, action).await.map_err(Into::into)
}

/// The routing `course` and `session` must name existing ones when given (§6).
async fn check_routing_context(context: &Context, params: &Params) -> Result<(), RestError> {
    let store = context.state.store.as_ref();
    let fail = |e: gatehouse_domain::DomainError| RestError::from_domain(&e, &context.request_id);
    if let Some(course) = params.routing("course").filter(|c| !c.trim().is_empty()) {
        let found = if course.trim().bytes().all(|b| b.is_ascii_digit()) {
            store
                .course(CourseId(php_int(&course)))
                .await
                .map_err(fail)?
                .filter(|c| c.deleted_at.is_none())
        } else {
            store.course_by_code(course.trim()).await.map_err(fail)?
        };
        if found.is_none() {
            return Err(RestError::CourseNotFound);
        }
    }
    if let Some(session) = params.routing("session").filter(|s| !s.trim().is_empty()) {
        let found = store
            .session(CourseSessionId(php_int(&session)))
            .await
            .map_err(fail)?;
        if found.is_none() {
            return Err(RestError::SessionNotFound);
        }
    }
    Ok(())
}

/// The table of contents of the dialect: one arm per action.
async fn dispatch(context: &Context, caller: &Caller, action: Action) -> Result<Json, RestError> {
    let store = context.state.store.as_ref();
    let id = context.request_id.as_str();
    let root = context.root.as_str();
    let hashing = ops::users::Hashing {
        pool: &context.state.passwords,
        policy: context.state.password_policy,
    };
    match action {
        Action::Authenticate { .. } => Err(RestError::InvalidAction),
        Action::UsernameExist { loginname } => ops::users::username_exist(store, &loginname).await,
        Action::SaveUser(fields) => {
            let user = ops::users::save_user(store, hashing, &fields, id).await?;
            Ok(Json::Array(vec![Json::Int(user.0)]))
        }
        Action::SaveUserJson(fields) => {
            let fields = fields.ok_or(RestError::NoData)?;
            let user = ops::users::save_user(store, hashing, &fields, id).await?;
            Ok(Json::Array(vec![Json::Int(user.0)]))
        }
        Action::SaveUserGetApikey(fields) => {
            let user = ops::users::save_user(store, hashing, &fields, id).await?;
            let key = auth::user_api_key(store, user, true)
                .await
                .map_err(|e| RestError::from_domain(&e, id))?;
            Ok(Json::object([
                ("id", Json::Int(user.0)),
                ("api_key", Json::from(key.map(|k| k.expose().to_owned()))),
            ]))
        }
        Action::UpdateUserFromUsername { fields } => {
            ops::users::update_user_from_username(store, caller, &fields, id).await
        }
        Action::DeleteUser { user_id } => ops::users::delete_user(store, caller, user_id, id).await,
        Action::UpdateUserApikey {
            user_id,
            current_api_key,
        } => ops::keys::update_user_apikey(store, caller, user_id, &current_api_key, id).await,
        Action::GetUserApiKey { user, force } => {
            ops::keys::get_user_api_key(store, &user, force, id).await
        }
        Action::GetUsersApiKeys {
            page,
            per_page,
            force,
        } => {
            let endpoint = format!("{root}{}", PATH.trim_start_matches('/'));
            ops::keys::get_users_api_keys(store, page, per_page, force, &endpoint, id).await
        }
        Action::UserProfile => ops::users::user_profile(store, caller, root, id).await,
        Action::GetUsers {
            status,
            extra_fields,
        } => ops::users::get_users(store, status, &extra_fields, id).await,
        Action::SaveCourse {
            title,
            wanted_code,
            id_campus,
            disk_quota,
            visibility,
            language,
            remove_campus_id,
            extra,
        } => {
            let args = ops::courses::SaveCourse {
                title: &title,
                wanted_code: &wanted_code,
                id_campus,
                disk_quota,
                visibility,
                language: &language,
                remove_campus_id,
                extra: &extra,
            };
            ops::courses::save_course(store, args, id).await
        }
        Action::DeleteCourse { course } => ops::courses::delete_course(store, &course, id).await,
        Action::GetCourses => ops::courses::get_courses(store, id).await,
        Action::SubscribeUserToCourse {
            course,
            user_id,
            status,
        } => {
            ops::courses::subscribe_user_to_course(store, caller, &course, user_id, status, id)
                .await
        }
        Action::UnsubscribeUserFromCourse { course, user_id } => {
            ops::courses::unsubscribe_user_from_course(store, caller, &course, user_id, id).await
        }
        Action::GetUsersSubscribedToCourse { course } => {
            ops::courses::get_users_subscribed_to_course(store, &course, id).await
        }
        Action::UserCourses { user_id } => {
            ops::courses::user_courses(store, caller, user_id, root, id).await
        }
        Action::SaveSession {
            name,
            coach,
            access_start_date,
            access_end_date,
            description,
            extra,
        } => {
            let args = ops::sessions::SaveSession {
                name: &name,
                coach: &coach,
                access_start_date: &access_start_date,
                access_end_date: &access_end_date,
                description: &description,
                extra: &extra,
            };
            ops::sessions::save_session(store, args, id).await
        }
        Action::GetSessions => ops::sessions::get_sessions(store, id).await,
        Action::AddCoursesSession {
            id_session,
            list_courses,
        } => ops::sessions::add_courses_session(store, id_session, &list_courses, id).await,
        Action::AddUsersSession {
            id_session,
            list_users,
        } => ops::sessions::add_users_session(store, caller, id_session, &list_users, id).await,
        Action::UnsubscribeUsersFromSession {
            id_session,
            list_users,
        } => {
            ops::sessions::unsubscribe_users_from_session(store, id_session, &list_users, id).await
        }
    }
}

/// The envelope: HTTP 200, JSON, `Access-Control-Allow-Origin: *`, `error` first.
fn envelope(result: Result<Json, RestError>, diagnostic: Option<HeaderValue>) -> Response {
    let retry_after = match &result {
        Err(RestError::TooManyRequests(seconds)) => Some(*seconds),
        _ => None,
    };
    let (body, outcome) = match result {
        Ok(data) => (
            Json::object([("error", Json::Bool(false)), ("data", data)]),
            "ok",
        ),
        Err(error) => (
            Json::object([
                ("error", Json::Bool(true)),
                ("message", Json::from(error.message())),
            ]),
            error.outcome(),
        ),
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body.encode(),
    )
        .into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if let Some(value) = diagnostic {
        response
            .headers_mut()
            .insert(crate::edge::auth::DIAGNOSTIC_HEADER, value);
    }
    response.extensions_mut().insert(ResponseOutcome(outcome));
    response
}
