//! The server in-process through `TestApp` (one test binary, modules inside).

mod chamilo_rest;
mod chamilo_soap;
mod chamilo_testip;
mod corebos_auth;
mod corebos_fixtures;
mod corebos_records;
mod corebos_support;
mod corebos_vtql;
mod cross_dialect;
mod forma_auth;
mod forma_rest;
mod forma_sso;
mod forma_support;
mod guard;
mod hygiene;
mod operations;
mod rate_limits;
mod wildix_refusals;
mod wildix_resources;
mod wildix_support;
mod wildix_vectors;
mod write_audit;
