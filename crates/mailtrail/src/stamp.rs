//! The receiver's stamp: what a border MTA or its mail filter checks when a
//! message has arrived, and the Authentication-Results field it adds
//! ([RFC 8601 §5](https://www.rfc-editor.org/rfc/rfc8601#section-5)).
//!
//! SPF runs on the SMTP envelope (client IP, HELO, MAIL FROM), DKIM on every
//! signature, DMARC on both; the fields already in the message that claim
//! the receiver's own authserv-id are listed for removal, since nobody but
//! the receiver may write them.

use std::net::IpAddr;
use std::time::{Duration, UNIX_EPOCH};

use mailtrail_authres::{
    AuthenticationResults, FieldKind, Method, Property, PropertyType, ResultInfo, ResultValue,
    Strictness, parse_fields,
};
use mailtrail_dkim::{
    DkimOutcome, DkimResult, DkimVerification, KeyCache, VerifyOptions, verify_block_with,
};
use mailtrail_dmarc::{Authentication, DmarcResult, Evaluator, Policy, Verdict};
use mailtrail_dns::Resolver;
use mailtrail_message::{HeaderBlock, Span, split};
use mailtrail_spf::{IdentityCheck, Verifier};

/// What the SMTP session said about one message before its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The address of the connecting client.
    pub client_ip: IpAddr,
    /// The HELO or EHLO name, when the client sent one.
    pub helo: Option<&'a str>,
    /// The MAIL FROM reverse-path, with or without angle brackets; empty
    /// (or `<>`) for the null reverse-path of a bounce.
    pub mail_from: &'a str,
}

/// Checks arriving messages and writes the receiver's
/// Authentication-Results field.
///
/// ```
/// use mailtrail::{Envelope, Stamper};
/// use mailtrail::dns::ZoneResolver;
///
/// let zone: ZoneResolver = "example.org. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n\
///     _dmarc.example.org. 300 IN TXT \"v=DMARC1; p=reject\"".parse()?;
/// let message = b"From: a@example.org\r\nTo: b@example.com\r\n\
///     Authentication-Results: mx.example.com; dmarc=pass\r\n\r\nhi\r\n";
/// let envelope = Envelope {
///     client_ip: "192.0.2.7".parse()?,
///     helo: Some("mail.example.org"),
///     mail_from: "a@example.org",
/// };
///
/// let stamper = Stamper::new(&zone, "mx.example.com");
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let stamp = runtime.block_on(stamper.check(&envelope, message, 1_700_000_000));
///
/// assert_eq!(stamp.claimed.len(), 1, "the forged field is found");
/// assert_eq!(
///     stamp.field.to_string(),
///     "mx.example.com; spf=pass (domain of a@example.org designates 192.0.2.7 as \
///      permitted sender) smtp.mailfrom=a@example.org; dkim=none; \
///      dmarc=pass (p=reject dis=none) header.from=example.org policy.dmarc=none",
/// );
/// assert_eq!(stamp.rejection(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Stamper<'r, R: ?Sized> {
    resolver: &'r R,
    authserv_id: String,
    key_cache: Option<&'r KeyCache>,
}

/// Everything one check found, and the field to add.
#[derive(Debug)]
#[non_exhaustive]
pub struct Stamp<'m> {
    /// The SPF check of the HELO identity, when there was a HELO name.
    pub spf_helo: Option<IdentityCheck>,
    /// The SPF check of the MAIL FROM identity (of `postmaster@<helo>` for
    /// the null reverse-path), the one DMARC aligns.
    pub spf: IdentityCheck,
    /// One outcome per DKIM-Signature field.
    pub dkim: DkimVerification<'m>,
    /// The DMARC verdict on those results.
    pub dmarc: Verdict,
    /// The Authentication-Results fields of the message that carry the
    /// receiver's own authserv-id, top first: forgeries or leftovers, to be
    /// removed before the message goes on (RFC 8601 §5).
    pub claimed: Vec<ClaimedField>,
    /// The receiver's Authentication-Results value.
    pub field: AuthenticationResults<'static>,
}

