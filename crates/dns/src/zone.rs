//! An in-memory authoritative view of DNS, loaded from an RFC 1035 master file
//! or built in code, that answers like a server would, failures included.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::str::FromStr;

use crate::master::{self, ZoneError};
use crate::name::{display_name, name_key, parse_query_name};
use crate::{Answer, DnsError, Mx, RecordData, RecordType, Resolver, Txt, reverse_name};

/// How many CNAME records one lookup follows before it gives up.
pub const MAX_CNAME_CHAIN: usize = 8;

/// Serves DNS answers from memory: a zone file, or records added in code.
///
/// It answers as an authoritative server would: the records of the asked type,
/// following CNAME chains (at most [`MAX_CNAME_CHAIN`] links); NODATA when the
/// name exists without that type (a name exists when it or any name below it
/// has records, so empty non-terminals such as `_domainkey.example.com` give
/// NODATA); wildcard records (`*.example.com`) for names that do not exist
/// below an existing name ([RFC 4592 §3.3.1]); NXDOMAIN otherwise.
///
/// Failures are set per name and type with [`ZoneResolver::set_failure`], or in
/// a master file with annotation comments, one per line, which keep the file
/// valid for any other tool:
///
/// ```text
/// ;@ slow.example.com. TXT timeout
/// ;@ broken.example.com. MX servfail
/// ;@ empty.example.com. A nodata
/// ;@ gone.example.com. TXT nxdomain
/// ;@ signed.example.com. TXT authentic
/// ;@ unsigned.example.com. TXT not-authentic
/// ```
///
/// Annotation names ending in a dot are absolute; others are relative to the
/// `$ORIGIN` in force on that line. An annotation wins over records at the same
/// name and type. `authentic` and `not-authentic` set the DNSSEC status of the
/// answers; without them it is unknown.
///
/// ```
/// use mailtrail_dns::{DnsError, Resolver, ZoneResolver};
///
/// let zone: ZoneResolver = r#"
/// $ORIGIN example.com.
/// $TTL 300
/// @        IN TXT "v=spf1 " "mx -all"
/// @        IN MX  10 mx1
/// mx1      IN A   192.0.2.25
/// ;@ slow.example.com. TXT timeout
/// "#.parse()?;
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// runtime.block_on(async {
///     let spf = zone.txt("example.com").await?;
///     assert_eq!(spf.records[0].to_text(), "v=spf1 mx -all");
///     assert_eq!(spf.ttl, 300);
///     assert!(matches!(zone.txt("slow.example.com").await, Err(DnsError::Timeout { .. })));
///     assert!(matches!(zone.txt("mx1.example.com").await, Err(DnsError::NoData { .. })));
///     assert!(matches!(zone.a("nope.example.com").await, Err(DnsError::NxDomain { .. })));
///     Ok::<(), DnsError>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [RFC 4592 §3.3.1]: https://www.rfc-editor.org/rfc/rfc4592#section-3.3.1
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneResolver {
    /// Every name that exists, keyed in lowercase without the trailing dot,
    /// including the empty non-terminals above names with records.
    nodes: HashMap<String, Node>,
    /// Failures to report instead of looking anything up, with the detail of
    /// a recorded server failure.
    failures: HashMap<(String, RecordType), (Failure, Option<String>)>,
    /// DNSSEC status to report with answers.
    authentic: HashMap<(String, RecordType), bool>,
}

/// The records at one name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Node {
    /// The name as first written, for printing.
    name: String,
    /// The records of any type, each with its TTL, in insertion order.
    records: Vec<(u32, RecordData)>,
}

/// A failure a [`ZoneResolver`] reports for one name and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Failure {
    /// The name exists without records of the type.
    NoData,
    /// The name does not exist.
    NxDomain,
    /// The server failed (SERVFAIL).
    ServerFailure,
    /// No answer in time.
    Timeout,
}

impl Failure {
    /// Every failure, in the order of their annotation words.
    pub const ALL: [Self; 4] = [
        Self::NoData,
        Self::NxDomain,
        Self::ServerFailure,
        Self::Timeout,
    ];

