//! Host names as MTA-STS compares them ([RFC 8461 §4.1]): A-labels without
//! regard to case and without the trailing dot, and the `Domain` syntax of
//! [RFC 5321 §4.1.2] that policy `mx` patterns are written in.
//!
//! DMARC's normalization (mailtrail-dmarc) accepts `_` in labels because
//! `_dmarc` names carry it; an MX host is a host name, so here every label is
//! letters, digits and inner hyphens.
//!
//! [RFC 8461 §4.1]: https://www.rfc-editor.org/rfc/rfc8461#section-4.1
//! [RFC 5321 §4.1.2]: https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2

use std::borrow::Cow;

/// The longest host name, without the trailing dot.
const MAX_NAME_LEN: usize = 253;

/// The longest label.
const MAX_LABEL_LEN: usize = 63;

/// A host name as MTA-STS compares it: lowercase A-labels without the
/// trailing dot. `None` for what is not a host name: empty labels, labels
/// with characters other than letters, digits and inner hyphens, a name
/// IDNA cannot convert, or one longer than 253 octets.
///
/// ```
/// use mailtrail_mtasts::normalize_host;
///
/// assert_eq!(normalize_host("MX1.Example.COM.").as_deref(), Some("mx1.example.com"));
/// assert_eq!(normalize_host("ñaca.com").as_deref(), Some("xn--aca-6ma.com"));
/// assert_eq!(normalize_host("Ñaca.com").as_deref(), Some("xn--aca-6ma.com"));
/// assert_eq!(normalize_host("mx_1.example.com"), None);
/// assert_eq!(normalize_host("a..example"), None);
/// ```
pub fn normalize_host(host: &str) -> Option<Cow<'_, str>> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if !host.is_ascii() {
        let ascii = idna::domain_to_ascii(host).ok()?;
        return is_domain(&ascii).then_some(Cow::Owned(ascii));
    }

    if !is_domain(host) {
        return None;
    }
    match host.bytes().any(|byte| byte.is_ascii_uppercase()) {
        true => Some(Cow::Owned(host.to_ascii_lowercase())),
        false => Some(Cow::Borrowed(host)),
    }
}

/// Whether `text` is an RFC 5321 `Domain` of ASCII labels: each label a
/// letter or digit, then letters, digits and hyphens, ending in a letter or
/// digit, at most 63 octets; at most 253 octets in all. One pass over the
/// bytes: this runs for every `mx` line of every policy parsed.
pub(crate) fn is_domain(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_NAME_LEN {
        return false;
    }

    let mut label_start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        match CLASS[usize::from(byte)] {
            LDH => {}
            DOT if ends_label(bytes, label_start, index) => label_start = index + 1,
            _ => return false,
        }
    }
    ends_label(bytes, label_start, bytes.len())
}

/// Whether `bytes[start..end]` is a label of 1 to 63 letters, digits and
/// hyphens (already checked) neither starting nor ending with a hyphen.
fn ends_label(bytes: &[u8], start: usize, end: usize) -> bool {
    end > start && end - start <= MAX_LABEL_LEN && bytes[start] != b'-' && bytes[end - 1] != b'-'
}

/// Byte classes of host names: [`LDH`] for letters, digits and hyphens,
/// [`DOT`] for the dot, 0 for everything else.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let character = byte as u8;
        if character.is_ascii_alphanumeric() || character == b'-' {
            table[byte] = LDH;
        }
        byte += 1;
    }
    table[b'.' as usize] = DOT;
    table
};

/// A letter, digit or hyphen.
const LDH: u8 = 1;

/// The dot between labels.
const DOT: u8 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_must_start_and_end_with_a_letter_or_digit() {
        assert!(is_domain("mx-1.example.com"));
        assert!(is_domain("1mx.example"));
        assert!(!is_domain("test.example-"));
        assert!(!is_domain("-mx.example"));
        assert!(!is_domain("*.example"));
        assert!(!is_domain(""));
    }

    #[test]
    fn empty_labels_are_refused_wherever_they_are() {
        assert!(!is_domain(".example"));
        assert!(!is_domain("example."));
        assert!(!is_domain("a..example"));
        assert!(!is_domain("a-.example"));
    }

    #[test]
    fn length_limits_apply_to_labels_and_names() {
        assert!(is_domain(&"a".repeat(63)));
        assert!(!is_domain(&"a".repeat(64)));
        let long = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(62),
        ]
        .join(".");
        assert_eq!(long.len(), 254);
        assert!(!is_domain(&long));
    }

    #[test]
    fn lowercase_ascii_names_are_borrowed() {
        assert!(matches!(
            normalize_host("mx.example.com."),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(
            normalize_host("MX.example.com"),
            Some(Cow::Owned(_))
        ));
    }
}
