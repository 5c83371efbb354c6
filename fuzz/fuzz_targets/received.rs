//! Fuzzes the Received parser, the hop chain and the trust boundary.
//!
//! The checks live in `../checks/received.rs`, shared with the corpus replay
//! test of the received crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/received.rs"]
mod checks;

fuzz_target!(|input: &[u8]| checks::check_received(input));
