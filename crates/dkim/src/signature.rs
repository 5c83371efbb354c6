//! The DKIM-Signature field: its tags read into named values
//! ([RFC 6376 §3.5](https://www.rfc-editor.org/rfc/rfc6376#section-3.5)).
//!
//! [`DkimSignature::parse`] reads the tag-list of a field value and checks
//! what §3.5 and §6.1.1 require before any key is fetched: the required
//! tags, the version, the algorithm and canonicalization names, base64,
//! numbers, domain syntax, `i=` inside `d=`, `From` among the signed fields,
//! and `x=` after `t=`. Every refusal names its tag.

use std::fmt;
use std::str::FromStr;

use mailtrail_message::Span;

use crate::encoding::decode_base64;
use crate::tag_list::colon_list;
use crate::{Canonicalization, Deviation, DeviationKind, Tag, TagList, TagListError};

/// A parsed DKIM-Signature field value, borrowing from the message.
///
/// ```
/// use mailtrail_dkim::{Algorithm, Canonicalization, DkimSignature};
///
/// let value = " v=1; a=rsa-sha256; c=relaxed; d=example.com; s=sel2024;\r\n\
///              \th=from:subject:from; bh=AAAA; b=AAAA\r\n\t BBBB";
/// let signature = DkimSignature::parse(value, false)?;
///
/// assert_eq!(signature.algorithm, Algorithm::RsaSha256);
/// assert_eq!(signature.signing_domain, "example.com");
/// assert_eq!(signature.selector, "sel2024");
/// assert_eq!(signature.header_canonicalization, Canonicalization::Relaxed);
/// assert_eq!(signature.body_canonicalization, Canonicalization::Simple);
/// assert_eq!(signature.signed_headers, ["from", "subject", "from"]);
/// assert_eq!(signature.identifier(), "@example.com");
/// assert_eq!(signature.signature.len(), 6);
/// # Ok::<(), mailtrail_dkim::SignatureError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct DkimSignature<'a> {
    /// The signing algorithm, the `a=` tag.
    pub algorithm: Algorithm,
    /// The signature, the `b=` tag, decoded from base64.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serialize_base64"))]
    pub signature: Vec<u8>,
    /// The hash of the canonicalized body, the `bh=` tag, decoded.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serialize_base64"))]
    pub body_hash: Vec<u8>,
    /// Header canonicalization, the first half of the `c=` tag (default
    /// simple).
    pub header_canonicalization: Canonicalization,
    /// Body canonicalization, the second half of the `c=` tag (default
    /// simple).
    pub body_canonicalization: Canonicalization,
    /// The signing domain identifier (SDID), the `d=` tag.
    pub signing_domain: &'a str,
    /// The signed header field names in order, the `h=` tag, as written.
    pub signed_headers: Vec<&'a str>,
    /// The agent or user identifier (AUID), the `i=` tag, when given; see
    /// [`DkimSignature::identifier`] for its default.
    pub agent_or_user_identifier: Option<&'a str>,
    /// The number of canonicalized body octets signed, the `l=` tag;
    /// saturates at `u64::MAX`.
    pub body_length: Option<u64>,
    /// The key query methods, the `q=` tag (default `dns/txt`), as written.
    pub query_methods: Option<&'a str>,
    /// The selector, the `s=` tag.
    pub selector: &'a str,
    /// The signature timestamp in Unix seconds, the `t=` tag.
    pub timestamp: Option<u64>,
    /// The signature expiration in Unix seconds, the `x=` tag.
    pub expiration: Option<u64>,
    /// The copied header fields, the `z=` tag, as written.
    pub copied_headers: Option<&'a str>,
    /// Every tag with its span, unknown ones included (they are ignored, as
    /// §3.2 requires, but kept).
    pub tags: TagList<'a>,
    /// What a lenient parse tolerated.
    pub deviations: Vec<Deviation>,
}

