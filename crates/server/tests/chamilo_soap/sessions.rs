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

fn session_ref(external: &str) -> String {
    [
        s("original_session_id_value", external),
        s("original_session_id_name", "sess_id"),
    ]
    .concat()
}

fn users_item(session: &str, users: &[&str]) -> String {
    let values: Vec<String> = users
        .iter()
        .map(|u| s("original_user_id_value", u))
        .collect();
    [
        arr("original_user_id_values", "originalUserItem", &values),
        s("original_user_id_name", "hr_id"),
        session_ref(session),
    ]
    .concat()
}

fn courses_item(session: &str, courses: &[&str]) -> String {
    let values: Vec<String> = courses.iter().map(|c| s("course_code", c)).collect();
    [
        arr("original_course_id_values", "course_code_type", &values),
        s("original_course_id_name", "sis_id"),
        session_ref(session),
    ]
    .concat()
}

#[tokio::test]
async fn create_session_answers_the_id_and_refuses_duplicates_bad_dates_and_unknown_coaches() {
    let app = TestApp::new().await;
    let coach = create_active_user(&app, "coach", "CO").await;
    let good = session_item("Spring", "SP").replace(&s("user_id", "1"), &s("user_id", &coach));
    let same_external =
        session_item("Other", "SP").replace(&s("user_id", "1"), &s("user_id", &coach));
    let same_name =
        session_item("Spring", "SP2").replace(&s("user_id", "1"), &s("user_id", &coach));
    let bad_dates = session_item("Bad", "SP3")
        .replace(&s("month_start", "1"), &s("month_start", "13"))
        .replace(&s("user_id", "1"), &s("user_id", &coach));
    let no_coach =
        session_item("Lonely", "SP4").replace(&s("user_id", "1"), &s("user_id", "999999"));
    let sessions = arr(
        "sessions",
        "createSessionParam",
        &[good, same_external, same_name, bad_dates, no_coach],
    );
    let answer = call(&app, "WSCreateSession", "createSession", &sessions).await;
    let results = answer.results();
    assert_eq!(
        results.len(),
        5,
        "every item gets its entry: {}",
        answer.body
    );
    assert!(results[0].parse::<i64>().unwrap() > 0, "{results:?}");
    assert_eq!(&results[1..], ["0", "0", "0", "0"]);

    let listed = call(
        &app,
        "WSListSessions",
        "input",
        &[s("date_start", "2030-01-01"), s("date_end", "2030-12-31")].concat(),
    )
    .await;
    let value = listed.value();
    let items = value.items();
    assert_eq!(items.len(), 1, "{}", listed.body);
    assert_eq!(items[0].str("title"), "Spring");
    assert_eq!(items[0].str("date_start"), "2030-01-10 00:00:00");
    assert_eq!(items[0].str("date_end"), "2030-06-30 23:59:59");
    assert_eq!(
        items[0].str("url"),
        format!(
            "{}/chamilo/main/session/index.php?session_id={}",
            app.base_url, results[0]
        )
    );
    assert!(listed.body.contains("<id xsi:type=\"xsd:int\">"));
    let none = call(
        &app,
        "WSListSessions",
        "input",
        &s("date_start", "2031-01-01"),
    )
    .await;
    assert!(none.value().items().is_empty());
}

#[tokio::test]
async fn edit_and_delete_session_answer_1_then_0() {
    let app = TestApp::new().await;
    let coach = create_active_user(&app, "coach2", "CO2").await;
    let item =
        |name: &str| session_item(name, "ED").replace(&s("user_id", "1"), &s("user_id", &coach));
    call(
        &app,
        "WSCreateSession",
        "createSession",
        &arr("sessions", "createSessionParam", &[item("Before")]),
    )
    .await;
    let edited = call(
        &app,
        "WSEditSession",
        "editSession",
        &arr("sessions", "editSessionParams", &[item("After")]),
    )
    .await;
    assert_eq!(edited.results(), ["1"]);
    let listed = call(&app, "WSListSessions", "input", "").await.value();
    assert_eq!(listed.items()[0].str("title"), "After");
    let delete = arr("sessions", "deleteSessionParams", &[session_ref("ED")]);
    let deleted = call(&app, "WSDeleteSession", "deleteSession", &delete).await;
    assert_eq!(deleted.results(), ["1"]);
    assert_eq!(
        deleted.value().items()[0].str("original_session_id_value"),
        "ED",
        "the value, not the name"
    );
    assert_eq!(
        call(&app, "WSDeleteSession", "deleteSession", &delete)
            .await
            .results(),
        ["0"]
    );
    let edit_missing = call(
        &app,
        "WSEditSession",
        "editSession",
        &arr("sessions", "editSessionParams", &[item("x")]),
    )
    .await;
    assert_eq!(edit_missing.results(), ["0"]);
}

