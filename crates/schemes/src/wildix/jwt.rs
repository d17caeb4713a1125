//! The JWT layer of Wildix S2S: php-jwt 6's HS256 encoding, decoding and claim extraction.
//!
//! The signature is checked over the received segments, never over a re-serialisation
//! (wildix.md §3); only `HS256` is accepted, so `none` and every other algorithm are refused.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, general_purpose};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::error::{Reason, VerifyError};

/// The only JOSE header php-jwt writes for these tokens (wildix.md §3).
pub const HEADER_JSON: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

const B64_LENIENT_PADDING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The decoded claims of an S2S token.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Claims {
    /// `iss`: the application *name* (not the app id), when present as a string.
    pub iss: Option<String>,
    /// `iat`, Unix seconds.
    pub iat: i64,
    /// `exp`, Unix seconds.
    pub exp: i64,
    /// `sign.alg`; `sha256` when absent.
    pub sign_alg: String,
    /// `sign.headers`: the names of the signed headers, as the client wrote them.
    pub signed_headers: Vec<String>,
    /// `sign.hash`: hex SHA-256 of the canonical request string.
    pub hash: String,
}

/// A token split and decoded, signature not yet checked.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedToken {
    /// The JOSE header as JSON.
    pub header: Value,
    /// The payload as JSON.
    pub payload: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl DecodedToken {
    /// The `alg` of the JOSE header (empty when absent or not a string).
    pub fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    /// Extracts the claims S2S needs, with typed reasons for missing or malformed ones.
    pub fn claims(&self) -> Result<Claims, VerifyError> {
        claims_from(&self.payload)
    }

    /// Checks the HMAC-SHA256 signature over the received segments in constant time.
    /// The key is the secret's raw bytes after trimming whitespace, as the PHP client uses it (§3).
    pub fn signature_valid(&self, secret: &str) -> bool {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(trim_secret(secret).as_bytes()) else {
            return false;
        };
        mac.update(self.signing_input.as_bytes());
        mac.verify_slice(&self.signature).is_ok()
    }
}

/// The secret as the PHP client uses it: trimmed of surrounding whitespace (wildix.md §1).
pub(crate) fn trim_secret(secret: &str) -> &str {
    secret.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0b'])
}

/// Splits and base64url-decodes a compact JWT without checking anything but its shape.
/// Padding is optional; non-canonical trailing bits are refused, so every byte of the token counts.
pub fn decode(token: &str) -> Result<DecodedToken, VerifyError> {
    let bad = |detail| {
        VerifyError::from(Reason::BadEncoding {
            what: "token",
            detail,
        })
    };
    let mut parts = token.split('.');
    let (Some(h64), Some(p64), Some(s64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not three dot-separated segments"));
    };
    let b64 = |s: &str| B64_LENIENT_PADDING.decode(s);
    let header_bytes = b64(h64).map_err(|_| bad("header is not base64url"))?;
    let payload_bytes = b64(p64).map_err(|_| bad("payload is not base64url"))?;
    let signature = b64(s64).map_err(|_| bad("signature is not base64url"))?;
    let header: Value =
        serde_json::from_slice(&header_bytes).map_err(|_| bad("header is not JSON"))?;
    let payload: Value =
        serde_json::from_slice(&payload_bytes).map_err(|_| bad("payload is not JSON"))?;
    if !header.is_object() {
        return Err(bad("header is not a JSON object"));
    }
    if !payload.is_object() {
        return Err(bad("payload is not a JSON object"));
    }
    Ok(DecodedToken {
        header,
        payload,
        signing_input: format!("{h64}.{p64}"),
        signature,
    })
}

/// The raw payload bytes of a compact token (its second segment, base64url-decoded), if any.
/// `explain` compares them byte for byte with the payload it would have signed.
pub fn payload_bytes(token: &str) -> Option<Vec<u8>> {
    B64_LENIENT_PADDING.decode(token.split('.').nth(1)?).ok()
}

fn claims_from(payload: &Value) -> Result<Claims, VerifyError> {
    let missing = |claim| VerifyError::from(Reason::MissingClaim { claim });
    let bad = |claim| VerifyError::from(Reason::BadClaim { claim });
    let time = |claim: &'static str| -> Result<i64, VerifyError> {
        let v = payload.get(claim).ok_or_else(|| missing(claim))?;
        if let Some(i) = v.as_i64() {
            return Ok(i);
        }
        // Some clients send float seconds (e.g. Python's time.time()); PHP compares them as numbers.
        match v.as_f64() {
            Some(f) if f.is_finite() && f.abs() < 9.0e15 => Ok(f.floor() as i64),
            _ => Err(bad(claim)),
        }
    };
    let iat = time("iat")?;
    let exp = time("exp")?;
    let sign = payload.get("sign").ok_or_else(|| missing("sign"))?;
    if !sign.is_object() {
        return Err(bad("sign"));
    }
    let hash = match sign.get("hash") {
        None => return Err(missing("sign.hash")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("sign.hash")),
    };
    let sign_alg = match sign.get("alg") {
        None => "sha256".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("sign.alg")),
    };
    // An array, or an object with string values: two Python clients send {"0":"Host",...} (§5 step 4).
    let names: Vec<&Value> = match sign.get("headers") {
        None => return Err(missing("sign.headers")),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => o.values().collect(),
        Some(_) => return Err(bad("sign.headers")),
    };
    let signed_headers = names
        .into_iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad("sign.headers"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Claims {
        iss: payload
            .get("iss")
            .and_then(Value::as_str)
            .map(str::to_owned),
        iat,
        exp,
        sign_alg,
        signed_headers,
        hash,
    })
}

