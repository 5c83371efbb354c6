//! Getting the policy body ([RFC 8461 §3.3]) behind a trait, so that tests
//! and offline tools can supply bodies and the HTTPS fetcher stays optional.
//!
//! [RFC 8461 §3.3]: https://www.rfc-editor.org/rfc/rfc8461#section-3.3

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use mailtrail_dns::DnsError;

use crate::domain::normalize_host;

/// The path of the policy file under `https://mta-sts.<domain>` (§3.3).
pub const WELL_KNOWN_PATH: &str = "/.well-known/mta-sts.txt";

/// The largest policy body a fetcher accepts: 64 KiB (§3.3 lets senders
/// limit it; 64 KiB is what the RFC's authors suggest as ample).
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// The host serving a domain's policy: `mta-sts.<domain>`, in lowercase
/// A-labels. `None` when the domain is not a host name.
///
/// ```
/// use mailtrail_mtasts::policy_host;
///
/// assert_eq!(policy_host("Example.COM.").as_deref(), Some("mta-sts.example.com"));
/// assert_eq!(policy_host("bücher.example").as_deref(), Some("mta-sts.xn--bcher-kva.example"));
/// assert_eq!(policy_host("bad_name.example"), None);
/// ```
pub fn policy_host(domain: &str) -> Option<String> {
    normalize_host(domain).map(|domain| format!("mta-sts.{domain}"))
}

/// Fetches the policy body of a policy domain.
///
/// The returned text is the body exactly as served; parsing is the caller's
/// ([`Policy::parse`](crate::Policy::parse)). Implementations:
/// [`HttpsFetcher`](crate::HttpsFetcher) (the `https` feature) and
/// [`StaticFetcher`] (bodies from memory).
pub trait PolicyFetcher: Send + Sync {
    /// The body of `https://mta-sts.<policy_domain>/.well-known/mta-sts.txt`.
    fn fetch(&self, policy_domain: &str)
    -> impl Future<Output = Result<String, FetchError>> + Send;
}

impl<F: PolicyFetcher + ?Sized> PolicyFetcher for &F {
    fn fetch(
        &self,
        policy_domain: &str,
    ) -> impl Future<Output = Result<String, FetchError>> + Send {
        (**self).fetch(policy_domain)
    }
}

/// Serves policy bodies from memory, keyed by policy domain: for tests, and
/// for tools that read policies from files.
///
/// ```
/// use mailtrail_mtasts::{FetchError, PolicyFetcher, StaticFetcher};
///
/// let mut fetcher = StaticFetcher::new();
/// fetcher.insert("Example.com", "version: STSv1\nmode: none\nmax_age: 60\n");
/// fetcher.insert_error("down.example", FetchError::Status { status: 503 });
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let body = runtime.block_on(fetcher.fetch("example.com."))?;
/// assert!(body.starts_with("version: STSv1"));
/// let down = runtime.block_on(fetcher.fetch("down.example")).unwrap_err();
/// assert_eq!(down, FetchError::Status { status: 503 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct StaticFetcher {
    bodies: HashMap<String, Result<String, FetchError>>,
}

impl StaticFetcher {
    /// A fetcher that knows no policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `body` for `policy_domain`.
    pub fn insert(&mut self, policy_domain: &str, body: impl Into<String>) {
        self.bodies.insert(key(policy_domain), Ok(body.into()));
    }

    /// Fails with `error` for `policy_domain`.
    pub fn insert_error(&mut self, policy_domain: &str, error: FetchError) {
        self.bodies.insert(key(policy_domain), Err(error));
    }
}

impl PolicyFetcher for StaticFetcher {
    async fn fetch(&self, policy_domain: &str) -> Result<String, FetchError> {
        match self.bodies.get(&key(policy_domain)) {
            Some(outcome) => outcome.clone(),
            None => Err(FetchError::Unavailable {
                detail: format!("no policy body for {policy_domain}"),
            }),
        }
    }
}

/// The map key of a policy domain: normalized when it is a host name.
fn key(policy_domain: &str) -> String {
    normalize_host(policy_domain).map_or_else(|| policy_domain.to_owned(), |host| host.into_owned())
}

/// Why a policy body could not be had. Each refusal of §3.3 has its own
/// variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum FetchError {
    /// The body, or its announced length, is over the limit.
    #[error("the policy body is over {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server's certificate was refused.
    #[error("the certificate of {host} was refused: {problem}")]
    Certificate {
        /// The policy host.
        host: String,
        /// Why.
        problem: CertificateProblem,
    },
    /// No connection could be made to any address of the policy host.
    #[error("cannot connect to {host}: {detail}")]
    Connect {
        /// The policy host.
        host: String,
        /// The last connection error.
        detail: String,
    },
    /// The policy host's addresses could not be looked up.
    #[error("cannot look up {host}: {error}")]
    Dns {
        /// The policy host.
        host: String,
        /// The DNS error of the A lookup (or of AAAA when A had no error).
        error: DnsError,
    },
    /// The HTTP exchange failed.
    #[error("the HTTP exchange with {host} failed: {detail}")]
    Http {
        /// The policy host.
        host: String,
        /// What failed.
        detail: String,
    },
    /// The policy domain is not a host name.
    #[error("{domain:?} is not a domain name")]
    InvalidDomain {
        /// The domain as given.
        domain: String,
    },
    /// The media type is not `text/plain` (§3.3).
    #[error("the policy is served as {} instead of text/plain", found.as_deref().unwrap_or("no media type"))]
    MediaType {
        /// The `Content-Type` as served, if any.
        found: Option<String>,
    },
    /// The body is not UTF-8.
    #[error("the policy body is not UTF-8")]
    NotUtf8,
    /// Every address of the policy host is loopback, private or otherwise
    /// not public, and the fetcher refuses those.
    #[error("{host} resolves only to addresses that are not public, such as {address}")]
    PrivateAddress {
        /// The policy host.
        host: String,
        /// The first address refused.
        address: IpAddr,
    },
    /// The server answered with a redirect, which §3.3 forbids following.
    #[error("the server redirects ({status}) to {}", location.as_deref().unwrap_or("no location"))]
    Redirect {
        /// The HTTP status.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// The status is not 200 (§3.3).
    #[error("the server answered with status {status} instead of 200")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The whole fetch took longer than allowed.
    #[error("the fetch took longer than {after:?}")]
    Timeout {
        /// The time limit.
        after: Duration,
    },
    /// The TLS handshake failed for a reason other than the certificate.
    #[error("the TLS handshake with {host} failed: {detail}")]
    Tls {
        /// The policy host.
        host: String,
        /// What failed.
        detail: String,
    },
    /// An offline fetcher has no body for the domain.
    #[error("{detail}")]
    Unavailable {
        /// What was missing.
        detail: String,
    },
}

/// Why a server certificate was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum CertificateProblem {
    /// The certificate has expired.
    #[error("expired")]
    Expired,
    /// The certificate is not yet valid.
    #[error("not yet valid")]
    NotYetValid,
    /// The certificate is not valid for `mta-sts.<domain>` (§3.3).
    #[error("not valid for the policy host name")]
    NotValidForName,
    /// The certificate does not chain to a trusted root.
    #[error("issued by an unknown authority")]
    UnknownIssuer,
    /// Another problem, as the TLS library describes it.
    #[error("{0}")]
    Other(String),
}
