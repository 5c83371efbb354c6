//! Hostile sizes: a huge `l=`, a 1 MB header field, thousands of `h=`
//! names, thousands of signatures. Each test asserts on results and counts
//! (what was looked up, what was evaluated), never on time.

use mailtrail_dkim::{
    Cause, DkimResult, DkimVerification, SignatureError, Signer, SigningKey, VerifyOptions, verify,
};
use mailtrail_dns::{RecordData, Txt, ZoneResolver};
use mailtrail_testkit::CountingResolver;

const NOW: u64 = 1_700_000_000;

const MESSAGE: &str = "From: a@example.com\r\nSubject: hi\r\n\r\nHello.\r\n";

fn key() -> SigningKey {
    SigningKey::from_ed25519_seed(&[21; 32]).expect("a seed")
}

fn resolver(key: &SigningKey) -> CountingResolver {
    let mut zone = ZoneResolver::new();
    let record = RecordData::Txt(Txt::new([key.public_key_record()]));
    zone.insert("big._domainkey.example.com", 300, record)
        .expect("a valid name");
    CountingResolver::new(zone)
}

fn run<'m>(
    dns: &CountingResolver,
    message: &'m [u8],
    options: &VerifyOptions,
) -> DkimVerification<'m> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(verify(dns, message, options))
}

#[test]
fn a_huge_body_length_is_refused_without_hashing_past_the_body() {
    let key = key();
    let signer = Signer::new(&key, "example.com", "big")
        .unwrap()
        .body_length(true);
    let field = signer.sign(MESSAGE.as_bytes(), NOW).unwrap();
    let huge = field.replacen("l=8;", &format!("l={};", "9".repeat(76)), 1);
    assert_ne!(huge, field, "the field had l=8");

    let message = [huge.as_bytes(), MESSAGE.as_bytes()].concat();
    let verification = run(&resolver(&key), &message, &VerifyOptions::new(NOW));

    let outcome = &verification.outcomes[0];
    assert_eq!(outcome.result, DkimResult::PermError);
    assert_eq!(
        outcome.cause,
        Some(Cause::BodyLengthExceedsBody {
            body_length: u64::MAX,
            canonical_length: 8
        })
    );
}

#[test]
fn a_one_megabyte_header_field_is_signed_and_verified() {
    let key = key();
    let line = format!("{}\r\n", "a".repeat(76));
    let folded: String = std::iter::repeat_n(format!(" {line}"), 1 << 20 >> 6).collect();
    let message = format!("X-Big:{folded}{MESSAGE}");
    assert!(message.len() > 1 << 20);

    let signer = Signer::new(&key, "example.com", "big")
        .unwrap()
        .headers(["From", "X-Big"]);
    let field = signer.sign(message.as_bytes(), NOW).unwrap();
    let signed = [field.as_bytes(), message.as_bytes()].concat();
    let dns = resolver(&key);

    let verification = run(&dns, &signed, &VerifyOptions::new(NOW));
    assert_eq!(verification.result(), DkimResult::Pass);

    let changed = String::from_utf8(signed)
        .unwrap()
        .replacen(" aaaa", " aaab", 1);
    let verification = run(&dns, changed.as_bytes(), &VerifyOptions::new(NOW));
    assert_eq!(
        verification.outcomes[0].cause,
        Some(Cause::SignatureMismatch)
    );
}

#[test]
fn a_one_megabyte_signature_field_is_an_error_not_a_crash() {
    let junk = format!(
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=big; h=from; bh=AAAA; z={}\r\n",
        "x".repeat(1 << 20)
    );
    let message = [junk.as_bytes(), MESSAGE.as_bytes()].concat();
    let dns = resolver(&key());

    let verification = run(&dns, &message, &VerifyOptions::new(NOW));
    let outcome = &verification.outcomes[0];
    assert_eq!(
        outcome.cause,
        Some(Cause::Signature(SignatureError::MissingTag { tag: "b" }))
    );
    assert_eq!(outcome.signing_domain, Some("example.com"));
    assert_eq!(dns.txt_lookups(), 0, "no key is fetched for it");
}

#[test]
fn thousands_of_signed_header_names_are_selected_in_linear_time() {
    let key = key();
    let mut names = vec!["From".to_owned()];
    names.extend((0..5000).map(|index| format!("X-Absent-{}", index % 97)));
    let signer = Signer::new(&key, "example.com", "big")
        .unwrap()
        .headers(names);
    let message = MESSAGE.as_bytes();
    let field = signer.sign(message, NOW).unwrap();
    let signed = [field.as_bytes(), message].concat();

    let verification = run(&resolver(&key), &signed, &VerifyOptions::new(NOW));
    let outcome = &verification.outcomes[0];
    assert_eq!(outcome.result, DkimResult::Pass);
    assert_eq!(
        outcome.signature.as_ref().unwrap().signed_headers.len(),
        5001
    );
}

#[test]
fn thousands_of_signatures_are_capped_and_share_one_key_lookup() {
    let key = key();
    let field = Signer::new(&key, "example.com", "big")
        .unwrap()
        .sign(MESSAGE.as_bytes(), NOW)
        .unwrap();
    let message = [field.repeat(5000).as_bytes(), MESSAGE.as_bytes()].concat();
    let dns = resolver(&key);

    let verification = run(&dns, &message, &VerifyOptions::new(NOW));
    assert_eq!(verification.outcomes.len(), 5000, "one outcome per field");
    let passed = verification.passing().count();
    let capped = verification
        .outcomes
        .iter()
        .filter(|outcome| outcome.cause == Some(Cause::NotEvaluated { limit: 10 }))
        .count();
    assert_eq!((passed, capped), (10, 4990));
    assert_eq!(dns.txt_lookups(), 1, "the key is fetched once");
    assert_eq!(verification.outcomes[4999].selector, Some("big"));

    let wider = VerifyOptions::new(NOW).max_signatures(100);
    let verification = run(&dns, &message, &wider);
    assert_eq!(verification.passing().count(), 100);
}

#[test]
fn a_body_of_a_million_empty_lines_hashes_to_the_empty_body() {
    let key = key();
    let empty = MESSAGE.replace("Hello.\r\n", "");
    let field = Signer::new(&key, "example.com", "big")
        .unwrap()
        .sign(empty.as_bytes(), NOW)
        .unwrap();
    let padded = format!("{field}{empty}{}", "\r\n".repeat(1_000_000));

    let verification = run(&resolver(&key), padded.as_bytes(), &VerifyOptions::new(NOW));
    let outcome = &verification.outcomes[0];
    assert_eq!(outcome.result, DkimResult::Pass);
    assert_eq!(outcome.canonical_body_length, Some(0));
}
