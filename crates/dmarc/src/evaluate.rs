//! The DMARC evaluation: author domains, policy discovery, identifier
//! alignment (RFC 9989 §4.4, [RFC 7489 §3.1](https://www.rfc-editor.org/rfc/rfc7489#section-3.1))
//! and the verdict with the policy that applies.

use std::borrow::Cow;

use mailtrail_dkim::{DkimResult, DkimVerification};
use mailtrail_dns::Resolver;
use mailtrail_message::{HeaderBlock, address, split};
use mailtrail_spf::{IdentityCheck, SpfResult};

use crate::discovery::{Discovery, KnownRecords, Lookups};
use crate::domain::{is_within, normalize_domain};
use crate::{Alignment, DmarcResult, Policies, Policy, PolicySource, Record, Tag, Verdict};

/// Appends a reason, formatted only when the evaluator explains.
macro_rules! note {
    ($explain:expr, $reasons:expr, $($format:tt)+) => {
        $reasons.extend($explain.then(|| format!($($format)+)))
    };
}

/// Which DMARC specification the evaluation follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Mode {
    /// RFC 9989: the DNS tree walk, `np`, `psd` and `t` (the default).
    #[default]
    Rfc9989,
    /// RFC 7489: the organizational domain from the public suffix list,
    /// `pct=0` read as testing, `np`, `psd` and `t` ignored.
    Rfc7489,
}

/// Which identity SPF authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SpfIdentity {
    /// The RFC5321.MailFrom domain.
    MailFrom,
    /// The HELO name, used when the reverse-path is null.
    Helo,
}

/// What SPF and DKIM concluded, as DMARC needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authentication<'a> {
    /// The SPF result and the domain it is about.
    pub spf: Option<SpfAuthentication<'a>>,
    /// Each DKIM signature's result and `d=` domain.
    pub dkim: Vec<DkimAuthentication<'a>>,
}

/// The SPF result DMARC aligns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfAuthentication<'a> {
    /// The SPF result.
    pub result: SpfResult,
    /// The domain SPF checked: the MAIL FROM domain, or the HELO name when
    /// the reverse-path is null.
    pub domain: Cow<'a, str>,
    /// Which identity that domain is.
    pub identity: SpfIdentity,
}

/// One DKIM signature's result, as DMARC aligns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimAuthentication<'a> {
    /// The DKIM result.
    pub result: DkimResult,
    /// The signing domain, the `d=` tag.
    pub domain: Cow<'a, str>,
}

/// Evaluates DMARC with a resolver.
///
/// See the crate documentation for an example.
#[derive(Debug)]
pub struct Evaluator<'r, R: ?Sized> {
    resolver: &'r R,
    known: Option<&'r KnownRecords>,
    mode: Mode,
    explain: bool,
}

impl<'a> Authentication<'a> {
    /// Nothing authenticated yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the SPF result for `domain`.
    pub fn with_spf(
        mut self,
        result: SpfResult,
        domain: impl Into<Cow<'a, str>>,
        identity: SpfIdentity,
    ) -> Self {
        self.spf = Some(SpfAuthentication {
            result,
            domain: domain.into(),
            identity,
        });
        self
    }

    /// Adds one DKIM signature's result for its `d=` domain.
    pub fn with_dkim(mut self, result: DkimResult, domain: impl Into<Cow<'a, str>>) -> Self {
        self.dkim.push(DkimAuthentication {
            result,
            domain: domain.into(),
        });
        self
    }

    /// Takes the MAIL FROM check of mailtrail-spf (which checks
    /// `postmaster@<helo>` for a null reverse-path) and every outcome of
    /// mailtrail-dkim that names a `d=` domain.
    pub fn from_outcomes(spf: Option<&'a IdentityCheck>, dkim: &'a DkimVerification<'_>) -> Self {
        let spf = spf.map(|check| SpfAuthentication {
            result: check.outcome.result,
            domain: Cow::Borrowed(check.outcome.domain.as_str()),
            identity: match check.mail_from.as_deref() {
                Some(path) if !path.is_empty() && path != "<>" => SpfIdentity::MailFrom,
                _ => SpfIdentity::Helo,
            },
        });
        let dkim = dkim
            .outcomes
            .iter()
            .filter_map(|outcome| {
                let domain = outcome.signing_domain?;
                Some(DkimAuthentication {
                    result: outcome.result,
                    domain: Cow::Borrowed(domain),
                })
            })
            .collect();
        Self { spf, dkim }
    }
}

