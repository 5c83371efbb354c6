//! Host names and IP addresses as MTAs write them in Received fields.
//!
//! An address is an `address-literal` of
//! [RFC 5321 §4.1.3](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.3)
//! (`[192.0.2.1]`, `[IPv6:2001:db8::1]`) or one of the forms MTAs write
//! beside it: bare addresses, IPv6 without the `IPv6:` tag, IPv4-mapped IPv6,
//! a zone index (`%6`), a port after a colon or a fifth dotted number
//! (`[192.0.2.1]:25`, `[192.0.2.1.25]`), and MDaemon's `[(192.0.2.1)]`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::class::{ALPHA, COLON, DIGIT, DOT, HEX_LETTER, HYPHEN, PERCENT, SLASH, shape};

/// Reads an IP address, with the port when one is written.
///
/// Returns `None` for anything that is not an address, such as a host name,
/// `[local]` or `[?.?.?.?]`. Addresses are returned as written: an
/// IPv4-mapped IPv6 address stays IPv6 (see [`IpAddr::to_canonical`]).
pub(crate) fn parse_ip(text: &str) -> Option<(IpAddr, Option<u16>)> {
    parse_ip_shaped(text, shape(text.as_bytes()))
}

/// [`parse_ip`] for a word whose [`shape`] is known.
pub(crate) fn parse_ip_shaped(text: &str, shape: u16) -> Option<(IpAddr, Option<u16>)> {
    let first = *text.as_bytes().first()?;

    if first == b'[' {
        return parse_bracketed(text);
    }
    if !could_be_address(text.len(), shape) {
        return None;
    }

    parse_bare(text, false, shape)
}

/// Whether a bare word of `length` bytes and this [`shape`] is made only
/// of what an address with a port can hold, a cheap test that spares the
/// full parse for most words.
pub(crate) fn could_be_address(length: usize, shape: u16) -> bool {
    let ipv4 = shape & !(DIGIT | DOT | COLON) == 0;
    let ipv6 = shape & COLON != 0 && shape & !(DIGIT | DOT | COLON | HEX_LETTER | PERCENT) == 0;

    length >= 2 && (ipv4 || ipv6)
}

/// `[address]` with an optional `:port` or `.port` after it.
fn parse_bracketed(text: &str) -> Option<(IpAddr, Option<u16>)> {
    let close = text.bytes().position(|byte| byte == b']')?;
    let inner = text[1..close].trim_matches(|character| matches!(character, '(' | ')' | ' '));
    let after = &text[close + 1..];

    let port = match after.as_bytes().first() {
        None => None,
        Some(b':' | b'.') => Some(port(&after.as_bytes()[1..])?),
        Some(_) => return None,
    };

    let inner = strip_ipv6_tag(inner);
    let (ip, inner_port) = parse_bare(inner, true, shape(inner.as_bytes()))?;

    Some((ip, port.or(inner_port)))
}

/// A bare address of this [`shape`]; `dotted_port` allows a port as a
/// fifth dotted number, which only makes sense between brackets.
fn parse_bare(text: &str, dotted_port: bool, shape: u16) -> Option<(IpAddr, Option<u16>)> {
    let bytes = text.as_bytes();

    if shape & COLON != 0 {
        let zone = match shape & PERCENT {
            0 => None,
            _ => bytes.iter().position(|&byte| byte == b'%'),
        };
        if let Some(ip) = ipv6(&bytes[..zone.unwrap_or(bytes.len())]) {
            return Some((IpAddr::V6(ip), None));
        }

        let colon = bytes.iter().rposition(|&byte| byte == b':')?;
        let ip = ipv4(&bytes[..colon])?;
        return Some((IpAddr::V4(ip), Some(port(&bytes[colon + 1..])?)));
    }

    if let Some(ip) = ipv4(bytes) {
        return Some((IpAddr::V4(ip), None));
    }

    if dotted_port {
        let dot = bytes.iter().rposition(|&byte| byte == b'.')?;
        let ip = ipv4(&bytes[..dot])?;
        return Some((IpAddr::V4(ip), Some(port(&bytes[dot + 1..])?)));
    }

    None
}

