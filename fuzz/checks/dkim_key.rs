//! The invariants of the DKIM key record parser and of the public key
//! decoder, checked on any input.
//!
//! Shared by the `dkim_key` fuzz target and by the corpus replay test of the
//! dkim crate (`crates/dkim/tests/fuzz_corpus.rs`).

use mailtrail_dkim::{DomainKey, KeyType, PublicKey};

/// Parses `input` as a key record, and as raw key data of each type.
pub(crate) fn check_key_record(input: &[u8]) {
    for key_type in [KeyType::Rsa, KeyType::Ed25519] {
        if let Ok(key) = PublicKey::from_record_data(key_type, input) {
            check_public_key(&key);
        }
    }

    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };

    match DomainKey::parse(text, false) {
        Ok(key) => check_domain_key(&key),
        Err(error) => assert!(!error.to_string().is_empty(), "errors describe themselves"),
    }

    if let Ok(strict) = DomainKey::parse(text, true) {
        assert!(
            strict.deviations.is_empty(),
            "strict parsing tolerates nothing"
        );
    }
}

/// What a parsed key record guarantees.
fn check_domain_key(key: &DomainKey<'_>) {
    assert_eq!(
        key.is_revoked(),
        key.public_key_data.is_empty(),
        "empty p= means revoked"
    );
    assert!(
        key.service_types
            .as_ref()
            .is_none_or(|services| !services.is_empty()),
        "s= lists something"
    );
    if let Some(version) = key.version {
        assert_eq!(version, "DKIM1", "only DKIM1 parses");
    }

    if let Ok(public) = key.public_key() {
        assert_eq!(
            public.key_type(),
            key.key_type,
            "the key has the record's type"
        );
        check_public_key(&public);
    }
}

/// What a decoded key guarantees.
fn check_public_key(key: &PublicKey) {
    match key {
        PublicKey::Rsa { modulus, exponent } => {
            assert!(
                modulus.first().is_some_and(|&first| first != 0),
                "no leading zero"
            );
            assert!(
                modulus.last().is_some_and(|&last| last & 1 == 1),
                "the modulus is odd"
            );
            assert!(
                exponent.last().is_some_and(|&last| last & 1 == 1),
                "the exponent is odd"
            );
            assert_eq!(
                (key.bits() as usize).div_ceil(8),
                modulus.len(),
                "bits match"
            );
        }
        PublicKey::Ed25519(_) => assert_eq!(key.bits(), 256),
        _ => {}
    }
}
