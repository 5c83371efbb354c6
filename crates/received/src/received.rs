//! One parsed Received field and its clauses.
//!
//! A trace field is `from`, `by`, `via`, `with`, `id` and `for` clauses, a
//! `;` and a date ([RFC 5321 §4.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.4)),
//! with comments that MTAs fill with the peer's address, the TLS session and
//! the authenticated user. [`Received`] keeps the value text (borrowed) and
//! the span of every part it read; accessors hand out the parts as
//! [`Spanned`] values that point into the message.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use jiff::Timestamp;
use jiff::tz::Offset;
use mailtrail_message::{HeaderField, Span};

use crate::deviation::DeviationList;
use crate::{Deviation, Greeting, ParseError, Protocol, TlsVersion};
use crate::{parser, token};

/// A parsed Received field.
///
/// Parse a field of a [`HeaderBlock`](mailtrail_message::HeaderBlock) with
/// [`Received::from_field`] (spans are offsets into the message), or a bare
/// value with [`Received::parse`] (offsets into the value). The result
/// borrows the value; [`Received::into_owned`] copies it once.
///
/// ```
/// use std::net::IpAddr;
/// use mailtrail_received::{Protocol, Received, TlsVersion};
///
/// let value = "from mail.example.org (mail.example.org [198.51.100.24])\r\n\
///     \t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\
///     \tby mx1.example.com (Postfix) with ESMTPS id 4TvB2k0QZxz9sWb\r\n\
///     \tfor <ceo@example.com>; Tue, 12 Mar 2024 09:14:25 +0000 (UTC)";
/// let field = Received::parse(value)?;
///
/// assert_eq!(field.helo().unwrap().value, "mail.example.org");
/// assert_eq!(field.reverse_dns().unwrap().value, "mail.example.org");
/// let ip: IpAddr = "198.51.100.24".parse().unwrap();
/// assert_eq!(field.from_ip().unwrap().value, ip);
/// assert_eq!(field.by().unwrap().value, "mx1.example.com");
/// assert_eq!(field.with().unwrap().value, Protocol::Esmtps);
/// assert_eq!(field.tls_version().unwrap().value, TlsVersion::Tls1_3);
/// assert_eq!(field.tls_cipher().unwrap().value, "TLS_AES_256_GCM_SHA384");
/// assert_eq!(field.id().unwrap().value, "4TvB2k0QZxz9sWb");
/// let recipients: Vec<&str> = field.recipients().map(|r| r.value).collect();
/// assert_eq!(recipients, ["ceo@example.com"]);
/// assert_eq!(field.date().unwrap().value.to_string(), "2024-03-12T09:14:25Z");
/// assert!(field.deviations().is_empty());
///
/// let by = field.by().unwrap().span;
/// assert_eq!(&value[by.range()], "mx1.example.com");
/// # Ok::<(), mailtrail_received::ParseError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Received<'a> {
    source: Cow<'a, str>,
    offset: usize,
    parts: Parts,
    deviations: DeviationList,
}

/// A part of a field with its span in the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    /// The part's value.
    pub value: T,
    /// Where the part is written.
    pub span: Span,
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(formatter)
    }
}

/// The authenticated sender or mechanism an MTA recorded: Postfix's
/// `(Authenticated sender: ...)`, Courier's `(AUTH: mechanism user)`,
/// Sendmail's `(authenticated bits=0)`, webmail's `authenticated user`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Authentication<'s> {
    /// The authenticated user, where named.
    pub user: Option<Spanned<&'s str>>,
    /// The SASL mechanism, where named (`CRAM-MD5`, `plain`).
    pub mechanism: Option<Spanned<&'s str>>,
    /// The whole phrase that says so.
    pub span: Span,
}

impl<'a> Received<'a> {
    /// Parses a Received value given on its own; spans are offsets into
    /// `value`.
    pub fn parse(value: &'a str) -> Result<Self, ParseError> {
        Self::parse_at(value, 0)
    }

    /// Parses a Received value that starts at `offset` in a message, so
    /// that spans are offsets into the message.
    pub fn parse_at(value: &'a str, offset: usize) -> Result<Self, ParseError> {
        parser::parse(value, offset, &[])
    }

