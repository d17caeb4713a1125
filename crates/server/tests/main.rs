//! The server in-process through `TestApp` (one test binary, modules inside).

mod chamilo_rest;
mod chamilo_soap;
mod chamilo_testip;
mod guard;
mod operations;