/// A dotted quad (RFC 3986 `IPv4address`); octets with leading zeros are
/// refused, as the standard library does, since some read them as octal.
fn ipv4(bytes: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0_u8; 4];
    let mut index = 0;
    let mut value: u16 = 0;
    let mut digits = 0;

    for &byte in bytes {
        match byte {
            b'0'..=b'9' => {
                if digits == 1 && value == 0 {
                    return None;
                }
                value = value * 10 + u16::from(byte - b'0');
                digits += 1;
                if value > 255 {
                    return None;
                }
            }
            b'.' if digits > 0 && index < 3 => {
                octets[index] = value as u8;
                index += 1;
                value = 0;
                digits = 0;
            }
            _ => return None,
        }
    }

    if digits == 0 || index != 3 {
        return None;
    }
    octets[3] = value as u8;
    Some(Ipv4Addr::from(octets))
}

/// An IPv6 address in the text form of RFC 4291 §2.2: eight groups of one
/// to four hex digits, one `::` for a run of zero groups, and an optional
/// dotted quad for the last two groups. One pass, no allocation.
fn ipv6(bytes: &[u8]) -> Option<Ipv6Addr> {
    let mut groups = [0_u16; 8];
    let mut count = 0;
    let mut gap = None;
    let mut position = 0;

    if bytes.starts_with(b"::") {
        gap = Some(0);
        position = 2;
    }

    while position < bytes.len() {
        let start = position;
        let mut value: u32 = 0;
        while let Some(&byte) = bytes.get(position) {
            let digit = HEX_VALUES[usize::from(byte)];
            if digit > 15 {
                break;
            }
            value = (value << 4) | u32::from(digit);
            position += 1;
        }

        if bytes.get(position) == Some(&b'.') {
            let [a, b, c, d] = ipv4(&bytes[start..]).filter(|_| count <= 6)?.octets();
            groups[count] = u16::from_be_bytes([a, b]);
            groups[count + 1] = u16::from_be_bytes([c, d]);
            count += 2;
            break;
        }

        let digits = position - start;
        if digits == 0 || digits > 4 || count == 8 {
            return None;
        }
        groups[count] = value as u16;
        count += 1;

        match bytes.get(position..position + 2) {
            None if position == bytes.len() => break,
            Some(b"::") if gap.is_none() => {
                gap = Some(count);
                position += 2;
            }
            Some([b':', next]) if *next != b':' => position += 1,
            _ => return None,
        }
    }

    match gap {
        Some(at) if count < 8 => {
            let moved = count - at;
            groups.copy_within(at..count, 8 - moved);
            groups[at..8 - moved].fill(0);
        }
        None if count == 8 => {}
        _ => return None,
    }

    Some(Ipv6Addr::from(groups))
}

/// The value of each hex digit; 255 for other bytes.
static HEX_VALUES: [u8; 256] = hex_values();

const fn hex_values() -> [u8; 256] {
    let mut table = [255; 256];
    let mut byte = 0;

    while byte < 256 {
        table[byte] = match byte as u8 {
            digit @ b'0'..=b'9' => digit - b'0',
            letter @ b'a'..=b'f' => letter - b'a' + 10,
            letter @ b'A'..=b'F' => letter - b'A' + 10,
            _ => 255,
        };
        byte += 1;
    }

    table
}

/// A port: one to five digits, at most 65535.
fn port(bytes: &[u8]) -> Option<u16> {
    if bytes.is_empty() || bytes.len() > 5 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }

    let value = bytes
        .iter()
        .fold(0_u32, |value, &byte| value * 10 + u32::from(byte - b'0'));
    u16::try_from(value).ok()
}

/// Removes the `IPv6:` tag of an IPv6 address literal, in any case.
fn strip_ipv6_tag(text: &str) -> &str {
    match text.get(..5) {
        Some(tag) if tag.eq_ignore_ascii_case("ipv6:") => &text[5..],
        _ => text,
    }
}

/// Whether `text` can be a host name in a `by` clause: letters, digits,
/// hyphens, underscores and dots, and slashes for Domino's hierarchical
/// server names such as `HUB01/Example`. Addresses are tried apart.
#[cfg(test)]
fn is_host_name(text: &str) -> bool {
    is_host_name_shaped(text, shape(text.as_bytes()))
}

/// [`is_host_name`] for a word whose [`shape`] is known.
pub(crate) fn is_host_name_shaped(text: &str, shape: u16) -> bool {
    !text.is_empty() && shape & !(ALPHA | DIGIT | DOT | HYPHEN | SLASH) == 0
}

