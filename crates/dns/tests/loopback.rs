//! `SystemResolver` against a real DNS server on 127.0.0.1: every answer kind
//! and every error kind the trait distinguishes, TCP fallback, timeouts, and
//! record-then-replay equality.

mod support;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use mailtrail_dns::{
    Answer, DnsError, ErrorKind, RecordData, RecordType, RecordingResolver, Resolver,
    SystemResolver, ZoneResolver, lookup,
};

/// A bound for "did not hang": far above any configured timeout here.
const HANG_GUARD: Duration = Duration::from_secs(20);

fn forward_zone() -> String {
    let big: Vec<String> = (0..16)
        .map(|i| format!("\"{}\"", char::from(b'a' + i).to_string().repeat(250)))
        .collect();
    format!(
        r#"
$ORIGIN example.com.
$TTL 300
@               IN SOA ns hostmaster 1 3600 600 86400 60
@               IN NS  ns
ns              IN A   127.0.0.1
@               IN MX  10 mx1
@               IN MX  50 legacy.old-vendor.example.
@               IN TXT "v=spf1 " "ip4:192.0.2.0/24 " "-all"
multi     120   IN TXT "first" "second" "" "fourth \"quoted\""
big             IN TXT {big}
mx1             IN A    192.0.2.25
mx1             IN AAAA 2001:db8::25
alias           IN CNAME mx1
nullmx          IN MX  0 .
"#,
        big = big.join(" ")
    )
}

const REVERSE_V4: &str = r#"
$ORIGIN 2.0.192.in-addr.arpa.
$TTL 600
@   IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 60
@   IN NS  ns.example.com.
25  IN PTR mx1.example.com.
25  IN PTR mail.example.com.
"#;

const REVERSE_V6: &str = r#"
$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.
$TTL 600
@   IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 60
@   IN NS  ns.example.com.
5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR mx1.example.com.
"#;

async fn server() -> SocketAddr {
    let forward = forward_zone();
    support::start_server(&[&forward, REVERSE_V4, REVERSE_V6]).await
}

fn resolver(address: SocketAddr) -> SystemResolver {
    SystemResolver::builder()
        .name_server(address)
        .timeout(Duration::from_secs(2))
        .attempts(1)
        .build()
        .expect("resolver configures")
}

async fn guarded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, future)
        .await
        .expect("lookup hung")
}

#[tokio::test]
async fn multi_string_txt_keeps_every_string_and_the_ttl() {
    let dns = resolver(server().await);
    let answer = guarded(dns.txt("multi.example.com")).await.unwrap();

    assert_eq!(answer.ttl, 120);
    assert_eq!(answer.authentic, Some(false));
    let strings: Vec<&[u8]> = answer.records[0].strings().collect();
    assert_eq!(
        strings,
        [&b"first"[..], b"second", b"", b"fourth \"quoted\""]
    );

    let spf = guarded(dns.txt("example.com")).await.unwrap();
    assert_eq!(&*spf.records[0].concat(), b"v=spf1 ip4:192.0.2.0/24 -all");
}

#[tokio::test]
async fn txt_answer_too_big_for_udp_arrives_over_tcp() {
    let dns = resolver(server().await);
    let answer = guarded(dns.txt("big.example.com")).await.unwrap();

    let strings: Vec<&[u8]> = answer.records[0].strings().collect();
    assert_eq!(strings.len(), 16);
    assert_eq!(answer.records[0].concat().len(), 16 * 250);
    assert!(strings[15].iter().all(|&b| b == b'p'));
}

#[tokio::test]
async fn nxdomain_and_nodata_are_told_apart() {
    let dns = resolver(server().await);

    let missing = guarded(dns.a("nope.example.com")).await.unwrap_err();
    assert_eq!(
        missing,
        DnsError::NxDomain {
            name: "nope.example.com".into(),
            rtype: RecordType::A
        }
    );

    let no_txt = guarded(dns.txt("mx1.example.com")).await.unwrap_err();
    assert_eq!(
        no_txt,
        DnsError::NoData {
            name: "mx1.example.com".into(),
            rtype: RecordType::Txt
        }
    );
    assert!(missing.is_void() && no_txt.is_void());
}

