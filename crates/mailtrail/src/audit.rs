//! Domain audit: a domain's inbound doors and sender policies, read as an
//! attacker would read them, each weakness a finding with its remedy.

use std::net::IpAddr;
use std::time::SystemTime;

use mailtrail_dmarc::{Authentication, Evaluator, Policy};
use mailtrail_dns::Resolver;
use mailtrail_spf::{Mechanism, Modifier, Record, Term, is_spf_record};

use crate::doors::{addresses, provider};
use crate::findings::{Finding, Severity};
use crate::organisation::lowercase_name;
use crate::{Code, MtaStsLookup, MtaStsSource, MtaStsView};

/// The DNS-querying terms RFC 7208 §4.6.4 allows one evaluation.
const SPF_LOOKUP_LIMIT: u32 = 10;

/// How deep the audit follows `include:` and `redirect=`.
const SPF_MAX_DEPTH: usize = 10;

/// The posture of one domain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Audit {
    /// The domain audited.
    pub domain: String,
    /// Its MX hosts, with addresses and policy coverage.
    pub mx: Vec<AuditedMx>,
    /// Its MTA-STS policy, if one is in force.
    pub mta_sts: Option<MtaStsView>,
    /// Why no policy is in force, when a record exists.
    pub mta_sts_problem: Option<String>,
    /// Its TLS-RPT record, as published.
    pub tls_rpt: Option<String>,
    /// Its SPF record and what it costs.
    pub spf: SpfPosture,
    /// Its DMARC record, found by the tree walk.
    pub dmarc: DmarcPosture,
    /// What to fix, most severe first.
    pub findings: Vec<Finding>,
}

/// One MX host as the audit sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AuditedMx {
    /// The MX preference.
    pub preference: u16,
    /// The host.
    pub host: String,
    /// Its A and AAAA addresses; empty when it does not resolve (dangling).
    pub addresses: Vec<IpAddr>,
    /// Whether the MTA-STS policy allows it; `None` without a policy.
    pub mta_sts_allowed: Option<bool>,
}

/// The SPF side of the audit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SpfPosture {
    /// The record, when exactly one was published.
    pub record: Option<String>,
    /// Why the record is unusable, when it is.
    pub error: Option<String>,
    /// DNS-querying terms counted through includes and redirects.
    pub dns_lookups: u32,
    /// Whether an `mx` or `a` term makes the inbound hosts authorised
    /// senders (a ghost MX can then send as the domain).
    pub authorises_inbound_hosts: bool,
}

/// The DMARC side of the audit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DmarcPosture {
    /// The record that applies to the domain.
    pub record: Option<String>,
    /// Where it was found.
    pub policy_domain: Option<String>,
    /// The policy for the domain itself.
    pub policy: Option<Policy>,
    /// Why no policy applies (no record, a broken one, a DNS failure), when
    /// none does.
    pub problem: Option<String>,
}

/// Audits `domain` at `now` (for the MTA-STS cache): MX hosts and their
/// addresses, MTA-STS and TLS-RPT, SPF and DMARC.
///
/// See the crate documentation for an example.
pub async fn audit<R, S>(resolver: &R, mta_sts: &S, domain: &str, now: SystemTime) -> Audit
where
    R: Resolver + ?Sized,
    S: MtaStsSource + ?Sized,
{
    let domain = lowercase_name(domain);
    let (policy, mta_sts_problem, has_record) = match mta_sts.lookup(&domain, now).await {
        MtaStsLookup::Policy(policy) => (Some(policy), None, true),
        MtaStsLookup::NoRecord => (None, None, false),
        MtaStsLookup::Unavailable(problem) => (None, Some(problem), true),
    };

    let mut mx = Vec::new();
    if let Ok(answer) = resolver.mx(&domain).await {
        for record in answer.records.iter().filter(|record| !record.is_null()) {
            let host = lowercase_name(&record.exchange);
            mx.push(AuditedMx {
                preference: record.preference,
                addresses: addresses(resolver, &host).await,
                mta_sts_allowed: policy.as_ref().map(|policy| policy.allows(&host)),
                host,
            });
        }
    }
    mx.sort_by(|a, b| (a.preference, &a.host).cmp(&(b.preference, &b.host)));

    let tls_rpt = tls_rpt_record(resolver, &domain).await;
    let spf = spf_posture(resolver, &domain).await;
    let dmarc = dmarc_posture(resolver, &domain).await;

    let mut audit = Audit {
        domain,
        mx,
        mta_sts: policy,
        mta_sts_problem,
        tls_rpt,
        spf,
        dmarc,
        findings: Vec::new(),
    };
    audit.findings = findings(&audit, has_record);
    audit
}

