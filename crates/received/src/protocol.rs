//! The typed values of a Received field: the `with` protocol, the TLS
//! version and the greeting command.
//!
//! Protocols are the IANA Mail Transmission Types
//! ([RFC 3848](https://www.rfc-editor.org/rfc/rfc3848),
//! [RFC 6531 §3.7.3](https://www.rfc-editor.org/rfc/rfc6531#section-3.7.3)),
//! plus the non-SMTP ways mail enters a system that MTAs write in the same
//! place (HTTP for webmail, local submission, IMAP and POP3 for fetchers).

use std::fmt;

/// The protocol of the `with` clause (RFC 5321 §4.4).
///
/// Known names are read without regard to case; MTA spellings of the same
/// protocol are read as it (`SMTPSVC` and `BSMTP` as SMTP, CommuniGate's
/// `ESMTP-TLS` as ESMTPS, Exim's `local-esmtp` as ESMTP, Gmail's `HTTPREST`
/// as HTTP). Anything else is [`Protocol::Other`] with the text as written.
///
/// ```
/// use mailtrail_received::Protocol;
///
/// assert_eq!(Protocol::parse("esmtpsa"), Protocol::Esmtpsa);
/// assert!(Protocol::Esmtpsa.is_authenticated() && Protocol::Esmtpsa.is_tls());
/// assert_eq!(Protocol::parse("mapi"), Protocol::Other("mapi"));
/// assert_eq!(Protocol::Utf8Smtps.to_string(), "UTF8SMTPS");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol<'s> {
    /// `SMTP` (RFC 5321).
    Smtp,
    /// `ESMTP`: SMTP with service extensions.
    Esmtp,
    /// `ESMTPA`: ESMTP with SMTP AUTH (RFC 3848).
    Esmtpa,
    /// `ESMTPS`: ESMTP over TLS (RFC 3848).
    Esmtps,
    /// `ESMTPSA`: ESMTP over TLS with SMTP AUTH (RFC 3848).
    Esmtpsa,
    /// `LMTP` (RFC 2033).
    Lmtp,
    /// `LMTPA`: LMTP with AUTH.
    Lmtpa,
    /// `LMTPS`: LMTP over TLS.
    Lmtps,
    /// `LMTPSA`: LMTP over TLS with AUTH.
    Lmtpsa,
    /// `UTF8SMTP`: SMTPUTF8 (RFC 6531).
    Utf8Smtp,
    /// `UTF8SMTPA`: SMTPUTF8 with AUTH.
    Utf8Smtpa,
    /// `UTF8SMTPS`: SMTPUTF8 over TLS.
    Utf8Smtps,
    /// `UTF8SMTPSA`: SMTPUTF8 over TLS with AUTH.
    Utf8Smtpsa,
    /// `UTF8LMTP`: LMTP with SMTPUTF8.
    Utf8Lmtp,
    /// `UTF8LMTPA`: LMTP with SMTPUTF8 and AUTH.
    Utf8Lmtpa,
    /// `UTF8LMTPS`: LMTP with SMTPUTF8 over TLS.
    Utf8Lmtps,
    /// `UTF8LMTPSA`: LMTP with SMTPUTF8 over TLS with AUTH.
    Utf8Lmtpsa,
    /// `HTTP`: a webmail or API submission.
    Http,
    /// `HTTPS`: a webmail or API submission over TLS.
    Https,
    /// `IMAP`: a message fetched from a mailbox (fetchmail).
    Imap,
    /// `POP3`: a message fetched from a mailbox (fetchmail).
    Pop3,
    /// `local`: handed to the MTA by a local program.
    Local,
    /// Any other protocol, as written (`mapi`, `QMQP`, `NNFMP`, ...).
    Other(&'s str),
}

impl<'s> Protocol<'s> {
    /// Reads a protocol name, falling back to [`Protocol::Other`].
    pub fn parse(text: &'s str) -> Self {
        Self::recognise(text).unwrap_or(Self::Other(text))
    }

    /// The protocol a known name or MTA spelling stands for, if any.
    ///
    /// The name is read as one [`key`] number, so that the `match` below
    /// compares numbers rather than strings.
    pub(crate) fn recognise(word: &str) -> Option<Protocol<'static>> {
        let word = word.as_bytes();
        let word = match word.iter().position(|&byte| byte == b'/') {
            Some(slash) => &word[..slash],
            None => word,
        };
        if !could_be_protocol(word) {
            return None;
        }

        let name = match word.get(..6) {
            Some(prefix) if prefix.eq_ignore_ascii_case(b"local-") => &word[6..],
            _ => word,
        };
        if name.len() >= 16 {
            return None;
        }

