//! Helpers: envelopes as PHP's SoapClient writes them, the key, and reading answers.

use gatehouse_server::site_secrets::CHAMILO_SECURITY_KEY;
use gatehouse_testkit::TestApp;
use gatehouse_wire::SoapValue;

pub const SOAP: &str = "/chamilo/main/webservices/registration.soap.php";

/// The security key the app runs with.
pub fn security_key(app: &TestApp) -> String {
    app.state
        .site_secret(CHAMILO_SECURITY_KEY)
        .expect("security key set")
        .expose()
        .to_owned()
}

/// The `secret_key` a client at `ip` sends.
pub fn key_for(app: &TestApp, ip: &str) -> String {
    gatehouse_schemes::chamilo::soap_secret_key(ip, &security_key(app))
}

/// The key of a client on loopback.
pub fn key(app: &TestApp) -> String {
    key_for(app, "127.0.0.1")
}

/// A SOAP-ENC struct member.
pub fn s(name: &str, value: &str) -> String {
    let escaped = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<{name} xsi:type=\"xsd:string\">{escaped}</{name}>")
}

/// A SOAP-ENC array member of struct items.
pub fn arr(name: &str, item_type: &str, items: &[String]) -> String {
    let inner: String = items
        .iter()
        .map(|i| format!("<item xsi:type=\"ns1:{item_type}\">{i}</item>"))
        .collect();
    format!(
        "<{name} SOAP-ENC:arrayType=\"ns1:{item_type}[{}]\" xsi:type=\"SOAP-ENC:Array\">{inner}</{name}>",
        items.len()
    )
}

/// A struct member of another struct.
pub fn st(name: &str, members: &str) -> String {
    format!("<{name}>{members}</{name}>")
}

/// An rpc/encoded envelope calling `op` with one part `part` holding `members`.
pub fn envelope(op: &str, part: &str, members: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:ns1=\"urn:WSRegistration\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\" SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><SOAP-ENV:Body><ns1:{op}><{part} xsi:type=\"ns1:{part}\">{members}</{part}></ns1:{op}></SOAP-ENV:Body></SOAP-ENV:Envelope>\n"
    )
}

/// What came back.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub diagnostic: Option<String>,
    pub body: String,
}

impl Answer {
    /// The decoded `return` value (panics on a fault or a non-SOAP body).
    pub fn value(&self) -> SoapValue {
        assert_eq!(self.status, 200, "not a result: {}", self.body);
        let call = gatehouse_wire::soap::decode_call(self.body.as_bytes()).expect("answer decodes");
        call.first_part().cloned().expect("a return part")
    }

    /// The scalar `return`.
    pub fn text(&self) -> String {
        self.value().as_str().to_owned()
    }

    /// The `result` members of an array return.
    pub fn results(&self) -> Vec<String> {
        self.value()
            .items()
            .iter()
            .map(|i| i.str("result").to_owned())
            .collect()
    }
}

/// Posts raw bytes with a content type.
pub async fn post_raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> Answer {
    let response = app
        .client
        .post(app.url(SOAP))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request sent");
    answer(response).await
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let diagnostic = response
        .headers()
        .get("x-gatehouse-diagnostic")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = response.text().await.expect("body");
    Answer {
        status,
        content_type,
        diagnostic,
        body,
    }
}

/// Calls `op` with the given members plus the right `secret_key`.
pub async fn call(app: &TestApp, op: &str, part: &str, members: &str) -> Answer {
    let members = format!("{members}{}", s("secret_key", &key(app)));
    post_raw(
        app,
        "text/xml; charset=utf-8",
        envelope(op, part, &members).into_bytes(),
    )
    .await
}

/// The members of a user to create.
pub fn new_user(login: &str, external: &str) -> String {
    [
        s("firstname", "Ada"),
        s("lastname", "Lovelace"),
        s("status", "5"),
        s("email", &format!("{login}@example.test")),
        s("loginname", login),
        s("password", "Secret-pass-1"),
        s("original_user_id_name", "hr_id"),
        s("original_user_id_value", external),
    ]
    .concat()
}

/// An `{original_user_id_value, original_user_id_name}` struct for `hr_id`.
pub fn user_ref(external: &str) -> String {
    [
        s("original_user_id_value", external),
        s("original_user_id_name", "hr_id"),
    ]
    .concat()
}

/// An `{original_course_id_name, original_course_id_value}` struct for `sis_id`.
pub fn course_ref(external: &str) -> String {
    [
        s("original_course_id_name", "sis_id"),
        s("original_course_id_value", external),
    ]
    .concat()
}

/// Creates an active user through WSCreateUsers and returns its id.
pub async fn create_active_user(app: &TestApp, login: &str, external: &str) -> String {
    let users = arr("users", "usersParams", &[new_user(login, external)]);
    let answer = call(app, "WSCreateUsers", "createUsers", &users).await;
    let results = answer.results();
    assert_eq!(results.len(), 1, "{}", answer.body);
    results[0].clone()
}

/// Creates a course through WSCreateCourse and returns its code.
pub async fn create_course(app: &TestApp, title: &str, external: &str) -> String {
    let item = [
        s("title", title),
        s("category_code", "LANG"),
        s("wanted_code", ""),
        s("tutor_name", "T"),
        s("course_language", "english"),
        course_ref(external),
    ]
    .concat();
    let answer = call(
        app,
        "WSCreateCourse",
        "createCourse",
        &arr("courses", "createCourseParams", &[item]),
    )
    .await;
    answer.results()[0].clone()
}
