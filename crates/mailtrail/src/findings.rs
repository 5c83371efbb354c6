//! Findings: what an analyst should act on, each with a stable code, a
//! severity, one sentence and the evidence it rests on.

use std::fmt;

use mailtrail_message::Span;

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// How much it matters.
    pub severity: Severity,
    /// One sentence for a reader.
    pub message: String,
    /// The header field it rests on, when it rests on one.
    pub evidence: Option<Evidence>,
}

/// Where in the message a finding's evidence lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Evidence {
    /// The header field's index, from 0 at the top.
    pub field_index: usize,
    /// The bytes of the message it covers.
    pub span: Span,
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth a look.
    Low,
    /// Worth fixing.
    Medium,
    /// A control failed.
    High,
    /// An attacker's door.
    Critical,
}

/// The stable codes of findings. Scripts match on these words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Code {
    /// The message entered through a host that is not an expected gateway.
    GatewayBypass,
    /// It entered through an MX host the policy does not allow.
    EntryViaGhostMx,
    /// It entered through a host that is not an MX host at all.
    EntryOffMx,
    /// A pass verdict from an authserv-id the organisation does not trust.
    UntrustedAuthservId,
    /// The organisation's own authserv-id where anyone could have written it.
    ForgedAuthservId,
    /// A hop's sender is not the previous hop's receiver.
    ReceivedChainBroken,
    /// A hop's date goes backwards, lies in the future or is missing.
    ReceivedTimeAnomaly,
    /// A DKIM signature failed.
    DkimFail,
    /// SPF failed for the entry hop's client.
    SpfFail,
    /// DMARC failed for the From domain.
    DmarcFail,
}

impl Code {
    /// The code as scripts see it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GatewayBypass => "gateway_bypass",
            Self::EntryViaGhostMx => "entry_via_ghost_mx",
            Self::EntryOffMx => "entry_off_mx",
            Self::UntrustedAuthservId => "untrusted_authserv_id",
            Self::ForgedAuthservId => "forged_authserv_id",
            Self::ReceivedChainBroken => "received_chain_broken",
            Self::ReceivedTimeAnomaly => "received_time_anomaly",
            Self::DkimFail => "dkim_fail",
            Self::SpfFail => "spf_fail",
            Self::DmarcFail => "dmarc_fail",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Severity {
    /// The severity as a lowercase word.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Finding {
    /// A finding.
    pub(crate) fn new(
        code: Code,
        severity: Severity,
        message: String,
        evidence: Option<Evidence>,
    ) -> Self {
        Self {
            code,
            severity,
            message,
            evidence,
        }
    }
}
