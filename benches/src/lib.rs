//! Inputs shared by the criterion benches of mailtrail.
//!
//! Each bench runs mailtrail and a peer library on the same bytes in the same
//! run; the inputs live here so every bench reads exactly the same message.
//! The data files are written for the benches and use only documentation
//! domains and addresses (RFC 2606, RFC 5737, RFC 3849).

#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// A realistic message of about 10 KiB with CRLF line ends: eight
/// `Received` fields in Microsoft 365, Postfix, Exim, Gmail, Sendmail and
/// qmail styles, an ARC set, `Authentication-Results`, a `DKIM-Signature`,
/// the usual originator and MIME fields with folding, and a
/// multipart/alternative body.
///
/// ```
/// let block = mailtrail_message::split(mailtrail_benches::REALISTIC_MESSAGE);
///
/// assert_eq!(block.get_all("Received").count(), 8);
/// assert!(block.deviations().is_empty());
/// ```
pub const REALISTIC_MESSAGE: &[u8] = include_bytes!("../data/realistic.eml");

/// The realistic message without its DKIM-Signature field, which no key
/// here can verify; benches sign it again with a test key.
///
/// # Panics
///
/// When the message has no DKIM-Signature field.
pub fn without_signature(message: &[u8]) -> Vec<u8> {
    let block = mailtrail_message::split(message);
    let field = block.get("DKIM-Signature").expect("the message is signed");
    [&message[..field.span().start], &message[field.span().end..]].concat()
}

/// The realistic message signed again for `example.org`, selector `bench`,
/// at `signed_at` (Unix seconds), relaxed/relaxed, with the key in `pem`;
/// and the key's TXT record, in character-strings of 255 bytes at most.
///
/// ```
/// let pem = include_str!("../../crates/dkim/tests/data/test-only-ed25519.pem");
/// let (signed, record) = mailtrail_benches::sign_again(pem, 1_710_234_862);
///
/// assert!(signed.starts_with(b"DKIM-Signature: "));
/// assert!(record.to_text().starts_with("v=DKIM1; k=ed25519; p="));
/// ```
///
/// # Panics
///
/// When `pem` is not a signing key.
pub fn sign_again(pem: &str, signed_at: u64) -> (Vec<u8>, mailtrail_dns::Txt) {
    let key = mailtrail_dkim::SigningKey::from_pem(pem).expect("the test key reads");
    let message = without_signature(REALISTIC_MESSAGE);
    let field = mailtrail_dkim::Signer::new(&key, "example.org", "bench")
        .expect("valid names")
        .sign(&message, signed_at)
        .expect("the message signs");

    let record = key.public_key_record();
    let strings = record.as_bytes().chunks(255).map(<[u8]>::to_vec);
    let txt = mailtrail_dns::Txt::new(strings.collect::<Vec<_>>());
    ([field.as_bytes(), &message].concat(), txt)
}

/// Polls a future that must complete without waiting, as every evaluation
/// answered from memory does, so no runtime's cost is measured.
///
/// ```
/// assert_eq!(mailtrail_benches::ready(async { 7 }), 7);
/// ```
///
/// # Panics
///
/// When the future is not ready at its first poll: the bench would then
/// measure something it does not mean to.
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a future answered from memory waited"),
    }
}

/// Answers TXT queries from a map of names to character-strings; every
/// other query is NXDOMAIN. Each lookup hashes the name and clones the
/// stored answer, as any cache of mailtrail-dns answers does (the records
/// are shared, so the clone copies a pointer), so evaluations measured with
/// it include that cost, as a cache hit of a peer library includes its own.
#[derive(Debug, Default)]
pub struct MemoryResolver {
    txt: std::collections::HashMap<String, mailtrail_dns::Answer<mailtrail_dns::Txt>>,
}

