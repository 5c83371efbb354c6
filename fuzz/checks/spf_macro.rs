//! The invariants of mailtrail-spf's macro strings and domain-specs,
//! checked on any input.
//!
//! Shared by the `spf_macro` fuzz target and by the corpus replay test of
//! the spf crate (`crates/spf/tests/fuzz_corpus.rs`), which include this
//! file as a module. Every check panics with a message naming the broken
//! invariant, which is what a fuzzer reports as a crash.

use mailtrail_spf::{DomainSpec, MAX_DOMAIN_LENGTH, MacroString, MacroValues};

/// Expands `input` as a domain-spec and as an explanation, with values that
/// are long and full of characters URL escaping must handle.
pub(crate) fn check_macro(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let domain = format!(
        "{}.{}.{}.{}.example",
        "d".repeat(60),
        "o".repeat(60),
        "m".repeat(60),
        "a".repeat(54)
    );
    let values = [
        MacroValues {
            helo: Some("JUMPIN' JUPITER%%"),
            receiver: Some("mx.example.net"),
            timestamp: Some(u64::MAX),
            validated_domain: Some("mail.example.org"),
            ..MacroValues::new(
                "2001:db8::cb01".parse().unwrap(),
                "~a&b=c d@ex-ample.org",
                &domain,
            )
        },
        MacroValues::new("192.0.2.3".parse().unwrap(), "@", "example.com"),
    ];

    for values in &values {
        check_domain_spec(text, values);
        check_explanation(text, values);
    }
}

/// A valid domain-spec expands to at most 253 octets, or to one label that
/// no truncation can shorten, and to a suffix of its full expansion.
fn check_domain_spec(text: &str, values: &MacroValues<'_>) {
    let Ok(spec) = DomainSpec::parse(text) else {
        return;
    };
    assert!(
        MacroString::parse(text).is_ok(),
        "a domain-spec is a macro-string"
    );

    let full = spec.macro_string().expand(values);
    let expanded = spec.expand(values);
    let length = expanded.strip_suffix('.').map_or(expanded.len(), str::len);
    assert!(
        length <= MAX_DOMAIN_LENGTH || !expanded[..length].contains('.'),
        "an expanded name has at most 253 octets unless it is one label ({length})"
    );
    assert!(
        full.ends_with(&*expanded),
        "truncation keeps the right-hand labels"
    );
    assert!(
        expanded.len() == full.len() || full[..full.len() - expanded.len()].ends_with('.'),
        "truncation removes whole labels"
    );
}

/// An explanation expands without panicking, keeps its literal text, and
/// grows at most by the longest value per expansion.
fn check_explanation(text: &str, values: &MacroValues<'_>) {
    let Ok(explanation) = MacroString::explanation(text) else {
        assert!(
            MacroString::parse(text).is_err(),
            "every macro-string is an explanation"
        );
        return;
    };

    let expanded = explanation.expand(values);
    let expansions = text.matches('%').count();
    let longest_value = 3 * 300;
    assert!(
        expanded.len() <= text.len() + expansions * longest_value,
        "expansion stays proportional to the input"
    );
    if explanation.is_literal() {
        assert_eq!(expanded, text, "text without % is copied as it is");
    }
}
