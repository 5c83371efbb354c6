//! A resolver that remembers every answer it passed on, so an investigation can
//! be replayed later with exactly the DNS it saw.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use crate::name::{display_name, parse_query_name};
use crate::resolver::convert;
use crate::zone::{Failure, ZoneResolver};
use crate::{Answer, DnsError, Mx, RecordData, RecordType, Resolver, Txt, reverse_name};

/// Wraps a resolver, passes every query through unchanged, and keeps what came
/// back: answers, NXDOMAIN, NODATA, server failures and timeouts.
///
/// [`RecordingResolver::to_zone`] turns the recording into a [`ZoneResolver`]
/// that gives the same answers and the same errors for every recorded query,
/// and [`RecordingResolver::to_master_file`] writes it as a master file with
/// `;@` annotations for the failures. An answer reached through CNAMEs is
/// stored at the queried name. When one question was asked more than once,
/// the first outcome is kept. Queries rejected as invalid names are not
/// recorded: they fail the same way on replay.
///
/// ```
/// use mailtrail_dns::{RecordingResolver, Resolver, ZoneResolver};
///
/// let live: ZoneResolver = r#"
/// example.com. 300 IN TXT "v=spf1 -all"
/// ;@ slow.example.com. A timeout
/// "#.parse()?;
/// let recorder = RecordingResolver::new(live);
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let seen = runtime.block_on(async {
///     (recorder.txt("example.com").await, recorder.a("slow.example.com").await)
/// });
///
/// let replay: ZoneResolver = recorder.to_master_file().parse()?;
/// let again = runtime.block_on(async {
///     (replay.txt("example.com").await, replay.a("slow.example.com").await)
/// });
/// assert_eq!(seen, again);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RecordingResolver<R> {
    inner: R,
    log: Mutex<Vec<Recorded>>,
}

/// One query that went through a [`RecordingResolver`], and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Recorded {
    /// The queried name without the trailing dot (the reverse name for PTR).
    pub name: String,
    /// The queried type.
    pub rtype: RecordType,
    /// The answer or the error.
    pub outcome: Result<Answer<RecordData>, DnsError>,
}

impl<R> RecordingResolver<R> {
    /// Starts recording the queries made through `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            log: Mutex::new(Vec::new()),
        }
    }

    /// The wrapped resolver.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    /// Stops recording and returns the wrapped resolver.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Every recorded query, in the order the answers arrived.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A zone that replays the recording.
    pub fn to_zone(&self) -> ZoneResolver {
        let mut zone = ZoneResolver::new();
        for Recorded {
            name,
            rtype,
            outcome,
        } in self.recorded()
        {
            if zone.has(&name, rtype) {
                continue;
            }
            let stored = match outcome {
                Ok(answer) => store_answer(&mut zone, &name, rtype, answer),
                Err(error) => match (Failure::of(&error), error) {
                    (Some(failure), DnsError::ServerFailure { detail, .. }) => {
                        zone.set_failure_with_detail(&name, rtype, failure, Some(detail))
                    }
                    (Some(failure), _) => zone.set_failure(&name, rtype, failure),
                    (None, _) => Ok(()),
                },
            };
            debug_assert!(stored.is_ok(), "recorded names were validated: {stored:?}");
        }
        zone
    }

    /// The recording as a master file that [`ZoneResolver`] reads back.
    pub fn to_master_file(&self) -> String {
        self.to_zone().to_string()
    }

    /// Writes the master file to `path`.
    pub fn write_master_file(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, self.to_master_file())
    }

    /// Remembers one outcome, converted to untyped records.
    fn remember<T>(
        &self,
        name: &str,
        rtype: RecordType,
        outcome: &Result<Answer<T>, DnsError>,
        to_data: fn(T) -> RecordData,
    ) where
        T: Clone,
    {
        let Ok(parsed) = parse_query_name(name) else {
            return;
        };
        let outcome = match outcome {
            Ok(answer) => Ok(convert(answer.clone(), to_data)),
            Err(error) => Err(error.clone()),
        };
        let entry = Recorded {
            name: display_name(&parsed),
            rtype,
            outcome,
        };
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }
}

/// Stores the records of an answer at the queried name, with the answer's TTL
/// and DNSSEC status.
fn store_answer(
    zone: &mut ZoneResolver,
    name: &str,
    rtype: RecordType,
    answer: Answer<RecordData>,
) -> Result<(), crate::ZoneError> {
    for data in answer.records.iter() {
        zone.insert(name, answer.ttl, data.clone())?;
    }
    match answer.authentic {
        Some(authentic) => zone.set_authentic(name, rtype, authentic),
        None => Ok(()),
    }
}

impl<R: Resolver> Resolver for RecordingResolver<R> {
    async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        let outcome = self.inner.txt(name).await;
        self.remember(name, RecordType::Txt, &outcome, RecordData::Txt);
        outcome
    }

    async fn a(&self, name: &str) -> Result<Answer<Ipv4Addr>, DnsError> {
        let outcome = self.inner.a(name).await;
        self.remember(name, RecordType::A, &outcome, RecordData::A);
        outcome
    }

    async fn aaaa(&self, name: &str) -> Result<Answer<Ipv6Addr>, DnsError> {
        let outcome = self.inner.aaaa(name).await;
        self.remember(name, RecordType::Aaaa, &outcome, RecordData::Aaaa);
        outcome
    }

    async fn mx(&self, name: &str) -> Result<Answer<Mx>, DnsError> {
        let outcome = self.inner.mx(name).await;
        self.remember(name, RecordType::Mx, &outcome, RecordData::Mx);
        outcome
    }

    async fn ptr(&self, ip: IpAddr) -> Result<Answer<String>, DnsError> {
        let outcome = self.inner.ptr(ip).await;
        self.remember(
            &reverse_name(ip),
            RecordType::Ptr,
            &outcome,
            RecordData::Ptr,
        );
        outcome
    }
}
