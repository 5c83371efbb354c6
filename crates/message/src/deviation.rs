//! Syntax the splitter tolerated, reported as data.
//!
//! The splitter never drops a byte and never fails: whatever does not fit
//! [RFC 5322 §2.2](https://www.rfc-editor.org/rfc/rfc5322#section-2.2) is
//! kept in the header block and listed here with its span, so a forensic
//! report can say what was forgiven and where.

use std::fmt;

use crate::Span;

/// One tolerated deviation from RFC 5322 header syntax, with where it is.
///
/// ```
/// use mailtrail_message::{DeviationKind, split};
///
/// let block = split(b"Subject : hi\r\n\r\n");
/// let deviation = block.deviations()[0];
///
/// assert_eq!(deviation.kind, DeviationKind::WhitespaceBeforeColon);
/// assert_eq!(deviation.span.range(), 7..8);
/// assert_eq!(deviation.to_string(), "white space before the colon at 7..8");
/// ```
///
/// The kind is generic so that every parser of the workspace reports its
/// deviations the same way, each with its own kinds: the splitter's are
/// [`DeviationKind`], the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Deviation<K = DeviationKind> {
    /// What was tolerated.
    pub kind: K,
    /// The offending bytes, as offsets into the raw message (or into the
    /// value a parser was given on its own).
    pub span: Span,
}

impl<K> Deviation<K> {
    /// A deviation of `kind` at `span`.
    pub const fn new(kind: K, span: Span) -> Self {
        Self { kind, span }
    }
}

impl<K: fmt::Display> fmt::Display for Deviation<K> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} at {}", self.kind, self.span)
    }
}

/// The kinds of deviation the splitter reports.
///
/// Four kinds mark a line kept in the header block that is not a header
/// field; [`DeviationKind::is_non_field_line`] tells them apart from the
/// kinds that qualify a field or one of its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum DeviationKind {
    /// A line with a colon whose text before the colon is not a field name:
    /// empty, or with bytes outside `ftext` (RFC 5322 §3.6.8) such as an
    /// inner space or 8-bit byte. Kept as a non-field line.
    InvalidFieldName,
    /// A line longer than 998 characters, line end excluded (RFC 5322
    /// §2.1.1). The line is kept whole.
    LineTooLong,
    /// An mbox separator line (`From sender date`), as left at the top of a
    /// message cut out of an mbox file. Kept as a non-field line.
    MboxFromLine,
    /// A line that begins a new entry but has no colon at all. Kept as a
    /// non-field line.
    MissingColon,
    /// A continuation line (one starting with white space) before any other
    /// line, so there is no field for it to continue. Kept as a non-field
    /// line.
    StrayContinuation,
    /// White space between the field name and the colon, the obsolete syntax
    /// of RFC 5322 §4.5.3. The field is accepted.
    WhitespaceBeforeColon,
    /// A continuation line made of white space only, allowed by the obsolete
    /// folding of RFC 5322 §4.2 but taken by some parsers for the end of the
    /// header block. The line stays part of its field.
    WhitespaceOnlyLine,
}

impl DeviationKind {
    /// The kind as a lowercase token, the same one serde writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFieldName => "invalid-field-name",
            Self::LineTooLong => "line-too-long",
            Self::MboxFromLine => "mbox-from-line",
            Self::MissingColon => "missing-colon",
            Self::StrayContinuation => "stray-continuation",
            Self::WhitespaceBeforeColon => "whitespace-before-colon",
            Self::WhitespaceOnlyLine => "whitespace-only-line",
        }
    }

    /// Whether this kind marks a kept line that is not a header field.
    pub const fn is_non_field_line(self) -> bool {
        matches!(
            self,
            Self::InvalidFieldName
                | Self::MboxFromLine
                | Self::MissingColon
                | Self::StrayContinuation
        )
    }
}

impl fmt::Display for DeviationKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::InvalidFieldName => "invalid field name before the colon",
            Self::LineTooLong => "line longer than 998 characters",
            Self::MboxFromLine => "mbox from line",
            Self::MissingColon => "line without a colon",
            Self::StrayContinuation => "continuation line with no field to continue",
            Self::WhitespaceBeforeColon => "white space before the colon",
            Self::WhitespaceOnlyLine => "continuation line of white space only",
        };

        formatter.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [DeviationKind; 7] = [
        DeviationKind::InvalidFieldName,
        DeviationKind::LineTooLong,
        DeviationKind::MboxFromLine,
        DeviationKind::MissingColon,
        DeviationKind::StrayContinuation,
        DeviationKind::WhitespaceBeforeColon,
        DeviationKind::WhitespaceOnlyLine,
    ];

    #[test]
    fn tokens_are_distinct_lowercase_kebab_case() {
        let mut tokens: Vec<&str> = ALL.iter().map(|kind| kind.as_str()).collect();
        tokens.sort_unstable();
        tokens.dedup();

        assert_eq!(tokens.len(), ALL.len());
        for token in tokens {
            assert!(
                token
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte == b'-')
            );
        }
    }

    #[test]
    fn only_line_kinds_mark_non_field_lines() {
        let line_kinds: Vec<DeviationKind> = ALL
            .into_iter()
            .filter(|kind| kind.is_non_field_line())
            .collect();

        assert_eq!(
            line_kinds,
            [
                DeviationKind::InvalidFieldName,
                DeviationKind::MboxFromLine,
                DeviationKind::MissingColon,
                DeviationKind::StrayContinuation,
            ]
        );
    }

    #[test]
    fn display_is_lowercase_without_period() {
        for kind in ALL {
            let text = kind.to_string();

            assert_eq!(text, text.to_lowercase());
            assert!(!text.ends_with('.'));
        }
    }
}
