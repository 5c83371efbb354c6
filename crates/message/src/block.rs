//! The header block of a message, as [`split`](crate::split) returns it.
//!
//! The block keeps the header bytes (borrowed, or owned after
//! [`HeaderBlock::into_owned`]) and where each entry lies in them: header
//! fields, and the lines that are not fields, each with its deviation kind.
//! Every entry hands out zero-copy views on demand.

use std::borrow::Cow;
use std::fmt;
use std::iter::{Enumerate, FusedIterator, Peekable};
use std::slice;

use crate::field::FieldLayout;
use crate::{Deviation, DeviationKind, HeaderField, Span};

/// The header block of a raw message, split into entries.
///
/// The entries, in order, are header fields and kept lines that are not
/// fields; their raw bytes put end to end give back the header block byte for
/// byte. The block ends before the empty line that separates the body
/// ([RFC 5322 §2.1](https://www.rfc-editor.org/rfc/rfc5322#section-2.1)), or
/// at the end of the input when there is none.
///
/// ```
/// use mailtrail_message::split;
///
/// let message = b"Received: from a.example.net\r\nReceived: from b.example.org\r\n\
///                 Subject: hi\r\n\r\nbody\r\n";
/// let block = split(message);
///
/// assert_eq!(block.len(), 3);
/// assert_eq!(block.body_offset(), Some(75));
/// let hops: Vec<_> = block.get_all("RECEIVED").map(|field| field.index()).collect();
/// assert_eq!(hops, [0, 1]);
/// assert_eq!(block.field(2).unwrap().name(), "Subject");
///
/// assert_eq!(block.as_bytes(), &message[..73]);
///
/// // The copy of the message is dropped at the end of the statement.
/// let owned = split(&message.to_vec()).into_owned();
/// assert_eq!(owned.get("subject").unwrap().raw(), b"Subject: hi\r\n");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderBlock<'a> {
    source: Cow<'a, [u8]>,
    fields: Vec<FieldLayout>,
    lines: Vec<LineLayout>,
    deviations: Vec<Deviation>,
    separator: Option<Span>,
}

impl<'a> HeaderBlock<'a> {
    pub(crate) const fn new(
        source: &'a [u8],
        fields: Vec<FieldLayout>,
        lines: Vec<LineLayout>,
        deviations: Vec<Deviation>,
        separator: Option<Span>,
    ) -> Self {
        Self {
            source: Cow::Borrowed(source),
            fields,
            lines,
            deviations,
            separator,
        }
    }

    /// Copies the header bytes so the block no longer borrows the input.
    /// Spans are unchanged and still refer to the original message.
    pub fn into_owned(self) -> HeaderBlock<'static> {
        HeaderBlock {
            source: Cow::Owned(self.source.into_owned()),
            fields: self.fields,
            lines: self.lines,
            deviations: self.deviations,
            separator: self.separator,
        }
    }

    /// The header block bytes: the message up to the empty separator line,
    /// which is not included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.source
    }

    /// Span of the header block, which always starts at offset 0.
    pub fn span(&self) -> Span {
        Span::new(0, self.source.len())
    }

    /// Span of the empty line that ends the header block, or `None` when the
    /// input ends first.
    pub const fn separator(&self) -> Option<Span> {
        self.separator
    }

    /// Offset where the body starts, just after the empty separator line, or
    /// `None` when the message has no separator and so no body.
    pub const fn body_offset(&self) -> Option<usize> {
        match self.separator {
            Some(separator) => Some(separator.end),
            None => None,
        }
    }

    /// Number of header fields, not counting lines that are not fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the block has no header field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The header fields from top to bottom.
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            source: &self.source,
            layouts: self.fields.iter().enumerate(),
        }
    }

    /// The header field at `index`, counted from 0 at the top.
    pub fn field(&self, index: usize) -> Option<HeaderField<'_>> {
        let layout = *self.fields.get(index)?;

        Some(HeaderField::new(&self.source, layout, index))
    }

    /// The topmost field called `name`, compared without regard to case.
    pub fn get(&self, name: &str) -> Option<HeaderField<'_>> {
        self.get_all(name).next()
    }

    /// Every field called `name`, compared without regard to case, from top
    /// to bottom. Reverse it to walk a trace bottom-up.
    pub fn get_all<'b>(&'b self, name: &str) -> impl DoubleEndedIterator<Item = HeaderField<'b>> {
        self.fields().filter(move |field| field.is_named(name))
    }

    /// Every entry, fields and kept non-field lines, in input order.
    pub fn entries(&self) -> Entries<'_> {
        Entries {
            fields: self.fields().peekable(),
            lines: self.non_field_lines(),
        }
    }

    /// The kept lines that are not header fields, in input order.
    pub fn non_field_lines(&self) -> NonFieldLines<'_> {
        NonFieldLines {
            source: &self.source,
            layouts: self.lines.iter(),
        }
    }

    /// Every tolerated deviation, in input order.
    pub fn deviations(&self) -> &[Deviation] {
        &self.deviations
    }
}

