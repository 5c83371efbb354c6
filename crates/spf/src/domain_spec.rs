//! The `domain-spec` of mechanisms and modifiers ([RFC 7208 §4.8], §7.1): a
//! macro-string that must end in a macro or in a dot and a valid top label,
//! and its expansion to the target name of a DNS query.
//!
//! [RFC 7208 §4.8]: https://www.rfc-editor.org/rfc/rfc7208#section-4.8

use std::borrow::Cow;
use std::fmt;

use crate::macros::{self, MacroString, MacroToken, MacroValues, truncate_domain};

/// A `domain-spec = macro-string domain-end` (§7.1), where
/// `domain-end = ( "." toplabel [ "." ] ) / macro-expand`.
///
/// The grammar is checked when the record is parsed; what the expansion gives
/// is not (§7.1: a name made unusable by expansion is simply not found).
///
/// ```
/// use mailtrail_spf::{DomainSpec, MacroValues};
///
/// let spec = DomainSpec::parse("%{ir}.%{v}._spf.%{d2}")?;
/// let values = MacroValues::new("192.0.2.3".parse()?, "user@email.example.com", "email.example.com");
/// assert_eq!(spec.expand(&values), "3.2.0.192.in-addr._spf.example.com");
///
/// assert!(DomainSpec::parse("museum").is_err());
/// assert!(DomainSpec::parse("example.123").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainSpec<'a>(MacroString<'a>);

impl<'a> DomainSpec<'a> {
    /// Parses a domain-spec; the error says what is wrong.
    pub fn parse(text: &'a str) -> Result<Self, &'static str> {
        if text.is_empty() {
            return Err("empty domain-spec");
        }
        if let Some(checked) = check_plain(text) {
            return checked.map(|()| Self(MacroString::checked(text)));
        }
        macros::validate(text, false)?;
        check_domain_end(text)?;
        Ok(Self(MacroString::checked(text)))
    }

    /// A domain-spec already known to be valid: part of a record that
    /// parsed.
    pub(crate) fn known_valid(text: &'a str) -> Self {
        Self(MacroString::checked(text))
    }

    /// The macro-string.
    pub fn macro_string(&self) -> &MacroString<'a> {
        &self.0
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Expands the macros and truncates the result to 253 octets by removing
    /// labels on the left (§7.3). Without macros the text is borrowed.
    pub fn expand(&self, values: &MacroValues<'_>) -> Cow<'_, str> {
        if self.0.is_literal() {
            return Cow::Borrowed(truncate_domain(self.as_str()));
        }

        let expanded = self.0.expand(values);
        let kept = truncate_domain(&expanded).len();
        if kept == expanded.len() {
            Cow::Owned(expanded)
        } else {
            Cow::Owned(expanded[expanded.len() - kept..].to_owned())
        }
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> DomainSpec<'static> {
        DomainSpec(self.0.into_owned())
    }
}

impl fmt::Display for DomainSpec<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Checks a domain-spec in one pass while it holds no `%`: every byte a
/// literal character, and the text ending in a dot and a top label, with at
/// most one more dot. Gives the errors [`macros::validate`] and
/// [`check_domain_end`] would give; `None` at a `%` before any error, for
/// the full check to decide.
pub(crate) fn check_plain(text: &str) -> Option<Result<(), &'static str>> {
    for &byte in text.as_bytes() {
        if byte == b'%' {
            return None;
        }
        if !macros::is_literal(byte, false) {
            return Some(Err(if byte == b' ' {
                "space outside an explanation"
            } else {
                "character not allowed in a macro-string"
            }));
        }
    }
    Some(check_top_label(text))
}

/// The literal end of a domain-spec: a dot, a top label, at most one more
/// dot.
fn check_top_label(text: &str) -> Result<(), &'static str> {
    let tail = text.strip_suffix('.').unwrap_or(text);
    let Some(dot) = tail.bytes().rposition(|byte| byte == b'.') else {
        return Err("no dot before the top label");
    };
    if is_top_label(&tail[dot + 1..]) {
        Ok(())
    } else {
        Err("invalid top label")
    }
}

/// Checks `domain-end`: the string ends in a macro-expand, or its literal tail
/// holds a dot followed by a top label and at most one more dot.
fn check_domain_end(text: &str) -> Result<(), &'static str> {
    let checked = MacroString::checked(text);
    match checked.tokens().last() {
        Some(MacroToken::Literal(tail)) => check_top_label(tail),
        _ => Ok(()),
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) /
/// ( 1*alphanum "-" *( alphanum / "-" ) alphanum )` (§7.1).
fn is_top_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };

    let all_alphanumeric = bytes.iter().all(u8::is_ascii_alphanumeric);
    if all_alphanumeric {
        return bytes.iter().any(u8::is_ascii_alphabetic);
    }

    let letters_digits_hyphens = bytes
        .iter()
        .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-');
    letters_digits_hyphens && first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_labels_follow_the_abnf() {
        for good in ["com", "xn--zckzah", "a1", "1a", "1-2", "museum"] {
            assert!(is_top_label(good), "{good}");
        }
        for bad in ["", "123", "-com", "com-", "com:8080", "c_m", "com/24"] {
            assert!(!is_top_label(bad), "{bad}");
        }
    }

    #[test]
    fn domain_end_is_a_macro_or_a_dotted_top_label() {
        for good in [
            "example.com",
            "example.com.",
            "%{d}",
            "foo.%{d}",
            "%{d}.com",
            ".com",
            "foo%%",
            "x.%-",
        ] {
            assert!(DomainSpec::parse(good).is_ok(), "{good}");
        }
        let bad = [
            "",
            "museum",
            "museum.",
            "foo-bar",
            "abc.123",
            "example.-com",
            "example.com:8080",
            "%{d}com",
            "foo.example.com\0",
            "ip5.example.com/24",
            "%{c}.example.com",
        ];
        for bad in bad {
            assert!(DomainSpec::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn literal_specs_expand_without_copying() {
        let spec = DomainSpec::parse("_spf.example.com").unwrap();
        let values = MacroValues::new("192.0.2.1".parse().unwrap(), "a@b.example", "b.example");

        assert!(matches!(
            spec.expand(&values),
            Cow::Borrowed("_spf.example.com")
        ));
    }

    #[test]
    fn expansion_is_truncated_to_253_octets() {
        let domain = format!(
            "{}.{}.{}.{}.example",
            "a".repeat(60),
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(60)
        );
        let spec = DomainSpec::parse("%{d}.%{d}").unwrap();
        let values = MacroValues::new("192.0.2.1".parse().unwrap(), "x@example", &domain);

        let expanded = spec.expand(&values);
        assert!(expanded.len() <= 253, "{}", expanded.len());
        assert!(expanded.ends_with(&domain));
    }
}
