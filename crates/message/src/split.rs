//! Splitting a raw message into its header fields, in one pass.
//!
//! The header block is a run of lines ended by CRLF or a bare LF, up to the
//! first empty line ([RFC 5322 §2.1](https://www.rfc-editor.org/rfc/rfc5322#section-2.1)).
//! A line that starts with white space continues the entry above it
//! ([§2.2.3](https://www.rfc-editor.org/rfc/rfc5322#section-2.2.3)); any other
//! line starts a new entry, a header field when it reads `name:` and a kept
//! non-field line otherwise. Each byte is looked at a bounded number of times,
//! so the work is linear in the input.

use crate::block::LineLayout;
use crate::field::FieldLayout;
use crate::{Deviation, DeviationKind, HeaderBlock, Span};

/// Splits the header block of `message` into fields, never failing.
///
/// Whatever is not a header field is kept as a non-field line and reported
/// with the other tolerated [`Deviation`]s. The returned block borrows from
/// `message`; no byte is copied.
///
/// ```
/// use mailtrail_message::split;
///
/// let block = split(b"From: alice@example.com\r\nTo: bob@example.org\r\n\r\nHello");
///
/// assert_eq!(block.len(), 2);
/// assert_eq!(block.get("to").unwrap().value().raw(), b" bob@example.org");
/// assert_eq!(block.body_offset(), Some(48));
/// assert!(block.deviations().is_empty());
/// ```
pub fn split(message: &[u8]) -> HeaderBlock<'_> {
    let mut splitter = Splitter {
        fields: Vec::with_capacity(EXPECTED_FIELDS),
        ..Splitter::default()
    };
    let mut position = 0;

    while position < message.len() {
        let line = Line::at(message, position);

        if line.is_empty() {
            splitter.separator = Some(line.whole());
            break;
        }

        splitter.take_line(message, line);
        position = line.end;
    }

    splitter.finish(message)
}

/// The state of one pass: entries closed so far and the one still open.
#[derive(Default)]
struct Splitter {
    fields: Vec<FieldLayout>,
    lines: Vec<LineLayout>,
    deviations: Vec<Deviation>,
    open: Option<OpenEntry>,
    separator: Option<Span>,
}

/// The entry that continuation lines would extend.
enum OpenEntry {
    Field(FieldLayout),
    NonField {
        layout: LineLayout,
        deviation: usize,
    },
}

impl Splitter {
    /// Files one non-empty line. Deviations of the whole line come first, as
    /// they start where the line starts; then the entry it starts or
    /// continues, whose deviations start at or after that point.
    fn take_line(&mut self, message: &[u8], line: Line) {
        let content = &message[line.start..line.content_end];
        let continuation = matches!(content.first(), Some(b' ' | b'\t'));

        if content.len() > MAX_LINE_LENGTH {
            self.report(DeviationKind::LineTooLong, line.content());
        }

        if continuation && content.iter().all(|&byte| is_wsp(byte)) {
            self.report(DeviationKind::WhitespaceOnlyLine, line.content());
        }

        if continuation {
            self.continue_entry(line);
        } else {
            self.close();
            self.open_entry(content, line);
        }
    }

    /// Starts a field if the line reads `name *WSP ":"`, else a kept line.
    fn open_entry(&mut self, content: &[u8], line: Line) {
        let name_length = field_name_length(content);
        let after_name = &content[name_length..];
        let space_length = after_name.iter().position(|&byte| !is_wsp(byte));
        let colon = name_length + space_length.unwrap_or(after_name.len());

        if name_length == 0 || content.get(colon) != Some(&b':') {
            self.open_non_field(classify_non_field(content), line);
            return;
        }

        let name_end = line.start + name_length;
        if colon > name_length {
            // RFC 5322 §4.5.3: obs-optional allows WSP before the colon.
            let space = Span::new(name_end, line.start + colon);
            self.report(DeviationKind::WhitespaceBeforeColon, space);
        }

        self.open = Some(OpenEntry::Field(FieldLayout {
            span: line.whole(),
            name_end,
            value: Span::new(line.start + colon + 1, line.content_end),
            folded: false,
        }));
    }

    /// Starts a kept non-field line, reported at once so that its deviation
    /// precedes those of its continuation lines; its end grows with them.
    fn open_non_field(&mut self, kind: DeviationKind, line: Line) {
        let layout = LineLayout {
            span: line.whole(),
            kind,
        };

        self.report(kind, layout.span);
        self.open = Some(OpenEntry::NonField {
            layout,
            deviation: self.deviations.len() - 1,
        });
    }

