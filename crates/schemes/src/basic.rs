//! HTTP Basic credentials, the Wildix admin alternative to S2S tokens (wildix.md §6).
//!
//! Only the parsing lives here: the password verifier (Argon2id and legacy hashes) belongs
//! to the server.
//!
//! ```
//! use gatehouse_schemes::basic;
//!
//! let header = basic::encode("admin", "pw:with:colons");
//! let creds = basic::parse(header.as_bytes()).unwrap();
//! assert_eq!((creds.username.as_str(), creds.password()), ("admin", "pw:with:colons"));
//! assert_eq!(basic::parse(b"Bearer x").unwrap_err().reason_code(), "wrong_scheme");
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Reason, VerifyError};

/// A username and password from an `Authorization: Basic` header.
/// `Debug` hides the password so the value can be logged safely.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    /// The part before the first `:`.
    pub username: String,
    password: String,
}

impl BasicCredentials {
    /// The part after the first `:` (it may itself contain colons, RFC 7617).
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// Parses an `Authorization` header value: `Basic` (any case), whitespace, base64 of `user:password`.
/// Distinct reasons: `missing` (empty), `wrong_scheme`, `bad_encoding` (base64, UTF-8 or no `:`).
pub fn parse(header: &[u8]) -> Result<BasicCredentials, VerifyError> {
    let header = header.trim_ascii();
    if header.is_empty() {
        return Err(Reason::Missing {
            what: "Authorization header",
        }
        .into());
    }
    let scheme_end = header
        .iter()
        .position(|b| *b == b' ' || *b == b'\t')
        .unwrap_or(header.len());
    let (scheme, rest) = header.split_at(scheme_end);
    if !scheme.eq_ignore_ascii_case(b"Basic") {
        return Err(Reason::WrongScheme { expected: "Basic" }.into());
    }
    let bad = |detail| {
        VerifyError::from(Reason::BadEncoding {
            what: "Basic credentials",
            detail,
        })
    };
    let decoded = STANDARD
        .decode(rest.trim_ascii())
        .map_err(|_| bad("not valid base64"))?;
    let text = String::from_utf8(decoded).map_err(|_| bad("not UTF-8"))?;
    let (username, password) = text
        .split_once(':')
        .ok_or_else(|| bad("no ':' between username and password"))?;
    Ok(BasicCredentials {
        username: username.to_owned(),
        password: password.to_owned(),
    })
}

/// Builds the header value a client sends: `Basic base64(username:password)`.
pub fn encode(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:{password}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_rfc_7617_example_parses() {
        let c = parse(b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").unwrap();
        assert_eq!(
            (c.username.as_str(), c.password()),
            ("Aladdin", "open sesame")
        );
        let c = parse(b"  basic \t QWxhZGRpbjpvcGVuIHNlc2FtZQ== ").unwrap();
        assert_eq!(c.username, "Aladdin");
    }

    #[test]
    fn malformed_headers_get_distinct_reasons() {
        let code = |h: &[u8]| parse(h).unwrap_err().reason_code();
        assert_eq!(code(b""), "missing");
        assert_eq!(code(b"Bearer abc"), "wrong_scheme");
        assert_eq!(code(b"Basic !!!"), "bad_encoding");
        assert_eq!(
            code(format!("Basic {}", STANDARD.encode("nocolon")).as_bytes()),
            "bad_encoding"
        );
        assert_eq!(
            code(format!("Basic {}", STANDARD.encode([0xff, b':'])).as_bytes()),
            "bad_encoding"
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let c = parse(encode("admin", "hunter2").as_bytes()).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    proptest! {
        #[test]
        fn encode_then_parse_round_trips(user in "[^:]{0,20}", pass in ".{0,20}") {
            let c = parse(encode(&user, &pass).as_bytes()).unwrap();
            prop_assert_eq!(c.password(), pass.as_str());
            prop_assert_eq!(c.username, user);
        }
    }
}
