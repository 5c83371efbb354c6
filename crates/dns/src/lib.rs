//! DNS for email authentication: one small async [`Resolver`] trait naming the
//! lookups SPF, DKIM, DMARC and MTA-STS need, and three backends behind it.
//!
//! - [`SystemResolver`] asks real name servers through hickory-resolver (the
//!   `system` feature, on by default; the only part that needs tokio).
//! - [`ZoneResolver`] answers from an RFC 1035 master file or from records
//!   added in code, with failures (timeouts, SERVFAIL, NODATA, NXDOMAIN)
//!   written as `;@` annotation comments.
//! - [`RecordingResolver`] wraps either and writes every answer and error it
//!   saw as such a master file, so an investigation can be replayed later with
//!   exactly the DNS it saw.
//!
//! Answers carry their TTL and, where known, whether DNSSEC authenticated
//! them. Their records are shared ([`Answer::records`] is an `Arc<[T]>`,
//! and a [`Txt`] holds its strings joined in one shared buffer), so a cache
//! hands out a stored answer by cloning two pointers. Errors tell apart what mail authentication must: a name that does not
//! exist, a name without records of the type (both "void" for SPF), a server
//! failure, a timeout (both temporary), and a name that cannot be queried.
//!
//! ```
//! use mailtrail_dns::{DnsError, RecordingResolver, Resolver, ZoneResolver};
//!
//! let zone: ZoneResolver = r#"
//! $ORIGIN example.com.
//! @                  300 IN MX  10 mx1
//! @                  300 IN MX  50 legacy
//! _dmarc             300 IN TXT "v=DMARC1; p=reject"
//! ;@ legacy.example.com. A servfail
//! "#.parse()?;
//! let dns = RecordingResolver::new(zone);
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! runtime.block_on(async {
//!     let mx = dns.mx("example.com").await?;
//!     let hosts: Vec<_> = mx.iter().map(|mx| (mx.preference, mx.exchange.as_str())).collect();
//!     assert_eq!(hosts, [(10, "mx1.example.com"), (50, "legacy.example.com")]);
//!
//!     let legacy = dns.a("legacy.example.com").await.unwrap_err();
//!     assert!(legacy.is_temporary());
//!     let missing = dns.txt("_dmarc.mx1.example.com").await.unwrap_err();
//!     assert!(matches!(missing, DnsError::NxDomain { .. }) && missing.is_void());
//!     Ok::<(), DnsError>(())
//! })?;
//!
//! // What the investigation saw, as a master file that replays it.
//! let replay = dns.to_master_file();
//! assert!(replay.contains(";@ legacy.example.com. A servfail"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conformance and deviations
//!
//! - [RFC 1035 §3.3] record data of A, MX, PTR and TXT (§3.3.14: each TXT
//!   record is kept as its list of character-strings, bytes as served);
//!   [RFC 3596] AAAA and `ip6.arpa` reverse names; [RFC 1035 §3.5]
//!   `in-addr.arpa` reverse names ([`reverse_name`]).
//! - [RFC 1035 §5] master files, parsed by hickory-proto: `$ORIGIN`, `$TTL`,
//!   `$INCLUDE`, `@`, relative names, parentheses, multi-string TXT. `\DDD`
//!   escapes inside quoted strings are decoded by this crate (hickory-proto
//!   0.26 decodes them wrongly and cannot hold non-UTF-8 TXT bytes); `\DDD`
//!   in unquoted TXT data is left to hickory-proto and is only right for
//!   ASCII, so write such data quoted (the writer always does).
//!   hickory-proto's reader refuses owner and target names with characters
//!   other than letters, digits, `-`, `_` and `*` in a label, although DNS
//!   allows any octet (RFC 2181 §11); queries take such names, but a zone
//!   cannot hold records at them from a file, so the writer comments such
//!   records out, and a replay answers NXDOMAIN for them. Failure
//!   annotations at such names are read by this crate and replay exactly.
//! - [RFC 2308 §2] negative answers: NXDOMAIN and NODATA are distinct errors;
//!   the [`ZoneResolver`] treats empty non-terminals as existing (NODATA),
//!   as RFC 8020 requires.
//! - [RFC 4592 §3.3.1] wildcards in the [`ZoneResolver`]: `*` below the closest
//!   encloser answers for names that do not exist. CNAME chains are followed
//!   for at most [`MAX_CNAME_CHAIN`] links, then give a server failure.
//! - [RFC 7208 §4.6.4] void lookups: [`DnsError::is_void`].
//! - [RFC 7505] null MX: [`Mx::is_null`].
//! - [RFC 4035 §3.2.3] the AD bit: [`SystemResolver`] reports the upstream's
//!   AD flag as [`Answer::authentic`]; it validates nothing itself. The
//!   [`ZoneResolver`] reports what annotations say, otherwise nothing.
//! - [RFC 6761 §6] special-use names: [`SystemResolver`] (hickory-resolver)
//!   answers `localhost` with loopback addresses and `*.invalid` with
//!   NXDOMAIN without asking a server; the [`ZoneResolver`] has no such
//!   rule.
//! - Known gaps: no TLSA yet (DANE is out of scope for now); negative answers
//!   carry no TTL (the SOA minimum is not reported); a recording keeps the
//!   first outcome when one question was asked several times; a server
//!   failure's detail is written on one line.
//!
//! [RFC 1035 §3.3]: https://www.rfc-editor.org/rfc/rfc1035#section-3.3
//! [RFC 1035 §3.5]: https://www.rfc-editor.org/rfc/rfc1035#section-3.5
//! [RFC 1035 §5]: https://www.rfc-editor.org/rfc/rfc1035#section-5
//! [RFC 2308 §2]: https://www.rfc-editor.org/rfc/rfc2308#section-2
//! [RFC 3596]: https://www.rfc-editor.org/rfc/rfc3596
//! [RFC 4035 §3.2.3]: https://www.rfc-editor.org/rfc/rfc4035#section-3.2.3
//! [RFC 4592 §3.3.1]: https://www.rfc-editor.org/rfc/rfc4592#section-3.3.1
//! [RFC 6761 §6]: https://www.rfc-editor.org/rfc/rfc6761#section-6
//! [RFC 7208 §4.6.4]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4
//! [RFC 7505]: https://www.rfc-editor.org/rfc/rfc7505

#![forbid(unsafe_code)]

mod answer;
mod error;
mod master;
mod name;
mod recording;
mod resolver;
#[cfg(feature = "system")]
mod system;
mod zone;

pub use answer::{Answer, Mx, RecordData, RecordType, Txt, UnknownRecordType};
pub use error::{DnsError, ErrorKind};
pub use master::ZoneError;
pub use name::{labels_to_name, name_to_labels, reverse_name};
pub use recording::{Recorded, RecordingResolver};
pub use resolver::{Resolver, lookup};
#[cfg(feature = "system")]
pub use system::{
    ConfigError, DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, SystemResolver, SystemResolverBuilder,
};
pub use zone::{Failure, MAX_CNAME_CHAIN, ZoneResolver};
