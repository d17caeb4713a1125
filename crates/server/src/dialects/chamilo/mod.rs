//! Chamilo LMS 1.11.x: `testip.php`, the SOAP registration service and the REST v2 API.
//!
//! Reference: specs/chamilo.md. Paths under the dialect's mount (default `/chamilo`):
//! `/main/webservices/testip.php` (§3), `/main/webservices/registration.soap.php` (§2–§5,
//! `?wsdl` for the WSDL), `/main/webservices/api/v2.php` (§6). The SOAP key
//! `sha1(ip + security_key)` is bound to the client IP that [`crate::edge::ClientIp`]
//! resolves, and `testip.php` reports exactly that value, so a client behind a trusted proxy
//! computes the key the server will check (§3 recommends one function for both).

pub mod rest;
mod router;
pub mod soap;
mod testip;

pub use router::router;
