//! The DNS side of the mechanisms ([RFC 7208 §5]): which queries `a`, `mx`,
//! `ptr`, `exists`, `%{p}` and `exp=` send, how their answers match the
//! client, and how their failures are read. Every query is counted and, when
//! asked for, traced.
//!
//! [RFC 7208 §5]: https://www.rfc-editor.org/rfc/rfc7208#section-5

use std::net::IpAddr;
use std::sync::Arc;

use mailtrail_dns::{DnsError, RecordType, Resolver, Txt, reverse_name};

use crate::evaluate::{Found, Site};
use crate::trace::LookupAnswer;
use crate::{Counters, DualCidrLength, Problem, TraceEvent};

/// Sends the queries of one evaluation.
pub(crate) struct Lookups<'e, R: ?Sized> {
    resolver: &'e R,
    /// `<ip>`, IPv4-mapped addresses already made IPv4.
    ip: IpAddr,
    pub(crate) counters: Counters,
    /// The nesting depth to note in lookup events.
    pub(crate) depth: usize,
    events: Option<Vec<TraceEvent>>,
}

/// How a failed query reads for a mechanism (§5).
enum Failure {
    /// NXDOMAIN or NODATA: no match, and a void lookup.
    Void,
    /// Server failure or timeout: `temperror`.
    Temporary,
    /// The name cannot be queried: no match (§4.3 by analogy, §5/10/3).
    Unusable,
}

impl<'e, R: Resolver + ?Sized> Lookups<'e, R> {
    pub(crate) fn new(resolver: &'e R, ip: IpAddr, trace: bool) -> Self {
        Self {
            resolver,
            ip,
            counters: Counters::default(),
            depth: 0,
            events: trace.then(Vec::new),
        }
    }

    pub(crate) fn ip(&self) -> IpAddr {
        self.ip
    }

    /// Records an event when tracing; the closure runs only then.
    pub(crate) fn trace(&mut self, event: impl FnOnce() -> TraceEvent) {
        if let Some(events) = &mut self.events {
            events.push(event());
        }
    }

    pub(crate) fn into_trace(self) -> Option<Vec<TraceEvent>> {
        self.events
    }

    /// `a` (§5.3): a match when an address of the target's A (IPv4 client)
    /// or AAAA (IPv6 client) records is in the client's network.
    pub(crate) async fn a_mechanism(
        &mut self,
        target: &str,
        cidr: DualCidrLength,
        site: &Site<'_>,
    ) -> Result<Found, Problem> {
        if !is_queryable(target) {
            return Ok(Found::NoMatch);
        }
        match self.addresses(target).await {
            Ok(addresses) => {
                let ip = self.ip;
                Ok(Found::from(
                    addresses.iter().any(|&address| cidr.contains(address, ip)),
                ))
            }
            Err(error) => read_failure(error, site),
        }
    }

    /// `mx` (§5.4): the target's MX hosts, at most `limit` of them or
    /// `permerror` (§4.6.4), each looked up like `a`. A null MX (RFC 7505)
    /// names no host. The target's own address is never tried (§5.4).
    pub(crate) async fn mx_mechanism(
        &mut self,
        target: &str,
        cidr: DualCidrLength,
        site: &Site<'_>,
        limit: u32,
    ) -> Result<Found, Problem> {
        if !is_queryable(target) {
            return Ok(Found::NoMatch);
        }
        let exchanges = match self.query_mx(target).await {
            Ok(exchanges) => exchanges,
            Err(error) => return read_failure(error, site),
        };
        if exchanges.len() > limit as usize {
            let count = exchanges.len();
            return Err(Problem::MxNameLimit {
                location: site.location(),
                count,
                limit,
            });
        }

        for exchange in exchanges.iter().filter(|exchange| is_queryable(exchange)) {
            match self.addresses(exchange).await {
                Ok(addresses)
                    if addresses
                        .iter()
                        .any(|&address| cidr.contains(address, self.ip)) =>
                {
                    return Ok(Found::Match);
                }
                Ok(_) => {}
                Err(error) => read_failure(error, site).map(|_| ())?,
            }
        }
        Ok(Found::NoMatch)
    }

    /// `ptr` (§5.5): a name of the client's PTR records that is the target or
    /// below it and whose addresses include the client. Only the first
    /// `limit` names are looked at (§4.6.4); lookup errors mean no match.
    pub(crate) async fn ptr_mechanism(&mut self, target: &str, limit: u32) -> Found {
        let names = match self.query_ptr().await {
            Ok(names) => names,
            Err(error) if error.is_void() => return Found::Void,
            Err(_) => return Found::NoMatch,
        };

        for name in names.iter().take(limit as usize) {
            if is_within(name, target) && self.validates(name).await {
                return Found::Match;
            }
        }
        Found::NoMatch
    }

    /// `exists` (§5.7): the target has an A record, whatever the client's
    /// address family.
    pub(crate) async fn exists_mechanism(
        &mut self,
        target: &str,
        site: &Site<'_>,
    ) -> Result<Found, Problem> {
        if !is_queryable(target) {
            return Ok(Found::NoMatch);
        }
        let answer = self.resolver.a(target).await.map(|answer| answer.records);
        self.note(RecordType::A, target, &answer, |ip| ip.to_string());

        match answer {
            Ok(_) => Ok(Found::Match),
            Err(error) => read_failure(error, site),
        }
    }

