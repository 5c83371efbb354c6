//! MTA-STS ([RFC 8461]): whether a domain asks senders to require TLS and
//! which MX hosts it stands behind, read exactly as the RFC writes it; and
//! the TLS-RPT record ([RFC 8460]) naming where TLS failures are reported.
//!
//! MTA-STS closes the "ghost MX" door: a policy lists the MX hosts a
//! compliant sender may use, so a forgotten low-priority MX that the policy
//! does not cover is refused. That only holds if the policy is fetched and
//! matched exactly: `*` stands for one label, never several, and a redirect
//! is never followed.
//!
//! - [`StsRecord`] and [`find_record`] read the `_mta-sts` TXT record;
//!   [`Policy`] the policy file, zero-copy, with `Display` printing it back.
//! - [`MxPattern`], [`Policy::allows`] and [`Policy::check_mx`] match MX
//!   hosts and say what the mode means for each ([`Delivery`]).
//! - [`PolicyFetcher`] gets policy bodies: [`HttpsFetcher`] (the `https`
//!   feature, on by default) over HTTPS, [`StaticFetcher`] from memory.
//! - [`Discovery`] ties DNS, fetcher and a [`PolicyCache`] ([`MemoryCache`])
//!   together, with `now` passed in.
//! - [`TlsRptRecord`] and [`find_tls_rpt_record`] read the `_smtp._tls`
//!   record.
//!
//! ```
//! use mailtrail_mtasts::{Delivery, Mode, Policy, StsRecord};
//!
//! let record = StsRecord::parse("v=STSv1; id=20240501T120000")?;
//! assert_eq!(record.id, "20240501T120000");
//!
//! let policy = Policy::parse(
//!     "version: STSv1\r\nmode: enforce\r\nmx: mx1.new-seg-vendor.com\r\n\
//!      mx: mx2.new-seg-vendor.com\r\nmax_age: 604800\r\n",
//! )?;
//! assert_eq!(policy.mode, Mode::Enforce);
//!
//! // The ghost MX of the motivating case is not covered: refuse it.
//! let verdicts = policy.check_mx([
//!     (10, "mx1.new-seg-vendor.com"),
//!     (10, "mx2.new-seg-vendor.com"),
//!     (50, "mta.old-vendor.com"),
//! ]);
//! let refused: Vec<_> = verdicts
//!     .iter()
//!     .filter(|verdict| verdict.delivery == Delivery::Refuse)
//!     .map(|verdict| verdict.host)
//!     .collect();
//! assert_eq!(refused, ["mta.old-vendor.com"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! - `https` (default): [`HttpsFetcher`], with hyper, rustls (ring) and
//!   tokio. Without it, parsing, matching, discovery and the cache need no
//!   runtime: discovery is an `async fn` over the `Resolver` and
//!   [`PolicyFetcher`] traits.
//! - `serde`: `Serialize` for records, policies, verdicts and discovery
//!   outcomes.
//!
//! # Speed
//!
//! Parsing a 115-byte policy with three `mx` lines takes 127 to 141 ns and
//! 2.48 k instructions, with one allocation (the `mx` list); the goal is
//! 150 ns. Matching a four-host MX set against it takes about 110 ns.
//! Measured 2026-12-03 on the 2-core development machine with other builds
//! running: `cargo bench -p mailtrail-benches --bench mtasts`, and
//! callgrind on the same bench binary (see the README's benchmark table).
//!
//! # Conformance and deviations
//!
//! Implemented:
//!
//! - [RFC 8461 §3.1]: the record ABNF exactly: `v=STSv1` first
//!   (case-sensitive), `id` of 1 to 32 letters or digits, extension fields
//!   (name of at most 32 characters, value of visible ASCII but `=` and
//!   `;`), white space around `;`, one `;` at the end. Records not starting
//!   with `v=STSv1` are discarded; several left mean no policy. A second
//!   `id` is an error (the ABNF's repetition allows it, but it would leave
//!   the policy version ambiguous). Errors name the field and its offset.
//! - [RFC 8461 §3.2]: the policy ABNF: LF or CRLF line ends, mixed; no
//!   white space before `:`; white space after it and at the end of a line;
//!   keys and the `version` and `mode` values case-sensitive; `max_age` of 1
//!   to 10 digits, at most 31557600; `mx` required unless the mode is
//!   `none`, each `["*."] Domain` in ASCII (U-labels are refused, as the
//!   ABNF's RFC 5321 `Domain` is ASCII); extension values of printable
//!   UTF-8 and inner spaces. Fields other than `mx` count once; a later
//!   repetition is ignored, as the RFC says.
//! - [RFC 8461 §3.3]: the fetch (see [`HttpsFetcher`] for the choice of
//!   client): the host `mta-sts.<domain>` resolved through the `Resolver`,
//!   addresses that are not public refused by default, a certificate valid
//!   for the host name chaining to Mozilla's roots (or the caller's), HTTP
//!   redirects refused, status 200 and media type `text/plain` required,
//!   the body capped at 64 KiB while streaming and the whole fetch bounded
//!   in time, each refusal its own [`FetchError`].
//! - [RFC 8461 §4.1]: MX matching: case-insensitive, trailing dots ignored,
//!   `*.` standing for exactly one left-most label, internationalized names
//!   compared as A-labels (UTS 46 mapping, so `Ñaca.com` is `ñaca.com`).
//! - [RFC 8461 §5] and [§5.1]: the mode's meaning per MX host
//!   ([`Delivery`]); discovery with a cache keyed by policy domain,
//!   refetched when the `id` changes, expired `max_age` seconds after the
//!   fetch, and an unexpired cached policy kept in force when the record
//!   disappears or a fetch fails.
//! - [RFC 8460 §3]: the TLS-RPT record: `v=TLSRPTv1` first, one `rua` of
//!   comma-separated `mailto:` and `https:` URIs, extension fields.
//!
//! Tolerated by the lenient parsers and reported as deviations (the strict
//! parsers, `parse_strict`, refuse them): white space after the last field
//! of a record; a byte order mark, empty lines, a repeated field, a
//! `max_age` above the limit (read as the limit) and an `mx` ending in a
//! dot in a policy; report URIs of other schemes in a TLS-RPT record (left
//! out).
//!
//! Known gaps:
//!
//! - The RFC 8461 text was not at hand when this was written; the ABNF
//!   and the rules above follow the published RFC as recalled and as mox
//!   and go-mtasts read it; their 78 cases (records, policies, MX matches)
//!   all agree, and none needed setting aside as one implementation's
//!   policy (`tests/expectations/mtasts-cases.txt`).
//! - The HTTPS fetcher speaks HTTP/1.1 only, checks no certificate
//!   revocation (neither does the RFC ask it), and does not look at the
//!   DNSSEC status of the `_mta-sts` answer.
//! - The cache is not persisted; proactive refresh before expiry (§10.2's
//!   advice) is left to the caller, who can call [`Discovery::discover`]
//!   on a schedule.
//! - Sending TLS-RPT reports (RFC 8460 §4 and §5) is out of scope.
//!
//! [RFC 8461]: https://www.rfc-editor.org/rfc/rfc8461
//! [RFC 8460]: https://www.rfc-editor.org/rfc/rfc8460
//! [RFC 8461 §3.1]: https://www.rfc-editor.org/rfc/rfc8461#section-3.1
//! [RFC 8461 §3.2]: https://www.rfc-editor.org/rfc/rfc8461#section-3.2
//! [RFC 8461 §3.3]: https://www.rfc-editor.org/rfc/rfc8461#section-3.3
//! [RFC 8461 §4.1]: https://www.rfc-editor.org/rfc/rfc8461#section-4.1
//! [RFC 8461 §5]: https://www.rfc-editor.org/rfc/rfc8461#section-5
//! [§5.1]: https://www.rfc-editor.org/rfc/rfc8461#section-5.1
//! [RFC 8460 §3]: https://www.rfc-editor.org/rfc/rfc8460#section-3

