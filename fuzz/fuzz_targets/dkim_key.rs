//! Fuzzes mailtrail-dkim: see the checks in `../checks/dkim_key.rs`, shared
//! with the corpus replay test of the dkim crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/dkim_key.rs"]
mod checks;

fuzz_target!(|input: &[u8]| checks::check_key_record(input));
