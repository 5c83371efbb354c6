//! The DKIM key record published at `<selector>._domainkey.<domain>`
//! ([RFC 6376 §3.6.1](https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1),
//! [RFC 8463 §4](https://www.rfc-editor.org/rfc/rfc8463#section-4)).
//!
//! [`DomainKey::parse`] reads the tags of one TXT record; [`DomainKey::public_key`]
//! decodes its `p=` value. RSA keys are accepted both as SubjectPublicKeyInfo,
//! which §3.6.1 asks for, and as a bare PKCS#1 RSAPublicKey, which many DNS
//! records hold; Ed25519 keys are the 32 raw octets of RFC 8463 §4.

use std::fmt;
use std::str::FromStr;

use crate::encoding::{
    BIT_STRING, NULL, OBJECT_IDENTIFIER, RSA_ENCRYPTION, Reader, SEQUENCE, decode_base64,
};
use crate::tag_list::colon_list;
use crate::{Deviation, DeviationKind, TagList, TagListError};

/// A parsed key record, borrowing from the TXT data.
///
/// ```
/// use mailtrail_dkim::{DomainKey, KeyType};
///
/// let record = "v=DKIM1; k=ed25519; t=y:s; p=aaQn1zwxKtNX/nh9XDrO4vwUoehupFwv1YR+4hHbT80=";
/// let key = DomainKey::parse(record, false)?;
///
/// assert_eq!(key.key_type, KeyType::Ed25519);
/// assert!(key.is_testing() && key.requires_same_domain());
/// assert!(key.allows_hash("sha256") && key.allows_service("email"));
/// assert_eq!(key.public_key()?.bits(), 256);
/// # Ok::<(), mailtrail_dkim::KeyRecordError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct DomainKey<'a> {
    /// The version, the `v=` tag (`DKIM1` when present).
    pub version: Option<&'a str>,
    /// The acceptable hash algorithms, the `h=` tag; `None` allows all.
    pub acceptable_hashes: Option<Vec<&'a str>>,
    /// The key type, the `k=` tag (default `rsa`).
    pub key_type: KeyType,
    /// Notes for humans, the `n=` tag.
    pub notes: Option<&'a str>,
    /// The public key data, the `p=` tag, decoded; empty when revoked.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub public_key_data: Vec<u8>,
    /// The service types, the `s=` tag; `None` is the default, `*`.
    pub service_types: Option<Vec<&'a str>>,
    /// The flags, the `t=` tag (`y` testing, `s` same domain).
    pub flags: Vec<&'a str>,
    /// What a lenient parse tolerated.
    pub deviations: Vec<Deviation>,
}

impl<'a> DomainKey<'a> {
    /// Parses the text of one key record (the TXT strings concatenated). With
    /// `strict`, tolerated deviations are refused.
    pub fn parse(record: &'a str, strict: bool) -> Result<Self, KeyRecordError> {
        let tags = TagList::parse(record, strict)?;
        let mut deviations = tags.deviations().to_vec();

        let version = tags.get("v");
        check_version(&tags, strict, &mut deviations)?;

        let key_type = match tags.get("k") {
            Some(value) => value.parse()?,
            None => KeyType::Rsa,
        };

        let public_key_data = public_key_data(&tags, strict, &mut deviations)?;
        Ok(Self {
            version,
            acceptable_hashes: tags.get("h").map(|value| colon_list(value).collect()),
            key_type,
            notes: tags.get("n"),
            public_key_data,
            service_types: tags.get("s").map(|value| colon_list(value).collect()),
            flags: tags
                .get("t")
                .map_or(Vec::new(), |value| colon_list(value).collect()),
            deviations,
        })
    }

    /// Whether the key is revoked: `p=` is empty (§3.6.1).
    pub fn is_revoked(&self) -> bool {
        self.public_key_data.is_empty()
    }

    /// Whether the domain is testing DKIM: flag `t=y`.
    pub fn is_testing(&self) -> bool {
        self.has_flag("y")
    }

