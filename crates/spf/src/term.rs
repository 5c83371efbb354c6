//! The terms of an SPF record ([RFC 7208 §4.6.1], §5, §6): directives made
//! of a qualifier and a mechanism, and modifiers; how one term is parsed and
//! printed.
//!
//! [RFC 7208 §4.6.1]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6.1

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::TermError;
use crate::network::{ip4_in_network, ip6_in_network, parse_dotted_quad, parse_ip6_network};
use crate::{DomainSpec, MacroString, SpfResult};

/// One term: `directive / modifier` (§4.6.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term<'a> {
    /// A mechanism with its qualifier.
    Directive(Directive<'a>),
    /// A `name=value` modifier.
    Modifier(Modifier<'a>),
}

/// `directive = [ qualifier ] mechanism` (§4.6.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Directive<'a> {
    /// The qualifier as written; `None` means `+` (§4.6.2).
    pub qualifier: Option<Qualifier>,
    /// The mechanism.
    pub mechanism: Mechanism<'a>,
}

/// `qualifier = "+" / "-" / "?" / "~"` (§4.6.2): the result a matching
/// mechanism gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Qualifier {
    /// `+`: pass.
    Pass,
    /// `-`: fail.
    Fail,
    /// `~`: softfail.
    SoftFail,
    /// `?`: neutral.
    Neutral,
}

/// The eight mechanisms of §5, with their arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mechanism<'a> {
    /// `all` (§5.1): always matches.
    All,
    /// `include:domain-spec` (§5.2): matches when the named domain's record
    /// passes.
    Include(DomainSpec<'a>),
    /// `a[:domain-spec][dual-cidr-length]` (§5.3): the client is one of the
    /// domain's addresses.
    A {
        /// The target; `None` means the current domain.
        domain: Option<DomainSpec<'a>>,
        /// The prefix lengths.
        cidr: DualCidrLength,
    },
    /// `mx[:domain-spec][dual-cidr-length]` (§5.4): the client is one of the
    /// domain's mail exchangers.
    Mx {
        /// The target; `None` means the current domain.
        domain: Option<DomainSpec<'a>>,
        /// The prefix lengths.
        cidr: DualCidrLength,
    },
    /// `ptr[:domain-spec]` (§5.5): the client's validated reverse name ends
    /// in the domain. RFC 7208 says not to publish it.
    Ptr(Option<DomainSpec<'a>>),
    /// `ip4:network[/length]` (§5.6).
    Ip4 {
        /// The network as written; bits past the prefix are ignored.
        network: Ipv4Addr,
        /// The prefix length; `None` means 32.
        prefix_length: Option<u8>,
    },
    /// `ip6:network[/length]` (§5.6).
    Ip6 {
        /// The network as written; bits past the prefix are ignored.
        network: Ipv6Addr,
        /// The prefix length; `None` means 128.
        prefix_length: Option<u8>,
    },
    /// `exists:domain-spec` (§5.7): the name has an A record.
    Exists(DomainSpec<'a>),
}

/// `dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]` (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DualCidrLength {
    /// The IPv4 prefix length, 0 to 32; `None` means 32.
    pub ip4: Option<u8>,
    /// The IPv6 prefix length, 0 to 128; `None` means 128.
    pub ip6: Option<u8>,
}

/// The modifiers of §6, and the unknown ones, which are kept and ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Modifier<'a> {
    /// `redirect=domain-spec` (§6.1).
    Redirect(DomainSpec<'a>),
    /// `exp=domain-spec` (§6.2): where the explanation of a `fail` is found.
    Explanation(DomainSpec<'a>),
    /// `name=macro-string` with any other name (§6: ignored).
    Unknown {
        /// The name as written.
        name: Cow<'a, str>,
        /// The value.
        value: MacroString<'a>,
    },
}

impl<'a> Term<'a> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Term<'static> {
        match self {
            Self::Directive(directive) => Term::Directive(directive.into_owned()),
            Self::Modifier(modifier) => Term::Modifier(modifier.into_owned()),
        }
    }

    /// Parses one term (no spaces).
    pub(crate) fn parse(term: &'a str) -> Result<Self, TermError> {
        Self::parse_with(term, Checks::All)
    }

    /// Parses a term of a record that [`Term::parse`] already accepted
    /// whole, without checking its domain-specs again.
    pub(crate) fn parse_checked(term: &'a str) -> Result<Self, TermError> {
        Self::parse_with(term, Checks::KnownValid)
    }

    fn parse_with(term: &'a str, checks: Checks) -> Result<Self, TermError> {
        let (qualifier, rest) = match term
            .as_bytes()
            .first()
            .and_then(|&b| Qualifier::from_byte(b))
        {
            Some(qualifier) => (Some(qualifier), &term[1..]),
            None => (None, term),
        };
        let name_length = rest.bytes().take_while(|&byte| is_name_byte(byte)).count();
        let (name, argument) = rest.split_at(name_length);

        match argument.strip_prefix('=') {
            Some(_) if qualifier.is_some() => Err(TermError::QualifiedModifier),
            Some(value) => Modifier::parse(name, value).map(Self::Modifier),
            None => {
                let mechanism = Mechanism::parse(name, argument, checks)?;
                Ok(Self::Directive(Directive {
                    qualifier,
                    mechanism,
                }))
            }
        }
    }
}

