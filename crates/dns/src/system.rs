//! The live backend: hickory-resolver on tokio, configured from
//! `/etc/resolv.conf` or from an explicit list of name servers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType as HickoryType};
use hickory_resolver::{TokioResolver, system_conf};

use crate::name::{display_name, parse_query_name};
use crate::{Answer, DnsError, Mx, RecordType, Resolver, Txt, reverse_name};

/// How long one attempt waits for an answer unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a query is sent to each server unless configured otherwise.
pub const DEFAULT_ATTEMPTS: usize = 2;

/// Asks real name servers, through hickory-resolver.
///
/// Every query is for an absolute name (no search list), the hosts file is
/// never consulted, and a truncated UDP answer is retried over TCP. The
/// [`authentic`](Answer::authentic) bit of an answer is the AD flag of the
/// upstream response: trust it only when the path to a validating resolver is
/// itself trusted (RFC 4035 §4.9.3).
///
/// Lookups must run inside a tokio runtime.
///
/// ```no_run
/// use std::time::Duration;
/// use mailtrail_dns::{Resolver, SystemResolver};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let dns = SystemResolver::builder()
///     .name_server("192.0.2.53:53".parse()?)
///     .timeout(Duration::from_secs(2))
///     .attempts(1)
///     .build()?;
/// let mx = dns.mx("example.com").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SystemResolver {
    inner: TokioResolver,
}

/// Settings of a [`SystemResolver`]; see [`SystemResolver::builder`].
#[derive(Debug, Clone)]
pub struct SystemResolverBuilder {
    name_servers: Vec<SocketAddr>,
    timeout: Duration,
    attempts: usize,
    cache_size: u64,
}

/// A [`SystemResolver`] that could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// hickory-resolver refused the configuration.
    #[error("cannot build the resolver: {0}")]
    Build(String),

    /// The system configuration (`/etc/resolv.conf`) could not be read.
    #[error("cannot read the system resolver configuration: {0}")]
    SystemConf(String),
}

impl SystemResolver {
    /// A resolver configured from the system (`/etc/resolv.conf` on Unix) with
    /// the default timeout and attempts.
    pub fn new() -> Result<Self, ConfigError> {
        Self::builder().build()
    }

    /// Starts configuring a resolver. Without name servers, the system's are
    /// used.
    pub fn builder() -> SystemResolverBuilder {
        SystemResolverBuilder {
            name_servers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
            cache_size: 0,
        }
    }

    /// Looks up one type and collects the records of that type from the
    /// answer section, with the smallest TTL of the records and CNAMEs.
    async fn lookup<T>(
        &self,
        name: &str,
        rtype: RecordType,
        extract: fn(&RData) -> Option<T>,
    ) -> Result<Answer<T>, DnsError> {
        let query = parse_query_name(name)?;
        let shown = display_name(&query);
        let lookup = self
            .inner
            .lookup(query, hickory_type(rtype))
            .await
            .map_err(|error| map_error(&error, shown.clone(), rtype))?;

        let mut records = Vec::new();
        let mut ttl = u32::MAX;
        for record in lookup.answers() {
            if let Some(value) = extract(&record.data) {
                records.push(value);
                ttl = ttl.min(record.ttl);
            } else if matches!(record.data, RData::CNAME(_)) {
                ttl = ttl.min(record.ttl);
            }
        }

        if records.is_empty() {
            return Err(DnsError::NoData { name: shown, rtype });
        }
        let authentic = Some(lookup.message().metadata.authentic_data);
        Ok(Answer {
            records: records.into(),
            ttl,
            authentic,
        })
    }
}

impl SystemResolverBuilder {
    /// Adds a name server, asked over UDP with TCP for truncated answers. When
    /// none is added, the system configuration's servers are used.
    #[must_use]
    pub fn name_server(mut self, address: SocketAddr) -> Self {
        self.name_servers.push(address);
        self
    }

    /// Adds several name servers.
    #[must_use]
    pub fn name_servers(mut self, addresses: impl IntoIterator<Item = SocketAddr>) -> Self {
        self.name_servers.extend(addresses);
        self
    }

