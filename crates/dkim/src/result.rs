//! What verification concludes: one [`DkimOutcome`] per DKIM-Signature field,
//! in the result words of [RFC 8601 §2.7.1](https://www.rfc-editor.org/rfc/rfc8601#section-2.7.1),
//! each with the precise [`Cause`] of anything but a pass.

use std::fmt;

use mailtrail_message::Span;

use crate::{Algorithm, DkimSignature, KeyRecordError, KeyType, SignatureError};

/// The DKIM result words of RFC 8601 §2.7.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum DkimResult {
    /// The message was not signed.
    None,
    /// The signature verified.
    Pass,
    /// The signature did not verify.
    Fail,
    /// The signature was refused by a rule of the verifier.
    Policy,
    /// The signature could not be processed (never produced here; kept for
    /// completeness of the registry).
    Neutral,
    /// A transient error, a DNS failure: a later attempt may succeed.
    TempError,
    /// A permanent error: the signature or key record is unusable.
    PermError,
}

impl DkimResult {
    /// The result word as RFC 8601 writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Policy => "policy",
            Self::Neutral => "neutral",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }
}

impl fmt::Display for DkimResult {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why a signature did not pass.
///
/// # Results
///
/// | result | causes |
/// |---|---|
/// | `pass` | none |
/// | `fail` | [`Cause::SignatureMismatch`], [`Cause::BodyHashMismatch`] |
/// | `policy` | [`Cause::AlgorithmRefused`] (rsa-sha1, RFC 8301), [`Cause::KeyTooShort`] (RFC 8301), [`Cause::Expired`], [`Cause::FutureTimestamp`], [`Cause::NotEvaluated`] |
/// | `temperror` | [`Cause::KeyLookupFailed`] |
/// | `permerror` | every other cause: signature syntax, key record, key not found or revoked, key restrictions, `l=` past the body |
///
/// `policy` marks a signature that may well be cryptographically sound but
/// that a rule refuses: RFC 8301's minimum strength, the verifier's clock,
/// or the cap on signatures evaluated. `neutral` is never produced: every
/// signature that cannot be processed has a `permerror` cause. `none` is the
/// result of a message without signatures ([`DkimVerification::result`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Cause {
    /// The algorithm is refused: rsa-sha1 (RFC 8301 §3.1).
    #[error("algorithm {algorithm} is refused (RFC 8301)")]
    AlgorithmRefused {
        /// The refused algorithm.
        algorithm: Algorithm,
    },

    /// The body hash computed does not match `bh=`: the body changed.
    #[error("body hash mismatch")]
    BodyHashMismatch,

    /// `l=` is larger than the canonicalized body (§3.5).
    #[error("l={body_length} is larger than the canonical body of {canonical_length} octets")]
    BodyLengthExceedsBody {
        /// The `l=` value.
        body_length: u64,
        /// Octets in the canonical body.
        canonical_length: u64,
    },

    /// `x=` is in the past, beyond the clock-skew tolerance (§3.5).
    #[error("signature expired at {expiration} (now {now})")]
    Expired {
        /// The `x=` value.
        expiration: u64,
        /// The verifier's time.
        now: u64,
    },

    /// `t=` is in the future, beyond the clock-skew tolerance (§3.5).
    #[error("signature timestamp {timestamp} is in the future (now {now})")]
    FutureTimestamp {
        /// The `t=` value.
        timestamp: u64,
        /// The verifier's time.
        now: u64,
    },

    /// The key record's `h=` does not allow the signature's hash (§3.6.1).
    #[error("key record h= does not allow {hash}")]
    HashNotAllowed {
        /// The hash the signature uses.
        hash: &'static str,
    },

    /// The key lookup failed temporarily (SERVFAIL, timeout).
    #[error("key lookup failed: {detail}")]
    KeyLookupFailed {
        /// The DNS failure.
        detail: String,
    },

    /// No key record at `<selector>._domainkey.<domain>` (§6.1.2).
    #[error("no key record at {name}")]
    KeyNotFound {
        /// The name looked up.
        name: String,
    },

    /// The key record is malformed.
    #[error(transparent)]
    KeyRecord(KeyRecordError),

    /// The key record has an empty `p=` (§3.6.1).
    #[error("key revoked")]
    KeyRevoked,

    /// An RSA key over 8192 bits, which ring cannot verify with.
    #[error("{bits}-bit key is too long")]
    KeyTooLong {
        /// The key size.
        bits: u32,
    },