    /// Extends the open entry by a continuation line; with no entry open, the
    /// line is a stray continuation and is kept as a non-field line.
    fn continue_entry(&mut self, line: Line) {
        match &mut self.open {
            Some(OpenEntry::Field(layout)) => {
                layout.span.end = line.end;
                layout.value.end = line.content_end;
                layout.folded = true;
            }
            Some(OpenEntry::NonField { layout, deviation }) => {
                layout.span.end = line.end;
                self.deviations[*deviation].span.end = line.end;
            }
            None => self.open_non_field(DeviationKind::StrayContinuation, line),
        }
    }

    /// Moves the open entry, if any, to the closed ones.
    fn close(&mut self) {
        match self.open.take() {
            Some(OpenEntry::Field(layout)) => self.fields.push(layout),
            Some(OpenEntry::NonField { layout, .. }) => self.lines.push(layout),
            None => {}
        }
    }

    fn report(&mut self, kind: DeviationKind, span: Span) {
        self.deviations.push(Deviation { kind, span });
    }

    fn finish(mut self, message: &[u8]) -> HeaderBlock<'_> {
        self.close();

        let header_end = self
            .separator
            .map_or(message.len(), |separator| separator.start);

        HeaderBlock::new(
            &message[..header_end],
            self.fields,
            self.lines,
            self.deviations,
            self.separator,
        )
    }
}

/// One physical line: its content, then its line end (CRLF, bare LF, or
/// nothing at the end of the input).
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

impl Line {
    fn at(message: &[u8], start: usize) -> Self {
        let Some(newline) = memchr::memchr(b'\n', &message[start..]) else {
            return Self {
                start,
                content_end: message.len(),
                end: message.len(),
            };
        };

        let newline = start + newline;
        let carriage_return = newline > start && message[newline - 1] == b'\r';

        Self {
            start,
            content_end: newline - usize::from(carriage_return),
            end: newline + 1,
        }
    }

    /// Whether the line has no content: the separator before the body.
    const fn is_empty(&self) -> bool {
        self.content_end == self.start
    }

    /// The line without its line end.
    const fn content(&self) -> Span {
        Span::new(self.start, self.content_end)
    }

    /// The line with its line end.
    const fn whole(&self) -> Span {
        Span::new(self.start, self.end)
    }
}

/// Names why a line that starts an entry is not a header field.
fn classify_non_field(content: &[u8]) -> DeviationKind {
    if content.starts_with(b"From ") {
        DeviationKind::MboxFromLine
    } else if content.contains(&b':') {
        DeviationKind::InvalidFieldName
    } else {
        DeviationKind::MissingColon
    }
}

/// Length of the run of `ftext` that starts `content`, the field name if a
/// colon follows. Nearly every field reads `name:`, so the bytes before the
/// first colon are checked in one branch-free pass (it vectorizes); only
/// when one of them is not `ftext` are they walked byte by byte.
fn field_name_length(content: &[u8]) -> usize {
    if let Some(colon) = memchr::memchr(b':', content) {
        let name = &content[..colon];
        if name.iter().fold(true, |all, &byte| all & is_ftext(byte)) {
            return colon;
        }
    }

    let length = content.iter().position(|&byte| !is_ftext(byte));
    length.unwrap_or(content.len())
}

/// `ftext`, the bytes of a field name (RFC 5322 §3.6.8): printable US-ASCII
/// except the colon.
const fn is_ftext(byte: u8) -> bool {
    matches!(byte, 33..=57 | 59..=126)
}

/// `WSP`, space or horizontal tab (RFC 5234 Appendix B.1).
const fn is_wsp(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t')
}

/// Room for the fields of a typical message header, so that the field list
/// is rarely grown (and copied) while splitting.
const EXPECTED_FIELDS: usize = 32;