impl<'a> DkimSignature<'a> {
    /// Parses a DKIM-Signature field value (the text after the colon). With
    /// `strict`, tolerated deviations are refused.
    pub fn parse(value: &'a str, strict: bool) -> Result<Self, SignatureError> {
        let tags = TagList::parse(value, strict)?;
        let mut reader = TagReader::new(&tags, strict);

        let version = reader.required("v")?;
        if version != "1" {
            return Err(SignatureError::UnsupportedVersion {
                version: version.to_owned(),
            });
        }

        let algorithm = reader.algorithm()?;
        let signature = reader.base64("b")?;
        let body_hash = reader.base64("bh")?;
        let (header_canonicalization, body_canonicalization) = reader.canonicalization()?;
        let signing_domain = reader.domain("d")?;
        let signed_headers = reader.signed_headers()?;
        let selector = reader.domain("s")?;
        let query_methods = reader.query_methods()?;
        let agent_or_user_identifier = reader.identifier(signing_domain)?;
        let body_length = reader.number("l")?;
        let timestamp = reader.number("t")?;
        let expiration = reader.number("x")?;
        check_times(timestamp, expiration)?;

        Ok(Self {
            algorithm,
            signature,
            body_hash,
            header_canonicalization,
            body_canonicalization,
            signing_domain,
            signed_headers,
            agent_or_user_identifier,
            body_length,
            query_methods,
            selector,
            timestamp,
            expiration,
            copied_headers: reader.get("z"),
            deviations: reader.deviations,
            tags,
        })
    }

    /// The agent or user identifier: the `i=` tag, or `@` followed by the
    /// signing domain when the tag is absent (§3.5).
    pub fn identifier(&self) -> std::borrow::Cow<'a, str> {
        match self.agent_or_user_identifier {
            Some(identifier) => identifier.into(),
            None => format!("@{}", self.signing_domain).into(),
        }
    }

    /// The domain part of the identifier: what follows its last `@`.
    pub fn identifier_domain(&self) -> &'a str {
        match self.agent_or_user_identifier {
            Some(identifier) => identifier.rsplit_once('@').map_or("", |(_, domain)| domain),
            None => self.signing_domain,
        }
    }

    /// Span of the `b=` value with the white space around it, in the parsed
    /// text: the bytes §3.5 blanks before the header hash is computed.
    pub fn signature_value_span(&self) -> Span {
        self.tags
            .tag("b")
            .map_or_else(Span::default, |tag| tag.raw_value_span)
    }

    /// How many times `name` is listed in `h=`, without regard to case.
    pub fn signed_count(&self, name: &str) -> usize {
        self.signed_headers
            .iter()
            .filter(|signed| signed.eq_ignore_ascii_case(name))
            .count()
    }

    /// The first eight characters of the `b=` value without white space, as
    /// RFC 6008 `header.b` uses them to tell signatures apart.
    pub fn short_signature(&self) -> String {
        let value = self.tags.get("b").unwrap_or_default();

        crate::tag_list::without_whitespace(value)
            .chars()
            .take(8)
            .collect()
    }
}

/// The signing algorithms DKIM defines (§3.3, RFC 8463 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum Algorithm {
    /// `rsa-sha1`: parsed so it can be named, never verified (RFC 8301 §3.1).
    #[cfg_attr(feature = "serde", serde(rename = "rsa-sha1"))]
    RsaSha1,
    /// `rsa-sha256`: RSASSA-PKCS1-v1_5 with SHA-256.
    #[cfg_attr(feature = "serde", serde(rename = "rsa-sha256"))]
    RsaSha256,
    /// `ed25519-sha256`: PureEdDSA Ed25519 over the SHA-256 hash of the
    /// header data (RFC 8463).
    #[cfg_attr(feature = "serde", serde(rename = "ed25519-sha256"))]
    Ed25519Sha256,
}

impl Algorithm {
    /// The name written in the `a=` tag.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaSha1 => "rsa-sha1",
            Self::RsaSha256 => "rsa-sha256",
            Self::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    /// The key type the algorithm needs, as the key record's `k=` names it.
    pub const fn key_type(self) -> crate::KeyType {
        match self {
            Self::RsaSha1 | Self::RsaSha256 => crate::KeyType::Rsa,
            Self::Ed25519Sha256 => crate::KeyType::Ed25519,
        }
    }

