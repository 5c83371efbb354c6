//! What a DMARC evaluation concludes, with everything an analyst needs to
//! check it: the record, where it was found, which policy applied and why,
//! which identifiers aligned, and every tree-walk step.

use std::fmt;

use mailtrail_authres::{Method, Property, PropertyType, ResultInfo, ResultValue};

use crate::{Policy, Record, WalkStep};

/// The DMARC result words of RFC 8601 §2.7.7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum DmarcResult {
    /// No policy record: DMARC does not apply.
    None,
    /// An identifier aligned with a pass.
    Pass,
    /// No identifier aligned with a pass.
    Fail,
    /// A DNS failure prevented a decision.
    TempError,
    /// A record, or the message's From field, could not be used.
    PermError,
}

/// Which tag gave the policy that applies, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PolicySource {
    /// `p`: the record is the author domain's own.
    AuthorDomain,
    /// `sp` (or `p` without `sp`): the author domain is an existing
    /// subdomain of the policy domain.
    ExistingSubdomain,
    /// `np` (or `sp`, or `p`): the author domain does not exist.
    NonexistentSubdomain,
}

/// The conclusion for one message (or one author domain of it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Verdict {
    /// The result.
    pub result: DmarcResult,
    /// The RFC5322.From domain evaluated, normalized.
    pub author_domain: Option<String>,
    /// The domain whose `_dmarc` record applies.
    pub policy_domain: Option<String>,
    /// The organizational domain of the author domain.
    pub organizational_domain: Option<String>,
    /// The record that applies.
    pub record: Option<Record<'static>>,
    /// The policy that applies (`p`, `sp` or `np`).
    pub policy: Option<Policy>,
    /// Which tag gave it, and why.
    pub policy_source: Option<PolicySource>,
    /// What the receiver should do: `none` unless the result is fail; the
    /// policy, one step less strict under `t=y` (or RFC 7489's `pct=0`).
    pub disposition: Policy,
    /// Whether the record says the owner is testing (`t=y`).
    pub testing: bool,
    /// Whether the SPF-authenticated domain aligned with a pass.
    pub spf_aligned: bool,
    /// The `d=` domains of passing DKIM signatures that aligned.
    pub dkim_aligned: Vec<String>,
    /// Why, in sentences, in the order the evaluation decided.
    pub reasons: Vec<String>,
    /// Every `_dmarc` name asked, in order.
    pub tree_walk: Vec<WalkStep>,
    /// The verdicts of the other author domains, when the From field names
    /// several; this verdict is the strictest of all.
    pub other_authors: Vec<Self>,
}

impl DmarcResult {
    /// The result word as RFC 8601 writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }

    /// How strongly this result speaks against the message, for choosing
    /// the leading verdict among several author domains.
    pub(crate) const fn severity(self) -> u8 {
        match self {
            Self::Pass => 0,
            Self::None => 1,
            Self::PermError => 2,
            Self::TempError => 3,
            Self::Fail => 4,
        }
    }
}

impl fmt::Display for DmarcResult {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Verdict {
    /// A verdict with only its result and at most one reason.
    pub(crate) fn bare(
        result: DmarcResult,
        author_domain: Option<String>,
        reason: Option<String>,
    ) -> Self {
        Self {
            result,
            author_domain,
            policy_domain: None,
            organizational_domain: None,
            record: None,
            policy: None,
            policy_source: None,
            disposition: Policy::None,
            testing: false,
            spf_aligned: false,
            dkim_aligned: Vec::new(),
            reasons: reason.into_iter().collect(),
            tree_walk: Vec::new(),
            other_authors: Vec::new(),
        }
    }

    /// The `dmarc=` resinfo for Authentication-Results (RFC 7489 §11.2):
    /// `header.from` and `policy.dmarc` (the disposition) as properties, the
    /// policy, its source and `t=y` in a comment.
    pub fn authentication_result(&self) -> ResultInfo<'static> {
        let mut resinfo = ResultInfo::new(
            Method::Dmarc,
            ResultValue::new(self.result.as_str()).into_owned(),
        );
        if let Some(policy) = self.policy {
            let testing = if self.testing { " t=y" } else { "" };
            resinfo = resinfo.with_comment(format!("p={policy} dis={}{testing}", self.disposition));
        }
        if let Some(domain) = &self.author_domain {
            resinfo =
                resinfo.with_property(Property::new(PropertyType::Header, "from", domain.clone()));
        }
        if self.policy.is_some() {
            resinfo = resinfo.with_property(Property::new(
                PropertyType::Policy,
                "dmarc",
                self.disposition.as_str(),
            ));
        }
        resinfo
    }
}
