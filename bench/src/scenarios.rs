//! The requests of each scenario, built from the sandbox's credentials file, and the check
//! that each answer is a success (so a run can never quietly measure error answers).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use bytes::Bytes;
use gatehouse_client::SoapValue;
use gatehouse_schemes::php_form::{parse_post, url_encode};
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use serde_json::Value;
use sha1::Digest;

use crate::load::{Conn, Iteration, once};

/// The scenarios, in the order of a full run.
pub const ALL: &[&str] = &[
    "healthz",
    "chamilo-soap-getuser",
    "chamilo-rest-profile",
    "corebos-retrieve",
    "corebos-login",
    "forma-check-username",
    "wildix-callqueues",
    "chamilo-soap-create",
    "forma-create",
    "argon2-login",
    "create-with-password",
    "read-during-login-flood",
];

/// The key-checked reads: held to ≥ 0.5 × healthz and repeated in the scale run.
pub const KEY_CHECKED: &[&str] = &[
    "chamilo-soap-getuser",
    "chamilo-rest-profile",
    "corebos-retrieve",
    "forma-check-username",
    "wildix-callqueues",
];

/// What the scenarios need to know about a running sandbox.
#[derive(Clone)]
pub struct Target {
    /// The shared listener.
    pub addr: SocketAddr,
    /// Wildix's own listener.
    pub wildix_addr: SocketAddr,
    /// The sandbox credentials file.
    pub credentials: Value,
    /// How many users `admin seed` created (`bench1` … `benchN`); 0 = read the admin's own.
    pub seeded_users: u64,
    /// The coreBOS session of the administrator (opened by [`Target::prepare`]).
    pub corebos_session: String,
    /// The administrator's coreBOS record id (`19x<id>`).
    pub corebos_user_id: String,
    /// Pre-signed Wildix tokens for the call-queue read, used in turn.
    pub wildix_tokens: Arc<Vec<String>>,
    /// A prefix unique to this run, for the names of created users.
    pub run_id: String,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> anyhow::Result<&'a str> {
    let mut cur = v;
    for key in path {
        cur = &cur[*key];
    }
    cur.as_str()
        .ok_or_else(|| anyhow!("credentials file has no {}", path.join(".")))
}

fn addr_of(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("{url}: not http://"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .parse()
        .with_context(|| format!("{url}: not an IP address and port"))
}

/// The path part of a URL (`http://h:p/chamilo` → `/chamilo`).
fn mount_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    rest.find('/')
        .map(|i| rest[i..].to_owned())
        .unwrap_or_default()
}

impl Target {
    /// Reads the credentials file and does the set-up every scenario shares: a coreBOS
    /// login and a pool of signed Wildix tokens.
    pub async fn prepare(credentials: Value, seeded_users: u64) -> anyhow::Result<Self> {
        let addr = addr_of(str_at(&credentials, &["base_url"])?)?;
        let wildix_addr = addr_of(str_at(&credentials, &["wildix", "url"])?)?;
        let run_id = format!(
            "r{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
                % 100_000_000
        );
        let mut target = Self {
            addr,
            wildix_addr,
            credentials,
            seeded_users,
            corebos_session: String::new(),
            corebos_user_id: String::new(),
            wildix_tokens: Arc::new(Vec::new()),
            run_id,
        };
        let login = target.corebos_login_once().await?;
        target.corebos_session = str_at(&login, &["result", "sessionName"])?.to_owned();
        target.corebos_user_id = str_at(&login, &["result", "userId"])?.to_owned();
        target.wildix_tokens = Arc::new(target.sign_wildix_tokens(256)?);
        Ok(target)
    }

    fn mount(&self, dialect: &str) -> String {
        mount_of(
            self.credentials[dialect]["url"]
                .as_str()
                .unwrap_or_default(),
        )
    }

    fn cred(&self, path: &[&str]) -> String {
        str_at(&self.credentials, path)
            .unwrap_or_default()
            .to_owned()
    }

