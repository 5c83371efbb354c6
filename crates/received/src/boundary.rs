//! Where a message crossed into the organisation.
//!
//! Received fields below the organisation's own are written by whoever
//! handled the message before, and a sender can forge any of them
//! ([RFC 5321 §4.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.4)
//! asks MTAs not to change fields they receive, nothing stops a sender from
//! inventing them). The organisation's own fields are trustworthy. The entry
//! hop separates the two: reading down from the top through hops between
//! internal hosts, the first one received by an internal host from a host
//! that is not internal.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

use crate::{Chain, Received};

/// What the organisation considers its own: host names, `*.` domain
/// patterns and IP networks.
///
/// ```
/// use mailtrail_received::Organisation;
///
/// let organisation: Organisation = ["mx1.example.com", "*.prod.example.com", "192.0.2.0/24"]
///     .iter()
///     .map(|member| member.parse())
///     .collect::<Result<_, _>>()?;
///
/// assert!(organisation.contains_name("MX1.example.com."));
/// assert!(organisation.contains_name("am0pr07mb4321.eurprd07.prod.example.com"));
/// assert!(!organisation.contains_name("prod.example.com"));
/// assert!(organisation.contains_ip("::ffff:192.0.2.40".parse().unwrap()));
/// # Ok::<(), mailtrail_received::InvalidMember>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Organisation {
    members: Vec<Member>,
}

impl Organisation {
    /// An organisation that owns nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a member.
    pub fn add(&mut self, member: Member) -> &mut Self {
        self.members.push(member);
        self
    }

    /// The members, in the order added.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether `name` is one of the hosts or under one of the `*.` domains,
    /// compared without regard to case or a final dot.
    pub fn contains_name(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.');

        self.members.iter().any(|member| match member {
            Member::Host(host) => host.eq_ignore_ascii_case(name),
            Member::Domain(domain) => {
                let cut = name.len().checked_sub(domain.len() + 1);
                cut.is_some_and(|cut| {
                    name.as_bytes()[cut] == b'.' && name[cut + 1..].eq_ignore_ascii_case(domain)
                })
            }
            Member::Network(_) => false,
        })
    }

    /// Whether `ip` lies in one of the networks; an IPv4-mapped IPv6
    /// address is taken as the IPv4 address.
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();

        self.members.iter().any(|member| match member {
            Member::Network(network) => network.contains(&ip),
            _ => false,
        })
    }

    fn has_networks(&self) -> bool {
        self.members
            .iter()
            .any(|member| matches!(member, Member::Network(_)))
    }

    /// Whether the hop was received by an internal host: its `by` name or
    /// address is the organisation's.
    fn received_inside(&self, received: &Received<'_>) -> bool {
        let by_name = received.by().is_some_and(|by| self.contains_name(by.value));
        let by_ip = received
            .by_ip()
            .is_some_and(|ip| self.contains_ip(ip.value));

        by_name || by_ip
    }

    /// Whether the hop's sender is internal, or `None` when the field names
    /// no sender. The address the receiver saw decides when the
    /// organisation lists networks; otherwise the reverse-DNS name, then
    /// the names the sender gave.
    fn sent_from_inside(&self, received: &Received<'_>) -> Option<bool> {
        let ip = received.from_ip().map(|ip| ip.value);

        if let (Some(ip), true) = (ip, self.has_networks()) {
            return Some(self.contains_ip(ip));
        }

        let names = [
            received.reverse_dns(),
            received.helo(),
            received.from_name(),
        ];
        let mut known = ip.is_some();
        for name in names.into_iter().flatten() {
            known = true;
            if self.contains_name(name.value) {
                return Some(true);
            }
        }

        known.then_some(false)
    }
}

impl FromIterator<Member> for Organisation {
    fn from_iter<I: IntoIterator<Item = Member>>(members: I) -> Self {
        Self {
            members: members.into_iter().collect(),
        }
    }
}

/// One thing the organisation owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    /// A host name, matched exactly.
    Host(String),
    /// The domain of a `*.domain` pattern: every name below it, at any
    /// depth, but not the domain itself.
    Domain(String),
    /// An IP network; a single address is a network of one.
    Network(IpNet),
}

