//! What `gatehouse call` prints: the result as pretty JSON (or the raw wire body), and with
//! `--verbose` every exchange on stderr with each secret masked.

use gatehouse_client::{Exchange, Trace};
use serde_json::Value;

/// Credentials a server hands out during a call (Chamilo's API key, coreBOS's session), masked
/// wherever they appear as a JSON member or a form field.
const ISSUED: &[&str] = &["apiKey", "api_key", "sessionName"];

/// Masks every secret, as sent and as percent-encoded in a form, and every issued credential.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = mask_issued(text);
    for secret in secrets {
        out = out.replace(secret.as_str(), "***");
        let encoded = gatehouse_schemes::php_form::url_encode(secret.as_bytes());
        if encoded != *secret {
            out = out.replace(encoded.as_str(), "***");
        }
    }
    out
}

/// Replaces the value after `"name":"` (up to `"`) and `name=` (up to `&` or a line end).
fn mask_issued(text: &str) -> String {
    let mut out = text.to_owned();
    for name in ISSUED {
        for (open, close) in [
            (format!("\"{name}\":\""), &['"'][..]),
            (format!("{name}="), &['&', '\n', '"', '<'][..]),
        ] {
            let mut result = String::with_capacity(out.len());
            let mut rest = out.as_str();
            while let Some(at) = rest.find(open.as_str()) {
                let value_start = at + open.len();
                result.push_str(&rest[..value_start]);
                let tail = &rest[value_start..];
                let end = tail.find(close).unwrap_or(tail.len());
                if end > 0 {
                    result.push_str("***");
                }
                rest = &tail[end..];
            }
            result.push_str(rest);
            out = result;
        }
    }
    out
}

/// Prints every exchange of `trace` to stderr.
pub fn print_verbose(trace: &Trace, secrets: &[String]) {
    for (n, exchange) in trace.exchanges().iter().enumerate() {
        eprintln!("* exchange {}\n{}", n + 1, mask(&render(exchange), secrets));
    }
}

fn render(x: &Exchange) -> String {
    let mut s = String::new();
    if let Some(canonical) = &x.canonical {
        s.push_str(&format!("canonical: {canonical}\n"));
    }
    if let Some(signature) = &x.signature {
        s.push_str(&format!("signature: {signature}\n"));
    }
    s.push_str(&format!("> {}\n", x.request_line));
    for (name, value) in &x.request_headers {
        s.push_str(&format!("> {name}: {value}\n"));
    }
    if !x.request_body.is_empty() {
        s.push_str(&format!(">\n{}\n", x.request_body));
    }
    s.push_str(&format!("< HTTP {}\n{}\n", x.status, x.response_body));
    s
}

/// Prints the result: pretty JSON, or with `raw` the last response body exactly.
pub fn print_result(result: &Value, raw: bool, trace: &Trace) {
    if raw {
        if let Some(last) = trace.exchanges().last() {
            println!("{}", last.response_body);
            return;
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(result).unwrap_or_else(|_| result.to_string())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_keys_and_sessions_are_masked_in_json_and_forms() {
        let masked = mask(
            r#"{"apiKey":"8af9","x":1} sessionName=abc&operation=listtypes"#,
            &[],
        );
        assert_eq!(
            masked,
            r#"{"apiKey":"***","x":1} sessionName=***&operation=listtypes"#
        );
    }

    #[test]
    fn secrets_are_masked_raw_and_form_encoded() {
        let masked = mask("password=p+w%26d&x=p w&d", &["p w&d".to_owned()]);
        assert_eq!(masked, "password=***&x=***");
    }
}