    /// The hash name, as the key record's `h=` lists it.
    pub const fn hash_name(self) -> &'static str {
        match self {
            Self::RsaSha1 => "sha1",
            Self::RsaSha256 | Self::Ed25519Sha256 => "sha256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = SignatureError;

    /// Reads an `a=` value; names compare without regard to case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Self::RsaSha1, Self::RsaSha256, Self::Ed25519Sha256]
            .into_iter()
            .find(|algorithm| algorithm.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| SignatureError::UnknownAlgorithm {
                algorithm: text.to_owned(),
            })
    }
}

/// Why a DKIM-Signature field is unusable: a permerror, naming the tag.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SignatureError {
    /// A base64 value that does not decode (or, in strict mode, lacks its
    /// padding).
    #[error("tag {tag}= is not valid base64")]
    BadBase64 {
        /// The tag name.
        tag: &'static str,
    },

    /// `x=` is not after `t=` (§3.5).
    #[error("expiration x={expiration} is not after timestamp t={timestamp}")]
    ExpirationNotAfterTimestamp {
        /// The `t=` value.
        timestamp: u64,
        /// The `x=` value.
        expiration: u64,
    },

    /// `h=` does not list the From field (§5.4, §6.1.1).
    #[error("tag h= does not list the From field")]
    FromNotSigned,

    /// The `i=` domain is neither `d=` nor a subdomain of it (§6.1.1).
    #[error("tag i={identifier} is outside d={signing_domain}")]
    IdentifierOutsideDomain {
        /// The `i=` value.
        identifier: String,
        /// The `d=` value.
        signing_domain: String,
    },

    /// A domain, selector or identifier that is not a domain name.
    #[error("tag {tag}={value:?} is not a valid domain name")]
    InvalidDomain {
        /// The tag name.
        tag: &'static str,
        /// The value as written.
        value: String,
    },

    /// An invalid entry in a list-valued tag.
    #[error("tag {tag}= has an invalid entry {entry:?}")]
    InvalidListEntry {
        /// The tag name.
        tag: &'static str,
        /// The offending entry.
        entry: String,
    },

    /// A number that is not a plain decimal integer.
    #[error("tag {tag}= is not a decimal number")]
    InvalidNumber {
        /// The tag name.
        tag: &'static str,
    },

    /// A required tag is absent (§3.5: v, a, b, bh, d, h, s).
    #[error("required tag {tag}= is missing")]
    MissingTag {
        /// The tag name.
        tag: &'static str,
    },

    /// The field value is not UTF-8 text.
    #[error("the field value is not text")]
    NotText,

    /// The tag-list itself cannot be read, or names a tag twice.
    #[error(transparent)]
    TagList(#[from] TagListError),

    /// An `a=` value other than the algorithms of §3.3 and RFC 8463.
    #[error("unknown algorithm a={algorithm}")]
    UnknownAlgorithm {
        /// The value as written.
        algorithm: String,
    },

    /// A `c=` value naming an unknown canonicalization.
    #[error("unknown canonicalization c={value}")]
    UnknownCanonicalization {
        /// The value as written.
        value: String,
    },

    /// A `q=` value without `dns/txt`.
    #[error("unsupported query method q={value}")]
    UnsupportedQueryMethod {
        /// The value as written.
        value: String,
    },

    /// A `v=` value other than `1`.
    #[error("unsupported version v={version}")]
    UnsupportedVersion {
        /// The value as written.
        version: String,
    },
}

