//! Wildix WMS S2S: an HS256 JWT whose `sign.hash` covers the request (wildix.md §1–§5).
//!
//! `hash = sha256_hex(METHOD + path + C(signed headers) + C(query params) + C(body))`, with
//! `C()` from [`canonical`]. Both sides work from the raw request parts: the client signs the
//! bytes it is about to send, the server verifies the bytes it received, with the path as
//! received (D3) and `Host` compared without its port.
//!
//! ```
//! use gatehouse_schemes::wildix::{self, IssCheck, RawRequest, VerifyParams};
//!
//! let headers = [("Host", &b"pbx.example.com"[..]), ("X-APP-ID", b"s2s-acme-0001")];
//! let req = RawRequest { method: "GET", path: "/api/v1/PBX/settings/CallQueues/", query: b"", headers: &headers, body: b"" };
//! let signed = wildix::sign(&req, &["Host", "X-APP-ID"], "acme-crm", "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA", 1700000300, 300).unwrap();
//! assert_eq!(signed.canonical, "GET/api/v1/PBX/settings/CallQueues/host:pbx.example.com;x-app-id:s2s-acme-0001;");
//!
//! let auth = format!("Bearer {}", signed.token);
//! let mut received = headers.to_vec();
//! received.push(("Authorization", auth.as_bytes()));
//! let req = RawRequest { headers: &received, ..req };
//! let params = VerifyParams { now: 1700000310, leeway: 60, max_lifetime: 3600, iss_check: IssCheck::Enforce };
//! let ok = wildix::verify(&req, "acme-crm", "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA", &params).unwrap();
//! assert_eq!(ok.claims.iss.as_deref(), Some("acme-crm"));
//! let late = VerifyParams { now: 1700000700, ..params };
//! let err = wildix::verify(&req, "acme-crm", "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA", &late).unwrap_err();
//! assert_eq!(err.reason_code(), "expired");
//! ```

pub mod canonical;
pub mod jwt;

use crate::ct::{HexCase, check_hex, ct_eq, sha256_hex};
use crate::error::{Reason, VerifyError};
use crate::php_form;
use crate::php_value::{PhpArray, PhpKey, PhpValue};

pub use canonical::canonical_data;
pub use jwt::{Claims, DecodedToken, decode as decode_unverified};

/// The lifetime the official client gives its tokens (`exp = iat + 300`, wildix.md §1).
pub const DEFAULT_LIFETIME: i64 = 300;

/// One HTTP request as raw parts, the way it was sent or received.
#[derive(Clone, Copy, Debug)]
pub struct RawRequest<'a> {
    /// The method, as sent (the PHP client always writes it in upper case).
    pub method: &'a str,
    /// The path as received, not percent-decoded and not rewritten by a mount (D3), without `?query`.
    pub path: &'a str,
    /// The raw query string, without the `?`.
    pub query: &'a [u8],
    /// Every header (name, value); lookups ignore name case. HTTP/2 servers must supply `Host`
    /// from `:authority`.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The raw body.
    pub body: &'a [u8],
}

impl RawRequest<'_> {
    /// The value of header `name` (case-insensitive); repeated headers are joined with `", "`.
    pub fn header(&self, name: &str) -> Option<Vec<u8>> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v);
        let first = values.next()?.to_vec();
        Some(values.fold(first, |mut acc, v| {
            acc.extend_from_slice(b", ");
            acc.extend_from_slice(v);
            acc
        }))
    }

    /// The `X-APP-ID` the caller looks the application up by, trimmed (wildix.md §5 step 2).
    /// `None` when absent or empty.
    pub fn app_id(&self) -> Option<String> {
        let raw = self.header("x-app-id")?;
        let id = String::from_utf8_lossy(raw.trim_ascii()).into_owned();
        (!id.is_empty()).then_some(id)
    }

    /// Whether the body is signed: the PHP client drops it for GET and DELETE (wildix.md §1).
    pub fn body_is_signed(&self) -> bool {
        self.method != "GET" && self.method != "DELETE"
    }

    /// Whether the body is JSON: a `Content-Type` containing `application/json` (wildix.md §4).
    /// Anything else is read as a form body, the client's only other encoding.
    pub fn body_is_json(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .windows(16)
                .any(|w| w == b"application/json")
        })
    }
}

