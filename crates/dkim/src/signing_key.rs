//! Private keys for signing: RSA from PKCS#8 or PKCS#1, PEM or DER
//! ([RFC 5958](https://www.rfc-editor.org/rfc/rfc5958),
//! [RFC 8017 Appendix A.1.2](https://www.rfc-editor.org/rfc/rfc8017#appendix-A.1.2),
//! [RFC 7468](https://www.rfc-editor.org/rfc/rfc7468)), and Ed25519 from
//! PKCS#8 or a 32-octet seed ([RFC 8410](https://www.rfc-editor.org/rfc/rfc8410),
//! [RFC 8463 §3](https://www.rfc-editor.org/rfc/rfc8463#section-3)).
//!
//! RSA keys of 2048 to 4096 bits sign with ring. Shorter keys are refused:
//! ring does not sign with them, and this crate implements no private-key
//! arithmetic of its own (RFC 8301 §3.2 asks signers for 2048 bits anyway).

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};

use crate::Algorithm;
use crate::encoding::{
    BIT_STRING, ID_ED25519, INTEGER, NULL, OBJECT_IDENTIFIER, OCTET_STRING, RSA_ENCRYPTION, Reader,
    SEQUENCE, decode_base64, encode_base64, write_element,
};
use crate::key::modulus_bits;

/// A private key that signs DKIM signatures.
///
/// ```
/// use mailtrail_dkim::{Algorithm, SigningKey};
///
/// let key = SigningKey::from_ed25519_seed(&[1; 32])?;
/// assert_eq!(key.algorithm(), Algorithm::Ed25519Sha256);
/// assert_eq!(key.bits(), 256);
/// assert!(key.public_key_record().starts_with("v=DKIM1; k=ed25519; p="));
///
/// let seed_in_base64 = b"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n";
/// let same = SigningKey::from_bytes(seed_in_base64)?;
/// assert_eq!(same.public_key_record(), key.public_key_record());
/// # Ok::<(), mailtrail_dkim::KeyError>(())
/// ```
pub struct SigningKey {
    inner: Inner,
    bits: u32,
}

/// The key, by the code that signs with it.
enum Inner {
    Rsa(Box<RsaKeyPair>),
    Ed25519(Box<Ed25519KeyPair>),
}