impl SignatureError {
    /// A stable snake_case code, prefixed `signature_`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BadBase64 { .. } => "signature_bad_base64",
            Self::ExpirationNotAfterTimestamp { .. } => "signature_expiration_not_after_timestamp",
            Self::FromNotSigned => "signature_from_not_signed",
            Self::IdentifierOutsideDomain { .. } => "signature_identifier_outside_domain",
            Self::InvalidDomain { .. } => "signature_invalid_domain",
            Self::InvalidListEntry { .. } => "signature_invalid_list_entry",
            Self::InvalidNumber { .. } => "signature_invalid_number",
            Self::MissingTag { .. } => "signature_missing_tag",
            Self::NotText => "signature_not_text",
            Self::TagList(TagListError::DuplicateTag { .. }) => "signature_duplicate_tag",
            Self::TagList(_) => "signature_malformed_tag_list",
            Self::UnknownAlgorithm { .. } => "signature_unknown_algorithm",
            Self::UnknownCanonicalization { .. } => "signature_unknown_canonicalization",
            Self::UnsupportedQueryMethod { .. } => "signature_unsupported_query_method",
            Self::UnsupportedVersion { .. } => "signature_unsupported_version",
        }
    }

    /// The tag the error is about, when there is one.
    pub fn tag(&self) -> Option<&str> {
        match self {
            Self::BadBase64 { tag }
            | Self::InvalidDomain { tag, .. }
            | Self::InvalidListEntry { tag, .. }
            | Self::InvalidNumber { tag }
            | Self::MissingTag { tag } => Some(tag),
            Self::ExpirationNotAfterTimestamp { .. } => Some("x"),
            Self::FromNotSigned => Some("h"),
            Self::IdentifierOutsideDomain { .. } => Some("i"),
            Self::TagList(TagListError::DuplicateTag { tag })
            | Self::TagList(TagListError::MissingEquals { tag, .. })
            | Self::TagList(TagListError::InvalidValueCharacter { tag, .. }) => Some(tag),
            Self::UnknownAlgorithm { .. } => Some("a"),
            Self::UnknownCanonicalization { .. } => Some("c"),
            Self::UnsupportedQueryMethod { .. } => Some("q"),
            Self::UnsupportedVersion { .. } => Some("v"),
            Self::NotText | Self::TagList(_) => None,
        }
    }
}

/// Reads typed values out of a tag-list, collecting deviations.
struct TagReader<'t, 'a> {
    tags: &'t TagList<'a>,
    /// Where each tag of §3.5 is in the list, by [`known_slot`].
    known: [Option<usize>; 14],
    strict: bool,
    deviations: Vec<Deviation>,
}

impl<'t, 'a> TagReader<'t, 'a> {
    /// A reader over `tags`, which finds the known tags in one pass.
    fn new(tags: &'t TagList<'a>, strict: bool) -> Self {
        let mut known = [None; 14];
        for (index, tag) in tags.tags().iter().enumerate() {
            if let Some(slot) = known_slot(tag.name) {
                known[slot] = Some(index);
            }
        }

        Self {
            tags,
            known,
            strict,
            deviations: tags.deviations().to_vec(),
        }
    }

    /// The tag called `name`, one of §3.5's.
    fn tag(&self, name: &str) -> Option<&'t Tag<'a>> {
        let index = self.known[known_slot(name)?]?;

        self.tags.tags().get(index)
    }

