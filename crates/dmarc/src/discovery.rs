//! Policy discovery and the organizational domain: the RFC 9989 DNS tree
//! walk (§4.10.1, §4.10.2) and, in RFC 7489 mode, the public suffix list
//! ([RFC 7489 §3.2](https://www.rfc-editor.org/rfc/rfc7489#section-3.2),
//! [§6.6.3](https://www.rfc-editor.org/rfc/rfc7489#section-6.6.3)).
//!
//! Every `_dmarc` lookup goes through [`Lookups`], which asks the resolver
//! once per name per evaluation and writes each step to the trace.

use std::borrow::Cow;

use mailtrail_dns::{DnsError, Resolver, Txt};

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
    /// Whether the answer came from an earlier step of this evaluation, or
    /// from the records the caller holds ([`crate::KnownRecords`]), rather
    /// than from a new query.
    pub cached: bool,
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
    /// The one DMARC record's text and what reading it gave: the record, or
    /// why it does not parse.
    One {
        text: String,
        read: Result<Record<'static>, RecordError>,
    },
    /// Several DMARC records.
    Several(usize),
    /// None, with the reason in words.
    None(Cow<'static, str>),
    /// A temporary DNS failure, in words.
    Failed(String),
}

/// `_dmarc` records a caller already holds, read once and shared by every
/// evaluation that is given them ([`Evaluator::with_known_records`]), as a
/// receiver's DNS cache would hold them: a record found, no record, or a
/// failure.
///
/// [`Evaluator::with_known_records`]: crate::Evaluator::with_known_records
///
/// ```
/// use mailtrail_dmarc::KnownRecords;
/// use mailtrail_dns::ZoneResolver;
///
/// let zone: ZoneResolver = r#"_dmarc.example.com. 300 TXT "v=DMARC1; p=reject""#.parse()?;
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
///
/// let mut known = KnownRecords::new();
/// runtime.block_on(known.fetch(&zone, "example.com"));
/// known.insert("example.net", &[]);
/// assert_eq!(known.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct KnownRecords {
    /// Domain (without `_dmarc.`, normalized) and what its name holds.
    names: Vec<(String, NameRecords)>,
}

impl KnownRecords {
    /// Holds nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks `resolver` for `_dmarc.<domain>` and keeps what it answered,
    /// replacing what was known of that name.
    pub async fn fetch<R: Resolver + ?Sized>(&mut self, resolver: &R, domain: &str) {
        let records = fetch(resolver, domain).await;
        self.keep(domain, records);
    }

    /// Keeps the TXT record texts of `_dmarc.<domain>` (none: the name has
    /// no TXT record), read as policy discovery reads an answer.
    pub fn insert(&mut self, domain: &str, texts: &[&str]) {
        let records = match texts {
            [] => NameRecords::None(Cow::Borrowed("no TXT records")),
            _ => read_answer(texts.iter().map(|text| Cow::Borrowed(*text))),
        };
        self.keep(domain, records);
    }

    /// How many names are known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Stores what a name holds, replacing what was known of it.
    fn keep(&mut self, domain: &str, records: NameRecords) {
        let domain = domain.strip_suffix('.').unwrap_or(domain);
        let domain = domain.to_ascii_lowercase();
        match self.names.iter_mut().find(|(known, _)| *known == domain) {
            Some((_, known)) => *known = records,
            None => self.names.push((domain, records)),
        }
    }

    /// What `_dmarc.<domain>` holds, if known.
    fn get(&self, domain: &str) -> Option<&NameRecords> {
        let known = self.names.iter().find(|(known, _)| known == domain);
        known.map(|(_, records)| records)
    }
}

/// The `_dmarc` lookups of one evaluation, cached, with their trace.
pub(crate) struct Lookups<'r, R: ?Sized> {
    resolver: &'r R,
    /// Records the caller already holds, asked before the resolver.
    known: Option<&'r KnownRecords>,
    /// Domain (without `_dmarc.`) and what its name holds.
    cache: Vec<(String, NameRecords)>,
    /// Whether to write the trace.
    explain: bool,
    pub(crate) trace: Vec<WalkStep>,
}

