//! check_host() behaviour that the openspf suites do not pin down: how each
//! limit counts and what the counters and trace say when one is exceeded,
//! loops, which record's exp= is used, both identities, and the outputs.

use std::fs;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use mailtrail_dns::ZoneResolver;
use mailtrail_spf::{
    Cause, Identity, LimitKind, Limits, MacroString, MacroValues, Problem, SpfResult, TermVerdict,
    TraceEvent, Verifier,
};

fn zone(text: &str) -> ZoneResolver {
    text.parse().expect("the test zone parses")
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an IP address")
}

async fn check(zone: &ZoneResolver, client: &str, domain: &str) -> mailtrail_spf::Outcome {
    let sender = format!("user@{domain}");
    Verifier::new(zone)
        .with_trace(true)
        .check_host(ip(client), domain, &sender, Some("mail.example.org"))
        .await
}

/// Eleven `a` terms before the `ip4` that would match.
fn eleven_terms() -> ZoneResolver {
    zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 a a a a a a a a a a a ip4:192.0.2.1 -all"
@      300 IN A   198.51.100.1
"#,
    )
}

#[tokio::test]
async fn eleventh_dns_term_gives_permerror_and_is_named_in_the_trace() {
    let outcome = check(&eleven_terms(), "192.0.2.1", "example.com").await;

    assert_eq!(outcome.result, SpfResult::PermError);
    assert_eq!(outcome.counters.dns_lookups, 11);
    let Cause::Problem(Problem::DnsTermLimit { location, limit }) = &outcome.cause else {
        panic!("expected the DNS term limit, got {:?}", outcome.cause);
    };
    assert_eq!(
        (location.index, location.term.as_str(), *limit),
        (10, "a", 10)
    );

    let trace = outcome.trace.as_ref().expect("asked for");
    assert_eq!(trace.limit_exceeded(), Some(("a", LimitKind::DnsLookups)));
    assert_eq!(
        trace.terms().count(),
        10,
        "the eleventh term is not evaluated"
    );
}

#[tokio::test]
async fn raised_term_limit_lets_the_same_record_pass() {
    let zone = eleven_terms();
    let limits = Limits {
        dns_lookups: 11,
        ..Limits::default()
    };
    let outcome = Verifier::new(&zone)
        .with_limits(limits)
        .check_host(ip("192.0.2.1"), "example.com", "user@example.com", None)
        .await;

    assert_eq!(outcome.result, SpfResult::Pass);
    assert_eq!(outcome.mechanism(), Some("ip4:192.0.2.1"));
    assert_eq!(outcome.counters.dns_lookups, 11);
}

#[tokio::test]
async fn terms_without_dns_and_terms_after_a_match_cost_nothing() {
    let zone = zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 all a a a a a a a a a a a a exp=x.example.com"
"#,
    );
    let outcome = check(&zone, "192.0.2.1", "example.com").await;

    assert_eq!(outcome.result, SpfResult::Pass);
    assert_eq!(outcome.mechanism(), Some("all"));
    assert_eq!(outcome.counters.dns_lookups, 0);
    assert_eq!(
        outcome.counters.queries, 1,
        "only the record itself was looked up"
    );
}

#[tokio::test]
async fn third_void_lookup_gives_permerror_and_second_does_not() {
    let zone = zone(
        r#"
$ORIGIN example.com.
two    300 IN TXT "v=spf1 a:nx1.example.com mx:nx2.example.com ?all"
three  300 IN TXT "v=spf1 a:nx1.example.com mx:nx2.example.com exists:nx3.example.com ?all"
"#,
    );

    let two = check(&zone, "192.0.2.1", "two.example.com").await;
    assert_eq!(two.result, SpfResult::Neutral);
    assert_eq!(two.counters.void_lookups, 2);

    let three = check(&zone, "192.0.2.1", "three.example.com").await;
    assert_eq!(three.result, SpfResult::PermError);
    assert_eq!(three.counters.void_lookups, 3);
    assert!(matches!(
        &three.cause,
        Cause::Problem(Problem::VoidLookupLimit { location, limit: 2 }) if location.term == "exists:nx3.example.com"
    ));
    let trace = three.trace.expect("asked for");
    assert_eq!(
        trace.limit_exceeded(),
        Some(("exists:nx3.example.com", LimitKind::VoidLookups))
    );
}

#[tokio::test]
async fn exp_lookup_counts_toward_no_limit() {
    let zone = zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 a:nx1.example.com a:nx2.example.com -all exp=nx3.example.com"
"#,
    );
    let outcome = check(&zone, "192.0.2.1", "example.com").await;

    assert_eq!(outcome.result, SpfResult::Fail);
    assert_eq!(outcome.explanation, None);
    assert_eq!(
        (outcome.counters.dns_lookups, outcome.counters.void_lookups),
        (2, 2)
    );
    assert_eq!(
        outcome.counters.queries, 4,
        "record, two a lookups, the exp lookup"
    );
}