    /// The word used in `;@` annotations: `nodata`, `nxdomain`, `servfail`,
    /// `timeout`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoData => "nodata",
            Self::NxDomain => "nxdomain",
            Self::ServerFailure => "servfail",
            Self::Timeout => "timeout",
        }
    }

    /// The failure a recorded error stands for, if it is one a zone can replay.
    pub fn of(error: &DnsError) -> Option<Self> {
        match error {
            DnsError::NoData { .. } => Some(Self::NoData),
            DnsError::NxDomain { .. } => Some(Self::NxDomain),
            DnsError::ServerFailure { .. } => Some(Self::ServerFailure),
            DnsError::Timeout { .. } => Some(Self::Timeout),
            _ => None,
        }
    }

    /// The error this failure gives for a query.
    fn to_error(self, name: String, rtype: RecordType, detail: Option<&str>) -> DnsError {
        match self {
            Self::NoData => DnsError::NoData { name, rtype },
            Self::NxDomain => DnsError::NxDomain { name, rtype },
            Self::ServerFailure => {
                let detail = detail.unwrap_or("SERVFAIL (zone annotation)").to_owned();
                DnsError::ServerFailure {
                    name,
                    rtype,
                    detail,
                }
            }
            Self::Timeout => DnsError::Timeout { name, rtype },
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Failure {
    type Err = ZoneError;

    fn from_str(word: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|failure| failure.as_str() == word)
            .ok_or_else(|| ZoneError::Annotation {
                line: 0,
                reason: format!(
                    "unknown outcome {word:?}, expected nodata, nxdomain, servfail, timeout, \
                     authentic or not-authentic"
                ),
            })
    }
}

impl ZoneResolver {
    /// An empty zone: every name is NXDOMAIN.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a master file, resolving relative `$INCLUDE` paths against its
    /// folder.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ZoneError> {
        master::read_path(path.as_ref())
    }

    /// Parses master-file text in which relative names are relative to
    /// `origin` until a `$ORIGIN` line says otherwise.
    pub fn from_master_file(text: &str, origin: Option<&str>) -> Result<Self, ZoneError> {
        master::read(text, None, origin)
    }

    /// Adds a record. The name's ancestors start to exist (as empty
    /// non-terminals) if they did not. A record equal to one already at the
    /// name is not added twice: an RRset is a set (RFC 2181 §5).
    pub fn insert(&mut self, name: &str, ttl: u32, data: RecordData) -> Result<(), ZoneError> {
        let key = self.add_node(name)?;
        let node = self.nodes.get_mut(&key).expect("add_node created the node");
        if !node.records.iter().any(|(_, existing)| *existing == data) {
            node.records.push((ttl, data));
        }
        Ok(())
    }

    /// Makes queries of `rtype` at `name` fail. The failure wins over records.
    pub fn set_failure(
        &mut self,
        name: &str,
        rtype: RecordType,
        failure: Failure,
    ) -> Result<(), ZoneError> {
        self.set_failure_with_detail(name, rtype, failure, None)
    }

    /// Like [`ZoneResolver::set_failure`], with the text a server failure
    /// reports as its [`detail`](DnsError::ServerFailure) (one line; ignored
    /// for other failures).
    pub fn set_failure_with_detail(
        &mut self,
        name: &str,
        rtype: RecordType,
        failure: Failure,
        detail: Option<String>,
    ) -> Result<(), ZoneError> {
        let key = key_of(name)?;
        let detail = detail.filter(|_| failure == Failure::ServerFailure);
        self.failures.insert((key, rtype), (failure, detail));
        Ok(())
    }

    /// Sets the DNSSEC status of answers of `rtype` at `name`.
    pub fn set_authentic(
        &mut self,
        name: &str,
        rtype: RecordType,
        authentic: bool,
    ) -> Result<(), ZoneError> {
        let key = key_of(name)?;
        self.authentic.insert((key, rtype), authentic);
        Ok(())
    }

    /// Whether anything (records, a failure or a DNSSEC status) is set for this
    /// name and type, ignoring CNAMEs and wildcards.
    pub fn has(&self, name: &str, rtype: RecordType) -> bool {
        let Ok(key) = key_of(name) else { return false };
        let pair = (key, rtype);
        let has_records = self.nodes.get(&pair.0).is_some_and(|node| {
            node.records
                .iter()
                .any(|(_, data)| data.rtype() == Some(rtype))
        });
        has_records || self.failures.contains_key(&pair) || self.authentic.contains_key(&pair)
    }

    /// Answers a query as an authoritative server would.
    pub fn query(&self, name: &str, rtype: RecordType) -> Result<Answer<RecordData>, DnsError> {
        // A plain host name is its own key, lowercased; anything else goes
        // through the full parser with its escapes.
        let (mut key, parsed) = match plain_key(name) {
            Some(key) => (key, None),
            None => {
                let query = parse_query_name(name)?;
                (Cow::Owned(name_key(&query)), Some(query))
            }
        };
        let shown = || match &parsed {
            Some(query) => display_name(query),
            None => name.strip_suffix('.').unwrap_or(name).to_owned(),
        };
        let mut ttl = u32::MAX;

        for _ in 0..=MAX_CNAME_CHAIN {
            if !self.failures.is_empty()
                && let Some((failure, detail)) = self.failures.get(&(key.to_string(), rtype))
            {
                return Err(failure.to_error(shown(), rtype, detail.as_deref()));
            }
            let Some(node) = self.find_node(&key) else {
                return Err(DnsError::NxDomain {
                    name: shown(),
                    rtype,
                });
            };

            let mut records = Vec::new();
            let mut cname = None;
            for (record_ttl, data) in &node.records {
                if data.rtype() == Some(rtype) {
                    ttl = ttl.min(*record_ttl);
                    records.push(data.clone());
                } else if let RecordData::Cname(target) = data {
                    cname = Some((*record_ttl, target));
                }
            }

            if !records.is_empty() {
                let authentic = match self.authentic.is_empty() {
                    true => None,
                    false => self.authentic.get(&(key.to_string(), rtype)).copied(),
                };
                return Ok(Answer {
                    records: records.into(),
                    ttl,
                    authentic,
                });
            }
            let Some((cname_ttl, target)) = cname else {
                return Err(DnsError::NoData {
                    name: shown(),
                    rtype,
                });
            };
            ttl = ttl.min(cname_ttl);
            key = Cow::Owned(target.trim_end_matches('.').to_ascii_lowercase());
        }

        Err(DnsError::ServerFailure {
            name: shown(),
            rtype,
            detail: format!("CNAME chain longer than {MAX_CNAME_CHAIN} links"),
        })
    }

    /// The names with records, sorted, each with its records: what a master
    /// file of this zone lists.
    pub(crate) fn sorted_nodes(&self) -> Vec<(&str, &[(u32, RecordData)])> {
        let mut nodes: Vec<_> = self
            .nodes
            .iter()
            .filter(|(_, node)| !node.records.is_empty())
            .map(|(key, node)| (key, node.name.as_str(), node.records.as_slice()))
            .collect();
        nodes.sort_unstable_by_key(|(key, _, _)| *key);
        nodes
            .into_iter()
            .map(|(_, name, records)| (name, records))
            .collect()
    }

    /// The failures, sorted by name and type.
    pub(crate) fn sorted_failures(
        &self,
    ) -> BTreeMap<&(String, RecordType), &(Failure, Option<String>)> {
        self.failures.iter().collect()
    }

    /// The DNSSEC statuses, sorted by name and type.
    pub(crate) fn sorted_authentic(&self) -> BTreeMap<&(String, RecordType), &bool> {
        self.authentic.iter().collect()
    }

    /// Creates the node of a name and the empty nodes of its ancestors.
    pub(crate) fn add_node(&mut self, name: &str) -> Result<String, ZoneError> {
        let parsed = parse_query_name(name).map_err(ZoneError::Name)?;
        let key = name_key(&parsed);

        let mut ancestor = key.as_str();
        while let Some((_, parent)) = ancestor.split_once('.') {
            self.nodes.entry(parent.to_owned()).or_insert_with(|| Node {
                name: parent.to_owned(),
                records: Vec::new(),
            });
            ancestor = parent;
        }

        self.nodes.entry(key.clone()).or_insert_with(|| Node {
            name: display_name(&parsed),
            records: Vec::new(),
        });
        Ok(key)
    }

    /// The node of a name, or the wildcard that stands for it when the name
    /// does not exist (RFC 4592 §3.3.1: the source of synthesis is `*` below
    /// the closest encloser).
    fn find_node(&self, key: &str) -> Option<&Node> {
        if let Some(node) = self.nodes.get(key) {
            return Some(node);
        }
        let mut rest = key;
        while let Some((_, parent)) = rest.split_once('.') {
            if self.nodes.contains_key(parent) {
                return self.nodes.get(&format!("*.{parent}"));
            }
            rest = parent;
        }
        None
    }

    /// Runs a query and converts the records to one type.
    fn typed<T>(
        &self,
        name: &str,
        rtype: RecordType,
        extract: fn(RecordData) -> Option<T>,
    ) -> Result<Answer<T>, DnsError> {
        let answer = self.query(name, rtype)?;
        let records = answer.records.iter().cloned().filter_map(extract).collect();
        Ok(Answer {
            records,
            ttl: answer.ttl,
            authentic: answer.authentic,
        })
    }
}