    /// A field from what the parser read of `value`.
    pub(crate) const fn assemble(
        value: &'a str,
        offset: usize,
        parts: Parts,
        deviations: DeviationList,
    ) -> Self {
        Self {
            source: Cow::Borrowed(value),
            offset,
            parts,
            deviations,
        }
    }

    /// The parts and deviations, for the parser to fill in place.
    pub(crate) fn parts_mut(&mut self) -> (&mut Parts, &mut DeviationList) {
        (&mut self.parts, &mut self.deviations)
    }

    /// Parses like [`Received::parse`] but fails on the first deviation.
    pub fn parse_strict(value: &'a str) -> Result<Self, ParseError> {
        let received = Self::parse(value)?;

        match received.deviations().first() {
            Some(&deviation) => Err(ParseError::Strict { deviation }),
            None => Ok(received),
        }
    }

    /// Parses the value of a header field; spans are offsets into the
    /// message the field was split from.
    ///
    /// A value that is not UTF-8 is copied with each invalid byte read as
    /// `?` (one allocation) and reported as [`DeviationKind::InvalidUtf8`](crate::DeviationKind::InvalidUtf8).
    pub fn from_field(field: &HeaderField<'a>) -> Result<Self, ParseError> {
        let value = field.value();
        let offset = value.span().start;

        if let Some(text) = value.raw_str() {
            return Self::parse_at(text, offset);
        }

        let (text, invalid) = replace_invalid_utf8(value.raw());
        let Received {
            parts, deviations, ..
        } = parser::parse(&text, offset, &invalid)?;

        Ok(Self {
            source: Cow::Owned(text),
            offset,
            parts,
            deviations,
        })
    }

    /// Copies the value so the result no longer borrows the input. Spans
    /// are unchanged.
    pub fn into_owned(self) -> Received<'static> {
        Received {
            source: Cow::Owned(self.source.into_owned()),
            offset: self.offset,
            parts: self.parts,
            deviations: self.deviations,
        }
    }

    /// The value text the parts were read from.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Span of the whole value.
    pub fn span(&self) -> Span {
        Span::new(self.offset, self.offset + self.source.len())
    }

    /// Everything tolerated while reading the field, in input order.
    pub fn deviations(&self) -> &[Deviation] {
        self.deviations.as_slice()
    }
}

/// The `from` clause and what the comments say about the sender.
impl Received<'_> {
    /// The word after `from` as written: usually the HELO name, for Exim
    /// and qmail the reverse-DNS name, an address literal when the client
    /// had no name.
    pub fn from_name(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.from_name)
    }

    /// The name the client gave in HELO, EHLO or LHLO (RFC 5321 §4.1.1.1),
    /// as the sender claimed it.
    pub fn helo(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.helo)
    }

    /// The greeting command, where the MTA wrote which (`HELO x`, `EHLO x`,
    /// Exim's `helo=x`).
    pub fn greeting(&self) -> Option<Greeting> {
        self.parts.greeting
    }

    /// The client's host name as the receiving MTA found it in reverse DNS.
    pub fn reverse_dns(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.reverse_dns)
    }

    /// The client's IP address as the receiving MTA saw the connection:
    /// from the TCP-info comment, or the address literal after `from`.
    pub fn from_ip(&self) -> Option<Spanned<IpAddr>> {
        let (ip, slot) = self.parts.from_ip?;

        Some(Spanned {
            value: ip,
            span: self.span_of(slot),
        })
    }

    /// The client's source port, where written (`[192.0.2.1]:49019`).
    pub fn from_port(&self) -> Option<u16> {
        self.parts.from_port
    }

    /// The user the client's ident service (RFC 1413) named:
    /// `user@host`, `ident=user`, `IDENT:user@host`.
    pub fn ident(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.ident)
    }

    /// The local user of a local submission: Postfix's `from userid 1000`,
    /// qmail's `invoked by uid 1004`, Exim's `from root ... with local`.
    pub fn local_user(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.local_user)
    }

    /// The envelope sender (MAIL FROM) where the MTA recorded it: Exim's
    /// `(envelope-from <...>)`, qmail's `envelope-sender`, Haraka's
    /// `envelope-from`, XMail's second `from <...>`.
    pub fn envelope_from(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.envelope_from)
    }

    /// The authenticated sender or mechanism, where recorded.
    pub fn authentication(&self) -> Option<Authentication<'_>> {
        let span = self.span_of(self.parts.auth?);

        Some(Authentication {
            user: self.text(self.parts.auth_user),
            mechanism: self.text(self.parts.auth_mechanism),
            span,
        })
    }
}

