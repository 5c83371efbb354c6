//! `ZoneResolver` semantics and master-file round trips: what an authoritative
//! server would answer, failures from annotations, and bytes that survive.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use mailtrail_dns::{
    Answer, DnsError, ErrorKind, Failure, Mx, RecordData, RecordType, Resolver, Txt, ZoneError,
    ZoneResolver, lookup,
};
use proptest::prelude::*;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn zone(text: &str) -> ZoneResolver {
    text.parse().unwrap_or_else(|error| panic!("{error}"))
}

fn kind<T>(outcome: Result<T, DnsError>) -> ErrorKind {
    outcome.err().expect("expected an error").kind()
}

#[test]
fn relative_names_follow_origin_and_ttl_directives() {
    let zone = zone(
        "$ORIGIN example.com.\n$TTL 900\n@ IN TXT \"apex\"\nwww 60 IN A 192.0.2.1\n\
         $ORIGIN sub.example.com.\nhost IN A 192.0.2.2\n",
    );
    block_on(async {
        assert_eq!(zone.txt("example.com").await.unwrap().ttl, 900);
        assert_eq!(zone.a("www.example.com").await.unwrap().ttl, 60);
        assert!(zone.a("host.sub.example.com").await.is_ok());
        assert_eq!(kind(zone.a("host.example.com").await), ErrorKind::NxDomain);
    });
}

#[test]
fn lookups_ignore_case_and_the_trailing_dot() {
    let zone = zone("Mail.Example.COM. 300 IN A 192.0.2.7\n");
    block_on(async {
        for name in ["mail.example.com", "MAIL.EXAMPLE.COM.", "mAiL.example.Com"] {
            assert_eq!(
                *zone.a(name).await.unwrap().records,
                [Ipv4Addr::new(192, 0, 2, 7)]
            );
        }
    });
}

#[test]
fn empty_non_terminals_answer_nodata_not_nxdomain() {
    let zone = zone("sel._domainkey.example.com. 300 IN TXT \"v=DKIM1; p=\"\n");
    block_on(async {
        assert_eq!(
            kind(zone.txt("_domainkey.example.com").await),
            ErrorKind::NoData
        );
        assert_eq!(kind(zone.txt("example.com").await), ErrorKind::NoData);
        assert_eq!(
            kind(zone.txt("other._domainkey.example.com").await),
            ErrorKind::NxDomain
        );
    });
}

#[test]
fn cname_chains_are_followed_with_the_smallest_ttl() {
    let zone = zone(
        "a.example. 100 IN CNAME b.example.\nb.example. 50 IN CNAME c.example.\n\
         c.example. 300 IN TXT \"end\"\n",
    );
    let answer = block_on(zone.txt("a.example")).unwrap();
    assert_eq!(answer.records[0].to_text(), "end");
    assert_eq!(answer.ttl, 50);
}

#[test]
fn cname_to_a_missing_name_is_nxdomain_and_loops_fail() {
    let zone = zone(
        "dangling.example. 60 IN CNAME gone.example.\n\
         loop1.example. 60 IN CNAME loop2.example.\nloop2.example. 60 IN CNAME loop1.example.\n",
    );
    block_on(async {
        let dangling = zone.a("dangling.example").await.unwrap_err();
        assert_eq!(
            dangling,
            DnsError::NxDomain {
                name: "dangling.example".into(),
                rtype: RecordType::A
            }
        );
        assert_eq!(
            kind(zone.a("loop1.example").await),
            ErrorKind::ServerFailure
        );
    });
}

#[test]
fn wildcards_answer_only_for_names_that_do_not_exist() {
    let zone = zone(
        "*.example.com. 60 IN TXT \"wild\"\nreal.example.com. 60 IN A 192.0.2.1\n\
         deep.sub.example.com. 60 IN A 192.0.2.2\n",
    );
    block_on(async {
        assert_eq!(
            zone.txt("anything.example.com").await.unwrap().records[0].to_text(),
            "wild"
        );
        assert_eq!(
            zone.txt("two.labels.example.com").await.unwrap().records[0].to_text(),
            "wild"
        );
        // An existing name is never synthesised (RFC 4592 §2.2.1).
        assert_eq!(kind(zone.txt("real.example.com").await), ErrorKind::NoData);
        // Below an existing empty non-terminal without its own wildcard.
        assert_eq!(
            kind(zone.txt("x.sub.example.com").await),
            ErrorKind::NxDomain
        );
    });
}

