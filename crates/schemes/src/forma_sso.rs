//! Forma LMS SSO links: `token = md5(login_user + "," + time + "," + sso_secret)`.
//!
//! Two generations of clients exist (forma.md §5.2, specs/README.md formula 4, D5, D15):
//! current Forma hashes the username as sent with `time` in Unix seconds; the documented older
//! form lowercases the username and writes `time` as `yyyymmddhhmmss`. gatehouse accepts both
//! usernames with both time formats, hex in either case, and reports which variant matched.
//!
//! ```
//! use gatehouse_schemes::forma_sso::{self, SsoParams, TimeForm, UserForm};
//!
//! let token = forma_sso::token("gverdi", "1511165622", "parolachiavecondivisasso");
//! assert_eq!(token, "d16ea692e74fdd9cbbbd2fb1001c33e1");
//! let params = SsoParams::default();
//! let m = forma_sso::verify("gverdi", "1511165622", &token, "parolachiavecondivisasso", 1511165650, &params)
//!     .unwrap();
//! assert_eq!((m.user_form, m.time_form), (UserForm::AsSent, TimeForm::UnixSeconds));
//! let late = forma_sso::verify("gverdi", "1511165622", &token, "parolachiavecondivisasso", 1511169999, &params);
//! assert_eq!(late.unwrap_err().reason_code(), "expired");
//! ```

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::ct::{HexCase, check_hex, ct_eq, md5_hex};
use crate::error::{Reason, VerifyError};

/// How the username entered the hash that matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserForm {
    /// Exactly as received (Forma 2.2 and later).
    AsSent,
    /// ASCII-lowercased (Forma 1.x to 2.1, forma.md §5.2).
    Lowercased,
}

/// How `time` was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeForm {
    /// Unix seconds (current Forma).
    UnixSeconds,
    /// A 12- or 14-digit `yyyymmddhhmm[ss]` calendar time (older documented form).
    Calendar,
}

/// The zone a calendar `time` is read in.
/// UTC by default (D5); `forma.sso_timezone` names an IANA zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SsoTimezone {
    /// Coordinated Universal Time.
    #[default]
    Utc,
    /// An IANA zone such as `Europe/Rome`.
    Named(Tz),
}

impl SsoTimezone {
    /// Parses an IANA zone name (`"UTC"`, `"Europe/Rome"`).
    /// Returns `None` for an unknown name, so configuration can name the bad key.
    pub fn from_name(name: &str) -> Option<Self> {
        name.parse::<Tz>().ok().map(SsoTimezone::Named)
    }

    fn to_unix(self, local: NaiveDateTime) -> Option<i64> {
        match self {
            SsoTimezone::Utc => Some(Utc.from_utc_datetime(&local).timestamp()),
            // Ambiguous local times (the repeated hour when clocks go back) take the earlier
            // instant; times inside a spring-forward gap do not exist and are refused.
            SsoTimezone::Named(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .map(|d| d.timestamp()),
        }
    }
}

/// Validity window of an SSO link, all in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SsoParams {
    /// Accepted while `time + lifetime >= now` (Forma's `rest_auth_lifetime`, default 60).
    pub lifetime: i64,
    /// Refused when `time > now + future_skew`; Forma has no such bound (forma.md §5.3, §8).
    pub future_skew: i64,
    /// Zone of calendar times (D5).
    pub timezone: SsoTimezone,
}

impl Default for SsoParams {
    fn default() -> Self {
        SsoParams {
            lifetime: 60,
            future_skew: 60,
            timezone: SsoTimezone::Utc,
        }
    }
}

/// Which variant of the formula a verified token used, for the audit event (D15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SsoMatch {
    /// Username as sent or lowercased.
    pub user_form: UserForm,
    /// Unix seconds or calendar time.
    pub time_form: TimeForm,
    /// `time` as Unix seconds.
    pub issued_at: i64,
}

impl SsoMatch {
    /// A compact code for audit: `as_sent+unix`, `lowercased+calendar`, ...
    pub fn variant_code(&self) -> &'static str {
        match (self.user_form, self.time_form) {
            (UserForm::AsSent, TimeForm::UnixSeconds) => "as_sent+unix",
            (UserForm::AsSent, TimeForm::Calendar) => "as_sent+calendar",
            (UserForm::Lowercased, TimeForm::UnixSeconds) => "lowercased+unix",
            (UserForm::Lowercased, TimeForm::Calendar) => "lowercased+calendar",
        }
    }
}

