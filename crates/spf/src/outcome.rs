//! What `check_host()` returns ([RFC 7208 §2.6], §8): one of the seven
//! results, with the cause that produced it, the explanation of a `fail`, the
//! lookup counters and, when asked for, the trace.
//!
//! [RFC 7208 §2.6]: https://www.rfc-editor.org/rfc/rfc7208#section-2.6

use std::fmt;
use std::str::FromStr;

use mailtrail_dns::DnsError;

use crate::{RecordError, Trace};

/// The results of §2.6, printed as the exact RFC tokens.
///
/// ```
/// use mailtrail_spf::SpfResult;
///
/// assert_eq!(SpfResult::SoftFail.to_string(), "softfail");
/// assert_eq!("PermError".parse::<SpfResult>(), Ok(SpfResult::PermError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpfResult {
    /// No SPF record, or no valid domain to check (§2.6.1).
    None,
    /// The domain makes no assertion about the client (§2.6.2).
    Neutral,
    /// The client is authorized (§2.6.3).
    Pass,
    /// The client is not authorized (§2.6.4).
    Fail,
    /// Probably not authorized; a weak statement (§2.6.5).
    SoftFail,
    /// A transient error, usually DNS (§2.6.6).
    TempError,
    /// The records could not be interpreted; needs the publisher's fix
    /// (§2.6.7).
    PermError,
}

/// A result word that is none of the seven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SPF result {0:?}")]
pub struct UnknownResult(pub String);

/// Why `check_host()` gave its result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Cause {
    /// `none`: the domain is not a valid multi-label domain name (§4.3).
    InvalidDomain {
        /// The domain as given.
        domain: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `none`: the domain does not exist or publishes no SPF record (§4.3,
    /// §4.5).
    NoRecord {
        /// The domain checked.
        domain: String,
    },
    /// A directive matched; its qualifier gave the result (§4.6.2). For a
    /// passing `include`, this is the include directive itself.
    Matched(Location),
    /// `neutral`: no mechanism matched and there was no `redirect=` (§4.7).
    NoMatch {
        /// The domain whose record ran out of terms.
        domain: String,
    },
    /// `temperror` or `permerror`.
    Problem(Problem),
}

/// Where in the evaluation something happened: a term of a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Location {
    /// The domain whose record holds the term.
    pub domain: String,
    /// The term as written in the record.
    pub term: String,
    /// The term's index among the record's terms, from 0.
    pub index: usize,
}

/// Why the result is `temperror` or `permerror`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Problem {
    /// The term would be DNS-querying term number `limit + 1` (§4.6.4).
    #[error("more than {limit} DNS-querying terms, at {} in the record of {}", .location.term, .location.domain)]
    DnsTermLimit {
        /// The term over the limit.
        location: Location,
        /// The limit.
        limit: u32,
    },
    /// An `include` or `redirect` names a domain whose record is being
    /// evaluated already: it would recurse until the term limit.
    #[error("{target} is already being evaluated: {} in the record of {} loops", .location.term, .location.domain)]
    IncludeLoop {
        /// The include or redirect term.
        location: Location,
        /// The domain it names.
        target: String,
    },
    /// An `include` or `redirect` target that is no valid domain name after
    /// macro expansion (§4.3, §6.1).
    #[error("{} in the record of {} names {target:?}, which is no valid domain", .location.term, .location.domain)]
    InvalidTarget {
        /// The include or redirect term.
        location: Location,
        /// The expanded target.
        target: String,
    },
    /// More than one SPF record at a domain (§4.5).
    #[error("{domain} publishes {count} SPF records")]
    MultipleRecords {
        /// The domain.
        domain: String,
        /// How many records start with `v=spf1`.
        count: usize,
    },
    /// An `mx` lookup returned more names than allowed (§4.6.4).
    #[error("{} in the record of {} gives {count} MX names, more than {limit}", .location.term, .location.domain)]
    MxNameLimit {
        /// The mx term.
        location: Location,
        /// How many MX records the lookup returned.
        count: usize,
        /// The limit.
        limit: u32,
    },
    /// An `include` or `redirect` target without an SPF record (§5.2, §6.1).
    #[error("{} in the record of {} names {target}, which has no SPF record", .location.term, .location.domain)]
    NoTargetRecord {
        /// The include or redirect term.
        location: Location,
        /// The domain it names.
        target: String,
    },
    /// The SPF record of a domain does not parse (§4.6).
    #[error("the SPF record of {domain} is invalid: {error}")]
    Syntax {
        /// The domain.
        domain: String,
        /// The syntax error, with the offending term and its position.
        error: RecordError,
    },
    /// A DNS server failure or timeout (§4.4, §5).
    #[error("DNS failure{}: {error}", .location.as_ref().map(|l| format!(" at {} in the record of {}", l.term, l.domain)).unwrap_or_default())]
    TemporaryDnsFailure {
        /// The term whose lookup failed; `None` for the lookup of a record.
        location: Option<Location>,
        /// The failure.
        error: DnsError,
    },
    /// The term's lookup would be void lookup number `limit + 1` (§4.6.4).
    #[error("more than {limit} void lookups, at {} in the record of {}", .location.term, .location.domain)]
    VoidLookupLimit {
        /// The term whose lookup was void.
        location: Location,
        /// The limit.
        limit: u32,
    },
}