#![forbid(unsafe_code)]

mod cache;
mod domain;
mod fetch;
#[cfg(feature = "https")]
mod https;
mod matching;
mod policy;
mod record;
mod taglist;
mod tlsrpt;

pub use cache::{
    CachedPolicy, Discovered, Discovery, MemoryCache, PolicyCache, PolicySource, Problem,
};
pub use domain::normalize_host;
pub use fetch::{
    CertificateProblem, FetchError, MAX_BODY_LEN, PolicyFetcher, StaticFetcher, WELL_KNOWN_PATH,
    policy_host,
};
#[cfg(feature = "https")]
pub use https::{DEFAULT_FETCH_TIMEOUT, HttpsFetcher, is_public_address};
pub use matching::{Delivery, MxPattern, MxVerdict};
pub use policy::{MAX_MAX_AGE, Mode, Policy, PolicyDeviation, PolicyError, PolicyErrorKind};
pub use record::{
    Extension, MAX_ID_LEN, RecordDeviation, RecordError, RecordErrorKind, STS_VERSION, StsRecord,
    find_record,
};
/// The TLS library of [`HttpsFetcher`], for building its root store.
#[cfg(feature = "https")]
pub use rustls::{self, RootCertStore};
pub use tlsrpt::{ReportUri, TLSRPT_VERSION, TlsRptRecord, find_tls_rpt_record};
