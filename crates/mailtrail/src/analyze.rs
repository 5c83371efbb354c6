//! Message analysis: a raw message and the organisation's view in, a
//! forensic report out. Each step is a call into the crate that owns it;
//! this module only wires them and draws the findings.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;
use mailtrail_authres::{AuthresField, Strictness, Trust, TrustConfig, parse_fields};
use mailtrail_dkim::{DkimResult, DkimVerification, KeyCache, VerifyOptions, verify_block_with};
use mailtrail_dmarc::{Authentication, DmarcResult, Evaluator, Verdict};
use mailtrail_dns::Resolver;
use mailtrail_message::{HeaderBlock, Span, address, split};
use mailtrail_received::{Anomaly, Chain, ChainOptions, EntryHop};
use mailtrail_spf::{IdentityCheck, SpfResult, Verifier};

use crate::doors::{Doors, EntryClass};
use crate::findings::{Code, Evidence, Finding, Severity};
use crate::organisation::lowercase_name;
use crate::{MtaStsSource, OrganisationView};

/// Analyses messages for one organisation.
///
/// See the crate documentation for an example.
#[derive(Debug)]
pub struct Analyzer<'r, R: ?Sized, S: ?Sized> {
    resolver: &'r R,
    mta_sts: &'r S,
    now: Timestamp,
    organisation: OrganisationView,
    key_cache: Option<&'r KeyCache>,
}

/// The forensic report on one message.
#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report<'m> {
    /// The domain the message was delivered to.
    pub recipient_domain: Option<String>,
    /// The hops, oldest first, with their anomalies.
    pub chain: Chain<'static>,
    /// Where the message entered the organisation.
    pub entry: Option<Entry>,
    /// Why no entry was found, when none was.
    pub no_entry: Option<String>,
    /// The recipient domain's MX hosts, policy and gateways.
    pub doors: Doors,
    /// Every Authentication-Results field, classified.
    pub authentication_results: Vec<AuthresReport>,
    /// SPF for the entry hop's client, HELO and envelope sender.
    pub spf: Option<IdentityCheck>,
    /// DKIM, every signature.
    pub dkim: DkimVerification<'m>,
    /// DMARC on those SPF and DKIM results.
    pub dmarc: Verdict,
    /// What to act on, most severe first.
    pub findings: Vec<Finding>,
}

/// The entry hop and what its host is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Entry {
    /// The hop's index, oldest first.
    pub hop: usize,
    /// The organisation's host that accepted the message.
    pub host: Option<String>,
    /// Its address, when the Received field gives it.
    pub ip: Option<IpAddr>,
    /// The outside host that handed the message over (its HELO name).
    pub sender: Option<String>,
    /// The outside host's address.
    pub sender_ip: Option<IpAddr>,
    /// What the accepting host is among the recipient domain's doors.
    pub classification: EntryClass,
    /// Its MX preference, when it is an MX host.
    pub mx_preference: Option<u16>,
    /// The entry hop's Received field.
    pub evidence: Evidence,
}

/// One Authentication-Results field and whether to believe it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AuthresReport {
    /// The field's index, from 0 at the top.
    pub field_index: usize,
    /// Where it is in the message.
    pub span: Span,
    /// Who signed it.
    pub authserv_id: Option<String>,
    /// Trusted, untrusted or forged.
    pub trust: Trust,
    /// Why, in words.
    pub reason: String,
    /// Whether it sits above the entry hop (added inside the organisation).
    pub above_entry: Option<bool>,
    /// Its results as `method=result`.
    pub results: Vec<String>,
}

