//! Reports for `gatehouse explain`: the canonical input, the expected value and, given the
//! client's value, where it first differs.
//!
//! Integrators lose days to one wrong byte in a canonical string; `explain` is given the
//! secret, so unlike [`VerifyError`](crate::VerifyError) it shows everything (D16). Pure:
//! every function takes the inputs a client used and returns a serialisable [`Report`].
//!
//! ```
//! use gatehouse_schemes::explain;
//!
//! let r = explain::corebos("66f1e2d3c4b5a", "Kbrn8QpLz3Ws5Tu", Some("e0e772a262d7072eb908d945a4a45b04"));
//! assert_eq!(r.matches, Some(false));
//! assert!(r.render_text().contains("rn"));
//! ```

use std::fmt::Write as _;

use serde::Serialize;

use crate::chamilo::{self, KeyMode};
use crate::corebos;
use crate::forma;
use crate::forma_sso::{self, SsoTimezone, UserForm};
use crate::php_form;

mod wildix_report;

pub use wildix_report::{WildixInput, wildix};

/// What `explain` found for one scheme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The scheme: `chamilo`, `corebos`, `forma`, `forma-sso`, `wildix`.
    pub scheme: &'static str,
    /// The full canonical input, secrets included.
    pub canonical: String,
    /// The value a correct client sends (hash, header or token).
    pub expected: String,
    /// The client's value, when given.
    pub provided: Option<String>,
    /// Whether the client's value verifies, when given.
    pub matches: Option<bool>,
    /// What [`Report::first_difference`] indexes into (e.g. `"value"`, `"decoded header"`).
    pub compared: &'static str,
    /// Where the client's value first differs from the expected one.
    pub first_difference: Option<Difference>,
    /// Per-part checks (Wildix: alg, signature, iss, times, signed headers, hash).
    pub checks: Vec<Check>,
    /// Hints about known client mistakes.
    pub notes: Vec<String>,
}

/// The first differing byte between the expected and the provided value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Byte offset of the first difference.
    pub index: usize,
    /// The expected character there (`(end)` past the end).
    pub expected: String,
    /// The provided character there (`(end)` past the end).
    pub provided: String,
    /// A few bytes of the expected value around the difference.
    pub expected_context: String,
    /// A few bytes of the provided value around the difference.
    pub provided_context: String,
}

/// One part of a credential checked on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The part checked (`alg`, `hash`, ...).
    pub part: &'static str,
    /// Whether it is right.
    pub ok: bool,
    /// What was found.
    pub detail: String,
}