impl fmt::Display for Term<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directive(directive) => directive.fmt(f),
            Self::Modifier(modifier) => modifier.fmt(f),
        }
    }
}

impl Directive<'_> {
    /// The qualifier in force: the one written, or `+`.
    pub fn effective_qualifier(&self) -> Qualifier {
        self.qualifier.unwrap_or(Qualifier::Pass)
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> Directive<'static> {
        Directive {
            qualifier: self.qualifier,
            mechanism: self.mechanism.into_owned(),
        }
    }
}

impl fmt::Display for Directive<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(qualifier) = self.qualifier {
            write!(f, "{}", qualifier.as_char())?;
        }
        self.mechanism.fmt(f)
    }
}

impl Qualifier {
    /// The character: `+`, `-`, `~`, `?`.
    pub fn as_char(self) -> char {
        match self {
            Self::Pass => '+',
            Self::Fail => '-',
            Self::SoftFail => '~',
            Self::Neutral => '?',
        }
    }

    /// The result a match with this qualifier gives (§4.6.2).
    pub fn result(self) -> SpfResult {
        match self {
            Self::Pass => SpfResult::Pass,
            Self::Fail => SpfResult::Fail,
            Self::SoftFail => SpfResult::SoftFail,
            Self::Neutral => SpfResult::Neutral,
        }
    }

    pub(crate) fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            b'+' => Some(Self::Pass),
            b'-' => Some(Self::Fail),
            b'~' => Some(Self::SoftFail),
            b'?' => Some(Self::Neutral),
            _ => None,
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

impl<'a> Mechanism<'a> {
    /// The mechanism's name as RFC 7208 writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Include(_) => "include",
            Self::A { .. } => "a",
            Self::Mx { .. } => "mx",
            Self::Ptr(_) => "ptr",
            Self::Ip4 { .. } => "ip4",
            Self::Ip6 { .. } => "ip6",
            Self::Exists(_) => "exists",
        }
    }

    /// Whether evaluating it queries DNS, and so counts toward the limit of
    /// §4.6.4: `include`, `a`, `mx`, `ptr`, `exists`.
    pub fn queries_dns(&self) -> bool {
        !matches!(self, Self::All | Self::Ip4 { .. } | Self::Ip6 { .. })
    }

    /// For `ip4` and `ip6`: whether the network holds the address (an IPv4
    /// address never matches `ip6`, §5). Other mechanisms: `false`.
    pub fn network_contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (
                Self::Ip4 {
                    network,
                    prefix_length,
                },
                IpAddr::V4(ip),
            ) => ip4_in_network(ip, *network, prefix_length.unwrap_or(32)),
            (
                Self::Ip6 {
                    network,
                    prefix_length,
                },
                IpAddr::V6(ip),
            ) => ip6_in_network(ip, *network, prefix_length.unwrap_or(128)),
            _ => false,
        }
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> Mechanism<'static> {
        let owned = |domain: Option<DomainSpec<'_>>| domain.map(DomainSpec::into_owned);
        match self {
            Self::All => Mechanism::All,
            Self::Include(domain) => Mechanism::Include(domain.into_owned()),
            Self::A { domain, cidr } => Mechanism::A {
                domain: owned(domain),
                cidr,
            },
            Self::Mx { domain, cidr } => Mechanism::Mx {
                domain: owned(domain),
                cidr,
            },
            Self::Ptr(domain) => Mechanism::Ptr(owned(domain)),
            Self::Ip4 {
                network,
                prefix_length,
            } => Mechanism::Ip4 {
                network,
                prefix_length,
            },
            Self::Ip6 {
                network,
                prefix_length,
            } => Mechanism::Ip6 {
                network,
                prefix_length,
            },
            Self::Exists(domain) => Mechanism::Exists(domain.into_owned()),
        }
    }

    /// Parses a mechanism from its name and what follows the name.
    fn parse(name: &str, argument: &'a str, checks: Checks) -> Result<Self, TermError> {
        let mut lower = [0u8; 7];
        let Some(lower) = lower.get_mut(..name.len()) else {
            return Err(TermError::UnknownMechanism);
        };
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();

        match &*lower {
            b"ip4" => parse_ip4(argument),
            b"ip6" => parse_ip6(argument),
            b"include" => Ok(Self::Include(required_domain(argument, checks)?)),
            b"all" if argument.is_empty() => Ok(Self::All),
            b"all" => Err(TermError::Argument),
            b"a" => {
                let (domain, cidr) = domain_and_cidr(argument, checks)?;
                Ok(Self::A { domain, cidr })
            }
            b"mx" => {
                let (domain, cidr) = domain_and_cidr(argument, checks)?;
                Ok(Self::Mx { domain, cidr })
            }
            b"exists" => Ok(Self::Exists(required_domain(argument, checks)?)),
            b"ptr" if argument.is_empty() => Ok(Self::Ptr(None)),
            b"ptr" => Ok(Self::Ptr(Some(required_domain(argument, checks)?))),
            _ => Err(TermError::UnknownMechanism),
        }
    }
}