    /// The value of the tag called `name`, one of §3.5's.
    fn get(&self, name: &str) -> Option<&'a str> {
        self.tag(name).map(|tag| tag.value)
    }

    /// The value of a tag that must be present.
    fn required(&self, name: &'static str) -> Result<&'a str, SignatureError> {
        self.get(name)
            .ok_or(SignatureError::MissingTag { tag: name })
    }

    /// The `a=` algorithm.
    fn algorithm(&self) -> Result<Algorithm, SignatureError> {
        self.required("a")?.parse()
    }

    /// A required base64 value, decoded.
    fn base64(&mut self, name: &'static str) -> Result<Vec<u8>, SignatureError> {
        self.required(name)?;
        let tag = self.tag(name).expect("the tag is present");

        let decoded = decode_base64(tag.value).ok_or(SignatureError::BadBase64 { tag: name })?;
        if decoded.padding_missing {
            if self.strict {
                return Err(SignatureError::BadBase64 { tag: name });
            }
            let deviation = Deviation::new(DeviationKind::MissingBase64Padding, tag.value_span);
            self.deviations.push(deviation);
        }

        if decoded.bytes.is_empty() && name == "bh" {
            return Err(SignatureError::BadBase64 { tag: name });
        }
        Ok(decoded.bytes)
    }

    /// The `c=` pair; a single word names the header canonicalization and
    /// leaves the body one simple (§3.5).
    fn canonicalization(&self) -> Result<(Canonicalization, Canonicalization), SignatureError> {
        let Some(value) = self.get("c") else {
            return Ok((Canonicalization::Simple, Canonicalization::Simple));
        };

        let unknown = || SignatureError::UnknownCanonicalization {
            value: value.to_owned(),
        };
        let (header, body) = value.split_once('/').unwrap_or((value, "simple"));
        let header = header.parse().map_err(|_| unknown())?;
        let body = body.parse().map_err(|_| unknown())?;
        Ok((header, body))
    }

    /// A domain name or selector, checked for syntax.
    fn domain(&mut self, name: &'static str) -> Result<&'a str, SignatureError> {
        let value = self.required(name)?;
        let tag = self.tag(name).expect("the tag is present");

        match check_domain(value) {
            DomainCheck::Valid => Ok(value),
            DomainCheck::Underscore if !self.strict => {
                let deviation = Deviation::new(DeviationKind::UnderscoreInName, tag.value_span);
                self.deviations.push(deviation);
                Ok(value)
            }
            DomainCheck::Underscore | DomainCheck::Invalid => Err(SignatureError::InvalidDomain {
                tag: name,
                value: value.to_owned(),
            }),
        }
    }

    /// The `h=` names: at least one, each a field name, From among them.
    fn signed_headers(&self) -> Result<Vec<&'a str>, SignatureError> {
        let value = self.required("h")?;
        let mut names = Vec::with_capacity(value.bytes().filter(|&byte| byte == b':').count() + 1);
        names.extend(colon_list(value));

        if let Some(bad) = names.iter().find(|name| !is_field_name(name)) {
            return Err(SignatureError::InvalidListEntry {
                tag: "h",
                entry: (*bad).to_owned(),
            });
        }

        if !names.iter().any(|name| name.eq_ignore_ascii_case("from")) {
            return Err(SignatureError::FromNotSigned);
        }
        Ok(names)
    }

    /// The `q=` methods, which must include `dns/txt` (§3.5).
    fn query_methods(&self) -> Result<Option<&'a str>, SignatureError> {
        let Some(value) = self.get("q") else {
            return Ok(None);
        };

        if !is_dns_txt(value) {
            return Err(SignatureError::UnsupportedQueryMethod {
                value: value.to_owned(),
            });
        }
        Ok(Some(value))
    }

    /// The `i=` value, which must end in `d=` or a subdomain of it.
    fn identifier(&self, signing_domain: &str) -> Result<Option<&'a str>, SignatureError> {
        let Some(value) = self.get("i") else {
            return Ok(None);
        };

        let invalid = || SignatureError::InvalidDomain {
            tag: "i",
            value: value.to_owned(),
        };
        let (_, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        if check_domain(domain) == DomainCheck::Invalid {
            return Err(invalid());
        }

        if !is_same_or_subdomain(domain, signing_domain) {
            return Err(SignatureError::IdentifierOutsideDomain {
                identifier: value.to_owned(),
                signing_domain: signing_domain.to_owned(),
            });
        }
        Ok(Some(value))
    }

    /// An optional decimal number; more digits than fit saturate.
    fn number(&self, name: &'static str) -> Result<Option<u64>, SignatureError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };

        if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(SignatureError::InvalidNumber { tag: name });
        }
        Ok(Some(value.parse().unwrap_or(u64::MAX)))
    }
}

/// The slot of a §3.5 tag name in [`TagReader`]'s index.
fn known_slot(name: &str) -> Option<usize> {
    let slot = match name {
        "v" => 0,
        "a" => 1,
        "b" => 2,
        "bh" => 3,
        "c" => 4,
        "d" => 5,
        "h" => 6,
        "i" => 7,
        "l" => 8,
        "q" => 9,
        "s" => 10,
        "t" => 11,
        "x" => 12,
        "z" => 13,
        _ => return None,
    };
    Some(slot)
}