impl<'r, R, S> Analyzer<'r, R, S>
where
    R: Resolver + ?Sized,
    S: MtaStsSource + ?Sized,
{
    /// An analyzer with a resolver, an MTA-STS source and the time of the
    /// analysis.
    pub fn new(resolver: &'r R, mta_sts: &'r S, now: Timestamp) -> Self {
        Self {
            resolver,
            mta_sts,
            now,
            organisation: OrganisationView::new(),
            key_cache: None,
        }
    }

    /// Keeps the DKIM keys fetched, for analyses of many messages: a key
    /// is parsed once and held for its TTL.
    pub fn with_key_cache(mut self, cache: &'r KeyCache) -> Self {
        self.key_cache = Some(cache);
        self
    }

    /// What the organisation knows.
    pub fn with_organisation(mut self, organisation: OrganisationView) -> Self {
        self.organisation = organisation;
        self
    }

    /// Analyses one raw message.
    pub async fn analyze<'m>(&self, message: &'m [u8]) -> Report<'m> {
        let block = split(message);
        let chain = Chain::from_block(&block, &ChainOptions::new(self.now)).into_owned();
        let recipient_domain = self.recipient_domain(&block, &chain);

        let doors = match &recipient_domain {
            Some(domain) => {
                let given = self.organisation.gateways();
                Doors::find(
                    self.resolver,
                    self.mta_sts,
                    domain,
                    given,
                    self.system_now(),
                )
                .await
            }
            None => Doors::default(),
        };
        let newest_receiver = chain
            .hops()
            .last()
            .and_then(|hop| hop.received()?.by())
            .map(|by| by.value.to_owned());
        let known_hosts = doors
            .mx
            .iter()
            .map(|door| door.host.as_str())
            .chain(doors.gateways.iter().map(String::as_str))
            .chain(newest_receiver.as_deref());
        let organisation = self.organisation.organisation(known_hosts);
        let boundary = chain.trust_boundary(&organisation);

        let (entry, no_entry) = match boundary.entry() {
            Some(entry_hop) => (Some(self.entry(&block, &doors, entry_hop).await), None),
            None => (None, boundary.no_entry().map(|reason| reason.to_string())),
        };
        let entry_field = entry.as_ref().map(|entry| entry.evidence.field_index);

        let fields = parse_fields(&block, Strictness::Lenient);
        let authentication_results = self.authentication_results(&fields, entry_field);

        let spf = self.spf(&block, &chain, entry.as_ref()).await;
        let options = VerifyOptions::new(self.now.as_second().max(0).unsigned_abs());
        let dkim =
            verify_block_with(self.resolver, message, &block, &options, self.key_cache).await;
        let auth = Authentication::from_outcomes(spf.as_ref(), &dkim);
        let dmarc = Evaluator::new(self.resolver)
            .evaluate_block(&block, &auth)
            .await;

        let mut report = Report {
            recipient_domain,
            chain,
            entry,
            no_entry,
            doors,
            authentication_results,
            spf,
            dkim,
            dmarc,
            findings: Vec::new(),
        };
        report.findings = findings(&report, &block);
        report
    }

    /// The analysis time as a `SystemTime`.
    fn system_now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.now.as_second().max(0).unsigned_abs())
    }

    /// The recipient domain: the organisation's (the first one the message
    /// was addressed to, else the first given), else the `for` clauses, else
    /// the To and Cc fields.
    fn recipient_domain(&self, block: &HeaderBlock<'_>, chain: &Chain<'_>) -> Option<String> {
        let domains = self.organisation.domains();
        if let [only] = domains {
            return Some(only.clone());
        }
        let addressed = addressed_domains(block, chain);
        let own = domains.iter().find(|domain| addressed.contains(domain));
        own.or_else(|| domains.first())
            .cloned()
            .or_else(|| addressed.into_iter().next())
    }

    /// The entry hop with its host classified among the doors.
    async fn entry(&self, block: &HeaderBlock<'_>, doors: &Doors, hop: &EntryHop<'_>) -> Entry {
        let (classification, mx_preference) = doors
            .classify(self.resolver, hop.receiver.name, hop.receiver.ip)
            .await;
        let evidence = received_evidence(block, hop.hop);
        Entry {
            hop: hop.hop,
            host: hop.receiver.name.map(lowercase_name),
            ip: hop.receiver.ip,
            sender: hop.sender.name.map(str::to_owned),
            sender_ip: hop.sender.ip,
            classification,
            mx_preference,
            evidence,
        }
    }

    /// Classifies every Authentication-Results field against the trusted
    /// ids, with the entry hop's Received field as the boundary.
    fn authentication_results(
        &self,
        fields: &[AuthresField<'_>],
        entry_field: Option<usize>,
    ) -> Vec<AuthresReport> {
        let trust = TrustConfig::new(self.organisation.trusted_ids().iter().map(String::as_str));
        let verdicts = trust.classify(fields, entry_field);
        fields
            .iter()
            .zip(verdicts)
            .map(|(field, verdict)| AuthresReport {
                field_index: field.index,
                span: field.span,
                authserv_id: field.authserv_id().map(str::to_owned),
                trust: verdict.trust,
                reason: verdict.reason.to_string(),
                above_entry: entry_field.map(|entry| field.index < entry),
                results: match &field.parsed {
                    Ok(parsed) => parsed
                        .results
                        .iter()
                        .map(|result| format!("{}={}", result.method, result.result))
                        .collect(),
                    Err(_) => Vec::new(),
                },
            })
            .collect()
    }

    /// SPF for the entry hop's client, its HELO and the envelope sender
    /// (Return-Path, else the entry hop's envelope-from).
    async fn spf(
        &self,
        block: &HeaderBlock<'_>,
        chain: &Chain<'_>,
        entry: Option<&Entry>,
    ) -> Option<IdentityCheck> {
        let entry = entry?;
        let ip = entry.sender_ip?;
        let envelope = address::return_path(block).or_else(|| {
            let received = chain.hops().get(entry.hop)?.received()?;
            received.envelope_from().map(|from| from.value.to_owned())
        });
        let verifier = Verifier::new(self.resolver).with_now(self.system_now());
        let mail_from = envelope.unwrap_or_default();
        Some(
            verifier
                .verify_mail_from(ip, entry.sender.as_deref(), &mail_from)
                .await,
        )
    }
}

