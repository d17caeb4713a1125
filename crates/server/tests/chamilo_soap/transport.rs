//! The WSDL, the faults, the key check and hostile input.

use gatehouse_server::config::Config;
use gatehouse_testkit::TestApp;

use super::support::*;

const FAULT_1: &str = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><SOAP-ENV:Envelope SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"\n  xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"\n  xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n  xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\">\n<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode xsi:type=\"xsd:string\">Server</faultcode><faultactor xsi:type=\"xsd:string\"></faultactor><faultstring xsi:type=\"xsd:string\">Secret key is not correct or params are not correctly set</faultstring><detail xsi:type=\"xsd:string\"></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>";

fn client_fault(message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><SOAP-ENV:Envelope SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"\n  xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"\n  xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n  xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\">\n<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode xsi:type=\"xsd:string\">SOAP-ENV:Client</faultcode><faultactor xsi:type=\"xsd:string\"></faultactor><faultstring xsi:type=\"xsd:string\">{message}</faultstring><detail xsi:type=\"xsd:string\"></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
}

fn assert_client_fault(answer: &Answer) {
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert_eq!(answer.content_type, "text/xml; charset=UTF-8");
    assert!(
        answer
            .body
            .contains("<faultcode xsi:type=\"xsd:string\">SOAP-ENV:Client</faultcode>"),
        "{}",
        answer.body
    );
    assert!(
        !answer.body.to_ascii_lowercase().contains("<html"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn the_wsdl_is_served_with_the_request_host_as_soap_address() {
    let app = TestApp::new().await;
    let response = app
        .client
        .get(format!("{}?wsdl", app.url(SOAP)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/xml; charset=ISO-8859-1"
    );
    let host = app.base_url.trim_start_matches("http://").to_owned();
    let body = response.text().await.unwrap();
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"));
    assert!(
        body.contains(&format!("<soap:address location=\"http://{host}{SOAP}\"/>")),
        "{body}"
    );
    assert!(body.contains("<operation name=\"WSCreateUserPasswordCrypted\">"));
}

#[tokio::test]
async fn a_plain_get_is_a_small_page_that_links_the_wsdl() {
    let app = TestApp::new().await;
    let response = app.client.get(app.url(SOAP)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("registration.soap.php?wsdl"), "{body}");
    assert!(body.contains("WSGetUser"));
}

#[tokio::test]
async fn a_wrong_key_gets_fault_1_byte_for_byte_with_http_500_and_a_diagnostic() {
    let app = TestApp::new().await;
    let members = [
        user_ref("X1"),
        s("secret_key", "0000000000000000000000000000000000000000"),
    ]
    .concat();
    let answer = post_raw(
        &app,
        "text/xml",
        envelope("WSGetUser", "GetUser", &members).into_bytes(),
    )
    .await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.content_type, "text/xml; charset=UTF-8");
    assert_eq!(answer.body, FAULT_1);
    let diagnostic = answer.diagnostic.expect("sandbox diagnostics");
    assert!(
        diagnostic
            .starts_with("reason=mismatch; canonical=\"127.0.0.1{security_key}\"; expected=\""),
        "{diagnostic}"
    );
    let events = app
        .audit_events(gatehouse_domain::AuditQuery::default())
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event.dialect == "chamilo-soap" && e.event.reason == "mismatch")
    );
}

#[tokio::test]
async fn a_missing_key_is_fault_1_too() {
    let app = TestApp::new().await;
    let answer = post_raw(
        &app,
        "text/xml",
        envelope("WSGetUser", "GetUser", &user_ref("X1")).into_bytes(),
    )
    .await;
    assert_eq!(answer.body, FAULT_1);
}

#[tokio::test]
async fn a_bad_key_on_edit_course_description_is_an_empty_array_not_a_fault() {
    let app = TestApp::new().await;
    let members = s("secret_key", "nope");
    let answer = post_raw(
        &app,
        "text/xml",
        envelope("WSEditCourseDescription", "editCourseDescription", &members).into_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("<return xsi:type=\"SOAP-ENC:Array\" SOAP-ENC:arrayType=\"tns:result_editCourseDescription[0]\"></return>"), "{}", answer.body);
}

#[tokio::test]
async fn an_unknown_operation_gets_the_nusoap_client_fault_byte_for_byte() {
    let app = TestApp::new().await;
    let answer = call(&app, "WSFlyToTheMoon", "p", "").await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        answer.body,
        client_fault(
            "Operation &apos;WSFlyToTheMoon&apos; is not defined in the WSDL for this service"
        )
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_key_of_the_forwarded_ip_works() {
    let config = Config {
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let members = [
        user_ref("none"),
        s("secret_key", &key_for(&app, "203.0.113.10")),
    ]
    .concat();
    let response = app
        .client
        .post(app.url(SOAP))
        .header("content-type", "text/xml")
        .header("x-forwarded-for", "203.0.113.10")
        .body(envelope("WSGetUser", "GetUser", &members))
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn from_an_untrusted_peer_a_forged_forwarded_for_does_not_change_the_ip() {
    let app = TestApp::new().await;
    let forged = [
        user_ref("none"),
        s("secret_key", &key_for(&app, "203.0.113.10")),
    ]
    .concat();
    let response = app
        .client
        .post(app.url(SOAP))
        .header("content-type", "text/xml")
        .header("x-forwarded-for", "203.0.113.10")
        .body(envelope("WSGetUser", "GetUser", &forged))
        .send()
        .await
        .unwrap();
    assert_eq!(answer(response).await.body, FAULT_1);
    let honest = [user_ref("none"), s("secret_key", &key(&app))].concat();
    let response = app
        .client
        .post(app.url(SOAP))
        .header("content-type", "text/xml")
        .header("x-forwarded-for", "203.0.113.10")
        .body(envelope("WSGetUser", "GetUser", &honest))
        .send()
        .await
        .unwrap();
    assert_eq!(answer(response).await.status, 200);
}

#[tokio::test]
async fn whitelist_mode_takes_sha1_of_the_key_and_enforces_the_list() {
    let inside = Config {
        chamilo: gatehouse_server::config::ChamiloConfig {
            whitelist: vec!["127.0.0.0/8".parse().unwrap()],
            ..Default::default()
        },
        ..Config::default()
    };
    let app = TestApp::with_config(inside).await;
    let whitelist_key = gatehouse_schemes::chamilo::whitelist_secret_key(&security_key(&app));
    let members = [user_ref("none"), s("secret_key", &whitelist_key)].concat();
    let answer = post_raw(
        &app,
        "text/xml",
        envelope("WSGetUser", "GetUser", &members).into_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let outside = Config {
        chamilo: gatehouse_server::config::ChamiloConfig {
            whitelist: vec!["192.0.2.0/24".parse().unwrap()],
            ..Default::default()
        },
        ..Config::default()
    };
    let app = TestApp::with_config(outside).await;
    let whitelist_key = gatehouse_schemes::chamilo::whitelist_secret_key(&security_key(&app));
    let members = [user_ref("none"), s("secret_key", &whitelist_key)].concat();
    let answer = post_raw(
        &app,
        "text/xml",
        envelope("WSGetUser", "GetUser", &members).into_bytes(),
    )
    .await;
    assert_eq!(answer.body, FAULT_1);
}

#[tokio::test]
async fn malformed_xml_is_a_client_fault() {
    let app = TestApp::new().await;
    assert_client_fault(
        &post_raw(
            &app,
            "text/xml",
            b"<SOAP-ENV:Envelope><Body><x></y>".to_vec(),
        )
        .await,
    );
}

#[tokio::test]
async fn a_missing_body_is_a_client_fault() {
    let app = TestApp::new().await;
    let answer = post_raw(&app, "text/xml", Vec::new()).await;
    assert_eq!(
        answer.body,
        client_fault("error in msg parsing:\nempty request body: expected a SOAP envelope")
    );
}

#[tokio::test]
async fn a_wrong_content_type_is_a_client_fault() {
    let app = TestApp::new().await;
    let body = envelope(
        "WSGetUser",
        "GetUser",
        &[user_ref("X"), s("secret_key", &key(&app))].concat(),
    );
    assert_client_fault(
        &post_raw(&app, "application/x-www-form-urlencoded", body.into_bytes()).await,
    );
}

#[tokio::test]
async fn a_ten_megabyte_body_is_a_client_fault_naming_the_limit() {
    let app = TestApp::new().await;
    let answer = post_raw(&app, "text/xml", vec![b'a'; 10 * 1024 * 1024]).await;
    assert_eq!(
        answer.body,
        client_fault("Request body too large (limit 2097152 bytes)")
    );
}

#[tokio::test]
async fn deeply_nested_xml_is_a_client_fault() {
    let app = TestApp::new().await;
    let deep = format!(
        "<Envelope><Body><WSGetUser>{}{}</WSGetUser></Body></Envelope>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    let answer = post_raw(&app, "text/xml", deep.into_bytes()).await;
    assert_eq!(
        answer.body,
        client_fault("error in msg parsing:\nXML nesting deeper than 32 levels")
    );
}

#[tokio::test]
async fn a_billion_laughs_document_is_refused_before_any_expansion() {
    let app = TestApp::new().await;
    let mut doc = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]><Envelope><Body><WSGetUser><p>&lol9;</p></WSGetUser></Body></Envelope>");
    let answer = post_raw(&app, "text/xml", doc.into_bytes()).await;
    assert_eq!(
        answer.body,
        client_fault(
            "error in msg parsing:\nDOCTYPE declarations are not allowed in SOAP messages"
        )
    );
}

#[tokio::test]
async fn repeated_wrong_keys_lock_the_ip_and_then_even_the_right_key_gets_fault_1() {
    let config = Config {
        guard: gatehouse_server::edge::GuardConfig {
            lockout_threshold: 3,
            ..Default::default()
        },
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let wrong = [user_ref("none"), s("secret_key", "bad")].concat();
    for _ in 0..3 {
        let answer = post_raw(
            &app,
            "text/xml",
            envelope("WSGetUser", "GetUser", &wrong).into_bytes(),
        )
        .await;
        assert_eq!(answer.body, FAULT_1);
    }
    let right = [user_ref("none"), s("secret_key", &key(&app))].concat();
    let answer = post_raw(
        &app,
        "text/xml",
        envelope("WSGetUser", "GetUser", &right).into_bytes(),
    )
    .await;
    assert_eq!(
        answer.body, FAULT_1,
        "a locked IP is refused unchecked, with the same fault"
    );
    assert!(
        answer
            .diagnostic
            .unwrap_or_default()
            .contains("locked_until=")
    );
    let events = app
        .audit_events(gatehouse_domain::AuditQuery::default())
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.event.reason == "locked_out"));
}