/// RFC 5322 §2.1.1: a line must be no more than 998 characters, line end
/// excluded.
const MAX_LINE_LENGTH: usize = 998;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::Entry;

    fn kinds(block: &HeaderBlock<'_>) -> Vec<DeviationKind> {
        block
            .deviations()
            .iter()
            .map(|deviation| deviation.kind)
            .collect()
    }

    fn rebuilt(block: &HeaderBlock<'_>) -> Vec<u8> {
        block
            .entries()
            .flat_map(|entry| entry.raw().to_vec())
            .collect()
    }

    #[test]
    fn crlf_fields_are_split_with_names_values_and_spans() {
        let message = b"From: alice@example.com\r\nSubject: hello\r\n\r\nbody\r\n";
        let block = split(message);
        let subject = block.field(1).unwrap();

        assert_eq!(block.len(), 2);
        assert_eq!(subject.name(), "Subject");
        assert_eq!(subject.name_span().range(), 25..32);
        assert_eq!(subject.span().range(), 25..41);
        assert_eq!(subject.value().span().range(), 33..39);
        assert_eq!(subject.value().raw(), b" hello");
        assert_eq!(block.separator(), Some(Span::new(41, 43)));
        assert_eq!(block.body_offset(), Some(43));
        assert_eq!(block.as_bytes(), &message[..41]);
    }

    #[test]
    fn bare_lf_and_mixed_line_ends_are_accepted() {
        let block = split(b"A: 1\nB: 2\r\nC: 3\n\r\nbody");
        let values: Vec<&[u8]> = block.fields().map(|field| field.value().raw()).collect();

        assert_eq!(values, [&b" 1"[..], b" 2", b" 3"]);
        assert_eq!(block.field(1).unwrap().raw(), b"B: 2\r\n");
        assert_eq!(block.body_offset(), Some(18));
        assert!(block.deviations().is_empty());
    }

    #[test]
    fn folded_field_keeps_raw_bytes_and_unfolds_its_value() {
        let message =
            b"Received: from mx.example.net\r\n\tby mx.example.com\n  with ESMTP\r\nX: y\r\n\r\n";
        let block = split(message);
        let received = block.get("received").unwrap();

        assert_eq!(received.raw(), &message[..64]);
        assert!(received.value().is_folded());
        assert_eq!(
            received.value().unfolded_text(),
            " from mx.example.net\tby mx.example.com  with ESMTP"
        );
        assert!(!block.get("x").unwrap().value().is_folded());
    }

    #[test]
    fn stray_continuation_at_top_is_kept_as_deviation() {
        let block = split(b" leading\r\n\tmore\r\nSubject: hi\r\n\r\n");
        let line = block.non_field_lines().next().unwrap();

        assert_eq!(line.kind(), DeviationKind::StrayContinuation);
        assert_eq!(line.raw(), b" leading\r\n\tmore\r\n");
        assert_eq!(block.deviations()[0].span.range(), 0..17);
        assert_eq!(block.field(0).unwrap().name(), "Subject");
    }

    #[test]
    fn line_without_colon_is_kept_with_its_continuations() {
        let block = split(b"A: 1\r\nno colon here\r\n folded too\r\nB: 2\r\n\r\n");
        let line = block.non_field_lines().next().unwrap();

        assert_eq!(kinds(&block), [DeviationKind::MissingColon]);
        assert_eq!(line.raw(), b"no colon here\r\n folded too\r\n");
        assert_eq!(block.deviations()[0].span, line.span());
        assert_eq!(block.len(), 2);
    }

    #[test]
    fn mbox_from_line_is_reported_even_with_colons_in_its_date() {
        let block = split(b"From bounce@example.org Tue Mar  5 09:12:44 2024\nTo: x\n\n");

        assert_eq!(kinds(&block), [DeviationKind::MboxFromLine]);
        assert_eq!(block.field(0).unwrap().name(), "To");
    }

    #[test]
    fn from_field_with_space_before_colon_is_a_field_not_an_mbox_line() {
        let block = split(b"From : alice@example.com\r\n\r\n");

        assert_eq!(kinds(&block), [DeviationKind::WhitespaceBeforeColon]);
        assert_eq!(
            block.get("from").unwrap().value().raw(),
            b" alice@example.com"
        );
    }

    #[test]
    fn whitespace_before_colon_is_accepted_and_reported() {
        let block = split(b"Subject \t: hi\r\n\r\n");
        let subject = block.field(0).unwrap();

        assert_eq!(subject.name(), "Subject");
        assert_eq!(subject.value().raw(), b" hi");
        assert_eq!(block.deviations()[0].span.range(), 7..9);
    }

    #[test]
    fn invalid_field_names_are_kept_as_non_field_lines() {
        let block = split(b": empty name\r\nTwo words: x\r\nNa\xefve: y\r\n\r\n");

        assert!(block.is_empty());
        assert_eq!(kinds(&block), [DeviationKind::InvalidFieldName; 3]);
    }

    #[test]
    fn empty_field_values_are_fields() {
        let block = split(b"Cc:\r\nBcc: \r\n\r\n");

        assert_eq!(block.field(0).unwrap().value().raw(), b"");
        assert_eq!(block.field(0).unwrap().value().span().range(), 3..3);
        assert_eq!(block.field(1).unwrap().value().raw(), b" ");
        assert!(block.deviations().is_empty());
    }

    #[test]
    fn message_without_separator_has_headers_to_the_end() {
        let message = b"A: 1\r\nB: 2";
        let block = split(message);

        assert_eq!(block.separator(), None);
        assert_eq!(block.body_offset(), None);
        assert_eq!(block.as_bytes(), message);
        assert_eq!(block.field(1).unwrap().raw(), b"B: 2");
    }

    #[test]
    fn message_starting_with_empty_line_has_no_headers() {
        let block = split(b"\r\nA: not a header\r\n");

        assert!(block.is_empty());
        assert_eq!(block.entries().count(), 0);
        assert_eq!(block.separator(), Some(Span::new(0, 2)));
        assert_eq!(block.body_offset(), Some(2));
    }

    #[test]
    fn empty_input_gives_an_empty_block_without_body() {
        let block = split(b"");

        assert!(block.is_empty());
        assert_eq!(block.body_offset(), None);
    }

    #[test]
    fn nul_and_eight_bit_bytes_are_kept_in_values() {
        let message = b"X-Bin: a\0b\xff\xfe\r\n\r\n";
        let block = split(message);

        assert_eq!(block.field(0).unwrap().value().raw(), b" a\0b\xff\xfe");
        assert_eq!(rebuilt(&block), &message[..14]);
    }

    #[test]
    fn lone_carriage_return_is_content_not_a_line_end() {
        let block = split(b"A: x\ry\r\n\r\n");

        assert_eq!(block.len(), 1);
        assert_eq!(block.field(0).unwrap().value().raw(), b" x\ry");
    }

    #[test]
    fn very_long_line_is_kept_whole_and_reported() {
        let mut message = b"X-Long: ".to_vec();
        message.extend(std::iter::repeat_n(b'a', 200_000));
        message.extend_from_slice(b"\r\n\r\n");
        let block = split(&message);

        assert_eq!(block.field(0).unwrap().value().raw().len(), 200_001);
        assert_eq!(kinds(&block), [DeviationKind::LineTooLong]);
        assert_eq!(block.deviations()[0].span.range(), 0..200_008);
    }

    #[test]
    fn line_of_exactly_998_characters_is_not_too_long() {
        let mut message = b"X: ".to_vec();
        message.extend(std::iter::repeat_n(b'a', 995));
        message.extend_from_slice(b"\r\n\r\n");

        assert!(split(&message).deviations().is_empty());
    }

    #[test]
    fn whitespace_only_continuation_stays_in_its_field_and_is_reported() {
        let block = split(b"Subject: a\r\n \t\r\n b\r\nX: y\r\n\r\n");

        assert_eq!(kinds(&block), [DeviationKind::WhitespaceOnlyLine]);
        assert_eq!(block.deviations()[0].span.range(), 12..14);
        assert_eq!(
            block.get("subject").unwrap().value().unfolded_text(),
            " a \t b"
        );
        assert_eq!(block.len(), 2);
    }

    #[test]
    fn many_continuation_lines_unfold_in_one_pass() {
        let mut message = b"X-Folded: start".to_vec();
        for _ in 0..100_000 {
            message.extend_from_slice(b"\r\n x");
        }
        message.extend_from_slice(b"\r\n\r\n");
        let block = split(&message);
        let unfolded = block.field(0).unwrap().value().unfolded();

        assert_eq!(unfolded.len(), b" start".len() + 100_000 * 2);
        assert!(!unfolded.contains(&b'\n'));
    }

    #[test]
    fn deviations_are_reported_in_input_order() {
        let block = split(b" stray\r\nA : 1\r\n  \r\nno colon\r\n\r\n");

        assert_eq!(
            kinds(&block),
            [
                DeviationKind::StrayContinuation,
                DeviationKind::WhitespaceBeforeColon,
                DeviationKind::WhitespaceOnlyLine,
                DeviationKind::MissingColon,
            ]
        );
        let starts: Vec<usize> = block.deviations().iter().map(|d| d.span.start).collect();
        assert!(starts.is_sorted());
    }

    #[test]
    fn long_line_is_reported_before_the_space_before_its_colon() {
        let mut message = b"Long : ".to_vec();
        message.extend(std::iter::repeat_n(b'a', 1_000));
        let block = split(&message);

        assert_eq!(
            kinds(&block),
            [
                DeviationKind::LineTooLong,
                DeviationKind::WhitespaceBeforeColon
            ]
        );
    }

    #[test]
    fn stray_whitespace_only_line_is_reported_once_as_each_kind() {
        let block = split(b" \t\r\nA: 1\r\n\r\n");

        assert_eq!(
            kinds(&block),
            [
                DeviationKind::WhitespaceOnlyLine,
                DeviationKind::StrayContinuation
            ]
        );
        assert_eq!(block.deviations()[1].span.range(), 0..4);
    }

    #[test]
    fn entries_of_a_block_match_field_and_line_views() {
        let block = split(b"A: 1\r\nbad\r\nB: 2\r\n\r\n");
        let spans: Vec<Span> = block.entries().map(|entry| entry.span()).collect();

        assert_eq!(
            spans,
            [Span::new(0, 6), Span::new(6, 11), Span::new(11, 17)]
        );
        assert!(matches!(block.entries().nth(1), Some(Entry::NonField(_))));
    }

    /// A well-formed field: a name, then value pieces joined by folding.
    fn well_formed_field() -> impl Strategy<Value = (String, Vec<String>)> {
        let name = "[A-Za-z][A-Za-z0-9-]{0,20}";
        let piece = "[ \t][!-~][ -~]{0,29}";
        (name, proptest::collection::vec(piece, 1..4))
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_rebuild_the_header_block(
            message in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let block = split(&message);

            prop_assert_eq!(rebuilt(&block), block.as_bytes());
            prop_assert_eq!(block.as_bytes(), &message[..block.span().end]);
        }

        #[test]
        fn the_name_length_is_the_leading_run_of_ftext(
            content in proptest::collection::vec(
                prop_oneof![Just(b':'), Just(b' '), Just(b'a'), Just(b'-'), any::<u8>()],
                0..40,
            ),
        ) {
            let walked = content.iter().position(|&byte| !is_ftext(byte));

            prop_assert_eq!(field_name_length(&content), walked.unwrap_or(content.len()));
        }

        #[test]
        fn line_oriented_bytes_rebuild_the_header_block(
            lines in proptest::collection::vec("[ \tA-Za-z:\r\0\u{80}-\u{ff}]{0,12}", 0..24),
            crlf in any::<bool>(),
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let message = lines.join(end).into_bytes();
            let block = split(&message);

            prop_assert_eq!(rebuilt(&block), block.as_bytes());
        }

        #[test]
        fn well_formed_messages_split_into_their_fields(
            fields in proptest::collection::vec(well_formed_field(), 0..12),
            line_ends in proptest::collection::vec(any::<bool>(), 64),
            body in "[ -~\r\n]{0,40}",
        ) {
            let mut message = Vec::new();
            let mut ends = line_ends.iter().cycle();
            let mut line_end = || if *ends.next().unwrap() { &b"\r\n"[..] } else { b"\n" };
            for (name, pieces) in &fields {
                message.extend_from_slice(format!("{name}:").as_bytes());
                for (number, piece) in pieces.iter().enumerate() {
                    if number > 0 {
                        message.extend_from_slice(line_end());
                    }
                    message.extend_from_slice(piece.as_bytes());
                }
                message.extend_from_slice(line_end());
            }
            let header_end = message.len();
            message.extend_from_slice(line_end());
            let body_offset = message.len();
            message.extend_from_slice(body.as_bytes());
            let block = split(&message);

            prop_assert!(block.deviations().is_empty());
            prop_assert_eq!(block.len(), fields.len());
            prop_assert_eq!(block.as_bytes(), &message[..header_end]);
            prop_assert_eq!(block.body_offset(), Some(body_offset));
            prop_assert_eq!(rebuilt(&block), block.as_bytes());
            for (field, (name, pieces)) in block.fields().zip(&fields) {
                prop_assert_eq!(field.name(), name.as_str());
                prop_assert_eq!(field.value().unfolded_text(), pieces.concat());
                prop_assert_eq!(field.value().is_folded(), pieces.len() > 1);
                prop_assert_eq!(&message[field.value().span().range()], field.value().raw());
            }
        }
    }
}
