//! Chamilo REST `api/v2.php` through the wire: envelopes byte-compared, every action, every
//! authentication failure (specs/chamilo.md §6).

pub(crate) mod support;

mod actions_courses;
mod actions_sessions;
mod actions_users;
mod authentication;
mod envelope;
