//! Why a field could not be parsed at all.
//!
//! A field that the lenient parser can read, however oddly written, is a
//! value with [`Deviation`](crate::Deviation)s, not an error. An error means
//! the field is unusable: empty, cut short inside a comment or quoted string,
//! broken by a line that ends the field, or (in strict mode) carrying any
//! deviation at all. Each error names the byte offset where parsing stopped
//! and what was expected there.

use std::fmt;

use crate::DeviationKind;

/// A field that cannot be parsed, with the offset where parsing stopped.
///
/// Offsets count bytes from the start of the parsed value, or from the start
/// of the message for a field parsed with [`parse_field`](crate::parse_field).
///
/// ```
/// use mailtrail_authres::{AuthenticationResults, ParseError};
///
/// let error = AuthenticationResults::parse("example.net(.example.com; dkim=pass").unwrap_err();
///
/// assert_eq!(error, ParseError::UnclosedComment { offset: 11 });
/// assert_eq!(error.offset(), 11);
/// assert_eq!(error.to_string(), "comment opened at offset 11 is never closed");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum ParseError {
    /// Strict mode met syntax that lenient mode would tolerate.
    Deviation {
        /// What the lenient parser would have reported.
        deviation: DeviationKind,
        /// Where it starts.
        offset: usize,
    },
    /// Something else stood where a part of the grammar was required.
    Expected {
        /// The part that was required.
        expected: Expected,
        /// Where it was required.
        offset: usize,
    },
    /// A line break not followed by white space: it ends the header field,
    /// so text after it cannot belong to this value.
    LineBreak {
        /// Where the line break starts.
        offset: usize,
    },
    /// The field value is not UTF-8 (RFC 6532, RFC 8616).
    NotUtf8 {
        /// The first byte that is not part of a UTF-8 character.
        offset: usize,
    },
    /// A version, method version or instance too large for 32 bits.
    NumberTooLarge {
        /// Where the number starts.
        offset: usize,
    },
    /// A comment opened with `(` that is never closed.
    UnclosedComment {
        /// The opening parenthesis.
        offset: usize,
    },
    /// A quoted string opened with `"` that is never closed.
    UnclosedQuotedString {
        /// The opening quote.
        offset: usize,
    },
}

impl ParseError {
    /// The byte offset where parsing stopped.
    pub const fn offset(&self) -> usize {
        match *self {
            Self::Deviation { offset, .. }
            | Self::Expected { offset, .. }
            | Self::LineBreak { offset }
            | Self::NotUtf8 { offset }
            | Self::NumberTooLarge { offset }
            | Self::UnclosedComment { offset }
            | Self::UnclosedQuotedString { offset } => offset,
        }
    }

    /// The same error with its offset moved by `base` bytes.
    pub(crate) const fn shifted(self, base: usize) -> Self {
        match self {
            Self::Deviation { deviation, offset } => Self::Deviation {
                deviation,
                offset: offset + base,
            },
            Self::Expected { expected, offset } => Self::Expected {
                expected,
                offset: offset + base,
            },
            Self::LineBreak { offset } => Self::LineBreak {
                offset: offset + base,
            },
            Self::NotUtf8 { offset } => Self::NotUtf8 {
                offset: offset + base,
            },
            Self::NumberTooLarge { offset } => Self::NumberTooLarge {
                offset: offset + base,
            },
            Self::UnclosedComment { offset } => Self::UnclosedComment {
                offset: offset + base,
            },
            Self::UnclosedQuotedString { offset } => Self::UnclosedQuotedString {
                offset: offset + base,
            },
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deviation { deviation, offset } => {
                write!(
                    formatter,
                    "strict parsing rejects {deviation} at offset {offset}"
                )
            }
            Self::Expected { expected, offset } => {
                write!(formatter, "expected {expected} at offset {offset}")
            }
            Self::LineBreak { offset } => {
                write!(formatter, "line break at offset {offset} ends the field")
            }
            Self::NotUtf8 { offset } => {
                write!(formatter, "byte at offset {offset} is not UTF-8")
            }
            Self::NumberTooLarge { offset } => {
                write!(
                    formatter,
                    "number at offset {offset} does not fit in 32 bits"
                )
            }
            Self::UnclosedComment { offset } => {
                write!(
                    formatter,
                    "comment opened at offset {offset} is never closed"
                )
            }
            Self::UnclosedQuotedString { offset } => {
                write!(
                    formatter,
                    "quoted string opened at offset {offset} is never closed"
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// A part of the RFC 8601 grammar that a parse required.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Expected {
    /// An authserv-id, or in lenient mode a result.
    AuthservId,
    /// The end of the field.
    End,
    /// `=` after a method, property or `reason`.
    Equals,
    /// The ARC instance `i=` (RFC 8617 §4.1.1).
    Instance,
    /// A method name.
    Method,
    /// A property, `ptype.property=value`.
    Property,
    /// A result word after `method=`.
    Result,
    /// `;` before the next result.
    Semicolon,
    /// A value: a token, a quoted string or an address.
    Value,
    /// A version number after `/`.
    Version,
}

impl fmt::Display for Expected {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::AuthservId => "an authserv-id",
            Self::End => "the end of the field",
            Self::Equals => "`=`",
            Self::Instance => "an ARC instance `i=`",
            Self::Method => "a method",
            Self::Property => "a property `ptype.property=value`",
            Self::Result => "a result",
            Self::Semicolon => "`;`",
            Self::Value => "a value",
            Self::Version => "a version number",
        };

        formatter.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_moves_every_offset_by_the_base() {
        let errors = [
            ParseError::Deviation {
                deviation: DeviationKind::TrailingSemicolon,
                offset: 3,
            },
            ParseError::Expected {
                expected: Expected::Result,
                offset: 3,
            },
            ParseError::LineBreak { offset: 3 },
            ParseError::NotUtf8 { offset: 3 },
            ParseError::NumberTooLarge { offset: 3 },
            ParseError::UnclosedComment { offset: 3 },
            ParseError::UnclosedQuotedString { offset: 3 },
        ];

        for error in errors {
            assert_eq!(error.shifted(100).offset(), 103);
            assert_eq!(error.offset(), 3);
        }
    }

    #[test]
    fn messages_name_the_offset_in_lowercase_without_period() {
        let error = ParseError::Expected {
            expected: Expected::Equals,
            offset: 17,
        };

        assert_eq!(error.to_string(), "expected `=` at offset 17");
        assert!(!error.to_string().ends_with('.'));
    }
}
