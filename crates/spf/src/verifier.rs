//! The receiver's entry points ([RFC 7208 §2.3], §2.4, §4): `check_host()`
//! itself, and the HELO and MAIL FROM checks an SMTP server runs, with the
//! limits and the receiver's own facts as options.
//!
//! [RFC 7208 §2.3]: https://www.rfc-editor.org/rfc/rfc7208#section-2.3

use std::fmt;
use std::net::IpAddr;
use std::time::SystemTime;

use mailtrail_dns::Resolver;

use crate::evaluate::Evaluation;
use crate::{Outcome, ReceivedSpf};

/// The processing limits of §4.6.4. The defaults are the RFC's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Limits {
    /// DNS-querying terms per evaluation (RFC: 10).
    pub dns_lookups: u32,
    /// Void lookups per evaluation (RFC: 2).
    pub void_lookups: u32,
    /// MX records one `mx` term may return (RFC: 10); more is `permerror`.
    pub mx_names: u32,
    /// PTR names one `ptr` term or `%{p}` macro looks at (RFC: 10); the rest
    /// are ignored.
    pub ptr_names: u32,
}

/// What the receiver knows that records cannot tell: its own name, the time,
/// the limits, and whether to keep a trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The limits.
    pub limits: Limits,
    /// The receiving host's domain name, for the `%{r}` macro (§7.3) and the
    /// Received-SPF `receiver=` key; `unknown` when `None`.
    pub receiver: Option<String>,
    /// The current time, for the `%{t}` macro; `unknown` when `None`.
    pub now: Option<SystemTime>,
    /// Whether to record a [`Trace`](crate::Trace).
    pub trace: bool,
}

/// Runs SPF checks against one resolver.
///
/// It holds a reference to the resolver and the options, so it is cheap to
/// build one per message. The futures are `Send` and need no particular
/// runtime.
///
/// ```
/// use mailtrail_dns::ZoneResolver;
/// use mailtrail_spf::{Identity, SpfResult, Verifier};
///
/// let zone: ZoneResolver = r#"
/// example.com.       300 IN TXT "v=spf1 include:_spf.example.com -all"
/// _spf.example.com.  300 IN TXT "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all"
/// "#.parse()?;
/// let verifier = Verifier::new(&zone).with_receiver("mx.example.net");
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// # runtime.block_on(async {
/// let checks = verifier.verify("192.0.2.10".parse()?, "mail.example.com", "alice@example.com").await;
/// assert_eq!(checks.mail_from.outcome.result, SpfResult::Pass);
/// assert_eq!(checks.mail_from.outcome.mechanism(), Some("include:_spf.example.com"));
/// assert_eq!(checks.mail_from.outcome.counters.dns_lookups, 1);
/// assert_eq!(checks.helo.outcome.result, SpfResult::None);
///
/// let header = checks.mail_from.received_spf();
/// assert!(header.to_string().starts_with("pass (mx.example.net: domain of alice@example.com designates 192.0.2.10 as permitted sender)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier<'r, R: ?Sized> {
    resolver: &'r R,
    options: Options,
}

/// The identity an SPF check authorizes (§2.3, §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Identity {
    /// The HELO/EHLO domain, checked as `postmaster@<helo>`.
    Helo,
    /// The MAIL FROM reverse-path, or `postmaster@<helo>` when it is null.
    MailFrom,
}

/// One identity checked, with the SMTP facts the outputs need.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct IdentityCheck {
    /// Which identity.
    pub identity: Identity,
    /// The client's address.
    pub ip: IpAddr,
    /// The HELO/EHLO name as given, when known.
    pub helo: Option<String>,
    /// The MAIL FROM reverse-path as given (`""` is the null reverse-path);
    /// `None` for a HELO check.
    pub mail_from: Option<String>,
    /// The receiver's name, from the options.
    pub receiver: Option<String>,
    /// What `check_host()` gave.
    pub outcome: Outcome,
}

/// Both checks of one SMTP transaction. The MAIL FROM check always runs:
/// a HELO result, whatever it is, never stands in for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Verification {
    /// The HELO identity.
    pub helo: IdentityCheck,
    /// The MAIL FROM identity; the one whose result a receiver acts on
    /// (§2.4) and that DMARC aligns.
    pub mail_from: IdentityCheck,
}

impl Default for Limits {
    fn default() -> Self {
        Self::RFC_7208
    }
}

impl Limits {
    /// The values RFC 7208 §4.6.4 sets.
    pub const RFC_7208: Self = Self {
        dns_lookups: 10,
        void_lookups: 2,
        mx_names: 10,
        ptr_names: 10,
    };
}

