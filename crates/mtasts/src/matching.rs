//! MX host matching ([RFC 8461 §4.1]) and what a policy's mode means for
//! delivery to each host of a domain's MX set ([RFC 8461 §5]).
//!
//! A pattern is a host name, or `*.` and a host name; the wildcard stands
//! for exactly one label, the left-most. Names compare without regard to
//! ASCII case and to a trailing dot; internationalized names compare as
//! A-labels.
//!
//! [RFC 8461 §4.1]: https://www.rfc-editor.org/rfc/rfc8461#section-4.1
//! [RFC 8461 §5]: https://www.rfc-editor.org/rfc/rfc8461#section-5

use std::borrow::Cow;
use std::fmt;

use crate::domain::{is_domain, normalize_host};
use crate::{Mode, Policy};

/// One `mx` pattern of a policy.
///
/// ```
/// use mailtrail_mtasts::MxPattern;
///
/// let pattern = MxPattern::new("*.Example.COM").unwrap();
/// assert!(pattern.matches("mx1.example.com"));
/// assert!(pattern.matches("MX1.EXAMPLE.COM."));
/// assert!(!pattern.matches("example.com"));
/// assert!(!pattern.matches("a.mx1.example.com"));
///
/// let idn = MxPattern::new("ñaca.com").unwrap();
/// assert_eq!(idn.as_str(), "xn--aca-6ma.com");
/// assert!(idn.matches("Ñaca.com"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MxPattern<'a> {
    /// The pattern in ASCII, without a trailing dot.
    text: Cow<'a, str>,
}

impl<'a> MxPattern<'a> {
    /// A pattern from text given by a caller rather than read from a policy
    /// file: U-labels are converted to A-labels, capitals lowered and a
    /// trailing dot dropped. `None` when the text is not a host name,
    /// optionally after `*.`.
    pub fn new(text: &str) -> Option<MxPattern<'static>> {
        let (wildcard, name) = match text.strip_prefix("*.") {
            Some(name) => (true, name),
            None => (false, text),
        };
        let name = normalize_host(name)?;
        let text = match wildcard {
            true => format!("*.{name}"),
            false => name.into_owned(),
        };
        Some(MxPattern {
            text: Cow::Owned(text),
        })
    }

    /// A pattern the policy parser has checked: ASCII, `["*."] Domain`.
    pub(crate) const fn from_checked(text: Cow<'a, str>) -> Self {
        Self { text }
    }

    /// The pattern as written (in ASCII, without a trailing dot).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern starts with `*.`.
    pub fn is_wildcard(&self) -> bool {
        self.text.starts_with("*.")
    }

    /// Whether `host`, an MX host name, matches the pattern (§4.1): equal
    /// names, or for `*.rest` a host of one more label than `rest` that
    /// ends in it. The host's trailing dot and case do not matter; a host
    /// with non-ASCII characters is compared by its A-labels, and one that
    /// is not a host name matches nothing.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host);
        let host = match host.is_ascii() {
            true => Cow::Borrowed(host),
            false => match normalize_host(host) {
                Some(host) => host,
                None => return false,
            },
        };

        match self.text.strip_prefix("*.") {
            Some(suffix) => host
                .split_once('.')
                .is_some_and(|(first, rest)| rest.eq_ignore_ascii_case(suffix) && is_domain(first)),
            None => host.eq_ignore_ascii_case(&self.text),
        }
    }

    /// The pattern with its text copied.
    pub fn into_owned(self) -> MxPattern<'static> {
        MxPattern {
            text: Cow::Owned(self.text.into_owned()),
        }
    }
}

impl fmt::Display for MxPattern<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MxPattern<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// The verdict of a policy on one MX host.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MxVerdict<'h> {
    /// The MX preference.
    pub preference: u16,
    /// The MX host, as DNS gave it.
    pub host: &'h str,
    /// Whether the host matches one of the policy's `mx` patterns.
    pub allowed: bool,
    /// What a sender does with this host under the policy's mode.
    pub delivery: Delivery,
}

