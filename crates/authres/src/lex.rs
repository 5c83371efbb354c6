//! The tokens of an Authentication-Results value, read by a cursor that
//! keeps its position and the deviations found so far.
//!
//! The grammar of [RFC 8601 §2.2](https://www.rfc-editor.org/rfc/rfc8601#section-2.2)
//! builds on three others: `CFWS` and `quoted-string` from RFC 5322 §3.2
//! (read with [`mailtrail_message::lexical`]), `Keyword` from RFC 5321
//! §4.1.2 (letters, digits and inner hyphens), and `value`, a `token` or
//! `quoted-string`, from RFC 2045 §5.1. RFC 8616 §5 lets values and
//! quoted strings hold UTF-8, so every non-ASCII character counts as token
//! text here.
//!
//! The cursor looks at each byte a bounded number of times: a comment or
//! quoted string is scanned once from delimiter to delimiter, counting
//! nesting instead of recursing, so any input is read in linear time.

use std::borrow::Cow;

use mailtrail_message::Span;
use mailtrail_message::lexical;

use crate::syntax::{
    CFWS_START, COMMENT_TEXT, DIGIT, PLAIN, RUN, RUN_BEFORE_EQUALS, classes_of,
    comment_text_length, has_control, is, is_control,
};
use crate::{Comments, Deviation, DeviationKind, Expected, ParseError, Strictness};