impl MemoryResolver {
    /// A resolver answering `name` with one TXT record of `strings`, for
    /// each pair.
    ///
    /// ```
    /// use mailtrail_benches::{MemoryResolver, ready};
    /// use mailtrail_dns::Resolver;
    ///
    /// let resolver = MemoryResolver::new(&[("example.com", &["v=spf1 ", "-all"])]);
    /// let answer = ready(resolver.txt("example.com.")).unwrap();
    /// assert_eq!(&*answer.records[0].concat(), b"v=spf1 -all");
    /// assert!(ready(resolver.txt("other.example")).is_err());
    /// ```
    pub fn new(records: &[(&str, &[&str])]) -> Self {
        let txt = records
            .iter()
            .map(|(name, strings)| {
                let record = mailtrail_dns::Txt::new(strings.iter().copied());
                (
                    (*name).to_owned(),
                    mailtrail_dns::Answer::new(vec![record], 300),
                )
            })
            .collect();
        Self { txt }
    }

    /// Adds one TXT record at `name`, made of any character-strings.
    pub fn with_record(mut self, name: &str, record: mailtrail_dns::Txt) -> Self {
        let answer = mailtrail_dns::Answer::new(vec![record], 300);
        self.txt.insert(name.to_owned(), answer);
        self
    }
}

/// NXDOMAIN for `name`.
fn nxdomain<T>(
    name: &str,
    rtype: mailtrail_dns::RecordType,
) -> Result<mailtrail_dns::Answer<T>, mailtrail_dns::DnsError> {
    Err(mailtrail_dns::DnsError::NxDomain {
        name: name.to_owned(),
        rtype,
    })
}

impl mailtrail_dns::Resolver for MemoryResolver {
    async fn txt(
        &self,
        name: &str,
    ) -> Result<mailtrail_dns::Answer<mailtrail_dns::Txt>, mailtrail_dns::DnsError> {
        let name = name.strip_suffix('.').unwrap_or(name);
        match self.txt.get(name) {
            Some(answer) => Ok(answer.clone()),
            None => nxdomain(name, mailtrail_dns::RecordType::Txt),
        }
    }

    async fn a(
        &self,
        name: &str,
    ) -> Result<mailtrail_dns::Answer<std::net::Ipv4Addr>, mailtrail_dns::DnsError> {
        nxdomain(name, mailtrail_dns::RecordType::A)
    }

    async fn aaaa(
        &self,
        name: &str,
    ) -> Result<mailtrail_dns::Answer<std::net::Ipv6Addr>, mailtrail_dns::DnsError> {
        nxdomain(name, mailtrail_dns::RecordType::Aaaa)
    }

    async fn mx(
        &self,
        name: &str,
    ) -> Result<mailtrail_dns::Answer<mailtrail_dns::Mx>, mailtrail_dns::DnsError> {
        nxdomain(name, mailtrail_dns::RecordType::Mx)
    }

    async fn ptr(
        &self,
        ip: std::net::IpAddr,
    ) -> Result<mailtrail_dns::Answer<String>, mailtrail_dns::DnsError> {
        nxdomain(&ip.to_string(), mailtrail_dns::RecordType::Ptr)
    }
}

/// mail-auth's TXT cache, filled beforehand with parsed records and errors
/// under their absolute names (`"_dmarc.example.com."`). A lookup is a hash
/// lookup and a clone of shared pointers, as in mail-auth's own caches.
#[derive(Default)]
pub struct MailAuthCache {
    txt: std::collections::HashMap<Box<str>, mail_auth::Txt>,
}

impl MailAuthCache {
    /// A cache holding these entries.
    pub fn new(entries: impl IntoIterator<Item = (String, mail_auth::Txt)>) -> Self {
        let txt = entries
            .into_iter()
            .map(|(name, txt)| (name.into_boxed_str(), txt))
            .collect();
        Self { txt }
    }
}

impl mail_auth::ResolverCache<Box<str>, mail_auth::Txt> for MailAuthCache {
    fn get<Q>(&self, name: &Q) -> Option<mail_auth::Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.txt.get(name).cloned()
    }

    fn remove<Q>(&self, _: &Q) -> Option<mail_auth::Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        None
    }

    fn insert(&self, _: Box<str>, _: mail_auth::Txt, _: std::time::Instant) {}
}

/// A mail-auth authenticator whose resolver is never asked: the benches
/// answer every lookup from a [`MailAuthCache`].
///
/// # Panics
///
/// When the resolver cannot be built.
pub fn mail_auth_authenticator() -> mail_auth::MessageAuthenticator {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let _inside = runtime.enter();
    mail_auth::MessageAuthenticator::new_cloudflare().expect("the resolver builds")
}