/// `Host` without its port: the official client signs the bare hostname even when the URL has a port (D3).
pub fn host_without_port(host: &[u8]) -> &[u8] {
    if host.first() == Some(&b'[') {
        return match host.iter().position(|&b| b == b']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.iter().filter(|&&b| b == b':').count() {
        1 => host.split(|&b| b == b':').next().unwrap_or(host),
        _ => host,
    }
}

/// The signed headers as the map `C()` canonicalises: each listed name with the received value
/// (missing → empty; `Host` without port).
pub fn header_params(req: &RawRequest<'_>, signed_headers: &[impl AsRef<str>]) -> PhpArray {
    let mut map = PhpArray::new();
    for name in signed_headers {
        let name = name.as_ref();
        let mut value = req.header(name).unwrap_or_default();
        if name.eq_ignore_ascii_case("host") {
            value = host_without_port(&value).to_vec();
        }
        map.set(PhpKey::from_bytes(name.as_bytes()), PhpValue::Str(value));
    }
    map
}

/// The body as PHP would see it: JSON decoded, or parsed like `$_POST`; empty for GET/DELETE.
/// A JSON body that does not parse, or is a bare scalar, is `bad_encoding`.
pub fn body_params(req: &RawRequest<'_>) -> Result<PhpArray, VerifyError> {
    if !req.body_is_signed() || req.body.trim_ascii().is_empty() {
        return Ok(PhpArray::new());
    }
    if !req.body_is_json() {
        return Ok(php_form::parse_post(req.body));
    }
    let bad = |detail| {
        VerifyError::from(Reason::BadEncoding {
            what: "JSON body",
            detail,
        })
    };
    match serde_json::from_slice::<PhpValue>(req.body) {
        Ok(PhpValue::Array(a)) => Ok(a),
        Ok(_) => Err(bad("not a JSON object or array")),
        Err(_) => Err(bad("not valid JSON")),
    }
}

/// The canonical request string hashed into `sign.hash`, as bytes (UTF-8 unless the request is not).
/// `METHOD + path + C(headers) + C(parse_str(query)) + C(body)`, with no separators (wildix.md §1, §5 step 7).
pub fn canonical_string(
    req: &RawRequest<'_>,
    signed_headers: &[impl AsRef<str>],
) -> Result<Vec<u8>, VerifyError> {
    let mut out = Vec::new();
    out.extend_from_slice(req.method.as_bytes());
    out.extend_from_slice(req.path.as_bytes());
    out.extend_from_slice(&canonical_data(&header_params(req, signed_headers)));
    out.extend_from_slice(&canonical_data(&php_form::parse_str(req.query)));
    out.extend_from_slice(&canonical_data(&body_params(req)?));
    Ok(out)
}

/// A token built by [`sign`], with what went into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// The compact JWT for `Authorization: Bearer`.
    pub token: String,
    /// The canonical request string (lossy UTF-8 for display).
    pub canonical: String,
    /// Its SHA-256 hex, the `sign.hash` claim.
    pub hash: String,
    /// The claims as signed.
    pub claims: Claims,
}

/// Signs a request as the PHP client does, from the parts that will be sent.
/// `signed_headers` lists the header names to cover, in order (the official client: its custom
/// headers, then `Host`, then `X-APP-ID`); their values are read from `req.headers`.
pub fn sign(
    req: &RawRequest<'_>,
    signed_headers: &[&str],
    app_name: &str,
    secret: &str,
    iat: i64,
    lifetime: i64,
) -> Result<Signed, VerifyError> {
    let canonical = canonical_string(req, signed_headers)?;
    let hash = sha256_hex(&canonical);
    let claims = Claims {
        iss: Some(app_name.trim().to_owned()),
        iat,
        exp: iat.saturating_add(lifetime),
        sign_alg: "sha256".into(),
        signed_headers: signed_headers.iter().map(|s| (*s).to_owned()).collect(),
        hash: hash.clone(),
    };
    Ok(Signed {
        token: jwt::encode(&claims, secret),
        canonical: String::from_utf8_lossy(&canonical).into_owned(),
        hash,
        claims,
    })
}

/// Whether `iss` must equal the application's name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IssCheck {
    /// Refuse a different or missing `iss` (`iss_mismatch` / `missing_claim`).
    Enforce,
    /// Accept it with a [`Warning`]: the lenient choice of wildix.md §5 step 2 (D7 default).
    #[default]
    Log,
}

/// Verification settings; the caller supplies the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyParams {
    /// The verifier's clock, Unix seconds.
    pub now: i64,
    /// Allowed clock skew in seconds on both `exp` and `iat` (D7 default 60).
    pub leeway: i64,
    /// Cap on `exp - iat` (D7 default 3600); the official client uses 300.
    pub max_lifetime: i64,
    /// How to treat an `iss` that is not the application's name.
    pub iss_check: IssCheck,
}

/// A non-fatal finding of a successful verification, for the log and the audit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    /// `iss` is missing or differs from the application name (log mode).
    IssMismatch {
        /// The `iss` received, if any.
        iss: Option<String>,
    },
    /// `Host` is not among the signed headers: the token is not bound to this server.
    HostNotSigned,
    /// `X-APP-ID` is not among the signed headers: the app id is not bound by the hash.
    AppIdNotSigned,
}