/// The domains the message was addressed to: the `for` clauses, newest
/// first, then To and Cc.
fn addressed_domains(block: &HeaderBlock<'_>, chain: &Chain<'_>) -> Vec<String> {
    let mut domains = Vec::new();
    for hop in chain.hops().iter().rev() {
        let Some(received) = hop.received() else {
            continue;
        };
        for recipient in received.recipients() {
            if let Some((_, domain)) = recipient.value.rsplit_once('@') {
                domains.push(lowercase_name(domain.trim_end_matches('>')));
            }
        }
    }
    for name in ["to", "cc"] {
        for field in block.get_all(name) {
            let value = field.value().unfolded_text();
            let Ok(mailboxes) = address::mailboxes(&value) else {
                continue;
            };
            domains.extend(
                mailboxes
                    .iter()
                    .filter_map(|mailbox| mailbox.domain)
                    .map(lowercase_name),
            );
        }
    }
    domains.dedup();
    domains
}

/// The evidence of hop `hop` (oldest first): its Received field. The hops
/// are the Received fields read bottom-up, so hop `n` is the `n`-th from
/// the bottom.
fn received_evidence(block: &HeaderBlock<'_>, hop: usize) -> Evidence {
    match block.get_all("received").rev().nth(hop) {
        Some(field) => Evidence {
            field_index: field.index(),
            span: field.span(),
        },
        None => Evidence {
            field_index: 0,
            span: Span::new(0, 0),
        },
    }
}

/// The findings of a report, most severe first.
fn findings(report: &Report<'_>, block: &HeaderBlock<'_>) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some(entry) = &report.entry {
        entry_findings(entry, &report.doors, &mut found);
    }
    authres_findings(&report.authentication_results, &mut found);
    chain_findings(&report.chain, block, &mut found);
    authentication_findings(report, &mut found);
    found.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    found
}

/// `gateway_bypass`, `entry_via_ghost_mx`, `entry_off_mx`.
fn entry_findings(entry: &Entry, doors: &Doors, found: &mut Vec<Finding>) {
    let host = entry.host.as_deref().unwrap_or("an unnamed host");
    let evidence = Some(entry.evidence);
    let bypass = !doors.gateways.is_empty()
        && !matches!(
            entry.classification,
            EntryClass::PrimaryMx | EntryClass::Internal
        );
    if bypass {
        let gateways = doors.gateways.join(", ");
        let message = format!(
            "the message entered at {host}, not through the expected gateways ({gateways})"
        );
        found.push(Finding::new(
            Code::GatewayBypass,
            Severity::High,
            message,
            evidence,
        ));
    }
    match entry.classification {
        EntryClass::GhostMx => {
            let preference = entry
                .mx_preference
                .map_or_else(String::new, |p| format!(" (preference {p})"));
            let message = format!(
                "{host} is an MX host{preference} that the domain's policy does not cover: a forgotten door that accepted this message"
            );
            found.push(Finding::new(
                Code::EntryViaGhostMx,
                Severity::Critical,
                message,
                evidence,
            ));
        }
        EntryClass::OffMx => {
            let message = format!(
                "{host} is not an MX host: the sender delivered straight to an internal endpoint"
            );
            found.push(Finding::new(
                Code::EntryOffMx,
                Severity::High,
                message,
                evidence,
            ));
        }
        _ => {}
    }
}