    /// The user a read in iteration `n` looks up: spread over the seeded users by a
    /// multiplicative hash, so lookups touch the whole table, not a hot few rows.
    fn seeded_user(&self, n: u64) -> Option<String> {
        (self.seeded_users > 0).then(|| {
            let k = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) % self.seeded_users + 1;
            format!("bench{k}")
        })
    }

    /// One getchallenge + login; returns the login answer.
    async fn corebos_login_once(&self) -> anyhow::Result<Value> {
        let mut conn = Conn::open(self.addr).await?;
        corebos_pair(self, &mut conn)
            .await
            .map_err(anyhow::Error::msg)
    }

    fn sign_wildix_tokens(&self, count: i64) -> anyhow::Result<Vec<String>> {
        let path = format!("{}/api/v1/PBX/settings/CallQueues/", self.mount("wildix"));
        let host = "127.0.0.1";
        let app_id = self.cred(&["wildix", "app_id"]);
        let headers: [(&str, &[u8]); 2] =
            [("Host", host.as_bytes()), ("X-APP-ID", app_id.as_bytes())];
        let raw = gatehouse_schemes::wildix::RawRequest {
            method: "GET",
            path: &path,
            query: b"",
            headers: &headers,
            body: b"",
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs() as i64;
        (0..count)
            .map(|i| {
                gatehouse_schemes::wildix::sign(
                    &raw,
                    &["Host", "X-APP-ID"],
                    &self.cred(&["wildix", "app_name"]),
                    &self.cred(&["wildix", "secret"]),
                    now - i,
                    gatehouse_schemes::wildix::DEFAULT_LIFETIME,
                )
                .map(|s| s.token)
                .map_err(|e| anyhow!("signing a Wildix request: {e}"))
            })
            .collect()
    }

    /// Checks once that `name` answers successfully (before measuring it).
    pub async fn check(&self, name: &str) -> anyhow::Result<()> {
        let iteration = self.iteration(name)?;
        let mut conn = Conn::open(self.addr_for(name)).await?;
        iteration(&mut conn, u64::MAX / 2)
            .await
            .map_err(|e| anyhow!("{name}: {e}"))
    }

    /// The listener a scenario talks to.
    pub fn addr_for(&self, name: &str) -> SocketAddr {
        if name == "wildix-callqueues" {
            self.wildix_addr
        } else {
            self.addr
        }
    }

    /// The iteration of scenario `name`.
    pub fn iteration(&self, name: &str) -> anyhow::Result<Iteration> {
        let t = Arc::new(self.clone());
        let it: Iteration = match name {
            "healthz" => Arc::new(move |conn, _| {
                let req = get(conn, "/healthz");
                Box::pin(async move { expect(conn.send(req).await, b"") })
            }),
            "chamilo-soap-getuser" => Arc::new(move |conn, n| {
                let (name, value) = match t.seeded_user(n) {
                    Some(user) => ("seed_id".to_owned(), user),
                    None => ("hr_id".to_owned(), "E1001".to_owned()),
                };
                let req = t.soap(
                    conn,
                    "WSGetUser",
                    vec![
                        ("original_user_id_value", SoapValue::text(value)),
                        ("original_user_id_name", SoapValue::text(name)),
                    ],
                );
                Box::pin(async move {
                    let body = ok_body(conn.send(req).await)?;
                    if contains(&body, b"Fault") || !contains(&body, b"<firstname") {
                        return Err(snippet("SOAP", &body));
                    }
                    Ok(())
                })
            }),
            "chamilo-rest-profile" => Arc::new(move |conn, _| {
                let req = t.chamilo_rest(
                    conn,
                    &[
                        ("action", "user_profile"),
                        ("username", &t.cred(&["chamilo", "admin", "username"])),
                        ("api_key", &t.cred(&["chamilo", "admin", "api_key"])),
                    ],
                );
                Box::pin(async move { expect(conn.send(req).await, b"\"error\":false") })
            }),
            "corebos-retrieve" => Arc::new(move |conn, _| {
                let query = format!(
                    "operation=retrieve&sessionName={}&id={}",
                    t.corebos_session, t.corebos_user_id
                );
                let req = get(
                    conn,
                    &format!("{}/webservice.php?{query}", t.mount("corebos")),
                );
                Box::pin(async move { expect(conn.send(req).await, b"\"success\":true") })
            }),
            "corebos-login" => Arc::new(move |conn, _| {
                let t = t.clone();
                Box::pin(async move { corebos_pair(&t, conn).await.map(|_| ()) })
            }),
            "forma-check-username" => Arc::new(move |conn, n| {
                let user = t
                    .seeded_user(n)
                    .unwrap_or_else(|| t.cred(&["forma", "admin", "username"]));
                let req = t.forma(conn, "user/checkUsername", &[("userid", &user)]);
                Box::pin(async move { expect(conn.send(req).await, b"\"success\":true") })
            }),
            "wildix-callqueues" => Arc::new(move |conn, n| {
                let token = &t.wildix_tokens[(n % t.wildix_tokens.len() as u64) as usize];
                let req = Request::builder()
                    .method(Method::GET)
                    .uri(format!(
                        "{}/api/v1/PBX/settings/CallQueues/",
                        t.mount("wildix")
                    ))
                    .header("Host", "127.0.0.1")
                    .header("X-APP-ID", t.cred(&["wildix", "app_id"]))
                    .header("Authorization", format!("Bearer {token}"))
                    .body(Full::new(Bytes::new()))
                    .expect("valid request");
                Box::pin(async move { expect(conn.send(req).await, b"\"type\":\"result\"") })
            }),
            "chamilo-soap-create" => Arc::new(move |conn, n| {
                let login = format!("{}s{n}", t.run_id);
                let password = hex::encode(sha1::Sha1::digest(login.as_bytes()));
                let req = t.soap(
                    conn,
                    "WSCreateUserPasswordCrypted",
                    vec![
                        ("firstname", SoapValue::text("Bench")),
                        ("lastname", SoapValue::text("Soap")),
                        ("status", SoapValue::text("5")),
                        ("email", SoapValue::text(format!("{login}@bench.test"))),
                        ("loginname", SoapValue::text(login.clone())),
                        ("password", SoapValue::text(password)),
                        ("encrypt_method", SoapValue::text("sha1")),
                        ("language", SoapValue::text("english")),
                        ("original_user_id_name", SoapValue::text("bench_create")),
                        ("original_user_id_value", SoapValue::text(login)),
                    ],
                );
                Box::pin(async move {
                    let body = ok_body(conn.send(req).await)?;
                    if soap_return_id(&body).is_none_or(|id| id == 0) {
                        return Err(snippet("create", &body));
                    }
                    Ok(())
                })
            }),
            "forma-create" | "create-with-password" => {
                let with_password = name == "create-with-password";
                Arc::new(move |conn, n| {
                    let user = format!("{}f{}{n}", t.run_id, if with_password { "p" } else { "" });
                    let email = format!("{user}@bench.test");
                    let mut fields = vec![
                        ("userid", user.as_str()),
                        ("firstname", "Bench"),
                        ("lastname", "Forma"),
                        ("email", email.as_str()),
                    ];
                    if with_password {
                        fields.push(("password", "Bench-pass-1"));
                    }
                    let req = t.forma(conn, "user/create", &fields);
                    Box::pin(async move { expect(conn.send(req).await, b"\"success\":true") })
                })
            }
            "argon2-login" => Arc::new(move |conn, _| {
                let req = t.chamilo_rest(
                    conn,
                    &[
                        ("action", "authenticate"),
                        ("username", &t.cred(&["chamilo", "admin", "username"])),
                        ("password", &t.cred(&["chamilo", "admin", "password"])),
                    ],
                );
                Box::pin(async move { expect(conn.send(req).await, b"\"error\":false") })
            }),
            other => return Err(anyhow!("unknown scenario {other:?}")),
        };
        Ok(it)
    }

    fn soap(
        &self,
        conn: &Conn,
        operation: &str,
        params: Vec<(&str, SoapValue)>,
    ) -> Request<Full<Bytes>> {
        let ip = conn.addr.ip().to_string();
        let key = gatehouse_schemes::chamilo::soap_secret_key(
            &ip,
            &self.cred(&["chamilo", "security_key"]),
        );
        let mut members: Vec<(String, SoapValue)> =
            vec![("secret_key".into(), SoapValue::text(key))];
        members.extend(params.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let part = match operation {
            "WSGetUser" => "GetUser",
            "WSCreateUserPasswordCrypted" => "createUserPasswordCrypted",
            other => other,
        };
        let body = gatehouse_client::request_envelope(operation, part, &SoapValue::Struct(members));
        Request::builder()
            .method(Method::POST)
            .uri(format!(
                "{}/main/webservices/registration.soap.php",
                self.mount("chamilo")
            ))
            .header("Host", conn.addr.to_string())
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", format!("\"urn:WSRegistration#{operation}\""))
            .body(Full::new(Bytes::from(body)))
            .expect("valid request")
    }

    fn chamilo_rest(&self, conn: &Conn, pairs: &[(&str, &str)]) -> Request<Full<Bytes>> {
        post_form(
            conn,
            &format!("{}/main/webservices/api/v2.php", self.mount("chamilo")),
            pairs,
            None,
        )
    }

    fn forma(&self, conn: &Conn, route: &str, pairs: &[(&str, &str)]) -> Request<Full<Bytes>> {
        let body = form_encode(pairs);
        let post = parse_post(body.as_bytes());
        let header = gatehouse_schemes::forma::sign_header(
            &self.cred(&["forma", "key"]),
            &self.cred(&["forma", "secret"]),
            &post,
        );
        post_form(
            conn,
            &format!("{}/api/{route}", self.mount("forma")),
            pairs,
            Some(("X-Authorization", header)),
        )
    }
}

