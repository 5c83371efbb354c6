//! What the parser forgave in a Received field, reported as data.
//!
//! The grammar of a trace field is
//! [RFC 5321 §4.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.4) with
//! the date of [RFC 5322 §3.3](https://www.rfc-editor.org/rfc/rfc5322#section-3.3);
//! almost no MTA follows it to the letter. Each departure the lenient parser
//! tolerated is listed with its span, so a forensic report can say what was
//! read into the field and where.

use std::fmt;

use mailtrail_message::Span;

/// One tolerated departure from the Received grammar, with where it is.
///
/// ```
/// use mailtrail_received::{DeviationKind, Received};
///
/// let value = "from a.example by b.example; 1 Mar 2024 10:00 GMT";
/// let deviation = Received::parse(value)?.deviations()[0];
///
/// assert_eq!(deviation.kind, DeviationKind::ObsoleteZone);
/// assert_eq!(&value[deviation.span.range()], "GMT");
/// assert_eq!(deviation.to_string(), "obsolete-zone at 46..49");
/// # Ok::<(), mailtrail_received::ParseError>(())
/// ```
pub type Deviation = mailtrail_message::Deviation<DeviationKind>;

/// The kinds of deviation the parser reports, in the order of the grammar:
/// clauses, their values, comments, then the date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum DeviationKind {
    /// No `from` clause: RFC 5321 §4.4 requires one in every Stamp. Local
    /// pickups and internal hand-offs often leave it out.
    MissingFromClause,
    /// No `by` clause, also required by RFC 5321 §4.4.
    MissingByClause,
    /// The `from` clause was written inside a comment, `(from host [ip])`,
    /// as some gateways and sendmail's local submissions do. It is read as
    /// a `from` clause.
    FromClauseInComment,
    /// A clause keyword with no value after it.
    MissingClauseValue,
    /// A clause that appears again after its first use; its value is not
    /// read (except a second `from <address>`, read as the envelope sender).
    RepeatedClause,
    /// A clause out of the order `from by via with id for` of RFC 5321 §4.4.
    ClauseOutOfOrder,
    /// A clause value of several words where the grammar has one, such as
    /// `with Microsoft SMTP Server` or `via Frontend Transport`.
    ExtraWords,
    /// Words before the first clause that belong to none.
    TextOutsideClause,
    /// A `by` value that is not a host name or address, such as a mailbox.
    InvalidHost,
    /// A parenthesis that closes no comment.
    StrayParenthesis,
    /// A comment, address literal, angle address or quoted string that the
    /// end of the field leaves open.
    Unclosed,
    /// Bytes that are not UTF-8; each is read as `?` and the rest parsed.
    InvalidUtf8,
    /// No `;` and date at the end: RFC 5321 §4.4 requires the date.
    MissingDate,
    /// Text after `;` that could not be read as a date.
    InvalidDate,
    /// Characters between `;` and the date, such as `;_ Tue, ...`.
    TextBeforeDate,
    /// Text after the date that is neither a comment nor a clause.
    TextAfterDate,
    /// A year of two or three digits, the obsolete form of RFC 5322 §4.3:
    /// 00 to 49 are read as 2000 to 2049, other values as 1900 plus the year.
    ObsoleteYear,
    /// A named zone (`GMT`, `UT`, `EST`, `PDT`, a military letter), the
    /// obsolete form of RFC 5322 §4.3, read with the offset it defines.
    ObsoleteZone,
    /// A zone name RFC 5322 does not define, such as `CEST`; read as
    /// `-0000` (an unknown offset, taken as UTC) as §4.3 asks.
    UnknownZone,
    /// A date without any zone, read as UTC.
    MissingZone,
    /// The weekday without the comma RFC 5322 §3.3 puts after it.
    MissingComma,
    /// A date in the order of C's `asctime` (`Fri Feb  7 10:18:12 2003`).
    AsctimeDate,
    /// Fractions of a second (`07:53:55.516`), which RFC 5322 has no room
    /// for; they are dropped.
    FractionalSeconds,
    /// A second of 60, a leap second; read as 59.
    LeapSecond,
    /// A weekday that is not the day of the week of the date (RFC 5322
    /// §3.3); the date wins.
    WeekdayMismatch,
}

