//! Contract tests of every port method, run against a fresh SQLite file always and a fresh
//! PostgreSQL database too when `GATEHOUSE_TEST_PG_URL` is set.
//!
//! One test binary (ARCHITECTURE §2): the modules below are its parts.

mod support;

mod attributes;
mod audit;
mod course_sessions;
mod courses;
mod credentials;
mod crm;
mod enrolments;
mod lifecycle;
mod lockouts;
mod pbx;
mod sessions;
mod site_secrets;
mod users;
