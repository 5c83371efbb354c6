//! Byte spans into the raw message.
//!
//! Every position this crate reports is an offset from the first byte of the
//! message given to [`split`](crate::split), so forensic output can point at
//! the exact evidence in the original file.

use std::fmt;
use std::ops::Range;

/// A half-open byte range `start..end` into the raw message.
///
/// `Span` is `Copy`, unlike [`Range`], so it can sit in result types freely.
///
/// ```
/// use mailtrail_message::Span;
///
/// let span = Span::new(9, 14);
/// assert_eq!(span.len(), 5);
/// assert_eq!(&b"Subject: hello\r\n"[span.range()], b"hello");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// Makes the span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Number of bytes covered.
    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no byte.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The span as a range, to index the raw message with.
    pub const fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Whether `other` lies wholly inside this span.
    pub const fn contains(&self, other: Self) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Self::new(range.start, range.end)
    }
}

impl From<Span> for Range<usize> {
    fn from(span: Span) -> Self {
        span.range()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}..{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversed_span_has_zero_length() {
        let span = Span::new(7, 3);

        assert_eq!(span.len(), 0);
        assert!(span.is_empty());
    }

    #[test]
    fn containment_includes_equal_bounds_only() {
        let outer = Span::new(2, 10);

        assert!(outer.contains(Span::new(2, 10)));
        assert!(outer.contains(Span::new(4, 4)));
        assert!(!outer.contains(Span::new(1, 5)));
        assert!(!outer.contains(Span::new(5, 11)));
    }

    #[test]
    fn span_displays_as_a_range() {
        assert_eq!(Span::new(3, 8).to_string(), "3..8");
        assert_eq!(Range::from(Span::from(3..8)), 3..8);
    }
}
