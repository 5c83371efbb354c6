//! What a lookup returns: the records of one type at one name, with the
//! answer's TTL and DNSSEC status ([RFC 1035 §3.3], [RFC 4035 §3.2.3]).
//!
//! [RFC 1035 §3.3]: https://www.rfc-editor.org/rfc/rfc1035#section-3.3
//! [RFC 4035 §3.2.3]: https://www.rfc-editor.org/rfc/rfc4035#section-3.2.3

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Arc;

/// The records of one type found at one name.
///
/// A successful lookup always carries at least one record: an empty answer is
/// reported as [`DnsError::NoData`](crate::DnsError::NoData) instead.
///
/// The records are shared: cloning an answer, as a cache does to hand out
/// what it stored, copies a pointer and the TTL, whatever the records hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(bound = "T: serde::Serialize"))]
pub struct Answer<T> {
    /// The records, in the order the backend received them, shared between
    /// the clones of the answer.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serialize_records"))]
    pub records: Arc<[T]>,
    /// The smallest TTL of the records (and of any CNAME followed to reach
    /// them), in seconds.
    pub ttl: u32,
    /// Whether the answer was DNSSEC-authenticated, where the backend knows:
    /// the AD bit of the upstream response for [`SystemResolver`], an
    /// annotation for [`ZoneResolver`], `None` when nobody said.
    ///
    /// [`SystemResolver`]: crate::SystemResolver
    /// [`ZoneResolver`]: crate::ZoneResolver
    pub authentic: Option<bool>,
}

impl<T> Answer<T> {
    /// An answer with unknown DNSSEC status.
    pub fn new(records: impl Into<Arc<[T]>>, ttl: u32) -> Self {
        Self {
            records: records.into(),
            ttl,
            authentic: None,
        }
    }

    /// The same answer with its DNSSEC status set.
    #[must_use]
    pub fn with_authentic(mut self, authentic: Option<bool>) -> Self {
        self.authentic = authentic;
        self
    }

    /// Iterates over the records.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.records.iter()
    }
}

/// Serializes the shared records as a sequence, as a `Vec` would be.
#[cfg(feature = "serde")]
fn serialize_records<T, S>(records: &Arc<[T]>, serializer: S) -> Result<S::Ok, S::Error>
where
    T: serde::Serialize,
    S: serde::Serializer,
{
    serializer.collect_seq(records.iter())
}

impl<'a, T> IntoIterator for &'a Answer<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

/// One TXT record: its character-strings, each up to 255 bytes, exactly as
/// served ([RFC 1035 §3.3.14]).
///
/// SPF, DKIM, DMARC and MTA-STS all read a TXT record as the concatenation of
/// its strings ([RFC 7208 §3.3], [RFC 6376 §3.6.2.2]); [`Txt::concat`] gives
/// that. The bytes are not assumed to be UTF-8.
///
/// The strings are kept one after the other in one shared buffer, with
/// where each ends: the concatenation is borrowed, never built, and a clone
/// copies two pointers. Whether the bytes are UTF-8 is found once, when the
/// record is made, so [`Txt::as_str`] costs nothing.
///
/// [RFC 1035 §3.3.14]: https://www.rfc-editor.org/rfc/rfc1035#section-3.3.14
/// [RFC 7208 §3.3]: https://www.rfc-editor.org/rfc/rfc7208#section-3.3
/// [RFC 6376 §3.6.2.2]: https://www.rfc-editor.org/rfc/rfc6376#section-3.6.2.2
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Txt {
    /// The bytes of every string, in order, without separator.
    bytes: TxtBytes,
    /// Where each string ends in `bytes`.
    ends: Arc<[usize]>,
}

/// The joined bytes of a TXT record, as text when they are UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum TxtBytes {
    Text(Arc<str>),
    Binary(Arc<[u8]>),
}

impl Default for TxtBytes {
    fn default() -> Self {
        Self::Text(Arc::from(""))
    }
}

impl Txt {
    /// A record made of these character-strings.
    pub fn new<I, S>(strings: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let (mut bytes, mut ends) = (Vec::new(), Vec::new());
        for string in strings {
            bytes.extend_from_slice(string.as_ref());
            ends.push(bytes.len());
        }
        let bytes = match String::from_utf8(bytes) {
            Ok(text) => TxtBytes::Text(text.into()),
            Err(error) => TxtBytes::Binary(error.into_bytes().into()),
        };
        Self {
            bytes,
            ends: ends.into(),
        }
    }

    /// The character-strings, in order.
    pub fn strings(&self) -> impl ExactSizeIterator<Item = &[u8]> + DoubleEndedIterator {
        let bytes = self.as_bytes();
        (0..self.ends.len()).map(move |index| {
            let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
            &bytes[start..self.ends[index]]
        })
    }

