//! Forma LMS: the REST API `/api/<module>/<function>` with its three authentication
//! methods, and SSO token links (specs/forma.md; D5, D7, D9, D15, D16, D18).
//!
//! Under the dialect's mount (default `/forma`): `/api/<module>/<function>[/<p0>…]` and
//! `/api/rest.php?q=…` (§2.1), `/index.php` for SSO links and the landing pages (§5).
//! Every REST answer is HTTP 200, XML by default or JSON (§2.3), in Forma's envelopes (§2.4).
//! Kept for clients: key order, `<element>` items, misspelled messages, the empty error of
//! a missing `X-Authorization`. Deviations (documented where they happen): XML values are
//! escaped (output.rs), an empty shared code/key/secret refuses instead of opening the API,
//! the `downloadCertificate` bypass does not exist, unknown functions answer an error
//! envelope instead of a PHP crash, SSO links are single-use with a bounded future skew,
//! `updateUserSubscription` applies `subscribed`, `userdetailsbyuserid` and
//! `userdetailsfromcredentials` work. Custom fields are the users' extra fields, a
//! field's Forma id being its name. Categories live in their own table.

mod auth;
mod codec;
mod config;
mod error;
mod multipart;
mod ops;
mod output;
mod router;

pub use config::{AuthMethod, CookieSecure, FormaConfig};
pub use router::router;
