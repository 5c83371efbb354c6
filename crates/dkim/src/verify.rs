//! Verifying every DKIM-Signature field of a message
//! ([RFC 6376 §6.1](https://www.rfc-editor.org/rfc/rfc6376#section-6.1),
//! [RFC 8301 §3](https://www.rfc-editor.org/rfc/rfc8301#section-3),
//! [RFC 8463 §3](https://www.rfc-editor.org/rfc/rfc8463#section-3)).
//!
//! For each field, top to bottom and up to the cap: parse the tags (§6.1.1),
//! refuse rsa-sha1 and check `x=` and `t=` against the `now` passed in, fetch
//! and check the key (§6.1.2), hash the body and the header fields, and
//! verify (§6.1.3). Keys and body hashes are shared between signatures that
//! need the same one. Nothing here reads the clock.

use std::sync::Arc;
use std::time::Duration;

use ring::digest;
use ring::signature::{
    ED25519, RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256,
    RsaPublicKeyComponents, UnparsedPublicKey,
};

use mailtrail_dns::{Resolver, Txt};
use mailtrail_message::{HeaderBlock, HeaderField, split};

use crate::cache::{KeyCache, KeySet};
use crate::key::modulus_bits;
use crate::select::{FieldNames, header_data};
use crate::signature::is_same_or_subdomain;
use crate::{
    Algorithm, BodyHash, BodyHasher, Canonicalization, Cause, DkimOutcome, DkimResult,
    DkimSignature, DkimVerification, DomainKey, KeyRecordError, PublicKey, TagList,
};

/// Verifies every DKIM-Signature field of `message` (CRLF or bare LF line
/// ends), fetching keys through `resolver`.
///
/// ```
/// use mailtrail_dkim::{Cause, DkimResult, Signer, SigningKey, VerifyOptions, verify};
/// use mailtrail_dns::{RecordData, Txt, ZoneResolver};
///
/// let key = SigningKey::from_ed25519_seed(&[7; 32])?;
/// let message = b"From: alice@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
/// let field = Signer::new(&key, "example.com", "sel")?.sign(message, 1_700_000_000)?;
/// let signed = [field.as_bytes(), message].concat();
///
/// let mut zone = ZoneResolver::new();
/// let record = key.public_key_record();
/// zone.insert("sel._domainkey.example.com", 300, RecordData::Txt(Txt::new([record])))?;
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let options = VerifyOptions::new(1_700_000_060);
/// let verification = runtime.block_on(verify(&zone, &signed, &options));
/// assert_eq!(verification.result(), DkimResult::Pass);
///
/// let tampered = [field.as_bytes(), &message[..message.len() - 3], b"!\r\n"].concat();
/// let verification = runtime.block_on(verify(&zone, &tampered, &options));
/// let outcome = &verification.outcomes[0];
/// assert_eq!(outcome.result, DkimResult::Fail);
/// assert_eq!(outcome.cause, Some(Cause::BodyHashMismatch));
/// assert_eq!(outcome.signature_matches, Some(true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn verify<'a, R: Resolver + ?Sized>(
    resolver: &R,
    message: &'a [u8],
    options: &VerifyOptions,
) -> DkimVerification<'a> {
    verify_block(resolver, message, &split(message), options).await
}

/// [`verify`] that takes keys from `cache` while their TTL lasts, and keeps
/// there the keys it fetches, so that a key record is fetched and parsed
/// once for many messages.
pub async fn verify_cached<'a, R: Resolver + ?Sized>(
    resolver: &R,
    message: &'a [u8],
    options: &VerifyOptions,
    cache: &KeyCache,
) -> DkimVerification<'a> {
    let block = split(message);
    verify_block_cached(resolver, message, &block, options, cache).await
}

/// [`verify`] for a caller that has already split the message: `block` must
/// be `split(message)` (a block of another message gives outcomes that
/// point at the wrong bytes, never a panic).
pub async fn verify_block<'a, R: Resolver + ?Sized>(
    resolver: &R,
    message: &'a [u8],
    block: &HeaderBlock<'a>,
    options: &VerifyOptions,
) -> DkimVerification<'a> {
    verify_block_with(resolver, message, block, options, None).await
}

