//! Fuzzes the header splitter and the lexical parsers run on its values.
//!
//! The checks live in `../checks/message.rs`, shared with the corpus replay
//! test of the message crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/message.rs"]
mod checks;

fuzz_target!(|message: &[u8]| checks::check_split(message));