    /// The strings concatenated without separator, as mail protocols read
    /// them. Always borrowed: the record holds its strings joined.
    pub fn concat(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }

    /// The strings concatenated without separator, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.bytes {
            TxtBytes::Text(text) => text.as_bytes(),
            TxtBytes::Binary(bytes) => bytes,
        }
    }

    /// The strings concatenated as text, when they are UTF-8; known since
    /// the record was made, so this checks nothing.
    pub fn as_str(&self) -> Option<&str> {
        match &self.bytes {
            TxtBytes::Text(text) => Some(text),
            TxtBytes::Binary(_) => None,
        }
    }

    /// The concatenated strings as text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_text(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }
}

/// Serializes as `{"strings": [...], "text": "..."}`: each character-string
/// and their concatenation as text, with bytes that are not UTF-8 replaced by
/// U+FFFD (the master file of a recording keeps the exact bytes).
#[cfg(feature = "serde")]
impl serde::Serialize for Txt {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        let strings: Vec<Cow<'_, str>> = self.strings().map(String::from_utf8_lossy).collect();
        let mut state = serializer.serialize_struct("Txt", 2)?;
        state.serialize_field("strings", &strings)?;
        state.serialize_field("text", &self.to_text())?;
        state.end()
    }
}

/// One MX record ([RFC 1035 §3.3.9]).
///
/// A null MX ([RFC 7505]) has an `exchange` of `"."`.
///
/// [RFC 1035 §3.3.9]: https://www.rfc-editor.org/rfc/rfc1035#section-3.3.9
/// [RFC 7505]: https://www.rfc-editor.org/rfc/rfc7505
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Mx {
    /// The preference: lower values are tried first.
    pub preference: u16,
    /// The mail exchanger's host name, without the trailing dot.
    pub exchange: String,
}

impl Mx {
    /// Whether this is a null MX ([RFC 7505 §3]): the domain accepts no mail.
    ///
    /// [RFC 7505 §3]: https://www.rfc-editor.org/rfc/rfc7505#section-3
    pub fn is_null(&self) -> bool {
        self.exchange == "."
    }
}

/// The data of one record of any type mailtrail handles, for code that works
/// across types: zone files, recordings, the `dns` example.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "type", content = "data", rename_all = "UPPERCASE")
)]
#[non_exhaustive]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// An alias: the canonical name, without the trailing dot. Zone files may
    /// hold it; lookups follow it and never return it.
    Cname(String),
    /// A mail exchanger.
    Mx(Mx),
    /// A reverse-DNS pointer target, without the trailing dot.
    Ptr(String),
    /// Text strings.
    Txt(Txt),
}

impl RecordData {
    /// The record type, or `None` for a CNAME, which is no answer type of its
    /// own.
    pub fn rtype(&self) -> Option<RecordType> {
        match self {
            Self::A(_) => Some(RecordType::A),
            Self::Aaaa(_) => Some(RecordType::Aaaa),
            Self::Cname(_) => None,
            Self::Mx(_) => Some(RecordType::Mx),
            Self::Ptr(_) => Some(RecordType::Ptr),
            Self::Txt(_) => Some(RecordType::Txt),
        }
    }

    /// The type mnemonic as written in master files.
    pub fn mnemonic(&self) -> &'static str {
        self.rtype().map_or("CNAME", RecordType::as_str)
    }
}

/// Writes the data in master-file presentation form ([RFC 1035 §5.1]): names
/// absolute with their trailing dot, TXT strings quoted, and every byte
/// outside printable ASCII, `"` and `\` escaped, so the text reads back to
/// the same bytes.
///
/// [RFC 1035 §5.1]: https://www.rfc-editor.org/rfc/rfc1035#section-5.1
impl fmt::Display for RecordData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::A(ip) => write!(f, "{ip}"),
            Self::Aaaa(ip) => write!(f, "{ip}"),
            Self::Cname(name) | Self::Ptr(name) => write_absolute(f, name),
            Self::Mx(mx) => {
                write!(f, "{} ", mx.preference)?;
                write_absolute(f, &mx.exchange)
            }
            Self::Txt(txt) => write_txt(f, txt),
        }
    }
}

/// Writes a name with exactly one trailing dot.
fn write_absolute(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    f.write_str(name)?;
    if name.ends_with('.') {
        Ok(())
    } else {
        f.write_char('.')
    }
}

/// Writes each character-string quoted, escaping as RFC 1035 §5.1 allows.
fn write_txt(f: &mut fmt::Formatter<'_>, txt: &Txt) -> fmt::Result {
    for (index, string) in txt.strings().enumerate() {
        if index > 0 {
            f.write_char(' ')?;
        }
        f.write_char('"')?;
        for &byte in string {
            match byte {
                b'"' | b'\\' => write!(f, "\\{}", byte as char)?,
                0x20..=0x7e => f.write_char(byte as char)?,
                _ => write!(f, "\\{byte:03}")?,
            }
        }
        f.write_char('"')?;
    }
    Ok(())
}

