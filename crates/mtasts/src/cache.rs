//! Policy discovery with a cache ([RFC 8461 §3.3] and [§5.1]): look up the
//! `_mta-sts` record, fetch the policy when its `id` is new, keep it for
//! `max_age`, and keep serving an unexpired cached policy when the record
//! or the fetch fails.
//!
//! [RFC 8461 §3.3]: https://www.rfc-editor.org/rfc/rfc8461#section-3.3
//! [§5.1]: https://www.rfc-editor.org/rfc/rfc8461#section-5.1

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use mailtrail_dns::{DnsError, Resolver};

use crate::domain::normalize_host;
use crate::{
    FetchError, Policy, PolicyError, PolicyFetcher, RecordError, RecordErrorKind, StsRecord,
    find_record,
};

/// Finds the MTA-STS policy in force for a domain.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use mailtrail_dns::ZoneResolver;
/// use mailtrail_mtasts::{Discovery, MemoryCache, PolicySource, StaticFetcher};
///
/// let zone: ZoneResolver = r#"_mta-sts.example.com. 300 TXT "v=STSv1; id=20240101""#.parse()?;
/// let mut fetcher = StaticFetcher::new();
/// fetcher.insert("example.com", "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 86400\n");
/// let cache = MemoryCache::new();
/// let discovery = Discovery::new(&zone, &fetcher, &cache);
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let found = runtime.block_on(discovery.discover("example.com", now));
/// assert_eq!(found.source, PolicySource::Fetched);
/// assert!(found.policy.unwrap().policy.allows("mx1.example.com"));
///
/// // The same id an hour later: the cached policy, without a fetch.
/// let later = runtime.block_on(discovery.discover("example.com", now + Duration::from_secs(3600)));
/// assert_eq!(later.source, PolicySource::Cache);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Discovery<R, F, C> {
    resolver: R,
    fetcher: F,
    cache: C,
}

impl<R: Resolver, F: PolicyFetcher, C: PolicyCache> Discovery<R, F, C> {
    /// Discovery with this DNS, this fetcher and this cache.
    pub const fn new(resolver: R, fetcher: F, cache: C) -> Self {
        Self {
            resolver,
            fetcher,
            cache,
        }
    }

    /// The policy in force for `domain` at `now`, and everything that went
    /// wrong finding it.
    ///
    /// Steps (§3.3, §5.1): read the cache, dropping an expired entry; look
    /// up the record; when its `id` is the cached one, use the cached policy;
    /// otherwise fetch and parse the policy and cache it. When the record or
    /// the new policy cannot be had, an unexpired cached policy stays in
    /// force ([`PolicySource::CacheAfterFailure`]).
    pub async fn discover(&self, domain: &str, now: SystemTime) -> Discovered {
        let Some(policy_domain) = normalize_host(domain).map(|name| name.into_owned()) else {
            let error = FetchError::InvalidDomain {
                domain: domain.to_owned(),
            };
            return Discovered::nothing(domain.to_owned(), Problem::Fetch(error));
        };
        let cached = self.fresh_entry(&policy_domain, now);
        let mut found = Discovered::nothing(policy_domain.clone(), None);

        let record = self.record(&policy_domain).await;
        let record = match record {
            Ok(record) => record,
            Err(problem) => {
                found.problems.push(problem);
                return found.fall_back(cached);
            }
        };

        let id = record.id.clone().into_owned();
        found.record = Some(record);
        if let Some(entry) = cached.as_ref().filter(|entry| entry.id == id) {
            found.policy = Some(entry.clone());
            found.source = PolicySource::Cache;
            return found;
        }

        match self.fetch(&policy_domain, id, now).await {
            Ok(entry) => {
                self.cache.insert(&policy_domain, entry.clone());
                found.policy = Some(entry);
                found.source = PolicySource::Fetched;
                found
            }
            Err(problem) => {
                found.problems.push(problem);
                found.fall_back(cached)
            }
        }
    }

    /// The cached entry for the domain if it has not expired; an expired one
    /// is removed.
    fn fresh_entry(&self, policy_domain: &str, now: SystemTime) -> Option<CachedPolicy> {
        let entry = self.cache.get(policy_domain)?;
        if entry.is_fresh(now) {
            return Some(entry);
        }
        self.cache.remove(policy_domain);
        None
    }

    /// The `_mta-sts` record of the domain. A name without records counts
    /// as no record, not as a DNS failure.
    async fn record(&self, policy_domain: &str) -> Result<StsRecord<'static>, Problem> {
        let name = format!("_mta-sts.{policy_domain}");
        let answer = match self.resolver.txt(&name).await {
            Ok(answer) => answer,
            Err(error) if error.is_void() => {
                return Err(Problem::Record(RecordError::new(
                    RecordErrorKind::NoRecord,
                    0,
                )));
            }
            Err(error) => return Err(Problem::Dns(error)),
        };