/// `x=` must be after `t=` when both are given (§3.5).
fn check_times(timestamp: Option<u64>, expiration: Option<u64>) -> Result<(), SignatureError> {
    match (timestamp, expiration) {
        (Some(timestamp), Some(expiration)) if expiration <= timestamp => {
            Err(SignatureError::ExpirationNotAfterTimestamp {
                timestamp,
                expiration,
            })
        }
        _ => Ok(()),
    }
}

/// Whether a `q=` value names `dns/txt` (the only method, §3.5; `dns`
/// alone is what RFC 4871 drafts wrote).
fn is_dns_txt(value: &str) -> bool {
    colon_list(value)
        .any(|method| method.eq_ignore_ascii_case("dns/txt") || method.eq_ignore_ascii_case("dns"))
}

/// Whether `name` is a header field name: printable US-ASCII without colon
/// (RFC 5322 §3.6.8).
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b':')
}

/// The result of checking a domain name's syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DomainCheck {
    /// Labels of letters, digits and inner hyphens.
    Valid,
    /// Valid but for an underscore somewhere.
    Underscore,
    /// Not a domain name.
    Invalid,
}

/// Checks `domain` against RFC 5321 `Domain` (`sub-domain *("." sub-domain)`),
/// allowing non-ASCII letters (U-labels) and reporting underscores.
pub(crate) fn check_domain(domain: &str) -> DomainCheck {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.is_empty() || domain.len() > 253 {
        return DomainCheck::Invalid;
    }

    let mut result = DomainCheck::Valid;
    for label in domain.split('.') {
        let valid_characters = label
            .chars()
            .all(|character| character.is_alphanumeric() || matches!(character, '-' | '_'));
        if label.is_empty() || label.len() > 63 || !valid_characters {
            return DomainCheck::Invalid;
        }
        if label.starts_with('-') || label.ends_with('-') {
            return DomainCheck::Invalid;
        }
        if label.contains('_') {
            result = DomainCheck::Underscore;
        }
    }
    result
}

/// Whether `domain` is `parent` or a subdomain of it, without regard to
/// ASCII case or a trailing dot.
pub(crate) fn is_same_or_subdomain(domain: &str, parent: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let parent = parent.strip_suffix('.').unwrap_or(parent);

    if domain.len() < parent.len() || parent.is_empty() {
        return false;
    }

    // Bytes, not characters: the cut may fall inside a U-label's character.
    let (head, tail) = domain.as_bytes().split_at(domain.len() - parent.len());
    tail.eq_ignore_ascii_case(parent.as_bytes()) && (head.is_empty() || head.ends_with(b"."))
}

