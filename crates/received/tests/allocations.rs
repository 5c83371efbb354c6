//! Heap allocations of the parser, counted by a counting global allocator.
//!
//! The allocator counts every thread of this test binary, so the binary
//! holds a single test that measures its cases one after the other.

use std::alloc::System;
use std::hint::black_box;

use mailtrail_message::{HeaderField, split};
use mailtrail_received::Received;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REALISTIC: &[u8] = include_bytes!("../../../benches/data/realistic.eml");

#[test]
fn parsing_allocates_nothing_for_realistic_fields_and_once_for_many_deviations() {
    let block = split(REALISTIC);
    let fields: Vec<HeaderField<'_>> = block.get_all("Received").collect();
    assert_eq!(fields.len(), 8);

    let region = Region::new(GLOBAL);
    for field in &fields {
        let received = Received::from_field(field).expect("a realistic field parses");
        black_box(read_every_clause(&received));
    }
    let realistic = region.change().allocations;
    println!(
        "{realistic} allocations for {} realistic fields",
        fields.len()
    );
    assert_eq!(
        realistic, 0,
        "parsing and reading realistic fields allocates"
    );

    // Seven deviations: the inline list of four spills to the heap once.
    let deviant = "by a.example by b by c by d by e by f by g; 1 Mar 24 10:00 GMT";
    let region = Region::new(GLOBAL);
    let received = Received::parse(deviant).expect("a deviant field parses");
    black_box(read_every_clause(&received));
    let count = received.deviations().len();
    drop(received);
    let spilled = region.change().allocations;
    println!("{spilled} allocation for a field with {count} deviations");
    assert!(count > 4, "the field must overflow the inline list");
    assert_eq!(spilled, 1, "the deviation list spills exactly once");
}

/// Reads every part, so that lazy parts are computed too.
fn read_every_clause(received: &Received<'_>) -> usize {
    let texts = [
        received.from_name(),
        received.helo(),
        received.reverse_dns(),
        received.ident(),
        received.local_user(),
        received.envelope_from(),
        received.by(),
        received.by_software(),
        received.via(),
        received.with_text(),
        received.id(),
        received.tls_cipher(),
    ];
    let mut total: usize = texts.iter().flatten().map(|part| part.value.len()).sum();

    total += received.from_ip().is_some() as usize + received.by_ip().is_some() as usize;
    total += received.with().map_or(0, |with| with.value.as_str().len());
    total += received
        .tls_version()
        .map_or(0, |version| version.value.as_str().len());
    total += received
        .recipients()
        .map(|recipient| recipient.value.len())
        .sum::<usize>();
    total += received.authentication().is_some() as usize;
    total += received
        .date()
        .map_or(0, |date| date.value.as_second() as usize & 1);
    total + received.deviations().len()
}
