//! `explain` for Wildix S2S: rebuild the token a correct client sends and say which part of
//! the client's token differs (alg, signature, iss, times, signed header list, hash).

use super::{Check, Report};
use crate::wildix::{self, IssCheck, RawRequest, VerifyParams, jwt};

/// What a Wildix client used to sign one request.
#[derive(Clone, Copy, Debug)]
pub struct WildixInput<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The URL called: absolute (`https://pbx.example.com:8443/api/v1/x?a=1`) or a path with query.
    /// An absolute URL supplies `Host`, without its port, as the PHP client does (D3).
    pub url: &'a str,
    /// The client's own headers (e.g. `Content-Type`), which the PHP client signs.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The raw body as sent.
    pub body: &'a [u8],
    /// The application id (sent and signed as `X-APP-ID`).
    pub app_id: &'a str,
    /// The application name (the `iss` claim).
    pub app_name: &'a str,
    /// The application secret.
    pub secret: &'a str,
    /// The client's token, when there is one to check.
    pub token: Option<&'a str>,
    /// The clock, Unix seconds; also the `iat` of the expected token when no token is given.
    pub now: i64,
}

struct Target<'a> {
    host: Option<&'a str>,
    path: &'a str,
    query: &'a str,
}

fn split_url(url: &str) -> Target<'_> {
    let url = url.split('#').next().unwrap_or(url);
    let (host, rest) = match url.split_once("://") {
        Some((_, after)) => {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            let authority = &after[..end];
            let hostport = authority.rsplit('@').next().unwrap_or(authority);
            (Some(hostport), &after[end..])
        }
        None => (None, url),
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Target {
        host,
        path: if path.is_empty() { "/" } else { path },
        query,
    }
}

/// Explains a Wildix S2S token for one request.
pub fn wildix(input: &WildixInput<'_>) -> Report {
    let target = split_url(input.url);
    // The PHP client's header list: custom headers, then Host and X-APP-ID set in place or appended.
    let mut headers: Vec<(String, Vec<u8>)> = input
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
        .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
        .collect();
    let host = target
        .host
        .map(|h| wildix::host_without_port(h.as_bytes()).to_vec());
    set_header(&mut headers, "Host", host);
    set_header(
        &mut headers,
        "X-APP-ID",
        Some(input.app_id.trim().as_bytes().to_vec()),
    );
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    let pairs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let req = RawRequest {
        method: input.method,
        path: target.path,
        query: target.query.as_bytes(),
        headers: &pairs,
        body: input.body,
    };

    let decoded = input.token.map(wildix::decode_unverified);
    let claims = decoded
        .as_ref()
        .and_then(|d| d.as_ref().ok())
        .and_then(|d| d.claims().ok());
    let iat = claims.as_ref().map_or(input.now, |c| c.iat);
    let lifetime = claims
        .as_ref()
        .map_or(wildix::DEFAULT_LIFETIME, |c| c.exp.saturating_sub(c.iat));
    let signed = match wildix::sign(&req, &names, input.app_name, input.secret, iat, lifetime) {
        Ok(s) => s,
        Err(e) => {
            let mut r = Report::new("wildix", String::new(), String::new(), "token payload");
            r.notes
                .push(format!("the request cannot be canonicalised: {e}"));
            return r;
        }
    };
    let mut r = Report::new(
        "wildix",
        signed.canonical.clone(),
        signed.token.clone(),
        "token payload",
    );
    r.notes
        .push(format!("sign.hash = sha256(canonical) = {}", signed.hash));
    let (Some(token), Some(decoded)) = (input.token, decoded) else {
        return r;
    };
    let token_ref = match decoded {
        Ok(d) => d,
        Err(e) => {
            r.compare(token.to_owned(), false, &[], &[]);
            r.checks.push(Check {
                part: "format",
                ok: false,
                detail: e.to_string(),
            });
            return r;
        }
    };
    let auth = format!("Bearer {token}");
    let mut received = pairs.clone();
    received.push(("Authorization", auth.as_bytes()));
    let params = VerifyParams {
        now: input.now,
        leeway: 60,
        max_lifetime: 3600,
        iss_check: IssCheck::Log,
    };
    let verdict = wildix::verify(
        &RawRequest {
            headers: &received,
            ..req
        },
        input.app_name,
        input.secret,
        &params,
    );
    let want = jwt::payload_json(&signed.claims).into_bytes();
    let got = jwt::payload_bytes(token).unwrap_or_default();
    r.compare(token.to_owned(), verdict.is_ok(), &want, &got);

    let alg = token_ref.alg().to_owned();
    r.checks.push(Check {
        part: "alg",
        ok: alg == "HS256",
        detail: format!("{alg:?} (only HS256 is accepted)"),
    });
    let sig_ok = token_ref.signature_valid(input.secret);
    let detail = if sig_ok {
        "HMAC-SHA256 with this secret"
    } else {
        "not made with this secret (or the token was altered)"
    };
    r.checks.push(Check {
        part: "signature",
        ok: sig_ok,
        detail: detail.into(),
    });
    let Some(claims) = claims else {
        let e = token_ref
            .claims()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        r.checks.push(Check {
            part: "claims",
            ok: false,
            detail: e,
        });
        return r;
    };
    let iss_ok = claims.iss.as_deref() == Some(input.app_name.trim());
    let detail = format!(
        "{:?}, application name {:?} (the app name, not the app id)",
        claims.iss, input.app_name
    );
    r.checks.push(Check {
        part: "iss",
        ok: iss_ok,
        detail,
    });
    let times = wildix::check_times(&claims, &params);
    let detail = format!(
        "iat {} exp {} (lifetime {} s, now {}){}",
        claims.iat,
        claims.exp,
        claims.exp.saturating_sub(claims.iat),
        input.now,
        times
            .as_ref()
            .err()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    );
    r.checks.push(Check {
        part: "times",
        ok: times.is_ok(),
        detail,
    });
    let same_list = claims.signed_headers.len() == names.len()
        && claims
            .signed_headers
            .iter()
            .zip(&names)
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
    let detail = format!(
        "token signs {:?}; the PHP client would sign {:?}",
        claims.signed_headers, names
    );
    r.checks.push(Check {
        part: "signed headers",
        ok: same_list,
        detail,
    });
    let hash_check = match wildix::canonical_string(&req, &claims.signed_headers) {
        Ok(canonical) => {
            let hash = crate::ct::sha256_hex(&canonical);
            let ok = claims.hash.eq_ignore_ascii_case(&hash);
            let shown = String::from_utf8_lossy(&canonical);
            Check {
                part: "hash",
                ok,
                detail: format!(
                    "token {:?}; this request with the token's headers hashes to {hash} over {shown:?}",
                    claims.hash
                ),
            }
        }
        Err(e) => Check {
            part: "hash",
            ok: false,
            detail: e.to_string(),
        },
    };
    r.checks.push(hash_check);
    r
}

