//! The invariants of `mailtrail_message::split`, checked on any input.
//!
//! Shared by the `message` fuzz target and by the corpus replay test of the
//! message crate (`crates/message/tests/fuzz_corpus.rs`), which include this
//! file as a module. Every check panics with a message naming the broken
//! invariant, which is what a fuzzer reports as a crash.

use mailtrail_message::{Entry, HeaderBlock, HeaderField, lexical, split};

/// Splits `message` and checks every invariant of the result.
pub(crate) fn check_split(message: &[u8]) {
    let block = split(message);

    check_block_bounds(message, &block);
    check_entries_rebuild_the_block(message, &block);
    check_deviations(&block);

    for (index, field) in block.fields().enumerate() {
        assert_eq!(field.index(), index, "fields are numbered from 0 in order");
        check_field(message, field);
        check_lexical_parsers(field);
    }

    assert!(
        block.clone().into_owned() == block,
        "the owned block differs from the borrowed one"
    );
}

/// The header block is a prefix of the message, ended by the separator.
fn check_block_bounds(message: &[u8], block: &HeaderBlock<'_>) {
    let header_end = block.span().end;

    assert_eq!(block.span().start, 0, "the header block starts the message");
    assert_eq!(
        block.as_bytes(),
        &message[..header_end],
        "the header block is a prefix"
    );

    match block.separator() {
        Some(separator) => {
            assert_eq!(
                separator.start, header_end,
                "the separator follows the header block"
            );
            let line_end = &message[separator.range()];
            assert!(
                line_end == b"\r\n" || line_end == b"\n",
                "the separator is an empty line"
            );
            assert_eq!(
                block.body_offset(),
                Some(separator.end),
                "the body follows the separator"
            );
        }
        None => {
            assert_eq!(
                header_end,
                message.len(),
                "without a separator the headers run to the end"
            );
            assert_eq!(
                block.body_offset(),
                None,
                "without a separator there is no body"
            );
        }
    }
}

/// Entries are contiguous, cover the block, and end with a line end except
/// possibly the last one.
fn check_entries_rebuild_the_block(message: &[u8], block: &HeaderBlock<'_>) {
    let mut rebuilt = Vec::with_capacity(block.as_bytes().len());
    let mut position = 0;
    let entry_count = block.entries().len();

    for (number, entry) in block.entries().enumerate() {
        let span = entry.span();

        assert_eq!(span.start, position, "entries are contiguous and in order");
        assert!(span.end > span.start, "no entry is empty");
        assert_eq!(
            entry.raw(),
            &message[span.range()],
            "an entry's raw bytes are its span"
        );
        let last = number + 1 == entry_count;
        assert!(
            last || entry.raw().ends_with(b"\n"),
            "only the last entry may lack a line end"
        );

        if let Entry::NonField(line) = entry {
            assert!(
                line.kind().is_non_field_line(),
                "a kept line has a line kind"
            );
        }

        rebuilt.extend_from_slice(entry.raw());
        position = span.end;
    }

    assert_eq!(
        rebuilt,
        block.as_bytes(),
        "the entries rebuild the header block byte for byte"
    );
}

/// Deviations lie in the block, in order, and each kept line is reported.
fn check_deviations(block: &HeaderBlock<'_>) {
    let deviations = block.deviations();

    for deviation in deviations {
        assert!(
            block.span().contains(deviation.span),
            "a deviation lies in the block"
        );
    }

    assert!(
        deviations
            .windows(2)
            .all(|pair| pair[0].span.start <= pair[1].span.start),
        "deviations are in input order"
    );

    for line in block.non_field_lines() {
        let reported = deviations
            .iter()
            .any(|deviation| deviation.kind == line.kind() && deviation.span == line.span());
        assert!(reported, "every kept line is reported as a deviation");
    }

    let line_kinds = deviations
        .iter()
        .filter(|deviation| deviation.kind.is_non_field_line());
    assert_eq!(
        line_kinds.count(),
        block.non_field_lines().len(),
        "one line deviation per line"
    );
}

/// A field's name and value lie inside it, and unfolding removes exactly
/// the line breaks.
fn check_field(message: &[u8], field: HeaderField<'_>) {
    let span = field.span();
    let value = field.value();

    assert!(!field.name().is_empty(), "a field has a name");
    assert!(
        field
            .name()
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b':')
    );
    assert_eq!(
        field.name_span().start,
        span.start,
        "the name starts the field"
    );
    assert!(span.contains(field.name_span()) && span.contains(value.span()));
    assert!(
        field.name_span().end < value.span().start,
        "the colon separates name and value"
    );
    assert_eq!(
        message[value.span().start - 1],
        b':',
        "the value follows the colon"
    );
    assert_eq!(
        &message[value.span().range()],
        value.raw(),
        "the value is its span"
    );

    let unfolded = value.unfolded();
    let line_breaks = value.raw().iter().filter(|&&byte| byte == b'\n').count();
    let carriage_returns = value
        .raw()
        .windows(2)
        .filter(|pair| pair == b"\r\n")
        .count();

    assert_eq!(
        value.is_folded(),
        line_breaks > 0,
        "folded means more than one line"
    );
    assert!(
        !unfolded.contains(&b'\n'),
        "the unfolded value has no line break"
    );
    assert_eq!(
        unfolded.len(),
        value.raw().len() - line_breaks - carriage_returns
    );
    assert_eq!(value.unfolded_text(), String::from_utf8_lossy(&unfolded));
}

/// The lexical parsers never panic on a raw value, and whatever they leave
/// is a suffix of it that maps back into the message.
fn check_lexical_parsers(field: HeaderField<'_>) {
    type Lexer = fn(&str) -> nom::IResult<&str, &str>;
    const PARSERS: [Lexer; 10] = [
        lexical::fws,
        lexical::comment,
        lexical::cfws,
        lexical::opt_cfws,
        lexical::atom,
        lexical::atom_text,
        lexical::dot_atom,
        lexical::dot_atom_text,
        lexical::quoted_string,
        lexical::quoted_string_text,
    ];

    let value = field.value();
    let Some(text) = value.raw_str() else {
        return;
    };

    for parser in PARSERS {
        if let Ok((rest, matched)) = parser(text) {
            assert!(
                text.ends_with(rest),
                "a parser returns a suffix of its input"
            );
            assert!(
                value.span_of(rest.as_bytes()).is_some(),
                "the rest maps into the message"
            );
            let _ = lexical::unescape(matched);
        }
    }

    if let Ok((rest, comments)) = lexical::cfws_comments(text) {
        assert!(
            text.ends_with(rest),
            "comments are collected from the start"
        );
        for comment in comments {
            assert!(
                value.span_of(comment.as_bytes()).is_some(),
                "a comment maps into the message"
            );
        }
    }
}
