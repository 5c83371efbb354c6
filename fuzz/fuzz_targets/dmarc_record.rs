//! Fuzzes the DMARC record parser and printer.
//!
//! The checks live in `../checks/dmarc_record.rs`, shared with the
//! round-trip tests of the DMARC crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/dmarc_record.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::check_record(text);
    }
});
