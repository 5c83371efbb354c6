//! Parsing Authentication-Results with mailtrail-authres: one realistic
//! field, and inputs built to show the cost per byte stays flat.
//!
//! The realistic field (`benches/data/authres-field.eml`, 325 bytes with its
//! name and line end) carries dkim, spf and dmarc results, three comments
//! and five properties, folded over six lines the way a receiving MTA writes
//! it. The bench parses its value and touches every part, so nothing is
//! optimised away. No Rust library parses Authentication-Results to compare
//! with in the same run (mail-auth only writes them); the Python `authres`
//! figure for the same field comes from `benches/python/authres_bench.py`.
//!
//! The linear-time groups parse a comment nested N deep and a field of N
//! results, for N growing tenfold; criterion's throughput gives the cost per
//! byte, which must not grow with N.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mailtrail_authres::{AuthenticationResults, ParseOptions, Property};
use mailtrail_message::split;

/// The realistic field: `Authentication-Results:`, its value, CRLF.
const FIELD: &[u8] = include_bytes!("../data/authres-field.eml");

fn realistic_field(criterion: &mut Criterion) {
    assert_eq!(FIELD.len(), 325, "the field is 325 bytes");
    let value = field_value();
    let parsed = AuthenticationResults::parse(value).expect("the field parses");
    let properties: usize = parsed
        .results
        .iter()
        .map(|result| result.properties.len())
        .sum();
    assert_eq!((parsed.results.len(), properties), (3, 5));
    assert!(parsed.deviations.is_empty());

    let mut group = criterion.benchmark_group("authres-field");
    group.throughput(Throughput::Elements(1));
    group.bench_function("mailtrail-authres", |bencher| {
        bencher.iter(|| parse_and_touch(black_box(value), ParseOptions::default()));
    });
    group.bench_function("mailtrail-authres-strict", |bencher| {
        bencher.iter(|| parse_and_touch(black_box(value), ParseOptions::strict()));
    });
    group.finish();
}

fn linear_time(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("authres-linear");

    for size in [1_000, 10_000, 100_000] {
        let inputs = [
            ("nested-comments", nested_comments(size)),
            ("many-results", many_results(size)),
        ];

        for (name, input) in inputs {
            assert!(
                AuthenticationResults::parse(&input).is_ok(),
                "{name} parses"
            );
            group.throughput(Throughput::Bytes(input.len() as u64));
            group.bench_with_input(BenchmarkId::new(name, size), &input, |bencher, input| {
                bencher.iter(|| parse_and_touch(black_box(input), ParseOptions::default()));
            });
        }
    }

    group.finish();
}

/// The value of the realistic field, as the message splitter gives it.
fn field_value() -> &'static str {
    let block = split(FIELD);
    let field = block.field(0).expect("one field");
    let span = field.value().span();

    std::str::from_utf8(&FIELD[span.range()]).expect("the field is UTF-8")
}

/// Parses `value` and adds up the length of every text it holds.
fn parse_and_touch(value: &str, options: ParseOptions) -> usize {
    let Ok(parsed) = AuthenticationResults::parse_with(value, options) else {
        return 0;
    };

    let mut total = parsed.authserv_id.as_deref().map_or(0, str::len);
    total += parsed
        .comments
        .iter()
        .map(|comment| comment.len())
        .sum::<usize>();

    for result in &parsed.results {
        total += result.method.as_str().len() + result.result.as_str().len();
        total += result.reason.as_deref().map_or(0, str::len);
        total += result
            .comments
            .iter()
            .map(|comment| comment.len())
            .sum::<usize>();
        total += result.properties.iter().map(touch_property).sum::<usize>();
        total += result.span.len();
    }

    total + parsed.deviations.len()
}

fn touch_property(property: &Property<'_>) -> usize {
    let ptype = property
        .ptype
        .as_ref()
        .map_or(0, |ptype| ptype.as_str().len());

    ptype + property.property.len() + property.value.len() + property.comments.len()
}

/// An authserv-id, then one result with a comment nested about `size / 2`
/// deep.
fn nested_comments(size: usize) -> String {
    let depth = size / 2;

    format!(
        "mx.example.com; dkim=pass {}{}",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

/// An authserv-id and results up to about `size` bytes, folded every result.
fn many_results(size: usize) -> String {
    let result = ";\r\n\tspf=pass (sender IP is 198.51.100.24) smtp.mailfrom=vendor.com";
    let count = size / result.len();

    format!("mx.example.com{}", result.repeat(count.max(1)))
}

criterion_group!(benches, realistic_field, linear_time);
criterion_main!(benches);
