//! Message formats both sides of gatehouse need, as pure functions over bytes and strings.
//!
//! The server decodes requests and renders responses with these; the client crate (#9) does
//! the reverse with the same code, so the two can never disagree about a wire byte.
//! Nothing here does I/O or knows a store (ARCHITECTURE.md §2, DECISIONS.md D13).
//!
//! - [`soap`]: a SOAP 1.1 rpc/encoded reader (hardened against hostile XML) and a writer
//!   that emits NuSOAP 0.9.5's exact envelope and fault bytes (specs/chamilo.md §2).
//! - [`wsdl`]: a service description as data, and the rpc/encoded WSDL written from it.
//! - [`chamilo`]: Chamilo's `WSRegistration` service described as that data.

#![forbid(unsafe_code)]

pub mod chamilo;
pub mod php_json;
pub mod soap;
pub mod wsdl;

pub use soap::{Call, DecodeError, SoapValue};
