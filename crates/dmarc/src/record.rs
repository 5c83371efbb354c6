//! The DMARC policy record: its tags as typed values, and printing.
//!
//! The tag-value syntax is DKIM's ([RFC 6376 §3.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.2));
//! the tags are those of RFC 9989 §4.7, plus `pct`, `rf` and `ri` of
//! [RFC 7489 §6.3](https://www.rfc-editor.org/rfc/rfc7489#section-6.3),
//! which RFC 9989 removed and which are kept here as legacy. Reading is in
//! [`crate::parse`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use mailtrail_message::Deviation;

use crate::Mode;

/// The value of the version tag, `v=DMARC1`, which must come first.
pub const VERSION: &str = "DMARC1";

/// A parsed DMARC record.
///
/// Every field holds what the record wrote, `None` when the tag is absent
/// or its value invalid (the deviation then says which). The methods apply
/// the defaults. Equality compares the tag values and the deviations.
///
/// ```
/// use mailtrail_dmarc::{Alignment, Mode, Policy, Record};
///
/// let record: Record = "v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:d@example.com!10m"
///     .parse()
///     .unwrap();
///
/// assert_eq!(record.policy, Some(Policy::Reject));
/// assert_eq!(record.dkim_alignment(), Alignment::Strict);
/// assert_eq!(record.spf_alignment(), Alignment::Relaxed);
/// let uri = record.aggregate_reports.as_ref().unwrap().iter().next().unwrap();
/// assert_eq!((uri.uri, uri.max_size), ("mailto:d@example.com", Some(10 << 20)));
/// assert_eq!(record.policies(Mode::Rfc9989).unwrap().subdomain, Policy::Quarantine);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Record<'a> {
    /// The `p=` tag: the Domain Owner Assessment Policy.
    pub policy: Option<Policy>,
    /// The `sp=` tag: the policy for subdomains that exist.
    pub subdomain_policy: Option<Policy>,
    /// The `np=` tag: the policy for subdomains that do not exist (RFC 9989).
    pub nonexistent_policy: Option<Policy>,
    /// The `adkim=` tag: DKIM identifier alignment.
    pub dkim_alignment: Option<Alignment>,
    /// The `aspf=` tag: SPF identifier alignment.
    pub spf_alignment: Option<Alignment>,
    /// The `fo=` tag: failure reporting options.
    pub failure_options: Option<FailureOptions>,
    /// The `rua=` tag: where aggregate reports go.
    pub aggregate_reports: Option<ReportUris<'a>>,
    /// The `ruf=` tag: where failure reports go.
    pub failure_reports: Option<ReportUris<'a>>,
    /// The `psd=` tag: whether the domain is a public suffix (RFC 9989).
    pub public_suffix: Option<PublicSuffix>,
    /// The `t=` tag: whether the domain owner is testing its policy (RFC 9989).
    pub testing: Option<bool>,
    /// The `pct=` tag of RFC 7489 (removed by RFC 9989): the percentage of
    /// failing messages the policy applies to.
    pub percent: Option<u8>,
    /// The `rf=` tag of RFC 7489 (removed by RFC 9989): failure report
    /// formats, as written.
    pub report_formats: Option<Cow<'a, str>>,
    /// The `ri=` tag of RFC 7489 (removed by RFC 9989): seconds between
    /// aggregate reports.
    pub report_interval: Option<u32>,
    /// What the record wrote that a strict reader would not accept, and
    /// which rule was applied to it.
    pub deviations: Vec<Deviation<DeviationKind>>,
}

/// A policy: what the domain owner asks receivers to do with failing mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Policy {
    /// No action: monitor only.
    None,
    /// Treat failing mail as suspicious (a spam folder, say).
    Quarantine,
    /// Reject failing mail during the SMTP transaction.
    Reject,
}

/// Identifier alignment mode (`adkim=`, `aspf=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Alignment {
    /// `r`: the two domains share an organizational domain (the default).
    #[default]
    Relaxed,
    /// `s`: the two domains are equal.
    Strict,
}

