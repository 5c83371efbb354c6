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
    /// Audit: an MX host the MTA-STS policy does not name (the ghost door).
    MxNotInMtaStsPolicy,
    /// Audit: no MTA-STS record.
    MtaStsMissing,
    /// Audit: the MTA-STS policy is in testing mode.
    MtaStsTesting,
    /// Audit: an MTA-STS record whose policy cannot be fetched or read.
    MtaStsPolicyUnreachable,
    /// Audit: MX hosts of different organisations at different preferences.
    MxMixedProviders,
    /// Audit: an MX host without an address (dangling).
    MxTargetUnresolvable,
    /// Audit: no TLS-RPT record.
    TlsRptMissing,
    /// Audit: no SPF record.
    SpfMissing,
    /// Audit: an SPF record receivers will treat as permerror.
    SpfPermerror,
    /// Audit: an SPF record over the ten-lookup limit.
    SpfLookupLimit,
    /// Audit: no DMARC policy applies.
    DmarcMissing,
    /// Audit: the DMARC policy is `p=none`.
    DmarcPolicyNone,
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
            Self::MxNotInMtaStsPolicy => "mx_not_in_mta_sts_policy",
            Self::MtaStsMissing => "mta_sts_missing",
            Self::MtaStsTesting => "mta_sts_testing",
            Self::MtaStsPolicyUnreachable => "mta_sts_policy_unreachable",
            Self::MxMixedProviders => "mx_mixed_providers",
            Self::MxTargetUnresolvable => "mx_target_unresolvable",
            Self::TlsRptMissing => "tls_rpt_missing",
            Self::SpfMissing => "spf_missing",
            Self::SpfPermerror => "spf_permerror",
            Self::SpfLookupLimit => "spf_lookup_limit",
            Self::DmarcMissing => "dmarc_missing",
            Self::DmarcPolicyNone => "dmarc_policy_none",
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