    /// An RSA key under 1024 bits (RFC 8301 §3.2).
    #[error("{bits}-bit key is too short (RFC 8301)")]
    KeyTooShort {
        /// The key size.
        bits: u32,
    },

    /// The key record's `k=` does not fit the signature's algorithm.
    #[error("key type {key_type} does not fit algorithm {algorithm}")]
    KeyTypeMismatch {
        /// The key record's type.
        key_type: KeyType,
        /// The signature's algorithm.
        algorithm: Algorithm,
    },

    /// The signature is past the cap on signatures evaluated per message.
    #[error("not evaluated: more than {limit} signatures")]
    NotEvaluated {
        /// The cap.
        limit: usize,
    },

    /// The key record's `s=` does not allow email (§3.6.1).
    #[error("key record s={services} does not allow email")]
    ServiceNotAllowed {
        /// The `s=` value.
        services: String,
    },

    /// The DKIM-Signature field is malformed.
    #[error(transparent)]
    Signature(SignatureError),

    /// The header signature did not verify with the key.
    #[error("signature mismatch")]
    SignatureMismatch,

    /// The key has `t=s` but the `i=` domain is a subdomain of `d=`.
    #[error("key record t=s: i= domain {identifier_domain} is not d={signing_domain}")]
    SubdomainNotAllowed {
        /// The `i=` domain.
        identifier_domain: String,
        /// The `d=` value.
        signing_domain: String,
    },
}

impl Cause {
    /// The RFC 8601 result this cause gives.
    pub const fn result(&self) -> DkimResult {
        match self {
            Self::BodyHashMismatch | Self::SignatureMismatch => DkimResult::Fail,
            Self::AlgorithmRefused { .. }
            | Self::KeyTooShort { .. }
            | Self::Expired { .. }
            | Self::FutureTimestamp { .. }
            | Self::NotEvaluated { .. } => DkimResult::Policy,
            Self::KeyLookupFailed { .. } => DkimResult::TempError,
            _ => DkimResult::PermError,
        }
    }

    /// A stable snake_case code for the cause, for logs, tables and JSON;
    /// malformed signatures and key records give the code of their error.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::AlgorithmRefused { .. } => "algorithm_refused",
            Self::BodyHashMismatch => "body_hash_mismatch",
            Self::BodyLengthExceedsBody { .. } => "body_length_exceeds_body",
            Self::Expired { .. } => "expired",
            Self::FutureTimestamp { .. } => "future_timestamp",
            Self::HashNotAllowed { .. } => "hash_not_allowed",
            Self::KeyLookupFailed { .. } => "key_lookup_failed",
            Self::KeyNotFound { .. } => "key_not_found",
            Self::KeyRecord(error) => error.code(),
            Self::KeyRevoked => "key_revoked",
            Self::KeyTooLong { .. } => "key_too_long",
            Self::KeyTooShort { .. } => "key_too_short",
            Self::KeyTypeMismatch { .. } => "key_type_mismatch",
            Self::NotEvaluated { .. } => "not_evaluated",
            Self::ServiceNotAllowed { .. } => "service_not_allowed",
            Self::Signature(error) => error.code(),
            Self::SignatureMismatch => "signature_mismatch",
            Self::SubdomainNotAllowed { .. } => "subdomain_not_allowed",
        }
    }

    /// Rank in the specificity order of the module documentation: lower is
    /// more specific.
    pub const fn specificity(&self) -> u8 {
        match self {
            Self::SignatureMismatch => 0,
            Self::BodyHashMismatch => 1,
            Self::BodyLengthExceedsBody { .. } => 2,
            Self::Expired { .. } | Self::FutureTimestamp { .. } => 3,
            Self::AlgorithmRefused { .. } | Self::KeyTooShort { .. } | Self::KeyTooLong { .. } => 4,
            Self::HashNotAllowed { .. }
            | Self::ServiceNotAllowed { .. }
            | Self::KeyTypeMismatch { .. }
            | Self::SubdomainNotAllowed { .. } => 5,
            Self::KeyRevoked => 6,
            Self::KeyRecord(_) => 7,
            Self::KeyNotFound { .. } => 8,
            Self::KeyLookupFailed { .. } => 9,
            Self::Signature(_) => 10,
            Self::NotEvaluated { .. } => 11,
        }
    }
}

