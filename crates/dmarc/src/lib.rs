//! DMARC: whether the domain a reader sees in From vouched for a message,
//! and what its owner asks receivers to do when it did not. RFC 9989 (the
//! DNS tree walk, `np`, `psd`, `t`) by default, with an RFC 7489 mode that
//! finds organizational domains in the public suffix list instead.
//!
//! - [`Record`] reads a DMARC record without copying or allocating
//!   ([`Record::parse`], one pass over its bytes: about 3 700 instructions
//!   for a 185-byte record) and prints it back; a broken tag-list is a
//!   [`RecordError`] with its offset, a bad value a deviation naming the
//!   rule applied.
//! - [`Evaluator`] discovers the policy, aligns the SPF and DKIM results of
//!   mailtrail-spf and mailtrail-dkim ([`Authentication`]) with every author
//!   domain of the From field, and returns a [`Verdict`]: the result, the
//!   policy that applies and why (`p`, `sp` or `np`), the disposition under
//!   `t=y`, the identifiers that aligned, the reasons in sentences and every
//!   tree-walk step. [`KnownRecords`] holds `_dmarc` answers across
//!   evaluations, as a receiver's DNS cache does
//!   ([`Evaluator::with_known_records`]); such names are neither asked nor
//!   parsed again, and their tree-walk steps say `cached`.
//! - [`Verdict::authentication_result`] builds the `dmarc=` result of an
//!   Authentication-Results field; [`authorize_report_destinations`] checks
//!   external `rua`/`ruf` destinations.
//!
//! ```
//! use mailtrail_dkim::DkimResult;
//! use mailtrail_dmarc::{Authentication, DmarcResult, Evaluator, Policy, PolicySource, SpfIdentity};
//! use mailtrail_dns::ZoneResolver;
//! use mailtrail_spf::SpfResult;
//!
//! let zone: ZoneResolver = r#"
//! _dmarc.example.com.  300 TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s"
//! mail.example.com.    300 A   192.0.2.10
//! "#.parse()?;
//! let evaluator = Evaluator::new(&zone);
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//!
//! // SPF passed for a bounce subdomain: relaxed SPF alignment holds.
//! let auth = Authentication::new()
//!     .with_spf(SpfResult::Pass, "bounce.example.com", SpfIdentity::MailFrom)
//!     .with_dkim(DkimResult::Pass, "esp.example.net");
//! let verdict = runtime.block_on(evaluator.evaluate(&["example.com"], &auth));
//! assert_eq!(verdict.result, DmarcResult::Pass);
//! assert!(verdict.spf_aligned && verdict.dkim_aligned.is_empty());
//! assert_eq!(verdict.organizational_domain.as_deref(), Some("example.com"));
//!
//! // An existing subdomain that nothing authenticates: sp applies.
//! let verdict = runtime.block_on(evaluator.evaluate(&["mail.example.com"], &Authentication::new()));
//! assert_eq!(verdict.result, DmarcResult::Fail);
//! assert_eq!(verdict.policy_source, Some(PolicySource::ExistingSubdomain));
//! assert_eq!(verdict.disposition, Policy::Quarantine);
//!
//! // A subdomain that does not exist: np applies.
//! let verdict = runtime.block_on(evaluator.evaluate(&["ghost.example.com"], &Authentication::new()));
//! assert_eq!(verdict.disposition, Policy::Reject);
//! assert_eq!(
//!     verdict.authentication_result().to_string(),
//!     "dmarc=fail (p=reject dis=reject) header.from=ghost.example.com policy.dmarc=reject",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Policy discovery and the organizational domain
//!
//! RFC 9989 §4.10 replaces the public suffix list with a walk up the DNS
//! tree: `_dmarc.<author domain>` first, then, for a name of more than
//! seven labels, its last seven ([`TREE_WALK_JUMP_LABELS`]), then one label
//! fewer each time down to the top-level domain: at most eight queries
//! ([`tree_walk`]). The policy record is the first name holding exactly one
//! DMARC record. The organizational domain of a name comes from the same
//! walk: the first record with `psd=n` names it; one with `psd=y` makes the
//! domain one label below it the organizational domain; otherwise the
//! record with the fewest labels does; without a record the name is its own.
//! Relaxed alignment compares organizational domains; the other domain's
//! walk is only made when it lies within the author's organizational domain,
//! and every `_dmarc` name is asked once per evaluation.
//!
//! In [`Mode::Rfc7489`], discovery asks the author domain and then its
//! organizational domain from the public suffix list (the `psl` crate, which
//! embeds the list; [`public_suffix_organizational_domain`]).
//!
//! # Conformance and deviations
//!
//! Implemented:
//!
//! - RFC 9989 §4.7 and [RFC 7489 §6.3](https://www.rfc-editor.org/rfc/rfc7489#section-6.3):
//!   every tag (`v`, `p`, `sp`, `np`, `adkim`, `aspf`, `fo`, `rua`, `ruf`
//!   with size limits, `psd`, `t`), and RFC 7489's `pct`, `rf` and `ri`,
//!   read and reported as legacy ([`Record::legacy_tags`]). The tag-list
//!   syntax is DKIM's ([RFC 6376 §3.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.2)):
//!   white space around `=` and `;`, a trailing `;`; a duplicate tag breaks
//!   the record. Unknown tags are ignored; a value outside its grammar is
//!   ignored and the default applies ("syntax errors in the remainder of the
//!   record SHOULD be discarded in favor of default values"), reported as
//!   [`DeviationKind::InvalidValue`]; an invalid URI in `rua`/`ruf` is
//!   dropped alone.
//! - RFC 7489 §6.6.3 rule, which RFC 9989 keeps: a record without a valid
//!   `p` (in RFC 7489 mode, or with an invalid `sp`) is read as `p=none`
//!   when `rua` names a valid destination, and states no policy otherwise
//!   (result none) ([`Record::policies`]).
//! - RFC 9989 §4.10.1 and §4.10.2: policy discovery and the organizational
//!   domain by the DNS tree walk, as described above. Several DMARC records
//!   at one name count as none there and the walk goes on (RFC 7489 mode:
//!   discovery ends with result none); a single DMARC record that does not
//!   parse gives permerror; a DNS failure gives temperror.
//! - RFC 9989 §4.4 and [RFC 7489 §3.1](https://www.rfc-editor.org/rfc/rfc7489#section-3.1):
//!   strict and relaxed alignment of the SPF domain (MAIL FROM, or HELO for
//!   a null reverse-path) and of each passing DKIM `d=`. Names compare as
//!   lowercase A-labels (IDNA, [`normalize_domain`]).
//! - `np` (RFC 9989, after [RFC 9091](https://www.rfc-editor.org/rfc/rfc9091)):
//!   the author domain does not exist when A, AAAA and MX all answer NXDOMAIN
//!   or NODATA; asked only when `np` and `sp` differ. If a lookup fails, `sp`
//!   applies and the reasons say so.
//! - `t=y` (RFC 9989 §4.7): the disposition is one step less strict than the
//!   policy (reject becomes quarantine, quarantine none), the effect of the
//!   `pct=0` it replaces; in RFC 7489 mode `pct=0` does the same.
//! - [RFC 7489 §6.6.1](https://www.rfc-editor.org/rfc/rfc7489#section-6.6.1):
//!   every author domain of the From field is evaluated and the strictest
//!   verdict leads ([`Evaluator::evaluate`]); a message without a From field
//!   or with a mailbox without a domain is permerror.
//! - A DMARC temperror when no identifier aligned with a pass but an aligned
//!   identifier had a temporary error, or an organizational domain could not
//!   be found.
//! - RFC 9989 §4.9 and [RFC 7489 §7.1](https://www.rfc-editor.org/rfc/rfc7489#section-7.1):
//!   external report destinations ([`authorize_report_destinations`]).
//! - [RFC 8601 §2.7.7](https://www.rfc-editor.org/rfc/rfc8601#section-2.7.7)
//!   and RFC 7489 §11.2: the `dmarc=` result with `header.from` and
//!   `policy.dmarc`.
//!
//! Known gaps and readings:
//!
//! - RFC 9989's text was not at hand when this was written; the tree walk's
//!   jump to seven labels, the organizational-domain rules and `t=y` follow
//!   the published RFC as its final drafts and mail-auth 0.13.3 describe it.
//!   The policy record is the first found on the walk; mail-auth 0.13.3
//!   instead prefers the organizational domain's record over a record at an
//!   intermediate name.
//! - RFC 7489's `pct` sampling is not applied: a receiver that samples
//!   decides per message; the verdict reports the policy as if the message
//!   were selected and says so in the reasons.
//! - Failure and aggregate reports (RFC 9990, RFC 9991) are not produced.
//! - In RFC 7489 mode the `p` tag need not follow `v` directly (the ABNF
//!   orders it, the prose does not require it); mox rejects such records.

#![forbid(unsafe_code)]

mod discovery;
mod domain;
mod evaluate;
mod parse;
mod record;
mod report;
mod uri;
mod verdict;

pub use discovery::{
    Found, KnownRecords, WalkPurpose, WalkStep, public_suffix_organizational_domain,
    registrable_domain,
};
pub use domain::{TREE_WALK_JUMP_LABELS, normalize_domain, tree_walk};
pub use evaluate::{
    Authentication, DkimAuthentication, Evaluator, Mode, SpfAuthentication, SpfIdentity,
};
pub use parse::{RecordError, RecordErrorKind, is_dmarc_record};
pub use record::{
    Alignment, DeviationKind, FailureOptions, NoPolicy, Policies, Policy, PublicSuffix, Record,
    ReportUri, ReportUris, Tag, VERSION,
};
pub use report::{AuthorizationStatus, ReportAuthorization, authorize_report_destinations};
pub use verdict::{DmarcResult, PolicySource, Verdict};
