//! Fast paths of the evaluation: the terms that need no DNS (`all`, `ip4`,
//! `ip6`) matched straight from the record's bytes, and plain `include:`
//! terms recognized, without building a [`Term`](crate::Term). Each gives
//! up (`None`, `false`) on anything unusual, and the full parser of
//! [RFC 7208 §4.6.1](https://www.rfc-editor.org/rfc/rfc7208#section-4.6.1)
//! then decides and names the error.

use std::net::IpAddr;

use crate::Qualifier;
use crate::domain_spec::check_plain;
use crate::network::{ip4_in_network, ip6_in_network, parse_ip6_network, scan_dotted_quad};

/// The terms that need no DNS, read straight from their bytes: `all`,
/// `ip4` and `ip6` with an optional qualifier. Gives the qualifier in force
/// and whether the client matches, exactly as [`Term::parse`] and
/// [`Mechanism::network_contains`] would, without building a term. `None`
/// for any other term, and for such a term with a syntax error: the full
/// parser then decides, and names the error.
pub(crate) fn quick_match(term: &[u8], ip: IpAddr) -> Option<(Qualifier, bool)> {
    let (qualifier, matched, length) = quick_scan(term, ip)?;
    (length == term.len()).then_some((qualifier, matched))
}

/// Whether a term is `include:` with a domain-spec without macros that
/// [`Term::parse`] accepts: the record check's fast path for the most
/// common term that queries DNS.
pub(crate) fn is_plain_include(term: &str) -> bool {
    let unqualified = term.strip_prefix(['+', '-', '~', '?']).unwrap_or(term);
    let Some((name, domain)) = unqualified.split_at_checked(8) else {
        return false;
    };
    let plain = || !domain.is_empty() && check_plain(domain) == Some(Ok(()));
    name.eq_ignore_ascii_case("include:") && plain()
}

/// [`quick_match`] for the term at the start of `text`, which ends at the
/// first space or the end: the term is read in the same pass that finds
/// its end, whose offset comes third.
pub(crate) fn quick_scan(text: &[u8], ip: IpAddr) -> Option<(Qualifier, bool, usize)> {
    let (qualifier, start) = match text.first().and_then(|&byte| Qualifier::from_byte(byte)) {
        Some(qualifier) => (qualifier, 1),
        None => (Qualifier::Pass, 0),
    };

    let (matched, length) = match &text[start..] {
        [a, l, b'l' | b'L', rest @ ..]
            if (a | 0x20) == b'a' && (l | 0x20) == b'l' && ends_term(rest) =>
        {
            (true, 3)
        }
        [i, p, b'4', b':', rest @ ..] if (i | 0x20) == b'i' && (p | 0x20) == b'p' => {
            let (network, used) = scan_dotted_quad(rest)?;
            let (prefix, suffix) = scan_length(&rest[used..], 32)?;
            let matched = matches!(ip, IpAddr::V4(ip) if ip4_in_network(ip, network, prefix));
            (matched, 4 + used + suffix)
        }
        [i, p, b'6', b':', rest @ ..] if (i | 0x20) == b'i' && (p | 0x20) == b'p' => {
            let used = rest.iter().position(|&byte| byte == b'/' || byte == b' ');
            let used = used.unwrap_or(rest.len());
            let (prefix, suffix) = scan_length(&rest[used..], 128)?;
            let network = parse_ip6_network(&rest[..used])?;
            let matched = matches!(ip, IpAddr::V6(ip) if ip6_in_network(ip, network, prefix));
            (matched, 4 + used + suffix)
        }
        _ => return None,
    };
    Some((qualifier, matched, start + length))
}

/// Whether a term ends here: at a space or the end of the record.
fn ends_term(rest: &[u8]) -> bool {
    rest.first().is_none_or(|&byte| byte == b' ')
}

/// `[ "/" length ]` after a network, up to the end of the term: nothing for
/// the full length, else a slash and one to three digits without leading
/// zero, at most `max`. Gives the length and the bytes read.
fn scan_length(text: &[u8], max: u8) -> Option<(u8, usize)> {
    let digits = match text {
        [] | [b' ', ..] => return Some((max, 0)),
        [b'/', digits @ ..] => digits,
        _ => return None,
    };
    let (mut value, mut count) = (0u16, 0);
    for &byte in digits.iter().take(4) {
        let digit = byte.wrapping_sub(b'0');
        if digit >= 10 {
            break;
        }
        (value, count) = (value * 10 + u16::from(digit), count + 1);
    }

    let leading_zero = count > 1 && digits[0] == b'0';
    if count == 0 || count > 3 || leading_zero || !ends_term(&digits[count..]) {
        return None;
    }
    let length = u8::try_from(value).ok().filter(|&length| length <= max)?;
    Some((length, 1 + count))
}