/// The `_smtp._tls` record that starts with `v=TLSRPTv1`, if one does.
async fn tls_rpt_record<R: Resolver + ?Sized>(resolver: &R, domain: &str) -> Option<String> {
    let answer = resolver.txt(&format!("_smtp._tls.{domain}")).await.ok()?;
    answer
        .records
        .iter()
        .map(|txt| String::from_utf8_lossy(&txt.concat()).into_owned())
        .find(|text| text.starts_with("v=TLSRPTv1"))
}

/// The SPF record of a domain, its lookup count through includes, and
/// whether it authorises the inbound hosts.
async fn spf_posture<R: Resolver + ?Sized>(resolver: &R, domain: &str) -> SpfPosture {
    let mut posture = SpfPosture::default();
    let text = match spf_text(resolver, domain).await {
        Ok(Some(text)) => text,
        Ok(None) => return posture,
        Err(error) => {
            posture.error = Some(error);
            return posture;
        }
    };
    match Record::parse(&text) {
        Ok(record) => {
            posture.authorises_inbound_hosts = record.terms().iter().any(|term| {
                matches!(
                    term,
                    Term::Directive(directive)
                        if matches!(directive.mechanism, Mechanism::Mx { domain: None, .. } | Mechanism::A { domain: None, .. })
                )
            });
            let mut count = Counter {
                lookups: 0,
                error: None,
            };
            count.record(resolver, &record, 0).await;
            posture.dns_lookups = count.lookups;
            posture.error = count.error;
        }
        Err(error) => posture.error = Some(format!("{domain}: {error}")),
    }
    posture.record = Some(text);
    posture
}

/// The one `v=spf1` record of a domain; an error for several.
async fn spf_text<R: Resolver + ?Sized>(
    resolver: &R,
    domain: &str,
) -> Result<Option<String>, String> {
    let answer = match resolver.txt(domain).await {
        Ok(answer) => answer,
        Err(error) if error.is_void() => return Ok(None),
        Err(error) => return Err(format!("{domain}: {error}")),
    };
    let mut records = answer
        .records
        .iter()
        .map(|txt| txt.concat())
        .filter(|bytes| is_spf_record(bytes));
    match (records.next(), records.next()) {
        (None, _) => Ok(None),
        (Some(bytes), None) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        (Some(_), Some(_)) => Err(format!("{domain} publishes several SPF records")),
    }
}

/// Counts the DNS-querying terms of a record and of the records it
/// includes or redirects to (RFC 7208 §4.6.4); names with macros count once
/// and are not followed.
struct Counter {
    lookups: u32,
    error: Option<String>,
}

impl Counter {
    /// Counts one record at `depth`.
    async fn record<R: Resolver + ?Sized>(
        &mut self,
        resolver: &R,
        record: &Record<'_>,
        depth: usize,
    ) {
        let mut targets = Vec::new();
        for term in record.terms() {
            match term {
                Term::Directive(directive) if directive.mechanism.queries_dns() => {
                    self.lookups += 1;
                    if let Mechanism::Include(spec) = &directive.mechanism {
                        targets.push(spec.as_str());
                    }
                }
                Term::Modifier(Modifier::Redirect(spec)) => {
                    self.lookups += 1;
                    targets.push(spec.as_str());
                }
                _ => {}
            }
        }
        targets.retain(|name| !name.contains('%'));
        if depth >= SPF_MAX_DEPTH {
            return;
        }
        for target in targets {
            match spf_text(resolver, target).await {
                Ok(Some(text)) => match Record::parse(&text) {
                    Ok(included) => Box::pin(self.record(resolver, &included, depth + 1)).await,
                    Err(error) => {
                        self.error
                            .get_or_insert_with(|| format!("{target}: {error}"));
                    }
                },
                Ok(None) => {
                    self.error
                        .get_or_insert_with(|| format!("{target} has no SPF record"));
                }
                Err(error) => {
                    self.error.get_or_insert(error);
                }
            }
        }
    }
}

/// The DMARC record that applies to the domain, by the tree walk.
async fn dmarc_posture<R: Resolver + ?Sized>(resolver: &R, domain: &str) -> DmarcPosture {
    let evaluator = Evaluator::new(resolver).with_explanation(false);
    let verdict = evaluator.evaluate(&[domain], &Authentication::new()).await;
    let problem = match verdict.policy {
        Some(_) => None,
        None => {
            let reason = verdict.reasons.first().map_or("", String::as_str);
            Some(format!("DMARC {}: {reason}", verdict.result))
        }
    };
    DmarcPosture {
        record: verdict.record.as_ref().map(ToString::to_string),
        policy_domain: verdict.policy_domain.clone(),
        policy: verdict.policy,
        problem,
    }
}

