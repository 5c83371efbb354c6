//! Policy discovery and the organizational domain: the RFC 9989 DNS tree
//! walk (§4.10.1, §4.10.2) and, in RFC 7489 mode, the public suffix list
//! ([RFC 7489 §3.2](https://www.rfc-editor.org/rfc/rfc7489#section-3.2),
//! [§6.6.3](https://www.rfc-editor.org/rfc/rfc7489#section-6.6.3)).
//!
//! Every `_dmarc` lookup goes through [`Lookups`], which asks the resolver
//! once per name per evaluation and writes each step to the trace.

use mailtrail_dns::{DnsError, Resolver};

use crate::domain::{label_count, last_labels, tree_walk};
use crate::{Mode, PublicSuffix, Record, RecordError};

/// One step of a tree walk: a `_dmarc` name asked and what it held.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct WalkStep {
    /// The name queried, `_dmarc.<domain>`.
    pub name: String,
    /// Why it was asked.
    pub purpose: WalkPurpose,
    /// What it held.
    pub found: Found,
    /// The record text, the error or the DNS answer, in words.
    pub detail: String,
}

/// Why a tree-walk step was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "kind", content = "domain", rename_all = "snake_case")
)]
pub enum WalkPurpose {
    /// Looking for the policy record of the author domain.
    Policy,
    /// Looking for the organizational domain of this domain.
    OrganizationalDomain(String),
}

/// What a `_dmarc` name held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Found {
    /// Exactly one DMARC record, which parsed.
    Record,
    /// Exactly one DMARC record, which did not parse.
    InvalidRecord,
    /// Several DMARC records: none of them counts.
    SeveralRecords,
    /// No DMARC record: no such name, no TXT, or TXT that is not DMARC.
    NoRecord,
    /// The lookup failed temporarily.
    TempError,
}

/// What one name holds, cached for the evaluation.
#[derive(Clone, Debug)]
pub(crate) enum NameRecords {
    /// The one DMARC record's text.
    One(String),
    /// Several DMARC records.
    Several(usize),
    /// None, with the reason in words.
    None(String),
    /// A temporary DNS failure, in words.
    Failed(String),
}

/// The `_dmarc` lookups of one evaluation, cached, with their trace.
pub(crate) struct Lookups<'r, R: ?Sized> {
    resolver: &'r R,
    cache: Vec<(String, NameRecords)>,
    pub(crate) trace: Vec<WalkStep>,
}

/// The outcome of policy discovery.
pub(crate) enum Discovery {
    /// A record at this domain.
    Found { domain: String, text: String },
    /// A DMARC record that does not parse: permerror.
    Invalid {
        domain: String,
        text: String,
        error: RecordError,
    },
    /// No record anywhere: none.
    NotFound,
    /// RFC 7489: several records at one name end discovery: none.
    Several { domain: String },
    /// A DNS failure: temperror.
    TempError { detail: String },
}