impl<'r, R: Resolver + ?Sized> Evaluator<'r, R> {
    /// An evaluator following RFC 9989.
    pub fn new(resolver: &'r R) -> Self {
        Self {
            resolver,
            known: None,
            mode: Mode::Rfc9989,
            explain: true,
        }
    }

    /// Answers `_dmarc` names from records the caller already holds before
    /// asking the resolver, as a receiver's DNS cache would: policy
    /// discovery and the organizational domains then need no lookup and no
    /// record parse for the names `known` holds.
    ///
    /// ```
    /// use mailtrail_dmarc::{Authentication, DmarcResult, Evaluator, KnownRecords};
    /// use mailtrail_dns::ZoneResolver;
    ///
    /// let zone = ZoneResolver::new();
    /// let mut known = KnownRecords::new();
    /// known.insert("example.com", &["v=DMARC1; p=reject"]);
    /// known.insert("com", &[]);
    /// let evaluator = Evaluator::new(&zone).with_known_records(&known);
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let verdict = runtime.block_on(evaluator.evaluate(&["example.com"], &Authentication::new()));
    /// assert_eq!(verdict.result, DmarcResult::Fail);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_known_records(mut self, known: &'r KnownRecords) -> Self {
        self.known = Some(known);
        self
    }

    /// Whether verdicts carry their reasons and the tree-walk trace (the
    /// default). Without them an evaluation allocates much less, for filters
    /// that only act on the result; error verdicts keep their one reason.
    pub fn with_explanation(mut self, explain: bool) -> Self {
        self.explain = explain;
        self
    }

    /// Chooses the specification followed.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Evaluates a raw message: its From field(s) give the author domains.
    ///
    /// A message without a From field, with a From field that cannot be
    /// read, or with a mailbox without a domain gives permerror: DMARC has
    /// no author domain to evaluate (RFC 5322 §3.6 requires exactly one From
    /// field; RFC 7489 §6.6.1 advises rejecting such messages).
    pub async fn evaluate_message(&self, message: &[u8], auth: &Authentication<'_>) -> Verdict {
        self.evaluate_block(&split(message), auth).await
    }

    /// [`evaluate_message`](Self::evaluate_message) for a message already
    /// split into its header fields.
    pub async fn evaluate_block(
        &self,
        block: &HeaderBlock<'_>,
        auth: &Authentication<'_>,
    ) -> Verdict {
        match author_domains(block) {
            Ok(domains) => {
                let domains: Vec<&str> = domains.iter().map(String::as_str).collect();
                self.evaluate(&domains, auth).await
            }
            Err(reason) => Verdict::bare(DmarcResult::PermError, None, Some(reason)),
        }
    }

    /// Evaluates the author domains of one message.
    ///
    /// Each distinct domain is evaluated on its own, never only the first
    /// (RFC 7489 §6.6.1: apply the check to each and take the strictest);
    /// the verdict returned is the one that speaks most strongly against the
    /// message, the others are in [`Verdict::other_authors`].
    pub async fn evaluate(&self, author_domains: &[&str], auth: &Authentication<'_>) -> Verdict {
        if let [domain] = author_domains {
            return match normalize_domain(domain) {
                Some(normal) => self.evaluate_author(&normal, auth).await,
                None => not_a_domain(domain),
            };
        }

        let mut verdicts = Vec::new();
        let mut seen: Vec<Cow<'_, str>> = Vec::new();
        for domain in author_domains {
            let Some(normal) = normalize_domain(domain) else {
                verdicts.push(not_a_domain(domain));
                continue;
            };
            if !seen.contains(&normal) {
                verdicts.push(self.evaluate_author(&normal, auth).await);
                seen.push(normal);
            }
        }

        let leading = (0..verdicts.len()).max_by_key(|&index| {
            let verdict = &verdicts[index];
            (
                verdict.result.severity(),
                verdict.disposition,
                std::cmp::Reverse(index),
            )
        });
        let Some(leading) = leading else {
            let reason = "the message has no author domain".to_owned();
            return Verdict::bare(DmarcResult::PermError, None, Some(reason));
        };
        let mut verdict = verdicts.remove(leading);
        verdict.other_authors = verdicts;
        verdict
    }

    /// Evaluates one normalized author domain.
    async fn evaluate_author(&self, author: &str, auth: &Authentication<'_>) -> Verdict {
        let mut lookups = Lookups::new(self.resolver, self.known, self.explain);
        let mut verdict = match lookups.discover_policy(author, self.mode).await {
            Discovery::Found { domain, record } => {
                self.apply_record(&mut lookups, author, domain, record, auth)
                    .await
            }
            Discovery::Invalid {
                domain,
                text,
                error,
            } => invalid_record(author, &domain, &text, &error),
            Discovery::NotFound => {
                let reason = "no DMARC record for the author domain or above it".to_owned();
                Verdict::bare(DmarcResult::None, Some(author.to_owned()), Some(reason))
            }
            Discovery::Several { domain } => {
                let reason = format!("several DMARC records at _dmarc.{domain}: none applies");
                Verdict::bare(DmarcResult::None, Some(author.to_owned()), Some(reason))
            }
            Discovery::TempError { detail } => {
                let reason = format!("policy discovery failed: {detail}");
                Verdict::bare(
                    DmarcResult::TempError,
                    Some(author.to_owned()),
                    Some(reason),
                )
            }
        };
        verdict.tree_walk = lookups.trace;
        verdict
    }

    /// Aligns the identifiers and picks the policy of a discovered record.
    async fn apply_record(
        &self,
        lookups: &mut Lookups<'r, R>,
        author: &str,
        policy_domain: String,
        record: Record<'static>,
        auth: &Authentication<'_>,
    ) -> Verdict {
        let reason = self
            .explain
            .then(|| format!("policy record found at _dmarc.{policy_domain}"));
        let mut verdict = Verdict::bare(DmarcResult::None, Some(author.to_owned()), reason);
        let policies = match record.policies(self.mode) {
            Ok(policies) => policies,
            Err(no_policy) => {
                note!(
                    self.explain,
                    verdict.reasons,
                    "{no_policy}: DMARC does not apply"
                );
                verdict.policy_domain = Some(policy_domain);
                verdict.record = Some(record);
                return verdict;
            }
        };
        self.note_record(&mut verdict, &record, &policies);

        let organizational = lookups.organizational_domain(author, self.mode).await;
        let mut alignment = Aligner {
            lookups,
            mode: self.mode,
            author,
            organizational: &organizational,
            temporary: None,
            explain: self.explain,
        };
        alignment.align(&mut verdict, &record, auth).await;
        let temporary = alignment.temporary.take();

        verdict.result = if verdict.spf_aligned || !verdict.dkim_aligned.is_empty() {
            DmarcResult::Pass
        } else if let Some(detail) = temporary {
            note!(
                self.explain,
                verdict.reasons,
                "no aligned pass, and {detail}"
            );
            DmarcResult::TempError
        } else {
            verdict.reasons.extend(
                self.explain
                    .then(|| "no identifier aligned with a pass".to_owned()),
            );
            DmarcResult::Fail
        };

        let (policy, source) = self
            .choose_policy(
                lookups,
                author,
                &policy_domain,
                &policies,
                &mut verdict.reasons,
            )
            .await;
        verdict.testing = record.is_testing() && self.mode == Mode::Rfc9989
            || self.mode == Mode::Rfc7489 && record.percent == Some(0);
        verdict.disposition = match verdict.result {
            DmarcResult::Fail if verdict.testing => policy.relaxed(),
            DmarcResult::Fail => policy,
            _ => Policy::None,
        };
        verdict.policy = Some(policy);
        verdict.policy_source = Some(source);
        verdict.organizational_domain = organizational.ok().map(str::to_owned);
        verdict.policy_domain = Some(policy_domain);
        verdict.record = Some(record);
        verdict
    }

    /// Notes what the record itself says: assumed policies, legacy tags,
    /// testing.
    fn note_record(&self, verdict: &mut Verdict, record: &Record<'_>, policies: &Policies) {
        if policies.assumed_none {
            verdict.reasons.push(
                "p= missing or invalid with a valid rua= destination: read as p=none".to_owned(),
            );
        }
        let legacy = match self.explain && self.mode == Mode::Rfc9989 {
            true => record.legacy_tags(),
            false => Vec::new(),
        };
        if !legacy.is_empty() {
            let names: Vec<&str> = legacy.iter().map(|tag| Tag::as_str(*tag)).collect();
            note!(
                self.explain,
                verdict.reasons,
                "{} = RFC 7489 tags that RFC 9989 removed: ignored",
                names.join(", ")
            );
        }
        if self.mode == Mode::Rfc7489
            && record
                .percent
                .is_some_and(|percent| percent > 0 && percent < 100)
        {
            note!(
                self.explain,
                verdict.reasons,
                "pct={}: a receiver samples; the policy is reported as if selected",
                record.percent.unwrap_or(100)
            );
        }
    }

    /// Picks `p`, `sp` or `np` and says why.
    async fn choose_policy(
        &self,
        lookups: &Lookups<'r, R>,
        author: &str,
        policy_domain: &str,
        policies: &Policies,
        reasons: &mut Vec<String>,
    ) -> (Policy, PolicySource) {
        if author == policy_domain {
            return (policies.domain, PolicySource::AuthorDomain);
        }
        let checks_existence =
            self.mode == Mode::Rfc9989 && policies.nonexistent != policies.subdomain;
        if !checks_existence {
            note!(
                self.explain,
                reasons,
                "{author} is below {policy_domain}: the subdomain policy applies"
            );
            return (policies.subdomain, PolicySource::ExistingSubdomain);
        }
        match lookups.exists(author).await {
            Some(false) => {
                note!(
                    self.explain,
                    reasons,
                    "{author} does not exist (no A, AAAA or MX): np applies"
                );
                (policies.nonexistent, PolicySource::NonexistentSubdomain)
            }
            Some(true) => {
                note!(self.explain, reasons, "{author} exists: sp applies");
                (policies.subdomain, PolicySource::ExistingSubdomain)
            }
            None => {
                note!(
                    self.explain,
                    reasons,
                    "whether {author} exists is unknown (DNS failure): sp applies"
                );
                (policies.subdomain, PolicySource::ExistingSubdomain)
            }
        }
    }
}

