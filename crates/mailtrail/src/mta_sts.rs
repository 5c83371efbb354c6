//! The seam between the analysis and MTA-STS: what the analysis needs to
//! know of a domain's policy, and where it gets it. mailtrail-mtasts'
//! [`Discovery`] (DNS, a policy fetcher and a cache) is the source in use;
//! tests and callers with policies of their own can supply another.

use std::future::Future;
use std::time::SystemTime;

use mailtrail_dns::Resolver;
use mailtrail_mtasts::{
    Discovery, MxPattern, PolicyCache, PolicyFetcher, Problem, RecordErrorKind,
};

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
    /// The policy of `domain` in force at `now`.
    fn lookup(&self, domain: &str, now: SystemTime) -> impl Future<Output = MtaStsLookup> + Send;
}

/// A source that knows no policy: every domain has none.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMtaSts;

impl MtaStsSource for NoMtaSts {
    async fn lookup(&self, _: &str, _: SystemTime) -> MtaStsLookup {
        MtaStsLookup::NoRecord
    }
}

impl<R, F, C> MtaStsSource for Discovery<R, F, C>
where
    R: Resolver + Sync,
    F: PolicyFetcher,
    C: PolicyCache,
{
    async fn lookup(&self, domain: &str, now: SystemTime) -> MtaStsLookup {
        let found = self.discover(domain, now).await;
        if let Some(entry) = found.policy {
            return MtaStsLookup::Policy(MtaStsView {
                id: entry.id,
                mode: entry.policy.mode.as_str().to_owned(),
                mx: entry
                    .policy
                    .mx
                    .iter()
                    .map(|pattern| pattern.as_str().to_owned())
                    .collect(),
                max_age: u64::from(entry.policy.max_age),
            });
        }
        let no_record = found.problems.iter().all(|problem| {
            matches!(problem, Problem::Record(error) if error.kind == RecordErrorKind::NoRecord)
        });
        match no_record {
            true => MtaStsLookup::NoRecord,
            false => {
                let problems: Vec<String> =
                    found.problems.iter().map(ToString::to_string).collect();
                MtaStsLookup::Unavailable(problems.join("; "))
            }
        }
    }
}

impl MtaStsView {
    /// Whether the policy allows `host`, by mailtrail-mtasts' matching
    /// (RFC 8461 §4.1: case-insensitive, a final dot ignored, `*.` standing
    /// for exactly one label).
    pub fn allows(&self, host: &str) -> bool {
        self.mx
            .iter()
            .filter_map(|pattern| MxPattern::new(pattern))
            .any(|pattern| pattern.matches(host))
    }
}
