//! The loopback server answers as the zone does, through the wire: every
//! answer type, NXDOMAIN against NODATA, SERVFAIL, silence for timeouts.

use std::time::Duration;

use mailtrail_dns::{
    ErrorKind, Failure, Mx, RecordData, RecordType, Resolver, SystemResolver, Txt, ZoneResolver,
};
use mailtrail_testkit::start_dns_server;

fn zone() -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    let mut add = |name: &str, data: RecordData| zone.insert(name, 300, data).unwrap();
    add(
        "example.com",
        RecordData::Txt(Txt::new(["v=spf1 ", "mx -all"])),
    );
    add(
        "example.com",
        RecordData::Mx(Mx {
            preference: 10,
            exchange: "mx1.example.com".into(),
        }),
    );
    add(
        "mx1.example.com",
        RecordData::A("192.0.2.25".parse().unwrap()),
    );
    add(
        "mx1.example.com",
        RecordData::Aaaa("2001:db8::25".parse().unwrap()),
    );
    add(
        "25.2.0.192.in-addr.arpa",
        RecordData::Ptr("mx1.example.com".into()),
    );
    add(
        "alias.example.com",
        RecordData::Cname("mx1.example.com".into()),
    );
    add(
        "empty.example.com",
        RecordData::Txt(Txt::new(Vec::<Vec<u8>>::new())),
    );
    add(
        "bytes.example.com",
        RecordData::Txt(Txt::new([vec![0xef, 0xbb, 0xbf, b'x']])),
    );
    zone.set_failure(
        "broken.example.com",
        RecordType::Txt,
        Failure::ServerFailure,
    )
    .unwrap();
    zone.set_failure("slow.example.com", RecordType::A, Failure::Timeout)
        .unwrap();
    zone
}

async fn resolver() -> SystemResolver {
    let address = start_dns_server(zone()).await;
    SystemResolver::builder()
        .name_server(address)
        .timeout(Duration::from_millis(300))
        .attempts(1)
        .build()
        .expect("the resolver configures")
}

#[tokio::test]
async fn every_answer_type_arrives_as_the_zone_holds_it() {
    let dns = resolver().await;

    let txt = dns.txt("example.com").await.unwrap();
    assert_eq!(
        txt.records[0].strings().collect::<Vec<_>>(),
        [&b"v=spf1 "[..], b"mx -all"]
    );
    assert_eq!(txt.ttl, 300);
    assert_eq!(
        dns.mx("example.com").await.unwrap().records[0].exchange,
        "mx1.example.com"
    );
    assert_eq!(
        *dns.a("alias.example.com").await.unwrap().records,
        ["192.0.2.25".parse::<std::net::Ipv4Addr>().unwrap()]
    );
    assert_eq!(dns.aaaa("mx1.example.com").await.unwrap().records.len(), 1);
    assert_eq!(
        *dns.ptr("192.0.2.25".parse().unwrap())
            .await
            .unwrap()
            .records,
        ["mx1.example.com"]
    );
    assert_eq!(
        &*dns.txt("bytes.example.com").await.unwrap().records[0].concat(),
        [0xef, 0xbb, 0xbf, b'x']
    );
}

#[tokio::test]
async fn a_txt_record_without_strings_is_served_as_one_empty_string() {
    let dns = resolver().await;
    let answer = dns.txt("empty.example.com").await.unwrap();

    assert_eq!(answer.records[0].concat().len(), 0);
}

#[tokio::test]
async fn failures_keep_their_kind_over_the_wire() {
    let dns = resolver().await;
    assert_eq!(
        dns.txt("nope.example.com").await.unwrap_err().kind(),
        ErrorKind::NxDomain
    );
    assert_eq!(
        dns.txt("mx1.example.com").await.unwrap_err().kind(),
        ErrorKind::NoData
    );
    assert_eq!(
        dns.txt("broken.example.com").await.unwrap_err().kind(),
        ErrorKind::ServerFailure
    );
    assert_eq!(
        dns.a("slow.example.com").await.unwrap_err().kind(),
        ErrorKind::Timeout
    );
}