/// The `psd=` tag of RFC 9989.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum PublicSuffix {
    /// `y`: the domain is a public suffix domain; the domain one label
    /// below it is an organizational domain.
    Yes,
    /// `n`: the domain is an organizational domain; the tree walk stops.
    No,
    /// `u`: not said (the default).
    #[default]
    Unknown,
}

/// The `fo=` tag: which failures produce failure reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FailureOptions {
    /// `0`: when every mechanism fails to produce an aligned pass (default).
    pub all_fail: bool,
    /// `1`: when any mechanism produces something other than an aligned pass.
    pub any_fail: bool,
    /// `d`: when a DKIM signature fails, aligned or not.
    pub dkim: bool,
    /// `s`: when SPF fails, aligned or not.
    pub spf: bool,
}

/// The URIs of a `rua=` or `ruf=` tag, read from the record on demand.
///
/// Invalid URIs were reported as deviations when the record was parsed and
/// are skipped by [`iter`](Self::iter); equality compares the valid URIs.
/// An owned list shares its text, so cloning a record is cheap.
#[derive(Clone, Debug)]
pub struct ReportUris<'a> {
    text: UriText<'a>,
}

/// The text of a URI list: borrowed from the record, or shared.
#[derive(Clone, Debug)]
enum UriText<'a> {
    Borrowed(&'a str),
    Shared(Arc<str>),
}

/// One report destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReportUri<'a> {
    /// The URI, such as `mailto:dmarc@example.com`.
    pub uri: &'a str,
    /// The size limit after `!`, in octets, when one is given.
    pub max_size: Option<u64>,
    /// The limit as written after `!`, such as `10m`, for printing.
    pub max_size_text: Option<&'a str>,
}

/// The policies a record states once its defaults and the rules for missing
/// or invalid values are applied ([`Record::policies`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Policies {
    /// The policy for the domain itself.
    pub domain: Policy,
    /// The policy for subdomains that exist: `sp`, else `p`.
    pub subdomain: Policy,
    /// The policy for subdomains that do not exist: `np`, else `sp`, else `p`.
    pub nonexistent: Policy,
    /// Whether `p=none` was assumed because `p` (or, in RFC 7489 mode, `sp`)
    /// is missing or invalid while `rua` names a valid destination.
    pub assumed_none: bool,
}

/// Why a record states no policy: it has no valid `p` tag (in RFC 7489
/// mode, or an invalid `sp` tag) and no valid `rua` destination, so DMARC
/// does not apply (RFC 7489 §6.6.3; RFC 9989 keeps the rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the record has no valid p= tag and no valid rua= destination")]
pub struct NoPolicy;

/// A deviation in a DMARC record, and the rule applied to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "kind", content = "tag", rename_all = "snake_case")
)]
pub enum DeviationKind {
    /// A tag name written in capitals (`P=reject`): read as lowercase.
    UppercaseTagName,
    /// A tag value outside its grammar: the tag is ignored and its default
    /// applies (RFC 7489 §6.3, kept by RFC 9989).
    InvalidValue(Tag),
    /// One URI of `rua=` or `ruf=` is invalid: that URI is ignored.
    InvalidUri(Tag),
    /// A tag this reader does not know: ignored, as both RFCs require.
    UnknownTag,
}

/// The tags of a DMARC record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Tag {
    /// `v`, the version.
    V,
    /// `p`, the policy.
    P,
    /// `sp`, the subdomain policy.
    Sp,
    /// `np`, the non-existent subdomain policy.
    Np,
    /// `adkim`, DKIM alignment.
    Adkim,
    /// `aspf`, SPF alignment.
    Aspf,
    /// `fo`, failure reporting options.
    Fo,
    /// `rua`, aggregate report destinations.
    Rua,
    /// `ruf`, failure report destinations.
    Ruf,
    /// `psd`, the public suffix flag.
    Psd,
    /// `t`, the testing flag.
    T,
    /// `pct`, the RFC 7489 percentage.
    Pct,
    /// `rf`, the RFC 7489 report formats.
    Rf,
    /// `ri`, the RFC 7489 report interval.
    Ri,
}

