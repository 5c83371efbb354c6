//! Verification end to end: each cause a signature can fail with, the order
//! in which failures lead, the policy helpers, and a key served by a real
//! DNS server on loopback.

use std::time::Duration;

use mailtrail_dkim::{
    Algorithm, Canonicalization, Cause, DkimResult, DkimVerification, KeyRecordError,
    SignatureError, Signer, SigningKey, VerifyOptions, verify,
};
use mailtrail_dns::{Failure, RecordData, RecordType, SystemResolver, Txt, ZoneResolver};

/// A time after the signatures of these tests.
const NOW: u64 = 1_700_000_000;

/// The message the tests sign.
const MESSAGE: &[u8] = b"From: Alice <alice@example.com>\r\n\
    To: bob@example.net\r\n\
    Subject: quarterly report\r\n\
    Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
    \r\n\
    Numbers attached.\r\n";

/// A 512-bit RSA public key (SubjectPublicKeyInfo), too short to use.
const SHORT_RSA_KEY: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKq6iJoYtLSwsHUeVbvwQp9aYlx8DAd8Upu9cCdSqjOQP+SgcwRUBtUzN1fE6OaGvIUy+ZukvNJKYBUKLPNOW4kCAwEAAQ==";

fn ed25519_key() -> SigningKey {
    SigningKey::from_pem(include_str!("data/test-only-ed25519.pem")).expect("test key")
}

fn rsa_key() -> SigningKey {
    SigningKey::from_pem(include_str!("data/test-only-rsa2048.pem")).expect("test key")
}

/// Prepends a signature made with `signer` at `NOW`.
fn signed(signer: &Signer<'_>, message: &[u8]) -> Vec<u8> {
    let field = signer.sign(message, NOW).expect("the message signs");
    [field.as_bytes(), message].concat()
}

/// A zone publishing `record` at `sel._domainkey.example.com`, in strings
/// of at most 255 octets as DNS carries them.
fn zone_with(record: &str) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    let data = RecordData::Txt(Txt::new(record.as_bytes().chunks(255).map(<[u8]>::to_vec)));
    zone.insert("sel._domainkey.example.com", 300, data)
        .expect("a valid name");
    zone
}

fn run<'m>(
    zone: &ZoneResolver,
    message: &'m [u8],
    options: &VerifyOptions,
) -> DkimVerification<'m> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(verify(zone, message, options))
}

/// The single outcome's result and cause.
fn single(verification: &DkimVerification<'_>) -> (DkimResult, Option<Cause>) {
    assert_eq!(verification.outcomes.len(), 1);
    let outcome = &verification.outcomes[0];
    (outcome.result, outcome.cause.clone())
}

#[test]
fn rsa_and_ed25519_signatures_pass_in_every_canonicalization() {
    for key in [rsa_key(), ed25519_key()] {
        let zone = zone_with(&key.public_key_record());
        for header in [Canonicalization::Simple, Canonicalization::Relaxed] {
            for body in [Canonicalization::Simple, Canonicalization::Relaxed] {
                let signer = Signer::new(&key, "example.com", "sel")
                    .unwrap()
                    .canonicalization(header, body);
                let message = signed(&signer, MESSAGE);
                let verification = run(&zone, &message, &VerifyOptions::new(NOW));

                let outcome = &verification.outcomes[0];
                assert_eq!(outcome.result, DkimResult::Pass, "{header}/{body}");
                assert_eq!(outcome.key_bits, Some(key.bits()));
                assert_eq!(outcome.body_hash_matches, Some(true));
            }
        }
    }
}

#[test]
fn a_changed_body_and_a_changed_header_field_are_told_apart() {
    let key = ed25519_key();
    let zone = zone_with(&key.public_key_record());
    let message = signed(&Signer::new(&key, "example.com", "sel").unwrap(), MESSAGE);

    let body_changed = [&message[..], b"P.S. unsigned line\r\n"].concat();
    let verification = run(&zone, &body_changed, &VerifyOptions::new(NOW));
    let outcome = &verification.outcomes[0];
    assert_eq!(outcome.cause, Some(Cause::BodyHashMismatch));
    assert_eq!(outcome.result, DkimResult::Fail);
    assert_eq!(
        outcome.signature_matches,
        Some(true),
        "the header fields are intact"
    );

    let header_changed = String::from_utf8(message.clone())
        .unwrap()
        .replace("quarterly report", "quarterly invoice");
    let verification = run(&zone, header_changed.as_bytes(), &VerifyOptions::new(NOW));
    let outcome = &verification.outcomes[0];
    assert_eq!(outcome.cause, Some(Cause::SignatureMismatch));
    assert_eq!(outcome.body_hash_matches, Some(true));
}