/// Identifier alignment for one author domain.
struct Aligner<'l, 'r, 'd, R: ?Sized> {
    lookups: &'l mut Lookups<'r, R>,
    mode: Mode,
    author: &'d str,
    organizational: &'d Result<&'d str, String>,
    /// The first temporary failure that kept an identifier from aligning.
    temporary: Option<String>,
    explain: bool,
}

impl<R: Resolver + ?Sized> Aligner<'_, '_, '_, R> {
    /// Aligns the SPF domain and every DKIM `d=` with the author domain.
    async fn align(
        &mut self,
        verdict: &mut Verdict,
        record: &Record<'_>,
        auth: &Authentication<'_>,
    ) {
        if let Some(spf) = &auth.spf {
            let identity = match spf.identity {
                SpfIdentity::MailFrom => "MAIL FROM",
                SpfIdentity::Helo => "HELO",
            };
            let normal = normalize_domain(&spf.domain);
            let aligned = self
                .aligned(normal.as_deref(), record.spf_alignment())
                .await;
            match (spf.result, aligned) {
                (SpfResult::Pass, Ok(true)) => {
                    verdict.spf_aligned = true;
                    note!(
                        self.explain,
                        verdict.reasons,
                        "SPF pass for {identity} {} aligns",
                        spf.domain
                    );
                }
                (SpfResult::TempError, Ok(true)) => {
                    self.temporary
                        .get_or_insert_with(|| format!("SPF temperror for aligned {}", spf.domain));
                }
                (SpfResult::Pass, Ok(false)) => note!(
                    self.explain,
                    verdict.reasons,
                    "SPF pass for {identity} {} does not align ({} alignment)",
                    spf.domain,
                    alignment_word(record.spf_alignment())
                ),
                (SpfResult::Pass | SpfResult::TempError, Err(detail)) => {
                    self.temporary.get_or_insert(detail);
                }
                (result, _) => note!(
                    self.explain,
                    verdict.reasons,
                    "SPF {result} for {}",
                    spf.domain
                ),
            }
        }

        for signature in &auth.dkim {
            if !matches!(signature.result, DkimResult::Pass | DkimResult::TempError) {
                continue;
            }
            let normal = normalize_domain(&signature.domain);
            let aligned = self
                .aligned(normal.as_deref(), record.dkim_alignment())
                .await;
            match (signature.result, aligned) {
                (DkimResult::Pass, Ok(true)) => {
                    // Aligned, so the name normalized.
                    let domain = normal.map(Cow::into_owned).unwrap_or_default();
                    note!(
                        self.explain,
                        verdict.reasons,
                        "DKIM pass for d={domain} aligns"
                    );
                    verdict.dkim_aligned.push(domain);
                }
                (_, Ok(true)) => {
                    self.temporary.get_or_insert_with(|| {
                        format!("DKIM temperror for aligned d={}", signature.domain)
                    });
                }
                (DkimResult::Pass, Ok(false)) => note!(
                    self.explain,
                    verdict.reasons,
                    "DKIM pass for d={} does not align ({} alignment)",
                    signature.domain,
                    alignment_word(record.dkim_alignment())
                ),
                (_, Err(detail)) => {
                    self.temporary.get_or_insert(detail);
                }
                _ => {}
            }
        }
    }

    /// Whether `domain` (normalized; `None` when it is not a domain name)
    /// aligns with the author domain. Relaxed alignment compares
    /// organizational domains, and asks for the other domain's only when it
    /// lies within the author's organizational domain.
    async fn aligned(&mut self, domain: Option<&str>, mode: Alignment) -> Result<bool, String> {
        let Some(domain) = domain else {
            return Ok(false);
        };
        if domain == self.author {
            return Ok(true);
        }
        if mode == Alignment::Strict {
            return Ok(false);
        }
        let organizational = self.organizational.as_ref().map_err(|detail| {
            format!(
                "the organizational domain of {} is unknown: {detail}",
                self.author
            )
        })?;
        if !is_within(domain, organizational) {
            return Ok(false);
        }
        let other = self
            .lookups
            .organizational_domain(domain, self.mode)
            .await
            .map_err(|detail| {
                format!("the organizational domain of {domain} is unknown: {detail}")
            })?;
        Ok(other == *organizational)
    }
}