/// An Authentication-Results field in the message that claims the
/// receiver's authserv-id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimedField {
    /// Its index among all header fields, 0 at the top.
    pub field_index: usize,
    /// Its position among the Authentication-Results fields, 1 at the top:
    /// the index the milter protocol's change-header action takes.
    pub occurrence: usize,
    /// Where the field lies in the message.
    pub span: Span,
}

impl<'r, R: Resolver + ?Sized> Stamper<'r, R> {
    /// A stamper that writes `authserv_id` and removes fields claiming it.
    pub fn new(resolver: &'r R, authserv_id: impl Into<String>) -> Self {
        Self {
            resolver,
            authserv_id: authserv_id.into(),
            key_cache: None,
        }
    }

    /// Keeps the DKIM keys fetched across messages: a key is parsed once
    /// and held for its TTL.
    pub fn with_key_cache(mut self, cache: &'r KeyCache) -> Self {
        self.key_cache = Some(cache);
        self
    }

    /// The authserv-id this stamper writes.
    pub fn authserv_id(&self) -> &str {
        &self.authserv_id
    }

    /// Runs SPF, DKIM and DMARC on a message that arrived with `envelope`,
    /// at `now` (Unix seconds).
    pub async fn check<'m>(
        &self,
        envelope: &Envelope<'_>,
        message: &'m [u8],
        now: u64,
    ) -> Stamp<'m> {
        let block = split(message);
        let verifier = Verifier::new(self.resolver)
            .with_receiver(self.authserv_id.clone())
            .with_now(UNIX_EPOCH + Duration::from_secs(now));

        let (spf_helo, spf) = match envelope.helo {
            Some(helo) => {
                let both = verifier
                    .verify(envelope.client_ip, helo, envelope.mail_from)
                    .await;
                (Some(both.helo), both.mail_from)
            }
            None => {
                let check = verifier.verify_mail_from(envelope.client_ip, None, envelope.mail_from);
                (None, check.await)
            }
        };

        let options = VerifyOptions::new(now);
        let dkim =
            verify_block_with(self.resolver, message, &block, &options, self.key_cache).await;
        let auth = Authentication::from_outcomes(Some(&spf), &dkim);
        let dmarc = Evaluator::new(self.resolver)
            .evaluate_block(&block, &auth)
            .await;

        let field = self.field(&spf, &dkim, &dmarc);
        Stamp {
            claimed: claimed_fields(&block, &self.authserv_id),
            spf_helo,
            spf,
            dkim,
            dmarc,
            field,
        }
    }

    /// The Authentication-Results value: spf, every dkim, dmarc.
    fn field(
        &self,
        spf: &IdentityCheck,
        dkim: &DkimVerification<'_>,
        dmarc: &Verdict,
    ) -> AuthenticationResults<'static> {
        let mut field = AuthenticationResults::new(self.authserv_id.clone())
            .with_result(spf.authentication_result());

        if dkim.outcomes.is_empty() {
            field = field.with_result(ResultInfo::new(Method::Dkim, ResultValue::new("none")));
        }
        for outcome in &dkim.outcomes {
            field = field.with_result(dkim_resinfo(outcome));
        }
        field.with_result(dmarc.authentication_result())
    }
}

impl Stamp<'_> {
    /// Why the message should be refused: DMARC failed under a `reject`
    /// disposition (which `t=y` lowers to `quarantine`). `None` otherwise.
    pub fn rejection(&self) -> Option<String> {
        let verdict = &self.dmarc;
        if verdict.result != DmarcResult::Fail || verdict.disposition != Policy::Reject {
            return None;
        }

        let domain = verdict
            .author_domain
            .as_deref()
            .unwrap_or("the author domain");
        Some(format!(
            "DMARC policy of {domain} rejects this message: no aligned SPF or DKIM pass"
        ))
    }

    /// The whole field, folded within 78 columns, ending in CRLF.
    pub fn to_field(&self) -> String {
        self.field.to_field()
    }
}

