//! The seam between the analysis and MTA-STS: what the analysis needs to
//! know of a domain's policy, and where it gets it.

use std::future::Future;

/// A domain's MTA-STS policy, as the analysis uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MtaStsView {
    /// The `id=` of the `_mta-sts` TXT record.
    pub id: String,
    /// `enforce`, `testing` or `none`.
    pub mode: String,
    /// The `mx` patterns, as the policy writes them.
    pub mx: Vec<String>,
    /// `max_age`, in seconds.
    pub max_age: u64,
}

/// What looking for a policy found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MtaStsLookup {
    /// A policy.
    Policy(MtaStsView),
    /// No `_mta-sts` record: the domain has no policy.
    NoRecord,
    /// A record, but no usable policy (fetch refused, policy invalid, DNS
    /// failure), in words.
    Unavailable(String),
}

/// Where the analysis gets MTA-STS policies.
pub trait MtaStsSource {
    /// The policy of `domain`.
    fn lookup(&self, domain: &str) -> impl Future<Output = MtaStsLookup> + Send;
}

/// A source that knows no policy: every domain has none.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMtaSts;

impl MtaStsSource for NoMtaSts {
    async fn lookup(&self, _: &str) -> MtaStsLookup {
        MtaStsLookup::NoRecord
    }
}

impl MtaStsView {
    /// Whether the policy allows `host` (RFC 8461 §4.1): equal without
    /// regard to case or a final dot, or matching a `*.` pattern in exactly
    /// one leftmost label.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.mx.iter().any(|pattern| {
            let pattern = pattern.trim_end_matches('.');
            match pattern.strip_prefix("*.") {
                Some(parent) => host.split_once('.').is_some_and(|(label, rest)| {
                    !label.is_empty() && rest.eq_ignore_ascii_case(parent)
                }),
                None => host.eq_ignore_ascii_case(pattern),
            }
        })
    }
}
