//! The resolver trait: the five questions email authentication asks of DNS.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::{Answer, DnsError, Mx, RecordData, RecordType, Txt};

/// The DNS lookups that SPF, DKIM, DMARC, MTA-STS and the hop analysis need.
///
/// Names are domain names in presentation form, with or without the trailing
/// dot; every backend rejects the same malformed names with
/// [`DnsError::InvalidName`]. Names with non-ASCII characters are converted to
/// A-labels first. Backends never follow a search list: every name is
/// absolute.
///
/// The futures borrow the resolver and are `Send`, so evaluators can be spawned
/// on a multi-threaded runtime, but nothing here depends on a particular
/// runtime.
///
/// ```
/// use mailtrail_dns::{Resolver, ZoneResolver};
///
/// async fn spf_record(dns: &impl Resolver, domain: &str) -> Option<String> {
///     let answer = dns.txt(domain).await.ok()?;
///     answer.iter().map(|txt| txt.to_text()).find(|text| text.starts_with("v=spf1 "))
/// }
/// ```
pub trait Resolver: Send + Sync {
    /// TXT records, each as its list of character-strings.
    fn txt(&self, name: &str) -> impl Future<Output = Result<Answer<Txt>, DnsError>> + Send;

    /// A records: IPv4 addresses.
    fn a(&self, name: &str) -> impl Future<Output = Result<Answer<Ipv4Addr>, DnsError>> + Send;

    /// AAAA records: IPv6 addresses.
    fn aaaa(&self, name: &str) -> impl Future<Output = Result<Answer<Ipv6Addr>, DnsError>> + Send;

    /// MX records: preference and exchange host.
    fn mx(&self, name: &str) -> impl Future<Output = Result<Answer<Mx>, DnsError>> + Send;

    /// PTR records of an address's reverse name (see
    /// [`reverse_name`](crate::reverse_name)): host names without the trailing
    /// dot.
    fn ptr(&self, ip: IpAddr) -> impl Future<Output = Result<Answer<String>, DnsError>> + Send;
}

/// Looks up any of the supported types and returns the records as
/// [`RecordData`], for tools that choose the type at run time.
///
/// For [`RecordType::Ptr`], `name` must be an IP address.
///
/// ```
/// use mailtrail_dns::{RecordData, RecordType, ZoneResolver, lookup};
///
/// let zone: ZoneResolver = "example.com. 300 IN MX 10 mx1.example.com.".parse()?;
/// let answer = futures_lite_block_on(lookup(&zone, RecordType::Mx, "example.com"))?;
/// assert!(matches!(&answer.records[0], RecordData::Mx(mx) if mx.preference == 10));
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn lookup<R: Resolver + ?Sized>(
    resolver: &R,
    rtype: RecordType,
    name: &str,
) -> Result<Answer<RecordData>, DnsError> {
    match rtype {
        RecordType::A => resolver.a(name).await.map(|a| convert(a, RecordData::A)),
        RecordType::Aaaa => resolver
            .aaaa(name)
            .await
            .map(|a| convert(a, RecordData::Aaaa)),
        RecordType::Mx => resolver.mx(name).await.map(|a| convert(a, RecordData::Mx)),
        RecordType::Txt => resolver
            .txt(name)
            .await
            .map(|a| convert(a, RecordData::Txt)),
        RecordType::Ptr => {
            let ip = name.parse::<IpAddr>().map_err(|_| DnsError::InvalidName {
                name: name.to_owned(),
                reason: "a PTR lookup takes an IP address".to_owned(),
            })?;
            resolver.ptr(ip).await.map(|a| convert(a, RecordData::Ptr))
        }
    }
}

/// Maps the records of an answer, keeping its TTL and DNSSEC status.
pub(crate) fn convert<T: Clone, U>(answer: Answer<T>, f: impl FnMut(T) -> U) -> Answer<U> {
    Answer {
        records: answer.records.iter().cloned().map(f).collect(),
        ttl: answer.ttl,
        authentic: answer.authentic,
    }
}

/// Implements [`Resolver`] for a pointer type by delegating to its target.
macro_rules! delegate_resolver {
    ($($pointer:ty),+) => {$(
        impl<R: Resolver + ?Sized> Resolver for $pointer {
            fn txt(&self, name: &str)
                -> impl Future<Output = Result<Answer<Txt>, DnsError>> + Send {
                (**self).txt(name)
            }

            fn a(&self, name: &str)
                -> impl Future<Output = Result<Answer<Ipv4Addr>, DnsError>> + Send {
                (**self).a(name)
            }

            fn aaaa(&self, name: &str)
                -> impl Future<Output = Result<Answer<Ipv6Addr>, DnsError>> + Send {
                (**self).aaaa(name)
            }

            fn mx(&self, name: &str)
                -> impl Future<Output = Result<Answer<Mx>, DnsError>> + Send {
                (**self).mx(name)
            }

            fn ptr(&self, ip: IpAddr)
                -> impl Future<Output = Result<Answer<String>, DnsError>> + Send {
                (**self).ptr(ip)
            }
        }
    )+};
}

delegate_resolver!(&R, Box<R>, Arc<R>);
