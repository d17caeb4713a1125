//! Forma REST: routing, envelopes and every user and course endpoint (specs/forma.md §2, §4).

use gatehouse_domain::{CourseId, EnrolmentRole, EnrolmentStatus, UserId, Username};
use serde_json::json;

use crate::corebos_support::Crm;
use crate::forma_support::{Lms, forma_json, xml};

#[tokio::test]
async fn create_answers_the_new_idst_in_forma_xml_byte_for_byte() {
    let lms = Lms::new().await;
    let body = "userid=jdoe&firstname=John&lastname=Doe&password=Secret123&email=jdoe%40example.com&role=user&valid=1";
    let answer = lms.xml("/api/user/create", body).await;
    let user = lms
        .app
        .store()
        .user_by_username(&Username::parse("jdoe").unwrap())
        .await
        .unwrap()
        .expect("the Directory has the user");
    assert_eq!(
        answer,
        xml(&format!("<success>true</success><idst>{}</idst>", user.id))
    );
    assert_eq!(user.email, "jdoe@example.com");
    assert!(user.active);
}

#[tokio::test]
async fn check_username_answers_json_byte_for_byte_in_forma_s_key_order() {
    let lms = Lms::new().await;
    let id = lms.create("jdoe").await;
    let header = lms.sign("userid=jdoe");
    let text = lms
        .raw(
            "/api/user/checkUsername",
            "userid=jdoe",
            Some(&header),
            Some("application/json"),
        )
        .await;
    assert_eq!(
        text,
        format!(r#"{{"idst":{id},"success":true,"message":""}}"#)
    );
}

#[tokio::test]
async fn a_duplicate_userid_is_forma_s_create_error_and_creates_nothing() {
    let lms = Lms::new().await;
    lms.create("jdoe").await;
    let reply = lms
        .json(
            "/api/user/create",
            "userid=JDOE&_customfields%5Bcity%5D=Milano",
        )
        .await;
    assert_eq!(reply, json!({"error": "Error: unable to create new user."}));
    assert_eq!(lms.app.store().count_users(None).await.unwrap(), 1);
}

#[tokio::test]
async fn the_suffix_and_the_rest_php_entry_choose_format_and_route() {
    let lms = Lms::new().await;
    let id = lms.create("jdoe").await;
    let header = lms.sign("userid=jdoe");
    let json_text = lms
        .raw(
            "/api/user/checkusername.json!POST",
            "userid=jdoe",
            Some(&header),
            None,
        )
        .await;
    assert!(
        json_text.starts_with(&format!("{{\"idst\":{id}")),
        "{json_text}"
    );
    let body = "q=%2Fapi%2Fuser%2FcheckUsername&userid=jdoe";
    let header = lms.sign(body);
    let xml_text = lms.raw("/api/rest.php", body, Some(&header), None).await;
    assert_eq!(
        xml_text,
        xml(&format!(
            "<idst>{id}</idst><success>true</success><message></message>"
        ))
    );
    // An exact Accept keeps the suffix in the function name.
    let header = lms.sign("userid=jdoe");
    let text = lms
        .raw(
            "/api/user/checkUsername.xml",
            "userid=jdoe",
            Some(&header),
            Some("application/json"),
        )
        .await;
    assert_eq!(
        text,
        r#"{"error":"Error: unknown function: checkUsername.xml."}"#
    );
}

#[tokio::test]
async fn pre_dispatch_errors_are_plain_text() {
    let lms = Lms::new().await;
    assert_eq!(
        lms.raw("/api/rest.php", "", None, None).await,
        "Error: no input parameters."
    );
    assert_eq!(
        lms.raw("/api/rest.php?q=/api", "", None, None).await,
        "Error: not enough input parameters."
    );
    assert_eq!(
        lms.raw("/api/rest.php?q=/x/user/create", "", None, None)
            .await,
        "Error: Invalid request."
    );
}

#[tokio::test]
async fn user_details_list_count_and_custom_fields_show_the_directory() {
    let lms = Lms::new().await;
    let id = lms.create("zed").await;
    let body = format!("idst={id}&_customfields%5B3%5D=Milano&firstname=Zed&valid=0");
    assert_eq!(
        lms.json("/api/user/edit", &body).await,
        json!({"success": true})
    );
    let details = lms.json(&format!("/api/user/userdetails/{id}"), "").await;
    assert_eq!(details["details"]["firstname"], "Zed");
    assert_eq!(details["details"]["valid"], "0");
    assert_eq!(
        details["details"]["custom_fields"],
        json!([{"id": "3", "name": "3", "value": "Milano"}])
    );
    let several = lms
        .json("/api/user/userdetails", &format!("idsts={id},999"))
        .await;
    assert_eq!(
        several["details"]["999"]["message"],
        "Invalid user ID: 999."
    );
    assert_eq!(several["details"][id.to_string()]["success"], true);
    lms.create("amy").await;
    let list = lms.json("/api/user/listUsers", "").await;
    assert_eq!(list["list"][0]["userid"], "amy");
    assert_eq!(list["list"][1]["idst"], id.to_string());
    assert_eq!(
        lms.json("/api/user/countusers", "status=suspended").await,
        json!({"success": true, "users_count": "1"})
    );
    assert_eq!(
        lms.json("/api/user/customfields", "").await,
        json!({"success": true, "custom_fields": [{"id": "3", "name": "3"}]})
    );
    let check = lms.json("/api/user/checkUsername", "userid=zed").await;
    assert_eq!(check["message"], "_DISABLED");
    assert_eq!(
        lms.json(
            "/api/user/checkUsername",
            "userid=nobody&also_check_as_email=amy%40example.com"
        )
        .await["success"],
        true
    );
    assert_eq!(
        lms.json("/api/user/checkUsername", "userid=nobody").await,
        json!({"error": "User not found"})
    );
}

#[tokio::test]
async fn edit_by_userid_delete_and_details_by_credentials_work() {
    let lms = Lms::new().await;
    let body = "userid=kim&password=Kim-Pass-1";
    let id = lms.json("/api/user/create", body).await["idst"]
        .as_i64()
        .unwrap();
    assert_eq!(
        lms.json("/api/user/updateuserbyuserid", "userid=kim&lastname=Lee")
            .await,
        json!({"success": true})
    );
    assert_eq!(
        lms.json("/api/user/updateuserbyuserid", "userid=ghost")
            .await,
        json!({"error": "Error: invalid userid: ghost."})
    );
    let by_userid = lms
        .json("/api/user/userdetailsbyuserid", "userid=kim")
        .await;
    assert_eq!(by_userid["details"]["lastname"], "Lee");
    let creds = lms
        .json(
            "/api/user/userdetailsfromcredentials",
            "userid=kim&password=Kim-Pass-1",
        )
        .await;
    assert_eq!(creds["details"]["idst"], id.to_string());
    assert_eq!(
        lms.json(
            "/api/user/userdetailsfromcredentials",
            "userid=kim&password=nope"
        )
        .await,
        json!({"error": "Invalid credentials specified for user: kim."})
    );
    assert_eq!(
        lms.json("/api/user/edit", "idst=9999&firstname=x").await,
        json!({"error": "Error: incorrect param idst."})
    );
    assert_eq!(
        lms.json("/api/user/delete", &format!("idst={id}")).await,
        json!({"success": true, "message": format!("User #{id} has been deleted.")})
    );
    assert!(lms.app.store().user(UserId(id)).await.unwrap().is_none());
}

#[tokio::test]
async fn subscriptions_map_levels_and_statuses_onto_enrolments() {
    let lms = Lms::new().await;
    let id = lms.create("stu").await;
    let course = lms
        .json(
            "/api/course/addCourse",
            "course_name=Rust+101&course_code=RUST101",
        )
        .await;
    assert_eq!(course["message"], "_ok_course - elearning");
    let cid = course["course_id"].as_i64().unwrap();
    let sub = format!("idst={id}&course_id={cid}&user_level=tutor&sendmail=false");
    assert_eq!(
        lms.json("/api/course/addUserSubscription", &sub).await,
        json!({"success": true, "message": "User has been subscribed to the course"})
    );
    let e = lms
        .app
        .store()
        .enrolment(UserId(id), CourseId(cid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.role, EnrolmentRole::Tutor);
    let upd = format!("idst={id}&course_code=RUST101&user_status=completed");
    assert_eq!(
        lms.json("/api/course/updateUserSubscription", &upd).await["message"],
        "User subscription has been updated"
    );
    let done = lms
        .json(
            "/api/user/userCourses",
            &format!("idst={id}&filter=completed"),
        )
        .await;
    let entry = &done["courses"][id.to_string()]["courses"][0];
    assert_eq!(entry["course_name"], "Rust 101");
    assert_eq!(entry["user_status"], "2");
    let link = entry["course_link"].as_str().unwrap();
    assert!(
        link.ends_with(&format!(
            "/forma/appLms/index.php?modname=course&op=aula&idCourse={cid}"
        )),
        "{link}"
    );
    // Unlike Forma, `subscribed` (status 0) is applied.
    let back = format!("idst={id}&course_id={cid}&user_status=subscribed");
    lms.json("/api/course/updateUserSubscription", &back).await;
    let e = lms
        .app
        .store()
        .enrolment(UserId(id), CourseId(cid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.status, EnrolmentStatus::Subscribed);
    let subs = lms
        .json(
            "/api/course/getUsersSubscription",
            &format!("course_id={cid}"),
        )
        .await;
    assert_eq!(subs["courseSubscriptions"][0]["level"], "4");
    assert_eq!(
        lms.json(
            "/api/course/addUserSubscription",
            &format!("idst=0&course_id={cid}")
        )
        .await,
        json!({"error": "INVALID REQUEST"})
    );
    assert_eq!(
        lms.json(
            "/api/course/addUserSubscription",
            &format!("idst={id}&course_id=999")
        )
        .await,
        json!({"error": "NO_DATA_FOUND"})
    );
    let del = format!("idst={id}&course_id={cid}");
    assert_eq!(
        lms.json("/api/course/deleteUserSubscription", &del).await["message"],
        "User has been removed from the course"
    );
    assert_eq!(
        lms.json("/api/course/deleteUserSubscription", &del).await,
        json!({"error": null})
    );
}

#[tokio::test]
async fn courses_and_categories_round_trip() {
    let lms = Lms::new().await;
    let cat = lms.json("/api/course/addCategory", "name=Languages").await;
    assert_eq!(cat["parent_category_id"], 0);
    let cat_id = cat["category_id"].as_i64().unwrap();
    assert_eq!(
        lms.json("/api/course/addCategory", "name=").await,
        json!({"error": "Wrong parameters"})
    );
    let body = format!("course_name=Italiano&course_code=IT1&course_category_id={cat_id}");
    let cid = lms.json("/api/course/addCourse", &body).await["course_id"]
        .as_i64()
        .unwrap();
    lms.json(
        "/api/course/updateCourse",
        &format!("course_id={cid}&course_descr=A+%26+B"),
    )
    .await;
    let list = lms
        .json("/api/course/courses", &format!("category={cat_id}"))
        .await;
    assert_eq!(list["courses"][0]["category"], "Languages");
    assert_eq!(list["courses"][0]["course_description"], "A & B");
    let xml_list = lms.xml("/api/course/listCourses", "").await;
    assert!(
        xml_list.contains("<course_description>A &amp; B</course_description>"),
        "{xml_list}"
    );
    assert!(
        xml_list.contains("<courses><element><course_id>"),
        "{xml_list}"
    );
    let cats = lms.json("/api/course/getCategories", "").await;
    assert_eq!(cats["categories"][0]["name"], "Languages");
    assert_eq!(
        lms.json("/api/course/deleteCourse", &format!("course_id={cid}"))
            .await["success"],
        true
    );
    assert_eq!(
        lms.json("/api/course/deleteCourse", &format!("course_id={cid}"))
            .await,
        json!({"error": format!("Course not found:{cid}")})
    );
}

#[tokio::test]
async fn a_user_created_through_forma_is_found_by_corebos_query_users() {
    let crm = Crm::new().await;
    let created = forma_json(
        &crm.app,
        "/api/user/create",
        "userid=crossover&lastname=Over",
    )
    .await;
    assert_eq!(created["success"], true, "{created}");
    let sid = crm.admin_session().await;
    let (_, json) = crm
        .get(&[
            ("operation", "query"),
            ("sessionName", &sid),
            (
                "query",
                "select user_name from Users where user_name = 'crossover';",
            ),
        ])
        .await;
    assert_eq!(json["result"][0]["user_name"], "crossover", "{json}");
}

#[tokio::test]
async fn an_unknown_module_or_function_is_an_error_envelope_not_a_crash() {
    let lms = Lms::new().await;
    assert_eq!(
        lms.json("/api/nope/x", "").await,
        json!({"error": "File not found : api.nope.php"})
    );
    assert_eq!(
        lms.json("/api/user/createUser", "").await,
        json!({"error": "Error: unknown function: createUser."})
    );
    // Forma's downloadCertificate bypass does not exist: still authenticated.
    let text = lms
        .raw(
            "/api/user/listUsers/api/user/downloadCertificate",
            "",
            None,
            Some("application/json"),
        )
        .await;
    assert_eq!(text, r#"{"error":null}"#);
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/forma")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn the_captured_fixtures_replay_byte_for_byte() {
    let mut config = gatehouse_server::config::Config::default();
    config.forma.api_key = Some("myapikey".into());
    config.forma.api_secret = Some("mysecret".into());
    let lms = Lms::with_config(config).await;
    for (name, path) in [
        ("user_create.v1", "/api/user/create"),
        ("user_countusers.v2", "/api/user/countusers.json"),
    ] {
        let body = fixture(&format!("{name}.request.form"));
        let header = fixture(&format!("{name}.request.x-authorization"));
        let answer = lms.raw(path, &body, Some(&header), None).await;
        let expected = if path.ends_with(".json") {
            fixture(&format!("{name}.response.json"))
        } else {
            fixture(&format!("{name}.response.xml"))
        };
        assert_eq!(answer, expected, "{name}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_forma_s_error_envelope() {
    let lms = Lms::new().await;
    let body = format!("userid={}", "x".repeat(3 * 1024 * 1024));
    let text = lms
        .raw("/api/user/create", &body, None, Some("application/json"))
        .await;
    assert_eq!(text, r#"{"error":"Error: request body too large."}"#);
}

#[tokio::test]
async fn ext_user_names_the_user_another_system_knows() {
    let lms = Lms::new().await;
    let created = lms
        .json(
            "/api/user/create",
            "userid=hr7&ext_user=7&ext_user_type=hrsys",
        )
        .await;
    let id = created["idst"].as_i64().unwrap();
    let edit = "ext_user=7&ext_user_type=hrsys&firstname=Seven";
    assert_eq!(
        lms.json("/api/user/edit", edit).await,
        json!({"success": true})
    );
    let user = lms.app.store().user(UserId(id)).await.unwrap().unwrap();
    assert_eq!(user.first_name, "Seven");
    assert_eq!(
        lms.json(
            "/api/user/edit",
            "ext_user=8&ext_user_type=hrsys&firstname=x"
        )
        .await,
        json!({"error": "Error: user id to update has not been specified."})
    );
}