/// The outcome of one DKIM-Signature field.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct DkimOutcome<'a> {
    /// Position among the header fields of the message, from 0 at the top.
    pub field_index: usize,
    /// Where the DKIM-Signature field lies in the message.
    pub span: Span,
    /// The RFC 8601 result.
    pub result: DkimResult,
    /// Why the result is not `pass`.
    pub cause: Option<Cause>,
    /// The `d=` value as written, even when the signature is malformed.
    pub signing_domain: Option<&'a str>,
    /// The `s=` value as written, even when the signature is malformed.
    pub selector: Option<&'a str>,
    /// The `a=` value as written, even when the signature is malformed.
    pub algorithm: Option<&'a str>,
    /// The parsed signature, when it parsed.
    pub signature: Option<DkimSignature<'a>>,
    /// Whether the body hash matched `bh=`, when it was computed.
    pub body_hash_matches: Option<bool>,
    /// Whether the header signature verified, when it was checked. It is
    /// checked even when the body hash does not match, to tell whether the
    /// signed header fields are intact.
    pub signature_matches: Option<bool>,
    /// The key size in bits (256 for Ed25519), when the key was decoded.
    pub key_bits: Option<u32>,
    /// Whether the key record says the domain is testing (`t=y`).
    pub testing: bool,
    /// Octets in the canonical body, when the body was hashed.
    pub canonical_body_length: Option<u64>,
    /// How many From fields the message has.
    pub from_fields: usize,
}

impl<'a> DkimOutcome<'a> {
    /// An outcome with only the field's place filled in, before anything
    /// about its signature is known.
    pub(crate) const fn blank(field_index: usize, span: Span, from_fields: usize) -> Self {
        Self {
            field_index,
            span,
            result: DkimResult::Pass,
            cause: None,
            signing_domain: None,
            selector: None,
            algorithm: None,
            signature: None,
            body_hash_matches: None,
            signature_matches: None,
            key_bits: None,
            testing: false,
            canonical_body_length: None,
            from_fields,
        }
    }

    /// Whether the signature passed.
    pub fn is_pass(&self) -> bool {
        self.result == DkimResult::Pass
    }

    /// Whether the signature covers every From field of the message (h=
    /// lists `from` at least as often as there are From fields, and there is
    /// one). With more listings than fields, no From field can be added
    /// without breaking the signature.
    pub fn signs_from(&self) -> bool {
        self.signature.as_ref().is_some_and(|signature| {
            self.from_fields > 0 && signature.signed_count("from") >= self.from_fields
        })
    }

    /// Canonical body octets after the `l=` count, which the signature does
    /// not cover; `None` without `l=` or when the body was not hashed.
    pub fn unsigned_body_octets(&self) -> Option<u64> {
        let body_length = self.signature.as_ref()?.body_length?;

        Some(self.canonical_body_length?.saturating_sub(body_length))
    }

    /// A short human-readable reason: the cause, or `None` on pass.
    pub fn reason(&self) -> Option<String> {
        self.cause.as_ref().map(ToString::to_string)
    }
}

/// The outcomes of all DKIM-Signature fields of a message, top to bottom.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DkimVerification<'a> {
    /// One outcome per DKIM-Signature field, in message order.
    pub outcomes: Vec<DkimOutcome<'a>>,
}

impl<'a> DkimVerification<'a> {
    /// The message's DKIM result: `pass` if any signature passed, `none`
    /// without signatures, else the result of the most specific failure.
    pub fn result(&self) -> DkimResult {
        if self.outcomes.iter().any(DkimOutcome::is_pass) {
            return DkimResult::Pass;
        }

        self.leading()
            .map_or(DkimResult::None, |outcome| outcome.result)
    }

