//! The invariants of `mailtrail_spf::Record`, checked on any input.
//!
//! Shared by the `spf_record` fuzz target and by the corpus replay test of
//! the spf crate (`crates/spf/tests/fuzz_corpus.rs`), which include this
//! file as a module. Every check panics with a message naming the broken
//! invariant, which is what a fuzzer reports as a crash.

use mailtrail_spf::{Record, RecordError, is_spf_record};

/// Parses `input` as the bytes of a TXT record and checks the result.
pub(crate) fn check_record(input: &[u8]) {
    match Record::parse_bytes(input) {
        Ok(record) => check_parsed(input, &record),
        Err(error) => check_error(input, &error),
    }
}

/// A parsed record prints to text that parses to the same record, and
/// prints the same again; its spans are its terms.
fn check_parsed(input: &[u8], record: &Record<'_>) {
    assert!(is_spf_record(input), "a parsed record starts with v=spf1");

    let printed = record.to_string();
    let reparsed = Record::parse(&printed).expect("a printed record parses");
    assert_eq!(&reparsed, record, "parse(print(record)) == record");
    assert_eq!(reparsed.to_string(), printed, "printing is stable");

    for index in 0..record.terms().len() {
        let span = record.span(index).expect("every parsed term has a span");
        let term = &input[span.clone()];
        assert!(!term.is_empty(), "a term span is not empty");
        assert!(!term.contains(&b' '), "a term span holds no space");
        assert!(
            span.start == 0 || input[span.start - 1] == b' ',
            "a term follows a space"
        );
    }
    assert!(
        record.clone().into_owned() == *record,
        "the owned record is equal"
    );
}

/// An error points inside the input and names a term that is there.
fn check_error(input: &[u8], error: &RecordError) {
    assert!(
        error.position() <= input.len(),
        "the error position {} is inside the input",
        error.position()
    );

    match error {
        RecordError::NotSpf => assert!(
            !is_spf_record(input),
            "NotSpf only when the version is wrong"
        ),
        RecordError::NonAscii { byte, position } => {
            assert_eq!(
                input[*position], *byte,
                "the reported byte is at its position"
            );
            assert!(!byte.is_ascii(), "the reported byte is not ASCII");
        }
        _ => {
            let term = error.term().expect("a term error names its term");
            let at = &input[error.position()..];
            assert!(
                at.starts_with(term.as_bytes()),
                "the term is at its position"
            );
            assert!(
                !error.to_string().ends_with('.'),
                "messages end without a period"
            );
        }
    }
}