impl fmt::Debug for HeaderBlock<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HeaderBlock")
            .field("entries", &self.entries().collect::<Vec<_>>())
            .field("deviations", &self.deviations)
            .field("separator", &self.separator)
            .finish()
    }
}

/// Serializes the views, not the layout: `fields` and `non_field_lines` with
/// their raw bytes and values as text (invalid UTF-8 replaced by U+FFFD; the
/// spans give the exact bytes), then `deviations`, `span`, `separator` and
/// `body_offset`.
#[cfg(feature = "serde")]
impl serde::Serialize for HeaderBlock<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        let fields: Vec<HeaderField<'_>> = self.fields().collect();
        let lines: Vec<NonFieldLine<'_>> = self.non_field_lines().collect();

        let mut state = serializer.serialize_struct("HeaderBlock", 6)?;
        state.serialize_field("fields", &fields)?;
        state.serialize_field("non_field_lines", &lines)?;
        state.serialize_field("deviations", &self.deviations)?;
        state.serialize_field("span", &self.span())?;
        state.serialize_field("separator", &self.separator)?;
        state.serialize_field("body_offset", &self.body_offset())?;
        state.end()
    }
}

/// One entry of the header block: a field, or a kept line that is not one.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Entry<'b> {
    /// A header field.
    Field(HeaderField<'b>),
    /// A line kept in the block that is not a header field.
    NonField(NonFieldLine<'b>),
}

impl<'b> Entry<'b> {
    /// The entry exactly as received, line ends included.
    pub fn raw(&self) -> &'b [u8] {
        match self {
            Self::Field(field) => field.raw(),
            Self::NonField(line) => line.raw(),
        }
    }

    /// Span of the entry in the message.
    pub const fn span(&self) -> Span {
        match self {
            Self::Field(field) => field.span(),
            Self::NonField(line) => line.span(),
        }
    }
}

/// A line kept in the header block that is not a header field, together with
/// any continuation lines that follow it.
///
/// ```
/// use mailtrail_message::{DeviationKind, split};
///
/// let block = split(b"From alice@example.com Thu Jan  4 10:00:00 2024\nSubject: hi\n\n");
/// let line = block.non_field_lines().next().unwrap();
///
/// assert_eq!(line.kind(), DeviationKind::MboxFromLine);
/// assert_eq!(line.span().range(), 0..48);
/// ```
#[derive(Clone, Copy)]
pub struct NonFieldLine<'b> {
    source: &'b [u8],
    layout: LineLayout,
}

impl<'b> NonFieldLine<'b> {
    /// The line exactly as received, line ends included.
    pub fn raw(&self) -> &'b [u8] {
        self.source
            .get(self.layout.span.range())
            .unwrap_or_default()
    }

    /// Span of the line in the message.
    pub const fn span(&self) -> Span {
        self.layout.span
    }

    /// Why the line is not a header field.
    pub const fn kind(&self) -> DeviationKind {
        self.layout.kind
    }
}

impl fmt::Debug for NonFieldLine<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("NonFieldLine")
            .field("kind", &self.kind())
            .field("span", &self.span())
            .field("raw", &String::from_utf8_lossy(self.raw()))
            .finish()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for NonFieldLine<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        let mut state = serializer.serialize_struct("NonFieldLine", 3)?;
        state.serialize_field("kind", &self.kind())?;
        state.serialize_field("span", &self.span())?;
        state.serialize_field("raw", &String::from_utf8_lossy(self.raw()))?;
        state.end()
    }
}

/// Where a kept non-field line lies, and why it is not a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LineLayout {
    pub(crate) span: Span,
    pub(crate) kind: DeviationKind,
}

/// Iterator over the header fields of a block, from
/// [`HeaderBlock::fields`].
#[derive(Clone, Debug)]
pub struct Fields<'b> {
    source: &'b [u8],
    layouts: Enumerate<slice::Iter<'b, FieldLayout>>,
}

impl<'b> Iterator for Fields<'b> {
    type Item = HeaderField<'b>;

    fn next(&mut self) -> Option<Self::Item> {
        let (index, layout) = self.layouts.next()?;

        Some(HeaderField::new(self.source, *layout, index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.layouts.size_hint()
    }
}

impl DoubleEndedIterator for Fields<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (index, layout) = self.layouts.next_back()?;

        Some(HeaderField::new(self.source, *layout, index))
    }
}

impl ExactSizeIterator for Fields<'_> {}

impl FusedIterator for Fields<'_> {}

/// Iterator over the kept non-field lines of a block, from
/// [`HeaderBlock::non_field_lines`].
#[derive(Clone, Debug)]
pub struct NonFieldLines<'b> {
    source: &'b [u8],
    layouts: slice::Iter<'b, LineLayout>,
}

impl<'b> Iterator for NonFieldLines<'b> {
    type Item = NonFieldLine<'b>;

    fn next(&mut self) -> Option<Self::Item> {
        let layout = *self.layouts.next()?;

        Some(NonFieldLine {
            source: self.source,
            layout,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.layouts.size_hint()
    }
}

impl ExactSizeIterator for NonFieldLines<'_> {}

impl FusedIterator for NonFieldLines<'_> {}

/// Iterator over every entry of a block in input order, from
/// [`HeaderBlock::entries`].
#[derive(Clone)]
pub struct Entries<'b> {
    fields: Peekable<Fields<'b>>,
    lines: NonFieldLines<'b>,
}

impl<'b> Iterator for Entries<'b> {
    type Item = Entry<'b>;