/// The lookup key of a name given by a caller.
/// The key of a plain host name without parsing it: letters, digits, `-`
/// and `_` in labels of 1 to 63 octets, 253 octets in all, an optional
/// final dot. Such a name is its own presentation form; its key is that
/// form in lowercase. `None` for anything that needs the full parser.
fn plain_key(name: &str) -> Option<Cow<'_, str>> {
    let bare = name.strip_suffix('.').unwrap_or(name);
    let mut label = 0usize;
    let mut capitals = false;
    for &byte in bare.as_bytes() {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => label += 1,
            b'A'..=b'Z' => {
                capitals = true;
                label += 1;
            }
            b'.' if label > 0 => label = 0,
            _ => return None,
        }
        if label > 63 {
            return None;
        }
    }
    if label == 0 || bare.len() > 253 {
        return None;
    }
    Some(match capitals {
        true => Cow::Owned(bare.to_ascii_lowercase()),
        false => Cow::Borrowed(bare),
    })
}

fn key_of(name: &str) -> Result<String, ZoneError> {
    parse_query_name(name)
        .map(|parsed| name_key(&parsed))
        .map_err(ZoneError::Name)
}

impl FromStr for ZoneResolver {
    type Err = ZoneError;

    /// Parses master-file text whose names are absolute or follow `$ORIGIN`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        master::read(text, None, None)
    }
}