/// [`verify_block`] with the key cache of [`verify_cached`].
pub async fn verify_block_cached<'a, R: Resolver + ?Sized>(
    resolver: &R,
    message: &'a [u8],
    block: &HeaderBlock<'a>,
    options: &VerifyOptions,
    cache: &KeyCache,
) -> DkimVerification<'a> {
    verify_block_with(resolver, message, block, options, Some(cache)).await
}

/// [`verify_block`] or [`verify_block_cached`], as `cache` says: for a
/// caller whose cache is optional.
pub async fn verify_block_with<'a, R: Resolver + ?Sized>(
    resolver: &R,
    message: &'a [u8],
    block: &HeaderBlock<'a>,
    options: &VerifyOptions,
    cache: Option<&KeyCache>,
) -> DkimVerification<'a> {
    let body = block
        .body_offset()
        .and_then(|offset| message.get(offset..))
        .unwrap_or_default();
    let mut run = Run {
        block,
        body,
        names: FieldNames::new(block),
        options,
        cache,
        keys: Vec::new(),
        key_name: String::with_capacity(128),
        bodies: Vec::new(),
        header_data: Vec::with_capacity(4096),
    };
    let from_fields = run.names.count("from");
    let signature_fields = run.names.indexes_of("DKIM-Signature");

    let mut outcomes = Vec::with_capacity(signature_fields.len());
    for field in signature_fields
        .into_iter()
        .filter_map(|index| block.field(index))
    {
        let mut outcome = DkimOutcome::blank(field.index(), field.span(), from_fields);
        let value = field_value(message, &field);

        if outcomes.len() >= options.max_signatures {
            record_raw_tags(&mut outcome, value);
            finish(
                &mut outcome,
                Err(Cause::NotEvaluated {
                    limit: options.max_signatures,
                }),
            );
        } else {
            run.evaluate(resolver, &field, value, &mut outcome).await;
        }
        outcomes.push(outcome);
    }

    DkimVerification { outcomes }
}

/// What verification takes besides the message and the resolver.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// The present, in Unix seconds, for `x=` and `t=`.
    pub now: u64,
    /// How far `x=` may lie in the past and `t=` in the future before the
    /// signature is refused (default five minutes).
    pub clock_skew: Duration,
    /// How many signatures are evaluated per message (default 10); the rest
    /// get [`Cause::NotEvaluated`].
    pub max_signatures: usize,
    /// Refuse the deviations a lenient parse tolerates (default off).
    pub strict: bool,
}

impl VerifyOptions {
    /// Options for verifying at `now` (Unix seconds), with the defaults.
    pub const fn new(now: u64) -> Self {
        Self {
            now,
            clock_skew: Duration::from_secs(300),
            max_signatures: 10,
            strict: false,
        }
    }

    /// Sets the clock-skew tolerance.
    pub const fn clock_skew(mut self, tolerance: Duration) -> Self {
        self.clock_skew = tolerance;
        self
    }

    /// Sets the cap on signatures evaluated per message.
    pub const fn max_signatures(mut self, cap: usize) -> Self {
        self.max_signatures = cap;
        self
    }

    /// Turns strict parsing on or off.
    pub const fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
}

/// The state shared by the signatures of one message.
struct Run<'r, 'a> {
    block: &'r HeaderBlock<'a>,
    body: &'a [u8],
    names: FieldNames<'r>,
    options: &'r VerifyOptions,
    cache: Option<&'r KeyCache>,
    keys: Vec<(String, KeySet)>,
    key_name: String,
    bodies: Vec<((Canonicalization, Option<u64>), BodyHash)>,
    header_data: Vec<u8>,
}

