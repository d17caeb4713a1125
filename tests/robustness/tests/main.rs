//! The robustness suite (issue #8): gatehouse survives brute force, login floods, hostile
//! input, a kill -9 mid-write and a full or read-only disk, losing nothing it acknowledged.
//! Every test starts the real binary; none asserts on time.

mod brute_force;
mod crash_safety;
mod faults;
mod hostile_corpus;
mod login_flood;
mod support;
