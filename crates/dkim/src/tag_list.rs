//! The tag=value list that both the DKIM-Signature field and the key record
//! are written in ([RFC 6376 §3.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.2)).
//!
//! A tag-list is a run of `name=value` specs separated by semicolons, with
//! folding white space allowed around names, equals signs and values, and
//! inside values. Names are case-sensitive; a name given twice makes the
//! whole list invalid. The parser borrows every name and value from its
//! input and keeps their spans, so the verifier can blank the `b=` value in
//! place and forensic output can point at a tag.

use std::collections::HashSet;
use std::fmt;

use mailtrail_message::Span;

use crate::{Deviation, DeviationKind};

/// A parsed tag-list: its tags in order, and the deviations tolerated.
///
/// ```
/// use mailtrail_dkim::TagList;
///
/// let list = TagList::parse("v=1; a=rsa-sha256;\r\n\th=from : to ;", false)?;
///
/// assert_eq!(list.len(), 3);
/// assert_eq!(list.get("h"), Some("from : to"));
/// assert_eq!(list.tags()[1].value_span.range(), 7..17);
/// assert!(list.deviations().is_empty());
/// # Ok::<(), mailtrail_dkim::TagListError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TagList<'a> {
    tags: Vec<Tag<'a>>,
    deviations: Vec<Deviation>,
}

impl<'a> TagList<'a> {
    /// Parses `text`, a whole tag-list. With `strict`, the deviations that
    /// lenient parsing tolerates (an empty spec between two semicolons) are
    /// errors.
    pub fn parse(text: &'a str, strict: bool) -> Result<Self, TagListError> {
        let mut parser = Parser {
            text,
            strict,
            list: Self {
                tags: Vec::with_capacity(16),
                deviations: Vec::new(),
            },
        };
        let mut start = 0;

        for separator in memchr::memchr_iter(b';', text.as_bytes()) {
            parser.spec(start, separator, false)?;
            start = separator + 1;
        }
        parser.spec(start, text.len(), true)?;

        check_duplicates(&parser.list.tags)?;
        Ok(parser.list)
    }

    /// The tags in the order written.
    pub fn tags(&self) -> &[Tag<'a>] {
        &self.tags
    }

    /// The value of the tag called `name` (case-sensitive), trimmed of the
    /// folding white space around it.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.tag(name).map(|tag| tag.value)
    }

    /// The tag called `name` (case-sensitive).
    pub fn tag(&self, name: &str) -> Option<&Tag<'a>> {
        self.tags.iter().find(|tag| tag.name == name)
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Whether the list has no tag.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The deviations tolerated while parsing, in input order.
    pub fn deviations(&self) -> &[Deviation] {
        &self.deviations
    }
}

/// Prints the list as `name=value` specs joined by `"; "`, which parses back
/// to the same names and values.
impl fmt::Display for TagList<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, tag) in self.tags.iter().enumerate() {
            if index > 0 {
                formatter.write_str("; ")?;
            }
            write!(formatter, "{}={}", tag.name, tag.value)?;
        }
        Ok(())
    }
}

/// One `name=value` spec of a tag-list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Tag<'a> {
    /// The tag name: a letter, then letters, digits and underscores.
    pub name: &'a str,
    /// The value without the folding white space around it; white space
    /// inside the value is kept as written.
    pub value: &'a str,
    /// Span of the name in the parsed text.
    pub name_span: Span,
    /// Span of the trimmed value in the parsed text.
    pub value_span: Span,
    /// Everything between the equals sign and the semicolon (or the end),
    /// white space included: what RFC 6376 §3.5 blanks for `b=`.
    pub raw_value_span: Span,
}

impl Tag<'_> {
    /// The value with every space, tab, CR and LF removed, as base64 values
    /// and colon-separated lists are read ([RFC 6376 §3.2]: FWS may appear
    /// inside them).
    ///
    /// [RFC 6376 §3.2]: https://www.rfc-editor.org/rfc/rfc6376#section-3.2
    pub fn value_without_whitespace(&self) -> String {
        without_whitespace(self.value)
    }
}

/// A tag-list that cannot be read, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TagListError {
    /// A tag name occurs twice (RFC 6376 §3.2: the whole list is invalid).
    #[error("tag {tag}= occurs more than once")]
    DuplicateTag {
        /// The repeated name.
        tag: String,
    },

    /// An empty spec between two semicolons, refused in strict mode.
    #[error("empty tag spec at offset {offset}")]
    EmptyTagSpec {
        /// Offset of the empty spec in the text.
        offset: usize,
    },

    /// A spec that does not start with a valid tag name.
    #[error("invalid tag name at offset {offset}")]
    InvalidTagName {
        /// Offset of the spec in the text.
        offset: usize,
    },

    /// A control character (other than folding white space) in a value.
    #[error("invalid character in the value of tag {tag}= at offset {offset}")]
    InvalidValueCharacter {
        /// The tag name.
        tag: String,
        /// Offset of the character in the text.
        offset: usize,
    },

    /// A tag name not followed by `=`.
    #[error("tag {tag} has no '=' at offset {offset}")]
    MissingEquals {
        /// The tag name.
        tag: String,
        /// Offset of the name in the text.
        offset: usize,
    },
}