#[test]
fn annotations_set_each_failure_and_win_over_records() {
    let zone = zone(
        "$ORIGIN example.com.\n\
         slow 60 IN TXT \"never seen\"\n\
         ;@ slow.example.com. TXT timeout\n\
         ;@ broken MX servfail upstream said SERVFAIL\n\
         ;@ empty.example.com. A nodata\n\
         ;@ @ AAAA nxdomain\n",
    );
    block_on(async {
        assert_eq!(kind(zone.txt("slow.example.com").await), ErrorKind::Timeout);
        let broken = zone.mx("broken.example.com").await.unwrap_err();
        assert_eq!(
            broken,
            DnsError::ServerFailure {
                name: "broken.example.com".into(),
                rtype: RecordType::Mx,
                detail: "upstream said SERVFAIL".into()
            }
        );
        assert_eq!(kind(zone.a("empty.example.com").await), ErrorKind::NoData);
        assert_eq!(kind(zone.aaaa("example.com").await), ErrorKind::NxDomain);
        // Annotations are per type: the TXT record is still there for A.
        assert_eq!(kind(zone.a("slow.example.com").await), ErrorKind::NoData);
    });
}

#[test]
fn authentic_annotations_set_the_dnssec_status() {
    let zone = zone(
        "signed.example. 60 IN TXT \"x\"\nplain.example. 60 IN TXT \"y\"\n\
         bare.example. 60 IN TXT \"z\"\n\
         ;@ signed.example. TXT authentic\n;@ plain.example. TXT not-authentic\n",
    );
    block_on(async {
        assert_eq!(
            zone.txt("signed.example").await.unwrap().authentic,
            Some(true)
        );
        assert_eq!(
            zone.txt("plain.example").await.unwrap().authentic,
            Some(false)
        );
        assert_eq!(zone.txt("bare.example").await.unwrap().authentic, None);
    });
}

