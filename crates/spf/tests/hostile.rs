//! Records written to hurt: thousands of terms, deeply nested and repeated
//! macros, TXT strings of 10 000 characters. Each must end within the limits
//! with the result the RFC gives; the assertions are on results and
//! counters, never on time.

use std::net::IpAddr;

use mailtrail_dns::{RecordData, Txt, ZoneResolver};
use mailtrail_spf::{Cause, Problem, Record, SpfResult, Verifier};

fn zone_with(records: &[(&str, Txt)]) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    for (name, txt) in records {
        zone.insert(name, 300, RecordData::Txt(txt.clone()))
            .expect("a valid name");
    }
    zone
}

/// A record as a TXT record of 255-byte strings, as a publisher must split it.
fn split_txt(text: &str) -> Txt {
    Txt::new(text.as_bytes().chunks(255).map(<[u8]>::to_vec))
}

async fn check(zone: &ZoneResolver, domain: &str) -> mailtrail_spf::Outcome {
    let client: IpAddr = "192.0.2.1".parse().unwrap();
    Verifier::new(zone)
        .check_host(client, domain, "user@example.com", Some("mail.example.com"))
        .await
}

#[tokio::test]
async fn five_thousand_network_terms_are_evaluated_without_dns() {
    let terms: Vec<String> = (0..5000)
        .map(|i| format!("ip4:10.{}.{}.0/24", i / 256, i % 256))
        .collect();
    let record = format!("v=spf1 {} -all", terms.join(" "));
    let zone = zone_with(&[("example.com", split_txt(&record))]);

    let outcome = check(&zone, "example.com").await;
    assert_eq!(outcome.result, SpfResult::Fail);
    assert_eq!(outcome.mechanism(), Some("-all"));
    assert_eq!(
        (outcome.counters.dns_lookups, outcome.counters.queries),
        (0, 1)
    );
}

#[tokio::test]
async fn three_thousand_dns_terms_stop_at_the_eleventh() {
    let record = format!("v=spf1 {}-all", "exists:%{i}.bl.example.com ".repeat(3000));
    let zone = zone_with(&[("example.com", split_txt(&record))]);

    let outcome = check(&zone, "example.com").await;
    assert_eq!(outcome.result, SpfResult::PermError);
    assert_eq!(
        outcome.counters.dns_lookups, 3,
        "the third void lookup stops first"
    );
    assert!(matches!(
        outcome.cause,
        Cause::Problem(Problem::VoidLookupLimit { .. })
    ));

    let record = format!("v=spf1 {}-all", "a ".repeat(3000));
    let mut zone = zone_with(&[("example.com", split_txt(&record))]);
    zone.insert(
        "example.com",
        300,
        RecordData::A("198.51.100.1".parse().unwrap()),
    )
    .unwrap();
    let outcome = check(&zone, "example.com").await;
    assert_eq!(outcome.result, SpfResult::PermError);
    assert_eq!(outcome.counters.dns_lookups, 11);
    assert_eq!(
        outcome.counters.queries, 11,
        "the record and ten address lookups"
    );
}

#[tokio::test]
async fn two_thousand_macros_in_one_name_are_truncated_to_253_octets() {
    let spec = format!("{}example.com", "%{d}.%{l}.%{i}.".repeat(600));
    let record = format!("v=spf1 exists:{spec} -all");
    assert!(record.len() > 9000);
    let zone = zone_with(&[("example.com", split_txt(&record))]);

    let outcome = Verifier::new(&zone)
        .with_trace(true)
        .check_host(
            "192.0.2.1".parse().unwrap(),
            "example.com",
            "user@example.com",
            None,
        )
        .await;
    assert_eq!(outcome.result, SpfResult::Fail);
    assert_eq!(
        (outcome.counters.dns_lookups, outcome.counters.void_lookups),
        (1, 1)
    );

    let trace = outcome.trace.expect("asked for");
    let queried = trace.events.iter().find_map(|event| match event {
        mailtrail_spf::TraceEvent::Lookup {
            rtype: mailtrail_dns::RecordType::A,
            name,
            ..
        } => Some(name.clone()),
        _ => None,
    });
    let queried = queried.expect("the exists name was queried");
    assert!(
        queried.len() <= 253 && queried.ends_with(".192.0.2.1.example.com"),
        "{queried}"
    );
}

#[tokio::test]
async fn nested_and_unclosed_macros_are_syntax_errors() {
    for spec in [
        "%{%{%{%{d}}}}.example.com",
        "%{d",
        "%{d99999999999999999999999}%{",
        "%{dr.-+,/_=x}.example.com",
    ] {
        let nested = format!("v=spf1 exists:{spec} -all");
        let zone = zone_with(&[("example.com", Txt::new([nested.into_bytes()]))]);

        let outcome = check(&zone, "example.com").await;
        assert_eq!(outcome.result, SpfResult::PermError, "{spec}");
        assert!(
            matches!(outcome.cause, Cause::Problem(Problem::Syntax { .. })),
            "{spec}"
        );
    }
}

#[tokio::test]
async fn ten_thousand_character_strings_are_read_as_one_record() {
    let garbage = Txt::new([vec![0xff; 10_000]]);
    let long_modifier = format!("v=spf1 x-note={} ip4:192.0.2.0/24 -all", "a".repeat(10_000));
    let zone = zone_with(&[
        ("example.com", garbage),
        ("example.com", Txt::new([long_modifier.into_bytes()])),
    ]);

    let outcome = check(&zone, "example.com").await;
    assert_eq!(
        outcome.result,
        SpfResult::Pass,
        "the non-SPF record is ignored"
    );
    assert_eq!(outcome.counters.dns_lookups, 0);
}

#[tokio::test]
async fn ten_thousand_character_explanation_with_macros_expands_once() {
    let explanation = "%{d} %{i} %{l} %{s} %{h} ".repeat(400);
    assert!(explanation.len() >= 10_000);
    let zone = zone_with(&[
        (
            "example.com",
            Txt::new([b"v=spf1 -all exp=why.example.com".to_vec()]),
        ),
        ("why.example.com", Txt::new([explanation.into_bytes()])),
    ]);

    let outcome = check(&zone, "example.com").await;
    assert_eq!(outcome.result, SpfResult::Fail);
    let text = outcome.explanation.expect("the explanation expands");
    assert_eq!(text.matches("192.0.2.1").count(), 400);
    assert_eq!(outcome.counters.dns_lookups, 0);
}

#[test]
fn parsing_a_record_of_50_000_terms_is_linear_enough_to_finish() {
    let record = format!("v=spf1 {}", "ip6:2001:db8::/32 ".repeat(50_000));
    let parsed = Record::parse(&record).expect("a valid record");

    assert_eq!(parsed.terms().len(), 50_000);
    assert_eq!(parsed.span(49_999).map(|span| span.len()), Some(17));
}