impl fmt::Display for Mechanism<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Self::All => Ok(()),
            Self::Include(domain) | Self::Exists(domain) => write!(f, ":{domain}"),
            Self::A { domain, cidr } | Self::Mx { domain, cidr } => {
                if let Some(domain) = domain {
                    write!(f, ":{domain}")?;
                }
                cidr.fmt(f)
            }
            Self::Ptr(domain) => match domain {
                Some(domain) => write!(f, ":{domain}"),
                None => Ok(()),
            },
            Self::Ip4 {
                network,
                prefix_length,
            } => {
                write!(f, ":{network}")?;
                prefix_length.map_or(Ok(()), |length| write!(f, "/{length}"))
            }
            Self::Ip6 {
                network,
                prefix_length,
            } => {
                write!(f, ":{network}")?;
                prefix_length.map_or(Ok(()), |length| write!(f, "/{length}"))
            }
        }
    }
}

impl DualCidrLength {
    /// Whether `ip` lies in the network of this prefix length around
    /// `address`: the IPv4 length for IPv4, the IPv6 length for IPv6.
    pub fn contains(&self, address: IpAddr, ip: IpAddr) -> bool {
        match (address, ip) {
            (IpAddr::V4(address), IpAddr::V4(ip)) => {
                ip4_in_network(ip, address, self.ip4.unwrap_or(32))
            }
            (IpAddr::V6(address), IpAddr::V6(ip)) => {
                ip6_in_network(ip, address, self.ip6.unwrap_or(128))
            }
            _ => false,
        }
    }
}

impl fmt::Display for DualCidrLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip4) = self.ip4 {
            write!(f, "/{ip4}")?;
        }
        if let Some(ip6) = self.ip6 {
            write!(f, "//{ip6}")?;
        }
        Ok(())
    }
}

impl<'a> Modifier<'a> {
    /// The modifier's name: `redirect`, `exp`, or the unknown name as written.
    pub fn name(&self) -> &str {
        match self {
            Self::Redirect(_) => "redirect",
            Self::Explanation(_) => "exp",
            Self::Unknown { name, .. } => name,
        }
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> Modifier<'static> {
        match self {
            Self::Redirect(domain) => Modifier::Redirect(domain.into_owned()),
            Self::Explanation(domain) => Modifier::Explanation(domain.into_owned()),
            Self::Unknown { name, value } => Modifier::Unknown {
                name: Cow::Owned(name.into_owned()),
                value: value.into_owned(),
            },
        }
    }

    /// Parses `name=value`.
    fn parse(name: &'a str, value: &'a str) -> Result<Self, TermError> {
        if !name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
            return Err(TermError::ModifierName);
        }