impl<'r, R: Resolver + ?Sized> Verifier<'r, R> {
    /// A verifier with the default options: RFC limits, no receiver name, no
    /// clock, no trace.
    pub fn new(resolver: &'r R) -> Self {
        Self {
            resolver,
            options: Options::default(),
        }
    }

    /// Replaces the options.
    #[must_use]
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// Sets the limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// Sets the receiving host's name.
    #[must_use]
    pub fn with_receiver(mut self, receiver: impl Into<String>) -> Self {
        self.options.receiver = Some(receiver.into());
        self
    }

    /// Sets the time `%{t}` expands to.
    #[must_use]
    pub fn with_now(mut self, now: SystemTime) -> Self {
        self.options.now = Some(now);
        self
    }

    /// Turns the trace on or off.
    #[must_use]
    pub fn with_trace(mut self, trace: bool) -> Self {
        self.options.trace = trace;
        self
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// `check_host(<ip>, <domain>, <sender>)` of §4, with the HELO name for
    /// the `%{h}` macro. An IPv4-mapped IPv6 address is checked as IPv4 (§5).
    pub async fn check_host(
        &self,
        ip: IpAddr,
        domain: &str,
        sender: &str,
        helo: Option<&str>,
    ) -> Outcome {
        Evaluation::new(self.resolver, &self.options, ip, sender, helo)
            .run(domain)
            .await
    }

    /// Checks the HELO identity (§2.3): `check_host(ip, helo,
    /// "postmaster@" helo)`. An address literal or a name of one label gives
    /// `none` (§4.3).
    pub async fn verify_helo(&self, ip: IpAddr, helo: &str) -> IdentityCheck {
        let sender = format!("postmaster@{helo}");
        let outcome = self.check_host(ip, helo, &sender, Some(helo)).await;
        self.identity_check(Identity::Helo, ip, Some(helo), None, outcome)
    }

    /// Checks the MAIL FROM identity (§2.4): the domain of the reverse-path,
    /// or for the null reverse-path (`""` or `"<>"`) `postmaster@<helo>`.
    /// Angle brackets around the path are removed; a path without `@` is
    /// taken as a domain with the local-part `postmaster`. The HELO name may
    /// be unknown to an investigator; `%{h}` then expands to `unknown`, and a
    /// null reverse-path gives `none`.
    pub async fn verify_mail_from(
        &self,
        ip: IpAddr,
        helo: Option<&str>,
        mail_from: &str,
    ) -> IdentityCheck {
        let path = strip_angle_brackets(mail_from);
        let sender = if path.is_empty() {
            format!("postmaster@{}", helo.unwrap_or_default())
        } else {
            path.to_owned()
        };
        let domain = sender
            .rsplit_once('@')
            .map_or(sender.as_str(), |(_, domain)| domain);

        let outcome = self.check_host(ip, domain, &sender, helo).await;
        self.identity_check(Identity::MailFrom, ip, helo, Some(mail_from), outcome)
    }

    /// Runs both checks of an SMTP transaction and returns both results.
    pub async fn verify(&self, ip: IpAddr, helo: &str, mail_from: &str) -> Verification {
        let helo_check = self.verify_helo(ip, helo).await;

        let mail_from_check = if strip_angle_brackets(mail_from).is_empty() {
            let outcome = helo_check.outcome.clone();
            self.identity_check(Identity::MailFrom, ip, Some(helo), Some(mail_from), outcome)
        } else {
            self.verify_mail_from(ip, Some(helo), mail_from).await
        };

        Verification {
            helo: helo_check,
            mail_from: mail_from_check,
        }
    }

    fn identity_check(
        &self,
        identity: Identity,
        ip: IpAddr,
        helo: Option<&str>,
        mail_from: Option<&str>,
        outcome: Outcome,
    ) -> IdentityCheck {
        IdentityCheck {
            identity,
            ip,
            helo: helo.map(str::to_owned),
            mail_from: mail_from.map(str::to_owned),
            receiver: self.options.receiver.clone(),
            outcome,
        }
    }
}

impl Identity {
    /// The word of the Received-SPF `identity=` key: `helo` or `mailfrom`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Helo => "helo",
            Self::MailFrom => "mailfrom",
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl IdentityCheck {
    /// The Received-SPF header field for this check (§9.1).
    pub fn received_spf(&self) -> ReceivedSpf {
        ReceivedSpf::from_check(self)
    }
}

/// `<path>` to `path`.
fn strip_angle_brackets(path: &str) -> &str {
    path.strip_prefix('<')
        .and_then(|inner| inner.strip_suffix('>'))
        .unwrap_or(path)
}
