//! Fuzzes the MTA-STS and TLS-RPT record parsers and printers.
//!
//! The checks live in `../checks/mtasts_record.rs`, shared with the
//! round-trip tests of the MTA-STS crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/mtasts_record.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::check_record(text);
    }
});
