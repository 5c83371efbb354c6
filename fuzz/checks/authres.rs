//! The invariants of the mailtrail-authres parser and printer, checked on
//! any input.
//!
//! Shared by the `authres` and `authres_roundtrip` fuzz targets and by the
//! corpus replay test of the authres crate
//! (`crates/authres/tests/fuzz_corpus.rs`), which include this file as a
//! module. Every check panics with a message naming the broken invariant,
//! which is what a fuzzer reports as a crash.

use mailtrail_authres::{
    AuthenticationResults, DeviationKind, FieldKind, ParseOptions, Strictness, parse_fields,
};
use mailtrail_message::{Span, split};

/// The two kinds of field value every input is also parsed as.
const KINDS: [FieldKind; 2] = [
    FieldKind::AuthenticationResults,
    FieldKind::ArcAuthenticationResults,
];

/// Parses `input` as a message and as a bare value, leniently and strictly,
/// and checks that nothing panics and every span and offset is in bounds.
pub(crate) fn check_parse(input: &[u8]) {
    let block = split(input);

    for strictness in [Strictness::Lenient, Strictness::Strict] {
        for field in parse_fields(&block, strictness) {
            let value = block.field(field.index).expect("the field exists").value();
            check_in_bounds(&field.parsed, value.span(), input.len());
        }
    }

    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };

    for kind in KINDS {
        let lenient = parse(text, kind, Strictness::Lenient);
        let strict = parse(text, kind, Strictness::Strict);

        check_in_bounds(&lenient, Span::new(0, text.len()), text.len());
        check_in_bounds(&strict, Span::new(0, text.len()), text.len());
        check_strictness(&lenient, &strict);
    }
}

/// Parses `input` leniently as each kind of value and, where that works,
/// checks that the printed and the folded forms parse back equal.
pub(crate) fn check_roundtrip(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };

    for kind in KINDS {
        let Ok(parsed) = parse(text, kind, Strictness::Lenient) else {
            continue;
        };

        assert!(
            parsed.clone().into_owned() == parsed,
            "the owned value differs from the borrowed one"
        );

        let printed = parsed.to_string();
        assert!(
            !printed.contains(['\r', '\n']),
            "the printed value holds a line break: {printed:?}"
        );

        // A line break or NUL inside a text cannot be printed back as it
        // was; such texts are reported as control characters.
        let has_controls = parsed
            .deviations
            .iter()
            .any(|deviation| deviation.kind == DeviationKind::ControlCharacter);
        let reparsed = parse(&printed, parsed.kind(), Strictness::Lenient);
        if has_controls {
            assert!(
                reparsed.is_ok(),
                "the printed value does not parse: {printed:?}"
            );
            continue;
        }

        assert_eq!(
            reparsed.as_ref(),
            Ok(&parsed),
            "the printed value parses differently: {printed:?}"
        );

        let field = parsed.to_field();
        let (_, folded) = field.split_once(':').expect("a field has a colon");
        let refolded = parse(folded, parsed.kind(), Strictness::Lenient);
        assert_eq!(
            refolded.as_ref(),
            Ok(&parsed),
            "the folded field parses differently: {field:?}"
        );
        assert_eq!(
            split(field.as_bytes()).len(),
            1,
            "the folded field splits into one field: {field:?}"
        );
    }
}

/// Parses `text` as a value of `kind`.
fn parse(
    text: &str,
    kind: FieldKind,
    strictness: Strictness,
) -> Result<AuthenticationResults<'_>, mailtrail_authres::ParseError> {
    AuthenticationResults::parse_with(text, ParseOptions::new(kind, strictness))
}

/// Every span of a parsed value lies in `value`, and an error's offset lies
/// in the input.
fn check_in_bounds(
    parsed: &Result<AuthenticationResults<'_>, mailtrail_authres::ParseError>,
    value: Span,
    input_length: usize,
) {
    let header = match parsed {
        Ok(header) => header,
        Err(error) => {
            assert!(
                error.offset() <= input_length,
                "error offset out of bounds: {error}"
            );
            return;
        }
    };

    let mut spans: Vec<Span> = header.authserv_id_span.into_iter().collect();
    spans.extend(header.deviations.iter().map(|deviation| deviation.span));
    for result in &header.results {
        spans.push(result.span);
        spans.extend(result.properties.iter().map(|property| property.span));

        for property in &result.properties {
            assert!(
                result.span.contains(property.span),
                "a property lies outside its result"
            );
        }
    }

    for span in spans {
        assert!(span.start <= span.end, "a span runs backwards: {span}");
        assert!(
            value.contains(span),
            "span {span} outside the value {value}"
        );
    }

    assert!(
        header.authserv_id.is_some() || !header.results.is_empty(),
        "a parsed value has an authserv-id or a result"
    );
}

/// Strict parsing succeeds exactly where lenient parsing forgave nothing,
/// and then gives the same value.
fn check_strictness(
    lenient: &Result<AuthenticationResults<'_>, mailtrail_authres::ParseError>,
    strict: &Result<AuthenticationResults<'_>, mailtrail_authres::ParseError>,
) {
    match (lenient, strict) {
        (Ok(lenient), Ok(strict)) => {
            assert!(lenient.deviations.is_empty(), "strict accepted a deviation");
            assert!(lenient == strict, "strict and lenient values differ");
        }
        (Ok(lenient), Err(_)) => assert!(
            !lenient.deviations.is_empty(),
            "strict rejected what lenient read without deviation"
        ),
        (Err(_), Ok(_)) => panic!("strict accepted what lenient rejected"),
        (Err(_), Err(_)) => {}
    }
}