/// The string hashed: `user + "," + time + "," + sso_secret`, `time` exactly as sent.
pub fn canonical_input(user: &str, time: &str, sso_secret: &str) -> String {
    format!("{user},{time},{sso_secret}")
}

/// [`canonical_input`] with the secret replaced: `gverdi,1511165622,{sso_secret}` (D16).
pub fn redacted_input(user: &str, time: &str) -> String {
    format!("{user},{time},{{sso_secret}}")
}

/// The token current Forma expects: `md5_hex(user + "," + time + "," + sso_secret)`, user as sent.
pub fn token(user: &str, time: &str, sso_secret: &str) -> String {
    md5_hex(canonical_input(user, time, sso_secret).as_bytes())
}

/// The token of Forma 1.x to 2.1: the same formula over the ASCII-lowercased username.
/// Paired with a calendar `time` it is the seed's documented older form.
pub fn legacy_token(user: &str, time: &str, sso_secret: &str) -> String {
    token(&user.to_ascii_lowercase(), time, sso_secret)
}

/// Writes `unix` as the older `yyyymmddhhmmss` calendar time in `zone`.
/// For clients that still produce the seed's documented form.
pub fn calendar_time(unix: i64, zone: SsoTimezone) -> Option<String> {
    let utc = chrono::DateTime::from_timestamp(unix, 0)?;
    Some(match zone {
        SsoTimezone::Utc => utc.format("%Y%m%d%H%M%S").to_string(),
        SsoTimezone::Named(tz) => utc.with_timezone(&tz).format("%Y%m%d%H%M%S").to_string(),
    })
}

/// Reads `time`: digits only; 12 or 14 digits are a calendar time in `zone`, anything else Unix seconds.
/// Forma accepts leading-numeric junk and never expires calendar times (forma.md §5.3); gatehouse refuses both.
pub fn parse_time(time: &str, zone: SsoTimezone) -> Result<(i64, TimeForm), VerifyError> {
    let bad = |detail| VerifyError::from(Reason::BadTime { detail });
    if time.is_empty() {
        return Err(bad("is empty"));
    }
    if !time.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "is not a number of seconds or a yyyymmddhhmm[ss] calendar time",
        ));
    }
    if time.len() == 12 || time.len() == 14 {
        let num = |r: std::ops::Range<usize>| time.get(r).and_then(|s| s.parse::<u32>().ok());
        let date = num(0..4)
            .zip(num(4..6))
            .zip(num(6..8))
            .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d));
        let sec = if time.len() == 14 {
            num(12..14)
        } else {
            Some(0)
        };
        let local = date
            .zip(num(8..10).zip(num(10..12)).zip(sec))
            .and_then(|(d, ((h, mi), s))| d.and_hms_opt(h, mi, s))
            .ok_or_else(|| bad("is not a valid calendar date and time"))?;
        let unix = zone
            .to_unix(local)
            .ok_or_else(|| bad("does not exist in the configured timezone"))?;
        return Ok((unix, TimeForm::Calendar));
    }
    time.parse::<i64>()
        .map(|t| (t, TimeForm::UnixSeconds))
        .map_err(|_| bad("is out of range"))
}

