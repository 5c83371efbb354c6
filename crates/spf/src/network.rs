//! The IP networks of `ip4` and `ip6` ([RFC 7208 §5.6]): the dotted quad
//! and the IPv6 text forms of RFC 4291 §2.2, each read in one pass without
//! allocation, and whether a network holds an address.
//!
//! [RFC 7208 §5.6]: https://www.rfc-editor.org/rfc/rfc7208#section-5.6

use std::net::{Ipv4Addr, Ipv6Addr};

/// `ip4-network = qnum "." qnum "." qnum "." qnum`, each 0 to 255 without
/// leading zeros. One pass over the bytes.
pub(crate) fn parse_dotted_quad(text: &[u8]) -> Option<Ipv4Addr> {
    let (address, used) = scan_dotted_quad(text)?;
    (used == text.len()).then_some(address)
}

/// The `ip4-network` at the start of `text`, up to a slash, a space or the
/// end, and how many bytes it took; `None` when anything else ends it.
pub(crate) fn scan_dotted_quad(text: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let (mut address, mut octet, mut digits, mut dots) = (0u32, 0u32, 0, 0);
    let mut used = 0;

    for &byte in text {
        let digit = byte.wrapping_sub(b'0');
        if digit < 10 && digits < 3 {
            (octet, digits, used) = (octet * 10 + u32::from(digit), digits + 1, used + 1);
            continue;
        }
        if byte != b'.' {
            break;
        }
        if dots == 3 || !is_octet(octet, digits) {
            return None;
        }
        (address, octet, digits, dots, used) = ((address << 8) | octet, 0, 0, dots + 1, used + 1);
    }

    let ends = matches!(text.get(used), None | Some(b'/' | b' '));
    let complete = ends && dots == 3 && is_octet(octet, digits);
    complete.then(|| (Ipv4Addr::from((address << 8) | octet), used))
}

/// Whether one to three digits of this value make a `qnum`: at most 255,
/// without a leading zero.
fn is_octet(value: u32, digits: usize) -> bool {
    match digits {
        1 => true,
        2 => value >= 10,
        3 => (100..=255).contains(&value),
        _ => false,
    }
}

/// `ip6-network` (§5.6): the text forms of RFC 4291 §2.2, eight groups of
/// one to four hex digits, one `::` standing for one or more zero groups,
/// and an optional dotted quad in place of the last two groups. One pass
/// over the groups, without allocation.
pub(crate) fn parse_ip6_network(bytes: &[u8]) -> Option<Ipv6Addr> {
    let mut groups = [0u16; 8];
    let (mut count, mut gap) = (0, None);
    let mut position = 0;

    if bytes.starts_with(b"::") {
        gap = Some(0);
        position = 2;
    }
    while position < bytes.len() {
        let (value, end) = hex_group(bytes, position);
        if bytes.get(end) == Some(&b'.') {
            let quad = parse_dotted_quad(&bytes[position..])?.octets();
            *groups.get_mut(count)? = u16::from_be_bytes([quad[0], quad[1]]);
            *groups.get_mut(count + 1)? = u16::from_be_bytes([quad[2], quad[3]]);
            count += 2;
            break;
        }
        if !(position + 1..=position + 4).contains(&end) || end < bytes.len() && bytes[end] != b':'
        {
            return None;
        }
        *groups.get_mut(count)? = value;
        count += 1;

        position = end + 1;
        if bytes.get(position) == Some(&b':') {
            if gap.is_some() {
                return None;
            }
            gap = Some(count);
            position += 1;
        } else if position == bytes.len() {
            return None;
        }
    }
    expand_gap(groups, count, gap)
}

/// The hex digits from `start` (at most five are read, so that too many
/// show) as a number, and where they end.
fn hex_group(bytes: &[u8], start: usize) -> (u16, usize) {
    let mut value = 0u16;
    let mut end = start;

    for &byte in bytes.iter().skip(start).take(5) {
        let Some(digit) = hex_digit(byte) else {
            break;
        };
        value = value.wrapping_shl(4) | u16::from(digit);
        end += 1;
    }
    (value, end)
}