/// A position in the value being parsed, and what was tolerated so far.
pub(crate) struct Cursor<'a> {
    input: &'a str,
    position: usize,
    base: usize,
    strictness: Strictness,
    deviations: Vec<Deviation>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `input`, whose first byte is at offset
    /// `base` in the message.
    pub(crate) const fn new(input: &'a str, base: usize, strictness: Strictness) -> Self {
        Self {
            input,
            position: 0,
            base,
            strictness,
            deviations: Vec::new(),
        }
    }

    /// The deviations found, in input order.
    pub(crate) fn into_deviations(mut self) -> Vec<Deviation> {
        if !self
            .deviations
            .is_sorted_by_key(|deviation| deviation.span.start)
        {
            self.deviations
                .sort_by_key(|deviation| deviation.span.start);
        }

        self.deviations
    }

    /// The current offset in the input.
    pub(crate) const fn position(&self) -> usize {
        self.position
    }

    /// Moves back to `position`, an offset returned by [`Cursor::position`].
    pub(crate) const fn rewind(&mut self, position: usize) {
        self.position = position;
    }

    /// Whether deviations are errors.
    pub(crate) fn is_strict(&self) -> bool {
        self.strictness == Strictness::Strict
    }

    /// The input from `start` to the current position.
    pub(crate) fn slice(&self, start: usize) -> &'a str {
        &self.input[start..self.position]
    }

    /// The input from the current position on.
    pub(crate) fn rest(&self) -> &'a str {
        &self.input[self.position..]
    }

    /// The byte at the current position.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.position).copied()
    }

    /// Whether the whole input has been read.
    pub(crate) const fn at_end(&self) -> bool {
        self.position >= self.input.len()
    }

    /// Whether the current position ends a result: the end, or a `;`.
    pub(crate) fn at_separator(&self) -> bool {
        matches!(self.peek(), None | Some(b';'))
    }

    /// Consumes `byte` if it is next.
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.position += usize::from(found);

        found
    }

    /// The span of input offsets `start..end` in message offsets.
    pub(crate) const fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    /// Reports a deviation at `start..end`: recorded when lenient, an error
    /// when strict.
    pub(crate) fn deviate(
        &mut self,
        kind: DeviationKind,
        start: usize,
        end: usize,
    ) -> Result<(), ParseError> {
        if self.is_strict() {
            return Err(ParseError::Deviation {
                deviation: kind,
                offset: start,
            });
        }

        let span = self.span(start, end);
        self.deviations.push(Deviation { kind, span });
        Ok(())
    }

    /// In strict mode, fails with `expected` here; in lenient mode, skips
    /// from `start` to the next `;` and reports the skipped text.
    pub(crate) fn skip_or_expect(
        &mut self,
        start: usize,
        expected: Expected,
    ) -> Result<(), ParseError> {
        if self.is_strict() {
            return Err(ParseError::Expected {
                expected,
                offset: self.position,
            });
        }

        self.skip_to_separator()?;
        let end = self.trimmed_end(start);
        self.deviate(DeviationKind::SkippedText, start, end)
    }

    /// Skips to the next `;` that is not inside a comment or quoted string,
    /// or to the end.
    pub(crate) fn skip_to_separator(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                None | Some(b';') => return Ok(()),
                Some(b'(') => drop(self.comment()?),
                Some(b'"') => drop(self.quoted_string()?),
                Some(b' ' | b'\t' | b'\r' | b'\n') => {
                    let before = self.position;
                    self.skip_fws()?;
                    // A carriage return alone is no line break; pass it.
                    self.position += usize::from(self.position == before);
                }
                Some(_) => self.position += 1,
            }

            while self.peek().is_some_and(|byte| is(byte, PLAIN)) {
                self.position += 1;
            }
        }
    }

    /// The end of the text from `start` to the current position, white
    /// space at its end left out.
    pub(crate) fn trimmed_end(&self, start: usize) -> usize {
        let text = &self.input.as_bytes()[start..self.position];
        let trailing = text
            .iter()
            .rev()
            .take_while(|byte| byte.is_ascii_whitespace())
            .count();

        self.position - trailing
    }

    /// `[CFWS]`: skips white space, folding and comments, adding the meaning
    /// of each comment to `comments`. Returns whether anything was skipped.
    #[inline]
    pub(crate) fn cfws(&mut self, comments: &mut Comments<'a>) -> Result<bool, ParseError> {
        let bytes = self.input.as_bytes();

        match bytes.get(self.position) {
            Some(b' ' | b'\t') => {
                // Most often a single space before the next part.
                let next = bytes.get(self.position + 1);
                self.position += 1;
                if next.is_some_and(|&byte| is(byte, CFWS_START)) {
                    self.skip_cfws(comments)?;
                }
                Ok(true)
            }
            Some(b'\r' | b'\n' | b'(') => self.skip_cfws(comments),
            _ => Ok(false),
        }
    }

    /// The work of [`Cursor::cfws`] once there is something to skip.
    fn skip_cfws(&mut self, comments: &mut Comments<'a>) -> Result<bool, ParseError> {
        let start = self.position;

        loop {
            self.skip_fws()?;
            if self.peek() != Some(b'(') {
                return Ok(self.position > start);
            }

            let comment = self.comment()?;
            comments.push(comment);
        }
    }

    /// `[FWS]`: white space, and line breaks followed by white space. A line
    /// break followed by anything else would end the field: an error.
    fn skip_fws(&mut self) -> Result<(), ParseError> {
        let bytes = self.input.as_bytes();
        let mut position = self.position;

        loop {
            match bytes.get(position) {
                Some(b' ' | b'\t') => position += 1,
                Some(b'\r') if bytes.get(position + 1) == Some(&b'\n') => {
                    if !matches!(bytes.get(position + 2), Some(b' ' | b'\t')) {
                        return Err(ParseError::LineBreak { offset: position });
                    }
                    position += 3;
                }
                Some(b'\n') => {
                    if !matches!(bytes.get(position + 1), Some(b' ' | b'\t')) {
                        return Err(ParseError::LineBreak { offset: position });
                    }
                    position += 2;
                }
                _ => break,
            }
        }

        self.position = position;
        Ok(())
    }

    /// A `comment` at the current position, as its meaning.
    ///
    /// This scans like [`lexical::comment`], counting nesting rather than
    /// recursing, and notes whether the text holds a quoted-pair, a line
    /// break or a control character, which [`lexical::unescape`] or checking
    /// must see; a plain comment is borrowed after one pass over its bytes.
    pub(crate) fn comment(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let start = self.position;
        let bytes = self.input.as_bytes();
        let mut depth = 0_usize;
        let mut plain = true;
        let mut position = start;

        loop {
            match bytes.get(position) {
                None => return Err(ParseError::UnclosedComment { offset: start }),
                Some(b'(') => depth += 1,
                Some(b')') if depth == 1 => break,
                Some(b')') => depth -= 1,
                Some(b'\\') => {
                    plain = false;
                    position += 1;
                }
                Some(&byte) if is(byte, COMMENT_TEXT) => {
                    // Plain text, passed over eight bytes at a time; the
                    // scan may stop at this very byte if it is a tab.
                    position += comment_text_length(&bytes[position..]).max(1);
                    continue;
                }
                Some(_) => plain = false,
            }
            position += 1;
        }

        self.position = position + 1;
        let text = &self.input[start + 1..position];
        self.meaning(text, start + 1, plain)
    }

    /// A `quoted-string` at the current position, as its meaning; see
    /// [`lexical::quoted_string_text`].
    pub(crate) fn quoted_string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let start = self.position;
        let bytes = self.input.as_bytes();
        let mut escaped = false;
        let mut position = start + 1;

        loop {
            position += bytes
                .get(position..)
                .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                .ok_or(ParseError::UnclosedQuotedString { offset: start })?;

            if bytes[position] == b'"' {
                break;
            }
            escaped = true;
            position += 2;
        }

        self.position = position + 1;
        let text = &self.input[start + 1..position];
        self.meaning(text, start + 1, !escaped && !has_control(text))
    }

    /// The meaning of the text of a comment or quoted string starting at
    /// `offset`: borrowed when `plain` (no quoted-pair, folding or control
    /// character), else checked and unescaped.
    fn meaning(
        &mut self,
        text: &'a str,
        offset: usize,
        plain: bool,
    ) -> Result<Cow<'a, str>, ParseError> {
        if plain {
            return Ok(Cow::Borrowed(text));
        }

        self.check_line_breaks(text, offset)?;
        let meaning = lexical::unescape(text);

        // What the text means, after quoted-pairs and folding, decides: a
        // quoted line break is as much a control character as a bare one.
        if let Some(index) = meaning.bytes().position(is_control) {
            let at = offset + text.bytes().position(is_control).unwrap_or(index);
            self.deviate(DeviationKind::ControlCharacter, at, at + 1)?;
        }

        Ok(meaning)
    }

    /// Checks that every line break in the text of a comment or quoted
    /// string starting at `offset` is folding: one followed by anything but
    /// white space would end the field.
    fn check_line_breaks(&self, text: &str, offset: usize) -> Result<(), ParseError> {
        let bytes = text.as_bytes();

        for newline in memchr::memchr_iter(b'\n', bytes) {
            if !matches!(bytes.get(newline + 1), Some(b' ' | b'\t')) {
                let carriage_return = newline > 0 && bytes[newline - 1] == b'\r';
                return Err(ParseError::LineBreak {
                    offset: offset + newline - usize::from(carriage_return),
                });
            }
        }

        Ok(())
    }

    /// A run of bytes of `class` at the current position, if any.
    #[inline]
    pub(crate) fn word(&mut self, class: u16) -> Option<&'a str> {
        let length = self.word_length(class);
        if length == 0 {
            return None;
        }

        let word = &self.input[self.position..self.position + length];
        self.position += length;
        Some(word)
    }

    /// The length of the run of bytes of `class` at the current position.
    #[inline]
    pub(crate) fn word_length(&self, class: u16) -> usize {
        let bytes = &self.input.as_bytes()[self.position..];

        bytes
            .iter()
            .position(|&byte| !is(byte, class))
            .unwrap_or(bytes.len())
    }

    /// The length of the run of bytes of `class` starting `offset` bytes
    /// after the current position.
    #[inline]
    pub(crate) fn run_length_at(&self, offset: usize, class: u16) -> usize {
        let bytes = self.input.as_bytes();
        let bytes = bytes.get(self.position + offset..).unwrap_or_default();

        bytes
            .iter()
            .position(|&byte| !is(byte, class))
            .unwrap_or(bytes.len())
    }

    /// The length of the run of bytes of `class` starting `offset` bytes
    /// after the current position, and the classes all its bytes share.
    #[inline]
    pub(crate) fn run_and_classes_at(&self, offset: usize, class: u16) -> (usize, u16) {
        let bytes = self.input.as_bytes();
        let bytes = bytes.get(self.position + offset..).unwrap_or_default();
        let mut shared = u16::MAX;

        for (length, &byte) in bytes.iter().enumerate() {
            let classes = classes_of(byte);
            if classes & class == 0 {
                return (length, shared);
            }
            shared &= classes;
        }

        (bytes.len(), shared)
    }

    /// The byte `offset` bytes after the current position.
    #[inline]
    pub(crate) fn peek_at(&self, offset: usize) -> Option<u8> {
        self.input.as_bytes().get(self.position + offset).copied()
    }

    /// Consumes `length` bytes and returns them.
    #[inline]
    pub(crate) fn take(&mut self, length: usize) -> &'a str {
        let taken = &self.input[self.position..self.position + length];
        self.position += length;
        taken
    }

    /// A run of digits as a number, if any: `1*DIGIT`.
    pub(crate) fn number(&mut self) -> Result<Option<u32>, ParseError> {
        let start = self.position;
        let Some(digits) = self.word(DIGIT) else {
            return Ok(None);
        };

        digits
            .parse()
            .map(Some)
            .map_err(|_| ParseError::NumberTooLarge { offset: start })
    }

    /// A value run: everything up to white space, a separator, a comment,
    /// a quote or a backslash, and up to `=` unless `equals` allows it.
    pub(crate) fn value_run(&mut self, equals: bool) -> &'a str {
        let class = if equals { RUN } else { RUN_BEFORE_EQUALS };

        self.word(class).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfws_collects_comment_meanings_and_reports_folding() {
        let mut cursor = Cursor::new(" (a \\(b\\)) \r\n (c)x", 0, Strictness::Lenient);
        let mut comments = Comments::new();

        assert_eq!(cursor.cfws(&mut comments), Ok(true));
        assert_eq!(*comments, ["a (b)", "c"]);
        assert_eq!(cursor.rest(), "x");
    }

    #[test]
    fn line_break_without_white_space_after_it_is_an_error() {
        let mut cursor = Cursor::new("  \r\nX-Injected: 1", 0, Strictness::Lenient);

        assert_eq!(
            cursor.cfws(&mut Comments::new()),
            Err(ParseError::LineBreak { offset: 2 })
        );
    }

    #[test]
    fn line_break_inside_a_quoted_string_must_be_folding() {
        let mut folded = Cursor::new("\"a\r\n b\"", 0, Strictness::Lenient);
        let mut broken = Cursor::new("\"a\r\nX: b\"", 0, Strictness::Lenient);

        assert_eq!(folded.quoted_string().as_deref(), Ok("a b"));
        assert_eq!(
            broken.quoted_string(),
            Err(ParseError::LineBreak { offset: 2 })
        );
    }

    #[test]
    fn control_character_in_a_comment_is_a_deviation_once() {
        let mut cursor = Cursor::new("(a\u{1}b\u{0})", 10, Strictness::Lenient);

        assert_eq!(cursor.comment().as_deref(), Ok("a\u{1}b\u{0}"));
        let deviations = cursor.into_deviations();
        assert_eq!(deviations.len(), 1);
        assert_eq!(deviations[0].span, Span::new(12, 13));
    }

    #[test]
    fn backslash_at_the_end_leaves_a_comment_or_quoted_string_open() {
        let mut comment = Cursor::new("(a\\", 0, Strictness::Lenient);
        let mut quoted = Cursor::new("\"a\\", 0, Strictness::Lenient);

        assert_eq!(
            comment.comment(),
            Err(ParseError::UnclosedComment { offset: 0 })
        );
        assert_eq!(
            quoted.quoted_string(),
            Err(ParseError::UnclosedQuotedString { offset: 0 })
        );
    }

    #[test]
    fn quoted_line_break_is_a_control_character_in_the_meaning() {
        let mut cursor = Cursor::new("(a\\\n b)", 0, Strictness::Lenient);

        assert_eq!(cursor.comment().as_deref(), Ok("a\n b"));
        assert_eq!(
            cursor.into_deviations()[0].kind,
            DeviationKind::ControlCharacter
        );
    }

    #[test]
    fn skipping_passes_over_semicolons_in_comments_and_quotes() {
        let mut cursor = Cursor::new("a (;) \"b;\" c; d", 0, Strictness::Lenient);

        cursor.skip_to_separator().unwrap();
        assert_eq!(cursor.rest(), "; d");
        assert_eq!(cursor.trimmed_end(0), 12);
    }

    #[test]
    fn numbers_too_large_for_32_bits_are_errors() {
        let mut cursor = Cursor::new("4294967296", 5, Strictness::Lenient);

        assert_eq!(
            cursor.number(),
            Err(ParseError::NumberTooLarge { offset: 0 })
        );
        assert_eq!(
            Cursor::new("42;", 0, Strictness::Lenient).number(),
            Ok(Some(42))
        );
    }
}