impl Record<'_> {
    /// The DKIM alignment mode, relaxed unless `adkim=s`.
    pub fn dkim_alignment(&self) -> Alignment {
        self.dkim_alignment.unwrap_or_default()
    }

    /// The SPF alignment mode, relaxed unless `aspf=s`.
    pub fn spf_alignment(&self) -> Alignment {
        self.spf_alignment.unwrap_or_default()
    }

    /// The `psd=` flag, `u` when absent.
    pub fn public_suffix(&self) -> PublicSuffix {
        self.public_suffix.unwrap_or_default()
    }

    /// Whether `t=y`: the domain owner is testing its policy.
    pub fn is_testing(&self) -> bool {
        self.testing == Some(true)
    }

    /// The tags of RFC 7489 that RFC 9989 removed and that this record
    /// still writes (`pct`, `rf`, `ri`).
    pub fn legacy_tags(&self) -> Vec<Tag> {
        let present = [
            (self.percent.is_some(), Tag::Pct),
            (self.report_formats.is_some(), Tag::Rf),
            (self.report_interval.is_some(), Tag::Ri),
        ];
        present
            .into_iter()
            .filter(|(is, _)| *is)
            .map(|(_, tag)| tag)
            .collect()
    }

    /// Whether the value of `tag` was present but invalid.
    pub fn is_invalid(&self, tag: Tag) -> bool {
        self.deviations
            .iter()
            .any(|deviation| deviation.kind == DeviationKind::InvalidValue(tag))
    }

    /// The policies this record states, with its defaults and the rules for
    /// missing or invalid values of `mode` applied.
    ///
    /// A missing or invalid `p` (and, in RFC 7489 mode only, an invalid `sp`)
    /// is read as `p=none` when `rua` names at least one valid destination;
    /// without one, the record states no policy and DMARC does not apply
    /// (RFC 7489 §6.6.3, kept by RFC 9989). In RFC 9989 mode an invalid `sp`
    /// or `np` is ignored like any other invalid value.
    pub fn policies(&self, mode: Mode) -> Result<Policies, NoPolicy> {
        let subdomain_broken = mode == Mode::Rfc7489 && self.is_invalid(Tag::Sp);
        let has_destination = || {
            self.aggregate_reports
                .as_ref()
                .is_some_and(|uris| uris.iter().next().is_some())
        };

        match self.policy {
            Some(policy) if !subdomain_broken => {
                let subdomain = self.subdomain_policy.unwrap_or(policy);
                let nonexistent = self.nonexistent_policy.unwrap_or(subdomain);
                Ok(Policies {
                    domain: policy,
                    subdomain,
                    nonexistent,
                    assumed_none: false,
                })
            }
            _ if has_destination() => Ok(Policies {
                domain: Policy::None,
                subdomain: Policy::None,
                nonexistent: Policy::None,
                assumed_none: true,
            }),
            _ => Err(NoPolicy),
        }
    }

    /// Copies every borrowed text so the record outlives its input.
    pub fn into_owned(self) -> Record<'static> {
        Record {
            aggregate_reports: self.aggregate_reports.map(ReportUris::into_owned),
            failure_reports: self.failure_reports.map(ReportUris::into_owned),
            report_formats: self
                .report_formats
                .map(|text| Cow::Owned(text.into_owned())),
            policy: self.policy,
            subdomain_policy: self.subdomain_policy,
            nonexistent_policy: self.nonexistent_policy,
            dkim_alignment: self.dkim_alignment,
            spf_alignment: self.spf_alignment,
            failure_options: self.failure_options,
            public_suffix: self.public_suffix,
            testing: self.testing,
            percent: self.percent,
            report_interval: self.report_interval,
            deviations: self.deviations,
        }
    }
}

