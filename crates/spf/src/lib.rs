//! SPF, the Sender Policy Framework ([RFC 7208]): whether a client may send
//! mail for a domain, as a receiver decides it and as an investigator needs
//! to see it.
//!
//! - [`Record`] parses an SPF record without copying and prints it back;
//!   every syntax error is a [`RecordError`] naming the offending term and
//!   its byte offset.
//! - [`Verifier::check_host`] runs `check_host()` of §4 against any
//!   [`Resolver`](mailtrail_dns::Resolver): record selection, every
//!   mechanism and modifier, macros, `exp=` explanations and the processing
//!   limits. Its [`Outcome`] is always a value: one of the seven results
//!   with its [`Cause`] (the matching term, or the [`Problem`] and where it
//!   happened), the explanation, the [`Counters`] and, on request, a
//!   [`Trace`] of every term, lookup and limit.
//! - [`Verifier::verify_helo`], [`Verifier::verify_mail_from`] and
//!   [`Verifier::verify`] check the two identities of §2.3 and §2.4, and
//!   [`IdentityCheck`] turns a check into a [`ReceivedSpf`] field (§9.1) or
//!   an `spf=` Authentication-Results result.
//!
//! No runtime is assumed: the futures complete as soon as the resolver's do.
//!
//! ```
//! use mailtrail_dns::ZoneResolver;
//! use mailtrail_spf::{Cause, Problem, SpfResult, Verifier};
//!
//! let zone: ZoneResolver = r#"
//! $ORIGIN example.com.
//! @       300 IN TXT "v=spf1 mx include:_spf.example.com -all exp=why.%{d}"
//! @       300 IN MX  10 mx1
//! mx1     300 IN A   192.0.2.25
//! _spf    300 IN TXT "v=spf1 ip4:198.51.100.0/24 ~all"
//! why     300 IN TXT "%{i} is not a mail server of %{d}; see https://%{d}/spf"
//! loop    300 IN TXT "v=spf1 include:loop.example.com"
//! "#.parse()?;
//! let verifier = Verifier::new(&zone).with_trace(true);
//!
//! # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! # runtime.block_on(async {
//! let pass = verifier.check_host("198.51.100.7".parse()?, "example.com", "bob@example.com", None).await;
//! assert_eq!(pass.result, SpfResult::Pass);
//! assert_eq!(pass.mechanism(), Some("include:_spf.example.com"));
//! assert_eq!((pass.counters.dns_lookups, pass.counters.void_lookups), (2, 0));
//!
//! let fail = verifier.check_host("203.0.113.9".parse()?, "example.com", "bob@example.com", None).await;
//! assert_eq!(fail.result, SpfResult::Fail);
//! assert_eq!(fail.explanation.as_deref(),
//!     Some("203.0.113.9 is not a mail server of example.com; see https://example.com/spf"));
//!
//! let looping = verifier.check_host("203.0.113.9".parse()?, "loop.example.com", "bob@example.com", None).await;
//! assert_eq!(looping.result, SpfResult::PermError);
//! assert!(matches!(looping.cause, Cause::Problem(Problem::IncludeLoop { .. })));
//! let trace = looping.trace.expect("asked for");
//! assert_eq!(trace.terms().collect::<Vec<_>>(), ["include:loop.example.com"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits
//!
//! [`Limits`] holds the limits of [RFC 7208 §4.6.4]; the defaults are the
//! RFC's. They apply to one `check_host()` evaluation, across every record
//! it reaches through `include` and `redirect=`. Counting happens as terms
//! are evaluated, not when a record is parsed, so terms after a match cost
//! nothing.
//!
//! - **DNS-querying terms** ([`Limits::dns_lookups`], 10):
//!   `include`, `a`, `mx`, `ptr` and `exists` each count one when evaluated,
//!   and so does `redirect=` when it is followed. `all`, `ip4`, `ip6`,
//!   `exp=` and unknown modifiers never count. Lookups made inside a term
//!   (the TXT of an included record, the addresses of each MX host or PTR
//!   name, the PTR lookup of a `%{p}` macro) do not count separately. The
//!   term that would be number 11 is not evaluated: the result is
//!   `permerror` with [`Problem::DnsTermLimit`], and
//!   [`Counters::dns_lookups`] reads 11.
//! - **Void lookups** ([`Limits::void_lookups`], 2): a term whose own query
//!   is answered NXDOMAIN or NODATA counts one: the address query of `a`,
//!   the MX query of `mx`, the PTR query of `ptr`, the A query of `exists`,
//!   and the TXT query of an `include` or `redirect=` target. Queries for
//!   the addresses of MX hosts and PTR names, the first record lookup and the
//!   `exp=` lookup never count. The third void term gives `permerror` with
//!   [`Problem::VoidLookupLimit`].
//! - **MX names** ([`Limits::mx_names`], 10): an `mx` term whose MX query
//!   returns more records than this gives `permerror`
//!   ([`Problem::MxNameLimit`]) before any address is looked up, whatever
//!   their order. A null MX (RFC 7505, exchange `.`) names no host and is
//!   not looked up, but counts as a record.
//! - **PTR names** ([`Limits::ptr_names`], 10): `ptr` and `%{p}` look at the
//!   first 10 names of the PTR answer and ignore the rest; this is never an
//!   error, since the client controls its PTR records.
//! - **Loops**: an `include` or `redirect=` naming a domain whose record is
//!   still being evaluated (itself, or one that included or redirected to
//!   it) gives `permerror` at once with [`Problem::IncludeLoop`]; without
//!   the check such a loop would end in `permerror` at the eleventh term. The
//!   records being evaluated sit on an explicit stack, so even a limit
//!   raised far above 10 cannot exhaust the call stack.
//! - **Time**: RFC 7208 §4.6.4 suggests a limit of at least 20 seconds for a
//!   whole evaluation. No clock is read here: wrap the future in the
//!   runtime's timeout and treat expiry as `temperror`.
//!
//! # Speed
//!
//! An evaluation keeps no parsed record. Each record is read in place from
//! the shared TXT answer and checked in one pass that also evaluates the
//! `ip4`, `ip6` and `all` terms up to the first term that queries DNS or
//! matches; those three are read straight from their bytes, in the pass
//! that finds where they end, and only other terms go through the full
//! term parser. The later terms are read from the text when evaluation
//! reaches them, without checking again what the first pass checked.
//! Nothing is allocated per term, macro values are built only for targets
//! that hold a `%`, and a [`Location`] is built only for the cause that is
//! returned. The `spf` bench of `mailtrail-benches` compares this with
//! mail-auth; the workspace README gives the numbers.
//!
//! # Features
//!
//! - `serde`: `Serialize` for outcomes, causes, problems, traces, identity
//!   checks and Received-SPF fields. Results serialize as their tokens.
//!
//! # Conformance and deviations
//!
//! Implemented:
//!
//! - [§2.3], [§2.4]: the HELO and MAIL FROM identities; a null reverse-path
//!   checks `postmaster@<helo>`. [`Verifier::verify`] always checks both,
//!   and the MAIL FROM result is never replaced by the HELO one.
//! - [§2.6], [§8]: the seven results, printed as their tokens.
//! - [§4.3]: a domain that is an address literal, has one label, an empty
//!   label, a label over 63 octets or more than 253 octets gives `none`; a
//!   sender without local-part is read as `postmaster`.
//! - [§4.4], [§4.5]: TXT lookup only (the SPF RR type is obsolete); records
//!   are selected by `v=spf1` and a space or the end, in any case; none is
//!   `none`, several are `permerror`; strings of one TXT record are joined
//!   without separator. NXDOMAIN and NODATA give `none`, server failures and
//!   timeouts `temperror`.
//! - [§4.6]: the whole record is checked before any term is evaluated, and
//!   any syntax error anywhere is `permerror`. Records must be US-ASCII.
//!   Terms are separated by spaces only; a tab or line break is part of a
//!   term and makes it invalid.
//! - [§4.6.4]: the limits above.
//! - [§4.7], [§4.8]: `neutral` when nothing matches; domain-spec grammar.
//! - [§5]: every mechanism. IPv4-mapped IPv6 clients are IPv4 and never
//!   match `ip6`. A target that cannot be queried after expansion (empty or
//!   over-long label) is a mechanism that does not match; RFC 7208 leaves
//!   this undefined, and the openspf suite accepts it. In `ptr`, only names
//!   at or below the target are validated, which gives the same result as
//!   validating every name first.
//! - [§6]: `redirect=` (a target without record or with an invalid name is
//!   `permerror`), `exp=` (fetched only for a final `fail`, from the record
//!   that gave it, never from an included one; no, several or non-ASCII TXT
//!   records, DNS errors and invalid explanation strings give no
//!   explanation), unknown modifiers kept and ignored. A second `redirect=`
//!   or `exp=` is `permerror`.
//! - [§7]: every macro letter, transformer and delimiter, `%%`, `%_`, `%-`,
//!   URL escaping for upper-case letters, and truncation of expanded names
//!   to 253 octets. `c`, `r` and `t` are refused outside explanation
//!   strings, also in unknown modifiers (§7.1: "allowed only in exp text").
//!   `%{i}` of an IPv6 address uses lowercase nibbles as in the §7.4
//!   example. `%{p}` prefers the domain, then a subdomain of it, then the
//!   first validated name, else `unknown`.
//! - [§9.1]: the Received-SPF field, all seven keys.
//! - [§11.5.3]: record text is never logged; the trace is returned as data.
//!
//! Choices and known gaps:
//!
//! - `%{h}` and `%{t}` expand to `unknown` when the HELO name or the time was
//!   not given ([`Options::now`]); RFC 7208 names no value for that case.
//! - The SPF RR type (99) is never queried (RFC 7208 §3.1 removed it).
//! - Targets whose labels hold characters other than letters, digits, `-`
//!   and `_` (legal in DNS, RFC 2181 §11, and in a domain-spec, such as
//!   `a:foo:bar/baz.example.com`) cannot be queried through the backends of
//!   mailtrail-dns 0.1, whose name parser refuses them; such mechanisms do
//!   not match. Five cases of the openspf suite fail for this reason and are
//!   recorded in `tests/data/rfc7208-expectations.txt`.
//! - No overall evaluation timeout (see Limits).
//! - The `spf=` Authentication-Results property is `smtp.mailfrom` with the
//!   full sender address, as most receivers write it, or `smtp.helo`.
//!
//! [RFC 7208]: https://www.rfc-editor.org/rfc/rfc7208
//! [RFC 7208 §4.6.4]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4
//! [§2.3]: https://www.rfc-editor.org/rfc/rfc7208#section-2.3
//! [§2.4]: https://www.rfc-editor.org/rfc/rfc7208#section-2.4
//! [§2.6]: https://www.rfc-editor.org/rfc/rfc7208#section-2.6
//! [§4.3]: https://www.rfc-editor.org/rfc/rfc7208#section-4.3
//! [§4.4]: https://www.rfc-editor.org/rfc/rfc7208#section-4.4
//! [§4.5]: https://www.rfc-editor.org/rfc/rfc7208#section-4.5
//! [§4.6]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6
//! [§4.6.4]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4
//! [§4.7]: https://www.rfc-editor.org/rfc/rfc7208#section-4.7
//! [§4.8]: https://www.rfc-editor.org/rfc/rfc7208#section-4.8
//! [§5]: https://www.rfc-editor.org/rfc/rfc7208#section-5
//! [§6]: https://www.rfc-editor.org/rfc/rfc7208#section-6
//! [§7]: https://www.rfc-editor.org/rfc/rfc7208#section-7
//! [§8]: https://www.rfc-editor.org/rfc/rfc7208#section-8
//! [§9.1]: https://www.rfc-editor.org/rfc/rfc7208#section-9.1
//! [§11.5.3]: https://www.rfc-editor.org/rfc/rfc7208#section-11.5.3

#![forbid(unsafe_code)]

mod domain_spec;
mod error;
mod evaluate;
mod lookup;
mod macros;
mod network;
mod outcome;
mod quick;
mod received_spf;
mod record;
mod select;
mod term;
mod trace;
mod verifier;

pub use domain_spec::DomainSpec;
pub use error::RecordError;
pub use macros::{
    Delimiters, MAX_DOMAIN_LENGTH, MacroExpand, MacroLetter, MacroString, MacroToken, MacroValues,
    truncate_domain,
};
pub use outcome::{Cause, Counters, Location, Outcome, Problem, SpfResult, UnknownResult};
pub use received_spf::ReceivedSpf;
pub use record::{Record, VERSION, is_spf_record};
pub use term::{Directive, DualCidrLength, Mechanism, Modifier, Qualifier, Term};
pub use trace::{LimitKind, LookupAnswer, RecordFound, TermVerdict, Trace, TraceEvent};
pub use verifier::{Identity, IdentityCheck, Limits, Options, Verification, Verifier};
