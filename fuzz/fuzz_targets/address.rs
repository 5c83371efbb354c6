//! Fuzzes the address-field reader of mailtrail-message.
//!
//! The checks live in `../checks/address.rs`, shared with the address tests
//! of the message crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/address.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = std::str::from_utf8(data) {
        checks::check_mailboxes(value);
    }
});