/// The state of one parse.
struct Parser<'a> {
    text: &'a str,
    strict: bool,
    list: TagList<'a>,
}

impl<'a> Parser<'a> {
    /// Parses the spec at `start..end`; `last` when no semicolon follows it.
    fn spec(&mut self, start: usize, end: usize, last: bool) -> Result<(), TagListError> {
        let bytes = self.text.as_bytes();
        let name_start = skip_whitespace(bytes, start, end);

        if name_start == end {
            return self.empty_spec(start, last);
        }

        let name_end = tag_name_end(bytes, name_start, end);
        if name_end == name_start {
            return Err(TagListError::InvalidTagName { offset: name_start });
        }

        let name = &self.text[name_start..name_end];
        let equals = skip_whitespace(bytes, name_end, end);
        if bytes.get(equals) != Some(&b'=') || equals >= end {
            return Err(TagListError::MissingEquals {
                tag: name.to_owned(),
                offset: name_start,
            });
        }

        let value_start = skip_whitespace(bytes, equals + 1, end);
        let value_end = trim_whitespace_end(bytes, value_start, end);
        check_value(bytes, name, value_start, value_end)?;

        self.list.tags.push(Tag {
            name,
            value: &self.text[value_start..value_end],
            name_span: Span::new(name_start, name_end),
            value_span: Span::new(value_start, value_end),
            raw_value_span: Span::new(equals + 1, end),
        });
        Ok(())
    }

    /// An empty spec: fine after the last semicolon, a deviation elsewhere.
    fn empty_spec(&mut self, start: usize, last: bool) -> Result<(), TagListError> {
        if last {
            return Ok(());
        }

        if self.strict {
            return Err(TagListError::EmptyTagSpec { offset: start });
        }

        let span = Span::new(start, start + 1);
        self.list
            .deviations
            .push(Deviation::new(DeviationKind::EmptyTagSpec, span));
        Ok(())
    }
}

/// Refuses a list that names a tag twice, in linear time.
fn check_duplicates(tags: &[Tag<'_>]) -> Result<(), TagListError> {
    let duplicate = if tags.len() <= 32 {
        tags.iter()
            .enumerate()
            .find(|(index, tag)| tags[..*index].iter().any(|other| other.name == tag.name))
            .map(|(_, tag)| tag.name)
    } else {
        let mut seen = HashSet::with_capacity(tags.len());
        tags.iter()
            .map(|tag| tag.name)
            .find(|name| !seen.insert(*name))
    };

    match duplicate {
        Some(name) => Err(TagListError::DuplicateTag {
            tag: name.to_owned(),
        }),
        None => Ok(()),
    }
}

/// Checks that a value holds only printable characters, folding white space
/// and 8-bit text (RFC 6376 §3.2 `VALCHAR`, widened to UTF-8).
fn check_value(bytes: &[u8], name: &str, start: usize, end: usize) -> Result<(), TagListError> {
    let is_invalid = |byte: u8| byte < 0x20 && !is_whitespace(byte) || byte == 0x7f;
    let value = &bytes[start..end];

    // A branch-free pass first (it vectorizes); the position only on error.
    if !value
        .iter()
        .fold(false, |found, &byte| found | is_invalid(byte))
    {
        return Ok(());
    }

    let invalid = value.iter().position(|&byte| is_invalid(byte));

    match invalid {
        Some(position) => Err(TagListError::InvalidValueCharacter {
            tag: name.to_owned(),
            offset: start + position,
        }),
        None => Ok(()),
    }
}

/// End of the tag name starting at `start`: `ALPHA *(ALPHA / DIGIT / "_")`.
fn tag_name_end(bytes: &[u8], start: usize, end: usize) -> usize {
    if !bytes[start].is_ascii_alphabetic() {
        return start;
    }

    let length = bytes[start..end]
        .iter()
        .position(|&byte| !(byte.is_ascii_alphanumeric() || byte == b'_'));
    start + length.unwrap_or(end - start)
}

/// First position at or after `start` that is not folding white space.
fn skip_whitespace(bytes: &[u8], start: usize, end: usize) -> usize {
    let length = bytes[start..end]
        .iter()
        .position(|&byte| !is_whitespace(byte));
    start + length.unwrap_or(end - start)
}

/// End of `start..end` once trailing folding white space is removed.
fn trim_whitespace_end(bytes: &[u8], start: usize, end: usize) -> usize {
    let length = bytes[start..end]
        .iter()
        .rposition(|&byte| !is_whitespace(byte));
    length.map_or(start, |position| start + position + 1)
}

/// Space, tab, CR or LF: the bytes folding white space is made of.
pub(crate) const fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// `text` with every space, tab, CR and LF removed.
pub(crate) fn without_whitespace(text: &str) -> String {
    text.chars()
        .filter(|&character| !matches!(character, ' ' | '\t' | '\r' | '\n'))
        .collect()
}

/// The parts of a colon-separated list (`h=`, `q=`, key `h=`, `s=`, `t=`),
/// each trimmed of white space; empty parts are kept so callers can refuse
/// them.
pub(crate) fn colon_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(':').map(trim_whitespace)
}

