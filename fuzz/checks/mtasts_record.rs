//! The invariants of the MTA-STS and TLS-RPT record parsers of
//! `mailtrail_mtasts`, checked on any input.
//!
//! Shared by the `mtasts_record` fuzz target and by the round-trip tests of
//! the MTA-STS crate (`crates/mtasts/tests/roundtrip.rs`), which include
//! this file as a module.

use mailtrail_mtasts::{StsRecord, TlsRptRecord};

/// Parses `text` as both records and checks: errors and deviations point
/// inside the text, and printing then parsing strictly gives the same
/// record without its deviations.
pub(crate) fn check_record(text: &str) {
    match StsRecord::parse(text) {
        Ok(record) => {
            for deviation in &record.deviations {
                assert!(deviation.span.start <= deviation.span.end);
                assert!(
                    deviation.span.end <= text.len(),
                    "deviation inside the text"
                );
            }
            let printed = record.to_string();
            let reparsed =
                StsRecord::parse_strict(&printed).expect("a printed record parses strictly");
            let mut clean = record.clone();
            clean.deviations.clear();
            assert_eq!(
                reparsed, clean,
                "print then parse gives the same record: {printed}"
            );
            assert_eq!(reparsed.to_string(), printed, "printing is stable");
        }
        Err(error) => assert!(error.position <= text.len(), "error offset inside the text"),
    }

    match TlsRptRecord::parse(text) {
        Ok(record) => {
            for deviation in &record.deviations {
                assert!(
                    deviation.span.end <= text.len(),
                    "deviation inside the text"
                );
            }
            let printed = record.to_string();
            let reparsed =
                TlsRptRecord::parse_strict(&printed).expect("a printed record parses strictly");
            let mut clean = record.clone();
            clean.deviations.clear();
            assert_eq!(
                reparsed, clean,
                "print then parse gives the same record: {printed}"
            );
        }
        Err(error) => assert!(error.position <= text.len(), "error offset inside the text"),
    }
}
