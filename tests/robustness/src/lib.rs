//! The robustness suite's harness (issue #8): what its tests share.
//!
//! The tests themselves live in `tests/` (one binary, modules inside) and start the real
//! `gatehouse` binary through `gatehouse-testkit`. This library holds what is not a test:
//! finding that binary ([`binary`]), a raw HTTP/1.1 exchange that can send what well-behaved
//! clients cannot ([`raw_http`]), the hostile input corpus reader ([`corpus`]), and the
//! server's memory as the kernel reports it ([`memory`]).
#![forbid(unsafe_code)]

pub mod binary;
pub mod corpus;
pub mod memory;
pub mod raw_http;
