//! One header field: name, raw bytes, and value, folded and unfolded.
//!
//! A field is a name, a colon and a value that may be folded over several
//! lines ([RFC 5322 §2.2](https://www.rfc-editor.org/rfc/rfc5322#section-2.2)).
//! Unfolding removes each line break that is followed by white space
//! ([§2.2.3](https://www.rfc-editor.org/rfc/rfc5322#section-2.2.3)); it is
//! done on request, and allocates only when the value really is folded.

use std::borrow::Cow;
use std::fmt;

use crate::Span;

/// A header field of a [`HeaderBlock`](crate::HeaderBlock), borrowed from it.
///
/// Obtained from [`HeaderBlock::fields`](crate::HeaderBlock::fields) and the
/// look-ups beside it. The view is `Copy` and costs nothing to make.
///
/// ```
/// use mailtrail_message::split;
///
/// let block = split(b"Subject: quarterly\r\n report\r\n\r\nbody");
/// let subject = block.get("subject").unwrap();
///
/// assert_eq!(subject.name(), "Subject");
/// assert_eq!(subject.raw(), b"Subject: quarterly\r\n report\r\n");
/// assert_eq!(subject.span().range(), 0..29);
/// assert_eq!(subject.value().unfolded_text(), " quarterly report");
/// ```
#[derive(Clone, Copy)]
pub struct HeaderField<'b> {
    source: &'b [u8],
    layout: FieldLayout,
    index: usize,
}

impl<'b> HeaderField<'b> {
    pub(crate) const fn new(source: &'b [u8], layout: FieldLayout, index: usize) -> Self {
        Self {
            source,
            layout,
            index,
        }
    }

    /// Position of the field among the fields of its block, from 0 at the
    /// top. Lines that are not fields do not count.
    pub const fn index(&self) -> usize {
        self.index
    }

    /// The field name as written, without any white space before the colon.
    ///
    /// Names are made of `ftext` (RFC 5322 §3.6.8), printable US-ASCII, so
    /// they are always text.
    pub fn name(&self) -> &'b str {
        let bytes = slice(self.source, self.name_span());

        std::str::from_utf8(bytes).unwrap_or_default()
    }

    /// Span of the field name.
    pub const fn name_span(&self) -> Span {
        Span::new(self.layout.span.start, self.layout.name_end)
    }

    /// Whether the field is called `name`, compared without regard to ASCII
    /// case: field names are ABNF literals, which are case-insensitive
    /// (RFC 5234 §2.3).
    pub fn is_named(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name)
    }

    /// The whole field exactly as received: name, colon, value, folding and
    /// the final line end (absent only on a last line cut short by the end of
    /// the input).
    pub fn raw(&self) -> &'b [u8] {
        slice(self.source, self.layout.span)
    }

    /// Span of the whole field, line end included.
    pub const fn span(&self) -> Span {
        self.layout.span
    }

    /// The field value: everything after the colon, up to the final line end.
    pub fn value(&self) -> FieldValue<'b> {
        FieldValue {
            raw: slice(self.source, self.layout.value),
            span: self.layout.value,
            folded: self.layout.folded,
        }
    }
}

impl fmt::Debug for HeaderField<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HeaderField")
            .field("index", &self.index)
            .field("name", &self.name())
            .field("span", &self.span())
            .field("value", &self.value())
            .finish()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for HeaderField<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        let mut state = serializer.serialize_struct("HeaderField", 6)?;
        state.serialize_field("index", &self.index)?;
        state.serialize_field("name", self.name())?;
        state.serialize_field("name_span", &self.name_span())?;
        state.serialize_field("span", &self.span())?;
        state.serialize_field("raw", &String::from_utf8_lossy(self.raw()))?;
        state.serialize_field("value", &self.value())?;
        state.end()
    }
}

