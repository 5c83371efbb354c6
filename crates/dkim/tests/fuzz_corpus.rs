//! Replays the committed fuzz corpora through the checks of the three DKIM
//! fuzz targets, and runs the same checks, plus a sign-then-verify round
//! trip, on generated inputs.

use std::fs;
use std::path::Path;

use mailtrail_dkim::{Canonicalization, DkimResult, Signer, SigningKey, VerifyOptions, verify};
use mailtrail_dns::{RecordData, Txt, ZoneResolver};
use proptest::prelude::*;

#[path = "../../../fuzz/checks/dkim_canonical.rs"]
mod canonical_checks;
#[path = "../../../fuzz/checks/dkim_key.rs"]
mod key_checks;
#[path = "../../../fuzz/checks/dkim_signature.rs"]
mod signature_checks;

/// Runs `check` on every seed of `fuzz/corpus/<target>`.
fn replay(target: &str, check: fn(&[u8])) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let entries = fs::read_dir(&corpus).expect("the seed corpus is committed");
    let mut seeds = 0;

    for entry in entries {
        let path = entry.expect("a readable corpus entry").path();
        check(&fs::read(&path).expect("a readable seed"));
        seeds += 1;
    }

    assert!(
        seeds >= 8,
        "expected the committed seeds in {}, found {seeds}",
        corpus.display()
    );
}

#[test]
fn every_committed_signature_seed_passes_the_fuzz_checks() {
    replay("dkim_signature", signature_checks::check_signature);
}

#[test]
fn every_committed_key_seed_passes_the_fuzz_checks() {
    replay("dkim_key", key_checks::check_key_record);
}

#[test]
fn every_committed_canonicalization_seed_passes_the_fuzz_checks() {
    replay("dkim_canonical", canonical_checks::check_canonicalization);
}

#[test]
fn the_realistic_bench_message_passes_the_canonicalization_checks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/data/realistic.eml");

    canonical_checks::check_canonicalization(&fs::read(path).expect("the bench message"));
}

/// A tag spec that may be valid, folded, empty or broken.
const TAG_SPEC: &str = "[ \t]?(\r\n[ \t])?[a-z]{1,2}[ ]?=[ ]?[A-Za-z0-9+/=.@:_ -]{0,12}";

/// A body line of words, spaces, tabs and stray carriage returns.
const BODY_LINE: &str = "[a-z \t\r]{0,12}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_pass_every_dkim_check(
        input in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        signature_checks::check_signature(&input);
        key_checks::check_key_record(&input);
        canonical_checks::check_canonicalization(&input);
    }

    #[test]
    fn tag_list_text_passes_the_signature_checks(
        specs in proptest::collection::vec(TAG_SPEC, 0..12),
        separator in prop_oneof![Just(";"), Just("; "), Just(";;"), Just(";\r\n\t")],
    ) {
        signature_checks::check_signature(specs.join(separator).as_bytes());
        key_checks::check_key_record(specs.join(separator).as_bytes());
    }

    #[test]
    fn body_text_passes_the_canonicalization_checks(
        lines in proptest::collection::vec(BODY_LINE, 0..12),
        crlf in any::<bool>(),
        cut in any::<u8>(),
    ) {
        let body = lines.join(if crlf { "\r\n" } else { "\n" });
        let input = [&[cut][..], body.as_bytes()].concat();

        canonical_checks::check_canonicalization(&input);
    }
}

/// A header field line, or a continuation line of one.
const HEADER_LINE: &str = "([A-Za-z-]{1,6}[ \t]?:[a-z \t\r]{0,16})|([ \t][a-z \t\r]{0,10})";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn header_text_passes_the_canonicalization_checks(
        lines in proptest::collection::vec(HEADER_LINE, 0..12),
        crlf in any::<bool>(),
    ) {
        let block = lines.join(if crlf { "\r\n" } else { "\n" });
        canonical_checks::check_canonicalization(block.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn whatever_is_signed_verifies(
        lines in proptest::collection::vec(BODY_LINE, 0..8),
        subject in "[ -~]{0,40}",
        relaxed_header in any::<bool>(),
        relaxed_body in any::<bool>(),
        body_length in any::<bool>(),
    ) {
        let canonicalization = |relaxed: bool| {
            if relaxed { Canonicalization::Relaxed } else { Canonicalization::Simple }
        };
        let body = lines.join("\r\n");
        let message = format!("From: a@example.com\r\nSubject:{subject}\r\n\r\n{body}");
        let key = SigningKey::from_ed25519_seed(&[11; 32]).expect("a seed");
        let field = Signer::new(&key, "example.com", "prop")
            .expect("valid names")
            .canonicalization(canonicalization(relaxed_header), canonicalization(relaxed_body))
            .body_length(body_length)
            .sign(message.as_bytes(), 1_700_000_000)
            .expect("the message signs");
        let signed = [field.as_bytes(), message.as_bytes()].concat();

        let mut zone = ZoneResolver::new();
        let record = RecordData::Txt(Txt::new([key.public_key_record()]));
        zone.insert("prop._domainkey.example.com", 300, record).expect("a valid name");
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let options = VerifyOptions::new(1_700_000_000);
        let verification = runtime.block_on(verify(&zone, &signed, &options));

        prop_assert_eq!(verification.result(), DkimResult::Pass);
    }
}
