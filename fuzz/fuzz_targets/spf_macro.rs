//! Fuzzes SPF macro expansion: domain-specs and explanations must expand without
//! panicking, and expanded names must respect the 253-octet truncation.
//!
//! The checks live in `../checks/spf_macro.rs`, shared with the corpus replay
//! test of the spf crate.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/spf_macro.rs"]
mod checks;

fuzz_target!(|input: &[u8]| checks::check_macro(input));
