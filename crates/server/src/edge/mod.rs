//! The edge: what every request passes through before and after its dialect.
//!
//! Shared by all dialects (a dialect never imports another; what two share lives here):
//! the client-IP resolver, request ids, the observe layer (metrics and a log line per
//! request), the password-hashing pool, the authentication failure type with its audit
//! record (ARCHITECTURE.md §4), the audit writer that batches successful authentications,
//! the audit of writes, panic and timeout containment, the body reader and the request
//! limits.

pub mod audit;
pub mod audit_writer;
pub mod auth;
pub mod body;
pub mod client_ip;
pub mod contain;
pub mod guard;
pub mod limits;
pub mod observe;
pub mod password;
pub mod request_id;

pub use audit::RequestAudit;
pub use audit_writer::AuditWriter;
pub use auth::{AuthFailure, AuthRecord, DiagnosticsMode};
pub use client_ip::{ClientIp, IpResolver};
pub use guard::{Guard, GuardConfig, Limit, RateLimiter, RateOverrides, Throttled};
pub use password::{PasswordPool, PasswordPoolError};
pub use request_id::RequestId;