/// The value of a header field, borrowed from its block.
///
/// The raw value keeps the folding; the unfolded value has every line break
/// of the folding removed, the white space after it kept (RFC 5322 §2.2.3).
/// Neither is trimmed: `Subject: hi` has the value `" hi"`.
///
/// ```
/// use std::borrow::Cow;
/// use mailtrail_message::split;
///
/// let message = b"To: alice@example.com,\n  bob@example.org\n\n";
/// let block = split(message);
/// let value = block.get("To").unwrap().value();
///
/// assert_eq!(value.raw(), b" alice@example.com,\n  bob@example.org");
/// assert_eq!(value.unfolded(), &b" alice@example.com,  bob@example.org"[..]);
/// assert_eq!(&message[value.span().range()], value.raw());
/// assert!(value.is_folded() && matches!(value.unfolded(), Cow::Owned(_)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FieldValue<'b> {
    raw: &'b [u8],
    span: Span,
    folded: bool,
}

impl<'b> FieldValue<'b> {
    /// The value bytes as received, folding kept, final line end excluded.
    pub const fn raw(&self) -> &'b [u8] {
        self.raw
    }

    /// The raw value as text if it is UTF-8 (RFC 6532), else `None`.
    ///
    /// This is the input the lexical parsers of [`lexical`](crate::lexical)
    /// should run on: positions in it map back to the message through
    /// [`FieldValue::span_of`].
    pub fn raw_str(&self) -> Option<&'b str> {
        std::str::from_utf8(self.raw).ok()
    }

    /// The raw value as text, with invalid UTF-8 replaced by U+FFFD. Borrowed
    /// unless a replacement was needed.
    pub fn raw_text(&self) -> Cow<'b, str> {
        String::from_utf8_lossy(self.raw)
    }

    /// Span of the raw value in the message.
    pub const fn span(&self) -> Span {
        self.span
    }

    /// Whether the value runs over more than one line.
    pub const fn is_folded(&self) -> bool {
        self.folded
    }

    /// The value unfolded (RFC 5322 §2.2.3): each CRLF or bare LF removed,
    /// the white space that follows it kept. Borrowed unless the value is
    /// folded; computed afresh on each call.
    pub fn unfolded(&self) -> Cow<'b, [u8]> {
        if self.folded {
            Cow::Owned(unfold(self.raw))
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// The unfolded value as text, with invalid UTF-8 replaced by U+FFFD.
    /// Borrowed unless the value is folded or needed a replacement.
    pub fn unfolded_text(&self) -> Cow<'b, str> {
        if !self.folded {
            return String::from_utf8_lossy(self.raw);
        }

        match String::from_utf8(unfold(self.raw)) {
            Ok(text) => Cow::Owned(text),
            Err(error) => Cow::Owned(String::from_utf8_lossy(error.as_bytes()).into_owned()),
        }
    }

    /// Span in the message of `part`, a slice of this value's raw bytes (for
    /// example a token a parser returned from [`FieldValue::raw_str`]), or
    /// `None` if `part` does not lie inside the raw value.
    ///
    /// ```
    /// use mailtrail_message::split;
    ///
    /// let message = b"Received: from mx.example.net by mx.example.com\r\n\r\n";
    /// let block = split(message);
    /// let value = block.get("Received").unwrap().value();
    /// let text = value.raw_str().unwrap();
    /// let host = &text[6..20];
    ///
    /// let span = value.span_of(host.as_bytes()).unwrap();
    /// assert_eq!(&message[span.range()], b"mx.example.net");
    /// assert_eq!(value.span_of(b"mx.example.net"), None);
    /// ```
    pub fn span_of(&self, part: &[u8]) -> Option<Span> {
        let base = self.raw.as_ptr() as usize;
        let start = (part.as_ptr() as usize).checked_sub(base)?;
        let end = start.checked_add(part.len())?;

        if end > self.raw.len() {
            return None;
        }

        Some(Span::new(self.span.start + start, self.span.start + end))
    }
}

impl fmt::Debug for FieldValue<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("FieldValue")
            .field("raw", &self.raw_text())
            .field("span", &self.span)
            .field("folded", &self.folded)
            .finish()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for FieldValue<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        let mut state = serializer.serialize_struct("FieldValue", 4)?;
        state.serialize_field("raw", &self.raw_text())?;
        state.serialize_field("unfolded", &self.unfolded_text())?;
        state.serialize_field("span", &self.span)?;
        state.serialize_field("folded", &self.folded)?;
        state.end()
    }
}