/// `untrusted_authserv_id` for a pass verdict, `forged_authserv_id`.
fn authres_findings(fields: &[AuthresReport], found: &mut Vec<Finding>) {
    for field in fields {
        let evidence = Some(Evidence {
            field_index: field.field_index,
            span: field.span,
        });
        let id = field.authserv_id.as_deref().unwrap_or("(none)");
        let passes: Vec<&str> = field
            .results
            .iter()
            .filter(|result| result.ends_with("=pass"))
            .map(String::as_str)
            .collect();
        match field.trust {
            Trust::Untrusted if !passes.is_empty() => {
                let message = format!(
                    "{id}, which the organisation does not trust, vouched {}",
                    passes.join(" ")
                );
                found.push(Finding::new(
                    Code::UntrustedAuthservId,
                    Severity::High,
                    message,
                    evidence,
                ));
            }
            Trust::Forged => {
                let message = format!(
                    "an Authentication-Results field claims the organisation's own id {id} where the sender could have written it"
                );
                found.push(Finding::new(
                    Code::ForgedAuthservId,
                    Severity::Critical,
                    message,
                    evidence,
                ));
            }
            _ => {}
        }
    }
}

/// `received_chain_broken`, `received_time_anomaly`.
fn chain_findings(chain: &Chain<'_>, block: &HeaderBlock<'_>, found: &mut Vec<Finding>) {
    for anomaly in chain.anomalies() {
        let (code, severity, hop, message) = match *anomaly {
            Anomaly::Break { hop } => (
                Code::ReceivedChainBroken,
                Severity::Medium,
                hop,
                format!(
                    "hop {hop}'s sender is not the host that received the message one hop earlier"
                ),
            ),
            Anomaly::TimeWentBackwards { hop, .. } => (
                Code::ReceivedTimeAnomaly,
                Severity::Low,
                hop,
                format!("hop {hop} is dated before the hop before it"),
            ),
            Anomaly::FutureDate { hop, .. } => (
                Code::ReceivedTimeAnomaly,
                Severity::Low,
                hop,
                format!("hop {hop} is dated in the future"),
            ),
            Anomaly::MissingDate { hop } => (
                Code::ReceivedTimeAnomaly,
                Severity::Info,
                hop,
                format!("hop {hop} has no date"),
            ),
            _ => continue,
        };
        let evidence = Some(received_evidence(block, hop));
        found.push(Finding::new(code, severity, message, evidence));
    }
}

/// `spf_fail`, `dkim_fail`, `dmarc_fail`, from the analysis's own checks.
fn authentication_findings(report: &Report<'_>, found: &mut Vec<Finding>) {
    if let Some(spf) = &report.spf
        && matches!(spf.outcome.result, SpfResult::Fail | SpfResult::SoftFail)
    {
        let message = format!(
            "SPF {} for {} from {}",
            spf.outcome.result, spf.outcome.domain, spf.ip
        );
        found.push(Finding::new(Code::SpfFail, Severity::Medium, message, None));
    }
    for outcome in &report.dkim.outcomes {
        if matches!(outcome.result, DkimResult::Fail | DkimResult::PermError) {
            let domain = outcome.signing_domain.unwrap_or("(no d=)");
            let cause = outcome
                .cause
                .as_ref()
                .map_or_else(String::new, |cause| format!(": {cause}"));
            let message = format!("the DKIM signature of {domain} did not verify{cause}");
            let evidence = Some(Evidence {
                field_index: outcome.field_index,
                span: outcome.span,
            });
            found.push(Finding::new(
                Code::DkimFail,
                Severity::Medium,
                message,
                evidence,
            ));
        }
    }
    if report.dmarc.result == DmarcResult::Fail {
        let domain = report
            .dmarc
            .author_domain
            .as_deref()
            .unwrap_or("the From domain");
        let message = format!(
            "DMARC fails for {domain}; its owner asks for {}",
            report.dmarc.disposition
        );
        found.push(Finding::new(Code::DmarcFail, Severity::High, message, None));
    }
}
