//! Departures from RFC 6376 that a lenient parse tolerates and reports.
//!
//! Real signatures and key records deviate in small ways that do not change
//! their meaning; the parsers accept them and say so here, and strict mode
//! (see [`VerifyOptions::strict`](crate::VerifyOptions::strict)) refuses
//! them instead.

use std::fmt;

/// One tolerated deviation and where it lies in the parsed text (a field
/// value or a key record).
pub type Deviation = mailtrail_message::Deviation<DeviationKind>;

/// The kinds of tolerated deviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum DeviationKind {
    /// An empty spec between two semicolons (`a=1;; b=2`), which the
    /// tag-list grammar of RFC 6376 §3.2 does not allow.
    EmptyTagSpec,
    /// A base64 value without its `=` padding (RFC 6376 §2.4 requires it).
    MissingBase64Padding,
    /// An underscore in the `d=` domain or the `s=` selector: DNS allows it,
    /// the `sub-domain` rule of RFC 5321 that RFC 6376 uses does not.
    UnderscoreInName,
    /// A key record whose `v=` tag is not the first tag (RFC 6376 §3.6.1
    /// says it must be).
    VersionNotFirst,
}

impl DeviationKind {
    /// A short lowercase name for the kind.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EmptyTagSpec => "empty tag spec",
            Self::MissingBase64Padding => "missing base64 padding",
            Self::UnderscoreInName => "underscore in a domain or selector",
            Self::VersionNotFirst => "key record version is not the first tag",
        }
    }
}

impl fmt::Display for DeviationKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