/// The `dkim=` resinfo of one signature (RFC 8601 §2.7.1): the cause as
/// the reason, and `header.d`, `header.s`, `header.a` and the first eight
/// characters of `header.b` to tell signatures apart (RFC 6008).
fn dkim_resinfo(outcome: &DkimOutcome<'_>) -> ResultInfo<'static> {
    let mut resinfo = ResultInfo::new(
        Method::Dkim,
        ResultValue::new(outcome.result.as_str()).into_owned(),
    );
    if outcome.result != DkimResult::Pass
        && let Some(reason) = outcome.reason()
    {
        resinfo = resinfo.with_comment(reason);
    }

    let properties = [
        ("d", outcome.signing_domain.map(str::to_owned)),
        ("s", outcome.selector.map(str::to_owned)),
        ("a", outcome.algorithm.map(str::to_owned)),
        ("b", outcome.signature.as_ref().map(|s| s.short_signature())),
    ];
    for (name, value) in properties {
        if let Some(value) = value.filter(|value| is_token(value)) {
            resinfo = resinfo.with_property(Property::new(PropertyType::Header, name, value));
        }
    }
    resinfo
}

/// Whether a value can stand in a property unquoted and unchanged.
fn is_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && !b"()<>,;:\\\"[]?=".contains(&byte))
}

/// The Authentication-Results fields whose authserv-id is `authserv_id`,
/// compared without regard to case. A field that does not parse counts
/// when its first word is that id.
fn claimed_fields(block: &HeaderBlock<'_>, authserv_id: &str) -> Vec<ClaimedField> {
    let fields = parse_fields(block, Strictness::Lenient);
    let results = fields
        .iter()
        .filter(|field| field.kind == FieldKind::AuthenticationResults);

    results
        .enumerate()
        .filter(|(_, field)| {
            let claimed = match &field.parsed {
                Ok(parsed) => parsed.authserv_id.as_deref(),
                Err(_) => block
                    .field(field.index)
                    .and_then(|raw| first_word(std::str::from_utf8(raw.raw()).ok()?)),
            };
            claimed.is_some_and(|id| same_host(id, authserv_id))
        })
        .map(|(position, field)| ClaimedField {
            field_index: field.index,
            occurrence: position + 1,
            span: field.span,
        })
        .collect()
}

/// The first word of a field's value: up to white space, `;` or `(`.
fn first_word(raw_field: &str) -> Option<&str> {
    let (_, value) = raw_field.split_once(':')?;
    let value = value.trim_start();
    let end = value
        .find(|c: char| c.is_whitespace() || c == ';' || c == '(')
        .unwrap_or(value.len());
    Some(&value[..end]).filter(|word| !word.is_empty())
}

/// Host names equal without regard to case or a trailing dot.
fn same_host(left: &str, right: &str) -> bool {
    let left = left.strip_suffix('.').unwrap_or(left);
    let right = right.strip_suffix('.').unwrap_or(right);
    left.eq_ignore_ascii_case(right)
}

#[cfg(test)]
mod tests {
    use super::*;

    use mailtrail_dns::ZoneResolver;

    const ZONE: &str = "\
example.org. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"
_dmarc.example.org. 300 IN TXT \"v=DMARC1; p=reject\"
testing.example. 300 IN TXT \"v=spf1 -all\"
_dmarc.testing.example. 300 IN TXT \"v=DMARC1; p=reject; t=y\"
";

    fn zone() -> ZoneResolver {
        ZONE.parse().expect("the zone parses")
    }