/// The receiving side: `by`, `via`, `with`, `id`, `for`, TLS and the date.
impl Received<'_> {
    /// The receiving host after `by`, as written.
    pub fn by(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.by)
    }

    /// The receiving host's address: the `by` value itself when it is an
    /// address, or the address in the comment after it.
    pub fn by_ip(&self) -> Option<Spanned<IpAddr>> {
        let (ip, slot) = self.parts.by_ip?;

        Some(Spanned {
            value: ip,
            span: self.span_of(slot),
        })
    }

    /// The comment after the `by` host, where MTAs name themselves:
    /// `Postfix`, `8.17.1/8.17.1`, `Exim 4.97`, `Haraka/3.0.3`.
    pub fn by_software(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.by_software)
    }

    /// The `via` link, such as Microsoft's `Frontend Transport`.
    pub fn via(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.via)
    }

    /// The `with` protocol, typed; the span is that of the word read.
    pub fn with(&self) -> Option<Spanned<Protocol<'_>>> {
        let text = self.text(self.parts.with)?;

        Some(match self.parts.protocol {
            Some((protocol, slot)) => Spanned {
                value: protocol,
                span: self.span_of(slot),
            },
            None => Spanned {
                value: Protocol::Other(text.value),
                span: text.span,
            },
        })
    }

    /// The whole `with` clause value as written, such as
    /// `Microsoft SMTP Server`.
    pub fn with_text(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.with)
    }

    /// The queue identifier after `id`, without angle brackets.
    pub fn id(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.id)
    }

    /// The recipients of the `for` clause, without angle brackets, read
    /// lazily from the clause.
    pub fn recipients(&self) -> Recipients<'_> {
        let (text, start) = match self.parts.recipients {
            Some(slot) => (self.slice(slot), slot.start as usize),
            None => ("", 0),
        };

        Recipients {
            text,
            position: 0,
            base: self.offset + start,
        }
    }

    /// The TLS version from the comments, as the MTA wrote it.
    pub fn tls_version(&self) -> Option<Spanned<TlsVersion<'_>>> {
        let (version, slot) = self.parts.tls_version?;
        let text = self.slice(slot);

        Some(Spanned {
            value: version.unwrap_or(TlsVersion::Other(text)),
            span: self.span_of(slot),
        })
    }

    /// The TLS cipher suite from the comments, as the MTA wrote it.
    pub fn tls_cipher(&self) -> Option<Spanned<&str>> {
        self.text(self.parts.tls_cipher)
    }

    /// The date after `;`, as an instant.
    pub fn date(&self) -> Option<Spanned<Timestamp>> {
        let date = self.parts.date?;

        Some(Spanned {
            value: date.timestamp,
            span: self.span_of(date.slot),
        })
    }

    /// The zone offset the date was written in (`-0700`), where it had one.
    pub fn date_offset(&self) -> Option<Offset> {
        let date = self.parts.date?;

        Offset::from_seconds(date.offset_seconds).ok()
    }
}

impl Received<'_> {
    fn slice(&self, slot: Slot) -> &str {
        self.source
            .get(slot.start as usize..slot.end as usize)
            .unwrap_or_default()
    }

    fn span_of(&self, slot: Slot) -> Span {
        Span::new(
            self.offset + slot.start as usize,
            self.offset + slot.end as usize,
        )
    }

    fn text(&self, slot: Option<Slot>) -> Option<Spanned<&str>> {
        let slot = slot?;

        Some(Spanned {
            value: self.slice(slot),
            span: self.span_of(slot),
        })
    }
}

impl fmt::Debug for Received<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn value(part: Option<Spanned<&str>>) -> Option<&str> {
            part.map(|part| part.value)
        }

        formatter
            .debug_struct("Received")
            .field("span", &self.span())
            .field("from_name", &value(self.from_name()))
            .field("helo", &value(self.helo()))
            .field("reverse_dns", &value(self.reverse_dns()))
            .field("from_ip", &self.from_ip().map(|ip| ip.value))
            .field("by", &value(self.by()))
            .field("with", &self.with().map(|with| with.value))
            .field("id", &value(self.id()))
            .field("date", &self.date().map(|date| date.value))
            .field("deviations", &self.deviations())
            .finish_non_exhaustive()
    }
}

