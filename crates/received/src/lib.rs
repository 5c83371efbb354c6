//! Received header fields of every common MTA, the route of hops they
//! record, and where a message crossed into the organisation.
//!
//! [`Received`] reads one field into its clauses: the sender's HELO name,
//! reverse-DNS name, address and ident user; the receiving host and its
//! address; `via`, `with` (a typed [`Protocol`]), `id` and `for`; the
//! envelope sender, TLS version and cipher and the authenticated user from
//! the comments MTAs write them in; and the date as a UTC instant. Parsing
//! borrows the value, keeps the span of every part, never panics, and lists
//! what it tolerated as [`Deviation`]s. [`Chain`] turns the fields of a
//! message into hops, oldest first, with delays and [`Anomaly`]s;
//! [`Chain::trust_boundary`] finds the entry hop given what the
//! [`Organisation`] owns. Nothing here touches DNS.
//!
//! ```
//! use mailtrail_message::split;
//! use mailtrail_received::{Chain, ChainOptions, Organisation, Protocol, Trust};
//!
//! let message = b"Received: from mx1.example.com (mx1.example.com [192.0.2.25])\r\n\
//!     \tby mail.example.com (Postfix) with ESMTPS id 4TvB2k; Tue, 12 Mar 2024 09:14:26 +0000\r\n\
//!     Received: from out.example.org (out.example.org [198.51.100.24])\r\n\
//!     \t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\
//!     \tby mx1.example.com (Postfix) with ESMTPS id 4TvB2j\r\n\
//!     \tfor <ceo@example.com>; Tue, 12 Mar 2024 09:14:25 +0000\r\n\
//!     Received: from laptop ([203.0.113.9]) by out.example.org\r\n\
//!     \twith ESMTPSA id 1rk0aF; Tue, 12 Mar 2024 09:14:24 +0000\r\n\
//!     \r\n";
//! let block = split(message);
//! let chain = Chain::from_block(&block, &ChainOptions::default());
//!
//! let entry = &chain.hops()[1];
//! let received = entry.received().unwrap();
//! assert_eq!(received.helo().unwrap().value, "out.example.org");
//! assert_eq!(received.with().unwrap().value, Protocol::Esmtps);
//! assert_eq!(received.tls_cipher().unwrap().value, "TLS_AES_256_GCM_SHA384");
//! let span = received.tls_cipher().unwrap().span;
//! assert_eq!(&message[span.range()], b"TLS_AES_256_GCM_SHA384");
//!
//! let organisation: Organisation = ["*.example.com", "192.0.2.0/24"]
//!     .iter()
//!     .map(|member| member.parse())
//!     .collect::<Result<_, _>>()?;
//! let boundary = chain.trust_boundary(&organisation);
//! assert_eq!(boundary.entry().unwrap().hop, 1);
//! assert_eq!(boundary.entry().unwrap().sender.ip.unwrap().to_string(), "198.51.100.24");
//! assert_eq!(boundary.trust(0), Trust::Claimed);
//! assert!(chain.anomalies().is_empty());
//! # Ok::<(), mailtrail_received::InvalidMember>(())
//! ```
//!
//! # Borrowing and owning
//!
//! A [`Received`] borrows the value text and stores only offsets; the
//! accessors hand out [`Spanned`] parts whose spans are offsets into the
//! message (from [`Received::from_field`]) or the value (from
//! [`Received::parse`]). Parsing a realistic field allocates nothing: up to
//! four deviations are kept inline, recipients are read lazily from the
//! `for` clause. [`Received::into_owned`] and [`Chain::into_owned`] copy the
//! text once so the result can outlive the message.
//!
//! # Features
//!
//! - `serde`: `Serialize` for fields, chains, anomalies and the boundary's
//!   outcomes. A field is written as the flat object of the `received`
//!   example's `--json` output (`from_helo`, `from_rdns`, `from_ip`,
//!   `ident`, `by`, `by_ip`, `via`, `with`, `id`, `for`, `envelope_from`,
//!   `tls_version`, `tls_cipher`, `auth`, `date`, `deviations`).
//!
//! # Conformance and deviations
//!
//! Implemented:
//!
//! - [RFC 5321 §4.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.4):
//!   the `Stamp` grammar, `from`, `by`, `via`, `with`, `id`, `for`, `;`
//!   and the date; keywords without regard to case. The TCP-info comment
//!   gives the reverse-DNS name and address; address literals of
//!   [§4.1.3](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.3), with
//!   and without the `IPv6:` tag, IPv4-mapped IPv6, zone indexes and ports.
//! - [RFC 5322 §3.3](https://www.rfc-editor.org/rfc/rfc5322#section-3.3)
//!   dates, and the obsolete years and zones of
//!   [§4.3](https://www.rfc-editor.org/rfc/rfc5322#section-4.3), reported as
//!   deviations. A weekday that does not match the date is reported; the
//!   date wins. Zones other than those RFC 5322 names read as `-0000`.
//! - [RFC 5322 §3.2.2](https://www.rfc-editor.org/rfc/rfc5322#section-3.2.2)
//!   comments with nesting and quoted-pairs, and folding white space: the
//!   raw value is parsed, so spans point at the message bytes.
//! - The IANA Mail Transmission Types
//!   ([RFC 3848](https://www.rfc-editor.org/rfc/rfc3848),
//!   [RFC 6531](https://www.rfc-editor.org/rfc/rfc6531)) as [`Protocol`].
//! - The dialects of Postfix, Exim 3 and 4, Sendmail, qmail and qpsmtpd,
//!   Microsoft Exchange and Microsoft 365, Gmail, Haraka, OpenSMTPD,
//!   Courier, CommuniGate, MDaemon, IBM/Lotus Domino, XMail, MessageLabs and
//!   webmail over HTTP; the `tests/dialects.rs` table shows each.
//!
//! Lenient by design, and reported: missing `from` or `by` clauses, clauses
//! out of order or repeated, clause values of several words, words outside
//! any clause, a `by` value that is no host, stray or unclosed delimiters,
//! bytes that are not UTF-8, and every date form above
//! ([`DeviationKind`]). [`Received::parse_strict`] turns the first of them
//! into an error.
//!
//! Interpretation, where the RFC says nothing:
//!
//! - The word after `from` is the HELO name, except when a comment gives
//!   the HELO (`helo=`, `HELO x`): then it is the reverse-DNS name (Exim,
//!   qmail), or the address. In an Exim field (one that names Exim) it is
//!   both. With `with local` it is the local user; with HTTP there is no
//!   HELO.
//! - `ident` is the user of `user@host`; the host is filed as the
//!   reverse-DNS name or the address. `user@ip with mechanism` is SMTP AUTH,
//!   not ident.
//!
//! Known gaps:
//!
//! - Only the first sixteen words of a comment are read for dialects.
//! - A date missing its `;` is not recovered: the words are reported as
//!   extra and the date as missing.
//! - A comment between the recipients of a `for` clause is read for the
//!   dialects but never taken as a recipient.
//! - The trust boundary trusts the names a sender gives (HELO) when the
//!   organisation lists no networks; with networks, the address the
//!   receiver saw decides.
//! - A value over 4 GiB is refused ([`ParseError::TooLong`]).
//!
//! Measured against mail-parser's and rspamd's readings of 190 real fields,
//! mailtrail agrees on 97.4 % of the values; each difference is listed with
//! its reason in `tests/expectations/received-corpora.txt`.

#![forbid(unsafe_code)]

mod address;
mod boundary;
mod chain;
mod class;
mod comments;
mod date;
mod deviation;
mod error;
mod parser;
mod protocol;
mod received;
#[cfg(feature = "serde")]
mod serialize;
mod token;

pub use boundary::{
    EntryHop, InvalidMember, Member, NoEntry, Organisation, Peer, Trust, TrustBoundary,
};
pub use chain::{Anomaly, Chain, ChainOptions, Hop};
pub use deviation::{Deviation, DeviationKind};
pub use error::ParseError;
pub use protocol::{Greeting, Protocol, TlsVersion};
pub use received::{Authentication, Received, Recipients, Spanned};
