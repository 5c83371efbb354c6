//! The record a domain publishes ([RFC 7208 §4.5], §4.6): selecting it among
//! the TXT records, checking it whole before any term runs, and reading its
//! terms one at a time as evaluation reaches them, without keeping a parsed
//! record.
//!
//! [RFC 7208 §4.5]: https://www.rfc-editor.org/rfc/rfc7208#section-4.5

use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;

use mailtrail_dns::{DnsError, Txt};

use crate::evaluate::Site;
use crate::quick::{is_plain_include, quick_scan};
use crate::record::{self, VERSION};
use crate::trace::RecordFound;
use crate::{DomainSpec, Mechanism, Modifier, Problem, RecordError, Term, is_spf_record};

/// Chooses the SPF record among a domain's TXT records (§4.5): exactly one
/// must start with `v=spf1`; it must parse.
pub(crate) fn select_record(
    domain: &str,
    answer: Result<Arc<[Txt]>, DnsError>,
    term: Option<&Site<'_>>,
    ip: IpAddr,
    trace: bool,
) -> (Fetched, Option<RecordFound>) {
    let records = match answer {
        Ok(records) => records,
        Err(error) if error.is_temporary() => {
            let location = term.map(Site::location);
            let found = trace.then(|| RecordFound::Failed(error.clone()));
            return (
                Fetched::Problem(Problem::TemporaryDnsFailure { location, error }),
                found,
            );
        }
        Err(_) => return (Fetched::None, None),
    };

    let mut spf = records.iter().filter(|txt| is_spf_record(txt.as_bytes()));
    let (Some(first), None) = (spf.next(), spf.next()) else {
        let count = records
            .iter()
            .filter(|txt| is_spf_record(txt.as_bytes()))
            .count();
        if count == 0 {
            return (Fetched::None, None);
        }
        let problem = Problem::MultipleRecords {
            domain: domain.to_owned(),
            count,
        };
        return (
            Fetched::Problem(problem),
            Some(RecordFound::Multiple(count)),
        );
    };

    let checked = match first.as_str() {
        Some(text) if text.is_ascii() => Ok(first.clone()),
        _ => Err(non_ascii(first.as_bytes())),
    };
    match checked.and_then(|txt| Checked::new(txt, ip, trace)) {
        Ok(record) => {
            let found = trace.then(|| RecordFound::Record(record.text().to_owned()));
            (Fetched::Record(record), found)
        }
        Err(error) => {
            let found = Some(RecordFound::Invalid(error.clone()));
            (
                Fetched::Problem(Problem::Syntax {
                    domain: domain.to_owned(),
                    error,
                }),
                found,
            )
        }
    }
}

/// What looking for a domain's SPF record gave.
pub(crate) enum Fetched {
    Record(Checked),
    None,
    Problem(Problem),
}

/// A record that passed the syntax check, with what the check found.
pub(crate) struct Checked {
    /// The TXT record, shared with the answer it came in; its text is
    /// US-ASCII.
    txt: Txt,
    /// Where the next term to evaluate starts in `text`.
    next: usize,
    /// The index of that term.
    index: usize,
    /// The `redirect=` modifier: its index and span.
    redirect: Option<(usize, Range<usize>)>,
    /// The `exp=` modifier: its index and span.
    explanation: Option<(usize, Range<usize>)>,
}

impl Checked {
    /// Checks a record's text (§4.6): any syntax error is an error, however
    /// late in the record. `ip` is the client: unless `from_start`, the
    /// terms that need no DNS are evaluated in the same pass, and evaluation
    /// later starts at the first term that queries DNS or matches, since the
    /// terms before it do nothing but not match. The record's text must be
    /// US-ASCII, as [`select_record`] makes sure.
    pub(crate) fn new(txt: Txt, ip: IpAddr, from_start: bool) -> Result<Self, RecordError> {
        let text = txt.as_str().unwrap_or_default();
        record::check_version(text)?;
        let (mut index, mut stop) = (0usize, None);
        let mut modifiers = Modifiers::default();

        let bytes = text.as_bytes();
        let mut position = VERSION.len();
        while let Some(start) = term_start(bytes, position) {
            let (stops, end) = match quick_scan(&bytes[start..], ip) {
                Some((_, matched, length)) => (matched, start + length),
                None => {
                    let end = term_end(bytes, start);
                    let stops = modifiers.check(text, start..end, index, ip)?;
                    (stops, end)
                }
            };
            if stops && stop.is_none() && !from_start {
                stop = Some((index, start));
            }
            (index, position) = (index + 1, end);
        }

        let (index, next) = match stop {
            Some(stop) => stop,
            None if from_start => (0, VERSION.len()),
            None => (index, text.len()),
        };
        Ok(Self {
            txt,
            next,
            index,
            redirect: modifiers.redirect,
            explanation: modifiers.explanation,
        })
    }