    fn stamp<'m>(zone: &ZoneResolver, message: &'m [u8], ip: &str, from: &str) -> Stamp<'m> {
        let envelope = Envelope {
            client_ip: ip.parse().expect("an address"),
            helo: Some("mail.example.org"),
            mail_from: from,
        };
        let stamper = Stamper::new(zone, "MX.example.com");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime.block_on(stamper.check(&envelope, message, 1_700_000_000))
    }

    #[test]
    fn fields_claiming_our_id_are_found_with_their_occurrence() {
        let message = b"Authentication-Results: other.example; spf=pass\r\n\
            Authentication-Results: mx.example.com.; dkim=pass\r\n\
            ARC-Authentication-Results: i=1; mx.example.com; spf=pass\r\n\
            Authentication-Results: mx.EXAMPLE.com (forged) ;;; ===\r\n\
            From: a@example.org\r\n\r\nbody\r\n";
        let stamp = stamp(&zone(), message, "192.0.2.1", "a@example.org");

        let found: Vec<(usize, usize)> = stamp
            .claimed
            .iter()
            .map(|field| (field.field_index, field.occurrence))
            .collect();
        assert_eq!(found, [(1, 2), (3, 3)]);
    }

    #[test]
    fn dmarc_fail_under_reject_is_a_rejection_and_testing_is_not() {
        let zone = zone();
        let message = b"From: a@example.org\r\n\r\nbody\r\n";
        let refused = stamp(&zone, message, "198.51.100.1", "a@example.org");
        assert_eq!(refused.dmarc.result, DmarcResult::Fail);
        assert!(
            refused
                .rejection()
                .expect("rejected")
                .contains("example.org")
        );
        assert!(refused.to_field().contains("spf=fail"));

        let message = b"From: a@testing.example\r\n\r\nbody\r\n";
        let testing = stamp(&zone, message, "198.51.100.1", "a@testing.example");
        assert_eq!(testing.dmarc.result, DmarcResult::Fail);
        assert_eq!(testing.rejection(), None, "t=y lowers reject to quarantine");
    }

    #[test]
    fn a_dkim_signature_gets_its_own_resinfo_with_its_domain() {
        let message = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel;\r\n \
            h=From; bh=AAAA; b=AbCdEfGhIjKl\r\nFrom: a@example.org\r\n\r\nbody\r\n";
        let stamp = stamp(&zone(), message, "192.0.2.1", "a@example.org");

        let text = stamp.field.to_string();
        assert!(text.contains("dkim=permerror"), "{text}");
        assert!(text.contains("header.d=example.org header.s=sel header.a=rsa-sha256"));
        assert!(!text.contains("dkim=none"));
        assert!(text.starts_with("MX.example.com; spf=pass"), "{text}");
    }

    #[test]
    fn a_key_cache_keeps_the_key_for_the_next_message() {
        use mailtrail_dkim::{Signer, SigningKey};
        use mailtrail_dns::{RecordData, Txt};

        let pem = include_str!("../../dkim/tests/data/test-only-ed25519.pem");
        let key = SigningKey::from_pem(pem).expect("the test key");
        let message = b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
        let field = Signer::new(&key, "example.org", "sel")
            .expect("valid names")
            .sign(message, 1_700_000_000)
            .expect("signed");
        let signed = [field.as_bytes(), message].concat();

        let mut with_key = zone();
        let record = RecordData::Txt(Txt::new([key.public_key_record()]));
        with_key
            .insert("sel._domainkey.example.org", 300, record)
            .expect("a name");
        let cache = KeyCache::default();
        let envelope = Envelope {
            client_ip: "192.0.2.1".parse().expect("an address"),
            helo: None,
            mail_from: "a@example.org",
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");

        for resolver in [&with_key, &zone()] {
            let stamper = Stamper::new(resolver, "mx.example.com").with_key_cache(&cache);
            let stamp = runtime.block_on(stamper.check(&envelope, &signed, 1_700_000_060));
            assert_eq!(stamp.dkim.result(), DkimResult::Pass, "{}", stamp.field);
        }
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn first_word_stops_at_space_semicolon_or_comment() {
        assert_eq!(first_word("A-R: host.example;x"), Some("host.example"));
        assert_eq!(first_word("A-R:  host.example(c)"), Some("host.example"));
        assert_eq!(first_word("A-R: ;"), None);
        assert_eq!(first_word("no colon"), None);
    }
}