/// Iterator over the recipients of a `for` clause, from
/// [`Received::recipients`].
///
/// Recipients are separated by white space or commas; angle brackets are
/// removed and comments skipped.
#[derive(Clone, Debug)]
pub struct Recipients<'s> {
    text: &'s str,
    position: usize,
    base: usize,
}

impl<'s> Iterator for Recipients<'s> {
    type Item = Spanned<&'s str>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();

        while self.position < bytes.len() {
            let start = self.position;
            match bytes[start] {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => self.position += 1,
                b'(' => self.position = token::comment_end(bytes, start, bytes.len()).0 + 1,
                _ => return self.recipient(start),
            }
        }

        None
    }
}

impl<'s> Recipients<'s> {
    fn recipient(&mut self, start: usize) -> Option<Spanned<&'s str>> {
        let bytes = self.text.as_bytes();
        let end = bytes[start..]
            .iter()
            .position(|&byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | b',' | b'('))
            .map_or(bytes.len(), |length| start + length);
        self.position = end;

        let word = &self.text[start..end];
        let (inner, inner_start) = match word.strip_prefix('<') {
            Some(rest) => (rest, start + 1),
            None => (word, start),
        };
        let inner = inner.strip_suffix('>').unwrap_or(inner);

        Some(Spanned {
            value: inner,
            span: Span::new(
                self.base + inner_start,
                self.base + inner_start + inner.len(),
            ),
        })
    }
}

/// A byte range of the value, compact: offsets fit in 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Slot {
    pub(crate) const fn new(start: usize, end: usize) -> Self {
        Self {
            start: start as u32,
            end: end as u32,
        }
    }
}

/// The date as read: the instant, its zone offset and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateStamp {
    pub(crate) timestamp: Timestamp,
    pub(crate) offset_seconds: i32,
    pub(crate) slot: Slot,
}

/// Where each part of a field lies, as the parser found it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Parts {
    pub(crate) from_name: Option<Slot>,
    pub(crate) helo: Option<Slot>,
    pub(crate) greeting: Option<Greeting>,
    pub(crate) reverse_dns: Option<Slot>,
    pub(crate) from_ip: Option<(IpAddr, Slot)>,
    pub(crate) from_port: Option<u16>,
    pub(crate) ident: Option<Slot>,
    pub(crate) local_user: Option<Slot>,
    pub(crate) envelope_from: Option<Slot>,
    pub(crate) auth: Option<Slot>,
    pub(crate) auth_user: Option<Slot>,
    pub(crate) auth_mechanism: Option<Slot>,
    pub(crate) by: Option<Slot>,
    pub(crate) by_ip: Option<(IpAddr, Slot)>,
    pub(crate) by_software: Option<Slot>,
    pub(crate) via: Option<Slot>,
    pub(crate) with: Option<Slot>,
    pub(crate) protocol: Option<(Protocol<'static>, Slot)>,
    pub(crate) id: Option<Slot>,
    pub(crate) recipients: Option<Slot>,
    pub(crate) tls_version: Option<(Option<TlsVersion<'static>>, Slot)>,
    pub(crate) tls_cipher: Option<Slot>,
    pub(crate) date: Option<DateStamp>,
}

/// `raw` with every byte of an invalid UTF-8 sequence replaced by `?`, so
/// that offsets do not move, and the spans replaced (relative to `raw`).
fn replace_invalid_utf8(raw: &[u8]) -> (String, Vec<Span>) {
    let mut text = String::with_capacity(raw.len());
    let mut invalid = Vec::new();
    let mut rest = raw;

    while !rest.is_empty() {
        let consumed = raw.len() - rest.len();
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                break;
            }
            Err(error) => {
                let valid_length = error.valid_up_to();
                let bad_length = error.error_len().unwrap_or(rest.len() - valid_length);
                text.push_str(std::str::from_utf8(&rest[..valid_length]).unwrap_or_default());
                text.extend(std::iter::repeat_n('?', bad_length));

                let start = consumed + valid_length;
                invalid.push(Span::new(start, start + bad_length));
                rest = &rest[valid_length + bad_length..];
            }
        }
    }

    (text, invalid)
}
