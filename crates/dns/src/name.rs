//! Query names: the checks every backend applies before asking, so that all of
//! them refuse the same names ([RFC 1035 §2.3.4], [RFC 3596 §2.5]).
//!
//! [RFC 1035 §2.3.4]: https://www.rfc-editor.org/rfc/rfc1035#section-2.3.4
//! [RFC 3596 §2.5]: https://www.rfc-editor.org/rfc/rfc3596#section-2.5

use std::fmt::Write as _;
use std::net::IpAddr;

use hickory_proto::rr::Name;

use crate::DnsError;

/// The longest name in presentation form, without the trailing dot.
const MAX_NAME_LEN: usize = 253;

/// The longest label.
const MAX_LABEL_LEN: usize = 63;

/// Checks a query name and returns it as a fully qualified hickory name.
///
/// One trailing dot is optional. Names with non-ASCII characters are
/// converted to A-labels (IDNA); the length limits apply to the result.
pub(crate) fn parse_query_name(name: &str) -> Result<Name, DnsError> {
    let invalid = |reason: &str| DnsError::InvalidName {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };

    let bare = name.strip_suffix('.').unwrap_or(name);
    if bare.is_empty() {
        return Err(invalid("empty name"));
    }
    if bare.split('.').any(str::is_empty) {
        return Err(invalid("empty label"));
    }

    let parsed = if bare.is_ascii() {
        from_ascii_labels(bare)
    } else {
        Name::from_utf8(bare)
    };
    let mut parsed = parsed.map_err(|error| invalid(&error.to_string()))?;
    parsed.set_fqdn(true);

    if parsed.iter().any(|label| label.len() > MAX_LABEL_LEN) {
        return Err(invalid("label longer than 63 octets"));
    }
    if display_name(&parsed).len() > MAX_NAME_LEN {
        return Err(invalid("name longer than 253 octets"));
    }
    Ok(parsed)
}

/// Reads an ASCII name in presentation form into a hickory name.
fn from_ascii_labels(name: &str) -> Result<Name, hickory_proto::ProtoError> {
    let labels = name_to_labels(name).map_err(hickory_proto::ProtoError::from)?;
    Name::from_labels(labels)
}

/// Splits a name in presentation form ([RFC 1035 §5.1]) into its labels as
/// octets: labels end at unescaped dots, `\X` stands for the character X and
/// `\DDD` for the octet DDD (decimal). Any octet may stand in a label ([RFC
/// 2181 §11]), as SPF macros produce ([RFC 7208 §7.3]); a trailing dot is
/// ignored. [`labels_to_name`] is the inverse.
///
/// [RFC 1035 §5.1]: https://www.rfc-editor.org/rfc/rfc1035#section-5.1
/// [RFC 2181 §11]: https://www.rfc-editor.org/rfc/rfc2181#section-11
/// [RFC 7208 §7.3]: https://www.rfc-editor.org/rfc/rfc7208#section-7.3
///
/// ```
/// use mailtrail_dns::{labels_to_name, name_to_labels};
///
/// let labels = name_to_labels("a:b/c\\032d.example.com.")?;
/// assert_eq!(labels, [&b"a:b/c d"[..], b"example", b"com"]);
/// assert_eq!(labels_to_name(&labels), "a:b/c\\032d.example.com");
/// # Ok::<(), &'static str>(())
/// ```
pub fn name_to_labels(name: &str) -> Result<Vec<Vec<u8>>, &'static str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let mut labels: Vec<Vec<u8>> = vec![Vec::new()];
    let mut bytes = name.bytes();

    while let Some(byte) = bytes.next() {
        let label = labels.last_mut().expect("there is always a label");
        match byte {
            b'.' => labels.push(Vec::new()),
            b'\\' => label.push(unescape(&mut bytes)?),
            other => label.push(other),
        }
    }
    Ok(labels)
}