impl fmt::Display for Record<'_> {
    /// Writes the record's valid tags in the order of RFC 9989 §4.7, legacy
    /// tags last: `v=DMARC1; p=reject; ...`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "v={VERSION}")?;
        let mut tag = |name: &str, value: &dyn fmt::Display| write!(formatter, "; {name}={value}");

        if let Some(policy) = self.policy {
            tag("p", &policy)?;
        }
        if let Some(policy) = self.subdomain_policy {
            tag("sp", &policy)?;
        }
        if let Some(policy) = self.nonexistent_policy {
            tag("np", &policy)?;
        }
        if let Some(alignment) = self.dkim_alignment {
            tag("adkim", &alignment)?;
        }
        if let Some(alignment) = self.spf_alignment {
            tag("aspf", &alignment)?;
        }
        if let Some(options) = self.failure_options {
            tag("fo", &options)?;
        }
        if let Some(uris) = self
            .aggregate_reports
            .as_ref()
            .filter(|uris| !uris.is_empty())
        {
            tag("rua", uris)?;
        }
        if let Some(uris) = self
            .failure_reports
            .as_ref()
            .filter(|uris| !uris.is_empty())
        {
            tag("ruf", uris)?;
        }
        if let Some(flag) = self.public_suffix {
            tag("psd", &flag)?;
        }
        if let Some(testing) = self.testing {
            tag("t", &if testing { "y" } else { "n" })?;
        }
        if let Some(percent) = self.percent {
            tag("pct", &percent)?;
        }
        if let Some(formats) = &self.report_formats {
            tag("rf", formats)?;
        }
        if let Some(interval) = self.report_interval {
            tag("ri", &interval)?;
        }
        Ok(())
    }
}

impl Policy {
    /// The value as written in a record.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Quarantine => "quarantine",
            Self::Reject => "reject",
        }
    }

    /// The next less strict policy: what `t=y` applies (RFC 9989 §4.7).
    pub const fn relaxed(self) -> Self {
        match self {
            Self::Reject => Self::Quarantine,
            Self::Quarantine | Self::None => Self::None,
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Display for Alignment {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Relaxed => "r",
            Self::Strict => "s",
        })
    }
}

impl fmt::Display for PublicSuffix {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Yes => "y",
            Self::No => "n",
            Self::Unknown => "u",
        })
    }
}

impl FailureOptions {
    /// The default, `fo=0`.
    pub const DEFAULT: Self = Self {
        all_fail: true,
        any_fail: false,
        dkim: false,
        spf: false,
    };
}

impl fmt::Display for FailureOptions {
    /// Writes the options joined by `:`; no option at all is written `0`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let options = [
            (self.all_fail, "0"),
            (self.any_fail, "1"),
            (self.dkim, "d"),
            (self.spf, "s"),
        ];
        let mut written = 0;
        for (_, letter) in options.iter().filter(|(set, _)| *set) {
            if written > 0 {
                formatter.write_str(":")?;
            }
            formatter.write_str(letter)?;
            written += 1;
        }
        if written == 0 {
            formatter.write_str("0")?;
        }
        Ok(())
    }
}

impl<'a> ReportUris<'a> {
    /// Borrows the text of a `rua=` or `ruf=` value; the parser checked it.
    pub(crate) const fn borrowed(text: &'a str) -> Self {
        Self {
            text: UriText::Borrowed(text),
        }
    }

    /// The valid destinations, in the order written.
    pub fn iter(&self) -> impl Iterator<Item = ReportUri<'_>> + '_ {
        let text = match &self.text {
            UriText::Borrowed(text) => text,
            UriText::Shared(text) => &**text,
        };
        crate::parse::pieces(text, b',')
            .filter_map(|element| crate::uri::report_uri(element.trim_matches([' ', '\t'])))
    }

    /// Whether no destination is valid.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Copies the text so the list outlives its input.
    pub fn into_owned(self) -> ReportUris<'static> {
        let text = match self.text {
            UriText::Borrowed(text) => UriText::Shared(Arc::from(text)),
            UriText::Shared(text) => UriText::Shared(text),
        };
        ReportUris { text }
    }
}

impl PartialEq for ReportUris<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for ReportUris<'_> {}

impl fmt::Display for ReportUris<'_> {
    /// Writes the valid destinations joined by `,`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, uri) in self.iter().enumerate() {
            if index > 0 {
                formatter.write_str(",")?;
            }
            write!(formatter, "{uri}")?;
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ReportUris<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl fmt::Display for ReportUri<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.uri)?;
        match self.max_size_text {
            Some(limit) => write!(formatter, "!{limit}"),
            None => Ok(()),
        }
    }
}

