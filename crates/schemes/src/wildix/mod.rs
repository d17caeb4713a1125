//! Wildix WMS S2S: the HS256 JWT whose `sign.hash` covers method, path, headers, params and body.

pub mod canonical;
