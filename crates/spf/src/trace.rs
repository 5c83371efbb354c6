//! The evaluation trace: every record fetched, every term evaluated with the
//! counters after it, every DNS lookup with its answer, and the limit that
//! stopped an evaluation. Returned as data, never logged.

use std::fmt;

use mailtrail_dns::{DnsError, RecordType};

use crate::{Counters, RecordError, SpfResult};

/// The steps of one evaluation, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Trace {
    /// The events.
    pub events: Vec<TraceEvent>,
}

/// One step. `depth` is 0 for the first record and one more inside each
/// `include`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "event", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TraceEvent {
    /// The SPF record of a domain was looked for (§4.4, §4.5).
    Record {
        /// Nesting depth.
        depth: usize,
        /// The domain.
        domain: String,
        /// What was found.
        found: RecordFound,
    },
    /// A DNS query and its answer.
    Lookup {
        /// Nesting depth.
        depth: usize,
        /// The type asked for.
        rtype: RecordType,
        /// The name asked about (for PTR, the address's reverse name).
        name: String,
        /// The answer.
        answer: LookupAnswer,
    },
    /// A term was evaluated.
    Term {
        /// Nesting depth.
        depth: usize,
        /// The domain whose record holds the term.
        domain: String,
        /// The term's index in the record.
        index: usize,
        /// The term as written in the record.
        term: String,
        /// What it gave.
        verdict: TermVerdict,
        /// The counters after it.
        counters: Counters,
    },
    /// A limit of §4.6.4 was exceeded by this term.
    LimitExceeded {
        /// Nesting depth.
        depth: usize,
        /// The domain whose record holds the term.
        domain: String,
        /// The term as written in the record.
        term: String,
        /// Which limit.
        limit: LimitKind,
        /// The counters at that point.
        counters: Counters,
    },
    /// An included record finished with this result (§5.2).
    IncludeResult {
        /// Nesting depth of the included record.
        depth: usize,
        /// The included domain.
        domain: String,
        /// Its result.
        result: SpfResult,
    },
    /// The `exp=` explanation was looked for (§6.2).
    Explanation {
        /// The expanded domain, or `None` when it was not queryable.
        domain: Option<String>,
        /// The expanded text, or `None` when the lookup or the text failed.
        text: Option<String>,
    },
}

/// What a record lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "kind", content = "detail", rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum RecordFound {
    /// One SPF record, as text.
    Record(String),
    /// No SPF record.
    None,
    /// Several SPF records.
    Multiple(usize),
    /// One record that does not parse.
    Invalid(RecordError),
    /// The lookup failed for a reason other than a void answer.
    Failed(DnsError),
}

/// The answer to one query in a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum LookupAnswer {
    /// The records, in presentation form.
    Records(Vec<String>),
    /// The error.
    Error(DnsError),
}

/// What one term gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TermVerdict {
    /// The mechanism matched.
    Match,
    /// It did not.
    NoMatch,
    /// An `include` or `redirect=` continues with another record.
    Descend,
    /// It ended the evaluation with an error.
    Error,
}

/// The limits of §4.6.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum LimitKind {
    /// DNS-querying terms.
    DnsLookups,
    /// Void lookups.
    VoidLookups,
    /// Names from one `mx` lookup.
    MxNames,
}

impl Trace {
    /// The term that went over a limit, if one did.
    pub fn limit_exceeded(&self) -> Option<(&str, LimitKind)> {
        self.events.iter().find_map(|event| match event {
            TraceEvent::LimitExceeded { term, limit, .. } => Some((term.as_str(), *limit)),
            _ => None,
        })
    }

    /// The terms evaluated, in order, as written.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|event| match event {
            TraceEvent::Term { term, .. } => Some(term.as_str()),
            _ => None,
        })
    }
}

/// One line per event, indented by depth, for people.
impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for event in &self.events {
            writeln!(f, "{event}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Record {
                depth,
                domain,
                found,
            } => {
                write!(
                    f,
                    "{:indent$}record {domain}: {found}",
                    "",
                    indent = depth * 2
                )
            }
            Self::Lookup {
                depth,
                rtype,
                name,
                answer,
            } => {
                write!(
                    f,
                    "{:indent$}  {rtype} {name}: {answer}",
                    "",
                    indent = depth * 2
                )
            }
            Self::Term {
                depth,
                index,
                term,
                verdict,
                counters,
                ..
            } => write!(
                f,
                "{:indent$}  [{index}] {term}: {verdict} (dns {}, void {})",
                "",
                counters.dns_lookups,
                counters.void_lookups,
                indent = depth * 2
            ),
            Self::LimitExceeded {
                depth, term, limit, ..
            } => {
                write!(
                    f,
                    "{:indent$}  {term}: over the {limit} limit",
                    "",
                    indent = depth * 2
                )
            }
            Self::IncludeResult {
                depth,
                domain,
                result,
            } => {
                write!(
                    f,
                    "{:indent$}include {domain}: {result}",
                    "",
                    indent = depth * 2
                )
            }
            Self::Explanation { domain, text } => write!(
                f,
                "exp {}: {}",
                domain.as_deref().unwrap_or("(not queryable)"),
                text.as_deref().unwrap_or("(none)")
            ),
        }
    }
}

impl fmt::Display for RecordFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Record(text) => write!(f, "{text:?}"),
            Self::None => f.write_str("no SPF record"),
            Self::Multiple(count) => write!(f, "{count} SPF records"),
            Self::Invalid(error) => error.fmt(f),
            Self::Failed(error) => error.fmt(f),
        }
    }
}

impl fmt::Display for LookupAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Records(records) => f.write_str(&records.join(", ")),
            Self::Error(error) => error.fmt(f),
        }
    }
}

impl fmt::Display for TermVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Match => "match",
            Self::NoMatch => "no match",
            Self::Descend => "descend",
            Self::Error => "error",
        })
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DnsLookups => "DNS-querying term",
            Self::VoidLookups => "void lookup",
            Self::MxNames => "MX name",
        })
    }
}