/// Writes the payload exactly as php-jwt 6 does: compact, keys `iss, iat, exp, sign{alg, headers, hash}`,
/// `/` unescaped, non-ASCII as lower-case `\uXXXX` (wildix.md §3).
pub fn payload_json(claims: &Claims) -> String {
    let mut s = String::from("{");
    if let Some(iss) = &claims.iss {
        s.push_str(&format!("\"iss\":{},", php_json_string(iss)));
    }
    s.push_str(&format!(
        "\"iat\":{},\"exp\":{},\"sign\":{{\"alg\":{},\"headers\":[",
        claims.iat,
        claims.exp,
        php_json_string(&claims.sign_alg)
    ));
    let names: Vec<String> = claims
        .signed_headers
        .iter()
        .map(|h| php_json_string(h))
        .collect();
    s.push_str(&names.join(","));
    s.push_str(&format!("],\"hash\":{}}}}}", php_json_string(&claims.hash)));
    s
}

/// A JSON string literal as PHP's `json_encode(.., JSON_UNESCAPED_SLASHES)` writes it.
pub(crate) fn php_json_string(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Encodes and signs a token: `b64url(header) . b64url(payload) . b64url(HMAC-SHA256)`.
pub fn encode(claims: &Claims, secret: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER_JSON),
        URL_SAFE_NO_PAD.encode(payload_json(claims))
    );
    let sig = match Hmac::<Sha256>::new_from_slice(trim_secret(secret).as_bytes()) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC accepts keys of any length; this arm is unreachable in practice.
        Err(_) => Vec::new(),
    };
    format!(
        "{signing_input}.{}",
        general_purpose::URL_SAFE_NO_PAD.encode(sig)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_json_escaping_keeps_slashes_and_escapes_non_ascii_in_lower_case() {
        assert_eq!(php_json_string("a/b\"c\\"), r#""a/b\"c\\""#);
        assert_eq!(
            php_json_string("é☎\u{1f600}\u{1}"),
            r#""\u00e9\u260e\ud83d\ude00\u0001""#
        );
    }

    #[test]
    fn malformed_tokens_are_bad_encoding_and_never_panic() {
        for t in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "!!.e30.",
            "e30.!!.",
            "e30.e30.!!",
            "bnVsbA.e30.",
            "e30.bnVsbA.",
        ] {
            assert_eq!(decode(t).unwrap_err().reason_code(), "bad_encoding", "{t}");
        }
        assert!(decode("e30.e30.").is_ok());
    }

    #[test]
    fn claims_report_missing_and_malformed_fields_by_name() {
        let claims = |json: &str| claims_from(&serde_json::from_str(json).unwrap());
        assert_eq!(
            claims(r#"{"exp":1}"#).unwrap_err().reason(),
            &Reason::MissingClaim { claim: "iat" }
        );
        assert_eq!(
            claims(r#"{"iat":"x","exp":1}"#).unwrap_err().reason(),
            &Reason::BadClaim { claim: "iat" }
        );
        assert_eq!(
            claims(r#"{"iat":1,"exp":2}"#).unwrap_err().reason(),
            &Reason::MissingClaim { claim: "sign" }
        );
        assert_eq!(
            claims(r#"{"iat":1,"exp":2,"sign":{"hash":"h","headers":[1]}}"#)
                .unwrap_err()
                .reason(),
            &Reason::BadClaim {
                claim: "sign.headers"
            }
        );
        let c = claims(
            r#"{"iat":1.9,"exp":2,"sign":{"hash":"h","headers":{"0":"Host","1":"X-APP-ID"}}}"#,
        )
        .unwrap();
        assert_eq!((c.iat, c.sign_alg.as_str()), (1, "sha256"));
        assert_eq!(c.signed_headers, vec!["Host", "X-APP-ID"]);
    }
}