impl<'a> Run<'_, 'a> {
    /// Verifies one signature field and fills in its outcome.
    async fn evaluate<R: Resolver + ?Sized>(
        &mut self,
        resolver: &R,
        field: &HeaderField<'_>,
        value: Option<&'a str>,
        outcome: &mut DkimOutcome<'a>,
    ) {
        let Some(text) = value else {
            let error = crate::SignatureError::NotText;
            return finish(outcome, Err(Cause::Signature(error)));
        };

        let signature = match DkimSignature::parse(text, self.options.strict) {
            Ok(signature) => signature,
            Err(error) => {
                record_raw_tags(outcome, value);
                return finish(outcome, Err(Cause::Signature(error)));
            }
        };

        outcome.signing_domain = Some(signature.signing_domain);
        outcome.selector = Some(signature.selector);
        outcome.algorithm = signature.tags.get("a");

        let verdict = self.check(resolver, field, &signature, outcome).await;
        outcome.signature = Some(signature);
        finish(outcome, verdict);
    }

    /// The checks of §6.1, in order; the first failure is the cause.
    async fn check<R: Resolver + ?Sized>(
        &mut self,
        resolver: &R,
        field: &HeaderField<'_>,
        signature: &DkimSignature<'a>,
        outcome: &mut DkimOutcome<'a>,
    ) -> Result<(), Cause> {
        if signature.algorithm == Algorithm::RsaSha1 {
            return Err(Cause::AlgorithmRefused {
                algorithm: signature.algorithm,
            });
        }
        self.check_times(signature)?;

        let keys = self.fetch_keys(resolver, signature).await?;
        if let [key] = &keys[..] {
            return self.check_with_key(key, field, signature, outcome);
        }

        // §6.1.2: with several key records, each may be tried; the first
        // failure is reported when none verifies.
        let mut first_failure = None;
        for key in keys.iter() {
            let mut attempt = outcome.clone();
            let verdict = self.check_with_key(key, field, signature, &mut attempt);
            if verdict.is_ok() {
                *outcome = attempt;
                return verdict;
            }
            first_failure.get_or_insert((attempt, verdict));
        }

        let (attempt, verdict) = first_failure.expect("at least one key was tried");
        *outcome = attempt;
        verdict
    }

    /// The checks of §6.1.2 and §6.1.3 with one key.
    fn check_with_key(
        &mut self,
        key: &ParsedKey,
        field: &HeaderField<'_>,
        signature: &DkimSignature<'a>,
        outcome: &mut DkimOutcome<'a>,
    ) -> Result<(), Cause> {
        let public_key = check_key(key, signature, outcome)?;

        let body_matches = self.check_body(signature, outcome);
        let signature_matches = self.check_signature(field, signature, public_key);
        outcome.signature_matches = Some(signature_matches);

        body_matches?;
        if !signature_matches {
            return Err(Cause::SignatureMismatch);
        }
        Ok(())
    }

    /// `x=` must not be past and `t=` not future, within the tolerance.
    fn check_times(&self, signature: &DkimSignature<'_>) -> Result<(), Cause> {
        let now = self.options.now;
        let skew = self.options.clock_skew.as_secs();

        if let Some(expiration) = signature.expiration
            && expiration.saturating_add(skew) < now
        {
            return Err(Cause::Expired { expiration, now });
        }

        if let Some(timestamp) = signature.timestamp
            && timestamp > now.saturating_add(skew)
        {
            return Err(Cause::FutureTimestamp { timestamp, now });
        }
        Ok(())
    }

    /// The parsed key records at the signature's name (§6.1.2): those this
    /// message already fetched, else those in the cache, else fetched now.
    async fn fetch_keys<R: Resolver + ?Sized>(
        &mut self,
        resolver: &R,
        signature: &DkimSignature<'_>,
    ) -> KeySet {
        let name = &mut self.key_name;
        name.clear();
        name.push_str(signature.selector);
        name.push_str("._domainkey.");
        name.push_str(signature.signing_domain);

        if let Some((_, keys)) = self.keys.iter().find(|(known, _)| known == name) {
            return keys.clone();
        }

        let now = self.options.now;
        let cached = self.cache.and_then(|cache| cache.get(name, now));
        let keys = match cached {
            Some(keys) => keys,
            None => self.look_up(resolver).await,
        };
        self.keys.push((self.key_name.clone(), keys.clone()));
        keys
    }

    /// Asks the resolver for the key records at `key_name` and parses them,
    /// keeping an answer in the cache for its TTL.
    async fn look_up<R: Resolver + ?Sized>(&self, resolver: &R) -> KeySet {
        let name = &self.key_name;
        let answer = match resolver.txt(name).await {
            Ok(answer) => answer,
            Err(error) if error.is_temporary() => {
                let detail = error.to_string();
                return Err(Cause::KeyLookupFailed { detail });
            }
            Err(_) => return Err(Cause::KeyNotFound { name: name.clone() }),
        };

        let keys = ParsedKey::usable(name, &answer.records, self.options.strict).map(Arc::from);
        if let Some(cache) = self.cache {
            cache.insert(name, self.options.now, answer.ttl, keys.clone());
        }
        keys
    }

    /// Hashes the body (or reuses the hash) and compares it with `bh=`.
    fn check_body(
        &mut self,
        signature: &DkimSignature<'_>,
        outcome: &mut DkimOutcome<'_>,
    ) -> Result<(), Cause> {
        let recipe = (signature.body_canonicalization, signature.body_length);
        let hash = match self.bodies.iter().find(|(known, _)| *known == recipe) {
            Some((_, hash)) => *hash,
            None => {
                let hash = BodyHasher::hash_whole(recipe.0, recipe.1, self.body);
                self.bodies.push((recipe, hash));
                hash
            }
        };

        let matches = hash.digest[..] == signature.body_hash[..];
        outcome.body_hash_matches = Some(matches);
        outcome.canonical_body_length = Some(hash.canonical_length);

        if let Some(body_length) = signature.body_length
            && body_length > hash.canonical_length
        {
            return Err(Cause::BodyLengthExceedsBody {
                body_length,
                canonical_length: hash.canonical_length,
            });
        }

        if matches {
            Ok(())
        } else {
            Err(Cause::BodyHashMismatch)
        }
    }

    /// Builds the header data and verifies the signature over it.
    fn check_signature(
        &mut self,
        field: &HeaderField<'_>,
        signature: &DkimSignature<'_>,
        public_key: &PublicKey,
    ) -> bool {
        let selected = self.names.select(&signature.signed_headers);
        let value_offset = field.value().span().start - field.span().start;
        let blank = signature.signature_value_span();
        let blank = value_offset + blank.start..value_offset + blank.end;

        self.header_data.clear();
        header_data(
            self.block,
            signature.header_canonicalization,
            &selected,
            field.index(),
            blank,
            &mut self.header_data,
        );

        verify_signature(public_key, &self.header_data, &signature.signature)
    }
}