/// The verdict for an author domain that is not a domain name.
fn not_a_domain(domain: &str) -> Verdict {
    let reason = format!("author domain {domain:?} is not a domain name");
    Verdict::bare(
        DmarcResult::PermError,
        Some(domain.to_owned()),
        Some(reason),
    )
}

/// The verdict for a DMARC record that does not parse.
fn invalid_record(author: &str, domain: &str, text: &str, error: &crate::RecordError) -> Verdict {
    let reason = format!("the DMARC record at _dmarc.{domain} ({text:?}) is invalid: {error}");
    let mut verdict = Verdict::bare(
        DmarcResult::PermError,
        Some(author.to_owned()),
        Some(reason),
    );
    verdict.policy_domain = Some(domain.to_owned());
    verdict
}

/// `relaxed` or `strict`.
const fn alignment_word(alignment: Alignment) -> &'static str {
    match alignment {
        Alignment::Relaxed => "relaxed",
        Alignment::Strict => "strict",
    }
}

/// The domains of every mailbox of every From field, as written.
fn author_domains(block: &HeaderBlock<'_>) -> Result<Vec<String>, String> {
    let mut domains = Vec::new();
    let mut fields = 0;
    for field in block.get_all("from") {
        fields += 1;
        let value = field.value().unfolded_text();
        let mailboxes = address::mailboxes(&value)
            .map_err(|error| format!("the From field cannot be read: {error}"))?;
        for mailbox in mailboxes {
            let domain = mailbox
                .domain
                .ok_or_else(|| format!("From mailbox {} has no domain", mailbox.local_part))?;
            domains.push(domain.to_owned());
        }
    }
    match fields {
        0 => Err("the message has no From field".to_owned()),
        _ if domains.is_empty() => Err("the From field names no mailbox".to_owned()),
        _ => Ok(domains),
    }
}