#[tokio::test]
async fn eleven_mx_records_give_permerror_before_any_address_lookup() {
    let mut text = String::from("$ORIGIN example.com.\n@ 300 IN TXT \"v=spf1 mx -all\"\n");
    for preference in 0..11 {
        text.push_str(&format!(
            "@ 300 IN MX {preference} mx{preference}\nmx{preference} 300 IN A 192.0.2.1\n"
        ));
    }
    let outcome = check(&zone(&text), "192.0.2.1", "example.com").await;

    assert_eq!(outcome.result, SpfResult::PermError);
    assert!(matches!(
        outcome.cause,
        Cause::Problem(Problem::MxNameLimit {
            count: 11,
            limit: 10,
            ..
        })
    ));
    assert_eq!(outcome.counters.queries, 2, "the record and the MX lookup");
}

#[tokio::test]
async fn ptr_looks_at_the_first_ten_names_only() {
    let mut text = String::from("$ORIGIN example.com.\n@ 300 IN TXT \"v=spf1 ptr -all\"\n");
    for index in 0..11 {
        let host = if index == 10 {
            "good.example.com.".to_owned()
        } else {
            format!("other{index}.example.net.")
        };
        text.push_str(&format!("1.2.0.192.in-addr.arpa. 300 IN PTR {host}\n"));
    }
    text.push_str("good 300 IN A 192.0.2.1\n");
    let outcome = check(&zone(&text), "192.0.2.1", "example.com").await;

    assert_eq!(
        outcome.result,
        SpfResult::Fail,
        "the eleventh name is ignored, not an error"
    );
}

#[tokio::test]
async fn include_and_redirect_loops_end_in_permerror_at_once() {
    let zone = zone(
        r#"
$ORIGIN example.com.
a      300 IN TXT "v=spf1 include:b.example.com -all"
b      300 IN TXT "v=spf1 redirect=a.example.com"
self   300 IN TXT "v=spf1 ip4:198.51.100.1 redirect=self.example.com"
"#,
    );

    let outcome = check(&zone, "192.0.2.1", "a.example.com").await;
    assert_eq!(outcome.result, SpfResult::PermError);
    assert!(
        matches!(&outcome.cause, Cause::Problem(Problem::IncludeLoop { target, .. }) if target == "a.example.com")
    );
    assert_eq!(outcome.counters.dns_lookups, 2);

    let outcome = check(&zone, "192.0.2.1", "self.example.com").await;
    assert!(matches!(
        outcome.cause,
        Cause::Problem(Problem::IncludeLoop { .. })
    ));

    let matched = check(&zone, "198.51.100.1", "self.example.com").await;
    assert_eq!(
        matched.result,
        SpfResult::Pass,
        "a loop never reached does not matter"
    );
}

#[tokio::test]
async fn deep_include_chain_under_a_raised_limit_stays_off_the_call_stack() {
    let mut text = String::from("$ORIGIN example.com.\n");
    for level in 0..1000 {
        text.push_str(&format!(
            "l{level} 300 IN TXT \"v=spf1 include:l{}.example.com\"\n",
            level + 1
        ));
    }
    text.push_str("l1000 300 IN TXT \"v=spf1 ip4:192.0.2.1\"\n");
    let zone = zone(&text);
    let limits = Limits {
        dns_lookups: 100_000,
        ..Limits::default()
    };

    let outcome = Verifier::new(&zone)
        .with_limits(limits)
        .check_host(
            ip("192.0.2.1"),
            "l0.example.com",
            "user@l0.example.com",
            None,
        )
        .await;
    assert_eq!(outcome.result, SpfResult::Pass);
    assert_eq!(outcome.counters.dns_lookups, 1000);
}

#[tokio::test]
async fn include_passes_through_its_qualifier_and_ignores_the_included_exp() {
    let zone = zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 -include:inner.example.com ~all exp=outer-exp.example.com"
inner  300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all exp=inner-exp.example.com"
outer-exp 300 IN TXT "outer says %{i} may not send for %{d}"
inner-exp 300 IN TXT "inner"
"#,
    );

    let outcome = check(&zone, "192.0.2.1", "example.com").await;
    assert_eq!(outcome.result, SpfResult::Fail);
    assert_eq!(outcome.mechanism(), Some("-include:inner.example.com"));
    assert_eq!(
        outcome.explanation.as_deref(),
        Some("outer says 192.0.2.1 may not send for example.com")
    );

    let outcome = check(&zone, "198.51.100.1", "example.com").await;
    assert_eq!(
        outcome.result,
        SpfResult::SoftFail,
        "the inner fail is no match"
    );
    assert_eq!(
        outcome.explanation, None,
        "only fail carries an explanation"
    );
}