/// The outcome of policy discovery.
pub(crate) enum Discovery {
    /// A record at this domain.
    Found {
        domain: String,
        record: Record<'static>,
    },
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
    /// Starts with an empty cache and trace; the trace is written only
    /// when explaining.
    pub(crate) fn new(resolver: &'r R, known: Option<&'r KnownRecords>, explain: bool) -> Self {
        Self {
            resolver,
            known,
            cache: Vec::new(),
            explain,
            trace: Vec::new(),
        }
    }

    /// Finds the policy record for `author` (normalized).
    pub(crate) async fn discover_policy(&mut self, author: &str, mode: Mode) -> Discovery {
        let psl_org = (mode == Mode::Rfc7489).then(|| public_suffix_organizational_domain(author));
        let listed = match psl_org.as_deref() {
            Some(org) if org != author => [Some(author), Some(org)],
            Some(_) => [Some(author), None],
            None => [None, None],
        };
        let walk = psl_org.is_none().then(|| tree_walk(author));
        let targets = listed
            .into_iter()
            .flatten()
            .chain(walk.into_iter().flatten());

        for domain in targets {
            match self.lookup(domain, None).await {
                NameRecords::One {
                    text,
                    read: Err(error),
                } => {
                    let (domain, text, error) = (domain.to_owned(), text.clone(), error.clone());
                    return Discovery::Invalid {
                        domain,
                        text,
                        error,
                    };
                }
                NameRecords::One {
                    read: Ok(record), ..
                } => {
                    return Discovery::Found {
                        domain: domain.to_owned(),
                        record: record.clone(),
                    };
                }
                NameRecords::Several(_) if mode == Mode::Rfc7489 => {
                    return Discovery::Several {
                        domain: domain.to_owned(),
                    };
                }
                NameRecords::Failed(detail) => {
                    return Discovery::TempError {
                        detail: detail.clone(),
                    };
                }
                NameRecords::Several(_) | NameRecords::None(_) => {}
            }
        }
        Discovery::NotFound
    }