#[tokio::test]
async fn users_and_courses_join_and_leave_a_session() {
    let app = TestApp::new().await;
    let coach = create_active_user(&app, "coach3", "CO3").await;
    create_active_user(&app, "member", "M1").await;
    create_course(&app, "Session course", "SC").await;
    let item = session_item("Members", "MB").replace(&s("user_id", "1"), &s("user_id", &coach));
    let created = call(
        &app,
        "WSCreateSession",
        "createSession",
        &arr("sessions", "createSessionParam", &[item]),
    )
    .await;
    let session_id = gatehouse_domain::CourseSessionId(created.results()[0].parse().unwrap());

    let users = arr(
        "userssessions",
        "subscribeUsersToSessionParams",
        &[users_item("MB", &["M1", "ghost"])],
    );
    let added = call(
        &app,
        "WSSuscribeUsersToSession",
        "subscribeUsersToSession",
        &users,
    )
    .await;
    let value = added.value();
    let entries: Vec<(&str, &str)> = value
        .items()
        .iter()
        .map(|i| (i.str("original_user_id_values"), i.str("result")))
        .collect();
    assert_eq!(entries, [("M1", "1"), ("ghost", "0")]);
    assert_eq!(
        app.store().session_users(session_id).await.unwrap().len(),
        1
    );
    let unknown = arr(
        "userssessions",
        "subscribeUsersToSessionParams",
        &[users_item("nope", &["M1"])],
    );
    assert_eq!(
        call(
            &app,
            "WSSuscribeUsersToSession",
            "subscribeUsersToSession",
            &unknown
        )
        .await
        .results(),
        ["0"]
    );

    let courses = arr(
        "coursessessions",
        "subscribeCoursesToSessionParams",
        &[courses_item("MB", &["SC", "missing"])],
    );
    let added = call(
        &app,
        "WSSuscribeCoursesToSession",
        "subscribeCoursesToSession",
        &courses,
    )
    .await;
    assert_eq!(added.results(), ["1", "0"]);
    assert_eq!(
        app.store().session_courses(session_id).await.unwrap().len(),
        1
    );
    let courses = arr(
        "coursessessions",
        "unsubscribeCoursesFromSessionParams",
        &[courses_item("MB", &["SC"])],
    );
    let removed = call(
        &app,
        "WSUnsuscribeCoursesFromSession",
        "unsubscribeCoursesFromSession",
        &courses,
    )
    .await;
    assert_eq!(
        removed.value().items()[0].str("original_course_id_values"),
        "SESSIONCOURSE"
    );
    assert_eq!(removed.results(), ["1"]);
    assert!(
        app.store()
            .session_courses(session_id)
            .await
            .unwrap()
            .is_empty()
    );

    let users = arr(
        "userssessions",
        "subscribeUsersToSessionParams",
        &[users_item("MB", &["M1"])],
    );
    let removed = call(
        &app,
        "WSUnsuscribeUsersFromSession",
        "unsubscribeUsersFromSession",
        &users,
    )
    .await;
    assert_eq!(removed.results(), ["1"]);
    assert!(
        removed
            .body
            .contains("tns:result_unsubscribeUsersFromSession[1]")
    );
    assert!(
        app.store()
            .session_users(session_id)
            .await
            .unwrap()
            .is_empty()
    );
}
