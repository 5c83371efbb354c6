//! The default policy fetcher ([RFC 8461 §3.3]): `GET
//! https://mta-sts.<domain>/.well-known/mta-sts.txt` over TLS with a
//! certificate valid for that host name, no redirects, status 200,
//! `text/plain`, a capped body and a bounded total time.
//!
//! Why hyper's connection-level client over tokio-rustls rather than a
//! full client such as reqwest: the fetcher itself must decide which
//! address is dialled (resolved through the [`Resolver`] trait, so tests and
//! replays aim it anywhere, and refused when it is not public, so a hostile
//! DNS answer cannot point it at internal services), which name the
//! certificate is checked against, and that no redirect is ever followed.
//! `hyper::client::conn` sends exactly one request on a connection we built
//! and never follows anything; the body arrives frame by frame, so the cap
//! holds without reading what lies beyond it.
//!
//! [RFC 8461 §3.3]: https://www.rfc-editor.org/rfc/rfc8461#section-3.3

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION, USER_AGENT};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use mailtrail_dns::{DnsError, Resolver};

use crate::fetch::{MAX_BODY_LEN, WELL_KNOWN_PATH, policy_host};
use crate::{CertificateProblem, FetchError, PolicyFetcher};

/// The default limit on one whole fetch: lookup, connection, handshake,
/// request and body.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Fetches policies over HTTPS, resolving `mta-sts.<domain>` through a
/// [`Resolver`].
///
/// By default it trusts Mozilla's roots (webpki-roots), waits at most
/// [`DEFAULT_FETCH_TIMEOUT`], connects to port 443, accepts bodies of up
/// to [`MAX_BODY_LEN`] bytes, and refuses addresses that are not public
/// (loopback, private, link-local, and the like: see
/// [`is_public_address`]).
///
/// ```no_run
/// use mailtrail_dns::SystemResolver;
/// use mailtrail_mtasts::{HttpsFetcher, Policy, PolicyFetcher};
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let fetcher = HttpsFetcher::new(SystemResolver::builder().build()?);
/// let body = fetcher.fetch("example.com").await?;
/// let policy = Policy::parse(&body)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct HttpsFetcher<R> {
    resolver: R,
    tls: Arc<ClientConfig>,
    timeout: Duration,
    port: u16,
    refuse_private_addresses: bool,
    max_body_len: usize,
}

impl<R: Resolver> HttpsFetcher<R> {
    /// A fetcher with the defaults, asking `resolver` for addresses.
    pub fn new(resolver: R) -> Self {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Self {
            resolver,
            tls: client_config(roots),
            timeout: DEFAULT_FETCH_TIMEOUT,
            port: 443,
            refuse_private_addresses: true,
            max_body_len: MAX_BODY_LEN,
        }
    }

    /// Trusts these roots instead of Mozilla's: for tests and private
    /// deployments.
    pub fn with_roots(mut self, roots: RootCertStore) -> Self {
        self.tls = client_config(roots);
        self
    }

    /// Limits one whole fetch to `timeout`.
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects to `port` instead of 443 (for tests).
    pub const fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Whether to refuse addresses that are not public (on by default).
    /// Turn it off only where the policy host is meant to be internal, or
    /// in tests on loopback.
    pub const fn refuse_private_addresses(mut self, refuse: bool) -> Self {
        self.refuse_private_addresses = refuse;
        self
    }

    /// Accepts bodies of up to `limit` bytes instead of [`MAX_BODY_LEN`].
    pub const fn with_max_body_len(mut self, limit: usize) -> Self {
        self.max_body_len = limit;
        self
    }

    /// The fetch, without the time limit.
    async fn fetch_from(&self, host: &str) -> Result<String, FetchError> {
        let addresses = self.addresses(host).await?;
        let tcp = self.connect(host, &addresses).await?;
        let tls = self.handshake(host, tcp).await?;
        self.get(host, tls).await
    }

