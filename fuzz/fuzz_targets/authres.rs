//! Fuzzes the Authentication-Results parser: it never panics, and every
//! span and error offset lies in the input, in lenient and strict mode.
//!
//! The checks live in `../checks/authres.rs`, shared with the corpus replay
//! test of the authres crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[expect(dead_code, reason = "each target runs one of the shared checks")]
#[path = "../checks/authres.rs"]
mod checks;

fuzz_target!(|input: &[u8]| checks::check_parse(input));