    /// The record's text.
    pub(crate) fn text(&self) -> &str {
        self.txt.as_str().unwrap_or_default()
    }

    /// The index and span of the next term, moving past it.
    pub(crate) fn next_term(&mut self) -> Option<(usize, Range<usize>)> {
        let bytes = self.txt.as_bytes();
        let start = term_start(bytes, self.next)?;
        let end = term_end(bytes, start);

        let index = self.index;
        (self.next, self.index) = (end, index + 1);
        Some((index, start..end))
    }

    /// The `redirect=` modifier: its index, span and target.
    pub(crate) fn redirect(&self) -> Option<(usize, Range<usize>, DomainSpec<'_>)> {
        let (index, span) = self.redirect.clone()?;
        match Term::parse(&self.text()[span.clone()]) {
            Ok(Term::Modifier(Modifier::Redirect(spec))) => Some((index, span, spec)),
            _ => None,
        }
    }

    /// The `exp=` modifier: its index, span and domain-spec.
    pub(crate) fn explanation(&self) -> Option<(usize, Range<usize>, DomainSpec<'_>)> {
        let (index, span) = self.explanation.clone()?;
        match Term::parse(&self.text()[span.clone()]) {
            Ok(Term::Modifier(Modifier::Explanation(spec))) => Some((index, span, spec)),
            _ => None,
        }
    }
}

/// The modifiers the record check found, for the terms the fast readers
/// leave to the full parser.
#[derive(Default)]
struct Modifiers {
    seen: record::SeenModifiers,
    redirect: Option<(usize, Range<usize>)>,
    explanation: Option<(usize, Range<usize>)>,
}

impl Modifiers {
    /// Checks the term at `span` with the full parser, noting `redirect=`
    /// and `exp=`; gives whether evaluation must stop there: a directive
    /// that queries DNS or matches.
    fn check(
        &mut self,
        text: &str,
        span: Range<usize>,
        index: usize,
        ip: IpAddr,
    ) -> Result<bool, RecordError> {
        let piece = &text[span.clone()];
        if is_plain_include(piece) {
            return Ok(true);
        }

        Ok(
            match record::parse_piece(piece, span.start, &mut self.seen)? {
                Term::Modifier(Modifier::Redirect(_)) => {
                    self.redirect = Some((index, span));
                    false
                }
                Term::Modifier(Modifier::Explanation(_)) => {
                    self.explanation = Some((index, span));
                    false
                }
                Term::Modifier(_) => false,
                Term::Directive(directive) => {
                    let mechanism = &directive.mechanism;
                    mechanism.queries_dns()
                        || matches!(mechanism, Mechanism::All)
                        || mechanism.network_contains(ip)
                }
            },
        )
    }
}

/// Where the next term starts at or after `position`: past the spaces.
fn term_start(bytes: &[u8], position: usize) -> Option<usize> {
    let rest = bytes.get(position..)?;
    Some(position + rest.iter().position(|&byte| byte != b' ')?)
}

/// Where the term starting at `start` ends: at the next space or the end.
fn term_end(bytes: &[u8], start: usize) -> usize {
    let length = bytes[start..].iter().position(|&byte| byte == b' ');
    start + length.unwrap_or(bytes.len() - start)
}

/// The error for the first byte outside US-ASCII in a record.
fn non_ascii(bytes: &[u8]) -> RecordError {
    let position = bytes
        .iter()
        .position(|byte| !byte.is_ascii())
        .unwrap_or_default();
    RecordError::NonAscii {
        byte: bytes.get(position).copied().unwrap_or_default(),
        position,
    }
}