        let protocol = match key(name) {
            SMTP | SMTPSVC | BSMTP | SMTPD => Protocol::Smtp,
            ESMTP => Protocol::Esmtp,
            ESMTPA => Protocol::Esmtpa,
            ESMTPS | ESMTP_TLS => Protocol::Esmtps,
            ESMTPSA => Protocol::Esmtpsa,
            LMTP => Protocol::Lmtp,
            LMTPA => Protocol::Lmtpa,
            LMTPS => Protocol::Lmtps,
            LMTPSA => Protocol::Lmtpsa,
            UTF8SMTP => Protocol::Utf8Smtp,
            UTF8SMTPA => Protocol::Utf8Smtpa,
            UTF8SMTPS => Protocol::Utf8Smtps,
            UTF8SMTPSA => Protocol::Utf8Smtpsa,
            UTF8LMTP => Protocol::Utf8Lmtp,
            UTF8LMTPA => Protocol::Utf8Lmtpa,
            UTF8LMTPS => Protocol::Utf8Lmtps,
            UTF8LMTPSA => Protocol::Utf8Lmtpsa,
            HTTP | HTTPREST => Protocol::Http,
            HTTPS => Protocol::Https,
            IMAP => Protocol::Imap,
            POP3 => Protocol::Pop3,
            LOCAL | STDIN => Protocol::Local,
            _ => return None,
        };

        Some(protocol)
    }

    /// The protocol name: the IANA Mail Transmission Type in upper case,
    /// `local` for local submission, the text as written for others.
    pub const fn as_str(&self) -> &'s str {
        match self {
            Self::Smtp => "SMTP",
            Self::Esmtp => "ESMTP",
            Self::Esmtpa => "ESMTPA",
            Self::Esmtps => "ESMTPS",
            Self::Esmtpsa => "ESMTPSA",
            Self::Lmtp => "LMTP",
            Self::Lmtpa => "LMTPA",
            Self::Lmtps => "LMTPS",
            Self::Lmtpsa => "LMTPSA",
            Self::Utf8Smtp => "UTF8SMTP",
            Self::Utf8Smtpa => "UTF8SMTPA",
            Self::Utf8Smtps => "UTF8SMTPS",
            Self::Utf8Smtpsa => "UTF8SMTPSA",
            Self::Utf8Lmtp => "UTF8LMTP",
            Self::Utf8Lmtpa => "UTF8LMTPA",
            Self::Utf8Lmtps => "UTF8LMTPS",
            Self::Utf8Lmtpsa => "UTF8LMTPSA",
            Self::Http => "HTTP",
            Self::Https => "HTTPS",
            Self::Imap => "IMAP",
            Self::Pop3 => "POP3",
            Self::Local => "local",
            Self::Other(text) => text,
        }
    }

    /// Whether the name is registered as an IANA Mail Transmission Type.
    pub const fn is_registered(&self) -> bool {
        !matches!(
            self,
            Self::Http | Self::Https | Self::Imap | Self::Pop3 | Self::Local | Self::Other(_)
        )
    }

    /// Whether the protocol says the client authenticated (RFC 3848 `A`).
    pub const fn is_authenticated(&self) -> bool {
        matches!(
            self,
            Self::Esmtpa
                | Self::Esmtpsa
                | Self::Lmtpa
                | Self::Lmtpsa
                | Self::Utf8Smtpa
                | Self::Utf8Smtpsa
                | Self::Utf8Lmtpa
                | Self::Utf8Lmtpsa
        )
    }

    /// Whether the protocol says the connection used TLS (RFC 3848 `S`).
    pub const fn is_tls(&self) -> bool {
        matches!(
            self,
            Self::Esmtps
                | Self::Esmtpsa
                | Self::Lmtps
                | Self::Lmtpsa
                | Self::Utf8Smtps
                | Self::Utf8Smtpsa
                | Self::Utf8Lmtps
                | Self::Utf8Lmtpsa
                | Self::Https
        )
    }

    /// Whether the message came from a web client rather than an MTA.
    pub const fn is_http(&self) -> bool {
        matches!(self, Self::Http | Self::Https)
    }
}