impl fmt::Display for Member {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host(host) => formatter.write_str(host),
            Self::Domain(domain) => write!(formatter, "*.{domain}"),
            Self::Network(network) => write!(formatter, "{network}"),
        }
    }
}

impl FromStr for Member {
    type Err = InvalidMember;

    /// Reads a host name, a `*.` pattern, an IP address or a CIDR network.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidMember {
            text: text.to_string(),
        };

        if let Ok(network) = text.parse::<IpNet>() {
            return Ok(Self::Network(network.trunc()));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Self::Network(IpNet::from(ip)));
        }

        let (domain, name) = match text.strip_prefix("*.") {
            Some(domain) => (true, domain),
            None => (false, text),
        };
        let name = name.trim_end_matches('.');
        if !is_host_name(name) {
            return Err(invalid());
        }

        let name = name.to_ascii_lowercase();
        Ok(if domain {
            Self::Domain(name)
        } else {
            Self::Host(name)
        })
    }
}

/// A text that is not a host name, `*.` pattern, address or network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidMember {
    text: String,
}

impl fmt::Display for InvalidMember {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:?} is not a host name, *.domain pattern, address or network",
            self.text
        )
    }
}

impl std::error::Error for InvalidMember {}

/// Where the chain crossed into the organisation, or why no crossing was
/// found, and which hops the organisation recorded.
///
/// ```
/// use mailtrail_received::{Chain, ChainOptions, Organisation, Received, Trust};
///
/// let fields = [
///     "from mx.example.com ([192.0.2.10]) by mail.example.com; 1 Mar 2024 10:01:00 +0000",
///     "from sender.example.org ([198.51.100.7]) by mx.example.com; 1 Mar 2024 10:00:30 +0000",
///     "from laptop ([203.0.113.5]) by sender.example.org; 1 Mar 2024 10:00:00 +0000",
/// ];
/// let chain = Chain::new(fields.map(Received::parse), &ChainOptions::default());
/// let organisation: Organisation = ["*.example.com", "192.0.2.0/24"]
///     .iter()
///     .map(|member| member.parse().unwrap())
///     .collect();
///
/// let boundary = chain.trust_boundary(&organisation);
/// let entry = boundary.entry().unwrap();
/// assert_eq!(entry.hop, 1);
/// assert_eq!(entry.sender.ip.unwrap().to_string(), "198.51.100.7");
/// assert_eq!(entry.receiver.name, Some("mx.example.com"));
/// assert_eq!(boundary.trust(0), Trust::Claimed);
/// assert_eq!(boundary.trust(2), Trust::Recorded);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustBoundary<'c> {
    outcome: Result<EntryHop<'c>, NoEntry>,
    first_recorded: usize,
}

impl<'c> TrustBoundary<'c> {
    /// The entry hop, if one was found.
    pub fn entry(&self) -> Option<&EntryHop<'c>> {
        self.outcome.as_ref().ok()
    }

    /// Why no entry hop was found, if none was.
    pub fn no_entry(&self) -> Option<NoEntry> {
        self.outcome.as_ref().err().copied()
    }

    /// Who wrote hop `index` (oldest first): the organisation, for the
    /// entry hop and the hops after it, or whoever sent the message, for
    /// those before.
    pub fn trust(&self, index: usize) -> Trust {
        if index >= self.first_recorded {
            Trust::Recorded
        } else {
            Trust::Claimed
        }
    }
}

/// The hop where the message entered the organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryHop<'c> {
    /// Index of the hop, oldest first.
    pub hop: usize,
    /// The external host that handed the message over.
    pub sender: Peer<'c>,
    /// The internal host that took it.
    pub receiver: Peer<'c>,
}

/// A host as a Received field names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Peer<'c> {
    /// The host name: the `by` name for a receiver, the HELO name for a
    /// sender.
    pub name: Option<&'c str>,
    /// The sender's name in reverse DNS, as its receiver found it.
    pub reverse_dns: Option<&'c str>,
    /// The address.
    pub ip: Option<IpAddr>,
}

