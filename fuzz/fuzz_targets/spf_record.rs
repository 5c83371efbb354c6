//! Fuzzes the SPF record parser: parse must not panic and a parsed record
//! must print to text that parses back to it.
//!
//! The checks live in `../checks/spf_record.rs`, shared with the corpus replay
//! test of the spf crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/spf_record.rs"]
mod checks;

fuzz_target!(|input: &[u8]| checks::check_record(input));