/// Verifies an SSO link's `token` for `user` and `time` at `now` (Unix seconds).
/// Tries the username as sent, then lowercased; hex in either case; constant-time comparisons.
/// The hash is checked before the window, so `expired` is only reported for authentic links.
pub fn verify(
    user: &str,
    time: &str,
    token_sent: &str,
    sso_secret: &str,
    now: i64,
    params: &SsoParams,
) -> Result<SsoMatch, VerifyError> {
    if sso_secret.is_empty() {
        return Err(Reason::SecretUnset { what: "sso_secret" }.into());
    }
    if user.is_empty() {
        return Err(Reason::Missing { what: "login_user" }.into());
    }
    if token_sent.is_empty() {
        return Err(Reason::Missing { what: "token" }.into());
    }
    let expected = token(user, time, sso_secret);
    let context = |e: VerifyError| {
        e.with_canonical(redacted_input(user, time))
            .with_expected(&expected)
    };
    check_hex("token", token_sent.as_bytes(), 32, HexCase::Any).map_err(context)?;
    let (issued_at, time_form) = parse_time(time, params.timezone).map_err(context)?;

    let sent = token_sent.to_ascii_lowercase();
    let lowered = user.to_ascii_lowercase();
    let as_sent = ct_eq(sent.as_bytes(), expected.as_bytes());
    let as_lower = lowered != user
        && ct_eq(
            sent.as_bytes(),
            token(&lowered, time, sso_secret).as_bytes(),
        );
    let user_form = match (as_sent, as_lower) {
        (true, _) => UserForm::AsSent,
        (false, true) => UserForm::Lowercased,
        (false, false) => return Err(context(Reason::Mismatch { what: "token" }.into())),
    };
    let expires = issued_at.saturating_add(params.lifetime);
    if expires < now {
        return Err(context(
            Reason::Expired {
                expired_at: expires,
                now,
            }
            .into(),
        ));
    }
    if issued_at > now.saturating_add(params.future_skew) {
        return Err(context(
            Reason::NotYetValid {
                valid_from: issued_at,
                now,
            }
            .into(),
        ));
    }
    Ok(SsoMatch {
        user_form,
        time_form,
        issued_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: SsoParams = SsoParams {
        lifetime: 60,
        future_skew: 60,
        timezone: SsoTimezone::Utc,
    };

    fn ok(user: &str, time: &str, tok: &str, secret: &str, now: i64) -> SsoMatch {
        verify(user, time, tok, secret, now, &P).unwrap_or_else(|e| panic!("{user} {time}: {e:?}"))
    }

    // forma.md §7.2 S1 (official docs example) and §5.2.
    #[test]
    fn the_official_docs_example_verifies() {
        let t = "d16ea692e74fdd9cbbbd2fb1001c33e1";
        assert_eq!(
            canonical_input("gverdi", "1511165622", "parolachiavecondivisasso"),
            "gverdi,1511165622,parolachiavecondivisasso"
        );
        assert_eq!(token("gverdi", "1511165622", "parolachiavecondivisasso"), t);
        let m = ok(
            "gverdi",
            "1511165622",
            t,
            "parolachiavecondivisasso",
            1511165622,
        );
        assert_eq!(m.variant_code(), "as_sent+unix");
        // Forma compares hex case-insensitively (forma.md §5.2).
        ok(
            "gverdi",
            "1511165622",
            &t.to_uppercase(),
            "parolachiavecondivisasso",
            1511165622,
        );
    }

    // forma.md §7.2 S2: 2.2+ keeps case, 1.x-2.1 lowercased; both accepted (D15).
    #[test]
    fn both_username_forms_of_s2_verify_and_say_which_matched() {
        let now = 1700000000;
        assert_eq!(
            token("JohnDoe", "1700000000", "ssosharedkeysample"),
            "35ae099e396aaf252272867b3f10ed39"
        );
        assert_eq!(
            legacy_token("JohnDoe", "1700000000", "ssosharedkeysample"),
            "2e69494fc7c45a8552f66a1e7a440a81"
        );
        let m = ok(
            "JohnDoe",
            "1700000000",
            "35ae099e396aaf252272867b3f10ed39",
            "ssosharedkeysample",
            now,
        );
        assert_eq!(m.user_form, UserForm::AsSent);
        let m = ok(
            "JohnDoe",
            "1700000000",
            "2e69494fc7c45a8552f66a1e7a440a81",
            "ssosharedkeysample",
            now,
        );
        assert_eq!(m.user_form, UserForm::Lowercased);
    }

    // forma.md §7.2 S3 (use_user_idst: the user is the idst digits).
    #[test]
    fn the_idst_vector_verifies() {
        let t = "9cbaceb224f336aa5266b9bac26281e4";
        assert_eq!(token("12345", "1735689600", "Zx9!long-shared-secret"), t);
        ok(
            "12345",
            "1735689600",
            t,
            "Zx9!long-shared-secret",
            1735689600,
        );
    }

    // forma.md §7.2 "Extra": docs Example 2 (derived value).
    #[test]
    fn the_derived_docs_example_two_matches() {
        assert_eq!(
            token("johndoe", "1511166091", "ssosharedkeysample"),
            "48e430a787ba544894a092ea2480a244"
        );
    }

    // specs/README.md formula 4 and D5: yyyymmddhhmmss with the username lowercased, read in UTC.
    #[test]
    fn the_older_calendar_form_verifies_in_utc_and_in_a_configured_zone() {
        let time = "20231114221320"; // 1700000000 in UTC
        let tok = legacy_token("JohnDoe", time, "ssosharedkeysample");
        let m = ok("JohnDoe", time, &tok, "ssosharedkeysample", 1700000000);
        assert_eq!(
            (m.user_form, m.time_form, m.issued_at),
            (UserForm::Lowercased, TimeForm::Calendar, 1700000000)
        );
        assert_eq!(
            calendar_time(1700000000, SsoTimezone::Utc).as_deref(),
            Some(time)
        );
        // 12 digits (a 1.x comment shows `200812101752`) carry no seconds.
        let m = ok(
            "x",
            "202311142213",
            &token("x", "202311142213", "s"),
            "s",
            1700000000,
        );
        assert_eq!(m.issued_at, 1699999980);
        // In Europe/Rome (UTC+1 in November) the same wall-clock time is an hour earlier.
        let rome = SsoParams {
            timezone: SsoTimezone::from_name("Europe/Rome").unwrap(),
            ..P
        };
        let local = "20231114231320";
        let m = verify("x", local, &token("x", local, "s"), "s", 1700000000, &rome).unwrap();
        assert_eq!(m.issued_at, 1700000000);
        assert!(SsoTimezone::from_name("Mars/Olympus").is_none());
    }

    #[test]
    fn expired_future_tampered_and_malformed_links_get_distinct_reasons() {
        let s = "ssosharedkeysample";
        let t = token("JohnDoe", "1700000000", s);
        let code = |user: &str, time: &str, tok: &str, now: i64| {
            verify(user, time, tok, s, now, &P)
                .unwrap_err()
                .reason_code()
        };
        assert_eq!(code("JohnDoe", "1700000000", &t, 1700000061), "expired");
        assert!(verify("JohnDoe", "1700000000", &t, s, 1700000060, &P).is_ok());
        assert_eq!(
            code("JohnDoe", "1700000000", &t, 1699999939),
            "not_yet_valid"
        );
        assert_eq!(code("JohnDoe", "1700000001", &t, 1700000000), "mismatch");
        assert_eq!(
            code(
                "JohnDoe",
                "1700000000abc",
                &token("JohnDoe", "1700000000abc", s),
                1700000000
            ),
            "bad_time"
        );
        assert_eq!(code("JohnDoe", "", &t, 1700000000), "bad_time");
        assert_eq!(
            code(
                "JohnDoe",
                "20231340221320",
                &token("JohnDoe", "20231340221320", s),
                1700000000
            ),
            "bad_time"
        );
        assert_eq!(code("JohnDoe", "99999999999999999999", &t, 0), "bad_time");
        assert_eq!(
            code("JohnDoe", "1700000000", "abc", 1700000000),
            "bad_length"
        );
        assert_eq!(
            code("JohnDoe", "1700000000", &"g".repeat(32), 1700000000),
            "bad_encoding"
        );
        assert_eq!(code("", "1700000000", &t, 1700000000), "missing");
        let e = verify("JohnDoe", "1700000000", &t, "", 1700000000, &P).unwrap_err();
        assert_eq!(e.reason_code(), "secret_unset");
        let e = verify("JohnDoe", "1700000001", &t, s, 1700000000, &P).unwrap_err();
        assert_eq!(e.canonical(), Some("JohnDoe,1700000001,{sso_secret}"));
        assert!(!format!("{e:?}{e}").contains(s));
    }

    proptest! {
        #[test]
        fn tokens_round_trip_inside_the_window_and_a_changed_user_time_or_token_fails(
            user in "[A-Za-z0-9._@-]{1,20}",
            t in 1_000_000_000i64..2_000_000_000,
            age in 0i64..=60,
            secret in "[ -~]{1,30}",
            pos in 0usize..32,
        ) {
            let time = t.to_string();
            let tok = token(&user, &time, &secret);
            prop_assert!(verify(&user, &time, &tok, &secret, t + age, &P).is_ok());
            let other_user = format!("{user}x");
            prop_assert!(verify(&other_user, &time, &tok, &secret, t + age, &P).is_err());
            prop_assert!(verify(&user, &(t + 1).to_string(), &tok, &secret, t + age, &P).is_err());
            let mut b = tok.into_bytes();
            b[pos] = if b[pos] == b'0' { b'1' } else { b'0' };
            prop_assert!(verify(&user, &time, &String::from_utf8(b).unwrap(), &secret, t + age, &P).is_err());
        }
    }
}
