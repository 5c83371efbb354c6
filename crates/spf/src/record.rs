//! SPF records ([RFC 7208 §4.5], §4.6): which TXT records are SPF records,
//! and the record grammar `record = version terms *SP`, parsed without
//! copying and printed back.
//!
//! [RFC 7208 §4.5]: https://www.rfc-editor.org/rfc/rfc7208#section-4.5

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::error::RecordError;
use crate::{Directive, DomainSpec, Modifier, Term};

/// The version section that starts every SPF record (§4.5).
pub const VERSION: &str = "v=spf1";

/// A parsed SPF record: its terms in order, each with its byte span in the
/// text it was parsed from.
///
/// [`Record::parse`] borrows from the text; [`Record::into_owned`] copies.
/// Equality compares the terms only, so a record equals its own
/// [`Display`](fmt::Display) form parsed again, whatever spacing the original
/// had.
///
/// ```
/// use mailtrail_spf::{Mechanism, Record, Term};
///
/// let record = Record::parse("v=spf1 ip4:192.0.2.0/24  include:_spf.example.com -all ")?;
/// assert_eq!(record.terms().len(), 3);
/// assert_eq!(record.span(1), Some(25..49));
/// assert!(matches!(&record.terms()[1], Term::Directive(d) if matches!(d.mechanism, Mechanism::Include(_))));
///
/// let printed = record.to_string();
/// assert_eq!(printed, "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all");
/// assert_eq!(printed.parse::<Record>()?, record);
///
/// let error = Record::parse("v=spf1 a:example.com:8080 -all").unwrap_err();
/// assert_eq!(error.to_string(),
///     "invalid domain-spec in term \"a:example.com:8080\" at byte 7: invalid top label");
/// # Ok::<(), mailtrail_spf::RecordError>(())
/// ```
#[derive(Debug, Clone, Default, Eq)]
pub struct Record<'a> {
    terms: Vec<Term<'a>>,
    spans: Vec<Range<usize>>,
}

impl<'a> Record<'a> {
    /// Parses a record: `v=spf1` (any case) and terms separated by one or
    /// more spaces, with trailing spaces allowed. Every syntax error of §4.6
    /// and §7.1 is an error, including duplicate `redirect=` or `exp=` (§6).
    pub fn parse(text: &'a str) -> Result<Self, RecordError> {
        let most_terms = text.bytes().filter(|&byte| byte == b' ').count();
        let mut record = Self {
            terms: Vec::with_capacity(most_terms),
            spans: Vec::with_capacity(most_terms),
        };
        visit(text, |term, span| {
            record.terms.push(term);
            record.spans.push(span);
        })?;
        Ok(record)
    }

    /// Parses the bytes of a TXT record, which must be US-ASCII.
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Self, RecordError> {
        check_ascii(bytes)?;
        let text = std::str::from_utf8(bytes).map_err(|error| RecordError::NonAscii {
            byte: bytes[error.valid_up_to()],
            position: error.valid_up_to(),
        })?;
        Self::parse(text)
    }

    /// The terms, in order.
    pub fn terms(&self) -> &[Term<'a>] {
        &self.terms
    }

    /// The byte span of a term in the parsed text; `None` for an index past
    /// the end, or for records built in code.
    pub fn span(&self, index: usize) -> Option<Range<usize>> {
        self.spans.get(index).cloned()
    }

    /// The directives, in order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive<'a>> {
        self.terms.iter().filter_map(|term| match term {
            Term::Directive(directive) => Some(directive),
            Term::Modifier(_) => None,
        })
    }

    /// The target of the `redirect=` modifier.
    pub fn redirect(&self) -> Option<&DomainSpec<'a>> {
        self.terms.iter().find_map(|term| match term {
            Term::Modifier(Modifier::Redirect(domain)) => Some(domain),
            _ => None,
        })
    }

    /// The domain-spec of the `exp=` modifier.
    pub fn explanation(&self) -> Option<&DomainSpec<'a>> {
        self.terms.iter().find_map(|term| match term {
            Term::Modifier(Modifier::Explanation(domain)) => Some(domain),
            _ => None,
        })
    }

    /// A record of these terms, as built in code (without spans). Duplicate
    /// `redirect=` or `exp=` modifiers are kept; [`Display`](fmt::Display)
    /// then writes a record that does not parse.
    pub fn from_terms(terms: Vec<Term<'a>>) -> Self {
        Self {
            terms,
            spans: Vec::new(),
        }
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> Record<'static> {
        Record {
            terms: self.terms.into_iter().map(Term::into_owned).collect(),
            spans: self.spans,
        }
    }
}

impl PartialEq for Record<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.terms == other.terms
    }
}

impl std::hash::Hash for Record<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.terms.hash(state);
    }
}

impl FromStr for Record<'static> {
    type Err = RecordError;

    /// Parses and copies; see [`Record::parse`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Record::parse(text).map(Record::into_owned)
    }
}

/// Writes `v=spf1` and the terms separated by single spaces; mechanism and
/// modifier names in lowercase, everything else as written.
impl fmt::Display for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VERSION)?;
        for term in &self.terms {
            write!(f, " {term}")?;
        }
        Ok(())
    }
}