    /// Whether the `i=` domain must equal `d=` exactly: flag `t=s`.
    pub fn requires_same_domain(&self) -> bool {
        self.has_flag("s")
    }

    /// Whether `h=` allows the hash `name` (or is absent).
    pub fn allows_hash(&self, name: &str) -> bool {
        self.acceptable_hashes
            .as_ref()
            .is_none_or(|hashes| hashes.iter().any(|hash| hash.eq_ignore_ascii_case(name)))
    }

    /// Whether `s=` allows the service `name` (`*`, the default, allows
    /// all).
    pub fn allows_service(&self, name: &str) -> bool {
        self.service_types.as_ref().is_none_or(|services| {
            services
                .iter()
                .any(|service| *service == "*" || service.eq_ignore_ascii_case(name))
        })
    }

    /// Decodes the public key for the record's key type.
    pub fn public_key(&self) -> Result<PublicKey, KeyRecordError> {
        PublicKey::from_record_data(self.key_type, &self.public_key_data)
    }

    /// Whether the flag `name` is among the `t=` flags.
    fn has_flag(&self, name: &str) -> bool {
        self.flags
            .iter()
            .any(|flag| flag.eq_ignore_ascii_case(name))
    }
}

/// The key types of the `k=` tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum KeyType {
    /// `rsa` (§3.6.1).
    Rsa,
    /// `ed25519` (RFC 8463 §4).
    Ed25519,
}

impl KeyType {
    /// The name written in the `k=` tag.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for KeyType {
    type Err = KeyRecordError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Self::Rsa, Self::Ed25519]
            .into_iter()
            .find(|key_type| key_type.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| KeyRecordError::UnknownKeyType {
                key_type: text.to_owned(),
            })
    }
}

/// A decoded public key, ready for ring.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKey {
    /// An RSA key as its modulus and public exponent, big-endian without
    /// leading zeros.
    Rsa {
        /// The modulus `n`.
        modulus: Vec<u8>,
        /// The public exponent `e`.
        exponent: Vec<u8>,
    },
    /// An Ed25519 key, 32 octets.
    Ed25519([u8; 32]),
}

impl PublicKey {
    /// Decodes `p=` data of key type `key_type`.
    pub fn from_record_data(key_type: KeyType, data: &[u8]) -> Result<Self, KeyRecordError> {
        match key_type {
            KeyType::Rsa => rsa_components(data).ok_or(KeyRecordError::InvalidRsaKey),
            KeyType::Ed25519 => data
                .try_into()
                .map(Self::Ed25519)
                .map_err(|_| KeyRecordError::InvalidEd25519Key { length: data.len() }),
        }
    }

    /// The key size in bits: the modulus length for RSA, 256 for Ed25519.
    pub fn bits(&self) -> u32 {
        match self {
            Self::Rsa { modulus, .. } => modulus_bits(modulus),
            Self::Ed25519(_) => 256,
        }
    }

    /// The key type.
    pub const fn key_type(&self) -> KeyType {
        match self {
            Self::Rsa { .. } => KeyType::Rsa,
            Self::Ed25519(_) => KeyType::Ed25519,
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PublicKey")
            .field("key_type", &self.key_type())
            .field("bits", &self.bits())
            .finish()
    }
}

/// Why a key record is unusable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum KeyRecordError {
    /// The `p=` value is not valid base64.
    #[error("key record tag p= is not valid base64")]
    BadBase64,

    /// The `p=` value of an Ed25519 key is not 32 octets.
    #[error("ed25519 key in p= is {length} octets, not 32")]
    InvalidEd25519Key {
        /// The decoded length.
        length: usize,
    },

    /// The `p=` value of an RSA key is neither SubjectPublicKeyInfo nor an
    /// RSAPublicKey.
    #[error("rsa key in p= is neither SubjectPublicKeyInfo nor RSAPublicKey DER")]
    InvalidRsaKey,

    /// The record has no `p=` tag.
    #[error("key record has no p= tag")]
    MissingPublicKey,

    /// The record is not UTF-8 text.
    #[error("key record is not text")]
    NotText,