#[tokio::test]
async fn redirect_result_and_exp_come_from_the_target() {
    let zone = zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 exp=first.example.com redirect=_spf.example.com"
_spf   300 IN TXT "v=spf1 a -all exp=second.%{d}"
_spf   300 IN A   198.51.100.1
first  300 IN TXT "first"
second._spf 300 IN TXT "from %{d} at %{t} by %{r}"
"#,
    );
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let outcome = Verifier::new(&zone)
        .with_receiver("mx.example.net")
        .with_now(now)
        .check_host(ip("192.0.2.1"), "example.com", "user@example.com", None)
        .await;

    assert_eq!(outcome.result, SpfResult::Fail);
    assert_eq!(
        outcome.explanation.as_deref(),
        Some("from _spf.example.com at 1700000000 by mx.example.net")
    );
    assert_eq!(outcome.counters.dns_lookups, 2, "redirect and a");
    assert_eq!(outcome.domain, "example.com");
}

#[tokio::test]
async fn temporary_failures_give_temperror_with_the_failing_term() {
    let zone = zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 ip4:198.51.100.1 a:slow.example.com -all"
;@ slow.example.com. A timeout
;@ broken.example.com. TXT servfail
"#,
    );

    let outcome = check(&zone, "192.0.2.1", "example.com").await;
    assert_eq!(outcome.result, SpfResult::TempError);
    let Cause::Problem(Problem::TemporaryDnsFailure {
        location: Some(location),
        ..
    }) = &outcome.cause
    else {
        panic!("expected a DNS failure at a term, got {:?}", outcome.cause);
    };
    assert_eq!(location.term, "a:slow.example.com");

    let outcome = check(&zone, "192.0.2.1", "broken.example.com").await;
    assert!(matches!(
        outcome.cause,
        Cause::Problem(Problem::TemporaryDnsFailure { location: None, .. })
    ));
}

#[tokio::test]
async fn syntax_error_anywhere_stops_before_any_term() {
    let zone = zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 ip4:192.0.2.1 a mx -all moo"
"#,
    );
    let outcome = check(&zone, "192.0.2.1", "example.com").await;

    assert_eq!(outcome.result, SpfResult::PermError);
    let Cause::Problem(Problem::Syntax { error, .. }) = &outcome.cause else {
        panic!("expected a syntax error, got {:?}", outcome.cause);
    };
    assert_eq!((error.term(), error.position()), (Some("moo"), 31));
    assert_eq!(outcome.counters.dns_lookups, 0);
}

#[tokio::test]
async fn ipv4_mapped_client_is_checked_as_ipv4() {
    let zone = zone(
        r#"
example.com. 300 IN TXT "v=spf1 ip6:::ffff:0:0/96 ip4:192.0.2.0/24 -all exp=why.example.com"
why.example.com. 300 IN TXT "%{c} %{v}"
"#,
    );
    let pass = check(&zone, "::ffff:192.0.2.1", "example.com").await;
    assert_eq!(pass.result, SpfResult::Pass);
    assert_eq!(pass.mechanism(), Some("ip4:192.0.2.0/24"));

    let fail = check(&zone, "::ffff:198.51.100.1", "example.com").await;
    assert_eq!(fail.explanation.as_deref(), Some("198.51.100.1 in-addr"));
}

#[tokio::test]
async fn verify_checks_both_identities_and_null_sender_uses_postmaster_at_helo() {
    let zone = zone(
        r#"
$ORIGIN example.com.
mail   300 IN TXT "v=spf1 -all"
@      300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
"#,
    );
    let verifier = Verifier::new(&zone).with_receiver("mx.example.net");

    let both = verifier
        .verify(ip("192.0.2.1"), "mail.example.com", "alice@example.com")
        .await;
    assert_eq!(both.helo.identity, Identity::Helo);
    assert_eq!(both.helo.outcome.result, SpfResult::Fail);
    assert_eq!(
        both.mail_from.outcome.result,
        SpfResult::Pass,
        "a failing HELO hides nothing"
    );

    let null = verifier
        .verify(ip("192.0.2.1"), "mail.example.com", "<>")
        .await;
    assert_eq!(null.mail_from.identity, Identity::MailFrom);
    assert_eq!(null.mail_from.outcome.sender, "postmaster@mail.example.com");
    assert_eq!(null.mail_from.outcome.result, SpfResult::Fail);
    let field = null.mail_from.received_spf().to_string();
    assert!(field.contains("envelope-from=\"<>\""), "{field}");
    assert!(field.ends_with("identity=mailfrom"), "{field}");

    let literal = verifier.verify_helo(ip("192.0.2.1"), "[192.0.2.1]").await;
    assert_eq!(literal.outcome.result, SpfResult::None);
    assert!(matches!(literal.outcome.cause, Cause::InvalidDomain { .. }));
}