impl DeviationKind {
    /// The kind as a lowercase token, the same one serde writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MissingFromClause => "missing-from-clause",
            Self::MissingByClause => "missing-by-clause",
            Self::FromClauseInComment => "from-clause-in-comment",
            Self::MissingClauseValue => "missing-clause-value",
            Self::RepeatedClause => "repeated-clause",
            Self::ClauseOutOfOrder => "clause-out-of-order",
            Self::ExtraWords => "extra-words",
            Self::TextOutsideClause => "text-outside-clause",
            Self::InvalidHost => "invalid-host",
            Self::StrayParenthesis => "stray-parenthesis",
            Self::Unclosed => "unclosed",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::MissingDate => "missing-date",
            Self::InvalidDate => "invalid-date",
            Self::TextBeforeDate => "text-before-date",
            Self::TextAfterDate => "text-after-date",
            Self::ObsoleteYear => "obsolete-year",
            Self::ObsoleteZone => "obsolete-zone",
            Self::UnknownZone => "unknown-zone",
            Self::MissingZone => "missing-zone",
            Self::MissingComma => "missing-comma",
            Self::AsctimeDate => "asctime-date",
            Self::FractionalSeconds => "fractional-seconds",
            Self::LeapSecond => "leap-second",
            Self::WeekdayMismatch => "weekday-mismatch",
        }
    }

    /// Whether this kind concerns the date rather than the clauses.
    pub const fn is_date(self) -> bool {
        matches!(
            self,
            Self::MissingDate
                | Self::InvalidDate
                | Self::TextBeforeDate
                | Self::ObsoleteYear
                | Self::ObsoleteZone
                | Self::UnknownZone
                | Self::MissingZone
                | Self::MissingComma
                | Self::AsctimeDate
                | Self::FractionalSeconds
                | Self::LeapSecond
                | Self::WeekdayMismatch
        )
    }
}

impl fmt::Display for DeviationKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How many deviations a field keeps without allocating.
const INLINE: usize = 4;

/// A placeholder for the unused inline slots.
const UNUSED: Deviation = Deviation {
    kind: DeviationKind::MissingDate,
    span: Span::new(0, 0),
};

/// The deviations of one field: the first few inline, more on the heap.
///
/// Realistic fields have none to three, so parsing them allocates nothing;
/// the fifth deviation moves the list to a vector, once.
#[derive(Clone, Debug)]
pub(crate) struct DeviationList {
    inline: [Deviation; INLINE],
    length: u8,
    spilled: Vec<Deviation>,
}

impl DeviationList {
    pub(crate) const fn new() -> Self {
        Self {
            inline: [UNUSED; INLINE],
            length: 0,
            spilled: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, kind: DeviationKind, span: Span) {
        let deviation = Deviation { kind, span };
        let length = usize::from(self.length);

        if self.spilled.is_empty() && length < INLINE {
            self.inline[length] = deviation;
            self.length += 1;
            return;
        }

        if self.spilled.is_empty() {
            self.spilled.reserve(2 * INLINE);
            self.spilled.extend_from_slice(&self.inline[..length]);
        }
        self.spilled.push(deviation);
    }

    pub(crate) fn as_slice(&self) -> &[Deviation] {
        if self.spilled.is_empty() {
            &self.inline[..usize::from(self.length)]
        } else {
            &self.spilled
        }
    }

    /// Puts the deviations in input order, without allocating.
    pub(crate) fn sort(&mut self) {
        let key = |deviation: &Deviation| (deviation.span.start, deviation.span.end);

        if self.spilled.is_empty() {
            self.inline[..usize::from(self.length)].sort_unstable_by_key(key);
        } else {
            self.spilled.sort_unstable_by_key(key);
        }
    }
}

impl PartialEq for DeviationList {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for DeviationList {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_stays_inline_up_to_four_then_spills_in_order() {
        let mut list = DeviationList::new();

        for start in 0..6 {
            list.push(DeviationKind::ExtraWords, Span::new(start, start + 1));
            assert_eq!(list.as_slice().len(), start + 1);
            assert_eq!(list.spilled.is_empty(), start < INLINE);
        }

        let starts: Vec<usize> = list.as_slice().iter().map(|d| d.span.start).collect();
        assert_eq!(starts, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn sorting_orders_by_position() {
        let mut list = DeviationList::new();
        list.push(DeviationKind::MissingDate, Span::new(30, 30));
        list.push(DeviationKind::MissingFromClause, Span::new(0, 0));

        list.sort();

        assert_eq!(list.as_slice()[0].kind, DeviationKind::MissingFromClause);
        assert_eq!(list.as_slice()[1].kind, DeviationKind::MissingDate);
    }

    #[test]
    fn tokens_are_lowercase_kebab_case_and_date_kinds_are_marked() {
        let kinds = [
            DeviationKind::MissingFromClause,
            DeviationKind::ObsoleteZone,
            DeviationKind::WeekdayMismatch,
            DeviationKind::InvalidHost,
        ];

        for kind in kinds {
            let token = kind.as_str();
            assert!(token.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            assert_eq!(kind.to_string(), token);
        }
        assert!(DeviationKind::ObsoleteZone.is_date());
        assert!(!DeviationKind::InvalidHost.is_date());
    }
}