        let texts: Vec<String> = answer.records.iter().map(|txt| txt.to_text()).collect();
        find_record(texts.iter().map(String::as_str))
            .map(StsRecord::into_owned)
            .map_err(Problem::Record)
    }

    /// Fetches and parses the policy for the record `id`.
    async fn fetch(
        &self,
        policy_domain: &str,
        id: String,
        now: SystemTime,
    ) -> Result<CachedPolicy, Problem> {
        let body = self
            .fetcher
            .fetch(policy_domain)
            .await
            .map_err(Problem::Fetch)?;
        let policy = Policy::parse(&body).map_err(Problem::Policy)?;
        Ok(CachedPolicy {
            id,
            policy: policy.into_owned(),
            fetched_at: now,
        })
    }
}

/// What discovery found for a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Discovered {
    /// The policy domain, in lowercase A-labels (as given when it is not a
    /// domain name).
    pub policy_domain: String,
    /// The `_mta-sts` record, when one was found and parsed.
    pub record: Option<StsRecord<'static>>,
    /// The policy in force, if any.
    pub policy: Option<CachedPolicy>,
    /// Where the policy came from.
    pub source: PolicySource,
    /// What failed on the way, in order. A domain without a policy has at
    /// least one; a cached policy may be in force despite some.
    pub problems: Vec<Problem>,
}

impl Discovered {
    fn nothing(policy_domain: String, problem: impl Into<Option<Problem>>) -> Self {
        Self {
            policy_domain,
            record: None,
            policy: None,
            source: PolicySource::None,
            problems: problem.into().into_iter().collect(),
        }
    }

    /// Keeps an unexpired cached policy in force after a failure (§5.1).
    fn fall_back(mut self, cached: Option<CachedPolicy>) -> Self {
        if let Some(entry) = cached {
            self.policy = Some(entry);
            self.source = PolicySource::CacheAfterFailure;
        }
        self
    }
}

/// Where the policy in force came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum PolicySource {
    /// Fetched now, because the cache had none for this `id`.
    Fetched,
    /// The cache, because the record's `id` is the cached policy's.
    Cache,
    /// The cache, because the record or a new policy could not be had and
    /// the cached policy has not expired.
    CacheAfterFailure,
    /// No policy is in force.
    None,
}

impl fmt::Display for PolicySource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Fetched => "fetched",
            Self::Cache => "cache",
            Self::CacheAfterFailure => "cache after a failure",
            Self::None => "none",
        })
    }
}

/// One thing that went wrong during discovery.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "stage", content = "error", rename_all = "kebab-case")
)]
pub enum Problem {
    /// The record lookup failed for a reason other than a missing name.
    #[error("the _mta-sts lookup failed: {0}")]
    Dns(DnsError),
    /// No usable `_mta-sts` record.
    #[error("_mta-sts record: {0}")]
    Record(
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::cache::display"))] RecordError,
    ),
    /// The policy could not be fetched.
    #[error("policy fetch: {0}")]
    Fetch(FetchError),
    /// The fetched policy does not parse.
    #[error("policy: {0}")]
    Policy(
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::cache::display"))] PolicyError,
    ),
}

/// A policy as cached: the record `id` it was fetched for, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CachedPolicy {
    /// The `id` of the record the policy was fetched for.
    pub id: String,
    /// The policy.
    pub policy: Policy<'static>,
    /// When it was fetched.
    pub fetched_at: SystemTime,
}

impl CachedPolicy {
    /// When the policy expires: `max_age` seconds after it was fetched.
    pub fn expires_at(&self) -> SystemTime {
        self.fetched_at + Duration::from_secs(u64::from(self.policy.max_age))
    }

    /// Whether the policy is still valid at `now`.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        now < self.expires_at()
    }
}

/// Where discovered policies are kept, keyed by policy domain (lowercase
/// A-labels). Methods take `&self`, so one cache can serve concurrent
/// deliveries.
pub trait PolicyCache: Send + Sync {
    /// The entry for a domain, expired or not.
    fn get(&self, policy_domain: &str) -> Option<CachedPolicy>;

    /// Stores the entry for a domain, replacing any other.
    fn insert(&self, policy_domain: &str, entry: CachedPolicy);

    /// Forgets the entry for a domain.
    fn remove(&self, policy_domain: &str);
}

impl<C: PolicyCache + ?Sized> PolicyCache for &C {
    fn get(&self, policy_domain: &str) -> Option<CachedPolicy> {
        (**self).get(policy_domain)
    }

    fn insert(&self, policy_domain: &str, entry: CachedPolicy) {
        (**self).insert(policy_domain, entry);
    }

    fn remove(&self, policy_domain: &str) {
        (**self).remove(policy_domain);
    }
}

/// A [`PolicyCache`] in memory, unbounded: one entry per policy domain.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, CachedPolicy>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of entries, expired or not.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CachedPolicy>> {
        // A panic while the lock was held left a whole map behind: keep it.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl PolicyCache for MemoryCache {
    fn get(&self, policy_domain: &str) -> Option<CachedPolicy> {
        self.lock().get(policy_domain).cloned()
    }

    fn insert(&self, policy_domain: &str, entry: CachedPolicy) {
        self.lock().insert(policy_domain.to_owned(), entry);
    }

    fn remove(&self, policy_domain: &str) {
        self.lock().remove(policy_domain);
    }
}

/// Serializes an error by its message.
#[cfg(feature = "serde")]
pub(crate) fn display<T: fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}
