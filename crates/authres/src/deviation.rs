//! Syntax the lenient parser tolerated, reported as data.
//!
//! Real Authentication-Results fields often stray from the grammar of
//! [RFC 8601 §2.2](https://www.rfc-editor.org/rfc/rfc8601#section-2.2):
//! Microsoft 365 omits the authserv-id, Yahoo writes `key=value` text after
//! it, many writers end the field with a `;`. The lenient parser accepts
//! each of these and lists it here with its span; the strict parser rejects
//! the field at the first one, with the same kind in its error.

use std::fmt;

/// One tolerated deviation from RFC 8601 syntax, with where it is.
///
/// ```
/// use mailtrail_authres::{AuthenticationResults, DeviationKind};
///
/// let header = AuthenticationResults::parse("mx.example.com; spf=pass;")?;
/// let deviation = header.deviations[0];
///
/// assert_eq!(deviation.kind, DeviationKind::TrailingSemicolon);
/// assert_eq!(deviation.span.range(), 24..25);
/// assert_eq!(deviation.to_string(), "a `;` that ends the field at 24..25");
/// # Ok::<(), mailtrail_authres::ParseError>(())
/// ```
pub type Deviation = mailtrail_message::Deviation<DeviationKind>;

/// The kinds of deviation the lenient parser tolerates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum DeviationKind {
    /// A control character other than tab inside a quoted string or a
    /// comment, which RFC 5322 §3.2 allows only as obsolete syntax. Kept in
    /// the text.
    ControlCharacter,
    /// The deprecated result word `hardfail` (RFC 5451), which RFC 6577
    /// replaced with `fail`. Read as [`ResultValue::HardFail`](crate::ResultValue::HardFail).
    DeprecatedResult,
    /// A semicolon with nothing before the next one: `;;`. Skipped.
    EmptyResinfo,
    /// A property or reason with nothing after its `=`. Read as an empty
    /// value.
    EmptyValue,
    /// An ARC-Authentication-Results instance outside 1 to 50 (RFC 8617
    /// §4.2.1). Kept as written.
    InstanceOutOfRange,
    /// A method, property type or property that is not a `Keyword` (RFC
    /// 5321 §4.1.2: letters, digits and inner hyphens), such as `x_tls`.
    /// Kept as written.
    InvalidKeyword,
    /// A value that is neither a token, a quoted string nor an address: it
    /// holds characters such as `/`, `:` or `[` unquoted (`header.b=ab/cd`,
    /// `policy.iprev=2001:db8::1`), or an address whose domain is not a
    /// domain name. Read up to the next space, `;` or comment.
    InvalidValue,
    /// `none` together with results, or after other text: `none` may only
    /// stand alone (RFC 8601 §2.2). Ignored.
    MisplacedNone,
    /// An authserv-id missing, the field starting with a result as Microsoft
    /// 365 writes it (`spf=pass (sender IP is ...) ...`). Such a field is
    /// never trusted.
    MissingAuthservId,
    /// An ARC-Authentication-Results field without its `i=` instance (RFC
    /// 8617 §4.1.1).
    MissingInstance,
    /// A `;` missing between two results: a new `method=result` where a
    /// property was expected, or after the ARC instance.
    MissingSemicolon,
    /// No white space or comment between two parts that need one, as in
    /// `reason="x"header.d=example.com`.
    MissingSpace,
    /// An authserv-id followed by neither a result nor `none`. Read as a
    /// field that reports no result.
    NoResults,
    /// A property without a property type, `action=none` instead of
    /// `policy.action=none` (Microsoft 365 writes `action=`). Kept with no
    /// [`ptype`](crate::Property::ptype).
    PropertyWithoutType,
    /// `reason=` after the properties of a result instead of before them.
    /// Accepted as the reason.
    ReasonAfterProperties,
    /// Text that could not be read as a result, skipped up to the next `;`:
    /// a lone word such as `contoso.com` between two semicolons (older
    /// Microsoft 365 fields), or a result with no `=`.
    SkippedText,
    /// Text between the authserv-id and the first `;` that is not a version,
    /// such as Yahoo's `from=example.com`. Skipped.
    TextAfterAuthservId,
    /// A `;` ending the field with no result after it. Ignored.
    TrailingSemicolon,
    /// A result word not registered for its method (`perm_fail`,
    /// `bestguesspass`), or not a `Keyword` for an unregistered method. Kept
    /// as [`ResultValue::Other`](crate::ResultValue::Other).
    UnregisteredResult,
}