/// getchallenge then login for the administrator; returns the login answer.
async fn corebos_pair(t: &Target, conn: &mut Conn) -> Result<Value, String> {
    let username = t.cred(&["corebos", "username"]);
    let mount = t.mount("corebos");
    let req = get(
        conn,
        &format!("{mount}/webservice.php?operation=getchallenge&username={username}"),
    );
    let body = ok_body(conn.send(req).await)?;
    let challenge: Value =
        serde_json::from_slice(&body).map_err(|_| snippet("getchallenge", &body))?;
    let token = challenge["result"]["token"]
        .as_str()
        .ok_or_else(|| snippet("getchallenge", &body))?;
    let proof = gatehouse_schemes::corebos::login_proof(token, &t.cred(&["corebos", "access_key"]));
    let req = post_form(
        conn,
        &format!("{mount}/webservice.php"),
        &[
            ("operation", "login"),
            ("username", &username),
            ("accessKey", &proof),
        ],
        None,
    );
    let body = ok_body(conn.send(req).await)?;
    let login: Value = serde_json::from_slice(&body).map_err(|_| snippet("login", &body))?;
    if login["success"] != Value::Bool(true) {
        return Err(snippet("login", &body));
    }
    Ok(login)
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k.as_bytes()), url_encode(v.as_bytes())))
        .collect::<Vec<_>>()
        .join("&")
}