/// Who wrote a hop, relative to the trust boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Trust {
    /// Written by the organisation's own hosts: evidence.
    Recorded,
    /// Written before the message reached the organisation: claims of the
    /// sender, which may be forged.
    Claimed,
}

/// Why no entry hop was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case", tag = "reason"))]
#[non_exhaustive]
pub enum NoEntry {
    /// The organisation was given no host or network.
    NothingInternal,
    /// The message has no Received field.
    NoHops,
    /// The newest hop was not received by an internal host.
    NewestHopExternal,
    /// Reading down, a hop sent by an internal host was not received by
    /// one: the chain leaves the organisation without having entered it.
    ReceiverNotInternal {
        /// Index of the hop, oldest first.
        hop: usize,
    },
    /// A field on the way down could not be read.
    Unreadable {
        /// Index of the hop, oldest first.
        hop: usize,
    },
    /// Every hop is between internal hosts: the message started inside.
    AllInternal,
}

impl fmt::Display for NoEntry {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NothingInternal => formatter.write_str("no internal host or network was given"),
            Self::NoHops => formatter.write_str("the message has no received field"),
            Self::NewestHopExternal => {
                formatter.write_str("the newest hop was not received by an internal host")
            }
            Self::ReceiverNotInternal { hop } => write!(
                formatter,
                "hop {hop} was not received by an internal host, though the hop after it was sent by one"
            ),
            Self::Unreadable { hop } => write!(formatter, "hop {hop} cannot be read"),
            Self::AllInternal => formatter
                .write_str("every hop is between internal hosts: the message started inside"),
        }
    }
}

impl<'a> Chain<'a> {
    /// Finds the entry hop: reading from the newest hop down through hops
    /// between internal hosts, the first one whose receiver is internal and
    /// whose sender is not. A hop that names no sender (a local hand-off)
    /// is passed through.
    pub fn trust_boundary(&self, organisation: &Organisation) -> TrustBoundary<'_> {
        let hops = self.hops();
        let mut first_recorded = hops.len();
        let refuse = |reason, first_recorded| TrustBoundary {
            outcome: Err(reason),
            first_recorded,
        };

        if organisation.is_empty() {
            return refuse(NoEntry::NothingInternal, first_recorded);
        }
        if hops.is_empty() {
            return refuse(NoEntry::NoHops, first_recorded);
        }

        for index in (0..hops.len()).rev() {
            let Some(received) = hops[index].received() else {
                return refuse(NoEntry::Unreadable { hop: index }, first_recorded);
            };

            if !organisation.received_inside(received) {
                let reason = match index + 1 == hops.len() {
                    true => NoEntry::NewestHopExternal,
                    false => NoEntry::ReceiverNotInternal { hop: index },
                };
                return refuse(reason, first_recorded);
            }

            first_recorded = index;
            if organisation.sent_from_inside(received) == Some(false) {
                let entry = entry_hop(index, received);
                return TrustBoundary {
                    outcome: Ok(entry),
                    first_recorded,
                };
            }
        }

        refuse(NoEntry::AllInternal, first_recorded)
    }
}

fn entry_hop<'c>(hop: usize, received: &'c Received<'_>) -> EntryHop<'c> {
    let sender = Peer {
        name: received
            .helo()
            .or_else(|| received.from_name())
            .map(|name| name.value),
        reverse_dns: received.reverse_dns().map(|name| name.value),
        ip: received.from_ip().map(|ip| ip.value),
    };
    let receiver = Peer {
        name: received.by().map(|by| by.value),
        reverse_dns: None,
        ip: received.by_ip().map(|ip| ip.value),
    };

    EntryHop {
        hop,
        sender,
        receiver,
    }
}

/// Whether `name` is dot-separated labels of letters, digits, hyphens and
/// underscores.
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'))
        })
}

#[cfg(test)]
mod tests {
    use crate::ChainOptions;

    use super::*;

    fn organisation(members: &[&str]) -> Organisation {
        members
            .iter()
            .map(|member| member.parse().unwrap())
            .collect()
    }