/// Where the parts of one field lie, as the splitter found them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldLayout {
    /// The whole field, final line end included.
    pub(crate) span: Span,
    /// Offset one past the last byte of the name.
    pub(crate) name_end: usize,
    /// The value, from after the colon to before the final line end.
    pub(crate) value: Span,
    /// Whether the field has continuation lines.
    pub(crate) folded: bool,
}

/// Removes every line break from `raw`, a value whose every line break is
/// followed by white space, in one pass.
fn unfold(raw: &[u8]) -> Vec<u8> {
    let mut unfolded = Vec::with_capacity(raw.len());
    let mut line_start = 0;

    for newline in memchr::memchr_iter(b'\n', raw) {
        let line = &raw[line_start..newline];
        unfolded.extend_from_slice(line.strip_suffix(b"\r").unwrap_or(line));
        line_start = newline + 1;
    }

    unfolded.extend_from_slice(&raw[line_start..]);
    unfolded
}

/// The bytes of `span` in `source`, or nothing if the span is out of range.
fn slice(source: &[u8], span: Span) -> &[u8] {
    source.get(span.range()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(raw: &[u8], folded: bool) -> FieldValue<'_> {
        FieldValue {
            raw,
            span: Span::new(100, 100 + raw.len()),
            folded,
        }
    }

    #[test]
    fn unfolding_removes_crlf_and_bare_lf_but_keeps_the_white_space() {
        let folded = value(b" a\r\n b\n\tc\r\n  d", true);

        assert_eq!(folded.unfolded(), &b" a b\tc  d"[..]);
    }

    #[test]
    fn unfolding_keeps_a_carriage_return_that_ends_no_line() {
        let folded = value(b" a\rb\r\r\n c", true);

        assert_eq!(folded.unfolded(), &b" a\rb\r c"[..]);
    }

    #[test]
    fn unfolded_value_is_borrowed_when_not_folded() {
        let single = value(b" plain value", false);

        assert!(matches!(single.unfolded(), Cow::Borrowed(b" plain value")));
        assert!(matches!(
            single.unfolded_text(),
            Cow::Borrowed(" plain value")
        ));
    }

    #[test]
    fn text_is_lossy_only_when_bytes_are_not_utf8() {
        let utf8 = value(" Grüße".as_bytes(), false);
        let latin1 = value(b" Gr\xfc\xdfe", false);
        let folded_latin1 = value(b" Gr\xfc\r\n \xdfe", true);

        assert!(matches!(utf8.raw_text(), Cow::Borrowed(" Grüße")));
        assert_eq!(latin1.raw_text(), " Gr\u{fffd}\u{fffd}e");
        assert_eq!(latin1.raw_str(), None);
        assert_eq!(folded_latin1.unfolded_text(), " Gr\u{fffd} \u{fffd}e");
    }

    #[test]
    fn folded_utf8_text_is_unfolded_without_replacement() {
        let folded = value(" Grü\r\n ße".as_bytes(), true);

        assert_eq!(folded.unfolded_text(), " Grü ße");
    }

    #[test]
    fn span_of_maps_a_sub_slice_to_message_offsets() {
        let raw = b" from a.example by b.example";
        let field_value = value(raw, false);

        assert_eq!(field_value.span_of(&raw[6..15]), Some(Span::new(106, 115)));
        assert_eq!(field_value.span_of(&raw[28..]), Some(Span::new(128, 128)));
        assert_eq!(field_value.span_of(b"a.example"), None);
    }

    #[test]
    fn span_of_rejects_a_slice_running_past_the_value() {
        let buffer = b" abc def";
        let field_value = value(&buffer[..4], false);

        assert_eq!(field_value.span_of(&buffer[2..6]), None);
        assert_eq!(
            field_value.span_of(&buffer[2..4]),
            Some(Span::new(102, 104))
        );
    }
}
