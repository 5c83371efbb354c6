//! Parsing the Received fields of a realistic message: mailtrail-received
//! beside mail-parser, on the same bytes in the same run; and the cost per
//! byte of hostile fields, to show the parser stays linear.
//!
//! Both sides parse each of the eight Received values of the benchmark
//! message and read every clause they produce, so that nothing is optimised
//! away. mail-parser's Received parser is public
//! (`MessageStream::parse_received`) and is given exactly the value and its
//! line end, as its header parser would. Throughput is counted in fields.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mail_parser::parsers::MessageStream;
use mail_parser::{HeaderValue, Host};
use mailtrail_message::{HeaderField, split};
use mailtrail_received::Received;

use mailtrail_benches::REALISTIC_MESSAGE;

fn realistic_fields(criterion: &mut Criterion) {
    let block = split(REALISTIC_MESSAGE);
    let fields: Vec<HeaderField<'_>> = block.get_all("Received").collect();
    let values: Vec<&[u8]> = fields
        .iter()
        .map(|field| &REALISTIC_MESSAGE[field.value().span().start..field.span().end])
        .collect();

    assert_eq!(fields.len(), 8, "the message has eight Received fields");
    assert!(
        fields
            .iter()
            .all(|field| Received::from_field(field).is_ok())
    );
    assert!(values.iter().all(|value| {
        matches!(
            MessageStream::new(value).parse_received(),
            HeaderValue::Received(_)
        )
    }));

    let mut group = criterion.benchmark_group("received-fields");
    group.throughput(Throughput::Elements(fields.len() as u64));
    group.bench_function("mailtrail-received", |bencher| {
        bencher.iter(|| {
            black_box(&fields)
                .iter()
                .map(parse_mailtrail)
                .sum::<usize>()
        });
    });
    group.bench_function("mail-parser", |bencher| {
        bencher.iter(|| {
            black_box(&values)
                .iter()
                .map(|value| parse_mail_parser(value))
                .sum::<usize>()
        });
    });
    group.finish();
}

/// Parses one field with mailtrail and reads every clause.
fn parse_mailtrail(field: &HeaderField<'_>) -> usize {
    let Ok(received) = Received::from_field(field) else {
        return 0;
    };

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
        received.id(),
        received.tls_cipher(),
    ];
    let mut size: usize = texts.iter().flatten().map(|part| part.value.len()).sum();

    size += received
        .from_ip()
        .map_or(0, |ip| ip.value.is_ipv4() as usize + 1);
    size += received
        .by_ip()
        .map_or(0, |ip| ip.value.is_ipv4() as usize + 1);
    size += received.with().map_or(0, |with| with.value.as_str().len());
    size += received
        .tls_version()
        .map_or(0, |version| version.value.as_str().len());
    size += received
        .recipients()
        .map(|recipient| recipient.value.len())
        .sum::<usize>();
    size += received.authentication().is_some() as usize;
    size += received
        .date()
        .map_or(0, |date| date.value.as_second() as usize & 0xff);
    size + received.deviations().len()
}

/// Parses one value with mail-parser and reads every clause.
fn parse_mail_parser(value: &[u8]) -> usize {
    let HeaderValue::Received(received) = MessageStream::new(value).parse_received() else {
        return 0;
    };

    let host = |host: &Option<Host<'_>>| match host {
        Some(Host::Name(name)) => name.len(),
        Some(Host::IpAddr(ip)) => ip.is_ipv4() as usize + 1,
        None => 0,
    };
    let text =
        |text: &Option<std::borrow::Cow<'_, str>>| text.as_ref().map_or(0, |text| text.len());

    let mut size = host(&received.from) + host(&received.by) + host(&received.helo);
    size += received.from_ip.map_or(0, |ip| ip.is_ipv4() as usize + 1);
    size += text(&received.from_iprev) + text(&received.for_) + text(&received.tls_cipher);
    size += text(&received.id) + text(&received.ident) + text(&received.via);
    size += received.with.is_some() as usize + received.tls_version.is_some() as usize;
    size += received.helo_cmd.is_some() as usize;
    size + received
        .date
        .map_or(0, |date| date.to_timestamp() as usize & 0xff)
}

/// Cost per byte of a normal field and of 1 MiB fields built to be slow:
/// nested comments and repeated clauses. Linear parsing gives them about
/// the same throughput.
fn linear_time(criterion: &mut Criterion) {
    let block = split(REALISTIC_MESSAGE);
    let longest = block
        .get_all("Received")
        .map(|field| field.value())
        .max_by_key(|value| value.raw().len());
    let normal = longest
        .and_then(|value| value.raw_str())
        .expect("a UTF-8 Received field");
    let depth = 512 * 1024;
    let nested = format!(
        "from a.example {}{} by b.example; 1 Mar 2024 10:00:00 +0000",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let clause = "from a.example by b.example with ESMTP id 1 for <c@example.com> ";
    let repeated = clause.repeat(1024 * 1024 / clause.len()) + "; 1 Mar 2024 10:00:00 +0000";

    let mut group = criterion.benchmark_group("received-linear");
    for (name, value) in [
        ("normal-field", normal),
        ("nested-comments-1MiB", nested.as_str()),
        ("repeated-clauses-1MiB", repeated.as_str()),
    ] {
        assert!(Received::parse(value).is_ok(), "{name} parses");
        group.throughput(Throughput::Bytes(value.len() as u64));
        if value.len() > 1024 {
            group.sample_size(10);
        }
        group.bench_function(name, |bencher| {
            bencher.iter(|| Received::parse(black_box(value)).map(|r| r.deviations().len()));
        });
    }
    group.finish();
}

criterion_group!(benches, realistic_fields, linear_time);
criterion_main!(benches);