impl fmt::Display for Protocol<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The TLS version an MTA recorded in a comment.
///
/// Read from the spellings MTAs use: `TLSv1.3` (Postfix, OpenSMTPD),
/// `TLS1_2` (Microsoft, Gmail), `TLS1.3` and `TLS-1.0` (Exim), `TLSv1/SSLv3`
/// (OpenSSL's name for the TLS 1.0 cipher suites).
///
/// ```
/// use mailtrail_received::TlsVersion;
///
/// assert_eq!(TlsVersion::parse("TLS1_2"), TlsVersion::Tls1_2);
/// assert_eq!(TlsVersion::parse("tlsv1.3"), TlsVersion::Tls1_3);
/// assert_eq!(TlsVersion::parse("TLSv1/SSLv3").to_string(), "TLSv1.0");
/// assert_eq!(TlsVersion::parse("QUIC"), TlsVersion::Other("QUIC"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsVersion<'s> {
    /// SSL 2.0.
    Ssl2,
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls1_0,
    /// TLS 1.1.
    Tls1_1,
    /// TLS 1.2.
    Tls1_2,
    /// TLS 1.3.
    Tls1_3,
    /// A version text not recognised, as written.
    Other(&'s str),
}

impl<'s> TlsVersion<'s> {
    /// Reads a version, falling back to [`TlsVersion::Other`].
    pub fn parse(text: &'s str) -> Self {
        Self::recognise(text).unwrap_or(Self::Other(text))
    }

    /// The version a known spelling stands for, if any: `TLS` or `SSL`
    /// in any case, an optional `v` (and `-` after `TLS`), then the
    /// version, matched byte by byte.
    pub(crate) fn recognise(word: &str) -> Option<TlsVersion<'static>> {
        let word = word.as_bytes();
        let head = word.get(..3)?;
        let ssl = head.eq_ignore_ascii_case(b"ssl");
        if !ssl && !head.eq_ignore_ascii_case(b"tls") {
            return None;
        }

        let mut rest = &word[3..];
        if let [b'v' | b'V', after @ ..] = rest {
            rest = after;
        }
        if ssl {
            return match rest {
                [b'2'] | [b'2', b'.', b'0'] => Some(TlsVersion::Ssl2),
                [b'3'] | [b'3', b'.', b'0'] => Some(TlsVersion::Ssl3),
                _ => None,
            };
        }

        if let [b'-', after @ ..] = rest {
            rest = after;
        }
        let version = match rest {
            [b'1'] | [b'1', b'0'] | [b'1', b'.' | b'_', b'0'] => TlsVersion::Tls1_0,
            [b'1', minor] | [b'1', b'.' | b'_', minor] => match minor {
                b'1' => TlsVersion::Tls1_1,
                b'2' => TlsVersion::Tls1_2,
                b'3' => TlsVersion::Tls1_3,
                _ => return None,
            },
            _ if rest.eq_ignore_ascii_case(b"1/sslv3") => TlsVersion::Tls1_0,
            _ => return None,
        };

        Some(version)
    }

    /// The version in OpenSSL's spelling (`TLSv1.2`), or the text as
    /// written for an unrecognised one.
    pub const fn as_str(&self) -> &'s str {
        match self {
            Self::Ssl2 => "SSLv2",
            Self::Ssl3 => "SSLv3",
            Self::Tls1_0 => "TLSv1.0",
            Self::Tls1_1 => "TLSv1.1",
            Self::Tls1_2 => "TLSv1.2",
            Self::Tls1_3 => "TLSv1.3",
            Self::Other(text) => text,
        }
    }
}

impl fmt::Display for TlsVersion<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The command that carried the client's name (RFC 5321 §4.1.1.1, RFC 2033
/// §4.1), where the MTA says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "UPPERCASE"))]
pub enum Greeting {
    /// `HELO`, also written `helo=` by Exim.
    Helo,
    /// `EHLO`.
    Ehlo,
    /// `LHLO` (LMTP).
    Lhlo,
}

impl Greeting {
    /// The command as written in the protocol.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Helo => "HELO",
            Self::Ehlo => "EHLO",
            Self::Lhlo => "LHLO",
        }
    }
}