fn get(conn: &Conn, path: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("Host", conn.addr.to_string())
        .body(Full::new(Bytes::new()))
        .expect("valid request")
}

fn post_form(
    conn: &Conn,
    path: &str,
    pairs: &[(&str, &str)],
    extra: Option<(&str, String)>,
) -> Request<Full<Bytes>> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("Host", conn.addr.to_string())
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some((name, value)) = extra {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(form_encode(pairs))))
        .expect("valid request")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

fn snippet(what: &str, body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
    format!("{what}: unexpected answer {text}")
}

fn ok_body(answer: Result<(StatusCode, Bytes), String>) -> Result<Bytes, String> {
    let (status, body) = answer?;
    if status != StatusCode::OK {
        return Err(format!("HTTP {status}: {}", snippet("", &body)));
    }
    Ok(body)
}

/// An HTTP 200 whose body contains `marker`.
fn expect(answer: Result<(StatusCode, Bytes), String>, marker: &[u8]) -> Result<(), String> {
    let body = ok_body(answer)?;
    if contains(&body, marker) {
        Ok(())
    } else {
        Err(snippet("", &body))
    }
}

/// The number in a SOAP answer's `<return …>N</return>`.
fn soap_return_id(body: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<return")?;
    let open_end = start + text[start..].find('>')? + 1;
    let close = open_end + text[open_end..].find('<')?;
    text[open_end..close].trim().parse().ok()
}

/// Checks a setup answer (used by the memory measurement).
pub async fn login_pairs(
    t: &Target,
    connections: usize,
    count: u64,
) -> anyhow::Result<crate::load::Stats> {
    crate::load::drive(
        t.addr,
        connections,
        crate::load::Bound::Count(count),
        t.iteration("corebos-login")?,
    )
    .await
}

/// `GET /healthz` once (readiness).
pub async fn healthz(addr: SocketAddr) -> anyhow::Result<()> {
    let req = Request::builder()
        .uri("/healthz")
        .header("Host", addr.to_string())
        .body(Full::new(Bytes::new()))?;
    once(addr, req).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_return_ids_are_read_from_the_return_element() {
        let body = br#"<SOAP-ENV:Body><ns1:WSCreateUserPasswordCryptedResponse><return xsi:type="xsd:string">42</return></ns1:WSCreateUserPasswordCryptedResponse>"#;
        assert_eq!(soap_return_id(body), Some(42));
        assert_eq!(
            soap_return_id(b"<return>This encryption md5 is not configured</return>"),
            None
        );
    }

    #[test]
    fn mounts_are_the_path_of_the_dialect_url() {
        assert_eq!(mount_of("http://127.0.0.1:8080/chamilo"), "/chamilo");
        assert_eq!(mount_of("http://127.0.0.1:9"), "");
        assert_eq!(addr_of("http://127.0.0.1:9/x").unwrap().port(), 9);
    }
}
