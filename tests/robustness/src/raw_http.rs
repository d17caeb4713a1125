//! One HTTP/1.1 exchange over a plain TCP socket.
//!
//! Hostile cases need bytes no HTTP client library sends: a `Content-Length` longer than the
//! body, headers past the server's buffer, invalid UTF-8 anywhere. Each exchange uses its own
//! connection with `Connection: close`, so the response ends where the server closes.

use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower-cased) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Builds a request: `headers` as given, then `Host`, `Connection: close` and, unless
/// `content_length` overrides it, the body's true length.
pub fn request_bytes(
    method: &str,
    target: &[u8],
    headers: &[(String, Vec<u8>)],
    body: &[u8],
    content_length: Option<usize>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 512);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target);
    out.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() || content_length.is_some() || method != "GET" {
        let length = content_length.unwrap_or(body.len());
        out.extend_from_slice(format!("Content-Length: {length}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Sends `request` to `addr` (`host:port`) and reads the response until the server closes.
/// `half_close` shuts the write side after sending, so a server waiting for the rest of a
/// truncated body sees its end. `Ok(None)`: the server closed without answering.
pub async fn exchange(
    addr: &str,
    request: &[u8],
    half_close: bool,
    timeout: Duration,
) -> anyhow::Result<Option<RawResponse>> {
    let work = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        // The server may answer (and close) before it has read everything, e.g. a body over
        // the limit: a failed write is not the end of the exchange.
        let written = stream.write_all(request).await;
        if written.is_ok() && half_close {
            let _ = stream.shutdown().await;
        }
        let mut received = Vec::new();
        if let Err(error) = stream.read_to_end(&mut received).await
            && received.is_empty()
            && written.is_ok()
        {
            return Err(error).context("reading the response");
        }
        anyhow::Ok(received)
    };
    let received = tokio::time::timeout(timeout, work)
        .await
        .with_context(|| format!("no complete response from {addr} within {timeout:?}"))??;
    if received.is_empty() {
        return Ok(None);
    }
    parse(&received).map(Some)
}

/// Parses one response, skipping interim `1xx` ones.
pub fn parse(mut bytes: &[u8]) -> anyhow::Result<RawResponse> {
    loop {
        let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
            bail!(
                "response head never ends: {:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            );
        };
        let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
        let rest = &bytes[end + 4..];
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {status_line:?}"))?;
        if (100..200).contains(&status) {
            bytes = rest;
            continue;
        }
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
        let body = if chunked {
            dechunk(rest)?
        } else {
            rest.to_vec()
        };
        return Ok(RawResponse {
            status,
            headers,
            body,
        });
    }
}

fn dechunk(mut bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = bytes
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("chunk size line never ends")?;
        let size_text = String::from_utf8_lossy(&bytes[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .with_context(|| format!("bad chunk size {size_text:?}"))?;
        bytes = &bytes[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = bytes.get(..size).context("chunk shorter than its size")?;
        body.extend_from_slice(chunk);
        bytes = bytes.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunked_response_after_100_continue_is_read_whole() {
        let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 413 Payload Too Large\r\nTransfer-Encoding: chunked\r\nX-Request-Id: r1\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let response = parse(wire).unwrap();
        assert_eq!(response.status, 413);
        assert_eq!(response.header("x-request-id"), Some("r1"));
        assert_eq!(response.body, b"abcde");
    }
}