/// `text` without the folding white space around it.
fn trim_whitespace(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = skip_whitespace(bytes, 0, bytes.len());
    let end = trim_whitespace_end(bytes, start, bytes.len());

    // Both ends sit next to ASCII white space or at the ends: char
    // boundaries.
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_spans_point_into_the_text() {
        let text = " a = rsa-sha256 ;\r\n b=ab\r\n  cd";
        let list = TagList::parse(text, false).unwrap();

        let b = list.tag("b").unwrap();
        assert_eq!(list.get("a"), Some("rsa-sha256"));
        assert_eq!(b.value, "ab\r\n  cd");
        assert_eq!(&text[b.value_span.range()], "ab\r\n  cd");
        assert_eq!(&text[b.raw_value_span.range()], "ab\r\n  cd");
        assert_eq!(
            &text[list.tag("a").unwrap().raw_value_span.range()],
            " rsa-sha256 "
        );
        assert_eq!(b.value_without_whitespace(), "abcd");
    }

    #[test]
    fn a_trailing_semicolon_is_allowed_but_an_empty_spec_is_a_deviation() {
        let trailing = TagList::parse("v=1; a=b;  ", false).unwrap();
        let empty = TagList::parse("v=1;; a=b", false).unwrap();

        assert!(trailing.deviations().is_empty());
        assert_eq!(empty.deviations()[0].kind, DeviationKind::EmptyTagSpec);
        assert_eq!(empty.len(), 2);
        assert_eq!(
            TagList::parse("v=1;; a=b", true),
            Err(TagListError::EmptyTagSpec { offset: 4 })
        );
    }

    #[test]
    fn duplicate_names_invalidate_the_list_and_names_are_case_sensitive() {
        assert_eq!(
            TagList::parse("d=a; s=b; d=c", false),
            Err(TagListError::DuplicateTag { tag: "d".into() })
        );
        assert!(TagList::parse("d=a; D=c", false).is_ok());

        let many: String = (0..100).map(|index| format!("t{index}=1;")).collect();
        assert!(TagList::parse(&many, false).is_ok());
        let repeated = format!("{many} t42=2");
        assert_eq!(
            TagList::parse(&repeated, false),
            Err(TagListError::DuplicateTag { tag: "t42".into() })
        );
    }

    #[test]
    fn malformed_specs_are_located() {
        assert_eq!(
            TagList::parse("v=1; 9a=2", false),
            Err(TagListError::InvalidTagName { offset: 5 })
        );
        assert_eq!(
            TagList::parse("v=1; abc", false),
            Err(TagListError::MissingEquals {
                tag: "abc".into(),
                offset: 5
            })
        );
        assert_eq!(
            TagList::parse("v=1\u{1}2", false),
            Err(TagListError::InvalidValueCharacter {
                tag: "v".into(),
                offset: 3
            })
        );
    }

    #[test]
    fn empty_values_and_empty_lists_parse() {
        let list = TagList::parse("p=; n=", false).unwrap();

        assert_eq!(list.get("p"), Some(""));
        assert_eq!(list.get("n"), Some(""));
        assert!(TagList::parse("", false).unwrap().is_empty());
        assert!(TagList::parse(" \r\n ", false).unwrap().is_empty());
    }

    #[test]
    fn display_prints_a_list_that_parses_back_the_same() {
        let list = TagList::parse(" v = 1 ;a=b c;", false).unwrap();
        let printed = list.to_string();
        let reparsed = TagList::parse(&printed, false).unwrap();

        assert_eq!(printed, "v=1; a=b c");
        let pairs = |list: &TagList<'_>| {
            list.tags()
                .iter()
                .map(|tag| (tag.name.to_owned(), tag.value.to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(pairs(&reparsed), pairs(&list));
    }
}
