//! The course-session operations through the wire.

use gatehouse_testkit::TestApp;

use super::support::*;

fn session_item(name: &str, external: &str) -> String {
    [
        s("name", name),
        s("year_start", "2030"),
        s("month_start", "1"),
        s("day_start", "10"),
        s("year_end", "2030"),
        s("month_end", "6"),
        s("day_end", "30"),
        s("nb_days_access_before", "0"),
        s("nb_days_access_after", "0"),
        s("nolimit", "0"),
        s("user_id", "1"),
        s("original_session_id_name", "sess_id"),
        s("original_session_id_value", external),
    ]
    .concat()
}

#[tokio::test]
async fn every_session_operation_answers_in_its_declared_shape() {
    let app = TestApp::new().await;
    let created = call(
        &app,
        "WSCreateSession",
        "createSession",
        &arr(
            "sessions",
            "createSessionParam",
            &[session_item("Spring", "SP")],
        ),
    )
    .await;
    assert!(
        created.body.contains("tns:result_createSession[1]"),
        "{}",
        created.body
    );
    let edited = call(
        &app,
        "WSEditSession",
        "editSession",
        &arr(
            "sessions",
            "editSessionParams",
            &[session_item("Spring 2", "SP")],
        ),
    )
    .await;
    assert!(
        edited.body.contains("tns:result_editSession[1]"),
        "{}",
        edited.body
    );
    let listed = call(&app, "WSListSessions", "input", "").await;
    assert!(
        listed.body.contains("SOAP-ENC:arrayType=\"tns:session["),
        "{}",
        listed.body
    );
    let users = [
        arr(
            "original_user_id_values",
            "originalUserItem",
            &[s("original_user_id_value", "U")],
        ),
        s("original_user_id_name", "hr_id"),
        s("original_session_id_value", "SP"),
        s("original_session_id_name", "sess_id"),
    ]
    .concat();
    let sub = call(
        &app,
        "WSSuscribeUsersToSession",
        "subscribeUsersToSession",
        &arr(
            "userssessions",
            "subscribeUsersToSessionParams",
            std::slice::from_ref(&users),
        ),
    )
    .await;
    assert!(
        sub.body.contains("tns:result_subscribeUsersToSession["),
        "{}",
        sub.body
    );
    let unsub = call(
        &app,
        "WSUnsuscribeUsersFromSession",
        "unsubscribeUsersFromSession",
        &arr("userssessions", "subscribeUsersToSessionParams", &[users]),
    )
    .await;
    assert!(
        unsub
            .body
            .contains("tns:result_unsubscribeUsersFromSession["),
        "{}",
        unsub.body
    );
    let courses = [
        arr(
            "original_course_id_values",
            "course_code_type",
            &[s("course_code", "C")],
        ),
        s("original_course_id_name", "sis_id"),
        s("original_session_id_value", "SP"),
        s("original_session_id_name", "sess_id"),
    ]
    .concat();
    let csub = call(
        &app,
        "WSSuscribeCoursesToSession",
        "subscribeCoursesToSession",
        &arr(
            "coursessessions",
            "subscribeCoursesToSessionParams",
            std::slice::from_ref(&courses),
        ),
    )
    .await;
    assert!(
        csub.body.contains("tns:result_subscribeCoursesToSession["),
        "{}",
        csub.body
    );
    let cunsub = call(
        &app,
        "WSUnsuscribeCoursesFromSession",
        "unsubscribeCoursesFromSession",
        &arr(
            "coursessessions",
            "unsubscribeCoursesFromSessionParams",
            &[courses],
        ),
    )
    .await;
    assert!(
        cunsub
            .body
            .contains("tns:result_unsubscribeCoursesFromSession["),
        "{}",
        cunsub.body
    );
    let deleted = call(
        &app,
        "WSDeleteSession",
        "deleteSession",
        &arr(
            "sessions",
            "deleteSessionParams",
            &[[
                s("original_session_id_value", "SP"),
                s("original_session_id_name", "sess_id"),
            ]
            .concat()],
        ),
    )
    .await;
    assert!(
        deleted.body.contains("tns:result_deleteSession[1]"),
        "{}",
        deleted.body
    );
}
