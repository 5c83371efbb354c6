//! The invariants of the DKIM-Signature tag-list parser and of
//! `DkimSignature::parse`, checked on any input.
//!
//! Shared by the `dkim_signature` fuzz target and by the corpus replay test
//! of the dkim crate (`crates/dkim/tests/fuzz_corpus.rs`), which include
//! this file as a module. Every check panics with a message naming the
//! broken invariant.

use mailtrail_dkim::{DkimSignature, TagList};

/// Parses `input` as a tag-list and as a signature and checks both.
pub(crate) fn check_signature(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };

    if let Ok(list) = TagList::parse(text, false) {
        check_tag_list(text, &list);
    }

    if let Ok(strict) = TagList::parse(text, true) {
        assert!(
            strict.deviations().is_empty(),
            "strict parsing tolerates nothing"
        );
        let lenient = TagList::parse(text, false).expect("what strict accepts, lenient accepts");
        assert_eq!(strict, lenient, "strict and lenient agree on a clean list");
    }

    match DkimSignature::parse(text, false) {
        Ok(signature) => check_parsed_signature(text, &signature),
        Err(error) => assert!(!error.to_string().is_empty(), "errors describe themselves"),
    }
}

/// Spans point at the names and values, and printing round-trips.
fn check_tag_list(text: &str, list: &TagList<'_>) {
    for tag in list.tags() {
        assert_eq!(
            &text[tag.name_span.range()],
            tag.name,
            "the name span holds the name"
        );
        assert_eq!(
            &text[tag.value_span.range()],
            tag.value,
            "the value span holds the value"
        );
        assert!(
            tag.raw_value_span.contains(tag.value_span),
            "the raw value holds the value"
        );
        assert!(!tag.name.is_empty() && tag.name.as_bytes()[0].is_ascii_alphabetic());
        assert!(!tag.value.contains(';'), "values never hold a semicolon");
    }

    let printed = list.to_string();
    let reparsed = TagList::parse(&printed, false).expect("a printed tag-list parses");
    let pairs = |list: &TagList<'_>| -> Vec<(String, String)> {
        list.tags()
            .iter()
            .map(|tag| (tag.name.to_owned(), tag.value.to_owned()))
            .collect()
    };
    assert_eq!(
        pairs(&reparsed),
        pairs(list),
        "parse, print, parse gives the same tags"
    );
}

/// What a parsed signature guarantees.
fn check_parsed_signature(text: &str, signature: &DkimSignature<'_>) {
    assert!(
        signature.signed_count("from") > 0,
        "a valid signature signs From"
    );
    assert!(
        !signature.body_hash.is_empty(),
        "a valid signature has a body hash"
    );

    let identifier = signature.identifier();
    let domain = signature.identifier_domain();
    assert!(
        identifier.ends_with(domain),
        "the identifier ends with its domain"
    );
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let signing = signature
        .signing_domain
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let below = domain.ends_with(&format!(".{signing}"));
    assert!(
        domain == signing || below,
        "the i= domain is d= or below it"
    );

    if let (Some(timestamp), Some(expiration)) = (signature.timestamp, signature.expiration) {
        assert!(expiration > timestamp, "x= is after t=");
    }

    let blank = signature.signature_value_span();
    assert!(blank.end <= text.len(), "the b= span lies in the value");
    assert!(signature.short_signature().len() <= 8);
}