/// Checks a signature over `data` with ring: RSASSA-PKCS1-v1_5 with SHA-256
/// (the legacy parameters for keys of 1024 to 2047 bits), or Ed25519 over
/// the SHA-256 hash of `data` (RFC 8463 §3).
pub(crate) fn verify_signature(public_key: &PublicKey, data: &[u8], signature: &[u8]) -> bool {
    match public_key {
        PublicKey::Rsa { modulus, exponent } => {
            let parameters = if modulus_bits(modulus) < 2048 {
                &RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
            } else {
                &RSA_PKCS1_2048_8192_SHA256
            };
            let components = RsaPublicKeyComponents {
                n: modulus,
                e: exponent,
            };
            components.verify(parameters, data, signature).is_ok()
        }
        PublicKey::Ed25519(key) => {
            let hash = digest::digest(&digest::SHA256, data);
            UnparsedPublicKey::new(&ED25519, key)
                .verify(hash.as_ref(), signature)
                .is_ok()
        }
    }
}

/// A key record that parsed, with what verification needs from it.
#[derive(Debug)]
pub(crate) struct ParsedKey {
    revoked: bool,
    testing: bool,
    public_key: Result<PublicKey, KeyRecordError>,
    key_type: crate::KeyType,
    restrictions: Restrictions,
}

/// What a key record allows.
#[derive(Debug)]
struct Restrictions {
    allows_hash: bool,
    /// The `s=` value, when it does not allow email.
    refused_services: Option<String>,
    same_domain: bool,
}