impl Report {
    pub(crate) fn new(
        scheme: &'static str,
        canonical: String,
        expected: String,
        compared: &'static str,
    ) -> Self {
        Report {
            scheme,
            canonical,
            expected,
            provided: None,
            matches: None,
            compared,
            first_difference: None,
            checks: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Records the client's value, whether it verified, and where `got` departs from `want`.
    pub(crate) fn compare(&mut self, provided: String, matches: bool, want: &[u8], got: &[u8]) {
        self.provided = Some(provided);
        self.matches = Some(matches);
        self.first_difference = if matches {
            None
        } else {
            first_difference(want, got)
        };
    }

    /// Renders the report for a terminal.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "scheme:    {}", self.scheme);
        let _ = writeln!(s, "canonical: {}", self.canonical);
        let _ = writeln!(s, "expected:  {}", self.expected);
        if let Some(p) = &self.provided {
            let _ = writeln!(s, "provided:  {p}");
        }
        match (self.matches, &self.first_difference) {
            (Some(true), _) => s.push_str("result:    MATCH\n"),
            (Some(false), Some(d)) => {
                let _ = writeln!(
                    s,
                    "result:    MISMATCH in the {} at byte {} (expected {}, got {})\n  expected: ...{}...\n  provided: ...{}...",
                    self.compared,
                    d.index,
                    d.expected,
                    d.provided,
                    d.expected_context,
                    d.provided_context
                );
            }
            (Some(false), None) => s.push_str("result:    MISMATCH\n"),
            (None, _) => {}
        }
        if !self.checks.is_empty() {
            s.push_str("checks:\n");
            for c in &self.checks {
                let _ = writeln!(
                    s,
                    "  [{}] {}: {}",
                    if c.ok { "ok" } else { "FAIL" },
                    c.part,
                    c.detail
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }
}

/// Finds the first differing byte of `want` and `got`, with a little context; `None` if equal.
pub fn first_difference(want: &[u8], got: &[u8]) -> Option<Difference> {
    let index = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .or_else(|| (want.len() != got.len()).then(|| want.len().min(got.len())))?;
    let at = |v: &[u8]| {
        v.get(index)
            .map_or_else(|| "(end)".to_owned(), |b| format!("{:?}", char::from(*b)))
    };
    let context = |v: &[u8]| {
        let start = index.saturating_sub(8);
        let end = index.saturating_add(9).min(v.len());
        String::from_utf8_lossy(v.get(start..end).unwrap_or(&[])).into_owned()
    };
    Some(Difference {
        index,
        expected: at(want),
        provided: at(got),
        expected_context: context(want),
        provided_context: context(got),
    })
}

/// Explains a Chamilo SOAP `secret_key` for `ip` (the text `testip.php` reports).
pub fn chamilo(ip: &str, security_key: &str, mode: KeyMode, sent: Option<&str>) -> Report {
    let expected = match mode {
        KeyMode::IpBound => chamilo::soap_secret_key(ip, security_key),
        KeyMode::Whitelist => chamilo::whitelist_secret_key(security_key),
    };
    let mut r = Report::new(
        "chamilo",
        chamilo::soap_canonical_input(ip, security_key, mode),
        expected.clone(),
        "secret_key",
    );
    if let Some(sent) = sent {
        let ok = chamilo::verify_soap_key(sent, ip, security_key, mode).is_ok();
        r.compare(sent.to_owned(), ok, expected.as_bytes(), sent.as_bytes());
        if !ok && sent.eq_ignore_ascii_case(&expected) {
            r.notes.push("the hash is right but upper-case; Chamilo compares lower-case hex exactly (chamilo.md §3)".into());
        }
        if !ok && mode == KeyMode::IpBound && sent == chamilo::whitelist_secret_key(security_key) {
            r.notes.push("this is the whitelist-mode key sha1(security_key); this server expects sha1(ip + security_key)".into());
        }
        if !ok && mode == KeyMode::IpBound {
            r.notes.push(format!(
                "the key is bound to the IP the server sees ({ip}); ask testip.php which address that is (chamilo.md §3)"
            ));
        }
    }
    r
}

/// Explains a coreBOS login `accessKey` for a challenge `token`.
pub fn corebos(token: &str, access_key: &str, sent: Option<&str>) -> Report {
    let expected = corebos::login_proof(token, access_key);
    let mut r = Report::new(
        "corebos",
        corebos::canonical_input(token, access_key),
        expected.clone(),
        "accessKey",
    );
    if let Some(sent) = sent {
        let ok = corebos::verify_login(sent, token, access_key).is_ok();
        r.compare(sent.to_owned(), ok, expected.as_bytes(), sent.as_bytes());
        if corebos::is_js_rn_bug_proof(sent, token, access_key) {
            r.notes.push(
                "this is what the coreBOS JS clients send: their MD5 replaces \"rn\" with \"n\" before hashing; \
                 use an access key without \"rn\" (corebos.md §10)"
                    .into(),
            );
        }
        if !ok && sent.eq_ignore_ascii_case(&expected) {
            r.notes.push("the hash is right but upper-case; coreBOS compares lower-case hex exactly (corebos.md §13)".into());
        }
        if corebos::password_proof(sent, token).is_some() {
            r.notes.push("this looks like password mode (token + password), which is off by default (corebos.md §5)".into());
        }
    }
    r
}

/// Explains a Forma `X-Authorization` header for a form `body`.
pub fn forma(key: &str, secret: &str, body: &[u8], header: Option<&[u8]>) -> Report {
    let post = php_form::parse_post(body);
    let expected_raw = format!("{key}:{}", forma::signature(&post, secret));
    let mut r = Report::new(
        "forma",
        String::from_utf8_lossy(&forma::canonical_input(&post, secret)).into_owned(),
        forma::sign_header(key, secret, &post),
        "decoded header",
    );
    r.notes.push(format!(
        "signed values, in PHP $_POST order: {} (keys are never signed, empty values are, forma.md §3.3.2)",
        forma::signed_values(&post).len()
    ));
    if let Some(header) = header {
        let ok = forma::verify(header, key, secret, &post).is_ok();
        let decoded = forma::decode_header(header).to_ascii_lowercase();
        r.compare(
            String::from_utf8_lossy(header).into_owned(),
            ok,
            expected_raw.to_ascii_lowercase().as_bytes(),
            &decoded,
        );
        let non_empty: Vec<Vec<u8>> = forma::signed_values(&post)
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect();
        let mut postman = non_empty.join(&b","[..]);
        postman.extend_from_slice(format!(",{secret}").as_bytes());
        let postman = format!("{key}:{}", crate::ct::sha1_hex(&postman)).to_ascii_lowercase();
        if !ok && decoded == postman.as_bytes() {
            r.notes.push(
                "the client skipped empty values like the official Postman script; Forma hashes them too (forma.md §3.3.6)".into(),
            );
        }
    }
    r
}

/// Explains a Forma SSO token for `user` and `time` (as they appear in the link).
/// `zone` is the server's `forma.sso_timezone` for calendar times (D5).
pub fn forma_sso(
    user: &str,
    time: &str,
    sso_secret: &str,
    zone: SsoTimezone,
    token: Option<&str>,
) -> Report {
    let mut r = Report::new(
        "forma-sso",
        forma_sso::canonical_input(user, time, sso_secret),
        forma_sso::token(user, time, sso_secret),
        "token",
    );
    match forma_sso::parse_time(time, zone) {
        Ok((unix, form)) => r
            .notes
            .push(format!("time read as {form:?} = {unix} Unix seconds")),
        Err(e) => r.notes.push(format!("time is refused: {e}")),
    }
    if let Some(sent) = token {
        let sent_lower = sent.to_ascii_lowercase();
        let legacy = forma_sso::legacy_token(user, time, sso_secret);
        let form = if sent_lower == r.expected {
            Some(UserForm::AsSent)
        } else if legacy == sent_lower {
            Some(UserForm::Lowercased)
        } else {
            None
        };
        let want = if form == Some(UserForm::Lowercased) {
            legacy.clone()
        } else {
            r.expected.clone()
        };
        r.compare(
            sent.to_owned(),
            form.is_some(),
            want.as_bytes(),
            sent_lower.as_bytes(),
        );
        match form {
            Some(UserForm::Lowercased) => {
                r.notes.push("matches with the username lowercased (Forma 1.x-2.1 form, accepted)".into());
                r.canonical = forma_sso::canonical_input(&user.to_ascii_lowercase(), time, sso_secret);
                r.expected = legacy;
            }
            Some(UserForm::AsSent) => {}
            None => r.notes.push("neither the username as sent nor lowercased gives this token; check the secret, the exact time string and the commas".into()),
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_points_at_the_byte_and_handles_prefixes() {
        let d = first_difference(b"abcdef", b"abXdef").unwrap();
        assert_eq!(
            (d.index, d.expected.as_str(), d.provided.as_str()),
            (2, "'c'", "'X'")
        );
        let d = first_difference(b"abc", b"ab").unwrap();
        assert_eq!((d.index, d.provided.as_str()), (2, "(end)"));
        assert!(first_difference(b"same", b"same").is_none());
        assert!(first_difference("é".as_bytes(), "è".as_bytes()).is_some());
    }

    // chamilo.md §3 vector 1.
    #[test]
    fn chamilo_reports_show_the_full_canonical_and_flag_the_whitelist_key() {
        let key = "0123456789abcdef0123456789abcdef";
        let r = chamilo(
            "203.0.113.10",
            key,
            KeyMode::IpBound,
            Some("78f94282503da8b8934661183379d12fb23f75e1"),
        );
        assert_eq!(r.canonical, format!("203.0.113.10{key}"));
        assert_eq!(r.matches, Some(true));
        let r = chamilo(
            "203.0.113.10",
            key,
            KeyMode::IpBound,
            Some("b1775a785f09a6ebaf2dc33d6eaeb98974d9cdb8"),
        );
        assert_eq!(r.matches, Some(false));
        assert_eq!(r.first_difference.as_ref().unwrap().index, 0);
        assert!(r.render_text().contains("whitelist-mode"));
    }

    // corebos.md §13 vector 3 and §10.
    #[test]
    fn corebos_reports_recognise_the_js_rn_bug() {
        let r = corebos(
            "66f1e2d3c4b5a",
            "Kbrn8QpLz3Ws5Tu",
            Some("e0e772a262d7072eb908d945a4a45b04"),
        );
        assert_eq!(r.expected, "137d6458252383e1f394bc5e189ddccf");
        assert!(r.notes.iter().any(|n| n.contains("\"rn\"")));
        let r = corebos(
            "65a7f3c2e1b4d",
            "Xq7Lm2Pz9Rt4Vw8K",
            Some("6072a8246926f6798bca25fb1c288965"),
        );
        assert_eq!(r.matches, Some(true));
    }

    // forma.md §7.1 V3 and §3.3.6.
    #[test]
    fn forma_reports_match_the_vector_and_recognise_the_postman_signer() {
        let body = b"idst=12345&course_id=7&user_level=student&_customfields%5B3%5D=Milano&_customfields%5B5%5D=IT&sendmail=";
        let header = "FormaLMS SzN5LTQyOmU1YmJkZDE3YTYyZDJkMGU5OWVkNjQ0NDNkMGM1MjBiMmU4ODM3ZmU=";
        let r = forma("K3y-42", "s3cr3t!", body, Some(header.as_bytes()));
        assert_eq!(r.canonical, "12345,7,student,Milano,IT,,s3cr3t!");
        assert_eq!((r.expected.as_str(), r.matches), (header, Some(true)));
        use base64::Engine as _;
        let postman = format!(
            "FormaLMS  {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "K3y-42:{}",
                crate::ct::sha1_hex(b"12345,7,student,Milano,IT,s3cr3t!")
            ))
        );
        let r = forma("K3y-42", "s3cr3t!", body, Some(postman.as_bytes()));
        assert_eq!(r.matches, Some(false));
        assert!(
            r.notes.iter().any(|n| n.contains("Postman")),
            "{:?}",
            r.notes
        );
        assert!(r.first_difference.is_some());
    }

    // forma.md §7.2 S2.
    #[test]
    fn forma_sso_reports_say_which_username_form_matched() {
        let r = forma_sso(
            "JohnDoe",
            "1700000000",
            "ssosharedkeysample",
            SsoTimezone::Utc,
            Some("2e69494fc7c45a8552f66a1e7a440a81"),
        );
        assert_eq!(r.matches, Some(true));
        assert_eq!(r.canonical, "johndoe,1700000000,ssosharedkeysample");
        assert!(r.notes.iter().any(|n| n.contains("lowercased")));
        let r = forma_sso(
            "JohnDoe",
            "1700000001",
            "ssosharedkeysample",
            SsoTimezone::Utc,
            Some("35ae099e396aaf252272867b3f10ed39"),
        );
        assert_eq!(r.matches, Some(false));
        let text = r.render_text();
        assert!(
            text.contains("MISMATCH") && text.contains("JohnDoe,1700000001,ssosharedkeysample"),
            "{text}"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["scheme"], "forma-sso");
    }
}
