//! The invariants of `mailtrail_received`, checked on any input.
//!
//! Shared by the `received` fuzz target and by the corpus replay test of the
//! received crate (`crates/received/tests/fuzz_corpus.rs`), which include
//! this file as a module. Every check panics with a message naming the
//! broken invariant, which is what a fuzzer reports as a crash.

use mailtrail_message::{Span, split};
use mailtrail_received::{Chain, ChainOptions, Organisation, ParseError, Received, Trust};

/// Where a bare value is placed, so that offsets are not all from zero.
const OFFSET: usize = 10;

/// Checks `input` as a bare Received value, then as a message whose
/// Received fields form a chain.
pub(crate) fn check_received(input: &[u8]) {
    if let Ok(text) = std::str::from_utf8(input) {
        check_value(text);
    }

    check_message(input);
}

/// Parses `text` as a value at `OFFSET` and checks the result.
fn check_value(text: &str) {
    let bounds = Span::new(OFFSET, OFFSET + text.len());

    match Received::parse_at(text, OFFSET) {
        Ok(received) => {
            assert_eq!(received.span(), bounds, "the field spans the value");
            check_parts(&received, text, OFFSET);
            check_strict(text, &received);
            assert!(
                received.clone().into_owned() == received,
                "the owned field is equal"
            );
        }
        Err(ParseError::Empty) => {
            assert!(is_white_space(text), "only white space is empty");
        }
        Err(ParseError::NothingRecognised { position }) => {
            assert!(
                bounds.contains(Span::new(position, position)),
                "the error position lies in the value"
            );
            assert!(
                !is_white_space(text),
                "a value with nothing recognised is not empty"
            );
        }
        Err(error) => panic!("unexpected error {error}"),
    }
}

/// Whether `text` is only folding white space (SP, HTAB, CR, LF), which
/// is all RFC 5322 §3.2.2 counts; a form feed is text.
fn is_white_space(text: &str) -> bool {
    text.bytes()
        .all(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Every part's span lies in the field and holds the part's text in
/// `source`, the value text that starts at `base`; the deviations lie in the
/// field, in order.
fn check_parts(received: &Received<'_>, source: &str, base: usize) {
    let field = received.span();
    let text_at = |span: Span| source.get(span.start - base..span.end - base);
    let texts = [
        received.from_name(),
        received.helo(),
        received.reverse_dns(),
        received.ident(),
        received.local_user(),
        received.envelope_from(),
        received.by(),
        received.by_software(),
        received.via(),
        received.with_text(),
        received.id(),
        received.tls_cipher(),
    ];

    for part in texts.into_iter().flatten().chain(received.recipients()) {
        assert!(field.contains(part.span), "a part lies in the field");
        assert_eq!(
            text_at(part.span),
            Some(part.value),
            "a part's span holds its text"
        );
    }

    let spans = [
        received.from_ip().map(|ip| ip.span),
        received.by_ip().map(|ip| ip.span),
        received.with().map(|with| with.span),
        received.tls_version().map(|version| version.span),
        received.date().map(|date| date.span),
        received.authentication().map(|auth| auth.span),
    ];
    for span in spans.into_iter().flatten() {
        assert!(field.contains(span), "a typed part lies in the field");
    }

    let deviations = received.deviations();
    for deviation in deviations {
        assert!(
            field.contains(deviation.span),
            "a deviation lies in the field"
        );
    }
    assert!(
        deviations
            .windows(2)
            .all(|pair| pair[0].span.start <= pair[1].span.start),
        "deviations are in input order"
    );
}

/// Strict parsing fails exactly when lenient parsing reports a deviation.
fn check_strict(text: &str, received: &Received<'_>) {
    match (Received::parse_strict(text), received.deviations().first()) {
        (Ok(_), None) => {}
        (Err(ParseError::Strict { deviation }), Some(first)) => {
            assert_eq!(
                deviation.kind, first.kind,
                "strict parsing names the first deviation"
            );
        }
        (strict, first) => {
            panic!("strict parsing gave {strict:?} for the first deviation {first:?}")
        }
    }
}

/// Splits `message`, builds the chain of its Received fields and finds the
/// trust boundary, checking hops, anomalies and trust.
fn check_message(message: &[u8]) {
    let block = split(message);
    let chain = Chain::from_block(&block, &ChainOptions::default());
    let fields: Vec<_> = block.get_all("Received").collect();

    assert_eq!(
        chain.hops().len(),
        fields.len(),
        "one hop per Received field"
    );
    for (index, hop) in chain.hops().iter().enumerate() {
        let field = fields[fields.len() - 1 - index];
        assert_eq!(
            hop.field_index(),
            fields.len() - 1 - index,
            "hops run oldest first"
        );

        if let Some(received) = hop.received() {
            assert!(
                field.value().span().contains(received.span()),
                "a field lies in its header"
            );
            check_parts(received, received.as_str(), received.span().start);
            if let Some(raw) = field.value().raw_str() {
                assert_eq!(raw, received.as_str(), "a UTF-8 field is parsed as written");
            }
        }
    }

    for anomaly in chain.anomalies() {
        assert!(anomaly.hop() < chain.hops().len(), "an anomaly names a hop");
    }

    let organisation: Organisation = ["*.example.com", "192.0.2.0/24"]
        .iter()
        .map(|member| member.parse().expect("a valid member"))
        .collect();
    let boundary = chain.trust_boundary(&organisation);

    if let Some(entry) = boundary.entry() {
        assert!(entry.hop < chain.hops().len(), "the entry is a hop");
        assert_eq!(
            boundary.trust(entry.hop),
            Trust::Recorded,
            "the entry is recorded"
        );
        assert!(entry.hop == 0 || boundary.trust(entry.hop - 1) == Trust::Claimed);
    }
    let trust: Vec<Trust> = (0..chain.hops().len())
        .map(|hop| boundary.trust(hop))
        .collect();
    assert!(
        trust
            .windows(2)
            .all(|pair| pair[0] == Trust::Claimed || pair[1] == Trust::Recorded),
        "recorded hops are the newest ones"
    );
}
