//! Async clients that do each legacy dialect's handshake right, against gatehouse or the real
//! products: Chamilo SOAP and REST, coreBOS/vtiger, Forma LMS and Wildix WMS S2S.
//!
//! Signatures come from `gatehouse-schemes` and SOAP envelopes from `gatehouse-wire`, the
//! same code the server verifies and decodes with. Every client is cheap to clone and safe to
//! share between tasks. Errors keep the dialect's own code and message ([`Error`]).
//!
//! Results are typed where the products document their shape ([`UserProfile`],
//! [`FormaUser`], [`CallQueue`], ...), read leniently because PHP sends ids as numbers or
//! strings; every client also has an untyped call returning `serde_json::Value` for the rest
//! ([`ChamiloRest::action`], [`Corebos::operation`], [`Forma::call`], [`Wildix::request`]).
//! Each example below also runs against a sandbox as `crates/client/examples/<dialect>.rs`.
//!
//! Chamilo SOAP (`secret_key` from `testip.php`, asked once):
//! ```no_run
//! # async fn run() -> gatehouse_client::Result<()> {
//! use gatehouse_client::{ChamiloSoap, SoapValue};
//! let soap = ChamiloSoap::new("http://127.0.0.1:8080/chamilo", "the-security-key");
//! let user = soap
//!     .call("WSGetUserFromUsername", SoapValue::record([("username", SoapValue::text("admin"))]))
//!     .await?;
//! println!("{}", user.str("firstname"));
//! # Ok(()) }
//! ```
//!
//! Chamilo REST (`authenticate` once, then `api_key`; a rotated key is renewed):
//! ```no_run
//! # async fn run() -> gatehouse_client::Result<()> {
//! let rest = gatehouse_client::ChamiloRest::with_password("http://127.0.0.1:8080/chamilo", "admin", "pw");
//! let profile = rest.user_profile().await?;
//! println!("{} is user {}", profile.username, profile.id);
//! for course in rest.user_courses(None).await? {
//!     println!("{} {}", course.code, course.title);
//! }
//! let raw = rest.action("course_info", &[("course".into(), "1".into())]).await?;
//! # Ok(()) }
//! ```
//!
//! coreBOS (challenge, login and session renewal are automatic):
//! ```no_run
//! # async fn run() -> gatehouse_client::Result<()> {
//! let crm = gatehouse_client::Corebos::new("http://127.0.0.1:8080/corebos", "admin", "access-key");
//! let types = crm.list_types().await?;
//! let rows = crm.query("SELECT * FROM Users;").await?;
//! # Ok(()) }
//! ```
//!
//! Forma (the signature of method 2 here; `FormaAuth::Code` and `FormaAuth::Token` are the
//! other two; SSO links):
//! ```no_run
//! # async fn run() -> gatehouse_client::Result<()> {
//! use gatehouse_client::{Forma, FormaAuth, forma_sso_url};
//! let lms = Forma::new("http://127.0.0.1:8080/forma", FormaAuth::Signature { key: "k".into(), secret: "s".into() });
//! if let Some(user) = lms.check_username("admin").await? {
//!     println!("admin is {} (disabled: {})", user.idst, user.disabled());
//! }
//! let courses = lms.courses(None).await?;
//! let raw = lms.call("user/customfields", &[]).await?;
//! let link = forma_sso_url("http://127.0.0.1:8080/forma", "admin", "sso-secret", 1_700_000_000);
//! # Ok(()) }
//! ```
//!
//! Wildix (S2S JWT over method, path, `Host`, `X-APP-ID`, query and body):
//! ```no_run
//! # async fn run() -> gatehouse_client::Result<()> {
//! use gatehouse_client::{Wildix, WildixApp};
//! let app = WildixApp { app_id: "id".into(), app_name: "name".into(), secret: "secret".into() };
//! let pbx = Wildix::new("http://127.0.0.1:8081", app)?;
//! for queue in pbx.call_queues(None, None).await?.records {
//!     println!("{} has {} members", queue.name, pbx.call_queue(queue.id).await?.members.len());
//! }
//! let raw = pbx.get("PBX/CallHistory/", &serde_json::json!({"count": "5"})).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod chamilo_rest;
mod chamilo_soap;
mod corebos;
mod error;
mod forma;
mod http;
mod lenient;
mod trace;
mod wildix;

pub use chamilo_rest::{
    ChamiloCourse, ChamiloRest, CourseUser, ProfileExtra, RestSession, UserCourse, UserProfile,
    UserRow,
};
pub use chamilo_soap::{ChamiloSoap, ChamiloUser, request_envelope, soap_from_json, soap_to_json};
pub use corebos::{Corebos, ListTypes, LoginResult, Record};
pub use error::{Error, Result};
pub use forma::{
    AuthToken, CheckedUser, CustomField, Forma, FormaAuth, FormaAuthMethod, FormaCourse,
    FormaSubscription, FormaUser, FormaUserCourse, FormaUserDetails, forma_sso_url,
};
pub use gatehouse_wire::SoapValue;
/// The HTTP method type used by [`Wildix::request`].
pub use reqwest::Method;
pub use trace::{Exchange, Trace};
pub use wildix::{
    BodyEncoding, CallQueue, Colleague, NewCallQueue, QueueMember, Records, Sound, Wildix,
    WildixApp,
};