        if name.eq_ignore_ascii_case("redirect") {
            return DomainSpec::parse(value)
                .map(Self::Redirect)
                .map_err(TermError::DomainSpec);
        }
        if name.eq_ignore_ascii_case("exp") {
            return DomainSpec::parse(value)
                .map(Self::Explanation)
                .map_err(TermError::DomainSpec);
        }
        let value = MacroString::parse(value).map_err(TermError::Macro)?;
        Ok(Self::Unknown {
            name: Cow::Borrowed(name),
            value,
        })
    }
}

impl fmt::Display for Modifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Redirect(domain) | Self::Explanation(domain) => {
                write!(f, "{}={domain}", self.name())
            }
            Self::Unknown { name, value } => write!(f, "{name}={value}"),
        }
    }
}

/// `name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`, without the first
/// letter rule, which [`Modifier::parse`] checks.
pub(crate) fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.')
}

/// `":" domain-spec`, required.
fn required_domain(argument: &str, checks: Checks) -> Result<DomainSpec<'_>, TermError> {
    let text = argument.strip_prefix(':').ok_or(TermError::Argument)?;
    domain_spec(text, checks)
}

/// A domain-spec, checked unless it is known valid.
fn domain_spec(text: &str, checks: Checks) -> Result<DomainSpec<'_>, TermError> {
    match checks {
        Checks::All => DomainSpec::parse(text).map_err(TermError::DomainSpec),
        Checks::KnownValid => Ok(DomainSpec::known_valid(text)),
    }
}

/// How much of a term's grammar to check.
#[derive(Debug, Clone, Copy)]
enum Checks {
    /// Everything: the text may be anything.
    All,
    /// Not the domain-specs: the term is part of a record that parsed.
    KnownValid,
}

/// `[ ":" domain-spec ] [ dual-cidr-length ]` of `a` and `mx`. The lengths
/// are the longest `/N`, `//N` or `/N//M` suffix of digits; a domain-spec may
/// itself hold slashes (`a:foo:bar/baz.example.com`).
fn domain_and_cidr(
    argument: &str,
    checks: Checks,
) -> Result<(Option<DomainSpec<'_>>, DualCidrLength), TermError> {
    let (rest, cidr) = split_cidr(argument)?;

    if let Some(text) = rest.strip_prefix(':') {
        return Ok((Some(domain_spec(text, checks)?), cidr));
    }
    if rest.is_empty() {
        Ok((None, cidr))
    } else {
        Err(TermError::Argument)
    }
}

/// Splits the dual-cidr-length off the end of an argument.
fn split_cidr(argument: &str) -> Result<(&str, DualCidrLength), TermError> {
    let mut cidr = DualCidrLength::default();
    let mut rest = argument;

    if let Some((before, digits)) = digits_suffix(rest)
        && let Some(before_ip6) = before.strip_suffix('/')
    {
        cidr.ip6 = Some(prefix_length(digits, 128)?);
        rest = before_ip6;
    }
    if let Some((before, digits)) = digits_suffix(rest) {
        cidr.ip4 = Some(prefix_length(digits, 32)?);
        rest = before;
    }
    Ok((rest, cidr))
}

/// A trailing `/DIGITS`: the text before the slash and the digits.
fn digits_suffix(text: &str) -> Option<(&str, &str)> {
    let (before, digits) = text.rsplit_once('/')?;
    let is_digits = !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit());
    is_digits.then_some((before, digits))
}

/// `"0" / %x31-39 0*1DIGIT` (up to `max`): no leading zeros.
fn prefix_length(digits: &str, max: u8) -> Result<u8, TermError> {
    let bytes = digits.as_bytes();
    let leading_zero = bytes.len() > 1 && bytes[0] == b'0';
    if bytes.is_empty() || bytes.len() > 3 || leading_zero {
        return Err(TermError::Cidr);
    }

    let mut length = 0u16;
    for &digit in bytes {
        if !digit.is_ascii_digit() {
            return Err(TermError::Cidr);
        }
        length = length * 10 + u16::from(digit - b'0');
    }
    u8::try_from(length)
        .ok()
        .filter(|&length| length <= max)
        .ok_or(TermError::Cidr)
}

/// `ip4 = "ip4" ":" ip4-network [ ip4-cidr-length ]`.
fn parse_ip4(argument: &str) -> Result<Mechanism<'static>, TermError> {
    let text = argument.strip_prefix(':').ok_or(TermError::Argument)?;
    let (network, length) = split_length(text);

    let network = parse_dotted_quad(network.as_bytes()).ok_or(TermError::Network)?;
    let prefix_length = length
        .map(|digits| prefix_length_digits(digits, 32))
        .transpose()?;
    Ok(Mechanism::Ip4 {
        network,
        prefix_length,
    })
}