impl Tag {
    /// The tag name as written in a record.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V => "v",
            Self::P => "p",
            Self::Sp => "sp",
            Self::Np => "np",
            Self::Adkim => "adkim",
            Self::Aspf => "aspf",
            Self::Fo => "fo",
            Self::Rua => "rua",
            Self::Ruf => "ruf",
            Self::Psd => "psd",
            Self::T => "t",
            Self::Pct => "pct",
            Self::Rf => "rf",
            Self::Ri => "ri",
        }
    }

    /// The tag with this name, compared without regard to case.
    pub fn from_name(name: &str) -> Option<Self> {
        let bytes = name.as_bytes();
        if bytes.len() > 5 {
            return None;
        }
        let key = bytes.iter().fold(0u64, |key, byte| {
            key << 8 | u64::from(byte.to_ascii_lowercase())
        });
        Self::from_key(key)
    }

    /// The tag whose name, lowercased, packs into `key` one byte after the
    /// other (`"sp"` is `0x7370`); the parser packs names as it reads them.
    /// A multiplicative hash sends each tag's key to its own slot of a
    /// table of 16, so one comparison decides.
    pub(crate) const fn from_key(key: u64) -> Option<Self> {
        let (known, tag) = TAG_SLOTS[tag_slot(key)];
        if known == key { tag } else { None }
    }

    /// The bit of this tag in a set of seen tags.
    pub(crate) const fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// Every tag, for building [`TAG_SLOTS`].
const TAGS: [Tag; 14] = [
    Tag::V,
    Tag::P,
    Tag::Sp,
    Tag::Np,
    Tag::Adkim,
    Tag::Aspf,
    Tag::Fo,
    Tag::Rua,
    Tag::Ruf,
    Tag::Psd,
    Tag::T,
    Tag::Pct,
    Tag::Rf,
    Tag::Ri,
];

/// The multiplier of the tag hash, chosen so that no two tags share a slot
/// (the `tag_names_find_their_tags` test checks it).
const TAG_HASH: u64 = 0xa96f_dca1_3904_8115;

/// The slot of a packed tag name in [`TAG_SLOTS`]: the top four bits of
/// its product with [`TAG_HASH`].
const fn tag_slot(key: u64) -> usize {
    (key.wrapping_mul(TAG_HASH) >> 60) as usize
}

/// A tag name packed into an integer, one byte after the other.
const fn packed_name(name: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut index = 0;
    while index < name.len() {
        key = key << 8 | name[index] as u64;
        index += 1;
    }
    key
}

/// Each tag's packed name and the tag, in its slot.
static TAG_SLOTS: [(u64, Option<Tag>); 16] = {
    let mut slots = [(0, None); 16];
    let mut index = 0;
    while index < TAGS.len() {
        let tag = TAGS[index];
        let key = packed_name(tag.as_str().as_bytes());
        slots[tag_slot(key)] = (key, Some(tag));
        index += 1;
    }
    slots
};

impl fmt::Display for Tag {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Display for DeviationKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UppercaseTagName => {
                formatter.write_str("tag name in capitals, read as lowercase")
            }
            Self::InvalidValue(tag) => {
                write!(formatter, "invalid {tag}= value ignored, default applied")
            }
            Self::InvalidUri(tag) => write!(formatter, "invalid URI in {tag}= ignored"),
            Self::UnknownTag => formatter.write_str("unknown tag ignored"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_find_their_tags() {
        for tag in TAGS {
            assert_eq!(Tag::from_name(tag.as_str()), Some(tag));
            assert_eq!(Tag::from_name(&tag.as_str().to_uppercase()), Some(tag));
        }
        let slots: std::collections::HashSet<_> = TAGS
            .iter()
            .map(|tag| tag_slot(packed_name(tag.as_str().as_bytes())))
            .collect();
        assert_eq!(slots.len(), TAGS.len());
        for name in ["", "x", "pp", "adkims", "ruaf", "rfr"] {
            assert_eq!(Tag::from_name(name), None, "{name}");
        }
    }
}
