//! How much parsing allocates, counted by an instrumented global allocator.
//!
//! Texts are borrowed from the input, and the lists of results, properties
//! and comments hold their first items inline: a typical field allocates
//! nothing. Only a text with quoted-pairs or folding, or a list longer than
//! its inline capacity, allocates.
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
fn parsing_a_typical_field_allocates_nothing_and_borrows_every_text() {
    let bench_value = &FIELD["Authentication-Results:".len()..];
    let (count, parsed) = allocations(bench_value);

    // Three results, five properties, three comments: all inline.
    assert_eq!(count, 0);
    let mut texts: Vec<&Cow<'_, str>> = parsed.authserv_id.iter().collect();
    for result in &parsed.results {
        texts.extend(&result.comments);
        for property in &result.properties {
            texts.extend([&property.property, &property.value]);
        }
    }
    assert_eq!(texts.len(), 14);
    assert!(texts.iter().all(|text| matches!(text, Cow::Borrowed(_))));

    // A comment with a quoted-pair needs its meaning copied.
    assert_eq!(allocations("mx.example.com; none").0, 0);
    assert_eq!(allocations("mx.example.com; spf=pass").0, 0);
    assert_eq!(allocations("mx.example.com; spf=pass (a)").0, 0);
    assert_eq!(allocations(r"mx.example.com; spf=pass (a \) b)").0, 1);

    // Past the inline capacity, a list moves to the heap once.
    let results = "mx.example.com; spf=pass; spf=pass; spf=pass; spf=pass; spf=pass";
    let comments = "mx.example.com; spf=pass (a) (b) (c)";
    assert_eq!(allocations(results).0, 1);
    assert_eq!(allocations(comments).0, 1);
}
