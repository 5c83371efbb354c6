//! DKIM for email authentication: verify and sign DKIM-Signature fields
//! ([RFC 6376](https://www.rfc-editor.org/rfc/rfc6376), with
//! [RFC 8301](https://www.rfc-editor.org/rfc/rfc8301) and
//! [RFC 8463](https://www.rfc-editor.org/rfc/rfc8463)), with ring for the
//! cryptography.
//!
//! [`verify`] gives one [`DkimOutcome`] per DKIM-Signature field: the RFC
//! 8601 result word, the precise [`Cause`] of anything but a pass (a body
//! hash mismatch is told apart from a signature mismatch, a missing key
//! from a revoked one, a refused algorithm from an expired signature), and
//! the facts an analyst needs: domain, selector, algorithm, key size,
//! whether the body and the signed fields are intact. Keys come through the
//! [`Resolver`](mailtrail_dns::Resolver) trait of `mailtrail-dns`; the time
//! is passed in. [`DkimVerification`] answers what a receiver asks next:
//! which signature aligns with a domain, whether the From field is covered,
//! how much of the body an `l=` left unsigned. [`verify_cached`] keeps the
//! keys it parses in a [`KeyCache`] for their DNS TTL, so that a receiver
//! fetches and parses each key once for many messages. [`Signer`] writes
//! the field, folded and ready to prepend.
//!
//! ```
//! use mailtrail_dkim::{DkimResult, Signer, SigningKey, VerifyOptions, verify};
//! use mailtrail_dns::ZoneResolver;
//!
//! // An Ed25519 key from its seed (here in base64), for this example only.
//! let key = SigningKey::from_bytes(b"ZXhhbXBsZSBzZWVkLCBuZXZlciB1c2UgZm9yIG1haWw=")?;
//! let message = b"From: Joe SixPack <joe@football.example.com>\r\n\
//!                 Subject: Is dinner ready?\r\n\
//!                 \r\n\
//!                 Hi.\r\n";
//! let now = 1_528_637_909;
//! let field = Signer::new(&key, "football.example.com", "brisbane")?.sign(message, now)?;
//! let signed = [field.as_bytes(), message].concat();
//!
//! let zone: ZoneResolver = format!(
//!     "brisbane._domainkey.football.example.com. 300 IN TXT \"{}\"",
//!     key.public_key_record()
//! )
//! .parse()?;
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! let verification = runtime.block_on(verify(&zone, &signed, &VerifyOptions::new(now)));
//!
//! let outcome = &verification.outcomes[0];
//! assert_eq!(outcome.result, DkimResult::Pass);
//! assert_eq!(outcome.signing_domain, Some("football.example.com"));
//! assert_eq!(outcome.key_bits, Some(256));
//! assert!(verification.from_signed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Time
//!
//! `now` is a count of Unix seconds, the unit of `t=` and `x=`; the
//! clock-skew tolerance is a [`Duration`](std::time::Duration) in
//! [`VerifyOptions`]. Nothing in this crate reads the clock.
//!
//! # Features
//!
//! - `serde`: `Serialize` for outcomes, causes and parsed signatures and key
//!   records (base64 values as text).
//!
//! # Conformance and deviations
//!
//! Implemented:
//!
//! - [RFC 6376 §3.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.2)
//!   tag-lists ([`TagList`]): case-sensitive names, FWS, duplicate names
//!   invalidate the list, unknown tags ignored but kept.
//! - [§3.3](https://www.rfc-editor.org/rfc/rfc6376#section-3.3) and
//!   [RFC 8463 §3](https://www.rfc-editor.org/rfc/rfc8463#section-3):
//!   rsa-sha256 and ed25519-sha256, verify and sign. [RFC 8301
//!   §3.1](https://www.rfc-editor.org/rfc/rfc8301#section-3.1): rsa-sha1 is
//!   parsed and refused ([`Cause::AlgorithmRefused`]); [§3.2](https://www.rfc-editor.org/rfc/rfc8301#section-3.2):
//!   RSA keys under 1024 bits are refused ([`Cause::KeyTooShort`]).
//!   Verification covers 1024 to 8192 bits (ring's legacy parameters below
//!   2048); signing 2048 to 4096.
//! - [§3.4](https://www.rfc-editor.org/rfc/rfc6376#section-3.4) simple and
//!   relaxed canonicalization of header fields ([`canonicalize_header`]) and
//!   of the body, streaming ([`BodyCanonicalizer`], [`BodyHasher`]), with
//!   `l=`.
//! - [§3.5](https://www.rfc-editor.org/rfc/rfc6376#section-3.5) every tag of
//!   the DKIM-Signature field ([`DkimSignature`]); [§3.6.1](https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1)
//!   every tag of the key record ([`DomainKey`]), `p=` as
//!   SubjectPublicKeyInfo or as a bare RSAPublicKey.
//! - [§3.7](https://www.rfc-editor.org/rfc/rfc6376#section-3.7) the hashes,
//!   with the signature field's `b=` value blanked; [§5.4.2](https://www.rfc-editor.org/rfc/rfc6376#section-5.4.2)
//!   header selection bottom-up, oversigned names adding nothing.
//! - [§6.1](https://www.rfc-editor.org/rfc/rfc6376#section-6.1) verification
//!   in order, `x=` and `t=` against `now` with a tolerance, the key
//!   restrictions `h=`, `s=`, `k=` and `t=s`, `t=y` reported as
//!   [`DkimOutcome::testing`]; a cap on signatures evaluated.
//! - [RFC 8601 §2.7.1](https://www.rfc-editor.org/rfc/rfc8601#section-2.7.1)
//!   result words; the mapping of causes to words is documented at
//!   [`Cause`], the order in which failures lead at
//!   [`DkimVerification::by_specificity`].
//!
//! Choices where the RFCs leave room:
//!
//! - Messages with bare LF line ends are read as if each LF were CRLF, in
//!   the body and in header folding; a CR that ends no line is content.
//! - A key name with several TXT records: each that parses as a key record
//!   is tried in order (§6.1.2 allows it); the signature passes if one
//!   verifies, else the first record's failure is reported.
//! - The header signature is checked even when the body hash does not
//!   match ([`DkimOutcome::signature_matches`]), so an analyst can tell a
//!   changed body from changed header fields.
//! - Tolerated deviations ([`DeviationKind`]): an empty tag spec, base64
//!   without padding, underscores in `d=` and `s=`, a key record whose `v=`
//!   is not first. [`VerifyOptions::strict`] refuses them.
//! - Signing with RSA keys of 1024 to 2047 bits is refused
//!   ([`KeyError::UnsupportedSize`]): ring does not sign with them and this
//!   crate does no private-key arithmetic of its own. RFC 6376 §3.3.3 lets
//!   signers use 1024 bits, RFC 8301 §3.2 asks for 2048; go-msgauth's
//!   1024-bit signing vector is therefore not reproduced.
//!
//! Known gaps:
//!
//! - `z=` (copied header fields) is kept as written and not decoded.
//! - Key records are read only through DNS TXT (`q=dns/txt`, the only
//!   method defined).
//! - ARC (RFC 8617) and the DKIM-Signature of ARC sets are out of scope.
//! - The `h=` name `DKIM-Signature` selects among all DKIM-Signature fields,
//!   the one being verified included.

#![forbid(unsafe_code)]

mod body;
mod cache;
mod canonical;
mod deviation;
mod encoding;
mod key;
mod result;
mod select;
mod sign;
mod signature;
mod signing_key;
mod tag_list;
mod verify;
mod whole_body;

pub use body::{BodyCanonicalizer, BodyHash, BodyHasher};
pub use cache::KeyCache;
pub use canonical::{Canonicalization, UnknownCanonicalization, canonicalize_header};
pub use deviation::{Deviation, DeviationKind};
pub use key::{DomainKey, KeyRecordError, KeyType, PublicKey};
pub use result::{Cause, DkimOutcome, DkimResult, DkimVerification};
pub use sign::{DEFAULT_SIGNED_HEADERS, SignError, Signer, TagOrder};
pub use signature::{Algorithm, DkimSignature, SignatureError};
pub use signing_key::{KeyError, SigningKey};
pub use tag_list::{Tag, TagList, TagListError};
pub use verify::{
    VerifyOptions, verify, verify_block, verify_block_cached, verify_block_with, verify_cached,
};