impl SigningKey {
    /// Reads a key in any form this type knows: PEM, DER, a raw 32-octet
    /// Ed25519 seed, or such a seed in base64.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if memchr::memmem::find(bytes, b"-----BEGIN").is_some() {
            let text = std::str::from_utf8(bytes).map_err(|_| KeyError::Unrecognized)?;
            return Self::from_pem(text);
        }

        if bytes.first() == Some(&SEQUENCE) {
            return Self::from_der(bytes);
        }

        if bytes.len() == 32 {
            return Self::from_ed25519_seed(bytes);
        }

        let text = std::str::from_utf8(bytes).map_err(|_| KeyError::Unrecognized)?;
        match decode_base64(text.trim()) {
            Some(decoded) if decoded.bytes.len() == 32 => Self::from_ed25519_seed(&decoded.bytes),
            _ => Err(KeyError::Unrecognized),
        }
    }

    /// Reads a PEM key: `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY`
    /// (PKCS#1). Text before the first line starting `-----BEGIN` is
    /// ignored.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let (label, body) = pem_body(text)?;

        match label {
            "PRIVATE KEY" | "RSA PRIVATE KEY" => {}
            "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
            other => return Err(KeyError::UnexpectedPemLabel(other.to_owned())),
        }

        if body.contains("Proc-Type:") {
            return Err(KeyError::Encrypted);
        }
        let der = decode_base64(body).ok_or(KeyError::Malformed)?;
        Self::from_der(&der.bytes)
    }

    /// Reads a DER key: PKCS#8 PrivateKeyInfo (RSA or Ed25519) or PKCS#1
    /// RSAPrivateKey.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let mut outer = Reader::new(der)
            .nested(SEQUENCE)
            .ok_or(KeyError::Malformed)?;
        outer.read(INTEGER).ok_or(KeyError::Malformed)?;

        if outer.peek_tag() != Some(SEQUENCE) {
            return Self::from_rsa_private_key(der);
        }

        let mut algorithm = outer.nested(SEQUENCE).ok_or(KeyError::Malformed)?;
        let identifier = algorithm
            .read(OBJECT_IDENTIFIER)
            .ok_or(KeyError::Malformed)?;
        if identifier == ID_ED25519 {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map_err(|error| KeyError::Rejected(error.to_string()))?;
            return Ok(Self {
                inner: Inner::Ed25519(Box::new(pair)),
                bits: 256,
            });
        }

        if identifier != RSA_ENCRYPTION {
            return Err(KeyError::UnsupportedAlgorithm);
        }
        let private_key = outer.read(OCTET_STRING).ok_or(KeyError::Malformed)?;
        Self::from_rsa_private_key(private_key)
    }

    /// An Ed25519 key from its 32-octet seed (the RFC 8032 private key).
    pub fn from_ed25519_seed(seed: &[u8]) -> Result<Self, KeyError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|error| KeyError::Rejected(error.to_string()))?;

        Ok(Self {
            inner: Inner::Ed25519(Box::new(pair)),
            bits: 256,
        })
    }

    /// The algorithm the key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            Inner::Rsa(_) => Algorithm::RsaSha256,
            Inner::Ed25519(_) => Algorithm::Ed25519Sha256,
        }
    }

    /// The key size in bits (256 for Ed25519).
    pub const fn bits(&self) -> u32 {
        self.bits
    }

    /// The key record to publish at `<selector>._domainkey.<domain>`:
    /// `v=DKIM1; k=rsa; p=` with the SubjectPublicKeyInfo, or
    /// `v=DKIM1; k=ed25519; p=` with the raw public key.
    pub fn public_key_record(&self) -> String {
        match &self.inner {
            Inner::Rsa(pair) => {
                let spki = subject_public_key_info(pair.public().as_ref());
                format!("v=DKIM1; k=rsa; p={}", encode_base64(&spki))
            }
            Inner::Ed25519(pair) => {
                let public = encode_base64(pair.public_key().as_ref());
                format!("v=DKIM1; k=ed25519; p={public}")
            }
        }
    }

    /// Signs the header data: RSASSA-PKCS1-v1_5 with SHA-256, or Ed25519
    /// over the SHA-256 hash of the data (RFC 8463 §3).
    pub(crate) fn sign(&self, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.inner {
            Inner::Rsa(pair) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    data,
                    &mut signature,
                )
                .map_err(|error| KeyError::Rejected(error.to_string()))?;
                Ok(signature)
            }
            Inner::Ed25519(pair) => {
                let hash = ring::digest::digest(&ring::digest::SHA256, data);
                Ok(pair.sign(hash.as_ref()).as_ref().to_vec())
            }
        }
    }

    /// Reads a PKCS#1 RSAPrivateKey of 2048 to 4096 bits for ring.
    fn from_rsa_private_key(der: &[u8]) -> Result<Self, KeyError> {
        let modulus = rsa_private_key_modulus(der).ok_or(KeyError::Malformed)?;
        let bits = modulus_bits(modulus);
        if !(2048..=4096).contains(&bits) {
            return Err(KeyError::UnsupportedSize { bits });
        }

        let pair =
            RsaKeyPair::from_der(der).map_err(|error| KeyError::Rejected(error.to_string()))?;
        Ok(Self {
            inner: Inner::Rsa(Box::new(pair)),
            bits,
        })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// Why a private key cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// An encrypted private key; decrypt it first.
    #[error("the private key is encrypted")]
    Encrypted,

    /// Bytes that do not decode as the key format they claim.
    #[error("the private key is malformed")]
    Malformed,

    /// ring refused the key.
    #[error("the private key was refused: {0}")]
    Rejected(String),

    /// A PEM block that holds no private key.
    #[error("PEM label {0:?} is not a private key")]
    UnexpectedPemLabel(String),

    /// Neither PEM, DER nor an Ed25519 seed.
    #[error("unrecognized private key format")]
    Unrecognized,

    /// A PKCS#8 key of another algorithm than RSA or Ed25519.
    #[error("the private key is neither RSA nor Ed25519")]
    UnsupportedAlgorithm,

    /// An RSA key outside 2048 to 4096 bits: ring signs with no shorter key.
    #[error("{bits}-bit RSA keys are not supported for signing (2048 to 4096)")]
    UnsupportedSize {
        /// The key size.
        bits: u32,
    },
}