/// Writes bytes as standard base64 text.
#[cfg(feature = "serde")]
fn serialize_base64<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::encoding::encode_base64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=AAAA; b=";

    /// Keeps a test input alive for the whole test run.
    fn leak(text: String) -> &'static str {
        Box::leak(text.into_boxed_str())
    }

    #[test]
    fn defaults_apply_when_optional_tags_are_absent() {
        let signature = DkimSignature::parse(MINIMAL, false).unwrap();

        assert_eq!(signature.header_canonicalization, Canonicalization::Simple);
        assert_eq!(signature.body_canonicalization, Canonicalization::Simple);
        assert_eq!(signature.identifier(), "@example.com");
        assert_eq!(signature.identifier_domain(), "example.com");
        assert!(signature.signature.is_empty());
        assert_eq!(signature.body_length, None);
    }

    #[test]
    fn each_required_tag_is_named_when_missing() {
        for tag in ["v", "a", "b", "bh", "d", "h", "s"] {
            let without: Vec<&str> = MINIMAL
                .split("; ")
                .filter(|spec| spec.split('=').next() != Some(tag))
                .collect();
            let error = DkimSignature::parse(&without.join("; "), false).unwrap_err();

            assert_eq!(error, SignatureError::MissingTag { tag }, "without {tag}=");
            assert_eq!(error.tag(), Some(tag));
        }
    }

    #[test]
    fn version_algorithm_and_canonicalization_are_checked() {
        let parse =
            |from: &str, to: &str| DkimSignature::parse(leak(MINIMAL.replace(from, to)), false);

        assert!(matches!(
            parse("v=1", "v=2"),
            Err(SignatureError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            parse("a=rsa-sha256", "a=rsa-md5"),
            Err(SignatureError::UnknownAlgorithm { .. })
        ));
        assert_eq!(
            parse("a=rsa-sha256", "a=RSA-SHA1").unwrap().algorithm,
            Algorithm::RsaSha1
        );
        assert!(matches!(
            parse("v=1;", "v=1; c=relaxed/nowsp;"),
            Err(SignatureError::UnknownCanonicalization { .. })
        ));
        let relaxed = parse("v=1;", "v=1; c=relaxed;").unwrap();
        assert_eq!(relaxed.body_canonicalization, Canonicalization::Simple);
    }

    #[test]
    fn identifier_must_lie_in_the_signing_domain() {
        let with = |identifier: &str| {
            DkimSignature::parse(leak(format!("{MINIMAL}; i={identifier}")), false)
        };

        assert!(with("joe@example.com").is_ok());
        assert!(with("@mail.EXAMPLE.com").is_ok());
        assert!(matches!(
            with("joe@badexample.com"),
            Err(SignatureError::IdentifierOutsideDomain { .. })
        ));
        assert!(matches!(
            with("no-at-sign"),
            Err(SignatureError::InvalidDomain { tag: "i", .. })
        ));
    }

    #[test]
    fn domains_with_comment_characters_are_refused() {
        let error = DkimSignature::parse(
            &MINIMAL.replace("example.com", "legitimate.com(.attacker.com"),
            false,
        )
        .unwrap_err();

        assert!(matches!(
            error,
            SignatureError::InvalidDomain { tag: "d", .. }
        ));
    }

    #[test]
    fn underscores_in_selectors_are_a_deviation_unless_strict() {
        let text = MINIMAL.replace("s=s", "s=sel_1");
        let lenient = DkimSignature::parse(&text, false).unwrap();

        assert_eq!(lenient.deviations[0].kind, DeviationKind::UnderscoreInName);
        assert!(DkimSignature::parse(&text, true).is_err());
    }

    #[test]
    fn from_must_be_signed_and_numbers_must_be_decimal() {
        let parse =
            |from: &str, to: &str| DkimSignature::parse(leak(MINIMAL.replace(from, to)), false);

        assert_eq!(
            parse("h=from", "h=to:subject").unwrap_err(),
            SignatureError::FromNotSigned
        );
        assert!(matches!(
            parse("h=from", "h=from:bad name"),
            Err(SignatureError::InvalidListEntry { tag: "h", .. })
        ));
        assert_eq!(
            parse("v=1;", "v=1; l=-1;").unwrap_err(),
            SignatureError::InvalidNumber { tag: "l" }
        );
        let huge = parse("v=1;", &format!("v=1; l={};", "9".repeat(76))).unwrap();
        assert_eq!(huge.body_length, Some(u64::MAX));
        assert!(matches!(
            parse("v=1;", "v=1; t=20; x=10;"),
            Err(SignatureError::ExpirationNotAfterTimestamp { .. })
        ));
    }

    #[test]
    fn query_methods_must_include_dns_txt() {
        let parse =
            |methods: &str| DkimSignature::parse(leak(format!("{MINIMAL}; q={methods}")), false);

        assert!(parse("dns/txt").is_ok());
        assert!(parse("http/well-known:dns/txt").is_ok());
        assert!(matches!(
            parse("http/well-known"),
            Err(SignatureError::UnsupportedQueryMethod { .. })
        ));
    }

    #[test]
    fn subdomain_check_respects_label_boundaries() {
        assert!(is_same_or_subdomain("example.com", "example.com."));
        assert!(is_same_or_subdomain("a.b.example.com", "EXAMPLE.com"));
        assert!(!is_same_or_subdomain("badexample.com", "example.com"));
        assert!(!is_same_or_subdomain("com", "example.com"));
        assert!(!is_same_or_subdomain(
            "mail\u{492}xample.org",
            "example.org"
        ));
        assert!(is_same_or_subdomain("ме.example.org", "example.org"));
    }
}
