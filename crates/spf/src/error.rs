//! Why an SPF record does not parse: every syntax error of [RFC 7208 §4.6],
//! §5, §6 and §7.1 that makes `check_host()` return `permerror`, naming the
//! offending term and where it starts.
//!
//! [RFC 7208 §4.6]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6

/// A record that is not valid SPF.
///
/// Every variant but [`NonAscii`](Self::NonAscii) and
/// [`NotSpf`](Self::NotSpf) names the term as written and the byte offset
/// where it starts in the record text; the term is given with `{:?}` in
/// messages, so control characters show.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum RecordError {
    /// A CIDR length with a leading zero, or above 32 (IPv4) or 128 (IPv6)
    /// (§5.6).
    #[error("invalid CIDR length in term {term:?} at byte {position}")]
    InvalidCidrLength {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
    },

    /// A domain-spec that is empty or does not end in a macro or in a dot and
    /// a valid top label (§4.8, §7.1).
    #[error("invalid domain-spec in term {term:?} at byte {position}: {reason}")]
    InvalidDomainSpec {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A `%` not followed by `{`, `%`, `_` or `-`, an unknown macro letter, a
    /// letter allowed only in explanations, a zero DIGIT transformer, an
    /// unclosed `%{`, or a character that no macro-string holds (§7.1).
    #[error("invalid macro-string in term {term:?} at byte {position}: {reason}")]
    InvalidMacro {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A modifier name that does not start with a letter, or is empty
    /// (§4.6.1, §12: `name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`).
    #[error("invalid modifier name in term {term:?} at byte {position}")]
    InvalidModifierName {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
    },

    /// An `ip4:` or `ip6:` network that is not a dotted quad or an RFC 4291
    /// address (§5.6).
    #[error("invalid IP network in term {term:?} at byte {position}")]
    InvalidNetwork {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
    },

    /// A mechanism with an argument it does not take (`all:x`, `ptr/24`,
    /// `include:x/24` is caught as a domain-spec instead), or without one it
    /// needs (`include`, `exists`, `ip4`, `a:`).
    #[error("invalid argument in term {term:?} at byte {position}")]
    InvalidArgument {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
    },

    /// `redirect=` or `exp=` a second time (§6).
    #[error("second {name}= modifier in term {term:?} at byte {position}")]
    DuplicateModifier {
        /// `redirect` or `exp`.
        name: &'static str,
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
    },

    /// A byte outside US-ASCII (§4.5 reads records as ASCII text; §3 and the
    /// ABNF allow nothing else).
    #[error("byte 0x{byte:02x} outside US-ASCII at byte {position}")]
    NonAscii {
        /// The byte.
        byte: u8,
        /// Its offset in the record.
        position: usize,
    },

    /// The text does not start with the version `v=spf1` followed by a space
    /// or the end (§4.5).
    #[error("record does not start with \"v=spf1\"")]
    NotSpf,

    /// A qualifier before a modifier (`-redirect=...`).
    #[error("qualifier before the modifier in term {term:?} at byte {position}")]
    QualifiedModifier {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
    },

    /// A mechanism name that RFC 7208 does not define, such as `redirect:x`
    /// or `all.` (§4.6.1).
    #[error("unknown mechanism in term {term:?} at byte {position}")]
    UnknownMechanism {
        /// The term as written.
        term: String,
        /// Byte offset of the term in the record.
        position: usize,
    },
}

impl RecordError {
    /// The offending term as written, when the error concerns one.
    pub fn term(&self) -> Option<&str> {
        match self {
            Self::InvalidCidrLength { term, .. }
            | Self::InvalidDomainSpec { term, .. }
            | Self::InvalidMacro { term, .. }
            | Self::InvalidModifierName { term, .. }
            | Self::InvalidNetwork { term, .. }
            | Self::InvalidArgument { term, .. }
            | Self::DuplicateModifier { term, .. }
            | Self::QualifiedModifier { term, .. }
            | Self::UnknownMechanism { term, .. } => Some(term),
            Self::NonAscii { .. } | Self::NotSpf => None,
        }
    }

    /// The byte offset of the offending term, or of the offending byte.
    pub fn position(&self) -> usize {
        match self {
            Self::InvalidCidrLength { position, .. }
            | Self::InvalidDomainSpec { position, .. }
            | Self::InvalidMacro { position, .. }
            | Self::InvalidModifierName { position, .. }
            | Self::InvalidNetwork { position, .. }
            | Self::InvalidArgument { position, .. }
            | Self::DuplicateModifier { position, .. }
            | Self::NonAscii { position, .. }
            | Self::QualifiedModifier { position, .. }
            | Self::UnknownMechanism { position, .. } => *position,
            Self::NotSpf => 0,
        }
    }
}

/// What is wrong inside one term, before the term and its position are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermError {
    Argument,
    Cidr,
    DomainSpec(&'static str),
    Macro(&'static str),
    ModifierName,
    Network,
    QualifiedModifier,
    UnknownMechanism,
}

impl TermError {
    /// The record error for this problem in `term` at `position`.
    pub(crate) fn at(self, term: &str, position: usize) -> RecordError {
        let term = term.to_owned();
        match self {
            Self::Argument => RecordError::InvalidArgument { term, position },
            Self::Cidr => RecordError::InvalidCidrLength { term, position },
            Self::DomainSpec(reason) => RecordError::InvalidDomainSpec {
                term,
                position,
                reason,
            },
            Self::Macro(reason) => RecordError::InvalidMacro {
                term,
                position,
                reason,
            },
            Self::ModifierName => RecordError::InvalidModifierName { term, position },
            Self::Network => RecordError::InvalidNetwork { term, position },
            Self::QualifiedModifier => RecordError::QualifiedModifier { term, position },
            Self::UnknownMechanism => RecordError::UnknownMechanism { term, position },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_term_and_position_without_a_period() {
        let error = TermError::Cidr.at("ip4:192.0.2.0/33", 7);
        let message = error.to_string();

        assert_eq!(
            message,
            "invalid CIDR length in term \"ip4:192.0.2.0/33\" at byte 7"
        );
        assert_eq!(error.term(), Some("ip4:192.0.2.0/33"));
        assert_eq!(error.position(), 7);
    }

    #[test]
    fn control_characters_in_terms_are_escaped_in_messages() {
        let error = TermError::Network.at("ip4:192.0.2.5\n", 7);

        assert!(error.to_string().contains("\\n"), "{error}");
    }
}
