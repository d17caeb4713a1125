//! The client IP, resolved once per request.
//!
//! IP-bound keys (Chamilo's `sha1(ip + security_key)`) and per-IP limits depend on it, so it
//! is computed in one place and `testip.php` reports exactly this value
//! (ARCHITECTURE.md §4.1). `X-Forwarded-For` is believed only through trusted proxies: the
//! header is read right to left, and each hop is skipped only while the address that sent it
//! is trusted. Chamilo believed any `X-Forwarded-For` (specs/chamilo.md §3), which lets any
//! caller pick the IP its key is bound to.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use ipnet::IpNet;

/// Resolves the client IP from the peer address and `X-Forwarded-For`.
#[derive(Debug, Clone, Default)]
pub struct IpResolver {
    trusted: Vec<IpNet>,
}

impl IpResolver {
    /// A resolver that believes forwarding headers from these networks only.
    pub fn new(trusted: Vec<IpNet>) -> Self {
        Self { trusted }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client IP for a request from `peer` with these headers.
    ///
    /// Walks `X-Forwarded-For` (all occurrences, in order, comma-separated) from the right:
    /// while the current hop is a trusted proxy, the next address to the left becomes the
    /// candidate. Stops at the first untrusted hop or at an entry that is not an IP address
    /// (a garbled header is not believed further).
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.is_trusted(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            if !self.is_trusted(client) {
                break;
            }
            match parse_hop(hop) {
                Some(ip) => client = canonical(ip),
                None => break,
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, optionally with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = hop.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse().ok())
}

/// IPv4-mapped IPv6 (`::ffff:203.0.113.10`) as the IPv4 address, as PHP reports it behind a dual-stack socket.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The resolved client IP of the current request, as an extractor.
///
/// Reads the peer from `ConnectInfo` and the resolver from the request's extensions (the
/// app installs both); a request without them (in-process tests) counts as from 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ip) = parts.extensions.get::<ClientIp>() {
            return Ok(*ip);
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let ip = match parts.extensions.get::<IpResolver>() {
            Some(resolver) => resolver.resolve(peer, &parts.headers),
            None => canonical(peer),
        };
        parts.extensions.insert(ClientIp(ip));
        Ok(ClientIp(ip))
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_from_an_untrusted_peer_is_ignored() {
        let resolver = IpResolver::new(vec![]);
        assert_eq!(
            resolver.resolve(ip("198.51.100.7"), &xff(&["203.0.113.10"])),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn forwarded_for_from_a_trusted_proxy_gives_the_client() {
        let resolver = IpResolver::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            resolver.resolve(ip("10.0.0.2"), &xff(&["203.0.113.10"])),
            ip("203.0.113.10")
        );
    }

    #[test]
    fn the_walk_stops_at_the_first_untrusted_hop_from_the_right() {
        let resolver = IpResolver::new(vec!["10.0.0.0/8".parse().unwrap()]);
        // The client forged 1.2.3.4; the proxy chain appended the real client and itself.
        let headers = xff(&["1.2.3.4, 203.0.113.10, 10.0.0.3"]);
        assert_eq!(
            resolver.resolve(ip("10.0.0.2"), &headers),
            ip("203.0.113.10")
        );
    }

    #[test]
    fn several_header_lines_are_read_as_one_list() {
        let resolver = IpResolver::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let headers = xff(&["203.0.113.10", "10.0.0.3"]);
        assert_eq!(
            resolver.resolve(ip("10.0.0.2"), &headers),
            ip("203.0.113.10")
        );
    }

    #[test]
    fn a_garbled_hop_is_not_believed_and_the_last_good_hop_counts() {
        let resolver = IpResolver::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            resolver.resolve(ip("10.0.0.2"), &xff(&["203.0.113.10, garbage"])),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ports_brackets_and_ipv6_are_understood() {
        let resolver = IpResolver::new(vec![
            "::1/128".parse().unwrap(),
            "127.0.0.0/8".parse().unwrap(),
        ]);
        assert_eq!(
            resolver.resolve(ip("::1"), &xff(&["[2001:db8::1]"])),
            ip("2001:db8::1")
        );
        assert_eq!(
            resolver.resolve(ip("127.0.0.1"), &xff(&["203.0.113.10:5555"])),
            ip("203.0.113.10")
        );
    }

    #[test]
    fn ipv4_mapped_peers_are_reported_as_ipv4() {
        let resolver = IpResolver::new(vec![]);
        assert_eq!(
            resolver.resolve(ip("::ffff:203.0.113.10"), &HeaderMap::new()),
            ip("203.0.113.10")
        );
    }

    #[test]
    fn a_trusted_peer_without_forwarding_is_the_client() {
        let resolver = IpResolver::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            resolver.resolve(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }
}
