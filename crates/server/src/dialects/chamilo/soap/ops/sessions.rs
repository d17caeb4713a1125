//! Course sessions (specs/chamilo.md §4.3).

use gatehouse_domain::Store;
use gatehouse_wire::SoapValue;

use crate::dialects::chamilo::soap::codec::Params;
use crate::dialects::chamilo::soap::error::SoapError;
use crate::state::AppState;

fn zeros(p: &Params, list: &str, key: &str) -> SoapValue {
    SoapValue::Array(
        p.list(list)
            .into_iter()
            .map(|item| super::keyed_result(key, item.str(key), super::id_value(0)))
            .collect(),
    )
}

/// `WSCreateSession`.
pub async fn create_session(store: &dyn Store, p: &Params) -> Result<SoapValue, SoapError> {
    let _ = store;
    Ok(zeros(p, "sessions", "original_session_id_value"))
}

/// `WSEditSession`.
pub async fn edit_session(store: &dyn Store, p: &Params) -> Result<SoapValue, SoapError> {
    let _ = store;
    Ok(zeros(p, "sessions", "original_session_id_value"))
}

/// `WSDeleteSession`.
pub async fn delete_session(store: &dyn Store, p: &Params) -> Result<SoapValue, SoapError> {
    let _ = store;
    Ok(zeros(p, "sessions", "original_session_id_value"))
}

/// `WSSuscribeUsersToSession`.
pub async fn subscribe_users_to_session(
    store: &dyn Store,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let _ = store;
    Ok(zeros(p, "userssessions", "original_session_id_value"))
}

/// `WSUnsuscribeUsersFromSession`.
pub async fn unsubscribe_users_from_session(
    store: &dyn Store,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let _ = store;
    Ok(zeros(p, "userssessions", "original_session_id_value"))
}

/// `WSSuscribeCoursesToSession`.
pub async fn subscribe_courses_to_session(
    store: &dyn Store,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let _ = store;
    Ok(zeros(p, "coursessessions", "original_session_id_value"))
}

/// `WSUnsuscribeCoursesFromSession`.
pub async fn unsubscribe_courses_from_session(
    store: &dyn Store,
    p: &Params,
) -> Result<SoapValue, SoapError> {
    let _ = store;
    Ok(zeros(p, "coursessessions", "original_session_id_value"))
}

/// `WSListSessions`.
pub async fn list_sessions(state: &AppState, p: &Params) -> Result<SoapValue, SoapError> {
    let _ = (state, p);
    Ok(SoapValue::Array(Vec::new()))
}
