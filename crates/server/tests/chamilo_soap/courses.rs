//! The course and subscription operations through the wire.

use gatehouse_testkit::TestApp;

use super::support::*;

#[tokio::test]
async fn create_course_answers_the_code_and_a_second_create_updates_it() {
    let app = TestApp::new().await;
    let code = create_course(&app, "Intro to Rust", "R1").await;
    assert_eq!(code, "INTROTORUST");
    let again = create_course(&app, "Intro to Rust, 2nd", "R1").await;
    assert_eq!(
        again, code,
        "the same external id updates and answers the code"
    );
    let course = app.store().course_by_code(&code).await.unwrap().unwrap();
    assert_eq!(course.title, "Intro to Rust, 2nd");
    assert_eq!(course.language, "english");
}

#[tokio::test]
async fn create_course_by_title_answers_a_code_then_the_numeric_id() {
    let app = TestApp::new().await;
    let item = [s("title", "Databases"), course_ref("T1")].concat();
    let courses = arr("courses", "createCourseByTitleParams", &[item]);
    let first = call(
        &app,
        "WSCreateCourseByTitle",
        "createCourseByTitle",
        &courses,
    )
    .await
    .results();
    assert_eq!(first, ["DATABASES"]);
    let course = app
        .store()
        .course_by_code("DATABASES")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (course.category.as_str(), course.language.as_str()),
        ("LANG", "spanish")
    );
    let second = call(
        &app,
        "WSCreateCourseByTitle",
        "createCourseByTitle",
        &courses,
    )
    .await
    .results();
    assert_eq!(second, [course.id.0.to_string()]);
}

#[tokio::test]
async fn edit_course_answers_1_or_0_and_list_courses_shows_the_external_id() {
    let app = TestApp::new().await;
    let code = create_course(&app, "Algebra", "A1").await;
    let edit = [
        s("title", "Linear Algebra"),
        s("visibility", "3"),
        course_ref("A1"),
    ]
    .concat();
    let unknown = [s("title", "x"), course_ref("nope")].concat();
    let results = call(
        &app,
        "WSEditCourse",
        "editCourse",
        &arr("courses", "editCourseParams", &[edit, unknown]),
    )
    .await
    .results();
    assert_eq!(results, ["1", "0"]);

    let list = call(
        &app,
        "WSListCourses",
        "listCourseInput",
        &s("original_course_id_name", "sis_id"),
    )
    .await;
    let value = list.value();
    let items = value.items();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].str("code"), code);
    assert_eq!(items[0].str("title"), "Linear Algebra");
    assert_eq!(items[0].str("external_course_id"), "A1");
    assert_eq!(items[0].str("visibility"), "3");
    assert!(
        list.body.contains("<id xsi:type=\"xsd:int\">"),
        "{}",
        list.body
    );
    assert!(list.body.contains("SOAP-ENC:arrayType=\"tns:course[1]\""));
}

#[tokio::test]
async fn delete_course_soft_deletes_and_answers_1_then_0() {
    let app = TestApp::new().await;
    create_course(&app, "Gone", "G1").await;
    let courses = arr("courses", "deleteCourseParams", &[course_ref("G1")]);
    assert_eq!(
        call(&app, "WSDeleteCourse", "deleteCourse", &courses)
            .await
            .results(),
        ["1"]
    );
    assert_eq!(
        call(&app, "WSDeleteCourse", "deleteCourse", &courses)
            .await
            .results(),
        ["0"]
    );
    let list = call(&app, "WSListCourses", "listCourseInput", "").await;
    assert!(list.value().items().is_empty());
}

#[tokio::test]
async fn subscribe_check_and_unsubscribe_a_user_by_external_ids() {
    let app = TestApp::new().await;
    let user_id = create_active_user(&app, "stud", "S1").await;
    let code = create_course(&app, "Physics", "P1").await;
    let item = [
        st("course_id", &course_ref("P1")),
        st("user_id", &user_ref("S1")),
        "<status xsi:type=\"xsd:int\">5</status>".to_owned(),
    ]
    .concat();
    let sub = call(
        &app,
        "WSSubscribeUserToCourse",
        "subscribeUserToCourse",
        &arr(
            "userscourses",
            "user_course_status",
            std::slice::from_ref(&item),
        ),
    )
    .await;
    assert!(sub.body.contains("<item xsi:type=\"tns:subscribeUserToCourse_return\"><original_user_id_value xsi:type=\"xsd:string\">S1</original_user_id_value><original_course_id_value xsi:type=\"xsd:string\">P1</original_course_id_value><result xsi:type=\"xsd:int\">1</result></item>"), "{}", sub.body);
    let again = call(
        &app,
        "WSSubscribeUserToCourse",
        "subscribeUserToCourse",
        &arr("userscourses", "user_course_status", &[item]),
    )
    .await;
    assert_eq!(again.results(), ["0"], "already enrolled");

    let check = |uid: String| [s("course", &code), s("user_id", &uid)].concat();
    assert_eq!(
        call(
            &app,
            "WSUserSubscribedInCourse",
            "UserSubscribedInCourse",
            &check(user_id.clone())
        )
        .await
        .text(),
        "1"
    );

    let values = arr(
        "original_user_id_values",
        "originalUserItem",
        &[s("original_user_id_value", "S1")],
    );
    let unsub = [
        values,
        s("original_user_id_name", "hr_id"),
        s("original_course_id_value", "P1"),
        s("original_course_id_name", "sis_id"),
    ]
    .concat();
    let answer = call(
        &app,
        "WSUnsubscribeUserFromCourse",
        "unsuscribeUserFromCourse",
        &arr("userscourses", "unsuscribeUserFromCourseParams", &[unsub]),
    )
    .await;
    let value = answer.value();
    assert_eq!(value.items()[0].str("original_user_id_values"), user_id);
    assert_eq!(value.items()[0].str("result"), "1");
    assert_eq!(
        call(
            &app,
            "WSUserSubscribedInCourse",
            "UserSubscribedInCourse",
            &check(user_id)
        )
        .await
        .text(),
        ""
    );
}