    fn chain(fields: &[&'static str]) -> Chain<'static> {
        Chain::new(
            fields.iter().map(|field| Received::parse(field)),
            &ChainOptions::default(),
        )
    }

    #[test]
    fn members_parse_from_hosts_patterns_addresses_and_networks() {
        let cases = [
            ("mx1.Example.com.", Member::Host("mx1.example.com".into())),
            ("*.example.com", Member::Domain("example.com".into())),
            (
                "192.0.2.7",
                Member::Network("192.0.2.7/32".parse().unwrap()),
            ),
            (
                "2001:db8::/32",
                Member::Network("2001:db8::/32".parse().unwrap()),
            ),
            (
                "198.51.100.9/24",
                Member::Network("198.51.100.0/24".parse().unwrap()),
            ),
        ];

        for (text, member) in cases {
            assert_eq!(text.parse::<Member>(), Ok(member), "{text}");
        }
        for text in ["", "*.", "a..b", "user@example.com", "192.0.2.0/33"] {
            assert!(text.parse::<Member>().is_err(), "{text}");
        }
        assert_eq!(
            Member::Domain("example.com".into()).to_string(),
            "*.example.com"
        );
    }

    #[test]
    fn hops_below_the_entry_are_claimed_and_the_rest_recorded() {
        let chain = chain(&[
            "by mailbox.example.com with LMTP; 1 Mar 2024 10:02:00 +0000",
            "from mx.example.com ([192.0.2.10]) by store.example.com; 1 Mar 2024 10:01:00 +0000",
            "from out.example.net ([198.51.100.7]) by mx.example.com; 1 Mar 2024 10:00:30 +0000",
            "from pc ([203.0.113.5]) by out.example.net; 1 Mar 2024 10:00:00 +0000",
        ]);
        let boundary = chain.trust_boundary(&organisation(&["*.example.com", "192.0.2.0/24"]));

        let entry = boundary.entry().unwrap();
        assert_eq!(entry.hop, 1);
        assert_eq!(entry.sender.name, Some("out.example.net"));
        let trust: Vec<Trust> = (0..4).map(|hop| boundary.trust(hop)).collect();
        assert_eq!(
            trust,
            [
                Trust::Claimed,
                Trust::Recorded,
                Trust::Recorded,
                Trust::Recorded
            ]
        );
    }

    #[test]
    fn a_forged_internal_helo_does_not_move_the_boundary_when_networks_are_known() {
        let chain = chain(&[
            "from mx.example.com ([198.51.100.7]) by mx.example.com; 1 Mar 2024 10:00:00 +0000",
        ]);
        let boundary = chain.trust_boundary(&organisation(&["*.example.com", "192.0.2.0/24"]));

        assert_eq!(boundary.entry().map(|entry| entry.hop), Some(0));
    }

    #[test]
    fn without_a_crossing_the_reason_is_given() {
        let org = organisation(&["*.example.com"]);

        let external = chain(&["from a.example.org by b.example.org; 1 Mar 2024 10:00:00 +0000"]);
        assert_eq!(
            external.trust_boundary(&org).no_entry(),
            Some(NoEntry::NewestHopExternal)
        );

        let inside = chain(&["from a.example.com by b.example.com; 1 Mar 2024 10:00:00 +0000"]);
        let boundary = inside.trust_boundary(&org);
        assert_eq!(boundary.no_entry(), Some(NoEntry::AllInternal));
        assert_eq!(boundary.trust(0), Trust::Recorded);

        let gap = chain(&[
            "from a.example.com by b.example.com; 1 Mar 2024 10:01:00 +0000",
            "from c.example.org by d.example.org; 1 Mar 2024 10:00:00 +0000",
        ]);
        let boundary = gap.trust_boundary(&org);
        assert_eq!(
            boundary.no_entry(),
            Some(NoEntry::ReceiverNotInternal { hop: 0 })
        );
        assert_eq!(boundary.trust(0), Trust::Claimed);

        assert_eq!(
            chain(&[]).trust_boundary(&org).no_entry(),
            Some(NoEntry::NoHops)
        );
        assert_eq!(
            inside.trust_boundary(&Organisation::new()).no_entry(),
            Some(NoEntry::NothingInternal)
        );
    }
}
