//! coreBOS record operations: listtypes, describe, create, retrieve, update, revise,
//! delete, and the Users module over the Directory (specs/corebos.md §8, §9).

use gatehouse_domain::Username;
use serde_json::Value;

use crate::corebos_support::{Crm, WS, body, error};

async fn create(crm: &Crm, sid: &str, module: &str, element: &str) -> (String, Value) {
    crm.post(&[
        ("operation", "create"),
        ("sessionName", sid),
        ("elementType", module),
        ("element", element),
    ])
    .await
}

#[tokio::test]
async fn listtypes_lists_the_modules_with_their_labels() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (_, json) = crm
        .get(&[("operation", "listtypes"), ("sessionName", &sid)])
        .await;
    let types: Vec<&str> = json["result"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        types,
        ["Accounts", "Contacts", "HelpDesk", "Leads", "Users"]
    );
    assert_eq!(
        json["result"]["information"]["Contacts"],
        serde_json::json!({"isEntity": true, "label": "Contacts", "singular": "Contact"})
    );
}

#[tokio::test]
async fn listtypes_filters_by_field_type_and_refuses_bad_json() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (_, json) = crm
        .get(&[
            ("operation", "listtypes"),
            ("sessionName", &sid),
            ("fieldTypeList", r#"["reference"]"#),
        ])
        .await;
    assert_eq!(
        json["result"]["types"],
        serde_json::json!(["Contacts", "HelpDesk"])
    );
    let (body, _) = crm
        .get(&[
            ("operation", "listtypes"),
            ("sessionName", &sid),
            ("fieldTypeList", "[email"),
        ])
        .await;
    assert!(body.contains(r#""code":"INVALID_PARAMETER""#), "{body}");
}

#[tokio::test]
async fn describe_gives_field_metadata_and_the_id_prefix() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (_, json) = crm
        .get(&[
            ("operation", "describe"),
            ("sessionName", &sid),
            ("elementType", "Contacts"),
        ])
        .await;
    let result = &json["result"];
    assert_eq!(result["name"], "Contacts");
    assert_eq!(result["idPrefix"], "12");
    assert_eq!(result["createable"], true);
    let fields = result["fields"].as_array().unwrap();
    let lastname = fields.iter().find(|f| f["name"] == "lastname").unwrap();
    assert_eq!(lastname["mandatory"], true);
    assert_eq!(lastname["type"]["name"], "string");
    let account = fields.iter().find(|f| f["name"] == "account_id").unwrap();
    assert_eq!(account["type"]["refersTo"], serde_json::json!(["Accounts"]));
    let owner = fields
        .iter()
        .find(|f| f["name"] == "assigned_user_id")
        .unwrap();
    assert_eq!(
        owner["type"]["assignto"]["users"]["options"][0]["userid"],
        "19x1"
    );
    let last = fields.last().unwrap();
    assert_eq!(last["name"], "id");
    assert_eq!(last["uitype"], 7);
    let (body, _) = crm
        .get(&[
            ("operation", "describe"),
            ("sessionName", &sid),
            ("elementType", "Nope"),
        ])
        .await;
    assert_eq!(
        body,
        error(
            "ACCESS_DENIED",
            "Permission to perform the operation is denied for Nope"
        )
    );
    let (_, json) = crm
        .get(&[
            ("operation", "describe"),
            ("sessionName", &sid),
            ("elementType", "Accounts,Nope,Leads"),
        ])
        .await;
    let keys: Vec<&String> = json["result"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Accounts", "Leads"]);
}

#[tokio::test]
async fn a_contact_goes_through_create_retrieve_update_revise_and_delete() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (_, account) = create(&crm, &sid, "Accounts", r#"{"accountname":"Acme"}"#).await;
    let account_id = account["result"]["id"].as_str().unwrap().to_owned();
    assert!(account_id.starts_with("11x"));
    let (created_text, created) = create(
        &crm,
        &sid,
        "Contacts",
        &format!(
            r#"{{"firstname":"Ann","lastname":"Smith","account_id":"{account_id}","hours":7}}"#
        ),
    )
    .await;
    let record = &created["result"];
    assert_eq!(record["lastname"], "Smith");
    assert_eq!(record["account_id"], account_id.as_str());
    assert_eq!(record["assigned_user_id"], "19x1");
    assert_eq!(record["leadsource"], "--None--");
    let id = record["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("12x"));
    assert_eq!(record["contact_no"], format!("CON{}", &id[3..]));
    assert_eq!(
        record["account_idename"],
        serde_json::json!({"module": "Accounts", "reference": "Acme"})
    );
    assert!(
        created_text.ends_with(&format!(r#""id":"{id}"}},"moreinfo":null}}"#)),
        "id stays last: {created_text}"
    );

    let (_, fetched) = crm
        .get(&[
            ("operation", "retrieve"),
            ("sessionName", &sid),
            ("id", &id),
        ])
        .await;
    assert_eq!(fetched["result"], created["result"]);

    let (_, updated) = crm
        .post(&[
            ("operation", "update"),
            ("sessionName", &sid),
            (
                "element",
                &format!(r#"{{"id":"{id}","lastname":"Jones","email":"a@b.example"}}"#),
            ),
        ])
        .await;
    assert_eq!(updated["result"]["lastname"], "Jones");
    assert_eq!(updated["result"]["firstname"], "Ann");
    assert_eq!(updated["result"]["email"], "a@b.example");

    let (_, revised) = crm
        .post(&[
            ("operation", "revise"),
            ("sessionName", &sid),
            ("element", &format!(r#"{{"id":"{id}","title":"CTO"}}"#)),
        ])
        .await;
    assert_eq!(revised["result"]["title"], "CTO");
    assert_eq!(revised["result"]["lastname"], "Jones");

    let (body, _) = crm
        .post(&[("operation", "delete"), ("sessionName", &sid), ("id", &id)])
        .await;
    assert_eq!(
        body,
        r#"{"success":true,"result":{"status":"successful"},"moreinfo":null}"#
    );
    let (body, _) = crm
        .get(&[
            ("operation", "retrieve"),
            ("sessionName", &sid),
            ("id", &id),
        ])
        .await;
    assert_eq!(
        body,
        error("INVALID_ID_ATTRIBUTE", "Id specified is incorrect")
    );
    let (body, _) = crm
        .post(&[("operation", "delete"), ("sessionName", &sid), ("id", &id)])
        .await;
    assert_eq!(
        body,
        error("ACCESS_DENIED", "Permission to read given object is denied")
    );
}

#[tokio::test]
async fn create_enforces_mandatory_fields_references_and_owners() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (body, _) = create(&crm, &sid, "Contacts", r#"{"firstname":"Ann"}"#).await;
    assert_eq!(
        body,
        error(
            "MANDATORY_FIELDS_MISSING",
            "Last Name (lastname) does not have a value"
        )
    );
    let (_, contact) = create(&crm, &sid, "Contacts", r#"{"lastname":"X"}"#).await;
    let contact_id = contact["result"]["id"].as_str().unwrap();
    let (body, _) = create(
        &crm,
        &sid,
        "Contacts",
        &format!(r#"{{"lastname":"Y","account_id":"{contact_id}"}}"#),
    )
    .await;
    assert_eq!(
        body,
        error(
            "REFERENCE_INVALID",
            "Invalid reference specified for account_id"
        )
    );
    let (body, _) = create(
        &crm,
        &sid,
        "Contacts",
        r#"{"lastname":"Y","account_id":"11x999"}"#,
    )
    .await;
    assert_eq!(
        body,
        error(
            "REFERENCE_INVALID",
            "Invalid reference specified for account_id"
        )
    );
    let (body, _) = create(
        &crm,
        &sid,
        "Contacts",
        r#"{"lastname":"Y","assigned_user_id":"19x999"}"#,
    )
    .await;
    assert_eq!(
        body,
        error("ACCESS_DENIED", "Cannot assign record to the given user")
    );
    let (body, _) = create(&crm, &sid, "Nope", r#"{"a":"b"}"#).await;
    assert_eq!(
        body,
        error(
            "ACCESS_DENIED",
            "Permission to perform the operation is denied for Nope"
        )
    );
}

#[tokio::test]
async fn update_keeps_mandatory_fields_and_revise_checks_only_what_it_sends() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (_, contact) = create(&crm, &sid, "Contacts", r#"{"lastname":"X"}"#).await;
    let id = contact["result"]["id"].as_str().unwrap();
    let (body, _) = crm
        .post(&[
            ("operation", "update"),
            ("sessionName", &sid),
            ("element", &format!(r#"{{"id":"{id}","lastname":""}}"#)),
        ])
        .await;
    assert_eq!(
        body,
        error(
            "MANDATORY_FIELDS_MISSING",
            "Last Name (lastname) does not have a value"
        )
    );
    let (body, _) = crm
        .post(&[
            ("operation", "update"),
            ("sessionName", &sid),
            ("element", r#"{"lastname":"Z"}"#),
        ])
        .await;
    assert_eq!(
        body,
        error("INVALID_ID_ATTRIBUTE", "Id specified is incorrect")
    );
    let (body, _) = crm
        .post(&[
            ("operation", "revise"),
            ("sessionName", &sid),
            ("element", "[]"),
        ])
        .await;
    assert_eq!(
        body,
        error(
            "MANDATORY_FIELDS_MISSING",
            "Mandatory field does not have a value"
        )
    );
}

#[tokio::test]
async fn ids_with_unknown_prefixes_or_garbage_are_access_denied() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    for (id, expected) in [
        (
            "99x1",
            error(
                "ACCESS_DENIED",
                "Permission to perform the operation is denied for id: 99",
            ),
        ),
        (
            "junk",
            error(
                "ACCESS_DENIED",
                "Permission to perform the operation is denied for id: 0",
            ),
        ),
        (
            "12x12345",
            error("INVALID_ID_ATTRIBUTE", "Id specified is incorrect"),
        ),
    ] {
        let (body, _) = crm
            .get(&[("operation", "retrieve"), ("sessionName", &sid), ("id", id)])
            .await;
        assert_eq!(body, expected, "{id}");
    }
}

#[tokio::test]
async fn malformed_element_json_is_an_invalid_parameter_envelope() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    for bad in ["{\"lastname\":", "42", "\"just text\"", "null-ish"] {
        let (body, json) = create(&crm, &sid, "Contacts", bad).await;
        assert_eq!(json["error"]["code"], "INVALID_PARAMETER", "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_json_body_may_carry_element_as_an_object() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let payload = serde_json::json!({
        "operation": "create",
        "sessionName": sid,
        "elementType": "Contacts",
        "element": {"lastname": "Object"}
    });
    let response = crm
        .app
        .client
        .post(crm.app.url(WS))
        .json(&payload)
        .send()
        .await
        .unwrap();
    let (_, json) = body(response).await;
    assert_eq!(json["result"]["lastname"], "Object");
}

#[tokio::test]
async fn a_user_created_through_core_bos_is_a_directory_user() {
    let crm = Crm::new().await;
    let sid = crm.admin_session().await;
    let (text, json) = create(
        &crm,
        &sid,
        "Users",
        r#"{"user_name":"dora","first_name":"Dora","last_name":"Explorer","email1":"dora@example.test","user_password":"Secret-Pass-9"}"#,
    )
    .await;
    assert_eq!(json["result"]["user_name"], "dora", "{text}");
    assert_eq!(json["result"]["status"], "Active");
    assert!(json["result"].get("user_password").is_none());
    let user = crm
        .app
        .store()
        .user_by_username(&Username::parse("dora").unwrap())
        .await
        .unwrap()
        .expect("the Directory has dora");
    assert_eq!(user.email, "dora@example.test");
    assert!(user.password.is_some());
    assert_eq!(json["result"]["id"], format!("19x{}", user.id));
}

#[tokio::test]
async fn a_users_own_record_reads_as_an_administrator_reads_it_and_changes_show_at_once() {
    let crm = Crm::new().await;
    let alice_key = crm.alice_key.clone();
    let mine = crm.login("alice", &alice_key).await;
    let admin = crm.admin_session().await;
    let own = format!("19x{}", crm.alice.id);
    let retrieve = |sid: String| {
        let own = own.clone();
        let crm = &crm;
        async move {
            crm.get(&[
                ("operation", "retrieve"),
                ("sessionName", &sid),
                ("id", &own),
            ])
            .await
        }
    };
    // Alice's own record comes from the read of her session; the admin's, from its own read.
    let (as_alice, json) = retrieve(mine.clone()).await;
    assert_eq!(json["result"]["user_name"], "alice", "{as_alice}");
    let (as_admin, _) = retrieve(admin.clone()).await;
    assert_eq!(as_alice, as_admin);
    // Changed elsewhere between two calls of the same session: the next call shows it.
    let patch = gatehouse_domain::UserPatch {
        email: Some("alice.new@example.test".into()),
        ..Default::default()
    };
    crm.app
        .store()
        .update_user(crm.alice.id, patch)
        .await
        .unwrap();
    let (as_alice, json) = retrieve(mine).await;
    assert_eq!(
        json["result"]["email1"], "alice.new@example.test",
        "{as_alice}"
    );
    let (as_admin, _) = retrieve(admin).await;
    assert_eq!(as_alice, as_admin);
}

#[tokio::test]
async fn users_rules_protect_other_users_from_non_admins() {
    let crm = Crm::new().await;
    let alice_key = crm.alice_key.clone();
    let sid = crm.login("alice", &alice_key).await;
    let (body, _) = create(
        &crm,
        &sid,
        "Users",
        r#"{"user_name":"eve","last_name":"E","email1":"e@example.test"}"#,
    )
    .await;
    assert_eq!(
        body,
        error(
            "ACCESS_DENIED",
            "Permission to perform the operation is denied"
        )
    );
    let (body, _) = crm
        .get(&[
            ("operation", "retrieve"),
            ("sessionName", &sid),
            ("id", "19x1"),
        ])
        .await;
    assert_eq!(
        body,
        error("ACCESS_DENIED", "Permission to read given object is denied")
    );
    let own = format!("19x{}", crm.alice.id);
    let (_, json) = crm
        .get(&[
            ("operation", "retrieve"),
            ("sessionName", &sid),
            ("id", &own),
        ])
        .await;
    assert_eq!(json["result"]["user_name"], "alice");
    let (body, _) = crm
        .post(&[("operation", "delete"), ("sessionName", &sid), ("id", &own)])
        .await;
    assert_eq!(
        body,
        error(
            "ACCESS_DENIED",
            "Incorrect method: use DeleteUser method to delete users"
        )
    );
    let (_, json) = crm
        .get(&[
            ("operation", "query"),
            ("sessionName", &sid),
            ("query", "select user_name from Users;"),
        ])
        .await;
    assert_eq!(json["result"].as_array().unwrap().len(), 1);
}
