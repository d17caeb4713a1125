//! The server in-process through `TestApp` (one test binary, modules inside).

mod operations;
