//! Verifying one DKIM signature on the realistic 10 KiB message:
//! mailtrail-dkim beside mail-auth and beside ring's own primitives, on the
//! same bytes in the same run, for RSA-2048 and for Ed25519.
//!
//! Setup signs `benches/data/realistic.eml` (its own, unverifiable
//! DKIM-Signature field removed) with the committed test-only keys of
//! `crates/dkim/tests/data`, relaxed/relaxed, and makes the key available
//! to both libraries beforehand: mailtrail-dkim reads the key it parsed
//! beforehand from its `KeyCache` (`verify_cached`), mail-auth the record
//! it parsed beforehand from its resolver cache (it is built with its
//! `ring` feature, so both verify with ring). `mailtrail-dkim-uncached`
//! instead receives the TXT strings from a map and parses the key record on
//! every verification, and `mailtrail-dkim-zone-resolver` from
//! mailtrail-dns's zone resolver. All futures complete on their first poll
//! and are driven by the same trivial executor.
//!
//! `ring-primitives` is the floor: SHA-256 of the canonical body plus one
//! signature verification over the canonical header data (for Ed25519, of
//! the SHA-256 hash of that data), both computed once at setup. The goal is
//! mailtrail-dkim at most 1.05 times that floor, and at least 1.15 times
//! (RSA-2048) and 1.1 times (Ed25519) faster than mail-auth.
//!
//! On a busy machine criterion's wall-clock times are noisy. Setting
//! `DKIM_BENCH_RUN=<group>/<function>` (for example
//! `dkim-verify-rsa2048/mail-auth`) and `DKIM_BENCH_ITERATIONS=N` makes the
//! binary run that one function N times and exit, so that
//! `perf stat -e cycles:u` counts only this process's cycles; the
//! difference between N and 0 iterations, divided by N, is the cost of one
//! verification.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group};
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::{AuthenticatedMessage, MessageAuthenticator, Parameters};
use mailtrail_dkim::{
    BodyCanonicalizer, Canonicalization, DkimResult, DkimSignature, KeyCache, PublicKey, Signer,
    SigningKey, VerifyOptions, canonicalize_header, verify, verify_cached,
};
use mailtrail_dns::{RecordData, Resolver, Txt, ZoneResolver};
use mailtrail_message::split;
use ring::digest;
use ring::signature::{ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

use mailtrail_benches::{
    MailAuthCache, MemoryResolver, REALISTIC_MESSAGE, mail_auth_authenticator, ready,
    without_signature,
};

/// The test-only keys the dkim crate's tests use.
const RSA_KEY: &str = include_str!("../../crates/dkim/tests/data/test-only-rsa2048.pem");
const ED25519_KEY: &str = include_str!("../../crates/dkim/tests/data/test-only-ed25519.pem");

/// The signing time; the verifiers are given the same.
const NOW: u64 = 1_710_234_900;

/// Where the key record is published.
const KEY_NAME: &str = "bench._domainkey.example.org";

fn verify_realistic(criterion: &mut Criterion) {
    for (name, pem) in [("rsa2048", RSA_KEY), ("ed25519", ED25519_KEY)] {
        let setup = Setup::new(pem);
        setup.check();

        let mut group = criterion.benchmark_group(format!("dkim-verify-{name}"));
        group.bench_function("mailtrail-dkim", |bencher| {
            bencher.iter(|| setup.mailtrail_cached(black_box(&setup.signed)));
        });
        group.bench_function("mail-auth", |bencher| {
            bencher.iter(|| setup.mail_auth(black_box(&setup.signed)));
        });
        group.bench_function("ring-primitives", |bencher| {
            bencher.iter(|| setup.primitives(black_box(&setup.canonical_body)));
        });
        group.bench_function("mailtrail-dkim-uncached", |bencher| {
            bencher.iter(|| setup.mailtrail(&setup.memory, black_box(&setup.signed)));
        });
        group.bench_function("mailtrail-dkim-zone-resolver", |bencher| {
            bencher.iter(|| setup.mailtrail(&setup.zone, black_box(&setup.signed)));
        });
        group.finish();
    }
}

/// Everything both sides need, made once.
struct Setup {
    signed: Vec<u8>,
    memory: MemoryResolver,
    zone: ZoneResolver,
    options: VerifyOptions,
    key_cache: KeyCache,
    authenticator: MessageAuthenticator,
    cache: MailAuthCache,
    canonical_body: Vec<u8>,
    header_data: Vec<u8>,
    public_key: PublicKey,
    signature: Vec<u8>,
}

impl Setup {
    /// Signs the message with `pem` and prepares both verifiers.
    fn new(pem: &str) -> Self {
        let key = SigningKey::from_pem(pem).expect("the test key reads");
        let message = without_signature(REALISTIC_MESSAGE);
        let field = Signer::new(&key, "example.org", "bench")
            .expect("valid names")
            .sign(&message, NOW)
            .expect("the message signs");
        let signed = [field.as_bytes(), &message].concat();

        let record = key.public_key_record();
        let strings: Vec<Vec<u8>> = record.as_bytes().chunks(255).map(<[u8]>::to_vec).collect();
        let txt = Txt::new(strings);
        let mut zone = ZoneResolver::new();
        zone.insert(KEY_NAME, 300, RecordData::Txt(txt.clone()))
            .expect("a valid name");
        let memory = MemoryResolver::default().with_record(KEY_NAME, txt);

        let (canonical_body, header_data, signature) = primitive_inputs(&signed);
        let public_key = public_key(&record);
        Self {
            signed,
            memory,
            zone,
            options: VerifyOptions::new(NOW),
            key_cache: KeyCache::default(),
            authenticator: mail_auth_authenticator(),
            cache: mail_auth_cache(&record),
            canonical_body,
            header_data,
            public_key,
            signature,
        }
    }

    /// Each side verifies the signature before anything is measured; this
    /// also fills mailtrail-dkim's key cache.
    fn check(&self) {
        assert_eq!(self.mailtrail_cached(&self.signed), DkimResult::Pass);
        assert_eq!(self.key_cache.len(), 1, "the key is cached");
        assert_eq!(self.mailtrail(&self.memory, &self.signed), DkimResult::Pass);
        assert_eq!(self.mailtrail(&self.zone, &self.signed), DkimResult::Pass);
        assert_eq!(self.mail_auth(&self.signed), mail_auth::DkimResult::Pass);
        assert!(
            self.primitives(&self.canonical_body),
            "ring verifies the precomputed data"
        );
    }

    /// mailtrail-dkim: split, parse, fetch and parse the key, hash, verify.
    fn mailtrail<R: Resolver>(&self, resolver: &R, message: &[u8]) -> DkimResult {
        let verification = ready(verify(resolver, message, &self.options));
        verification.outcomes[0].result
    }

    /// mailtrail-dkim with its key cache: split, parse, take the parsed key
    /// from the cache, hash, verify.
    fn mailtrail_cached(&self, message: &[u8]) -> DkimResult {
        let verification = ready(verify_cached(
            &self.memory,
            message,
            &self.options,
            &self.key_cache,
        ));
        verification.outcomes[0].result
    }

    /// mail-auth: parse the message (which hashes the body), then verify
    /// with the cached key.
    fn mail_auth(&self, message: &[u8]) -> mail_auth::DkimResult {
        let parsed = AuthenticatedMessage::parse(message).expect("mail-auth parses it");
        let parameters = Parameters::new(&parsed).with_txt_cache(&self.cache);
        let outputs = ready(self.authenticator.verify_dkim(parameters));
        outputs[0].result().clone()
    }

    /// ring alone: hash the canonical body, verify over the header data.
    fn primitives(&self, canonical_body: &[u8]) -> bool {
        let body_hash = digest::digest(&digest::SHA256, canonical_body);
        black_box(body_hash.as_ref());

        match &self.public_key {
            PublicKey::Rsa { modulus, exponent } => RsaPublicKeyComponents {
                n: modulus,
                e: exponent,
            }
            .verify(
                &RSA_PKCS1_2048_8192_SHA256,
                &self.header_data,
                &self.signature,
            )
            .is_ok(),
            PublicKey::Ed25519(key) => {
                let header_hash = digest::digest(&digest::SHA256, &self.header_data);
                ring::signature::UnparsedPublicKey::new(&ED25519, key)
                    .verify(header_hash.as_ref(), &self.signature)
                    .is_ok()
            }
            _ => unreachable!("the bench keys are RSA and Ed25519"),
        }
    }
}

/// The canonical body, the header data the signature covers, and the
/// signature, computed once with mailtrail-dkim's public pieces.
fn primitive_inputs(signed: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let block = split(signed);
    let field = block.field(0).expect("the new signature is first");
    let value = std::str::from_utf8(field.value().raw()).expect("text");
    let signature = DkimSignature::parse(value, false).expect("the signature parses");

    let mut canonical_body = Vec::new();
    let mut sink = |bytes: &[u8]| canonical_body.extend_from_slice(bytes);
    let mut canonicalizer = BodyCanonicalizer::new(Canonicalization::Relaxed);
    canonicalizer.feed(&signed[block.body_offset().expect("a body")..], &mut sink);
    canonicalizer.finish(&mut sink);

    let mut header_data = Vec::new();
    let mut taken: Vec<usize> = Vec::new();
    for name in &signature.signed_headers {
        let chosen = block
            .fields()
            .rev()
            .find(|candidate| candidate.is_named(name) && !taken.contains(&candidate.index()));
        if let Some(chosen) = chosen {
            taken.push(chosen.index());
            let name_length = chosen.name_span().len();
            canonicalize_header(
                Canonicalization::Relaxed,
                chosen.raw(),
                name_length,
                &mut header_data,
            );
        }
    }

    let blank = signature.signature_value_span();
    let offset = field.value().span().start;
    let unsigned = [
        &signed[..offset + blank.start],
        &signed[offset + blank.end..field.span().end],
    ]
    .concat();
    canonicalize_header(
        Canonicalization::Relaxed,
        &unsigned,
        "DKIM-Signature".len(),
        &mut header_data,
    );
    header_data.truncate(header_data.len() - 2);

    (canonical_body, header_data, signature.signature)
}

/// The public key of a `v=DKIM1` record.
fn public_key(record: &str) -> PublicKey {
    mailtrail_dkim::DomainKey::parse(record, true)
        .and_then(|key| key.public_key())
        .expect("the record holds a key")
}

/// mail-auth's TXT cache holding the parsed key record.
fn mail_auth_cache(record: &str) -> MailAuthCache {
    let key = DomainKey::parse(record.as_bytes()).expect("mail-auth parses the record");
    MailAuthCache::new([(
        format!("{KEY_NAME}."),
        mail_auth::Txt::DomainKey(Arc::new(key)),
    )])
}

/// One function, a fixed number of times, for `perf stat`.
fn run_fixed(name: &str, iterations: u64) {
    let (group, function) = name.split_once('/').expect("<group>/<function>");
    let pem = match group {
        "dkim-verify-rsa2048" => RSA_KEY,
        "dkim-verify-ed25519" => ED25519_KEY,
        other => panic!("unknown group {other}"),
    };
    let setup = Setup::new(pem);
    setup.check();

    for _ in 0..iterations {
        match function {
            "mailtrail-dkim" => {
                black_box(setup.mailtrail_cached(black_box(&setup.signed)));
            }
            "mailtrail-dkim-uncached" => {
                black_box(setup.mailtrail(&setup.memory, black_box(&setup.signed)));
            }
            "mail-auth" => {
                black_box(setup.mail_auth(black_box(&setup.signed)));
            }
            "ring-primitives" => {
                black_box(setup.primitives(black_box(&setup.canonical_body)));
            }
            "mailtrail-dkim-zone-resolver" => {
                black_box(setup.mailtrail(&setup.zone, black_box(&setup.signed)));
            }
            other => panic!("unknown function {other}"),
        }
    }
}

criterion_group!(benches, verify_realistic);

fn main() {
    if let Ok(name) = std::env::var("DKIM_BENCH_RUN") {
        let iterations =
            std::env::var("DKIM_BENCH_ITERATIONS").map_or(Ok(1000), |text| text.parse());
        run_fixed(
            &name,
            iterations.expect("DKIM_BENCH_ITERATIONS is a number"),
        );
        return;
    }

    benches();
    Criterion::default().configure_from_args().final_summary();
}