/// A verified request: its claims, the canonical string and any warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The token's claims.
    pub claims: Claims,
    /// The canonical request string that matched (lossy UTF-8).
    pub canonical: String,
    /// Non-fatal findings.
    pub warnings: Vec<Warning>,
}

/// Extracts the token from an `Authorization: Bearer <jwt>` value.
pub fn bearer_token(authorization: &[u8]) -> Result<&str, VerifyError> {
    let value = authorization.trim_ascii();
    if value.is_empty() {
        return Err(Reason::Missing {
            what: "Authorization header",
        }
        .into());
    }
    let (scheme, token) = match value.iter().position(|&b| b == b' ') {
        Some(i) => (&value[..i], value[i..].trim_ascii()),
        None => (value, &[][..]),
    };
    if !scheme.eq_ignore_ascii_case(b"Bearer") {
        return Err(Reason::WrongScheme { expected: "Bearer" }.into());
    }
    if token.is_empty() {
        return Err(Reason::Missing {
            what: "bearer token",
        }
        .into());
    }
    std::str::from_utf8(token).map_err(|_| {
        Reason::BadEncoding {
            what: "token",
            detail: "not ASCII",
        }
        .into()
    })
}

/// Verifies a received request's `Authorization: Bearer` token for the app the caller looked up
/// by `X-APP-ID` (wildix.md §5). Order: token shape, `alg`, HMAC over the received segments,
/// claims, canonical string, time window and lifetime cap, `iss`, then `sign.hash`.
pub fn verify(
    req: &RawRequest<'_>,
    app_name: &str,
    secret: &str,
    params: &VerifyParams,
) -> Result<Verified, VerifyError> {
    if jwt::trim_secret(secret).is_empty() {
        return Err(Reason::SecretUnset {
            what: "application secret",
        }
        .into());
    }
    let auth = req.header("authorization").unwrap_or_default();
    let token = jwt::decode(bearer_token(&auth)?)?;
    if token.alg() != "HS256" {
        let alg: String = token.alg().chars().take(32).collect();
        return Err(Reason::UnsupportedAlg { alg }.into());
    }
    if !token.signature_valid(secret) {
        return Err(Reason::BadSignature.into());
    }
    let claims = token.claims()?;
    let canonical = canonical_string(req, &claims.signed_headers)?;
    let shown = String::from_utf8_lossy(&canonical).into_owned();
    let expected = sha256_hex(&canonical);
    let context = |e: VerifyError| {
        e.with_canonical(shown.clone())
            .with_expected(expected.clone())
    };

    check_times(&claims, params).map_err(context)?;
    let mut warnings = Vec::new();
    let app_name = app_name.trim();
    if claims.iss.as_deref() != Some(app_name) {
        match (params.iss_check, &claims.iss) {
            (IssCheck::Enforce, None) => {
                return Err(context(Reason::MissingClaim { claim: "iss" }.into()));
            }
            (IssCheck::Enforce, Some(_)) => return Err(context(Reason::IssuerMismatch.into())),
            (IssCheck::Log, iss) => warnings.push(Warning::IssMismatch { iss: iss.clone() }),
        }
    }
    if !claims.sign_alg.eq_ignore_ascii_case("sha256") {
        let alg: String = claims.sign_alg.chars().take(32).collect();
        return Err(context(Reason::UnsupportedAlg { alg }.into()));
    }
    check_hex("sign.hash", claims.hash.as_bytes(), 64, HexCase::Any).map_err(context)?;
    if !ct_eq(
        claims.hash.to_ascii_lowercase().as_bytes(),
        expected.as_bytes(),
    ) {
        return Err(context(Reason::Mismatch { what: "sign.hash" }.into()));
    }
    let signed = |n: &str| {
        claims
            .signed_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(n))
    };
    if !signed("host") {
        warnings.push(Warning::HostNotSigned);
    }
    if !signed("x-app-id") {
        warnings.push(Warning::AppIdNotSigned);
    }
    Ok(Verified {
        claims,
        canonical: shown,
        warnings,
    })
}

/// The time checks of wildix.md §5 step 3 plus the lifetime cap: expired when
/// `exp <= now - leeway`, not yet valid when `iat > now + leeway`.
pub fn check_times(claims: &Claims, params: &VerifyParams) -> Result<(), VerifyError> {
    if claims.exp <= params.now.saturating_sub(params.leeway) {
        return Err(Reason::Expired {
            expired_at: claims.exp,
            now: params.now,
        }
        .into());
    }
    if claims.iat > params.now.saturating_add(params.leeway) {
        return Err(Reason::NotYetValid {
            valid_from: claims.iat,
            now: params.now,
        }
        .into());
    }
    let lifetime = claims.exp.saturating_sub(claims.iat);
    if lifetime > params.max_lifetime {
        return Err(Reason::LifetimeTooLong {
            lifetime,
            max: params.max_lifetime,
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