impl fmt::Display for Greeting {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// `word` in ASCII lower case in `buffer`, or `None` if it does not fit.
/// Whether `word` starts with a letter that begins a known protocol name
/// and is of a length one can have: a cheap test that spares the
/// comparisons for the other words of a `with` clause (`Microsoft`).
fn could_be_protocol(word: &[u8]) -> bool {
    let first = word.first().map_or(0, u8::to_ascii_lowercase);

    (4..=16).contains(&word.len())
        && matches!(first, b'b' | b'e' | b'h' | b'i' | b'l' | b'p' | b's' | b'u')
}

/// A name of at most fifteen bytes as one number: its bytes in lower
/// case, and its length in the last byte, so that no two names share one.
const fn key(name: &[u8]) -> u128 {
    let mut bytes = [0_u8; 16];
    let mut index = 0;

    while index < name.len() && index < 15 {
        bytes[index] = name[index].to_ascii_lowercase();
        index += 1;
    }
    bytes[15] = name.len() as u8;

    u128::from_le_bytes(bytes)
}

const SMTP: u128 = key(b"smtp");
const SMTPSVC: u128 = key(b"smtpsvc");
const BSMTP: u128 = key(b"bsmtp");
const SMTPD: u128 = key(b"smtpd");
const ESMTP: u128 = key(b"esmtp");
const ESMTPA: u128 = key(b"esmtpa");
const ESMTPS: u128 = key(b"esmtps");
const ESMTP_TLS: u128 = key(b"esmtp-tls");
const ESMTPSA: u128 = key(b"esmtpsa");
const LMTP: u128 = key(b"lmtp");
const LMTPA: u128 = key(b"lmtpa");
const LMTPS: u128 = key(b"lmtps");
const LMTPSA: u128 = key(b"lmtpsa");
const UTF8SMTP: u128 = key(b"utf8smtp");
const UTF8SMTPA: u128 = key(b"utf8smtpa");
const UTF8SMTPS: u128 = key(b"utf8smtps");
const UTF8SMTPSA: u128 = key(b"utf8smtpsa");
const UTF8LMTP: u128 = key(b"utf8lmtp");
const UTF8LMTPA: u128 = key(b"utf8lmtpa");
const UTF8LMTPS: u128 = key(b"utf8lmtps");
const UTF8LMTPSA: u128 = key(b"utf8lmtpsa");
const HTTP: u128 = key(b"http");
const HTTPREST: u128 = key(b"httprest");
const HTTPS: u128 = key(b"https");
const IMAP: u128 = key(b"imap");
const POP3: u128 = key(b"pop3");
const LOCAL: u128 = key(b"local");
const STDIN: u128 = key(b"stdin");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mta_spellings_map_to_their_protocol() {
        let cases = [
            ("SMTPSVC", Protocol::Smtp),
            ("local-bsmtp", Protocol::Smtp),
            ("local-esmtps", Protocol::Esmtps),
            ("ESMTP-TLS", Protocol::Esmtps),
            ("ESMTP/TLS/DHE-RSA-AES256-GCM-SHA384", Protocol::Esmtp),
            ("HTTPREST", Protocol::Http),
            ("LMTPA", Protocol::Lmtpa),
            ("local", Protocol::Local),
        ];

        for (text, expected) in cases {
            assert_eq!(Protocol::parse(text), expected, "{text}");
        }
    }

    #[test]
    fn unknown_and_overlong_names_are_kept_as_written() {
        assert_eq!(Protocol::parse("NNFMP"), Protocol::Other("NNFMP"));
        assert_eq!(
            Protocol::parse("averyveryverylongname"),
            Protocol::Other("averyveryverylongname")
        );
        assert!(!Protocol::Other("x").is_registered());
        assert!(Protocol::Lmtps.is_registered() && !Protocol::Http.is_registered());
    }

    #[test]
    fn names_that_share_a_prefix_or_pad_with_nul_stay_apart() {
        assert_eq!(Protocol::parse("EsMtPsA"), Protocol::Esmtpsa);
        assert_eq!(Protocol::parse("esmtp/tls"), Protocol::Esmtp);
        assert_eq!(Protocol::parse("LOCAL-utf8lmtpsa"), Protocol::Utf8Lmtpsa);
        assert_eq!(Protocol::parse("smtp\0"), Protocol::Other("smtp\0"));
        assert_eq!(Protocol::parse("local-"), Protocol::Other("local-"));
        assert_eq!(Protocol::parse("esmtpsax"), Protocol::Other("esmtpsax"));
    }

    #[test]
    fn tls_versions_are_read_from_every_spelling() {
        let cases = [
            ("TLSv1.3", TlsVersion::Tls1_3),
            ("TLS1_2", TlsVersion::Tls1_2),
            ("TLS-1.0", TlsVersion::Tls1_0),
            ("TLSv1", TlsVersion::Tls1_0),
            ("TLSv1.1", TlsVersion::Tls1_1),
            ("SSLv3", TlsVersion::Ssl3),
            ("sslv2", TlsVersion::Ssl2),
        ];

        for (text, expected) in cases {
            assert_eq!(TlsVersion::parse(text), expected, "{text}");
        }
        assert_eq!(TlsVersion::parse("TLSv9"), TlsVersion::Other("TLSv9"));
    }

    #[test]
    fn greeting_prints_the_command() {
        assert_eq!(Greeting::Lhlo.to_string(), "LHLO");
    }
}
