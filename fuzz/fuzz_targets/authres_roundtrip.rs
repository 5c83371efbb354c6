//! Fuzzes printing: any value the lenient parser reads prints, plain and
//! folded, to text that parses back to the same value.
//!
//! The checks live in `../checks/authres.rs`, shared with the corpus replay
//! test of the authres crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[expect(dead_code, reason = "each target runs one of the shared checks")]
#[path = "../checks/authres.rs"]
mod checks;

fuzz_target!(|input: &[u8]| checks::check_roundtrip(input));