    /// The addresses of the policy host: A then AAAA, without the refused.
    async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, FetchError> {
        let v4 = self.resolver.a(host).await;
        let v6 = self.resolver.aaaa(host).await;
        let dns_error = |error: DnsError| FetchError::Dns {
            host: host.to_owned(),
            error,
        };

        let mut addresses: Vec<IpAddr> = Vec::new();
        let errors = [
            v4.map(|answer| addresses.extend(answer.records.iter().map(|&ip| IpAddr::V4(ip)))),
            v6.map(|answer| addresses.extend(answer.records.iter().map(|&ip| IpAddr::V6(ip)))),
        ];
        if addresses.is_empty() {
            let [v4, v6] = errors;
            let error = match (v4, v6) {
                (Err(error), Ok(())) | (Ok(()), Err(error)) => error,
                (Err(v4), Err(v6)) if v4.is_void() => v6,
                (Err(v4), _) => v4,
                (Ok(()), Ok(())) => DnsError::NoData {
                    name: host.to_owned(),
                    rtype: mailtrail_dns::RecordType::A,
                },
            };
            return Err(dns_error(error));
        }

        if !self.refuse_private_addresses {
            return Ok(addresses);
        }
        let first = addresses[0];
        addresses.retain(|address| is_public_address(*address));
        match addresses.is_empty() {
            true => Err(FetchError::PrivateAddress {
                host: host.to_owned(),
                address: first,
            }),
            false => Ok(addresses),
        }
    }

    /// Connects to the first address that answers.
    async fn connect(&self, host: &str, addresses: &[IpAddr]) -> Result<TcpStream, FetchError> {
        let mut last_error = String::new();
        for address in addresses {
            match TcpStream::connect(SocketAddr::new(*address, self.port)).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = format!("{address}: {error}"),
            }
        }
        Err(FetchError::Connect {
            host: host.to_owned(),
            detail: last_error,
        })
    }

    /// The TLS handshake, checking the certificate against the host name.
    async fn handshake(
        &self,
        host: &str,
        tcp: TcpStream,
    ) -> Result<TlsStream<TcpStream>, FetchError> {
        let name =
            ServerName::try_from(host.to_owned()).map_err(|_| FetchError::InvalidDomain {
                domain: host.to_owned(),
            })?;
        let connector = TlsConnector::from(Arc::clone(&self.tls));
        connector
            .connect(name, tcp)
            .await
            .map_err(|error| tls_error(host, &error))
    }

    /// Sends the one request and checks the response (§3.3).
    async fn get(&self, host: &str, tls: TlsStream<TcpStream>) -> Result<String, FetchError> {
        let http_error = |error: hyper::Error| FetchError::Http {
            host: host.to_owned(),
            detail: error.to_string(),
        };
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(http_error)?;
        let _driver = AbortOnDrop(tokio::spawn(async move {
            let _ = connection.await;
        }));

        let request = Request::get(WELL_KNOWN_PATH)
            .header(HOST, host)
            .header(
                USER_AGENT,
                concat!("mailtrail-mtasts/", env!("CARGO_PKG_VERSION")),
            )
            .header(ACCEPT, "text/plain")
            .header(CONNECTION, "close")
            .body(Empty::<Bytes>::new())
            .map_err(|error| FetchError::Http {
                host: host.to_owned(),
                detail: error.to_string(),
            })?;
        let response = sender.send_request(request).await.map_err(http_error)?;

        check_response(&response, self.max_body_len)?;
        let body = read_capped(response.into_body(), self.max_body_len)
            .await
            .map_err(|error| error.unwrap_or_else(http_error))?;
        String::from_utf8(body).map_err(|_| FetchError::NotUtf8)
    }
}

impl<R: Resolver> PolicyFetcher for HttpsFetcher<R> {
    async fn fetch(&self, policy_domain: &str) -> Result<String, FetchError> {
        let Some(host) = policy_host(policy_domain) else {
            return Err(FetchError::InvalidDomain {
                domain: policy_domain.to_owned(),
            });
        };

        match tokio::time::timeout(self.timeout, self.fetch_from(&host)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(FetchError::Timeout {
                after: self.timeout,
            }),
        }
    }
}