    fn next(&mut self) -> Option<Self::Item> {
        let next_line_start = self
            .lines
            .layouts
            .as_slice()
            .first()
            .map(|line| line.span.start);

        match (self.fields.peek(), next_line_start) {
            (Some(field), Some(line_start)) if line_start < field.span().start => {
                self.lines.next().map(Entry::NonField)
            }
            (Some(_), _) => self.fields.next().map(Entry::Field),
            (None, _) => self.lines.next().map(Entry::NonField),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.fields.len() + self.lines.len();

        (remaining, Some(remaining))
    }
}

impl ExactSizeIterator for Entries<'_> {}

impl FusedIterator for Entries<'_> {}

impl fmt::Debug for Entries<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_list().entries(self.clone()).finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::{DeviationKind, Entry, split};

    const TRACE: &[u8] = b"From mailer@example.org Mon Jan  1 00:00:00 2024\r\n\
        Received: from a.example.net\r\n\
        DKIM-Signature: v=1\r\n\
        garbage line\r\n\
        received: from b.example.org\r\n\
        Subject: hi\r\n\
        \r\n\
        body";

    #[test]
    fn get_all_finds_every_field_case_insensitively_in_order() {
        let block = split(TRACE);
        let received: Vec<&[u8]> = block.get_all("RECEIVED").map(|f| f.value().raw()).collect();

        assert_eq!(
            received,
            [&b" from a.example.net"[..], b" from b.example.org"]
        );
        assert_eq!(block.get_all("received").next_back().unwrap().index(), 2);
    }

    #[test]
    fn get_returns_the_topmost_field_or_none() {
        let block = split(TRACE);

        assert_eq!(block.get("dkim-signature").unwrap().index(), 1);
        assert!(block.get("Authentication-Results").is_none());
    }

    #[test]
    fn field_indexes_skip_non_field_lines() {
        let block = split(TRACE);
        let names: Vec<&str> = block.fields().map(|field| field.name()).collect();

        assert_eq!(names, ["Received", "DKIM-Signature", "received", "Subject"]);
        assert_eq!(block.field(3).unwrap().name(), "Subject");
        assert!(block.field(4).is_none());
        assert_eq!(block.len(), 4);
    }

    #[test]
    fn entries_interleave_fields_and_non_field_lines_in_input_order() {
        let block = split(TRACE);
        let kinds: Vec<Option<DeviationKind>> = block
            .entries()
            .map(|entry| match entry {
                Entry::Field(_) => None,
                Entry::NonField(line) => Some(line.kind()),
            })
            .collect();

        assert_eq!(
            kinds,
            [
                Some(DeviationKind::MboxFromLine),
                None,
                None,
                Some(DeviationKind::MissingColon),
                None,
                None,
            ]
        );
        assert_eq!(block.entries().len(), 6);
    }

    #[test]
    fn fields_iterate_backwards_for_bottom_up_traces() {
        let block = split(TRACE);
        let indexes: Vec<usize> = block.fields().rev().map(|field| field.index()).collect();

        assert_eq!(indexes, [3, 2, 1, 0]);
    }

    #[test]
    fn owned_block_outlives_its_input_and_keeps_spans() {
        let owned = {
            let input = TRACE.to_vec();
            split(&input).into_owned()
        };
        let subject = owned.get("subject").unwrap();

        assert_eq!(subject.raw(), b"Subject: hi\r\n");
        assert_eq!(&TRACE[subject.span().range()], subject.raw());
        assert_eq!(owned.body_offset(), Some(TRACE.len() - 4));
        assert_eq!(owned, split(TRACE));
    }

    #[test]
    fn debug_output_names_fields_and_lines() {
        let text = format!("{:?}", split(TRACE));

        assert!(text.contains("MboxFromLine"));
        assert!(text.contains("\"DKIM-Signature\""));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_writes_views_with_text_and_spans() {
        let block = split(b"From x\nSubject: caf\xe9\n\nbody");
        let json = serde_json::to_value(&block).unwrap();

        assert_eq!(json["fields"][0]["name"], "Subject");
        assert_eq!(json["fields"][0]["value"]["unfolded"], " caf\u{fffd}");
        assert_eq!(json["fields"][0]["span"]["start"], 7);
        assert_eq!(json["non_field_lines"][0]["kind"], "mbox-from-line");
        assert_eq!(json["deviations"][0]["kind"], "mbox-from-line");
        assert_eq!(json["body_offset"], 22);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_tags_each_entry_with_its_kind() {
        let block = split(
            b"bad line
A: 1
",
        );
        let entries: Vec<Entry<'_>> = block.entries().collect();
        let json = serde_json::to_value(entries).unwrap();

        assert_eq!(json[0]["non-field"]["kind"], "missing-colon");
        assert_eq!(json[1]["field"]["value"]["raw"], " 1");
    }
}