/// What a compliant sender does with one MX host (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Delivery {
    /// The host matches: deliver, over TLS with a certificate valid for the
    /// host name (§4.2); in `enforce` mode, not otherwise.
    Deliver,
    /// `testing` mode and the host does not match: deliver, and report the
    /// failure through TLS-RPT.
    DeliverAndReport,
    /// `enforce` mode and the host does not match: do not deliver to it.
    Refuse,
    /// `none` mode: the domain has no policy; deliver as without MTA-STS.
    NoPolicy,
}

impl Delivery {
    /// The delivery for a host that does or does not match, under `mode`.
    pub const fn for_host(mode: Mode, allowed: bool) -> Self {
        match (mode, allowed) {
            (Mode::None, _) => Self::NoPolicy,
            (_, true) => Self::Deliver,
            (Mode::Testing, false) => Self::DeliverAndReport,
            (Mode::Enforce, false) => Self::Refuse,
        }
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Deliver => "deliver",
            Self::DeliverAndReport => "deliver and report",
            Self::Refuse => "refuse",
            Self::NoPolicy => "no policy",
        })
    }
}

impl Policy<'_> {
    /// The verdict on each host of an MX set, given as
    /// `(preference, host)` pairs, in the order given.
    ///
    /// ```
    /// use mailtrail_mtasts::{Delivery, Policy};
    ///
    /// let policy = Policy::parse("version: STSv1\nmode: enforce\nmx: *.new-seg-vendor.com\nmax_age: 604800")?;
    /// let verdicts = policy.check_mx([
    ///     (10, "mx1.new-seg-vendor.com."),
    ///     (50, "mta.old-vendor.com."),
    /// ]);
    ///
    /// assert!(verdicts[0].allowed);
    /// assert_eq!(verdicts[1].delivery, Delivery::Refuse);
    /// # Ok::<(), mailtrail_mtasts::PolicyError>(())
    /// ```
    pub fn check_mx<'h>(&self, mx: impl IntoIterator<Item = (u16, &'h str)>) -> Vec<MxVerdict<'h>> {
        mx.into_iter()
            .map(|(preference, host)| {
                let allowed = self.allows(host);
                MxVerdict {
                    preference,
                    host,
                    allowed,
                    delivery: Delivery::for_host(self.mode, allowed),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, host: &str) -> bool {
        MxPattern::new(pattern).is_some_and(|pattern| pattern.matches(host))
    }

    #[test]
    fn a_wildcard_matches_exactly_one_label() {
        assert!(matches("*.example.com", "mx.example.com"));
        assert!(!matches("*.example.com", "a.b.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(!matches("*.example.com", ".example.com"));
        assert!(!matches("*.example.com", "mx.badexample.com"));
    }

    #[test]
    fn a_wildcard_is_only_a_pattern_not_a_host() {
        assert!(!matches("*.example.com", "*.example.com"));
        assert!(MxPattern::new("mx.*.example.com").is_none());
        assert!(MxPattern::new("*mx.example.com").is_none());
    }

    #[test]
    fn hosts_that_are_not_host_names_match_nothing() {
        assert!(!matches("example.com", ""));
        assert!(!matches("*.example.com", "m\u{fffd}.example.com"));
    }

    #[test]
    fn mode_decides_the_delivery_of_a_host_that_does_not_match() {
        assert_eq!(Delivery::for_host(Mode::Enforce, false), Delivery::Refuse);
        assert_eq!(
            Delivery::for_host(Mode::Testing, false),
            Delivery::DeliverAndReport
        );
        assert_eq!(Delivery::for_host(Mode::None, true), Delivery::NoPolicy);
        assert_eq!(Delivery::for_host(Mode::Testing, true), Delivery::Deliver);
    }
}
