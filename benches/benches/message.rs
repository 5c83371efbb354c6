//! Splitting the header block of a realistic message: mailtrail-message
//! beside mail-parser, on the same bytes in the same run.
//!
//! Both sides must touch every field value so that nothing is optimised
//! away. mailtrail splits and unfolds each value to text. mail-parser runs
//! twice: in its default configuration, which also parses addresses, dates
//! and Received fields, and with every field read as raw text, the work
//! closest to ours. Throughput is counted over the header block.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mail_parser::{HeaderName, HeaderValue, MessageParser};

use mailtrail_benches::REALISTIC_MESSAGE;

fn header_block(criterion: &mut Criterion) {
    let block = mailtrail_message::split(REALISTIC_MESSAGE);
    let structured = MessageParser::new();
    // A non-empty header map makes mail-parser read every other field with
    // its default function, which takes the value as raw text.
    let raw = MessageParser::new().header_raw(HeaderName::Subject);

    for parser in [&structured, &raw] {
        let parsed = parser
            .parse_headers(REALISTIC_MESSAGE)
            .expect("the message has headers");
        assert_eq!(
            parsed.headers().len(),
            block.len(),
            "both sides see every field"
        );
    }

    let mut group = criterion.benchmark_group("header-block");
    group.throughput(Throughput::Bytes(block.as_bytes().len() as u64));
    group.bench_function("mailtrail-message", |bencher| {
        bencher.iter(|| split_and_unfold(black_box(REALISTIC_MESSAGE)));
    });
    group.bench_function("mail-parser-raw", |bencher| {
        bencher.iter(|| parse_headers(&raw, black_box(REALISTIC_MESSAGE)));
    });
    group.bench_function("mail-parser-default", |bencher| {
        bencher.iter(|| parse_headers(&structured, black_box(REALISTIC_MESSAGE)));
    });
    group.finish();
}

/// Splits the header block and unfolds every value to text, returning the
/// total length so the work cannot be skipped.
fn split_and_unfold(message: &[u8]) -> usize {
    let block = mailtrail_message::split(message);

    block
        .fields()
        .map(|field| field.value().unfolded_text().len())
        .sum()
}

/// Parses the headers with mail-parser and measures every value.
fn parse_headers(parser: &MessageParser, message: &[u8]) -> usize {
    let Some(parsed) = parser.parse_headers(message) else {
        return 0;
    };

    parsed
        .headers()
        .iter()
        .map(|header| value_size(&header.value))
        .sum()
}

/// A size for any mail-parser value: text length where there is text, one
/// for the structured values (addresses, dates, Received, content types).
fn value_size(value: &HeaderValue<'_>) -> usize {
    match value {
        HeaderValue::Text(text) => text.len(),
        HeaderValue::TextList(texts) => texts.iter().map(|text| text.len()).sum(),
        _ => 1,
    }
}

criterion_group!(benches, header_block);
criterion_main!(benches);
