//! Why a Received field could not be read at all.
//!
//! A field the parser can read in part is returned with its deviations; an
//! error is only for a value with nothing to read, or for a deviation when
//! the caller asked for strict parsing.

use std::fmt;

use crate::Deviation;

/// A Received field that gave nothing usable.
///
/// ```
/// use mailtrail_received::{ParseError, Received};
///
/// assert_eq!(Received::parse(" \r\n\t"), Err(ParseError::Empty));
///
/// let error = Received::parse("  hello world").unwrap_err();
/// assert_eq!(error, ParseError::NothingRecognised { position: 2 });
/// assert_eq!(error.to_string(), "no received clause, comment or date at byte 2");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case", tag = "kind"))]
#[non_exhaustive]
pub enum ParseError {
    /// The value is empty or white space only.
    Empty,
    /// Nothing in the value is a clause, a comment the parser understands,
    /// or a date; `position` is where the text starts.
    NothingRecognised {
        /// Offset of the first byte that is not white space.
        position: usize,
    },
    /// Strict parsing met a deviation the lenient parser would tolerate.
    Strict {
        /// The first deviation, in input order.
        deviation: Deviation,
    },
    /// The value is longer than the parser's limit of 4 GiB.
    TooLong {
        /// The length of the value in bytes.
        length: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => formatter.write_str("empty received field"),
            Self::NothingRecognised { position } => write!(
                formatter,
                "no received clause, comment or date at byte {position}"
            ),
            Self::Strict { deviation } => {
                write!(formatter, "strict parsing rejects {deviation}")
            }
            Self::TooLong { length } => {
                write!(formatter, "received field of {length} bytes is too long")
            }
        }
    }
}

impl std::error::Error for ParseError {}