    /// The first passing outcome, else the most specific failure.
    pub fn leading(&self) -> Option<&DkimOutcome<'a>> {
        self.by_specificity().into_iter().next()
    }

    /// Every outcome, passes first, then failures from the most specific
    /// cause to the least, ties in message order.
    ///
    /// # Order
    ///
    /// When several signatures fail, they are ordered by how far
    /// verification got, the furthest first, as a certificate verifier
    /// reports the failure of the longest chain:
    ///
    /// 1. the header signature did not verify (body hash matched or not known);
    /// 2. the body hash did not match, then `l=` ran past the body;
    /// 3. the signature expired or is dated in the future;
    /// 4. the algorithm or key size is refused;
    /// 5. the key record forbids this use (`h=`, `s=`, `k=`, `t=s`);
    /// 6. the key is revoked, then the key record is malformed;
    /// 7. no key was found, then the key lookup failed temporarily;
    /// 8. the signature field is malformed;
    /// 9. the signature was not evaluated (over the cap).
    ///
    /// Ties keep the order of the fields in the message.
    pub fn by_specificity(&self) -> Vec<&DkimOutcome<'a>> {
        let mut ordered: Vec<&DkimOutcome<'a>> = self.outcomes.iter().collect();

        ordered.sort_by_key(|outcome| outcome.cause.as_ref().map(Cause::specificity));
        ordered
    }

    /// The outcomes that passed.
    pub fn passing(&self) -> impl Iterator<Item = &DkimOutcome<'a>> {
        self.outcomes.iter().filter(|outcome| outcome.is_pass())
    }

    /// The first passing signature whose `d=` is exactly `domain` (without
    /// regard to case or a trailing dot): strict alignment in DMARC terms.
    pub fn aligned_with(&self, domain: &str) -> Option<&DkimOutcome<'a>> {
        self.passing().find(|outcome| {
            outcome
                .signing_domain
                .is_some_and(|signing| same_domain(signing, domain))
        })
    }

    /// The first passing signature whose `d=` is `organizational_domain` or
    /// a subdomain of it: relaxed alignment once the caller has found the
    /// organizational domain (with a public suffix list this crate does not
    /// carry).
    pub fn aligned_with_organization(
        &self,
        organizational_domain: &str,
    ) -> Option<&DkimOutcome<'a>> {
        self.passing().find(|outcome| {
            outcome.signing_domain.is_some_and(|signing| {
                crate::signature::is_same_or_subdomain(signing, organizational_domain)
            })
        })
    }

    /// Whether some passing signature covers every From field.
    pub fn from_signed(&self) -> bool {
        self.passing().any(DkimOutcome::signs_from)
    }
}

/// Whether two domains are the same, without regard to ASCII case or a
/// trailing dot.
fn same_domain(left: &str, right: &str) -> bool {
    let left = left.strip_suffix('.').unwrap_or(left);
    let right = right.strip_suffix('.').unwrap_or(right);

    left.eq_ignore_ascii_case(right)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(cause: Option<Cause>, domain: &'static str) -> DkimOutcome<'static> {
        DkimOutcome {
            result: cause.as_ref().map_or(DkimResult::Pass, Cause::result),
            cause,
            signing_domain: Some(domain),
            ..DkimOutcome::blank(0, Span::default(), 1)
        }
    }

    #[test]
    fn the_most_specific_failure_leads_and_ties_keep_message_order() {
        let verification = DkimVerification {
            outcomes: vec![
                outcome(Some(Cause::KeyRevoked), "a.example"),
                outcome(Some(Cause::BodyHashMismatch), "b.example"),
                outcome(Some(Cause::KeyNotFound { name: "x".into() }), "c.example"),
                outcome(Some(Cause::BodyHashMismatch), "d.example"),
            ],
        };

        let order: Vec<_> = verification
            .by_specificity()
            .iter()
            .map(|outcome| outcome.signing_domain.unwrap())
            .collect();
        assert_eq!(order, ["b.example", "d.example", "a.example", "c.example"]);
        assert_eq!(verification.result(), DkimResult::Fail);
    }

    #[test]
    fn any_pass_makes_the_message_pass_and_no_signature_is_none() {
        let verification = DkimVerification {
            outcomes: vec![
                outcome(Some(Cause::SignatureMismatch), "a.example"),
                outcome(None, "b.example"),
            ],
        };

        assert_eq!(verification.result(), DkimResult::Pass);
        assert_eq!(
            verification.leading().unwrap().signing_domain,
            Some("b.example")
        );
        assert_eq!(DkimVerification::default().result(), DkimResult::None);
    }

    #[test]
    fn alignment_is_exact_or_within_the_organizational_domain() {
        let verification = DkimVerification {
            outcomes: vec![
                outcome(Some(Cause::SignatureMismatch), "example.com"),
                outcome(None, "mail.Example.com."),
            ],
        };

        assert!(verification.aligned_with("example.com").is_none());
        assert!(verification.aligned_with("mail.example.com").is_some());
        assert!(
            verification
                .aligned_with_organization("example.com")
                .is_some()
        );
        assert!(
            verification
                .aligned_with_organization("ample.com")
                .is_none()
        );
    }

    #[test]
    fn causes_map_to_rfc_8601_results() {
        assert_eq!(Cause::BodyHashMismatch.result(), DkimResult::Fail);
        assert_eq!(
            Cause::KeyTooShort { bits: 512 }.result(),
            DkimResult::Policy
        );
        assert_eq!(
            Cause::KeyLookupFailed {
                detail: String::new()
            }
            .result(),
            DkimResult::TempError
        );
        assert_eq!(Cause::KeyRevoked.result(), DkimResult::PermError);
        assert_eq!(DkimResult::TempError.to_string(), "temperror");
    }
}