/// The record types a mail-authentication resolver asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "UPPERCASE"))]
#[non_exhaustive]
pub enum RecordType {
    /// An IPv4 address.
    A,
    /// An IPv6 address.
    Aaaa,
    /// A mail exchanger.
    Mx,
    /// A reverse-DNS pointer.
    Ptr,
    /// Text strings.
    Txt,
}

impl RecordType {
    /// Every type, in the order of their names.
    pub const ALL: [Self; 5] = [Self::A, Self::Aaaa, Self::Mx, Self::Ptr, Self::Txt];

    /// The mnemonic used in master files and by dig: `A`, `AAAA`, `MX`, `PTR`,
    /// `TXT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::Aaaa => "AAAA",
            Self::Mx => "MX",
            Self::Ptr => "PTR",
            Self::Txt => "TXT",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordType {
    type Err = UnknownRecordType;

    /// Parses a mnemonic, case-insensitively.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|rtype| rtype.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownRecordType(text.to_owned()))
    }
}

/// A record type mnemonic that mailtrail does not query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown record type {0:?}, expected one of A, AAAA, MX, PTR, TXT")]
pub struct UnknownRecordType(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_concat_joins_strings_without_separator() {
        let txt = Txt::new(["v=spf1 ", "ip4:192.0.2.1 ", "-all"]);
        assert_eq!(&*txt.concat(), b"v=spf1 ip4:192.0.2.1 -all");
        assert_eq!(txt.strings().len(), 3);
        let strings: Vec<&[u8]> = txt.strings().collect();
        assert_eq!(strings, [&b"v=spf1 "[..], b"ip4:192.0.2.1 ", b"-all"]);
    }

    #[test]
    fn txt_tells_no_strings_from_one_empty_string() {
        let none = Txt::new(Vec::<Vec<u8>>::new());
        let empty = Txt::new([""]);
        assert_eq!(none.strings().len(), 0);
        assert_eq!(empty.strings().collect::<Vec<_>>(), [b""]);
        assert_ne!(none, empty);
    }

    #[test]
    fn cloned_answers_share_their_records() {
        let answer = Answer::new(vec![Txt::new(["v=spf1 -all"])], 300);
        let clone = answer.clone();
        assert!(Arc::ptr_eq(&answer.records, &clone.records));
        assert_eq!(clone, answer);
    }

    #[test]
    fn txt_keeps_bytes_that_are_not_utf8() {
        let txt = Txt::new([vec![b'a', 0xff, 0x00]]);
        assert_eq!(&*txt.concat(), &[b'a', 0xff, 0x00]);
        assert_eq!(txt.as_str(), None);
        assert_eq!(Txt::new(["caf", "\u{e9}"]).as_str(), Some("caf\u{e9}"));
        let split = Txt::new([&[b'c', 0xc3][..], &[0xa9]]);
        assert_eq!(split.as_str(), Some("c\u{e9}"));
        assert_eq!(txt.to_text(), "a\u{fffd}\u{0}");
    }

    #[test]
    fn record_type_parses_case_insensitively_and_prints_mnemonic() {
        for rtype in RecordType::ALL {
            let lower = rtype.as_str().to_ascii_lowercase();
            assert_eq!(lower.parse::<RecordType>(), Ok(rtype));
            assert_eq!(rtype.to_string().parse::<RecordType>(), Ok(rtype));
        }
        assert!("SOA".parse::<RecordType>().is_err());
    }

    #[test]
    fn txt_presentation_escapes_quotes_backslashes_and_non_ascii() {
        let txt = Txt::new([b"say \"hi\" \\ ".to_vec(), vec![0xc3, 0xa9, 0x07]]);
        let text = RecordData::Txt(txt).to_string();
        assert_eq!(text, r#""say \"hi\" \\ " "\195\169\007""#);
    }

    #[test]
    fn names_in_presentation_form_are_absolute() {
        let mx = RecordData::Mx(Mx {
            preference: 5,
            exchange: "mx.example.com".into(),
        });
        assert_eq!(mx.to_string(), "5 mx.example.com.");
        assert_eq!(
            RecordData::Ptr("host.example.".into()).to_string(),
            "host.example."
        );
        assert_eq!(RecordData::Cname("x.example".into()).mnemonic(), "CNAME");
    }

    #[test]
    fn null_mx_is_recognised() {
        let null = Mx {
            preference: 0,
            exchange: ".".into(),
        };
        let real = Mx {
            preference: 0,
            exchange: "mx.example.com".into(),
        };
        assert!(null.is_null());
        assert!(!real.is_null());
    }
}