/// The findings of an audit, most severe first, each with its remedy.
fn findings(audit: &Audit, has_mta_sts_record: bool) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut add =
        |code, severity, message: String| found.push(Finding::new(code, severity, message, None));
    let domain = &audit.domain;

    for door in &audit.mx {
        if door.mta_sts_allowed == Some(false) {
            add(
                Code::MxNotInMtaStsPolicy,
                Severity::Critical,
                format!(
                    "MX {} {} is not in {domain}'s MTA-STS policy: delete the MX record, or allow port 25 on that host only from the gateway",
                    door.preference, door.host
                ),
            );
        }
        if door.addresses.is_empty() {
            add(
                Code::MxTargetUnresolvable,
                Severity::High,
                format!(
                    "MX {} {} has no address: delete the record before someone registers the name",
                    door.preference, door.host
                ),
            );
        }
    }
    if let Some(mixed) = mixed_providers(&audit.mx) {
        add(
            Code::MxMixedProviders,
            Severity::Medium,
            format!(
                "the MX hosts are run by different organisations ({mixed}) at different preferences: keep only the gateway's hosts"
            ),
        );
    }

    match (&audit.mta_sts, has_mta_sts_record) {
        (None, false) => add(
            Code::MtaStsMissing,
            Severity::Medium,
            format!(
                "{domain} publishes no MTA-STS policy: publish one in enforce mode naming only the gateway's hosts"
            ),
        ),
        (None, true) => add(
            Code::MtaStsPolicyUnreachable,
            Severity::High,
            format!(
                "{domain}'s MTA-STS record exists but its policy cannot be had ({}): fix the policy host",
                audit
                    .mta_sts_problem
                    .as_deref()
                    .unwrap_or("unknown problem")
            ),
        ),
        (Some(policy), _) if policy.mode == "testing" => add(
            Code::MtaStsTesting,
            Severity::Medium,
            format!(
                "{domain}'s MTA-STS policy is in testing mode, so senders still deliver to hosts it does not name: switch it to enforce"
            ),
        ),
        _ => {}
    }
    if audit.tls_rpt.is_none() {
        add(
            Code::TlsRptMissing,
            Severity::Low,
            format!(
                "{domain} publishes no TLS-RPT record: publish one to hear of failed TLS deliveries"
            ),
        );
    }

    let spf = &audit.spf;
    match (&spf.record, &spf.error) {
        (None, None) => add(
            Code::SpfMissing,
            Severity::Medium,
            format!("{domain} publishes no SPF record: publish one ending in -all"),
        ),
        (_, Some(error)) => add(
            Code::SpfPermerror,
            Severity::High,
            format!(
                "{domain}'s SPF record is unusable ({error}): fix it, receivers treat it as permerror"
            ),
        ),
        _ => {}
    }
    if spf.dns_lookups > SPF_LOOKUP_LIMIT {
        add(
            Code::SpfLookupLimit,
            Severity::High,
            format!(
                "{domain}'s SPF record needs {} DNS lookups, over the limit of {SPF_LOOKUP_LIMIT}: flatten or trim its includes",
                spf.dns_lookups
            ),
        );
    }

    match audit.dmarc.policy {
        None => add(
            Code::DmarcMissing,
            Severity::High,
            format!("no DMARC policy applies to {domain}: publish v=DMARC1; p=reject"),
        ),
        Some(Policy::None) => add(
            Code::DmarcPolicyNone,
            Severity::Medium,
            format!(
                "{domain}'s DMARC policy is p=none, which asks receivers to deliver forgeries: move to quarantine, then reject"
            ),
        ),
        Some(_) => {}
    }

    found.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    found
}

/// The providers of MX hosts at different preferences, when more than
/// one organisation runs them.
fn mixed_providers(mx: &[AuditedMx]) -> Option<String> {
    let mut providers: Vec<(String, u16)> = Vec::new();
    for door in mx {
        let owner = provider(&door.host);
        if !providers.iter().any(|(known, _)| *known == owner) {
            providers.push((owner, door.preference));
        }
    }
    let preferences_differ = providers.windows(2).any(|pair| pair[0].1 != pair[1].1);
    (providers.len() > 1 && preferences_differ).then(|| {
        let names: Vec<&str> = providers.iter().map(|(name, _)| name.as_str()).collect();
        names.join(", ")
    })
}
