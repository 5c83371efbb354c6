//! Fuzzes the MTA-STS policy parser and printer, and MX matching.
//!
//! The checks live in `../checks/mtasts_policy.rs`, shared with the
//! round-trip tests of the MTA-STS crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/mtasts_policy.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::check_policy(text);
    }
});