#[test]
fn malformed_annotations_are_errors_with_their_line() {
    for (text, line) in [
        ("a.example. 60 IN A 192.0.2.1\n;@ a.example. A\n", 2),
        (";@ a.example. SOA timeout\n", 1),
        ("\n\n;@ a.example. A sometimes\n", 3),
        (";@ a.example. A timeout trailing words\n", 1),
        (";@ a..example. A timeout\n", 1),
    ] {
        match text.parse::<ZoneResolver>() {
            Err(ZoneError::Annotation { line: found, .. }) => assert_eq!(found, line, "{text:?}"),
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

#[test]
fn syntax_errors_and_bad_escapes_are_reported() {
    assert!(matches!(
        "example.com. 60 IN A not-an-ip\n".parse::<ZoneResolver>(),
        Err(ZoneError::Syntax(_))
    ));
    assert!(matches!(
        "\nx.example. 60 IN TXT \"\\256\"\n".parse::<ZoneResolver>(),
        Err(ZoneError::Escape { line: 2, .. })
    ));
}

#[test]
fn byte_escapes_in_txt_give_the_bytes() {
    let zone = zone(r#"x.example. 60 IN TXT "caf\195\169" "\000\255;not a comment" "\"\\""#);
    let answer = block_on(zone.txt("x.example")).unwrap();
    let strings: Vec<&[u8]> = answer.records[0].strings().collect();
    assert_eq!(strings[0], "café".as_bytes());
    assert_eq!(strings[1], b"\x00\xff;not a comment");
    assert_eq!(strings[2], b"\"\\");
}

#[test]
fn other_record_types_make_a_name_exist() {
    let zone = zone(
        "example.com. 60 IN SOA ns.example.com. h.example.com. 1 2 3 4 5\n\
         ns.example.com. 60 IN NS ns.example.com.\n",
    );
    assert_eq!(kind(block_on(zone.txt("example.com"))), ErrorKind::NoData);
}

#[test]
fn built_in_code_matches_parsed_from_text() {
    let mut built = ZoneResolver::new();
    built
        .insert(
            "example.com",
            300,
            RecordData::Mx(Mx {
                preference: 10,
                exchange: "mx.example.com".into(),
            }),
        )
        .unwrap();
    built
        .insert(
            "mx.example.com",
            300,
            RecordData::A(Ipv4Addr::new(192, 0, 2, 9)),
        )
        .unwrap();
    built
        .set_failure("slow.example.com", RecordType::Txt, Failure::Timeout)
        .unwrap();

    let parsed = zone(
        "example.com. 300 IN MX 10 mx.example.com.\nmx.example.com. 300 IN A 192.0.2.9\n\
         ;@ slow.example.com. TXT timeout\n",
    );
    for (rtype, name) in [
        (RecordType::Mx, "example.com"),
        (RecordType::A, "mx.example.com"),
        (RecordType::Txt, "slow.example.com"),
    ] {
        assert_eq!(
            block_on(lookup(&built, rtype, name)),
            block_on(lookup(&parsed, rtype, name))
        );
    }
}

#[test]
fn ptr_queries_use_the_reverse_name() {
    let zone = zone("7.2.0.192.in-addr.arpa. 60 IN PTR host.example.\n");
    let ip: IpAddr = "192.0.2.7".parse().unwrap();
    assert_eq!(*block_on(zone.ptr(ip)).unwrap().records, ["host.example"]);
}

#[test]
fn duplicate_records_form_one_set() {
    let zone = zone("d.example. 60 IN A 192.0.2.1\nd.example. 60 IN A 192.0.2.1\n");
    assert_eq!(block_on(zone.a("d.example")).unwrap().records.len(), 1);
}

// Round trip: any zone printed and parsed again answers every question alike.

const NAMES: &[&str] = &[
    "example.com",
    "a.example.com",
    "b.a.example.com",
    "*.w.example.com",
    "x.w.example.com",
    "other.example",
];

fn record_data() -> impl Strategy<Value = RecordData> {
    let txt_string = prop::collection::vec(any::<u8>(), 0..40);
    prop_oneof![
        any::<u32>().prop_map(|ip| RecordData::A(Ipv4Addr::from(ip))),
        any::<u128>().prop_map(|ip| RecordData::Aaaa(Ipv6Addr::from(ip))),
        (any::<u16>(), 0..NAMES.len()).prop_map(|(preference, i)| RecordData::Mx(Mx {
            preference,
            exchange: NAMES[i].replace('*', "star"),
        })),
        (0..NAMES.len()).prop_map(|i| RecordData::Ptr(NAMES[i].replace('*', "star"))),
        prop::collection::vec(txt_string, 1..4)
            .prop_map(|strings| RecordData::Txt(Txt::new(strings))),
    ]
}

fn failure() -> impl Strategy<Value = Failure> {
    prop::sample::select(Failure::ALL.to_vec())
}

fn rtype() -> impl Strategy<Value = RecordType> {
    prop::sample::select(RecordType::ALL.to_vec())
}

prop_compose! {
    fn arbitrary_zone()(
        records in prop::collection::vec((0..NAMES.len(), 0u32..100_000, record_data()), 0..12),
        failures in prop::collection::vec((0..NAMES.len(), rtype(), failure()), 0..4),
        authentic in prop::collection::vec((0..NAMES.len(), rtype(), any::<bool>()), 0..3),
    ) -> ZoneResolver {
        let mut zone = ZoneResolver::new();
        let mut ttls = std::collections::HashMap::new();
        for (i, ttl, data) in records {
            // One TTL per RRset, as RFC 2181 §5.2 requires.
            let ttl = *ttls.entry((i, data.rtype())).or_insert(ttl);
            zone.insert(NAMES[i], ttl, data).unwrap();
        }
        for (i, rtype, failure) in failures {
            zone.set_failure(NAMES[i], rtype, failure).unwrap();
        }
        for (i, rtype, authentic) in authentic {
            zone.set_authentic(NAMES[i], rtype, authentic).unwrap();
        }
        zone
    }
}

async fn every_answer(zone: &ZoneResolver) -> Vec<Result<Answer<RecordData>, DnsError>> {
    let mut outcomes = Vec::new();
    for name in NAMES
        .iter()
        .chain(&["unknown.example.com", "q.w.example.com", "example"])
    {
        for rtype in RecordType::ALL {
            outcomes.push(zone.query(name, rtype));
        }
    }
    outcomes
}

proptest! {
    #[test]
    fn printed_zone_parses_to_the_same_answers(zone in arbitrary_zone()) {
        let text = zone.to_string();
        let again: ZoneResolver = text.parse().map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(block_on(every_answer(&again)), block_on(every_answer(&zone)), "{}", text);
        prop_assert_eq!(again.to_string(), text);
    }

    #[test]
    fn txt_bytes_survive_the_master_file(strings in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..255), 1..5)) {
        let mut zone = ZoneResolver::new();
        zone.insert("t.example", 60, RecordData::Txt(Txt::new(strings.clone()))).unwrap();
        let again: ZoneResolver = zone.to_string().parse().unwrap();
        let answer = block_on(again.txt("t.example")).unwrap();
        let read: Vec<&[u8]> = answer.records[0].strings().collect();
        prop_assert_eq!(read, strings.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }
}