/// The octet after a backslash: `\DDD` in decimal, or the character itself.
fn unescape(bytes: &mut std::str::Bytes<'_>) -> Result<u8, &'static str> {
    let first = bytes.next().ok_or("escape at the end of the name")?;
    if !first.is_ascii_digit() {
        return Ok(first);
    }
    let digits = [Some(first), bytes.next(), bytes.next()];
    let mut value = 0u32;
    for digit in digits {
        let digit = digit
            .filter(u8::is_ascii_digit)
            .ok_or("\\DDD needs three digits")?;
        value = value * 10 + u32::from(digit - b'0');
    }
    u8::try_from(value).map_err(|_| "\\DDD above 255")
}

/// Writes labels in presentation form without the trailing dot: printable
/// ASCII as it is except the characters master files give a meaning to,
/// which are escaped as `\X`, and other octets as `\DDD`. No labels give
/// the root, `"."`.
pub fn labels_to_name<I, L>(labels: I) -> String
where
    I: IntoIterator<Item = L>,
    L: AsRef<[u8]>,
{
    let mut text = String::new();
    for (index, label) in labels.into_iter().enumerate() {
        if index > 0 {
            text.push('.');
        }
        for &byte in label.as_ref() {
            match byte {
                b'.' | b'\\' | b'"' | b';' | b'(' | b')' | b'@' | b'$' => {
                    text.push('\\');
                    text.push(char::from(byte));
                }
                0x21..=0x7e => text.push(char::from(byte)),
                _ => {
                    let _ = write!(text, "\\{byte:03}");
                }
            }
        }
    }
    if text.is_empty() {
        text.push('.');
    }
    text
}

/// A name in presentation form without the trailing dot; the root is `"."`.
pub(crate) fn display_name(name: &Name) -> String {
    labels_to_name(name.iter())
}

/// The key a name is stored under: presentation form, lowercase, no dot.
pub(crate) fn name_key(name: &Name) -> String {
    display_name(name).to_ascii_lowercase()
}

/// The reverse-DNS name of an address, as queried for PTR records: the
/// `in-addr.arpa` form for IPv4 and the nibble form under `ip6.arpa` for IPv6
/// ([RFC 1035 §3.5], [RFC 3596 §2.5]). IPv4-mapped IPv6 addresses are
/// reversed as IPv6, as on the wire.
///
/// [RFC 1035 §3.5]: https://www.rfc-editor.org/rfc/rfc1035#section-3.5
/// [RFC 3596 §2.5]: https://www.rfc-editor.org/rfc/rfc3596#section-2.5
///
/// ```
/// use mailtrail_dns::reverse_name;
///
/// assert_eq!(reverse_name("192.0.2.10".parse()?), "10.2.0.192.in-addr.arpa");
/// assert!(reverse_name("2001:db8::1".parse()?).ends_with(".8.b.d.0.1.0.0.2.ip6.arpa"));
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn reverse_name(ip: IpAddr) -> String {
    let mut name = String::with_capacity(72);
    match ip {
        IpAddr::V4(v4) => {
            for octet in v4.octets().iter().rev() {
                let _ = write!(name, "{octet}.");
            }
            name.push_str("in-addr.arpa");
        }
        IpAddr::V6(v6) => {
            for octet in v6.octets().iter().rev() {
                let _ = write!(name, "{:x}.{:x}.", octet & 0x0f, octet >> 4);
            }
            name.push_str("ip6.arpa");
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_dot_is_optional() {
        let with = parse_query_name("Example.COM.").unwrap();
        let without = parse_query_name("Example.COM").unwrap();
        assert_eq!(with, without);
        assert_eq!(display_name(&with), "Example.COM");
        assert_eq!(name_key(&with), "example.com");
    }

    #[test]
    fn empty_labels_and_overlong_names_are_invalid() {
        let long_label = format!("{}.example", "a".repeat(64));
        let long_name = ["abcdefghi"; 26].join(".");
        for bad in ["", ".", "a..b", "..", &long_label, &long_name] {
            let error = parse_query_name(bad).unwrap_err();
            assert!(
                matches!(error, DnsError::InvalidName { .. }),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn longest_legal_name_is_accepted() {
        let name = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(name.len(), 253);
        assert!(parse_query_name(&name).is_ok());
    }

    #[test]
    fn any_printable_byte_is_allowed_in_a_label() {
        let name = parse_query_name("a:foo:bar/baz%x y.example.com").unwrap();
        let labels: Vec<&[u8]> = name.iter().collect();
        assert_eq!(labels[0], b"a:foo:bar/baz%x y");
        assert_eq!(labels.len(), 3);
        // The presentation form reads back to the same name.
        assert_eq!(display_name(&name), "a:foo:bar/baz%x\\032y.example.com");
        assert_eq!(parse_query_name(&display_name(&name)).unwrap(), name);
        assert_eq!(parse_query_name("a\\.b.example").unwrap().num_labels(), 2);
        assert_eq!(
            parse_query_name("\\065b.example").unwrap(),
            parse_query_name("Ab.example").unwrap()
        );
    }

    #[test]
    fn unicode_names_become_a_labels() {
        let name = parse_query_name("bücher.example").unwrap();
        assert_eq!(display_name(&name), "xn--bcher-kva.example");
    }

    #[test]
    fn underscore_labels_used_by_mail_records_are_valid() {
        for name in [
            "_dmarc.example.com",
            "sel._domainkey.example.com",
            "_mta-sts.example.com",
        ] {
            assert!(parse_query_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn reverse_names_follow_rfc_1035_and_3596() {
        assert_eq!(
            reverse_name("198.51.100.24".parse().unwrap()),
            "24.100.51.198.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::567:89ab".parse().unwrap()),
            "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