    /// The tag-list cannot be read.
    #[error("key record: {0}")]
    TagList(#[from] TagListError),

    /// A `k=` value other than `rsa` and `ed25519`.
    #[error("unknown key type k={key_type}")]
    UnknownKeyType {
        /// The value as written.
        key_type: String,
    },

    /// A `v=` value other than `DKIM1`.
    #[error("unsupported key record version v={version}")]
    UnsupportedVersion {
        /// The value as written.
        version: String,
    },
}

impl KeyRecordError {
    /// A stable snake_case code, prefixed `key_`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BadBase64 => "key_bad_base64",
            Self::InvalidEd25519Key { .. } => "key_invalid_ed25519",
            Self::InvalidRsaKey => "key_invalid_rsa",
            Self::MissingPublicKey => "key_missing_public_key",
            Self::NotText => "key_not_text",
            Self::TagList(TagListError::DuplicateTag { .. }) => "key_duplicate_tag",
            Self::TagList(_) => "key_malformed_tag_list",
            Self::UnknownKeyType { .. } => "key_unknown_type",
            Self::UnsupportedVersion { .. } => "key_unsupported_version",
        }
    }
}

/// `v=`, when present, must read `DKIM1` and come first (§3.6.1).
fn check_version(
    tags: &TagList<'_>,
    strict: bool,
    deviations: &mut Vec<Deviation>,
) -> Result<(), KeyRecordError> {
    let Some(tag) = tags.tag("v") else {
        return Ok(());
    };

    if tag.value != "DKIM1" {
        return Err(KeyRecordError::UnsupportedVersion {
            version: tag.value.to_owned(),
        });
    }

    let first = tags.tags().first().is_some_and(|first| first.name == "v");
    if !first {
        if strict {
            return Err(KeyRecordError::UnsupportedVersion {
                version: tag.value.to_owned(),
            });
        }
        deviations.push(Deviation::new(
            DeviationKind::VersionNotFirst,
            tag.name_span,
        ));
    }
    Ok(())
}

/// The decoded `p=` value.
fn public_key_data(
    tags: &TagList<'_>,
    strict: bool,
    deviations: &mut Vec<Deviation>,
) -> Result<Vec<u8>, KeyRecordError> {
    let tag = tags.tag("p").ok_or(KeyRecordError::MissingPublicKey)?;
    let decoded = decode_base64(tag.value).ok_or(KeyRecordError::BadBase64)?;

    if decoded.padding_missing {
        if strict {
            return Err(KeyRecordError::BadBase64);
        }
        deviations.push(Deviation::new(
            DeviationKind::MissingBase64Padding,
            tag.value_span,
        ));
    }
    Ok(decoded.bytes)
}

/// Reads an RSA key as SubjectPublicKeyInfo or as a bare RSAPublicKey.
fn rsa_components(data: &[u8]) -> Option<PublicKey> {
    let mut outer = Reader::new(data).nested(SEQUENCE)?;

    if outer.peek_tag() == Some(SEQUENCE) {
        let mut algorithm = outer.nested(SEQUENCE)?;
        if algorithm.read(OBJECT_IDENTIFIER)? != RSA_ENCRYPTION {
            return None;
        }
        if !algorithm.is_empty() {
            algorithm.read(NULL)?;
        }

        let bits = outer.read(BIT_STRING)?;
        let (&unused, key) = bits.split_first()?;
        if unused != 0 || !outer.is_empty() {
            return None;
        }
        return rsa_public_key(key);
    }

    rsa_public_key(data)
}

/// Reads RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
fn rsa_public_key(der: &[u8]) -> Option<PublicKey> {
    let mut outer = Reader::new(der);
    let mut sequence = outer.nested(SEQUENCE)?;
    let modulus = sequence.unsigned_integer()?;
    let exponent = sequence.unsigned_integer()?;

    if !sequence.is_empty() || !outer.is_empty() || !is_plausible_rsa(modulus, exponent) {
        return None;
    }

    Some(PublicKey::Rsa {
        modulus: modulus.to_vec(),
        exponent: exponent.to_vec(),
    })
}