impl DeviationKind {
    /// The kind as a lowercase token, the same one serde writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ControlCharacter => "control-character",
            Self::DeprecatedResult => "deprecated-result",
            Self::EmptyResinfo => "empty-resinfo",
            Self::EmptyValue => "empty-value",
            Self::InstanceOutOfRange => "instance-out-of-range",
            Self::InvalidKeyword => "invalid-keyword",
            Self::InvalidValue => "invalid-value",
            Self::MisplacedNone => "misplaced-none",
            Self::MissingAuthservId => "missing-authserv-id",
            Self::MissingInstance => "missing-instance",
            Self::MissingSemicolon => "missing-semicolon",
            Self::MissingSpace => "missing-space",
            Self::NoResults => "no-results",
            Self::PropertyWithoutType => "property-without-type",
            Self::ReasonAfterProperties => "reason-after-properties",
            Self::SkippedText => "skipped-text",
            Self::TextAfterAuthservId => "text-after-authserv-id",
            Self::TrailingSemicolon => "trailing-semicolon",
            Self::UnregisteredResult => "unregistered-result",
        }
    }
}

impl fmt::Display for DeviationKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::ControlCharacter => "a control character in a quoted string or comment",
            Self::DeprecatedResult => "the deprecated result `hardfail`",
            Self::EmptyResinfo => "an empty result between two `;`",
            Self::EmptyValue => "an empty value after `=`",
            Self::InstanceOutOfRange => "an ARC instance outside 1 to 50",
            Self::InvalidKeyword => "a name that is not a keyword",
            Self::InvalidValue => "a value that is neither a token, a quoted string nor an address",
            Self::MisplacedNone => "`none` beside other results",
            Self::MissingAuthservId => "a missing authserv-id",
            Self::MissingInstance => "a missing ARC instance `i=`",
            Self::MissingSemicolon => "a missing `;` between two results",
            Self::MissingSpace => "a missing space between two parts",
            Self::NoResults => "no result and no `none`",
            Self::PropertyWithoutType => "a property without a property type",
            Self::ReasonAfterProperties => "`reason=` after the properties",
            Self::SkippedText => "text that is not a result",
            Self::TextAfterAuthservId => "text after the authserv-id",
            Self::TrailingSemicolon => "a `;` that ends the field",
            Self::UnregisteredResult => "a result word not registered for its method",
        };

        formatter.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [DeviationKind; 19] = [
        DeviationKind::ControlCharacter,
        DeviationKind::DeprecatedResult,
        DeviationKind::EmptyResinfo,
        DeviationKind::EmptyValue,
        DeviationKind::InstanceOutOfRange,
        DeviationKind::InvalidKeyword,
        DeviationKind::InvalidValue,
        DeviationKind::MisplacedNone,
        DeviationKind::MissingAuthservId,
        DeviationKind::MissingInstance,
        DeviationKind::MissingSemicolon,
        DeviationKind::MissingSpace,
        DeviationKind::NoResults,
        DeviationKind::PropertyWithoutType,
        DeviationKind::ReasonAfterProperties,
        DeviationKind::SkippedText,
        DeviationKind::TextAfterAuthservId,
        DeviationKind::TrailingSemicolon,
        DeviationKind::UnregisteredResult,
    ];

    #[test]
    fn tokens_are_distinct_kebab_case_in_alphabetical_order() {
        let tokens: Vec<&str> = ALL.iter().map(|kind| kind.as_str()).collect();
        let mut sorted = tokens.clone();
        sorted.sort_unstable();
        sorted.dedup();

        assert_eq!(tokens, sorted);
        for token in tokens {
            assert!(
                token
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte == b'-')
            );
        }
    }

    #[test]
    fn descriptions_are_lowercase_without_period() {
        for kind in ALL {
            let text = kind.to_string();

            assert!(!text.ends_with('.'));
            assert!(!text.starts_with(|first: char| first.is_ascii_uppercase()));
        }
    }
}