/// Writes the zone as a master file with `;@` annotations, which
/// [`ZoneResolver::from_str`] reads back to an equal zone.
impl fmt::Display for ZoneResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        master::write(self, f)
    }
}

impl Resolver for ZoneResolver {
    async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        self.typed(name, RecordType::Txt, |data| match data {
            RecordData::Txt(txt) => Some(txt),
            _ => None,
        })
    }

    async fn a(&self, name: &str) -> Result<Answer<Ipv4Addr>, DnsError> {
        self.typed(name, RecordType::A, |data| match data {
            RecordData::A(ip) => Some(ip),
            _ => None,
        })
    }

    async fn aaaa(&self, name: &str) -> Result<Answer<Ipv6Addr>, DnsError> {
        self.typed(name, RecordType::Aaaa, |data| match data {
            RecordData::Aaaa(ip) => Some(ip),
            _ => None,
        })
    }

    async fn mx(&self, name: &str) -> Result<Answer<Mx>, DnsError> {
        self.typed(name, RecordType::Mx, |data| match data {
            RecordData::Mx(mx) => Some(mx),
            _ => None,
        })
    }

    async fn ptr(&self, ip: IpAddr) -> Result<Answer<String>, DnsError> {
        self.typed(&reverse_name(ip), RecordType::Ptr, |data| match data {
            RecordData::Ptr(host) => Some(host),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_get_the_key_the_parser_gives() {
        let plain = [
            "example.com",
            "Mail.Example.COM.",
            "_dmarc.x-1.example",
            "a",
            "s2024._domainkey.vendor.com",
        ];
        for name in plain {
            assert_eq!(
                plain_key(name).as_deref(),
                Some(key_of(name).unwrap().as_str()),
                "{name}"
            );
        }
        let long_label = "l".repeat(64);
        for name in [
            "",
            ".",
            "a..b",
            "b\\.c",
            "exa mple.com",
            "bücher.example",
            &long_label,
        ] {
            assert_eq!(plain_key(name), None, "{name:?}");
        }
    }
}
