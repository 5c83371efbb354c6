//! The invariants of `mailtrail_dmarc::Record::parse`, checked on any input.
//!
//! Shared by the `dmarc_record` fuzz target and by the round-trip tests of
//! the DMARC crate (`crates/dmarc/tests/roundtrip.rs`), which include this
//! file as a module.

use mailtrail_dmarc::{Mode, Policy, Record, is_dmarc_record};

/// Parses `text` and checks: errors and deviations point inside the text,
/// only DMARC-looking text parses, and printing then parsing again gives
/// the same record (without the deviations, which printing never writes).
pub(crate) fn check_record(text: &str) {
    let record = match Record::parse(text) {
        Ok(record) => record,
        Err(error) => {
            assert!(error.position <= text.len(), "error offset inside the text");
            return;
        }
    };
    assert!(is_dmarc_record(text), "a parsed record looks like DMARC");
    for deviation in &record.deviations {
        assert!(
            deviation.span.end <= text.len(),
            "deviation span inside the text"
        );
        assert!(
            deviation.span.start <= deviation.span.end,
            "deviation span ordered"
        );
    }

    let printed = record.to_string();
    let reparsed = Record::parse(&printed).expect("a printed record parses");
    assert!(
        reparsed.deviations.is_empty(),
        "a printed record has no deviations: {printed}"
    );
    let mut clean = record.clone();
    clean.deviations.clear();
    assert_eq!(
        reparsed, clean,
        "print then parse gives the same record: {printed}"
    );
    assert_eq!(reparsed.to_string(), printed, "printing is stable");

    for mode in [Mode::Rfc9989, Mode::Rfc7489] {
        if let Ok(policies) = record.policies(mode) {
            if policies.assumed_none {
                assert_eq!(policies.domain, Policy::None, "an assumed policy is none");
            } else {
                assert_eq!(
                    Some(policies.domain),
                    record.policy,
                    "p is the domain policy"
                );
            }
        }
    }
}
