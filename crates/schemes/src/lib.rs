//! The authentication math of every gatehouse dialect: sign, verify and canonical strings.
//!
//! Each legacy product proves identity with its own formula, and integrators lose days to one
//! wrong byte in a canonical string. This crate holds all of that math, pure (no I/O, no clock:
//! every time check takes `now` as Unix seconds), for the server to verify, the client to sign
//! and the CLI to explain. The references are `specs/*.md`; their test vectors are unit tests.
//!
//! | module | scheme |
//! |---|---|
//! | [`chamilo`] | Chamilo SOAP `secret_key`, username signatures, REST api keys |
//! | [`corebos`] | coreBOS challenge tokens, `md5(token + access key)`, access keys |
//! | [`forma`] | Forma `X-Authorization` signature over PHP-parsed POST values |
//! | [`forma_sso`] | Forma SSO link tokens, both username and time forms |
//! | [`wildix`] | Wildix S2S HS256 JWT and its canonical request string |
//! | [`basic`] | HTTP Basic header parsing (Wildix admin alternative) |
//!
//! Shared machinery: [`php_form`] (PHP's `$_POST` / `parse_str` parser), [`php_value`] (PHP
//! arrays), [`ct`] (digests and constant-time comparison), [`explain`] (reports for
//! `gatehouse explain`).
//!
//! Every `verify` compares in constant time and fails with a [`VerifyError`] carrying a stable
//! [`VerifyError::reason_code`], the canonical input with secrets redacted, and the expected value.
#![forbid(unsafe_code)]

pub mod basic;
pub mod chamilo;
pub mod corebos;
pub mod ct;
pub mod error;
pub mod explain;
pub mod forma;
pub mod forma_sso;
pub mod php_form;
mod php_sort;
pub mod php_value;
pub mod wildix;

pub use error::{Reason, VerifyError};
