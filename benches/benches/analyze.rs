//! The whole forensic analysis of the realistic message, DNS answered from
//! memory and the DKIM key known, beside the DKIM verification it contains.
//!
//! The message is signed again with the test RSA-2048 key, whose parsed
//! key the analyzer keeps in its key cache (the key is known). Three
//! measures:
//! the full analysis; the same message without its signature (every step
//! but the cryptography: headers, chain, boundary, MX classification,
//! Authentication-Results, SPF, DMARC, findings); and DKIM verification
//! alone. Every future completes on its first poll.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use mailtrail::{Analyzer, Code, OrganisationView};
use mailtrail_benches::{REALISTIC_MESSAGE, ready, sign_again, without_signature};
use mailtrail_dkim::{KeyCache, VerifyOptions, verify_cached};
use mailtrail_dns::{RecordData, ZoneResolver};
use mailtrail_mtasts::{Discovery, MemoryCache, StaticFetcher};

const RSA_KEY: &str = include_str!("../../crates/dkim/tests/data/test-only-rsa2048.pem");

/// The DNS of the message's domains: the recipient's gateway and policy,
/// the sender's SPF, DMARC and (added below) DKIM key.
const ZONE: &str = r#"
$TTL 300
example.com.              MX  10 mx1.gateway.example.com.
mx1.gateway.example.com.  A   203.0.113.40
_mta-sts.example.com.     TXT "v=STSv1; id=20240301"
_dmarc.example.com.       TXT "v=DMARC1; p=reject"
example.org.              TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.example.org.       TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.org"
"#;

const POLICY: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: *.gateway.example.com\r\nmax_age: 604800\r\n";

/// Signing time: the message's own date.
const NOW: u64 = 1_710_234_862;

fn analyze(criterion: &mut Criterion) {
    let (signed, record) = sign_again(RSA_KEY, NOW);
    let unsigned = without_signature(REALISTIC_MESSAGE);
    let mut zone: ZoneResolver = ZONE.parse().expect("the zone parses");
    zone.insert("bench._domainkey.example.org", 300, RecordData::Txt(record))
        .expect("a valid name");
    let mut fetcher = StaticFetcher::new();
    fetcher.insert("example.com", POLICY);
    let discovery = Discovery::new(&zone, fetcher, MemoryCache::new());

    let now = Timestamp::from_second(NOW as i64 + 60).expect("a valid time");
    let organisation = OrganisationView::new()
        .with_domain("example.com")
        .with_internal("*.example.com")
        .expect("a valid pattern")
        .with_trusted_id("mx1.gateway.example.com");
    let keys = KeyCache::default();
    let analyzer = Analyzer::new(&zone, &discovery, now)
        .with_organisation(organisation)
        .with_key_cache(&keys);

    let report = ready(analyzer.analyze(&signed));
    let codes: Vec<Code> = report.findings.iter().map(|finding| finding.code).collect();
    assert_eq!(
        report.dkim.outcomes[0].result,
        mailtrail_dkim::DkimResult::Pass,
        "{codes:?}"
    );
    assert_eq!(
        report.entry.as_ref().map(|entry| entry.classification),
        Some(mailtrail::EntryClass::PrimaryMx),
        "{:?}",
        report.no_entry
    );
    drop(report);

    let options = VerifyOptions::new(NOW + 60);
    let mut group = criterion.benchmark_group("analyze");
    group.bench_function("whole-analysis", |bencher| {
        bencher.iter(|| ready(analyzer.analyze(black_box(&signed))).findings.len());
    });
    group.bench_function("without-cryptography", |bencher| {
        bencher.iter(|| ready(analyzer.analyze(black_box(&unsigned))).findings.len());
    });
    group.bench_function("dkim-verification-alone", |bencher| {
        bencher.iter(|| {
            ready(verify_cached(&zone, black_box(&signed), &options, &keys))
                .outcomes
                .len()
        });
    });
    group.finish();
}

criterion_group!(benches, analyze);
criterion_main!(benches);