/// An odd modulus and an odd exponent from 3 to 33 bits, as ring requires:
/// anything else could only be reported as a signature mismatch.
fn is_plausible_rsa(modulus: &[u8], exponent: &[u8]) -> bool {
    let odd = |number: &[u8]| number.last().is_some_and(|&last| last & 1 == 1);
    let exponent_bits = modulus_bits(exponent);

    odd(modulus) && odd(exponent) && (2..=33).contains(&exponent_bits)
}

/// Bit length of a big-endian magnitude without leading zeros.
pub(crate) fn modulus_bits(modulus: &[u8]) -> u32 {
    match modulus.first() {
        Some(&first) => (modulus.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{write_element, write_unsigned_integer};

    fn rsa_public_key_der(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
        let mut integers = Vec::new();
        write_unsigned_integer(&mut integers, modulus);
        write_unsigned_integer(&mut integers, exponent);
        let mut der = Vec::new();
        write_element(&mut der, SEQUENCE, &integers);
        der
    }

    #[test]
    fn rsa_keys_are_read_from_both_encodings() {
        let modulus = [0xc5u8; 128];
        let pkcs1 = rsa_public_key_der(&modulus, &[1, 0, 1]);
        let spki = crate::signing_key::subject_public_key_info(&pkcs1);

        for data in [&pkcs1, &spki] {
            let key = PublicKey::from_record_data(KeyType::Rsa, data).unwrap();
            assert_eq!(key.bits(), 1024);
            assert!(matches!(key, PublicKey::Rsa { ref exponent, .. } if exponent == &[1, 0, 1]));
        }
        let truncated = &spki[..spki.len() - 1];
        assert_eq!(
            PublicKey::from_record_data(KeyType::Rsa, truncated),
            Err(KeyRecordError::InvalidRsaKey)
        );
    }

    #[test]
    fn empty_p_means_revoked_and_missing_p_is_an_error() {
        let revoked = DomainKey::parse("v=DKIM1; p=", false).unwrap();

        assert!(revoked.is_revoked());
        assert_eq!(
            DomainKey::parse("v=DKIM1; k=rsa", false),
            Err(KeyRecordError::MissingPublicKey)
        );
    }

    #[test]
    fn version_must_be_dkim1_and_should_come_first() {
        assert!(matches!(
            DomainKey::parse("v=DKIM1: g=*; k=rsa; p=", false),
            Err(KeyRecordError::UnsupportedVersion { .. })
        ));

        let late = DomainKey::parse("k=rsa; v=DKIM1; p=", false).unwrap();
        assert_eq!(late.deviations[0].kind, DeviationKind::VersionNotFirst);
        assert!(DomainKey::parse("k=rsa; v=DKIM1; p=", true).is_err());
    }

    #[test]
    fn unknown_key_types_are_refused_and_defaults_apply() {
        assert!(matches!(
            DomainKey::parse("k=ed25519-sha256; p=", false),
            Err(KeyRecordError::UnknownKeyType { .. })
        ));

        let defaults = DomainKey::parse("p=", false).unwrap();
        assert_eq!(defaults.key_type, KeyType::Rsa);
        assert!(defaults.allows_hash("sha1") && defaults.allows_service("email"));
        assert!(!defaults.is_testing() && !defaults.requires_same_domain());
    }

    #[test]
    fn hash_and_service_lists_restrict() {
        let key = DomainKey::parse("h=sha1; s=tlsrpt; p=", false).unwrap();

        assert!(!key.allows_hash("sha256"));
        assert!(!key.allows_service("email"));
    }

    #[test]
    fn ed25519_keys_must_be_32_octets() {
        assert_eq!(
            PublicKey::from_record_data(KeyType::Ed25519, &[0; 31]),
            Err(KeyRecordError::InvalidEd25519Key { length: 31 })
        );
    }

    #[test]
    fn modulus_bits_count_from_the_top_set_bit() {
        assert_eq!(modulus_bits(&[0x01, 0x00]), 9);
        assert_eq!(modulus_bits(&[0x80; 128]), 1024);
        assert_eq!(modulus_bits(&[]), 0);
    }
}
