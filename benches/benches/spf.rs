//! One SPF evaluation answered from memory: mailtrail-spf beside mail-auth's
//! SPF, on the same records in the same run.
//!
//! `example.com` includes `_spf.example.com`, which includes three netblock
//! records of ten `ip4`/`ip6` terms each; the client passes in the third.
//! That is five TXT lookups and 33 terms. mailtrail-spf receives the TXT
//! strings from a map and parses them on every evaluation; mail-auth reads
//! records it parsed beforehand from its resolver cache. Both futures
//! complete on their first poll, so both are driven by the same trivial
//! executor and no runtime cost is measured.
//!
//! The `memory-resolver-answers-only` entry asks the map for the five TXT
//! answers and drops them, without SPF: the part of the mailtrail-spf time
//! that is the resolver's. Every answer is a clone of the stored one, as
//! the `Resolver` trait of mailtrail-dns returns them: its records are
//! shared, so the clone copies a pointer, as mail-auth's cache does.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::spf::Spf;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{MessageAuthenticator, Parameters};

use mailtrail_benches::{MailAuthCache, MemoryResolver, mail_auth_authenticator, ready};
use mailtrail_dns::{Resolver, Txt, ZoneResolver};
use mailtrail_spf::{SpfResult, Verifier};

/// The records, TXT strings as a publisher would split them.
const RECORDS: &[(&str, &[&str])] = &[
    ("example.com", &["v=spf1 include:_spf.example.com -all"]),
    (
        "_spf.example.com",
        &[
            "v=spf1 include:_netblocks1.example.com include:_netblocks2.example.com ",
            "include:_netblocks3.example.com ~all",
        ],
    ),
    (
        "_netblocks1.example.com",
        &[
            "v=spf1 ip4:192.0.2.0/28 ip4:192.0.2.16/28 ip4:192.0.2.32/28 ip4:192.0.2.48/28 ",
            "ip4:192.0.2.64/28 ip6:2001:db8:1::/48 ip6:2001:db8:2::/48 ip6:2001:db8:3::/48 ",
            "ip6:2001:db8:4::/48 ip6:2001:db8:5::/48 ~all",
        ],
    ),
    (
        "_netblocks2.example.com",
        &[
            "v=spf1 ip4:198.51.100.0/28 ip4:198.51.100.16/28 ip4:198.51.100.32/28 ",
            "ip4:198.51.100.48/28 ip4:198.51.100.64/28 ip6:2001:db8:10::/48 ip6:2001:db8:11::/48 ",
            "ip6:2001:db8:12::/48 ip6:2001:db8:13::/48 ip6:2001:db8:14::/48 ~all",
        ],
    ),
    (
        "_netblocks3.example.com",
        &[
            "v=spf1 ip6:2001:db8:20::/48 ip6:2001:db8:21::/48 ip6:2001:db8:22::/48 ",
            "ip6:2001:db8:23::/48 ip6:2001:db8:24::/48 ip4:203.0.113.0/28 ip4:203.0.113.16/28 ",
            "ip4:203.0.113.32/28 ip4:203.0.113.48/28 ip4:203.0.113.64/28 ~all",
        ],
    ),
];

/// The client: in the fourth `ip4` network of the third netblock record.
const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 50));
const SENDER: &str = "alice@example.com";
const HELO: &str = "mail.example.com";

fn spf(criterion: &mut Criterion) {
    let memory = MemoryResolver::new(RECORDS);
    let zone = zone_resolver();
    let authenticator = mail_auth_authenticator();
    let cache = mail_auth_cache();

    assert_eq!(mailtrail(&memory), SpfResult::Pass);
    assert_eq!(mailtrail(&zone), SpfResult::Pass);
    assert_eq!(
        mail_auth(&authenticator, &cache),
        mail_auth::SpfResult::Pass
    );

    let mut group = criterion.benchmark_group("spf-include-chain");
    group.bench_function("mailtrail-spf", |bencher| {
        bencher.iter(|| mailtrail(black_box(&memory)));
    });
    group.bench_function("mail-auth", |bencher| {
        bencher.iter(|| mail_auth(black_box(&authenticator), black_box(&cache)));
    });
    group.bench_function("mailtrail-spf-zone-resolver", |bencher| {
        bencher.iter(|| mailtrail(black_box(&zone)));
    });
    group.bench_function("memory-resolver-answers-only", |bencher| {
        bencher.iter(|| answers_only(black_box(&memory)));
    });
    group.finish();
}

/// The five TXT answers one evaluation asks for, fetched and dropped: the
/// share of the mailtrail-spf time that is the resolver's, not SPF's.
fn answers_only(resolver: &MemoryResolver) -> usize {
    let names = RECORDS.iter().map(|(name, _)| *name);
    names
        .map(|name| ready(resolver.txt(name)).map_or(0, |answer| answer.records.len()))
        .sum()
}

/// One MAIL FROM check with mailtrail-spf.
fn mailtrail<R: Resolver>(resolver: &R) -> SpfResult {
    let verifier = Verifier::new(resolver);
    let check = ready(verifier.verify_mail_from(CLIENT, Some(HELO), SENDER));
    check.outcome.result
}

/// One MAIL FROM check with mail-auth.
fn mail_auth(authenticator: &MessageAuthenticator, cache: &MailAuthCache) -> mail_auth::SpfResult {
    let parameters = SpfParameters::verify_mail_from(CLIENT, HELO, "mx.example.net", SENDER);
    let parameters = Parameters::new(parameters).with_txt_cache(cache);
    ready(authenticator.verify_spf(parameters)).result()
}

/// The same records in mailtrail-dns's zone resolver, for comparison.
fn zone_resolver() -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    for (name, strings) in RECORDS {
        let data = mailtrail_dns::RecordData::Txt(Txt::new(strings.iter().copied()));
        zone.insert(name, 300, data).expect("a valid name");
    }
    zone
}

/// mail-auth's TXT cache, filled with the records parsed once.
fn mail_auth_cache() -> MailAuthCache {
    MailAuthCache::new(RECORDS.iter().map(|(name, strings)| {
        let record = Spf::parse(strings.concat().as_bytes()).expect("mail-auth parses it");
        (format!("{name}."), mail_auth::Txt::Spf(Arc::new(record)))
    }))
}

criterion_group!(benches, spf);
criterion_main!(benches);