#[tokio::test]
async fn mx_answers_keep_preference_and_exchange() {
    let dns = resolver(server().await);
    let answer = guarded(dns.mx("example.com")).await.unwrap();
    let mut records = answer.records.to_vec();
    records.sort_by_key(|mx| mx.preference);

    let pairs: Vec<_> = records
        .iter()
        .map(|mx| (mx.preference, mx.exchange.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [(10, "mx1.example.com"), (50, "legacy.old-vendor.example")]
    );

    let null = guarded(dns.mx("nullmx.example.com")).await.unwrap();
    assert!(null.records[0].is_null());
}

#[tokio::test]
async fn aaaa_a_and_cname_chains_resolve() {
    let dns = resolver(server().await);

    let v6 = guarded(dns.aaaa("mx1.example.com")).await.unwrap();
    assert_eq!(
        *v6.records,
        ["2001:db8::25".parse::<std::net::Ipv6Addr>().unwrap()]
    );

    let via_alias = guarded(dns.a("alias.example.com")).await.unwrap();
    assert_eq!(
        *via_alias.records,
        ["192.0.2.25".parse::<std::net::Ipv4Addr>().unwrap()]
    );
}

#[tokio::test]
async fn ptr_lookups_use_reverse_names_for_both_families() {
    let dns = resolver(server().await);

    let v4: IpAddr = "192.0.2.25".parse().unwrap();
    let mut names = guarded(dns.ptr(v4)).await.unwrap().records.to_vec();
    names.sort();
    assert_eq!(names, ["mail.example.com", "mx1.example.com"]);

    let v6: IpAddr = "2001:db8::25".parse().unwrap();
    assert_eq!(
        *guarded(dns.ptr(v6)).await.unwrap().records,
        ["mx1.example.com"]
    );
}

#[tokio::test]
async fn refused_query_is_a_server_failure() {
    let dns = resolver(server().await);
    let error = guarded(dns.txt("outside.example.net")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ServerFailure, "{error}");
    assert!(error.is_temporary());
}

#[tokio::test]
async fn invalid_names_are_refused_before_asking() {
    let dns = resolver(support::start_black_hole().await);
    let started = Instant::now();
    let error = guarded(dns.txt("a..example.com")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidName);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "asked the black hole"
    );
}

#[tokio::test]
async fn silent_server_times_out_within_the_configured_time() {
    let dns = SystemResolver::builder()
        .name_server(support::start_black_hole().await)
        .timeout(Duration::from_millis(300))
        .attempts(1)
        .build()
        .unwrap();

    let started = Instant::now();
    let error = guarded(dns.txt("example.com")).await.unwrap_err();
    let elapsed = started.elapsed();

    assert_eq!(
        error,
        DnsError::Timeout {
            name: "example.com".into(),
            rtype: RecordType::Txt
        }
    );
    assert!(
        elapsed >= Duration::from_millis(250),
        "gave up early: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "took {elapsed:?} for a 300 ms timeout"
    );
}

/// Every question the replay test asks, by type and name.
const QUESTIONS: &[(RecordType, &str)] = &[
    (RecordType::Txt, "example.com"),
    (RecordType::Txt, "multi.example.com"),
    (RecordType::Txt, "big.example.com"),
    (RecordType::Txt, "mx1.example.com"),
    (RecordType::Txt, "outside.example.net"),
    (RecordType::A, "mx1.example.com"),
    (RecordType::A, "alias.example.com"),
    (RecordType::A, "nope.example.com"),
    (RecordType::A, "legacy.old-vendor.example"),
    (RecordType::Aaaa, "mx1.example.com"),
    (RecordType::Aaaa, "example.com"),
    (RecordType::Mx, "example.com"),
    (RecordType::Mx, "nullmx.example.com"),
    (RecordType::Mx, "mx1.example.com"),
    (RecordType::Ptr, "192.0.2.25"),
    (RecordType::Ptr, "2001:db8::25"),
    (RecordType::Ptr, "192.0.2.99"),
];

async fn ask_all<R: Resolver>(dns: &R) -> Vec<Result<Answer<RecordData>, DnsError>> {
    let mut outcomes = Vec::new();
    for (rtype, name) in QUESTIONS {
        outcomes.push(guarded(lookup(dns, *rtype, name)).await);
    }
    outcomes
}

#[tokio::test]
async fn recording_replays_identical_answers_and_errors() {
    let recorder = RecordingResolver::new(resolver(server().await));
    let live = ask_all(&recorder).await;

    let kinds: Vec<_> = live
        .iter()
        .map(|o| o.as_ref().err().map(DnsError::kind))
        .collect();
    assert!(kinds.contains(&Some(ErrorKind::NxDomain)));
    assert!(kinds.contains(&Some(ErrorKind::NoData)));
    assert!(kinds.contains(&Some(ErrorKind::ServerFailure)));
    assert!(kinds.contains(&None));

    let file = recorder.to_master_file();
    let replay: ZoneResolver = file.parse().unwrap_or_else(|e| panic!("{e}\n{file}"));
    assert_eq!(
        ask_all(&replay).await,
        live,
        "replay differs; master file:\n{file}"
    );
}

#[tokio::test]
async fn recorded_timeouts_replay_as_timeouts() {
    let dns = SystemResolver::builder()
        .name_server(support::start_black_hole().await)
        .timeout(Duration::from_millis(200))
        .attempts(1)
        .build()
        .unwrap();
    let recorder = RecordingResolver::new(dns);
    let live = guarded(recorder.mx("slow.example.com")).await;

    let file = recorder.to_master_file();
    assert!(file.contains(";@ slow.example.com. MX timeout"), "{file}");
    let replay: ZoneResolver = file.parse().unwrap();
    assert_eq!(replay.mx("slow.example.com").await, live);
}
