//! mailtrail: where a message really came from and who vouched for it.
//!
//! The facade composes the crates of the workspace into a forensic
//! analysis of one message: the Received chain and its entry hop
//! (mailtrail-received), where that entry stands among the recipient
//! domain's doors (its MX hosts, its MTA-STS policy and the expected
//! gateways), every Authentication-Results field classified
//! (mailtrail-authres), and SPF, DKIM and DMARC evaluated afresh
//! (mailtrail-spf, mailtrail-dkim, mailtrail-dmarc), never trusting the
//! message's own statements. [`Analyzer::analyze`] returns a [`Report`]
//! whose [`Finding`]s carry stable codes and point at their evidence.
//! [`audit()`] reads a domain the way an attacker would: its MX hosts and
//! their addresses, which of them its MTA-STS policy covers, TLS-RPT, SPF
//! (lookups counted through includes) and DMARC (by the tree walk), each
//! weakness a finding with its remedy. MTA-STS policies come from an
//! [`MtaStsSource`]: mailtrail-mtasts' `Discovery` (DNS, a policy fetcher
//! and a cache) in practice. The logic of each step lives in its crate; this
//! one only wires them.
//!
//! ```
//! use jiff::Timestamp;
//! use mailtrail::{Analyzer, Code, EntryClass, MtaStsLookup, MtaStsSource, MtaStsView, OrganisationView};
//! use mailtrail_dns::ZoneResolver;
//!
//! let zone: ZoneResolver = r#"
//! example.com.             300 MX 10 mx.gateway.example.
//! example.com.             300 MX 50 legacy.other.example.
//! mx.gateway.example.      300 A  192.0.2.10
//! legacy.other.example.    300 A  192.0.2.50
//! "#.parse()?;
//! let message = b"Received: from legacy.other.example (legacy.other.example [192.0.2.50])\r\n\
//!     \tby mbx.example.com with ESMTPS; Tue, 12 Mar 2024 09:14:24 +0000\r\n\
//!     Authentication-Results: legacy.other.example; spf=pass smtp.mailfrom=x.example\r\n\
//!     Received: from mail.x.example (mail.x.example [198.51.100.7])\r\n\
//!     \tby legacy.other.example with ESMTP; Tue, 12 Mar 2024 09:14:21 +0000\r\n\
//!     From: a@x.example\r\nTo: ceo@example.com\r\n\r\nhello\r\n";
//!
//! struct Enforced;
//! impl MtaStsSource for Enforced {
//!     async fn lookup(&self, _: &str, _: std::time::SystemTime) -> MtaStsLookup {
//!         let mx = vec!["mx.gateway.example".to_owned()];
//!         MtaStsLookup::Policy(MtaStsView { id: "1".into(), mode: "enforce".into(), mx, max_age: 86400 })
//!     }
//! }
//!
//! let organisation = OrganisationView::new().with_domain("example.com").with_trusted_id("mx.gateway.example");
//! let analyzer = Analyzer::new(&zone, &Enforced, "2024-03-12T10:00:00Z".parse::<Timestamp>()?)
//!     .with_organisation(organisation);
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! let report = runtime.block_on(analyzer.analyze(message));
//!
//! let entry = report.entry.as_ref().unwrap();
//! assert_eq!(entry.host.as_deref(), Some("legacy.other.example"));
//! assert_eq!((entry.classification, entry.mx_preference), (EntryClass::GhostMx, Some(50)));
//! let codes: Vec<Code> = report.findings.iter().map(|finding| finding.code).collect();
//! assert!(codes.contains(&Code::EntryViaGhostMx) && codes.contains(&Code::GatewayBypass));
//! assert!(codes.contains(&Code::UntrustedAuthservId));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conformance and deviations
//!
//! The standards are implemented in the crates this one composes; their
//! documentation lists the RFC sections and gaps. What this crate decides:
//!
//! - The recipient domain is the first of the organisation's domains the
//!   message was addressed to (else its first domain), else the domain of
//!   the newest `for` clause, else of To and Cc.
//! - The organisation's hosts for the trust boundary are the ones it names,
//!   plus every MX host of the recipient domain and every expected gateway
//!   (the domain's own doors, forgotten ones included), plus the host that
//!   wrote the newest Received field (the message was taken from the
//!   organisation's mailbox).
//! - Expected gateways, when not given: the MX hosts the MTA-STS policy
//!   allows ([RFC 8461 §4.1](https://www.rfc-editor.org/rfc/rfc8461#section-4.1)
//!   matching), else the MX hosts of the lowest preference.
//! - A ghost MX: an MX host the policy does not allow or, without a policy,
//!   an MX host of a higher preference value whose provider (its registrable
//!   domain by the public suffix list) runs none of the gateways.
//! - SPF is evaluated for the entry hop's client address and HELO name and
//!   the Return-Path (else the entry hop's envelope-from); DKIM for every
//!   signature at the analysis time; DMARC on those results, never on the
//!   message's own Authentication-Results.
//!
//! - The audit counts SPF's DNS-querying terms statically (RFC 7208
//!   §4.6.4: `include`, `a`, `mx`, `ptr`, `exists`, `redirect`), following
//!   includes and redirects without macros; names with macros count once
//!   and are not followed.
//! - MX hosts belong to different organisations when their registrable
//!   domains differ; a provider serving customers under its own domain is
//!   one organisation, an MX under the customer's domain another.
//!
//! - The stamp ([`Stamper`]) follows
//!   [RFC 8601 §5](https://www.rfc-editor.org/rfc/rfc8601#section-5): every
//!   Authentication-Results field (not ARC-Authentication-Results, which
//!   belongs to its own chain) whose authserv-id equals the receiver's,
//!   without regard to case or a trailing dot, is listed for removal; a
//!   field that does not parse counts when its first word is that id. The
//!   added field carries `spf` (the MAIL FROM identity, `smtp.mailfrom`),
//!   one `dkim` per signature (`header.d`, `header.s`, `header.a` and the
//!   RFC 6008 `header.b` prefix; `dkim=none` without any) and `dmarc`
//!   (`header.from`, `policy.dmarc`). A rejection is proposed only for a
//!   DMARC fail whose disposition is `reject`, which `t=y` lowers
//!   ([RFC 9989](https://www.rfc-editor.org/rfc/rfc9989)).
//!
//! Known gaps: the provider test is by registrable domain, so two brands of
//! one company count as two providers; the audit does not probe MX hosts
//! (open relays, TLS), it reads DNS and policies only.

#![forbid(unsafe_code)]

mod analyze;
mod audit;
mod doors;
mod findings;
mod mta_sts;
mod organisation;
mod stamp;

pub use analyze::{Analyzer, AuthresReport, Entry, Report};
pub use audit::{Audit, AuditedMx, DmarcPosture, SpfPosture, audit};
pub use doors::{Doors, EntryClass, GatewaySource, MxDoor};
pub use findings::{Code, Evidence, Finding, Severity};
pub use mta_sts::{MtaStsLookup, MtaStsSource, MtaStsView, NoMtaSts};
pub use organisation::OrganisationView;
pub use stamp::{ClaimedField, Envelope, Stamp, Stamper};

pub use mailtrail_authres as authres;
pub use mailtrail_dkim as dkim;
pub use mailtrail_dmarc as dmarc;
pub use mailtrail_dns as dns;
pub use mailtrail_message as message;
pub use mailtrail_received as received;
pub use mailtrail_spf as spf;
