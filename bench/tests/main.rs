//! Tests of gatehouse-bench against a real sandbox (one test binary, modules inside).

mod smoke;
