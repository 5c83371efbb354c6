//! DMARC beside mail-auth's, same record and same outcomes in the same run:
//! parsing a 185-byte record, and one evaluation with the record already
//! fetched and the SPF and DKIM outcomes given.
//!
//! The evaluation: From `example.com`, SPF pass for `bounce.example.com`
//! (relaxed alignment, so the organizational domain of the bounce domain is
//! found by the RFC 9989 tree walk), DKIM pass for `example.com`. mailtrail
//! asks a `MemoryResolver` holding the record's text (every other name
//! NXDOMAIN) and parses it on every evaluation, without its explanation, and
//! then with it (reasons and tree-walk trace), and once more with a
//! `ZoneResolver`; mail-auth reads the record it parsed beforehand, and the
//! negative answers, from its cache. Both futures complete on their first
//! poll.
//!
//! `mailtrail-dmarc-known-records` is mailtrail's equivalent of that cache:
//! the three `_dmarc` names the evaluation asks (the record, and the two
//! names without one) fetched once into `KnownRecords` beforehand, so the
//! evaluation neither asks the resolver nor parses the record.
//! `memory-resolver-answers-only` asks the memory resolver for those three
//! names and drops the answers, without DMARC: the part of the
//! `mailtrail-dmarc` time that is the resolver's (an owned answer, or an
//! owned NXDOMAIN error naming the name, as the `Resolver` trait returns
//! them).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::dkim::Signature;
use mail_auth::dmarc::Dmarc;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::{AuthenticatedMessage, DkimOutput, MessageAuthenticator, Parameters, SpfOutput};

use mailtrail_benches::{MailAuthCache, MemoryResolver, mail_auth_authenticator, ready};
use mailtrail_dkim::DkimResult;
use mailtrail_dmarc::{Authentication, DmarcResult, Evaluator, KnownRecords, Record, SpfIdentity};
use mailtrail_dns::{RecordData, Resolver, Txt, ZoneResolver};
use mailtrail_spf::SpfResult;

/// The `_dmarc` names one evaluation asks, without `_dmarc.`: the author
/// domain (the record), the top-level domain and the SPF domain (none).
const NAMES: [&str; 3] = ["example.com", "com", "bounce.example.com"];

/// A 185-byte record using most tags.
const RECORD: &str = "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=r; aspf=r; fo=1:d:s; \
                      rua=mailto:dmarc-reports@example.com,mailto:dmarc@thirdparty.example.net!10m; \
                      ruf=mailto:auth@example.com; ri=60";

const MESSAGE: &[u8] = b"From: Billing <billing@example.com>\r\nTo: a@example.net\r\n\
                         Subject: invoice\r\n\r\nbody\r\n";

fn dmarc(criterion: &mut Criterion) {
    assert_eq!(RECORD.len(), 185);
    let mut group = criterion.benchmark_group("dmarc-record-parse");
    group.bench_function("mailtrail-dmarc", |bencher| {
        bencher.iter(|| Record::parse(black_box(RECORD)).is_ok());
    });
    group.bench_function("mail-auth", |bencher| {
        bencher.iter(|| Dmarc::parse(black_box(RECORD.as_bytes())).is_ok());
    });
    group.finish();

    let zone = zone();
    let memory = MemoryResolver::new(&[("_dmarc.example.com", &[RECORD])]);
    let authenticator = mail_auth_authenticator();
    let cache = mail_auth_cache();
    let message = AuthenticatedMessage::parse(MESSAGE).expect("mail-auth reads the message");
    let signature = Signature {
        d: "example.com".to_owned(),
        ..Signature::default()
    };
    let dkim = [DkimOutput::pass().with_signature(&signature)];
    let spf =
        SpfOutput::new("bounce.example.com".to_owned()).with_result(mail_auth::SpfResult::Pass);

    let mut known = KnownRecords::new();
    for name in NAMES {
        ready(known.fetch(&memory, name));
    }
    assert_eq!(mailtrail(&zone, true), DmarcResult::Pass);
    assert_eq!(mailtrail(&memory, false), DmarcResult::Pass);
    assert_eq!(mailtrail_known(&zone, &known), DmarcResult::Pass);
    let peer = mail_auth(&authenticator, &cache, &message, &dkim, &spf);
    assert_eq!(
        peer,
        (mail_auth::DmarcResult::Pass, mail_auth::DmarcResult::Pass)
    );

    let mut group = criterion.benchmark_group("dmarc-evaluate");
    group.bench_function("mailtrail-dmarc", |bencher| {
        bencher.iter(|| mailtrail(black_box(&memory), false));
    });
    group.bench_function("mailtrail-dmarc-explained", |bencher| {
        bencher.iter(|| mailtrail(black_box(&memory), true));
    });
    group.bench_function("mailtrail-dmarc-zone-resolver", |bencher| {
        bencher.iter(|| mailtrail(black_box(&zone), false));
    });
    group.bench_function("mailtrail-dmarc-known-records", |bencher| {
        bencher.iter(|| mailtrail_known(black_box(&zone), black_box(&known)));
    });
    group.bench_function("memory-resolver-answers-only", |bencher| {
        bencher.iter(|| answers_only(black_box(&memory)));
    });
    group.bench_function("mail-auth", |bencher| {
        bencher.iter(|| mail_auth(&authenticator, black_box(&cache), &message, &dkim, &spf));
    });
    group.finish();
}

