//! How much parsing allocates, counted by an instrumented global allocator.
//!
//! Texts are borrowed from the input; the only allocations are the vectors
//! of results, properties and comments, one each when it is first needed.
//! This binary holds a single test so no other thread allocates while it
//! counts.

use std::alloc::System;
use std::borrow::Cow;

use mailtrail_authres::AuthenticationResults;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The field of the criterion bench: three results, three comments, five
/// properties, folded.
const FIELD: &str = include_str!("../../../benches/data/authres-field.eml");

/// Allocations while parsing `value`, and the parsed value.
fn allocations(value: &str) -> (usize, AuthenticationResults<'_>) {
    let region = Region::new(GLOBAL);
    let parsed = AuthenticationResults::parse(value).expect("the value parses");

    (region.change().allocations, parsed)
}

#[test]
fn parsing_allocates_only_the_lists_and_borrows_every_text() {
    let bench_value = &FIELD["Authentication-Results:".len()..];
    let (count, parsed) = allocations(bench_value);

    // One list of results, and per result one of properties and one of
    // comments.
    assert_eq!(count, 7);
    let mut texts: Vec<&Cow<'_, str>> = parsed.authserv_id.iter().collect();
    for result in &parsed.results {
        texts.extend(&result.comments);
        for property in &result.properties {
            texts.extend([&property.property, &property.value]);
        }
    }
    assert_eq!(texts.len(), 14);
    assert!(texts.iter().all(|text| matches!(text, Cow::Borrowed(_))));

    // `none` needs no list at all; a comment with a quoted-pair needs its
    // meaning copied.
    assert_eq!(allocations("mx.example.com; none").0, 0);
    assert_eq!(allocations("mx.example.com; spf=pass").0, 1);
    assert_eq!(allocations("mx.example.com; spf=pass (a)").0, 2);
    assert_eq!(allocations(r"mx.example.com; spf=pass (a \) b)").0, 3);
}
