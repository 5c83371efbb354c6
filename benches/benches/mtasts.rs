//! MTA-STS: parsing a 115-byte policy file, matching an MX set against it,
//! and parsing the `_mta-sts` record beside mail-auth's parser of the same
//! record in the same run.
//!
//! mail-auth 0.13.3 reads only the TXT record, not the policy file, and no
//! other Rust library in this workspace parses policies, so the policy
//! parse has no peer here; its goal is absolute (150 ns).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::mta_sts::MtaSts;

use mailtrail_mtasts::{Mode, Policy, StsRecord};

/// A 115-byte policy: two MX hosts, a wildcard, CRLF line ends.
const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\n\
                      mx: *.backup.example.net\r\nmax_age: 86400\r\n";

/// The domain's MX set: two covered hosts, one covered by the wildcard and
/// a ghost MX the policy does not cover.
const MX: [(u16, &str); 4] = [
    (10, "mx1.example.com."),
    (10, "MX2.example.com."),
    (20, "eu.backup.example.net."),
    (50, "mta.old-vendor.example.com."),
];

const RECORD: &str = "v=STSv1; id=20160831085700Z;";

fn mtasts(criterion: &mut Criterion) {
    assert_eq!(POLICY.len(), 115);
    let policy = Policy::parse(POLICY).expect("the bench policy parses");
    assert_eq!((policy.mode, policy.mx.len()), (Mode::Enforce, 3));
    let allowed: Vec<bool> = policy
        .check_mx(MX)
        .iter()
        .map(|verdict| verdict.allowed)
        .collect();
    assert_eq!(allowed, [true, true, true, false]);

    let mut group = criterion.benchmark_group("mtasts-policy");
    group.bench_function("parse-mailtrail", |bencher| {
        bencher.iter(|| Policy::parse(black_box(POLICY)).is_ok());
    });
    group.bench_function("match-mx-set-mailtrail", |bencher| {
        bencher.iter(|| black_box(&policy).check_mx(black_box(MX)));
    });
    group.bench_function("parse-and-match-mailtrail", |bencher| {
        bencher.iter(|| {
            let policy = Policy::parse(black_box(POLICY)).expect("parses");
            MX.iter().filter(|(_, host)| policy.allows(host)).count()
        });
    });
    group.finish();

    assert_eq!(
        StsRecord::parse(RECORD).expect("parses").id,
        "20160831085700Z"
    );
    assert_eq!(
        MtaSts::parse(RECORD.as_bytes()).expect("parses").id,
        "20160831085700Z"
    );
    let mut group = criterion.benchmark_group("mtasts-record-parse");
    group.bench_function("mailtrail-mtasts", |bencher| {
        bencher.iter(|| StsRecord::parse(black_box(RECORD)).is_ok());
    });
    group.bench_function("mail-auth", |bencher| {
        bencher.iter(|| MtaSts::parse(black_box(RECORD.as_bytes())).is_ok());
    });
    group.finish();
}

criterion_group!(benches, mtasts);
criterion_main!(benches);