#[test]
fn relaxed_canonicalization_survives_refolding_and_simple_does_not() {
    let key = ed25519_key();
    let zone = zone_with(&key.public_key_record());

    for (canonicalization, expected) in [
        (Canonicalization::Relaxed, DkimResult::Pass),
        (Canonicalization::Simple, DkimResult::Fail),
    ] {
        let signer = Signer::new(&key, "example.com", "sel")
            .unwrap()
            .canonicalization(canonicalization, canonicalization);
        let message = String::from_utf8(signed(&signer, MESSAGE)).unwrap();
        let refolded = message
            .replace(
                "Subject: quarterly report",
                "subject:   quarterly\r\n\treport",
            )
            .replace("Numbers attached.", "Numbers   attached.  ");

        let verification = run(&zone, refolded.as_bytes(), &VerifyOptions::new(NOW));
        assert_eq!(
            verification.outcomes[0].result, expected,
            "{canonicalization}"
        );
    }
}

#[test]
fn bare_lf_messages_verify_like_their_crlf_form() {
    let key = rsa_key();
    let zone = zone_with(&key.public_key_record());

    for canonicalization in [Canonicalization::Simple, Canonicalization::Relaxed] {
        let signer = Signer::new(&key, "example.com", "sel")
            .unwrap()
            .canonicalization(canonicalization, canonicalization);
        let message = signed(&signer, MESSAGE);
        let lf = String::from_utf8(message).unwrap().replace("\r\n", "\n");

        let verification = run(&zone, lf.as_bytes(), &VerifyOptions::new(NOW));
        assert_eq!(
            verification.outcomes[0].result,
            DkimResult::Pass,
            "{canonicalization}"
        );
    }
}

#[test]
fn expiry_and_future_timestamps_respect_the_tolerance() {
    let key = ed25519_key();
    let zone = zone_with(&key.public_key_record());
    let signer = Signer::new(&key, "example.com", "sel")
        .unwrap()
        .expire_after(Duration::from_secs(3600));
    let message = signed(&signer, MESSAGE);
    let expiration = NOW + 3600;

    let within = VerifyOptions::new(expiration + 299);
    assert_eq!(single(&run(&zone, &message, &within)).0, DkimResult::Pass);

    let late = VerifyOptions::new(expiration + 301);
    let cause = Cause::Expired {
        expiration,
        now: expiration + 301,
    };
    assert_eq!(
        single(&run(&zone, &message, &late)),
        (DkimResult::Policy, Some(cause))
    );

    let strict_clock = VerifyOptions::new(expiration + 1).clock_skew(Duration::ZERO);
    assert!(matches!(
        single(&run(&zone, &message, &strict_clock)).1,
        Some(Cause::Expired { .. })
    ));

    let early = VerifyOptions::new(NOW - 301);
    let cause = Cause::FutureTimestamp {
        timestamp: NOW,
        now: NOW - 301,
    };
    assert_eq!(
        single(&run(&zone, &message, &early)),
        (DkimResult::Policy, Some(cause))
    );
}

#[test]
fn key_record_problems_each_have_their_cause() {
    let key = ed25519_key();
    let record = key.public_key_record();
    let message = signed(&Signer::new(&key, "example.com", "sel").unwrap(), MESSAGE);
    let public = record.split("p=").nth(1).unwrap();

    let cases = [
        (
            "v=DKIM1; k=ed25519; p=".to_owned(),
            DkimResult::PermError,
            Cause::KeyRevoked,
        ),
        (
            format!("v=DKIM1; k=ed25519; h=sha1; p={public}"),
            DkimResult::PermError,
            Cause::HashNotAllowed { hash: "sha256" },
        ),
        (
            format!("v=DKIM1; k=ed25519; s=tlsrpt; p={public}"),
            DkimResult::PermError,
            Cause::ServiceNotAllowed {
                services: "tlsrpt".into(),
            },
        ),
        (
            format!("v=DKIM1; k=rsa; p={public}"),
            DkimResult::PermError,
            Cause::KeyTypeMismatch {
                key_type: mailtrail_dkim::KeyType::Rsa,
                algorithm: Algorithm::Ed25519Sha256,
            },
        ),
        (
            format!("v=DKIM2; k=ed25519; p={public}"),
            DkimResult::PermError,
            Cause::KeyRecord(KeyRecordError::UnsupportedVersion {
                version: "DKIM2".into(),
            }),
        ),
        (
            "v=DKIM1; k=ed25519; p=AAAA".to_owned(),
            DkimResult::PermError,
            Cause::KeyRecord(KeyRecordError::InvalidEd25519Key { length: 3 }),
        ),
    ];

    for (record, result, cause) in cases {
        let verification = run(&zone_with(&record), &message, &VerifyOptions::new(NOW));
        assert_eq!(single(&verification), (result, Some(cause)), "{record}");
    }
}