/// The value of a hex digit, in either case.
fn hex_digit(byte: u8) -> Option<u8> {
    let digit = byte.wrapping_sub(b'0');
    if digit < 10 {
        return Some(digit);
    }
    let letter = (byte | 0x20).wrapping_sub(b'a');
    (letter < 6).then_some(letter + 10)
}

/// Places the groups read after `::` at the end; `::` stands for at least
/// one zero group. Without `::` there must be eight groups. The groups are
/// shifted into place as one number, without moving them in memory.
fn expand_gap(groups: [u16; 8], count: usize, gap: Option<usize>) -> Option<Ipv6Addr> {
    let Some(gap) = gap else {
        return (count == 8).then_some(Ipv6Addr::from(groups));
    };
    if count > 7 {
        return None;
    }

    let number = |groups: &[u16]| {
        let fold = |number: u128, &group: &u16| (number << 16) | u128::from(group);
        groups.iter().fold(0, fold)
    };
    let shift = 16 * (8 - gap as u32);
    let head = number(&groups[..gap]).checked_shl(shift).unwrap_or(0);
    Some(Ipv6Addr::from(head | number(&groups[gap..count])))
}

/// Whether `ip` is in `network/length`.
pub(crate) fn ip4_in_network(ip: Ipv4Addr, network: Ipv4Addr, length: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(length)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(network) & mask
}

/// Whether `ip` is in `network/length`.
pub(crate) fn ip6_in_network(ip: Ipv6Addr, network: Ipv6Addr, length: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(length)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(network) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_networks_parse_as_the_standard_library_does() {
        let cases = [
            "::",
            "::1",
            "1::",
            "2001:db8::",
            "2001:db8::cb01",
            "2001:db8:0:0:1:0:0:1",
            "::ffff:192.0.2.1",
            "::1.1.1.1",
            "64:ff9b::192.0.2.33",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "Cafe:Babe:8000::",
            "1::2:3:4:5:6:7",
            ":1::",
            "1:::2",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "12345::",
            "g::",
            "::1.2.3",
            "::01.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "",
            ":",
            "1:",
            ":1",
            "::1:",
            "1.2.3.4",
            "::1.2.3.4:5",
            "1::2:3:4:5:6:7:8",
        ];
        for case in cases {
            assert_eq!(
                parse_ip6_network(case.as_bytes()),
                case.parse().ok(),
                "{case:?}"
            );
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ipv6_parser_agrees_with_the_standard_library(text in "[0-9a-fA-F:.]{0,42}") {
            prop_assert_eq!(super::parse_ip6_network(text.as_bytes()), text.parse().ok());
        }

        #[test]
        fn dotted_quad_parser_agrees_with_the_standard_library(text in "[0-9.]{0,18}") {
            prop_assert_eq!(super::parse_dotted_quad(text.as_bytes()), text.parse().ok());
        }

        #[test]
        fn ipv6_with_a_dotted_quad_agrees_with_the_standard_library(
            text in "[0-9a-f:]{0,24}[0-9.]{0,16}",
        ) {
            prop_assert_eq!(super::parse_ip6_network(text.as_bytes()), text.parse().ok());
        }

        #[test]
        fn printed_ipv4_addresses_read_back(bits in any::<u32>()) {
            let address = std::net::Ipv4Addr::from(bits);
            prop_assert_eq!(super::parse_dotted_quad(address.to_string().as_bytes()), Some(address));
        }

        #[test]
        fn printed_ipv6_addresses_read_back(bits in any::<u128>()) {
            let address = std::net::Ipv6Addr::from(bits);
            prop_assert_eq!(super::parse_ip6_network(address.to_string().as_bytes()), Some(address));
        }
    }
}