/// One evaluation with mailtrail-dmarc, with or without its explanation
/// (reasons and tree-walk trace).
fn mailtrail<R: Resolver>(resolver: &R, explain: bool) -> DmarcResult {
    let auth = Authentication::new()
        .with_spf(SpfResult::Pass, "bounce.example.com", SpfIdentity::MailFrom)
        .with_dkim(DkimResult::Pass, "example.com");
    let evaluator = Evaluator::new(resolver).with_explanation(explain);
    ready(evaluator.evaluate(&["example.com"], &auth)).result
}

/// One evaluation with mailtrail-dmarc and the `_dmarc` records it asks
/// already known, without its explanation; `resolver` is never asked.
fn mailtrail_known<R: Resolver>(resolver: &R, known: &KnownRecords) -> DmarcResult {
    let auth = Authentication::new()
        .with_spf(SpfResult::Pass, "bounce.example.com", SpfIdentity::MailFrom)
        .with_dkim(DkimResult::Pass, "example.com");
    let evaluator = Evaluator::new(resolver)
        .with_known_records(known)
        .with_explanation(false);
    ready(evaluator.evaluate(&["example.com"], &auth)).result
}

/// The three TXT answers one evaluation asks for, fetched and dropped: the
/// share of the `mailtrail-dmarc` time that is the resolver's.
fn answers_only(resolver: &MemoryResolver) -> usize {
    NAMES
        .iter()
        .map(|name| {
            let name = format!("_dmarc.{name}");
            ready(resolver.txt(&name)).map_or(0, |answer| answer.records.len())
        })
        .sum()
}

/// One evaluation with mail-auth: its SPF and DKIM results.
fn mail_auth(
    authenticator: &MessageAuthenticator,
    cache: &MailAuthCache,
    message: &AuthenticatedMessage<'_>,
    dkim: &[DkimOutput<'_>],
    spf: &SpfOutput,
) -> (mail_auth::DmarcResult, mail_auth::DmarcResult) {
    let parameters = DmarcParameters::new(message, dkim, "bounce.example.com", spf);
    let output =
        ready(authenticator.verify_dmarc(Parameters::new(parameters).with_txt_cache(cache)));
    (output.spf_result().clone(), output.dkim_result().clone())
}

/// The record in mailtrail's zone resolver; every other name is NXDOMAIN.
fn zone() -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    zone.insert(
        "_dmarc.example.com",
        300,
        RecordData::Txt(Txt::new([RECORD])),
    )
    .expect("a valid name");
    zone
}

/// mail-auth's TXT cache: the record parsed once, and the names its walks
/// ask that have no record.
fn mail_auth_cache() -> MailAuthCache {
    let record = Dmarc::parse(RECORD.as_bytes()).expect("mail-auth parses it");
    let found = (
        "_dmarc.example.com.".to_owned(),
        mail_auth::Txt::Dmarc(Arc::new(record)),
    );
    let missing = ["_dmarc.com.", "_dmarc.bounce.example.com."].map(|name| {
        let error = mail_auth::DnsError::RecordNotFound(
            mail_auth::hickory_resolver::proto::op::ResponseCode::NXDomain,
        );
        (
            name.to_owned(),
            mail_auth::Txt::Error(mail_auth::Error::Dns(error)),
        )
    });
    MailAuthCache::new(std::iter::once(found).chain(missing))
}

criterion_group!(benches, dmarc);
criterion_main!(benches);