/// `ip6 = "ip6" ":" ip6-network [ ip6-cidr-length ]`.
fn parse_ip6(argument: &str) -> Result<Mechanism<'static>, TermError> {
    let text = argument.strip_prefix(':').ok_or(TermError::Argument)?;
    let (network, length) = split_length(text);

    let network = parse_ip6_network(network.as_bytes()).ok_or(TermError::Network)?;
    let prefix_length = length
        .map(|digits| prefix_length_digits(digits, 128))
        .transpose()?;
    Ok(Mechanism::Ip6 {
        network,
        prefix_length,
    })
}

/// Splits `network/length` at the first slash.
fn split_length(text: &str) -> (&str, Option<&str>) {
    match text.bytes().position(|byte| byte == b'/') {
        Some(slash) => (&text[..slash], Some(&text[slash + 1..])),
        None => (text, None),
    }
}

/// A prefix length that must be digits only.
fn prefix_length_digits(digits: &str, max: u8) -> Result<u8, TermError> {
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(TermError::Cidr);
    }
    prefix_length(digits, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quick::{is_plain_include, quick_match, quick_scan};

    fn parse(term: &str) -> Result<Term<'_>, TermError> {
        Term::parse(term)
    }

    #[test]
    fn mechanisms_read_their_arguments() {
        let Term::Directive(directive) = parse("-a:foo.example.com/24//64").unwrap() else {
            panic!("a directive");
        };
        assert_eq!(directive.qualifier, Some(Qualifier::Fail));
        let Mechanism::A { domain, cidr } = directive.mechanism else {
            panic!("an a mechanism");
        };
        assert_eq!(domain.unwrap().as_str(), "foo.example.com");
        assert_eq!(
            cidr,
            DualCidrLength {
                ip4: Some(24),
                ip6: Some(64)
            }
        );
    }

    #[test]
    fn domain_specs_may_hold_colons_and_slashes() {
        let Term::Directive(directive) = parse("a:foo:bar/baz.example.com").unwrap() else {
            panic!("a directive");
        };
        assert_eq!(directive.to_string(), "a:foo:bar/baz.example.com");
    }

    #[test]
    fn bad_terms_give_the_right_error() {
        let cases = [
            ("all.", TermError::UnknownMechanism),
            ("redirect:example.com", TermError::UnknownMechanism),
            ("all:foo", TermError::Argument),
            ("ptr/0", TermError::Argument),
            ("ip4", TermError::Argument),
            ("a/33", TermError::Cidr),
            ("a//129", TermError::Cidr),
            ("ip4:1.2.3.4/032", TermError::Cidr),
            ("ip4:1.2.3.4//32", TermError::Cidr),
            ("ip4:1.2.3", TermError::Network),
            ("ip4:01.2.3.4", TermError::Network),
            ("ip4:1.2.3.4:8080", TermError::Network),
            ("ip6::CAFE::BABE", TermError::Network),
            ("1up=foo", TermError::ModifierName),
            ("=all", TermError::ModifierName),
            ("-redirect=example.com", TermError::QualifiedModifier),
            (
                "foo=%abc",
                TermError::Macro("'%' not followed by '{', '%', '_' or '-'"),
            ),
        ];
        for (term, expected) in cases {
            assert_eq!(parse(term).unwrap_err(), expected, "{term}");
        }
        assert!(matches!(parse("a/24/64"), Err(TermError::Cidr)));
        assert!(matches!(
            parse("include:ip5.example.com/24"),
            Err(TermError::DomainSpec(_))
        ));
    }

    #[test]
    fn names_are_case_insensitive_and_print_in_lowercase() {
        let term = parse("Include:_spf.example.com").unwrap();
        assert_eq!(term.to_string(), "include:_spf.example.com");
        let modifier = parse("REDIRECT=_spf.example.com").unwrap();
        assert_eq!(modifier.to_string(), "redirect=_spf.example.com");
    }

    #[test]
    fn quick_matches_agree_with_the_full_parser() {
        let terms = [
            "all",
            "-ALL",
            "~all",
            "?All",
            "+all",
            "all:x",
            "alll",
            "al",
            "ip4:192.0.2.0/24",
            "-IP4:192.0.2.77/24",
            "ip4:192.0.2.1",
            "ip4:192.0.2.1/32",
            "ip4:192.0.2.1/0",
            "ip4:192.0.2.1/33",
            "ip4:192.0.2.1/032",
            "ip4:192.0.2.1/",
            "ip4:192.0.2.1//32",
            "ip4:01.2.3.4",
            "ip4:1.2.3",
            "ip4:1.2.3.4.5",
            "ip4:256.1.1.1",
            "ip4:1.2.3.4:8080",
            "ip4:",
            "ip4",
            "ip4:1..2.3",
            "ip4:.1.2.3",
            "ip4:1.2.3.",
            "ip4:0.0.0.0/0",
            "ip4:192.0.2.1/3a",
            "ip4:1234.1.1.1",
            "ip6:2001:db8::/32",
            "~ip6:2001:DB8::1",
            "ip6:::/0",
            "ip6:::ffff:192.0.2.1",
            "ip6:2001:db8::/129",
            "ip6:2001:db8::/",
            "ip6::CAFE::BABE",
            "ip6:2001:db8::/048",
            "ip6:1:2:3:4:5:6:7:8/128",
            "ip6:",
            "ip6:g::",
            "a",
            "mx",
            "include:x.example",
            "ip5:1.2.3.4",
            "exp=x.example",
            "ip4=1.2.3.4",
        ];
        let clients = [
            "192.0.2.1",
            "192.0.3.1",
            "2001:db8::1",
            "2001:db9::1",
            "0.0.0.0",
        ];
        for term in terms {
            for client in clients {
                let ip: IpAddr = client.parse().unwrap();
                let full = match parse(term) {
                    Ok(Term::Directive(d)) if !d.mechanism.queries_dns() => {
                        let matched = matches!(d.mechanism, Mechanism::All)
                            || d.mechanism.network_contains(ip);
                        Some((d.effective_qualifier(), matched))
                    }
                    _ => None,
                };
                let quick = quick_match(term.as_bytes(), ip);
                assert!(
                    quick.is_none() || quick == full,
                    "{term} {client}: {quick:?}"
                );

                let followed = format!("{term} ip4:192.0.2.1");
                let scanned = quick_scan(followed.as_bytes(), ip);
                let expected = quick.map(|(qualifier, matched)| (qualifier, matched, term.len()));
                assert_eq!(scanned, expected, "{followed} {client}");
            }
        }
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for term in [
            "ip4:192.0.2.0/24",
            "-all",
            "ip6:2001:db8::/32",
            "IP4:192.0.2.1",
        ] {
            assert!(quick_match(term.as_bytes(), ip).is_some(), "{term}");
        }
    }

    #[test]
    fn plain_includes_are_the_includes_the_full_parser_accepts() {
        let terms = [
            "include:_spf.example.com",
            "-INCLUDE:a.example",
            "~include:x.example.com.",
            "include:",
            "include:museum",
            "include:a.%{d}",
            "include:foo:bar.example",
            "include:ex ample.com",
            "include:a.example.123",
            "include",
            "includes:a.example",
            "+include:a.b-c",
            "?include:a.b-",
            "all",
            "ip4:192.0.2.1",
            "exp=a.example",
        ];
        for term in terms {
            let full = matches!(
                parse(term),
                Ok(Term::Directive(Directive { mechanism: Mechanism::Include(spec), .. }))
                    if spec.macro_string().is_literal()
            );
            assert_eq!(is_plain_include(term), full, "{term}");
        }
    }

    #[test]
    fn networks_match_on_their_prefix_only() {
        let Term::Directive(directive) = parse("ip4:192.0.2.77/24").unwrap() else {
            panic!("a directive");
        };
        assert!(
            directive
                .mechanism
                .network_contains("192.0.2.1".parse().unwrap())
        );
        assert!(
            !directive
                .mechanism
                .network_contains("192.0.3.1".parse().unwrap())
        );
        assert!(
            !directive
                .mechanism
                .network_contains("2001:db8::1".parse().unwrap())
        );

        let Term::Directive(any) = parse("ip6:::/0").unwrap() else {
            panic!("a directive");
        };
        assert!(
            any.mechanism
                .network_contains("2001:db8::1".parse().unwrap())
        );
        assert!(!any.mechanism.network_contains("192.0.2.1".parse().unwrap()));
    }
}
