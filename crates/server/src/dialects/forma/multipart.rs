//! `multipart/form-data` bodies as PHP fills `$_POST` from them: text parts in order,
//! file parts left out (specs/forma.md §3.3.2). The official Postman collection sends
//! form-data, so its users reach gatehouse this way.

use gatehouse_schemes::php_form::{self, Limits};
use gatehouse_schemes::php_value::PhpArray;

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The value of parameter `name` in a `Content-Disposition` header line.
fn disposition_param(line: &str, name: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The text fields of a multipart body, registered with PHP's rules; a malformed body
/// yields the fields read before the damage, as PHP's reader does.
pub fn parse(body: &[u8], boundary: &str) -> PhpArray {
    let mut out = PhpArray::new();
    let delimiter = format!("--{boundary}").into_bytes();
    let mut boundary_line = b"\r\n".to_vec();
    boundary_line.extend_from_slice(&delimiter);
    let Some(mut at) = find(body, &delimiter, 0) else {
        return out;
    };
    loop {
        let after = at + delimiter.len();
        if body.get(after..after + 2) == Some(b"--") {
            break;
        }
        let Some(headers_end) = find(body, b"\r\n\r\n", after) else {
            break;
        };
        let headers = String::from_utf8_lossy(&body[after..headers_end]);
        let content_start = headers_end + 4;
        let Some(next) = find(body, &boundary_line, content_start) else {
            break;
        };
        let disposition = headers
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"));
        if let Some(line) = disposition
            && disposition_param(line, "filename").is_none()
            && let Some(name) = disposition_param(line, "name")
        {
            php_form::register(
                &mut out,
                name.as_bytes(),
                body[content_start..next].to_vec(),
                Limits::default(),
            );
        }
        at = next + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use gatehouse_schemes::forma;

    use super::*;

    #[test]
    fn the_boundary_is_read_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
    }

    #[test]
    fn text_parts_are_fields_in_order_and_files_are_left_out() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"userid\"\r\n\r\njdoe\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"tags[]\"\r\n\r\na\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n\r\n--XX--\r\n";
        let post = parse(body.as_bytes(), "XX");
        assert_eq!(
            forma::signed_values(&post),
            vec![b"jdoe".to_vec(), b"a".to_vec(), Vec::new()]
        );
    }
}