#[tokio::test]
async fn received_spf_and_authentication_result_describe_the_check() {
    let zone = zone("example.com. 300 IN TXT \"v=spf1 ip6:2001:db8::/32 -all\"");
    let verifier = Verifier::new(&zone).with_receiver("mx.example.net");
    let check = verifier
        .verify_mail_from(
            ip("2001:db8::25"),
            Some("mail.example.com"),
            "bob@example.com",
        )
        .await;

    assert_eq!(
        check.received_spf().to_string(),
        "pass (mx.example.net: domain of bob@example.com designates 2001:db8::25 as permitted sender) \
         client-ip=\"2001:db8::25\"; envelope-from=\"bob@example.com\"; helo=mail.example.com; \
         receiver=mx.example.net; mechanism=\"ip6:2001:db8::/32\"; identity=mailfrom"
    );
    let field = check.received_spf().to_field();
    assert!(field.starts_with("Received-SPF: pass (mx.example.net:"));
    assert!(field.split("\r\n").all(|line| line.len() <= 78), "{field}");

    assert_eq!(
        check.authentication_result().to_string(),
        "spf=pass (domain of bob@example.com designates 2001:db8::25 as permitted sender) \
         smtp.mailfrom=bob@example.com"
    );
}

#[tokio::test]
async fn permerror_field_names_the_problem() {
    let zone = zone("example.com. 300 IN TXT \"v=spf1 a:example.com:8080\"");
    let check = Verifier::new(&zone)
        .verify_mail_from(ip("192.0.2.1"), Some("h.example"), "a@example.com")
        .await;
    let field = check.received_spf();

    assert_eq!(field.result, SpfResult::PermError);
    assert_eq!(field.mechanism, None);
    let problem = field.problem.expect("a permerror says why");
    assert!(
        problem.contains("\"a:example.com:8080\" at byte 7"),
        "{problem}"
    );
}

#[tokio::test]
async fn trace_lists_lookups_terms_and_include_results_in_order() {
    let zone = zone(
        r#"
$ORIGIN example.com.
@      300 IN TXT "v=spf1 include:_spf.example.com -all"
_spf   300 IN TXT "v=spf1 a ~all"
_spf   300 IN A   198.51.100.1
"#,
    );
    let outcome = check(&zone, "192.0.2.1", "example.com").await;
    let trace = outcome.trace.expect("asked for");

    let kinds: Vec<String> = trace
        .events
        .iter()
        .map(|event| match event {
            TraceEvent::Record { depth, domain, .. } => format!("{depth} record {domain}"),
            TraceEvent::Lookup {
                depth, rtype, name, ..
            } => format!("{depth} {rtype} {name}"),
            TraceEvent::Term {
                depth,
                term,
                verdict,
                counters,
                ..
            } => {
                format!("{depth} {term} {verdict:?} {}", counters.dns_lookups)
            }
            TraceEvent::IncludeResult { depth, result, .. } => format!("{depth} include {result}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "0 TXT example.com",
            "0 record example.com",
            "1 TXT _spf.example.com",
            "1 record _spf.example.com",
            "1 A _spf.example.com",
            "1 a NoMatch 2",
            "1 ~all Match 2",
            "1 include softfail",
            "0 include:_spf.example.com NoMatch 2",
            "0 -all Match 2",
        ]
    );
    assert!(trace.events.iter().all(|event| !matches!(
        event,
        TraceEvent::Term {
            verdict: TermVerdict::Error,
            ..
        }
    )));
}

#[test]
fn rfc_7208_macro_examples_expand_as_written() {
    let table = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/macro-expansion.txt"),
    )
    .expect("the table is committed");
    let mut rows = 0;

    for line in table
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
    {
        let [client, text, expected] = line.split('\t').collect::<Vec<_>>()[..] else {
            panic!("a row is ip, macro-string, expansion: {line:?}");
        };
        let values = MacroValues::new(
            ip(client),
            "strong-bad@email.example.com",
            "email.example.com",
        );
        let expanded = MacroString::explanation(text)
            .expect("the example parses")
            .expand(&values);

        assert_eq!(expanded, expected, "{text}");
        rows += 1;
    }
    assert_eq!(rows, 23);
}
