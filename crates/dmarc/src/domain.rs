//! Domain names as DMARC compares them, and the names the RFC 9989 DNS tree
//! walk visits (§4.10).

use std::borrow::Cow;

/// How many labels the tree walk jumps to after the first query when a name
/// has more (RFC 9989 §4.10: at most eight queries per walk).
pub const TREE_WALK_JUMP_LABELS: usize = 7;

/// A domain name as DMARC compares it: A-labels in lowercase, without a
/// trailing dot. `None` for what is not a host name: empty labels, an
/// address literal, a name IDNA cannot convert, or more than 253 octets.
///
/// ```
/// use mailtrail_dmarc::normalize_domain;
///
/// assert_eq!(normalize_domain("Mail.Example.COM.").as_deref(), Some("mail.example.com"));
/// assert_eq!(normalize_domain("bücher.example").as_deref(), Some("xn--bcher-kva.example"));
/// assert_eq!(normalize_domain("[192.0.2.1]"), None);
/// assert_eq!(normalize_domain("a..example"), None);
/// ```
pub fn normalize_domain(domain: &str) -> Option<Cow<'_, str>> {
    let domain = match domain.as_bytes().last() {
        Some(b'.') => &domain[..domain.len() - 1],
        _ => domain,
    };
    if !domain.is_ascii() {
        let ascii = idna::domain_to_ascii(domain).ok()?;
        return check_ascii(&ascii).map(|_| Cow::Owned(ascii));
    }
    match check_ascii(domain)? {
        true => Some(Cow::Owned(domain.to_ascii_lowercase())),
        false => Some(Cow::Borrowed(domain)),
    }
}

/// Checks an ASCII name in one pass: labels of 1 to 63 letters, digits,
/// `-` or `_`, 253 octets at most. Says whether it holds capitals.
fn check_ascii(domain: &str) -> Option<bool> {
    let bytes = domain.as_bytes();
    if bytes.len() > 253 {
        return None;
    }
    let mut capitals = false;
    let mut label_start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        match HOST_BYTES[usize::from(byte)] {
            LABEL => {}
            CAPITAL => capitals = true,
            DOT if at > label_start && at - label_start <= 63 => label_start = at + 1,
            _ => return None,
        }
    }
    let last_label = bytes.len() - label_start;
    (last_label > 0 && last_label <= 63).then_some(capitals)
}

/// What a byte is in a host name, for [`check_ascii`]: [`LABEL`] (a
/// lowercase letter, digit, `-` or `_`), [`CAPITAL`], [`DOT`], or 0.
static HOST_BYTES: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let character = byte as u8;
        table[byte] = match character {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => LABEL,
            b'A'..=b'Z' => CAPITAL,
            b'.' => DOT,
            _ => 0,
        };
        byte += 1;
    }
    table
};

/// A byte of a label that needs no lowercasing.
const LABEL: u8 = 1;
/// A capital letter.
const CAPITAL: u8 = 2;
/// The dot between labels.
const DOT: u8 = 3;

/// The name above `domain`: without its first label; `None` for a
/// top-level name.
fn parent(domain: &str) -> Option<&str> {
    let dot = domain.bytes().position(|byte| byte == b'.')?;
    Some(&domain[dot + 1..])
}

/// The number of labels of a normalized name.
pub(crate) fn label_count(domain: &str) -> usize {
    domain.bytes().filter(|byte| *byte == b'.').count() + 1
}

/// The last `labels` labels of a normalized name.
pub(crate) fn last_labels(domain: &str, labels: usize) -> &str {
    let total = label_count(domain);
    let mut rest = domain;
    for _ in labels..total {
        rest = parent(rest).unwrap_or("");
    }
    rest
}

/// Whether `domain` is `ancestor` or below it (both normalized).
pub(crate) fn is_within(domain: &str, ancestor: &str) -> bool {
    domain == ancestor
        || domain
            .strip_suffix(ancestor)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// The names the RFC 9989 tree walk visits for `domain`, most specific
/// first: the name itself, then, if it has more than
/// [`TREE_WALK_JUMP_LABELS`] labels, its last seven labels, then one label
/// fewer each time down to the top-level domain.
///
/// ```
/// use mailtrail_dmarc::tree_walk;
///
/// let names: Vec<_> = tree_walk("a.b.c.d.e.f.g.h.example.com").collect();
/// assert_eq!(
///     names,
///     ["a.b.c.d.e.f.g.h.example.com", "d.e.f.g.h.example.com", "e.f.g.h.example.com",
///      "f.g.h.example.com", "g.h.example.com", "h.example.com", "example.com", "com"],
/// );
/// assert_eq!(tree_walk("mail.example.com").count(), 3);
/// ```
pub fn tree_walk(domain: &str) -> impl Iterator<Item = &str> {
    // One label fewer each step, cut from the left; only the jump needs the
    // label count.
    let mut jump = label_count(domain) > TREE_WALK_JUMP_LABELS;
    let mut next = Some(domain);
    std::iter::from_fn(move || {
        let current = next?;
        next = if jump {
            jump = false;
            Some(last_labels(domain, TREE_WALK_JUMP_LABELS))
        } else {
            parent(current)
        };
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_walk_of_eight_labels_jumps_to_seven() {
        let names: Vec<_> = tree_walk("a.b.c.d.e.f.example.com").collect();
        assert_eq!(names.len(), 8);
        assert_eq!(names[1], "b.c.d.e.f.example.com");
    }

    #[test]
    fn tree_walk_never_exceeds_eight_queries() {
        let long = "l.".repeat(120) + "example";
        assert_eq!(tree_walk(&long).count(), 8);
        assert_eq!(tree_walk("com").collect::<Vec<_>>(), ["com"]);
    }

    #[test]
    fn within_compares_whole_labels() {
        assert!(is_within("mail.example.com", "example.com"));
        assert!(is_within("example.com", "example.com"));
        assert!(!is_within("badexample.com", "example.com"));
    }

    #[test]
    fn last_labels_counts_from_the_right() {
        assert_eq!(last_labels("a.b.example.com", 2), "example.com");
        assert_eq!(last_labels("a.b.example.com", 4), "a.b.example.com");
    }
}