fn set_header(headers: &mut Vec<(String, Vec<u8>)>, name: &str, value: Option<Vec<u8>>) {
    let Some(value) = value else { return };
    match headers.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => headers.push((name.to_owned(), value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Kq3v9TzX2mB7pL0sW4yN8cR1dF6hJ5gA";
    const V2_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhY21lLWNybSIsImlhdCI6MTcwMDAwMDEwMCwiZXhwIjoxNzAwMDAwNDAwLCJzaWduIjp7ImFsZyI6InNoYTI1NiIsImhlYWRlcnMiOlsiSG9zdCIsIlgtQVBQLUlEIl0sImhhc2giOiJmYTVjYzdiYjRhOTliMmMxNTg5ZTEyY2UyNjgyMWVkOGU0N2JjNjUxYjk1MjM3N2M5MGZlNDQ3NWIyMTllYzFhIn19.MWQAFvebeZ9FU8XGfQB_dTPR4fZ9xTtzUlxJQMeGZzU";
    const V2_BODY: &[u8] = b"channel=Local%2F1001%40users&context=users&exten=1002&priority=1&callerid=Acme+%3C1001%3E";

    fn input<'a>(body: &'a [u8], token: Option<&'a str>) -> WildixInput<'a> {
        WildixInput {
            method: "POST",
            url: "https://pbx.example.com:8443/api/v1/Originate",
            headers: &[],
            body,
            app_id: "s2s-acme-0001",
            app_name: "acme-crm",
            secret: SECRET,
            token,
            now: 1700000100,
        }
    }

    // wildix.md §10 V2, URL with a port (the Host is signed without it, D3).
    #[test]
    fn the_v2_vector_explains_as_a_match() {
        let r = wildix(&input(V2_BODY, Some(V2_JWT)));
        assert_eq!(r.expected, V2_JWT);
        assert_eq!(r.matches, Some(true), "{}", r.render_text());
        assert!(r.checks.iter().all(|c| c.ok), "{:?}", r.checks);
        let r = wildix(&input(V2_BODY, None));
        // Without a token the expected one is signed at `now` with the official 300 s lifetime.
        assert_eq!((r.expected.as_str(), r.matches), (V2_JWT, None));
    }

    #[test]
    fn a_changed_body_is_reported_as_a_hash_difference_only() {
        let r = wildix(&input(b"channel=Local%2F1001%40users&context=users&exten=1003&priority=1&callerid=Acme+%3C1001%3E", Some(V2_JWT)));
        assert_eq!(r.matches, Some(false));
        let failed: Vec<_> = r.checks.iter().filter(|c| !c.ok).map(|c| c.part).collect();
        assert_eq!(failed, vec!["hash"]);
        assert!(r.first_difference.is_some());
        assert!(r.render_text().contains("[FAIL] hash"));
    }

    #[test]
    fn a_wrong_secret_and_garbage_tokens_are_named() {
        let r = wildix(&WildixInput {
            secret: "other",
            ..input(V2_BODY, Some(V2_JWT))
        });
        let failed: Vec<_> = r.checks.iter().filter(|c| !c.ok).map(|c| c.part).collect();
        assert_eq!(failed, vec!["signature"]);
        let r = wildix(&input(V2_BODY, Some("garbage")));
        assert_eq!(r.matches, Some(false));
        assert_eq!(r.checks[0].part, "format");
    }

    #[test]
    fn urls_split_into_host_path_and_query() {
        let t = split_url("https://user@PBX.example.com:8443/api/v1/x?a=1#frag");
        assert_eq!(
            (t.host, t.path, t.query),
            (Some("PBX.example.com:8443"), "/api/v1/x", "a=1")
        );
        let t = split_url("/api/v1/y");
        assert_eq!((t.host, t.path, t.query), (None, "/api/v1/y", ""));
        let t = split_url("http://h");
        assert_eq!((t.host, t.path), (Some("h"), "/"));
    }
}