/// Whether an address is one the fetcher may connect to when it refuses
/// addresses that are not public: not unspecified, loopback, private (RFC
/// 1918, RFC 4193), shared (RFC 6598), link-local, multicast, broadcast,
/// benchmarking (RFC 2544), documentation, reserved, or an IPv4-mapped or
/// NAT64 form of one of those.
///
/// ```
/// use mailtrail_mtasts::is_public_address;
///
/// assert!(is_public_address("93.184.215.14".parse().unwrap()));
/// assert!(!is_public_address("127.0.0.1".parse().unwrap()));
/// assert!(!is_public_address("10.1.2.3".parse().unwrap()));
/// assert!(!is_public_address("::ffff:192.168.1.1".parse().unwrap()));
/// assert!(!is_public_address("fd00::1".parse().unwrap()));
/// ```
pub fn is_public_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, c, _] = address.octets();
    let special = address.is_unspecified()
        || address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_multicast()
        || address.is_broadcast()
        || address.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19));
    !special
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    if let Some(v4) = address.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = address.segments();
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }

    let first = segments[0];
    let special = address.is_unspecified()
        || address.is_loopback()
        || address.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || (first == 0x2001 && segments[1] == 0x0db8)
        || segments[..6] == [0; 6];
    !special
}

/// The client configuration: ring, TLS 1.2 and 1.3, these roots, HTTP/1.1.
fn client_config(roots: RootCertStore) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// The error a failed handshake means: a refused certificate has its own.
fn tls_error(host: &str, error: &std::io::Error) -> FetchError {
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let Some(rustls::Error::InvalidCertificate(certificate)) = rustls_error else {
        return FetchError::Tls {
            host: host.to_owned(),
            detail: error.to_string(),
        };
    };

    let problem = match certificate {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            CertificateProblem::Expired
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            CertificateProblem::NotYetValid
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            CertificateProblem::NotValidForName
        }
        CertificateError::UnknownIssuer => CertificateProblem::UnknownIssuer,
        other => CertificateProblem::Other(format!("{other:?}")),
    };
    FetchError::Certificate {
        host: host.to_owned(),
        problem,
    }
}

/// Checks status, media type and announced length before the body is read.
fn check_response(response: &Response<Incoming>, max_body_len: usize) -> Result<(), FetchError> {
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(LOCATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        return Err(FetchError::Redirect {
            status: status.as_u16(),
            location,
        });
    }
    if status != StatusCode::OK {
        return Err(FetchError::Status {
            status: status.as_u16(),
        });
    }

    let media_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| value.as_bytes());
    if !media_type.is_some_and(is_text_plain) {
        return Err(FetchError::MediaType {
            found: media_type.map(|value| String::from_utf8_lossy(value).into_owned()),
        });
    }

    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > max_body_len as u64) {
        return Err(FetchError::BodyTooLarge {
            limit: max_body_len,
        });
    }
    Ok(())
}

/// Whether a `Content-Type` value is `text/plain`, with any parameters.
fn is_text_plain(value: &[u8]) -> bool {
    let essence = value.split(|byte| *byte == b';').next().unwrap_or_default();
    essence.trim_ascii().eq_ignore_ascii_case(b"text/plain")
}

/// Reads the body frame by frame, stopping as soon as it passes `limit`.
/// The error is a fetch error, or the transport's.
async fn read_capped(
    mut body: Incoming,
    limit: usize,
) -> Result<Vec<u8>, Result<FetchError, hyper::Error>> {
    let mut collected = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(Err)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if collected.len() + data.len() > limit {
            return Err(Ok(FetchError::BodyTooLarge { limit }));
        }
        collected.extend_from_slice(&data);
    }
    Ok(collected)
}

/// Stops the connection task when the fetch ends, however it ends.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for text in [
            "0.0.0.0",
            "127.0.0.53",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public_address(text.parse().unwrap()), "{text}");
        }
    }

    #[test]
    fn ordinary_addresses_are_public() {
        for text in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450::1",
            "64:ff9b::808:808",
        ] {
            assert!(is_public_address(text.parse().unwrap()), "{text}");
        }
    }

    #[test]
    fn text_plain_may_carry_parameters_and_any_case() {
        assert!(is_text_plain(b"text/plain"));
        assert!(is_text_plain(b"Text/Plain; charset=utf-8"));
        assert!(!is_text_plain(b"text/html"));
        assert!(!is_text_plain(b"text/plainx"));
    }
}