/// How much of the limits of §4.6.4 an evaluation used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Counters {
    /// DNS-querying terms evaluated: `include`, `a`, `mx`, `ptr`, `exists`
    /// and `redirect=`, including the one that went over the limit.
    pub dns_lookups: u32,
    /// Terms whose lookup was void (NXDOMAIN or no records), including the
    /// one that went over the limit.
    pub void_lookups: u32,
    /// Every DNS query sent, of any kind, the `exp=` lookup included.
    pub queries: u32,
}

/// The outcome of `check_host()`: never a Rust error, whatever the records
/// hold.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Outcome {
    /// The result.
    pub result: SpfResult,
    /// Why.
    pub cause: Cause,
    /// For `fail`: the expanded `exp=` text (§6.2), when the record had one
    /// and its lookup worked; otherwise `None`.
    pub explanation: Option<String>,
    /// The `<domain>` checked first, without a trailing dot.
    pub domain: String,
    /// The `<sender>` as evaluated: `postmaster` stands for a missing
    /// local-part (§4.3).
    pub sender: String,
    /// The counters at the end.
    pub counters: Counters,
    /// Every step, when the trace was asked for.
    pub trace: Option<Trace>,
}

impl SpfResult {
    /// Every result, in the order of §2.6.
    pub const ALL: [Self; 7] = [
        Self::None,
        Self::Neutral,
        Self::Pass,
        Self::Fail,
        Self::SoftFail,
        Self::TempError,
        Self::PermError,
    ];

    /// The token: `none`, `neutral`, `pass`, `fail`, `softfail`,
    /// `temperror`, `permerror`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Neutral => "neutral",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::SoftFail => "softfail",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpfResult {
    type Err = UnknownResult;

    /// Parses a token in any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|result| result.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownResult(text.to_owned()))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for SpfResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Cause {
    /// The matching directive, for results that come from one.
    pub fn matched(&self) -> Option<&Location> {
        match self {
            Self::Matched(location) => Some(location),
            _ => None,
        }
    }

    /// The problem, for `temperror` and `permerror`.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Problem(problem) => Some(problem),
            _ => None,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDomain { domain, reason } => {
                write!(f, "{domain:?} is no valid domain: {reason}")
            }
            Self::NoRecord { domain } => write!(f, "{domain} publishes no SPF record"),
            Self::Matched(location) => {
                write!(
                    f,
                    "{} matched in the record of {}",
                    location.term, location.domain
                )
            }
            Self::NoMatch { domain } => write!(f, "nothing matched in the record of {domain}"),
            Self::Problem(problem) => problem.fmt(f),
        }
    }
}

impl Problem {
    /// `temperror` for DNS failures, `permerror` for everything else.
    pub fn result(&self) -> SpfResult {
        match self {
            Self::TemporaryDnsFailure { .. } => SpfResult::TempError,
            _ => SpfResult::PermError,
        }
    }

    /// The term where it happened, when one is known.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::DnsTermLimit { location, .. }
            | Self::IncludeLoop { location, .. }
            | Self::InvalidTarget { location, .. }
            | Self::MxNameLimit { location, .. }
            | Self::NoTargetRecord { location, .. }
            | Self::VoidLookupLimit { location, .. } => Some(location),
            Self::TemporaryDnsFailure { location, .. } => location.as_ref(),
            Self::MultipleRecords { .. } | Self::Syntax { .. } => None,
        }
    }
}

impl Outcome {
    /// The matching directive as written, for results that come from one.
    pub fn mechanism(&self) -> Option<&str> {
        self.cause.matched().map(|location| location.term.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_the_rfc_words_and_parse_back() {
        let words: Vec<&str> = SpfResult::ALL
            .iter()
            .map(|result| result.as_str())
            .collect();
        assert_eq!(
            words,
            [
                "none",
                "neutral",
                "pass",
                "fail",
                "softfail",
                "temperror",
                "permerror"
            ]
        );
        for result in SpfResult::ALL {
            assert_eq!(
                result.to_string().to_uppercase().parse::<SpfResult>(),
                Ok(result)
            );
        }
        assert!("hardfail".parse::<SpfResult>().is_err());
    }

    #[test]
    fn only_dns_failures_are_temporary() {
        let location = Location {
            domain: "example.com".into(),
            term: "a".into(),
            index: 0,
        };
        let limit = Problem::DnsTermLimit {
            location: location.clone(),
            limit: 10,
        };
        let dns = Problem::TemporaryDnsFailure {
            location: Some(location),
            error: DnsError::Timeout {
                name: "example.com".into(),
                rtype: mailtrail_dns::RecordType::A,
            },
        };

        assert_eq!(limit.result(), SpfResult::PermError);
        assert_eq!(dns.result(), SpfResult::TempError);
        assert_eq!(
            limit.to_string(),
            "more than 10 DNS-querying terms, at a in the record of example.com"
        );
        assert!(
            dns.to_string()
                .starts_with("DNS failure at a in the record of example.com: ")
        );
    }
}