/// Whether a TXT record (its strings joined) is an SPF record: it starts with
/// `v=spf1`, in any case, followed by a space or the end (§4.5). Other TXT
/// records are ignored, whatever bytes they hold.
pub fn is_spf_record(text: &[u8]) -> bool {
    let Some(version) = text.get(..VERSION.len()) else {
        return false;
    };
    version.eq_ignore_ascii_case(VERSION.as_bytes())
        && text.get(VERSION.len()).is_none_or(|&byte| byte == b' ')
}

/// The terms of a record's text after the version, each with its byte
/// offset. The text must start with the version.
pub(crate) fn pieces(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut position = VERSION.len();
    std::iter::from_fn(move || {
        while bytes.get(position) == Some(&b' ') {
            position += 1;
        }
        let start = position;
        while position < bytes.len() && bytes[position] != b' ' {
            position += 1;
        }
        (position > start).then(|| (start, &text[start..position]))
    })
}

/// Checks a record and hands each term and its span to `each`, refusing a
/// second `redirect=` or `exp=` (§6).
pub(crate) fn visit<'t>(
    text: &'t str,
    mut each: impl FnMut(Term<'t>, Range<usize>),
) -> Result<(), RecordError> {
    check_start(text)?;

    let mut seen = SeenModifiers::default();
    for (position, piece) in pieces(text) {
        let term = parse_piece(piece, position, &mut seen)?;
        each(term, position..position + piece.len());
    }
    Ok(())
}

/// Whether `redirect=` and `exp=` were seen, to refuse a second one (§6).
#[derive(Debug, Default)]
pub(crate) struct SeenModifiers {
    redirect: bool,
    explanation: bool,
}

/// Checks what comes before the terms: US-ASCII throughout, and the version.
pub(crate) fn check_start(text: &str) -> Result<(), RecordError> {
    check_ascii(text.as_bytes())?;
    check_version(text)
}

/// Checks the version of a text known to be US-ASCII.
pub(crate) fn check_version(text: &str) -> Result<(), RecordError> {
    if !is_spf_record(text.as_bytes()) {
        return Err(RecordError::NotSpf);
    }
    Ok(())
}

/// Parses the term `piece` found at `position`, refusing a second
/// `redirect=` or `exp=`.
pub(crate) fn parse_piece<'t>(
    piece: &'t str,
    position: usize,
    seen: &mut SeenModifiers,
) -> Result<Term<'t>, RecordError> {
    let term = Term::parse(piece).map_err(|error| error.at(piece, position))?;
    let (name, seen) = match &term {
        Term::Modifier(Modifier::Redirect(_)) => ("redirect", &mut seen.redirect),
        Term::Modifier(Modifier::Explanation(_)) => ("exp", &mut seen.explanation),
        _ => return Ok(term),
    };

    if *seen {
        let term = piece.to_owned();
        return Err(RecordError::DuplicateModifier {
            name,
            term,
            position,
        });
    }
    *seen = true;
    Ok(term)
}

/// Refuses the first byte outside US-ASCII.
fn check_ascii(bytes: &[u8]) -> Result<(), RecordError> {
    if bytes.is_ascii() {
        return Ok(());
    }
    match bytes.iter().position(|byte| !byte.is_ascii()) {
        Some(position) => Err(RecordError::NonAscii {
            byte: bytes[position],
            position,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_needs_the_version_then_a_space_or_the_end() {
        for spf in ["v=spf1", "v=spf1 -all", "V=SpF1 ~all"] {
            assert!(is_spf_record(spf.as_bytes()), "{spf}");
        }
        for other in ["v=spf10", "v=spf1mx", "spf1", "", " v=spf1", "v=spf1\t-all"] {
            assert!(!is_spf_record(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn empty_record_and_trailing_spaces_are_valid() {
        assert!(Record::parse("v=spf1").unwrap().terms().is_empty());
        assert_eq!(Record::parse("v=spf1 a -all  ").unwrap().terms().len(), 2);
    }

    #[test]
    fn errors_point_at_the_offending_term() {
        let error = Record::parse("v=spf1 ip4:1.2.3.4 -all moo").unwrap_err();
        assert_eq!(
            error,
            RecordError::UnknownMechanism {
                term: "moo".into(),
                position: 24
            }
        );

        let error = Record::parse("v=spf1 a:ctrl.example.com\rptr -all").unwrap_err();
        assert_eq!(error.position(), 7);
        assert!(matches!(error, RecordError::InvalidDomainSpec { .. }));
    }

    #[test]
    fn non_ascii_bytes_are_refused_where_they_are() {
        let error = Record::parse_bytes(b"v=spf1 \x80a:example.net -all").unwrap_err();
        assert_eq!(
            error,
            RecordError::NonAscii {
                byte: 0x80,
                position: 7
            }
        );
    }

    #[test]
    fn second_redirect_or_exp_is_an_error() {
        let error = Record::parse("v=spf1 exp=a.example exp=b.example").unwrap_err();
        assert!(matches!(
            error,
            RecordError::DuplicateModifier {
                name: "exp",
                position: 21,
                ..
            }
        ));
        let error = Record::parse("v=spf1 redirect=a.example -all REDIRECT=b.example").unwrap_err();
        assert!(matches!(
            error,
            RecordError::DuplicateModifier {
                name: "redirect",
                ..
            }
        ));
    }

    #[test]
    fn unknown_modifiers_are_kept_in_order() {
        let record = Record::parse("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all").unwrap();
        assert_eq!(record.terms()[0].to_string(), "moo.cow-far_out=man:dog/cat");
        assert_eq!(
            record.to_string(),
            "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all"
        );
    }
}