    /// How long one attempt waits for an answer (default 5 seconds).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a query is sent before giving up (default 2, at least 1).
    #[must_use]
    pub fn attempts(mut self, attempts: usize) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// How many answers to cache (default 0: every lookup asks the server, so
    /// TTLs and failures are seen as they are).
    #[must_use]
    pub fn cache_size(mut self, entries: u64) -> Self {
        self.cache_size = entries;
        self
    }

    /// Builds the resolver.
    pub fn build(self) -> Result<SystemResolver, ConfigError> {
        let (config, mut options) = if self.name_servers.is_empty() {
            system_conf::read_system_conf()
                .map_err(|error| ConfigError::SystemConf(error.to_string()))?
        } else {
            (explicit_config(&self.name_servers), ResolverOpts::default())
        };

        options.timeout = self.timeout;
        options.attempts = self.attempts;
        options.cache_size = self.cache_size;
        options.use_hosts_file = ResolveHosts::Never;
        options.ndots = 0;

        let inner = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options)
            .build()
            .map_err(|error| ConfigError::Build(error.to_string()))?;
        Ok(SystemResolver { inner })
    }
}

/// A configuration that asks exactly these servers, UDP first, then TCP.
fn explicit_config(addresses: &[SocketAddr]) -> ResolverConfig {
    let servers = addresses
        .iter()
        .map(|address| {
            let mut udp = ConnectionConfig::udp();
            let mut tcp = ConnectionConfig::tcp();
            udp.port = address.port();
            tcp.port = address.port();
            NameServerConfig::new(address.ip(), true, vec![udp, tcp])
        })
        .collect();
    ResolverConfig::from_name_servers(servers)
}

/// The hickory type of a query.
fn hickory_type(rtype: RecordType) -> HickoryType {
    match rtype {
        RecordType::A => HickoryType::A,
        RecordType::Aaaa => HickoryType::AAAA,
        RecordType::Mx => HickoryType::MX,
        RecordType::Ptr => HickoryType::PTR,
        RecordType::Txt => HickoryType::TXT,
    }
}

/// Maps hickory's outcome to ours. NXDOMAIN and NODATA both arrive as "no
/// records found"; only the response code tells them apart.
fn map_error(error: &NetError, name: String, rtype: RecordType) -> DnsError {
    let server_failure = |detail: String| DnsError::ServerFailure {
        name: name.clone(),
        rtype,
        detail,
    };

    match error {
        NetError::Dns(HickoryDnsError::NoRecordsFound(no_records)) => {
            match no_records.response_code {
                ResponseCode::NXDomain => DnsError::NxDomain { name, rtype },
                ResponseCode::NoError => DnsError::NoData { name, rtype },
                code => server_failure(code.to_string()),
            }
        }
        NetError::Dns(HickoryDnsError::ResponseCode(code)) => server_failure(code.to_string()),
        NetError::Timeout => DnsError::Timeout { name, rtype },
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            DnsError::Timeout { name, rtype }
        }
        other => server_failure(other.to_string()),
    }
}

impl Resolver for SystemResolver {
    async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        self.lookup(name, RecordType::Txt, |data| match data {
            RData::TXT(txt) => Some(Txt::new(txt.txt_data.iter())),
            _ => None,
        })
        .await
    }

    async fn a(&self, name: &str) -> Result<Answer<Ipv4Addr>, DnsError> {
        self.lookup(name, RecordType::A, |data| match data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .await
    }

    async fn aaaa(&self, name: &str) -> Result<Answer<Ipv6Addr>, DnsError> {
        self.lookup(name, RecordType::Aaaa, |data| match data {
            RData::AAAA(aaaa) => Some(aaaa.0),
            _ => None,
        })
        .await
    }

    async fn mx(&self, name: &str) -> Result<Answer<Mx>, DnsError> {
        self.lookup(name, RecordType::Mx, |data| match data {
            RData::MX(mx) => Some(Mx {
                preference: mx.preference,
                exchange: display_name(&mx.exchange),
            }),
            _ => None,
        })
        .await
    }

    async fn ptr(&self, ip: IpAddr) -> Result<Answer<String>, DnsError> {
        self.lookup(&reverse_name(ip), RecordType::Ptr, |data| match data {
            RData::PTR(ptr) => Some(display_name(&ptr.0)),
            _ => None,
        })
        .await
    }
}
