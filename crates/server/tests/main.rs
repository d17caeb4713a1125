//! The server in-process through `TestApp` (one test binary, modules inside).

mod chamilo_rest;
mod chamilo_testip;
mod guard;
mod operations;
mod wildix_resources;
mod wildix_support;
mod wildix_vectors;