    /// The organizational domain of `domain` (normalized), which is always
    /// `domain` or one of its parents.
    ///
    /// RFC 9989 §4.10.2: walk up from the domain; a record with `psd=n`
    /// makes its domain the organizational domain; one with `psd=y` makes
    /// the domain one label below it the organizational domain; otherwise
    /// the record with the fewest labels does; without any record, the
    /// domain is its own. A `psd=y` record at the domain itself makes the
    /// domain its own organizational domain. In RFC 7489 mode the public
    /// suffix list decides, without DNS.
    pub(crate) async fn organizational_domain<'d>(
        &mut self,
        domain: &'d str,
        mode: Mode,
    ) -> Result<&'d str, String> {
        if mode == Mode::Rfc7489 {
            return Ok(registrable_domain(domain).unwrap_or(domain));
        }

        let mut highest = None;
        for target in tree_walk(domain) {
            let flag = match self.lookup(target, Some(domain)).await {
                NameRecords::One {
                    read: Ok(record), ..
                } => record.public_suffix(),
                NameRecords::Failed(detail) => return Err(detail.clone()),
                NameRecords::One { .. } | NameRecords::Several(_) | NameRecords::None(_) => {
                    continue;
                }
            };
            match flag {
                PublicSuffix::No => return Ok(target),
                PublicSuffix::Yes if target == domain => return Ok(target),
                PublicSuffix::Yes => return Ok(last_labels(domain, label_count(target) + 1)),
                PublicSuffix::Unknown => highest = Some(target),
            }
        }
        Ok(highest.unwrap_or(domain))
    }

    /// What `_dmarc.<domain>` holds: from the records the caller holds, from
    /// an earlier lookup of this evaluation, or asked of the resolver. Every
    /// call is a trace step when explaining, for policy discovery or for the
    /// organizational domain `of` a name.
    async fn lookup(&mut self, domain: &str, of: Option<&str>) -> &NameRecords {
        let known = self.known.and_then(|known| known.get(domain));
        let (records, cached) = match known {
            Some(records) => (records, true),
            None => {
                let (index, cached) = self.ask(domain).await;
                (&self.cache[index].1, cached)
            }
        };
        if self.explain {
            let purpose = of.map_or(WalkPurpose::Policy, |of| {
                WalkPurpose::OrganizationalDomain(of.to_owned())
            });
            self.trace.push(step(domain, purpose, records, cached));
        }
        records
    }

    /// Where in this evaluation's cache `_dmarc.<domain>` is, asking the
    /// resolver the first time, and whether it was there already.
    async fn ask(&mut self, domain: &str) -> (usize, bool) {
        if let Some(index) = self.cache.iter().position(|(cached, _)| cached == domain) {
            return (index, true);
        }
        let records = fetch(self.resolver, domain).await;
        self.cache.push((domain.to_owned(), records));
        (self.cache.len() - 1, false)
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

/// Asks the resolver for `_dmarc.<domain>` and keeps the TXT records that
/// claim to be DMARC.
async fn fetch<R: Resolver + ?Sized>(resolver: &R, domain: &str) -> NameRecords {
    let mut name = String::with_capacity(domain.len() + 7);
    name.push_str("_dmarc.");
    name.push_str(domain);
    let answer = match resolver.txt(&name).await {
        Ok(answer) => answer,
        Err(error) if error.is_temporary() => return NameRecords::Failed(error.to_string()),
        Err(error) => return NameRecords::None(void_reason(&error)),
    };
    match &*answer.records {
        [] => NameRecords::None(Cow::Borrowed("0 TXT, none DMARC")),
        records => read_answer(records.iter().map(text_of)),
    }
}

/// What a name holding these TXT texts holds for DMARC: the records that
/// claim to be DMARC (RFC 9989 §4.10), read when there is exactly one.
fn read_answer<'t>(texts: impl ExactSizeIterator<Item = Cow<'t, str>>) -> NameRecords {
    let total = texts.len();
    let mut dmarc = texts.filter(|text| crate::is_dmarc_record(text));
    match (dmarc.next(), dmarc.count()) {
        (Some(text), 0) => {
            let read = Record::parse(&text).map(Record::into_owned);
            NameRecords::One {
                text: text.into_owned(),
                read,
            }
        }
        (Some(_), more) => NameRecords::Several(more + 1),
        (None, _) => NameRecords::None(Cow::Owned(format!("{total} TXT, none DMARC"))),
    }
}

/// A TXT record as text, invalid UTF-8 replaced.
fn text_of(txt: &Txt) -> Cow<'_, str> {
    match txt.as_str() {
        Some(text) => Cow::Borrowed(text),
        None => String::from_utf8_lossy(txt.as_bytes()),
    }
}

/// Words for a lookup that found nothing.
fn void_reason(error: &DnsError) -> Cow<'static, str> {
    match error {
        DnsError::NxDomain { .. } => Cow::Borrowed("NXDOMAIN"),
        DnsError::NoData { .. } => Cow::Borrowed("no TXT records"),
        other => Cow::Owned(other.to_string()),
    }
}

/// The trace step for one lookup.
fn step(domain: &str, purpose: WalkPurpose, records: &NameRecords, cached: bool) -> WalkStep {
    let (found, detail) = match records {
        NameRecords::One {
            text, read: Ok(_), ..
        } => (Found::Record, text.clone()),
        NameRecords::One {
            text,
            read: Err(error),
            ..
        } => (Found::InvalidRecord, format!("{text:?}: {error}")),
        NameRecords::Several(count) => (Found::SeveralRecords, format!("{count} DMARC records")),
        NameRecords::None(reason) => (Found::NoRecord, reason.to_string()),
        NameRecords::Failed(detail) => (Found::TempError, detail.clone()),
    };
    let name = format!("_dmarc.{domain}");
    WalkStep {
        name,
        purpose,
        found,
        detail,
        cached,
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