impl<'r, R: Resolver + ?Sized> Lookups<'r, R> {
    /// Starts with an empty cache and trace.
    pub(crate) fn new(resolver: &'r R) -> Self {
        Self {
            resolver,
            cache: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// Finds the policy record for `author` (normalized).
    pub(crate) async fn discover_policy(&mut self, author: &str, mode: Mode) -> Discovery {
        let psl_org = (mode == Mode::Rfc7489).then(|| public_suffix_organizational_domain(author));
        let targets: Vec<&str> = match psl_org.as_deref() {
            Some(org) if org != author => vec![author, org],
            Some(_) => vec![author],
            None => tree_walk(author).collect(),
        };

        for domain in targets {
            match self.lookup(domain, WalkPurpose::Policy).await {
                NameRecords::One(text) => {
                    let domain = domain.to_owned();
                    return match Record::parse(&text) {
                        Ok(_) => Discovery::Found { domain, text },
                        Err(error) => Discovery::Invalid {
                            domain,
                            text,
                            error,
                        },
                    };
                }
                NameRecords::Several(_) if mode == Mode::Rfc7489 => {
                    return Discovery::Several {
                        domain: domain.to_owned(),
                    };
                }
                NameRecords::Failed(detail) => return Discovery::TempError { detail },
                NameRecords::Several(_) | NameRecords::None(_) => {}
            }
        }
        Discovery::NotFound
    }

    /// The organizational domain of `domain` (normalized).
    ///
    /// RFC 9989 §4.10.2: walk up from the domain; a record with `psd=n`
    /// makes its domain the organizational domain; one with `psd=y` makes
    /// the domain one label below it the organizational domain; otherwise
    /// the record with the fewest labels does; without any record, the
    /// domain is its own. A `psd=y` record at the domain itself makes the
    /// domain its own organizational domain. In RFC 7489 mode the public
    /// suffix list decides, without DNS.
    pub(crate) async fn organizational_domain(
        &mut self,
        domain: &str,
        mode: Mode,
    ) -> Result<String, String> {
        if mode == Mode::Rfc7489 {
            return Ok(public_suffix_organizational_domain(domain));
        }

        let mut highest = None;
        let purpose = WalkPurpose::OrganizationalDomain(domain.to_owned());
        for target in tree_walk(domain) {
            let flag = match self.lookup(target, purpose.clone()).await {
                NameRecords::One(text) => match Record::parse(&text) {
                    Ok(record) => record.public_suffix(),
                    Err(_) => continue,
                },
                NameRecords::Failed(detail) => return Err(detail),
                NameRecords::Several(_) | NameRecords::None(_) => continue,
            };
            match flag {
                PublicSuffix::No => return Ok(target.to_owned()),
                PublicSuffix::Yes if target == domain => return Ok(target.to_owned()),
                PublicSuffix::Yes => {
                    return Ok(last_labels(domain, label_count(target) + 1).to_owned());
                }
                PublicSuffix::Unknown => highest = Some(target),
            }
        }
        Ok(highest.unwrap_or(domain).to_owned())
    }

    /// What `_dmarc.<domain>` holds, from the cache or the resolver; every
    /// call is a trace step.
    async fn lookup(&mut self, domain: &str, purpose: WalkPurpose) -> NameRecords {
        let name = format!("_dmarc.{domain}");
        let records = match self.cache.iter().find(|(cached, _)| *cached == name) {
            Some((_, records)) => records.clone(),
            None => {
                let records = self.fetch(&name).await;
                self.cache.push((name.clone(), records.clone()));
                records
            }
        };

        let (found, detail) = match &records {
            NameRecords::One(text) => match Record::parse(text) {
                Ok(_) => (Found::Record, text.clone()),
                Err(error) => (Found::InvalidRecord, format!("{text:?}: {error}")),
            },
            NameRecords::Several(count) => {
                (Found::SeveralRecords, format!("{count} DMARC records"))
            }
            NameRecords::None(reason) => (Found::NoRecord, reason.clone()),
            NameRecords::Failed(detail) => (Found::TempError, detail.clone()),
        };
        self.trace.push(WalkStep {
            name,
            purpose,
            found,
            detail,
        });
        records
    }

    /// Asks the resolver and keeps the TXT records that claim to be DMARC.
    async fn fetch(&self, name: &str) -> NameRecords {
        let answer = match self.resolver.txt(name).await {
            Ok(answer) => answer,
            Err(error) if error.is_temporary() => return NameRecords::Failed(error.to_string()),
            Err(error) => return NameRecords::None(void_reason(&error)),
        };

        let mut dmarc = answer
            .records
            .iter()
            .map(|txt| String::from_utf8_lossy(&txt.concat()).into_owned())
            .filter(|text| crate::is_dmarc_record(text));
        match (dmarc.next(), dmarc.count()) {
            (Some(text), 0) => NameRecords::One(text),
            (Some(_), more) => NameRecords::Several(more + 1),
            (None, _) => NameRecords::None(format!("{} TXT, none DMARC", answer.records.len())),
        }
    }

    /// Whether `domain` exists for `np=` (RFC 9989, after RFC 9091 §2.7):
    /// it does not when A, AAAA and MX all answer NXDOMAIN or NODATA.
    /// `None` when a lookup failed temporarily.
    pub(crate) async fn exists(&self, domain: &str) -> Option<bool> {
        let outcomes = [
            self.resolver.a(domain).await.map(|_| ()),
            self.resolver.aaaa(domain).await.map(|_| ()),
            self.resolver.mx(domain).await.map(|_| ()),
        ];
        let mut exists = false;
        for outcome in outcomes {
            match outcome {
                Ok(()) => exists = true,
                Err(error) if error.is_void() => {}
                Err(_) => return None,
            }
        }
        Some(exists)
    }
}

/// Words for a lookup that found nothing.
fn void_reason(error: &DnsError) -> String {
    match error {
        DnsError::NxDomain { .. } => "NXDOMAIN".to_owned(),
        DnsError::NoData { .. } => "no TXT records".to_owned(),
        other => other.to_string(),
    }
}

/// The organizational domain by the public suffix list (RFC 7489 §3.2): the
/// registrable domain, or the domain itself when it is a public suffix or
/// the list knows no registrable part.
///
/// ```
/// use mailtrail_dmarc::public_suffix_organizational_domain;
///
/// assert_eq!(public_suffix_organizational_domain("mail.example.co.uk"), "example.co.uk");
/// assert_eq!(public_suffix_organizational_domain("co.uk"), "co.uk");
/// ```
pub fn public_suffix_organizational_domain(domain: &str) -> String {
    registrable_domain(domain).unwrap_or(domain).to_owned()
}

/// The registrable domain by the public suffix list (the `psl` crate, which
/// embeds the list), `None` for a public suffix itself.
pub fn registrable_domain(domain: &str) -> Option<&str> {
    let registrable = psl::domain(domain.as_bytes())?;
    let start = domain.len() - registrable.as_bytes().len();
    Some(&domain[start..])
}
