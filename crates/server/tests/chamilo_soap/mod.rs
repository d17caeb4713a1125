//! Chamilo's SOAP service through the wire (specs/chamilo.md §2–§5): every operation at
//! least once, faults byte-compared, the key behind proxies, and hostile input.

mod courses;
mod sessions;
pub(crate) mod support;
mod transport;
mod users;
