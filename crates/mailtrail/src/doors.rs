//! The doors of a recipient domain: its MX hosts, which of them its MTA-STS
//! policy allows, the gateways mail is expected through, and where a
//! message's entry host stands among them.

use std::net::IpAddr;
use std::time::SystemTime;

use mailtrail_dns::Resolver;

use crate::organisation::lowercase_name;
use crate::{MtaStsLookup, MtaStsSource, MtaStsView};

/// One MX host of the recipient domain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MxDoor {
    /// The MX preference: lower is tried first.
    pub preference: u16,
    /// The host, lowercase, without the trailing dot.
    pub host: String,
    /// Whether the MTA-STS policy allows it; `None` without a policy.
    pub mta_sts_allowed: Option<bool>,
}

/// Where the expected gateways came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum GatewaySource {
    /// The organisation named them.
    Given,
    /// The MX hosts the MTA-STS policy allows.
    MtaStsPolicy,
    /// Without a policy: the MX hosts of the lowest preference.
    LowestPreferenceMx,
    /// Nothing to derive them from.
    Unknown,
}

/// What the entry host is, relative to the recipient domain's doors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum EntryClass {
    /// An expected gateway.
    PrimaryMx,
    /// Another MX host that the policy allows (or, without a policy, one
    /// run by the same provider as the primary ones).
    SecondaryMx,
    /// An MX host the policy does not allow, or, without a policy, one of a
    /// higher preference value run by a different provider than the
    /// primary ones: a forgotten door.
    GhostMx,
    /// Not an MX host at all: direct delivery to an internal endpoint,
    /// such as the mailbox provider's.
    OffMx,
    /// The message never came from outside.
    Internal,
    /// The entry could not be found or placed.
    Unknown,
}

/// The recipient domain's doors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Doors {
    /// The recipient domain.
    pub domain: Option<String>,
    /// Its MX hosts, by preference.
    pub mx: Vec<MxDoor>,
    /// Its MTA-STS policy, when one was found.
    pub mta_sts: Option<MtaStsView>,
    /// Why no policy was found, when none was.
    pub mta_sts_problem: Option<String>,
    /// The gateways mail is expected through.
    pub gateways: Vec<String>,
    /// Where they came from.
    pub gateway_source: Option<GatewaySource>,
}

impl Doors {
    /// Looks up the MX set and the MTA-STS policy in force at `now` for
    /// `domain`, and derives the gateways unless `given`.
    pub(crate) async fn find<R, S>(
        resolver: &R,
        mta_sts: &S,
        domain: &str,
        given: &[String],
        now: SystemTime,
    ) -> Self
    where
        R: Resolver + ?Sized,
        S: MtaStsSource + ?Sized,
    {
        let mut mx: Vec<MxDoor> = match resolver.mx(domain).await {
            Ok(answer) => answer
                .records
                .iter()
                .filter(|record| !record.is_null())
                .map(|record| MxDoor {
                    preference: record.preference,
                    host: lowercase_name(&record.exchange),
                    mta_sts_allowed: None,
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        mx.sort_by(|a, b| (a.preference, &a.host).cmp(&(b.preference, &b.host)));

        let (policy, problem) = match mta_sts.lookup(domain, now).await {
            MtaStsLookup::Policy(policy) => (Some(policy), None),
            MtaStsLookup::NoRecord => (None, None),
            MtaStsLookup::Unavailable(problem) => (None, Some(problem)),
        };
        if let Some(policy) = &policy {
            for door in &mut mx {
                door.mta_sts_allowed = Some(policy.allows(&door.host));
            }
        }

        let (gateways, source) = if !given.is_empty() {
            (given.to_vec(), GatewaySource::Given)
        } else if policy.is_some() {
            let allowed = mx.iter().filter(|door| door.mta_sts_allowed == Some(true));
            (
                allowed.map(|door| door.host.clone()).collect(),
                GatewaySource::MtaStsPolicy,
            )
        } else if let Some(lowest) = mx.first().map(|door| door.preference) {
            let primary = mx.iter().filter(|door| door.preference == lowest);
            (
                primary.map(|door| door.host.clone()).collect(),
                GatewaySource::LowestPreferenceMx,
            )
        } else {
            (Vec::new(), GatewaySource::Unknown)
        };

        Self {
            domain: Some(domain.to_owned()),
            mx,
            mta_sts: policy,
            mta_sts_problem: problem,
            gateways,
            gateway_source: Some(source),
        }
    }

    /// Classifies an entry host by name, or by address when the name is
    /// not an MX host's (the addresses of the MX hosts are then asked).
    pub(crate) async fn classify<R: Resolver + ?Sized>(
        &self,
        resolver: &R,
        name: Option<&str>,
        ip: Option<IpAddr>,
    ) -> (EntryClass, Option<u16>) {
        let name = name.map(lowercase_name);
        let mut door = name
            .as_deref()
            .and_then(|name| self.mx.iter().find(|door| door.host == name));
        if door.is_none()
            && let Some(ip) = ip
        {
            for candidate in &self.mx {
                if addresses(resolver, &candidate.host)
                    .await
                    .contains(&ip.to_canonical())
                {
                    door = Some(candidate);
                    break;
                }
            }
        }

        let Some(door) = door else {
            return (EntryClass::OffMx, None);
        };
        let class = if self.gateways.contains(&door.host) {
            EntryClass::PrimaryMx
        } else if let Some(allowed) = door.mta_sts_allowed {
            if allowed {
                EntryClass::SecondaryMx
            } else {
                EntryClass::GhostMx
            }
        } else if self.is_foreign_backup(door) {
            EntryClass::GhostMx
        } else {
            EntryClass::SecondaryMx
        };
        (class, Some(door.preference))
    }

    /// Without a policy: an MX of a higher preference value whose provider
    /// runs none of the gateways.
    fn is_foreign_backup(&self, door: &MxDoor) -> bool {
        let lowest = self.mx.first().map_or(0, |first| first.preference);
        let owner = provider(&door.host);
        door.preference > lowest
            && !self
                .gateways
                .iter()
                .any(|gateway| provider(gateway) == owner)
    }
}

/// The organisation running a host, approximated by its registrable
/// domain (the public suffix list).
pub(crate) fn provider(host: &str) -> String {
    psl::domain_str(host).unwrap_or(host).to_owned()
}

/// The A and AAAA addresses of a host; none when it does not resolve.
pub(crate) async fn addresses<R: Resolver + ?Sized>(resolver: &R, host: &str) -> Vec<IpAddr> {
    let mut found = Vec::new();
    if let Ok(answer) = resolver.a(host).await {
        found.extend(answer.records.iter().map(|ip| IpAddr::V4(*ip)));
    }
    if let Ok(answer) = resolver.aaaa(host).await {
        found.extend(answer.records.iter().map(|ip| IpAddr::V6(*ip)));
    }
    found
}
