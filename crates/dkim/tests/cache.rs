//! The key cache: a key record is fetched once while its TTL lasts, fetched
//! again after, and an unanswered lookup is never kept.

use mailtrail_dkim::{
    Cause, DkimResult, DkimVerification, KeyCache, Signer, SigningKey, VerifyOptions, verify_cached,
};
use mailtrail_dns::{RecordData, Txt, ZoneResolver};
use mailtrail_testkit::CountingResolver;

const NOW: u64 = 1_700_000_000;

const MESSAGE: &[u8] = b"From: a@example.com\r\nSubject: hi\r\n\r\nHello.\r\n";

/// A message signed at `NOW` with selector `sel`, and a resolver that
/// publishes `record` there with a TTL of 300 seconds.
fn signed_and_published(record: Option<&str>) -> (Vec<u8>, CountingResolver) {
    let key = SigningKey::from_ed25519_seed(&[33; 32]).expect("a seed");
    let field = Signer::new(&key, "example.com", "sel")
        .unwrap()
        .sign(MESSAGE, NOW)
        .unwrap();

    let mut zone = ZoneResolver::new();
    let record = record.map_or_else(|| key.public_key_record(), str::to_owned);
    zone.insert(
        "sel._domainkey.example.com",
        300,
        RecordData::Txt(Txt::new([record])),
    )
    .expect("a valid name");
    let dns = CountingResolver::new(zone);
    ([field.as_bytes(), MESSAGE].concat(), dns)
}

fn run<'m>(
    dns: &CountingResolver,
    message: &'m [u8],
    now: u64,
    cache: &KeyCache,
) -> DkimVerification<'m> {
    let options = VerifyOptions::new(now).clock_skew(std::time::Duration::from_secs(3600));
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(verify_cached(dns, message, &options, cache))
}

#[test]
fn a_key_is_fetched_once_while_its_ttl_lasts_and_again_after() {
    let (message, dns) = signed_and_published(None);
    let cache = KeyCache::default();

    for now in [NOW, NOW + 100, NOW + 299] {
        assert_eq!(run(&dns, &message, now, &cache).result(), DkimResult::Pass);
    }
    assert_eq!(dns.txt_lookups(), 1);

    assert_eq!(
        run(&dns, &message, NOW + 300, &cache).result(),
        DkimResult::Pass
    );
    assert_eq!(dns.txt_lookups(), 2, "the TTL ran out");
}

#[test]
fn an_unusable_key_record_is_kept_with_its_cause() {
    let (message, dns) = signed_and_published(Some("v=DKIM1; k=ed25519; p=AAAA"));
    let cache = KeyCache::default();

    for _ in 0..2 {
        let verification = run(&dns, &message, NOW, &cache);
        let cause = verification.outcomes[0].cause.clone();
        assert!(matches!(cause, Some(Cause::KeyRecord(_))), "{cause:?}");
    }
    assert_eq!(dns.txt_lookups(), 1);
}

#[test]
fn a_missing_key_is_asked_for_every_time() {
    let (message, _) = signed_and_published(None);
    let dns = CountingResolver::new(ZoneResolver::new());
    let cache = KeyCache::default();

    for _ in 0..2 {
        let verification = run(&dns, &message, NOW, &cache);
        assert!(matches!(
            verification.outcomes[0].cause,
            Some(Cause::KeyNotFound { .. })
        ));
    }
    assert_eq!(dns.txt_lookups(), 2);
    assert!(cache.is_empty());
}