/// Whether `text` looks like a host name a resolver returned: a domain with
/// a dot and a letter, or `localhost`. Used to tell a reverse-DNS name in a
/// comment from other words.
#[cfg(test)]
fn is_domain(text: &str) -> bool {
    is_domain_shaped(text, shape(text.as_bytes()))
}

/// [`is_domain`] for a word whose [`shape`] is known.
pub(crate) fn is_domain_shaped(text: &str, shape: u16) -> bool {
    let name = shape & !(ALPHA | DIGIT | DOT | HYPHEN) == 0;
    let dotted = shape & DOT != 0 && shape & ALPHA != 0 && !text.starts_with('.');

    (name && dotted) || text.eq_ignore_ascii_case("localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<(String, Option<u16>)> {
        parse_ip(text).map(|(ip, port)| (ip.to_string(), port))
    }

    #[test]
    fn literals_and_bare_addresses_are_read_with_ports() {
        let cases = [
            ("[192.0.2.1]", "192.0.2.1", None),
            ("192.0.2.1", "192.0.2.1", None),
            ("[192.0.2.1]:49019", "192.0.2.1", Some(49019)),
            ("192.0.2.1:25", "192.0.2.1", Some(25)),
            ("[192.0.2.1.63559]", "192.0.2.1", Some(63559)),
            ("[(192.0.2.1)]", "192.0.2.1", None),
            ("[IPv6:2001:db8::1]", "2001:db8::1", None),
            ("[ipv6:::1]", "::1", None),
            ("2001:db8:20b:3a1::12", "2001:db8:20b:3a1::12", None),
            ("[2001:db8::2]:38689", "2001:db8::2", Some(38689)),
            (
                "[fe80::19bd:c588:dd17:5226%6]",
                "fe80::19bd:c588:dd17:5226",
                None,
            ),
            ("[::ffff:192.0.2.7]", "::ffff:192.0.2.7", None),
            ("[IPv6:::ffff:192.0.2.7]", "::ffff:192.0.2.7", None),
        ];

        for (text, address, port) in cases {
            assert_eq!(ip(text), Some((address.to_string(), port)), "{text}");
        }
    }

    #[test]
    fn ipv6_forms_match_the_standard_library() {
        for text in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::8",
            "1::2::3",
            ":1::2",
            "1:2:3:4:5:6:7:8:9",
            "12345::1",
            "::ffff:192.0.2.1",
            "1:2:3:4:5:6:192.0.2.1",
            "1:2:3:4:5:6:7:192.0.2.1",
            "::1.2.3",
            "1:",
            ":",
            "",
            "fe80::1",
            "FE80::ABCD",
            "1:::2",
            "::g",
        ] {
            let ours = ipv6(text.as_bytes());
            assert_eq!(ours, text.parse().ok(), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn address_parsers_agree_with_the_standard_library(text in "[0-9a-fA-F:.]{0,24}") {
            proptest::prop_assert_eq!(ipv4(text.as_bytes()), text.parse().ok());
            proptest::prop_assert_eq!(ipv6(text.as_bytes()), text.parse().ok());
        }

        #[test]
        fn every_address_reads_back_from_its_text(octets in proptest::prelude::any::<[u8; 16]>()) {
            let v6 = Ipv6Addr::from(octets);
            let v4 = Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]);

            proptest::prop_assert_eq!(ipv6(v6.to_string().as_bytes()), Some(v6));
            proptest::prop_assert_eq!(ipv4(v4.to_string().as_bytes()), Some(v4));
        }
    }

    #[test]
    fn names_and_placeholders_are_not_addresses() {
        for text in [
            "mx.example.com",
            "[local]",
            "[?.?.?.?]",
            "[unix socket]",
            "[265.6.8]",
            "192.0.2.1.25",
            "[192.0.2.1]x",
            "deadbeef",
            "",
        ] {
            assert_eq!(parse_ip(text), None, "{text}");
        }
    }

    #[test]
    fn hosts_and_domains_are_told_from_other_words() {
        assert!(is_host_name("mx.example.com") && is_host_name("OTM-MIX"));
        assert!(is_host_name("HUB01/Example"));
        assert!(!is_host_name("user@example.com") && !is_host_name(""));
        assert!(!is_host_name("[192.0.2.1]"));

        assert!(is_domain("mail.example.org.") && is_domain("localhost"));
        assert!(!is_domain("unknown") && !is_domain("192.0.2.1") && !is_domain(".example"));
        assert!(!is_domain("a/b.example"));
    }
}