/// Wraps an RSAPublicKey in a SubjectPublicKeyInfo (RFC 5280 §4.1, RFC 3279
/// §2.3.1), the form RFC 6376 §3.6.1 asks key records to publish.
pub(crate) fn subject_public_key_info(rsa_public_key: &[u8]) -> Vec<u8> {
    let mut algorithm = Vec::new();
    write_element(&mut algorithm, OBJECT_IDENTIFIER, RSA_ENCRYPTION);
    write_element(&mut algorithm, NULL, &[]);

    let mut bits = vec![0];
    bits.extend_from_slice(rsa_public_key);

    let mut contents = Vec::new();
    write_element(&mut contents, SEQUENCE, &algorithm);
    write_element(&mut contents, BIT_STRING, &bits);

    let mut spki = Vec::new();
    write_element(&mut spki, SEQUENCE, &contents);
    spki
}

/// The modulus of RSAPrivateKey ::= SEQUENCE { version, n, e, d, ... }.
fn rsa_private_key_modulus(der: &[u8]) -> Option<&[u8]> {
    let mut sequence = Reader::new(der).nested(SEQUENCE)?;
    sequence.read(INTEGER)?;
    sequence.unsigned_integer()
}

/// The label and base64 body of the first PEM block in `text`.
fn pem_body(text: &str) -> Result<(&str, &str), KeyError> {
    let begin = text.find("-----BEGIN ").ok_or(KeyError::Unrecognized)?;
    let after_begin = &text[begin + "-----BEGIN ".len()..];
    let label_end = after_begin.find("-----").ok_or(KeyError::Malformed)?;
    let label = &after_begin[..label_end];

    let body_start = &after_begin[label_end + "-----".len()..];
    let end = body_start.find("-----END ").ok_or(KeyError::Malformed)?;
    Ok((label, &body_start[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_text_before_the_block_is_ignored_and_labels_are_checked() {
        let (label, body) = pem_body(
            "test key only\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();

        assert_eq!(label, "PRIVATE KEY");
        assert_eq!(body.trim(), "AAAA");
        assert_eq!(
            SigningKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .unwrap_err(),
            KeyError::UnexpectedPemLabel("PUBLIC KEY".into())
        );
        assert_eq!(
            SigningKey::from_pem(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----"
            )
            .unwrap_err(),
            KeyError::Encrypted
        );
    }

    #[test]
    fn seeds_are_read_raw_or_in_base64_and_other_bytes_are_refused() {
        let raw = SigningKey::from_bytes(&[9; 32]).unwrap();
        let encoded = SigningKey::from_bytes(encode_base64(&[9; 32]).as_bytes()).unwrap();

        assert_eq!(raw.public_key_record(), encoded.public_key_record());
        assert_eq!(
            SigningKey::from_bytes(b"hello").unwrap_err(),
            KeyError::Unrecognized
        );
        assert_eq!(
            SigningKey::from_bytes(&[0x30, 0x03, 1]).unwrap_err(),
            KeyError::Malformed
        );
    }

    #[test]
    fn ed25519_signatures_are_over_the_hash_of_the_data() {
        let key = SigningKey::from_ed25519_seed(&[3; 32]).unwrap();
        let pair = Ed25519KeyPair::from_seed_unchecked(&[3; 32]).unwrap();
        let hash = ring::digest::digest(&ring::digest::SHA256, b"data");

        assert_eq!(
            key.sign(b"data").unwrap(),
            pair.sign(hash.as_ref()).as_ref()
        );
    }
}