#[test]
fn short_rsa_keys_are_refused_with_their_size() {
    let key = rsa_key();
    let message = signed(&Signer::new(&key, "example.com", "sel").unwrap(), MESSAGE);
    let zone = zone_with(&format!("v=DKIM1; k=rsa; p={SHORT_RSA_KEY}"));

    let verification = run(&zone, &message, &VerifyOptions::new(NOW));
    assert_eq!(
        single(&verification),
        (DkimResult::Policy, Some(Cause::KeyTooShort { bits: 512 }))
    );
    assert_eq!(verification.outcomes[0].key_bits, Some(512));
}

#[test]
fn missing_keys_and_dns_failures_are_told_apart() {
    let key = ed25519_key();
    let message = signed(&Signer::new(&key, "example.com", "sel").unwrap(), MESSAGE);

    let verification = run(&ZoneResolver::new(), &message, &VerifyOptions::new(NOW));
    let name = "sel._domainkey.example.com".to_owned();
    assert_eq!(
        single(&verification),
        (DkimResult::PermError, Some(Cause::KeyNotFound { name }))
    );

    let mut zone = ZoneResolver::new();
    zone.set_failure(
        "sel._domainkey.example.com",
        RecordType::Txt,
        Failure::Timeout,
    )
    .unwrap();
    let verification = run(&zone, &message, &VerifyOptions::new(NOW));
    assert!(matches!(
        single(&verification),
        (DkimResult::TempError, Some(Cause::KeyLookupFailed { .. }))
    ));
}

#[test]
fn key_flags_restrict_subdomains_and_report_testing() {
    let key = ed25519_key();
    let public = key.public_key_record();
    let public = public.split("p=").nth(1).unwrap();
    let signer = Signer::new(&key, "example.com", "sel")
        .unwrap()
        .identifier("alice@mail.example.com")
        .unwrap();
    let message = signed(&signer, MESSAGE);

    let strict = zone_with(&format!("v=DKIM1; k=ed25519; t=s; p={public}"));
    assert_eq!(
        single(&run(&strict, &message, &VerifyOptions::new(NOW))),
        (
            DkimResult::PermError,
            Some(Cause::SubdomainNotAllowed {
                identifier_domain: "mail.example.com".into(),
                signing_domain: "example.com".into(),
            })
        )
    );

    let testing = zone_with(&format!("v=DKIM1; k=ed25519; t=y; p={public}"));
    let verification = run(&testing, &message, &VerifyOptions::new(NOW));
    assert!(verification.outcomes[0].is_pass() && verification.outcomes[0].testing);
}

#[test]
fn malformed_signatures_are_permanent_errors_naming_the_tag() {
    let key = ed25519_key();
    let zone = zone_with(&key.public_key_record());
    let message = String::from_utf8(signed(
        &Signer::new(&key, "example.com", "sel").unwrap(),
        MESSAGE,
    ))
    .unwrap();

    let cases = [
        (
            "a=ed25519-sha256",
            "a=rsa-sha1",
            Cause::AlgorithmRefused {
                algorithm: Algorithm::RsaSha1,
            },
        ),
        (
            " v=1;",
            " v=1; d=example.org;",
            Cause::Signature(SignatureError::TagList(
                mailtrail_dkim::TagListError::DuplicateTag { tag: "d".into() },
            )),
        ),
        (
            " v=1;",
            " v=2;",
            Cause::Signature(SignatureError::UnsupportedVersion {
                version: "2".into(),
            }),
        ),
        (
            " s=sel;",
            "",
            Cause::Signature(SignatureError::MissingTag { tag: "s" }),
        ),
        (
            " bh=",
            " bh=!",
            Cause::Signature(SignatureError::BadBase64 { tag: "bh" }),
        ),
    ];

    for (from, to, cause) in cases {
        let broken = message.replacen(from, to, 1);
        let verification = run(&zone, broken.as_bytes(), &VerifyOptions::new(NOW));
        let outcome = &verification.outcomes[0];
        assert_eq!(outcome.cause.as_ref(), Some(&cause), "{from} -> {to}");
        let expected = if matches!(cause, Cause::AlgorithmRefused { .. }) {
            DkimResult::Policy
        } else {
            DkimResult::PermError
        };
        assert_eq!(outcome.result, expected);
        assert_eq!(
            outcome.signing_domain.is_some(),
            !to.contains("d=example.org")
        );
    }
}