#[tokio::test]
async fn the_simple_subscription_answers_chamilo_messages() {
    let app = TestApp::new().await;
    let user_id = create_active_user(&app, "simple", "SI").await;
    let code = create_course(&app, "Chemistry", "CH").await;
    let sub = |uid: &str, course: &str| {
        [
            s("course", course),
            s("user_id", uid),
            "<status xsi:type=\"xsd:int\">1</status>".to_owned(),
        ]
        .concat()
    };
    let op = (
        "WSSubscribeUserToCourseSimple",
        "subscribeUserToCourseSimple",
    );
    assert_eq!(
        call(&app, op.0, op.1, &sub("999999", &code)).await.text(),
        "User 999999 does not exist"
    );
    assert_eq!(
        call(&app, op.0, op.1, &sub(&user_id, "NOPE")).await.text(),
        "Course NOPE does not exist in the platform "
    );
    assert_eq!(
        call(&app, op.0, op.1, &sub(&user_id, "")).await.text(),
        "Array"
    );
    assert_eq!(
        call(&app, op.0, op.1, &sub(&user_id, &code)).await.text(),
        "1"
    );
    assert!(
        call(&app, op.0, op.1, &sub(&user_id, &code))
            .await
            .text()
            .starts_with(
                "User was not registered possible reasons: User already registered to the course,"
            )
    );
    let enrolment = app
        .store()
        .enrolment(
            gatehouse_domain::UserId(user_id.parse().unwrap()),
            app.store().course_by_code(&code).await.unwrap().unwrap().id,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        enrolment.role,
        gatehouse_domain::EnrolmentRole::Instructor,
        "Chamilo's 1 is stored as instructor (D18)"
    );

    let members = [user_ref("SI"), course_ref("CH")].concat();
    let answer = call(
        &app,
        "WSUnSubscribeUserFromCourseSimple",
        "unSubscribeUserFromCourseSimple",
        &members,
    )
    .await;
    assert!(answer.body.contains("<return xsi:type=\"tns:unSubscribeUserToCourseSimple_return\"><original_user_id_value xsi:type=\"xsd:string\">SI</original_user_id_value><original_course_id_value xsi:type=\"xsd:string\">CH</original_course_id_value><result xsi:type=\"xsd:int\">1</result></return>"), "{}", answer.body);
}

#[tokio::test]
async fn course_descriptions_of_an_unknown_course_are_an_empty_array() {
    let app = TestApp::new().await;
    let answer = call(
        &app,
        "WSCourseDescription",
        "courseDescription",
        &course_ref("nope"),
    )
    .await;
    assert!(
        answer
            .body
            .contains("SOAP-ENC:arrayType=\"tns:fields_course_desc[0]\"></return>"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn course_descriptions_are_eight_sections_that_edit_course_description_fills() {
    let app = TestApp::new().await;
    create_course(&app, "Described", "DS").await;
    let item = |id: &str, title: &str| {
        [
            s("course_desc_id", id),
            s("course_desc_title", title),
            s("course_desc_content", "<p>Learn & do</p>"),
            course_ref("DS"),
        ]
        .concat()
    };
    let unknown = [
        s("course_desc_id", "1"),
        s("course_desc_content", "x"),
        course_ref("nope"),
    ]
    .concat();
    let edits = arr(
        "course_desc",
        "editCourseDescriptionParams",
        &[
            item("2", "Goals"),
            item("3", ""),
            item("9", "Too far"),
            unknown,
        ],
    );
    let answer = call(
        &app,
        "WSEditCourseDescription",
        "editCourseDescription",
        &edits,
    )
    .await;
    assert_eq!(answer.results(), ["1", "1", "0", "0"]);
    assert!(
        answer
            .body
            .contains("<course_desc_id xsi:type=\"xsd:string\">2</course_desc_id>"),
        "{}",
        answer.body
    );

    let read = call(
        &app,
        "WSCourseDescription",
        "courseDescription",
        &course_ref("DS"),
    )
    .await;
    let value = read.value();
    let items = value.items();
    assert_eq!(items.len(), 8);
    let ids: Vec<&str> = items.iter().map(|i| i.str("course_desc_id")).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    assert_eq!(items[1].str("course_desc_title"), "Goals");
    assert_eq!(items[1].str("course_desc_content"), "<p>Learn & do</p>");
    assert_eq!(
        items[2].str("course_desc_title"),
        items[2].str("course_desc_default_title"),
        "an empty title takes the default"
    );
    assert_eq!(items[0].str("course_desc_title"), "");
    assert!(read.body.contains("&lt;p&gt;Learn &amp; do&lt;/p&gt;"));
}