    /// The validated names of the client for `%{p}` (§7.3): PTR names, the
    /// first `limit`, whose addresses include the client. Errors give none.
    pub(crate) async fn validated_names(&mut self, limit: u32) -> Vec<String> {
        let Ok(names) = self.query_ptr().await else {
            return Vec::new();
        };

        let mut validated = Vec::new();
        for name in names.iter().take(limit as usize) {
            if self.validates(name).await {
                validated.push(name.trim_end_matches('.').to_owned());
            }
        }
        validated
    }

    /// The text of the explanation record (§6.2): exactly one TXT record, in
    /// US-ASCII. Anything else gives none.
    pub(crate) async fn explanation_text(&mut self, target: &str) -> Option<String> {
        if !is_queryable(target) {
            return None;
        }
        let records = self.txt(target).await.ok()?;
        let [record] = &records[..] else {
            return None;
        };

        let text = record.concat();
        if !text.is_ascii() {
            return None;
        }
        String::from_utf8(text.into_owned()).ok()
    }

    /// TXT records of a name.
    pub(crate) async fn txt(&mut self, name: &str) -> Result<Arc<[Txt]>, DnsError> {
        let answer = self.resolver.txt(name).await.map(|answer| answer.records);
        self.note(RecordType::Txt, name, &answer, Txt::to_text);
        answer
    }

    /// Whether a name's addresses include the client.
    async fn validates(&mut self, name: &str) -> bool {
        let ip = self.ip;
        self.addresses(name)
            .await
            .is_ok_and(|addresses| addresses.contains(&ip))
    }

    /// The A records for an IPv4 client, the AAAA records for IPv6 (§5).
    async fn addresses(&mut self, name: &str) -> Result<Vec<IpAddr>, DnsError> {
        match self.ip {
            IpAddr::V4(_) => {
                let answer = self.resolver.a(name).await.map(|answer| answer.records);
                self.note(RecordType::A, name, &answer, |ip| ip.to_string());
                answer.map(|ips| ips.iter().map(|&ip| IpAddr::V4(ip)).collect())
            }
            IpAddr::V6(_) => {
                let answer = self.resolver.aaaa(name).await.map(|answer| answer.records);
                self.note(RecordType::Aaaa, name, &answer, |ip| ip.to_string());
                answer.map(|ips| ips.iter().map(|&ip| IpAddr::V6(ip)).collect())
            }
        }
    }

    /// MX exchanges, in the order served.
    async fn query_mx(&mut self, name: &str) -> Result<Vec<String>, DnsError> {
        let answer = self.resolver.mx(name).await.map(|answer| answer.records);
        self.note(RecordType::Mx, name, &answer, |mx| {
            format!("{} {}", mx.preference, mx.exchange)
        });
        answer.map(|records| {
            records
                .iter()
                .filter(|mx| !mx.is_null())
                .map(|mx| mx.exchange.clone())
                .collect()
        })
    }

    /// PTR names of the client.
    async fn query_ptr(&mut self) -> Result<Arc<[String]>, DnsError> {
        let answer = self
            .resolver
            .ptr(self.ip)
            .await
            .map(|answer| answer.records);
        let name = reverse_name(self.ip);
        self.note(RecordType::Ptr, &name, &answer, Clone::clone);
        answer
    }

    /// Counts a query and traces it.
    fn note<T>(
        &mut self,
        rtype: RecordType,
        name: &str,
        answer: &Result<Arc<[T]>, DnsError>,
        show: impl Fn(&T) -> String,
    ) {
        self.counters.queries += 1;
        let depth = self.depth;
        self.trace(|| TraceEvent::Lookup {
            depth,
            rtype,
            name: name.to_owned(),
            answer: match answer {
                Ok(records) => LookupAnswer::Records(records.iter().map(show).collect()),
                Err(error) => LookupAnswer::Error(error.clone()),
            },
        });
    }
}

/// Reads a failed query of a mechanism: void is [`Found::Void`], temporary is
/// `temperror`, an unusable name is no match.
fn read_failure(error: DnsError, site: &Site<'_>) -> Result<Found, Problem> {
    match classify(&error) {
        Failure::Void => Ok(Found::Void),
        Failure::Temporary => Err(Problem::TemporaryDnsFailure {
            location: Some(site.location()),
            error,
        }),
        Failure::Unusable => Ok(Found::NoMatch),
    }
}

fn classify(error: &DnsError) -> Failure {
    if error.is_void() {
        Failure::Void
    } else if error.is_temporary() {
        Failure::Temporary
    } else {
        Failure::Unusable
    }
}

/// Whether a name can be sent as a query: labels of 1 to 63 octets, at most
/// 253 octets, one trailing dot allowed.
pub(crate) fn is_queryable(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= crate::MAX_DOMAIN_LENGTH
        && name
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63)
}

/// Whether `name` is `domain` or below it, ignoring case and trailing dots.
pub(crate) fn is_within(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.');
    let domain = domain.trim_end_matches('.');
    if name.len() < domain.len() {
        return false;
    }

    let (head, tail) = name.split_at(name.len() - domain.len());
    tail.eq_ignore_ascii_case(domain) && (head.is_empty() || head.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_means_equal_or_below_on_a_label_boundary() {
        assert!(is_within("mail.Example.com.", "example.COM"));
        assert!(is_within("example.com", "example.com."));
        assert!(!is_within("badexample.com", "example.com"));
        assert!(!is_within("com", "example.com"));
    }

    #[test]
    fn unqueryable_names_are_recognised() {
        assert!(is_queryable("example.com."));
        assert!(!is_queryable("a..example.com"));
        assert!(!is_queryable(""));
        assert!(!is_queryable(&format!("{}.example.com", "a".repeat(64))));
    }
}