impl ParsedKey {
    /// The records that parse as key records, in order; the first record's
    /// error when none does.
    fn usable(name: &str, records: &[Txt], strict: bool) -> Result<Vec<Self>, Cause> {
        let mut keys = Vec::with_capacity(records.len());
        let mut first_error = None;

        for record in records {
            match Self::parse(&record.concat(), strict) {
                Ok(key) => keys.push(key),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }

        if !keys.is_empty() {
            return Ok(keys);
        }
        Err(first_error.map_or_else(
            || Cause::KeyNotFound {
                name: name.to_owned(),
            },
            Cause::KeyRecord,
        ))
    }

    /// Parses one record and keeps the facts needed.
    fn parse(record: &[u8], strict: bool) -> Result<Self, KeyRecordError> {
        let text = std::str::from_utf8(record).map_err(|_| KeyRecordError::NotText)?;
        let key = DomainKey::parse(text, strict)?;

        Ok(Self {
            revoked: key.is_revoked(),
            testing: key.is_testing(),
            public_key: key.public_key(),
            key_type: key.key_type,
            restrictions: Restrictions {
                allows_hash: key.allows_hash("sha256"),
                refused_services: (!key.allows_service("email"))
                    .then(|| key.service_types.clone().unwrap_or_default().join(":")),
                same_domain: key.requires_same_domain(),
            },
        })
    }
}

/// The key checks of §6.1.2 and RFC 8301 §3.2, recording the key's facts.
fn check_key<'k>(
    key: &'k ParsedKey,
    signature: &DkimSignature<'_>,
    outcome: &mut DkimOutcome<'_>,
) -> Result<&'k PublicKey, Cause> {
    outcome.testing = key.testing;
    if key.revoked {
        return Err(Cause::KeyRevoked);
    }

    if key.key_type != signature.algorithm.key_type() {
        return Err(Cause::KeyTypeMismatch {
            key_type: key.key_type,
            algorithm: signature.algorithm,
        });
    }

    let public_key = key
        .public_key
        .as_ref()
        .map_err(|error| Cause::KeyRecord(error.clone()))?;
    let bits = public_key.bits();
    outcome.key_bits = Some(bits);
    check_key_use(&key.restrictions, signature, bits)?;
    Ok(public_key)
}

/// Size limits, then what the key record allows.
fn check_key_use(
    key: &Restrictions,
    signature: &DkimSignature<'_>,
    bits: u32,
) -> Result<(), Cause> {
    if signature.algorithm.key_type() == crate::KeyType::Rsa {
        if bits < 1024 {
            return Err(Cause::KeyTooShort { bits });
        }
        if bits > 8192 {
            return Err(Cause::KeyTooLong { bits });
        }
    }

    if !key.allows_hash {
        return Err(Cause::HashNotAllowed {
            hash: signature.algorithm.hash_name(),
        });
    }

    if let Some(services) = &key.refused_services {
        return Err(Cause::ServiceNotAllowed {
            services: services.clone(),
        });
    }

    let identifier_domain = signature.identifier_domain();
    let same = is_same_or_subdomain(identifier_domain, signature.signing_domain)
        && is_same_or_subdomain(signature.signing_domain, identifier_domain);
    if key.same_domain && !same {
        return Err(Cause::SubdomainNotAllowed {
            identifier_domain: identifier_domain.to_owned(),
            signing_domain: signature.signing_domain.to_owned(),
        });
    }
    Ok(())
}

/// The field's value as text borrowed from the message, if it is UTF-8.
fn field_value<'a>(message: &'a [u8], field: &HeaderField<'_>) -> Option<&'a str> {
    std::str::from_utf8(message.get(field.value().span().range())?).ok()
}

/// Fills `d=`, `s=` and `a=` from the tag-list of a signature that did not
/// parse (or was not evaluated), when the tag-list itself reads.
fn record_raw_tags<'a>(outcome: &mut DkimOutcome<'a>, value: Option<&'a str>) {
    let Some(tags) = value.and_then(|text| TagList::parse(text, false).ok()) else {
        return;
    };

    outcome.signing_domain = tags.get("d");
    outcome.selector = tags.get("s");
    outcome.algorithm = tags.get("a");
}

/// Sets the result from the verdict.
fn finish(outcome: &mut DkimOutcome<'_>, verdict: Result<(), Cause>) {
    match verdict {
        Ok(()) => {
            outcome.result = DkimResult::Pass;
            outcome.cause = None;
        }
        Err(cause) => {
            outcome.result = cause.result();
            outcome.cause = Some(cause);
        }
    }
}