#[test]
fn the_most_specific_failure_leads_and_a_pass_wins() {
    let key = ed25519_key();
    let zone = zone_with(&key.public_key_record());
    let good = Signer::new(&key, "example.com", "sel").unwrap();
    let unknown = Signer::new(&key, "example.com", "gone").unwrap();

    let field_unknown = unknown.sign(MESSAGE, NOW).unwrap();
    let field_good = good.sign(MESSAGE, NOW).unwrap();
    let changed_body = [MESSAGE, b"appended\r\n"].concat();
    let message = [
        field_unknown.as_bytes(),
        field_good.as_bytes(),
        &changed_body,
    ]
    .concat();

    let verification = run(&zone, &message, &VerifyOptions::new(NOW));
    let causes: Vec<_> = verification
        .by_specificity()
        .iter()
        .map(|outcome| outcome.cause.as_ref().map(Cause::code))
        .collect();
    assert_eq!(causes, [Some("body_hash_mismatch"), Some("key_not_found")]);
    assert_eq!(verification.result(), DkimResult::Fail);

    let both = [field_unknown.as_bytes(), field_good.as_bytes(), MESSAGE].concat();
    let verification = run(&zone, &both, &VerifyOptions::new(NOW));
    assert_eq!(verification.result(), DkimResult::Pass);
    assert_eq!(verification.leading().unwrap().selector, Some("sel"));
}

#[test]
fn policy_helpers_answer_alignment_from_coverage_and_unsigned_content() {
    let key = ed25519_key();
    let zone = zone_with(&key.public_key_record());
    let signer = Signer::new(&key, "example.com", "sel")
        .unwrap()
        .body_length(true)
        .oversign(true);
    let message = signed(&signer, MESSAGE);

    let verification = run(&zone, &message, &VerifyOptions::new(NOW));
    let outcome = &verification.outcomes[0];
    assert!(outcome.is_pass() && outcome.signs_from() && verification.from_signed());
    assert_eq!(outcome.unsigned_body_octets(), Some(0));
    assert!(verification.aligned_with("EXAMPLE.com.").is_some());
    assert!(verification.aligned_with("mail.example.com").is_none());

    let appended = [&message[..], b"Click here to claim your prize.\r\n"].concat();
    let verification = run(&zone, &appended, &VerifyOptions::new(NOW));
    let outcome = &verification.outcomes[0];
    assert!(outcome.is_pass(), "l= leaves the appended text unsigned");
    assert_eq!(outcome.unsigned_body_octets(), Some(33));

    let second_from = [b"From: mallory@evil.example\r\n".as_slice(), &message].concat();
    let verification = run(&zone, &second_from, &VerifyOptions::new(NOW));
    assert_eq!(
        verification.outcomes[0].result,
        DkimResult::Fail,
        "oversigning catches it"
    );
}

#[test]
fn keys_are_served_by_a_real_dns_server_on_loopback() {
    let key = rsa_key();
    let zone = zone_with(&key.public_key_record());
    let message = signed(&Signer::new(&key, "example.com", "sel").unwrap(), MESSAGE);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let result = runtime.block_on(async {
        let address = mailtrail_testkit::start_dns_server(zone).await;
        let dns = SystemResolver::builder()
            .name_server(address)
            .timeout(Duration::from_secs(2))
            .attempts(1)
            .build()
            .expect("a resolver");
        verify(&dns, &message, &VerifyOptions::new(NOW))
            .await
            .result()
    });

    assert_eq!(
        result,
        DkimResult::Pass,
        "the 2048-bit key arrives in several TXT strings"
    );
}
