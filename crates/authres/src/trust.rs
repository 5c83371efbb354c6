//! Which Authentication-Results fields to believe.
//!
//! Anyone can write an Authentication-Results field; it is worth only as
//! much as the service that wrote it and the path by which it arrived.
//! [RFC 8601 §5](https://www.rfc-editor.org/rfc/rfc8601#section-5) has a
//! receiver delete or ignore fields carrying its own authserv-id that came
//! from outside, and [§7.1](https://www.rfc-editor.org/rfc/rfc8601#section-7.1)
//! explains why: a sender forges them. [`TrustConfig::classify`] applies that
//! rule to every field of a message, sorting them into trusted, untrusted
//! and forged.

use std::fmt;

use crate::AuthresField;

/// The authserv-ids an organisation trusts (RFC 8601 §2.5).
///
/// Ids match when they are equal without regard to ASCII case. There are no
/// patterns: an authserv-id is a name the writing service picks, not a
/// delegated DNS name, so `*.example.com` would trust whatever any host
/// under that domain, or anyone imitating one, chose to write. List each id
/// the organisation's servers use. Non-ASCII characters must match exactly,
/// so a look-alike such as a Cyrillic `о` never matches a Latin `o`, and an
/// internationalized id in U-label form does not match its A-label form:
/// list both if both are written.
///
/// ```
/// use mailtrail_authres::{Strictness, Trust, TrustConfig, parse_fields};
/// use mailtrail_message::split;
///
/// let message = b"Authentication-Results: mx.ourcompany.com; dmarc=pass header.from=vendor.com\r\n\
///     Received: from mta.old-vendor.com by mx.ourcompany.com\r\n\
///     Authentication-Results: mta.old-vendor.com; dkim=pass header.d=vendor.com\r\n\
///     Authentication-Results: mx.ourcompany.com; dkim=pass header.d=bank.example\r\n\r\n";
/// let block = split(message);
/// let fields = parse_fields(&block, Strictness::Lenient);
///
/// let config = TrustConfig::new(["MX.ourcompany.com"]);
/// let verdicts = config.classify(&fields, Some(1));
/// let trust: Vec<Trust> = verdicts.iter().map(|verdict| verdict.trust).collect();
///
/// assert_eq!(trust, [Trust::Trusted, Trust::Untrusted, Trust::Forged]);
/// assert_eq!(
///     verdicts[2].reason.to_string(),
///     "trusted authserv-id below the boundary at field 1, where anyone could have added it",
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustConfig {
    ids: Vec<String>,
}

impl TrustConfig {
    /// A configuration trusting each of `ids`.
    pub fn new<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self {
            ids: ids
                .into_iter()
                .map(|id| id.as_ref().to_ascii_lowercase())
                .collect(),
        }
    }

    /// Whether `authserv_id` is one of the trusted ids.
    pub fn trusts(&self, authserv_id: &str) -> bool {
        self.ids
            .iter()
            .any(|trusted| trusted.eq_ignore_ascii_case(authserv_id))
    }

    /// The trusted ids, lowercased.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(String::as_str)
    }

    /// Classifies each of `fields`, the Authentication-Results and
    /// ARC-Authentication-Results fields of one message as
    /// [`parse_fields`](crate::parse_fields) returns them. Returns one
    /// verdict per field, in the same order.
    ///
    /// - **trusted**: the authserv-id is on the list, and the field sits at
    ///   or above the boundary, where only the organisation's own servers
    ///   add fields;
    /// - **untrusted**: the authserv-id is not on the list, is missing, or
    ///   the field cannot be parsed, wherever it sits (the ghost-MX case: a
    ///   decommissioned `mta.old-vendor.com` vouching for a phish);
    /// - **forged**: the authserv-id is on the list but the field sits below
    ///   a point where an untrusted party could have added it (RFC 8601 §5).
    ///
    /// # The boundary
    ///
    /// Header fields are counted from 0 at the top (the newest).
    /// `boundary` is the index of the lowest field the organisation itself
    /// added, usually the Received field its entry host wrote on accepting
    /// the message from outside: every field below it (a larger index) was
    /// already in the message when it arrived, so a trusted authserv-id
    /// there is forged. A field at the boundary index is above it. The
    /// Received chain tells where the boundary is; this crate takes it as
    /// given. An untrusted field above the boundary was added by the
    /// organisation's own systems and does not affect the fields below it.
    ///
    /// Without a boundary (`None`), the only evidence of outside content is
    /// in the Authentication-Results fields themselves: a trusted field
    /// counts as trusted only above every untrusted one, and as forged below
    /// one. A forged field with nothing untrusted above it cannot be told
    /// from a real one this way (RFC 8601 §5 has the border delete such
    /// fields, which is what this then relies on), so callers that know the
    /// boundary should pass it.
    pub fn classify(&self, fields: &[AuthresField<'_>], boundary: Option<usize>) -> Vec<Verdict> {
        let claims: Vec<(usize, Result<(), TrustReason>)> = fields
            .iter()
            .map(|field| (field.index, self.claim(field)))
            .collect();

        // Without a boundary, the topmost untrusted field takes its place.
        let untrusted_above = claims
            .iter()
            .filter(|(_, claim)| claim.is_err())
            .map(|(index, _)| *index)
            .min();

        claims
            .into_iter()
            .map(|(index, claim)| {
                let (trust, reason) = match claim {
                    Err(reason) => (Trust::Untrusted, reason),
                    Ok(()) => position_verdict(index, boundary, untrusted_above),
                };

                Verdict {
                    index,
                    trust,
                    reason,
                }
            })
            .collect()
    }

    /// `Ok` if the field names a trusted authserv-id, else why it does not.
    fn claim(&self, field: &AuthresField<'_>) -> Result<(), TrustReason> {
        let header = field
            .parsed
            .as_ref()
            .map_err(|_| TrustReason::Unparseable)?;
        let id = header
            .authserv_id
            .as_deref()
            .ok_or(TrustReason::MissingAuthservId)?;

        if self.trusts(id) {
            Ok(())
        } else {
            Err(TrustReason::UnlistedAuthservId)
        }
    }
}

/// Trusted or forged, for a field with a trusted authserv-id at `index`.
fn position_verdict(
    index: usize,
    boundary: Option<usize>,
    untrusted_above: Option<usize>,
) -> (Trust, TrustReason) {
    match (boundary, untrusted_above) {
        (Some(boundary), _) if index > boundary => {
            (Trust::Forged, TrustReason::BelowBoundary { boundary })
        }
        (Some(boundary), _) => (Trust::Trusted, TrustReason::AboveBoundary { boundary }),
        (None, Some(field)) if index > field => {
            (Trust::Forged, TrustReason::BelowUntrustedField { field })
        }
        (None, _) => (Trust::Trusted, TrustReason::AboveUntrustedFields),
    }
}

/// The classification of one field, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Verdict {
    /// The field's index in the header block.
    pub index: usize,
    /// Whether to believe it.
    pub trust: Trust,
    /// Why.
    pub reason: TrustReason,
}

/// Whether a field's results can be believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Trust {
    /// Written by a trusted service, where only the organisation adds fields.
    Trusted,
    /// Written by a service not on the list, or by nobody named.
    Untrusted,
    /// Claims a trusted service but could have been added by anyone.
    Forged,
}

impl Trust {
    /// The classification as a lowercase word.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trusted => "trusted",
            Self::Untrusted => "untrusted",
            Self::Forged => "forged",
        }
    }
}

impl fmt::Display for Trust {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why a field got its [`Trust`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum TrustReason {
    /// Trusted: a trusted authserv-id at or above the boundary.
    AboveBoundary {
        /// The boundary's field index.
        boundary: usize,
    },
    /// Trusted: a trusted authserv-id above every untrusted field, with no
    /// boundary given.
    AboveUntrustedFields,
    /// Forged: a trusted authserv-id below the boundary.
    BelowBoundary {
        /// The boundary's field index.
        boundary: usize,
    },
    /// Forged: a trusted authserv-id below an untrusted field, with no
    /// boundary given.
    BelowUntrustedField {
        /// The index of the topmost untrusted field.
        field: usize,
    },
    /// Untrusted: the field has no authserv-id.
    MissingAuthservId,
    /// Untrusted: the authserv-id is not on the list.
    UnlistedAuthservId,
    /// Untrusted: the field cannot be parsed.
    Unparseable,
}

impl fmt::Display for TrustReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AboveBoundary { boundary } => write!(
                formatter,
                "trusted authserv-id at or above the boundary at field {boundary}"
            ),
            Self::AboveUntrustedFields => formatter
                .write_str("trusted authserv-id above every untrusted field (no boundary given)"),
            Self::BelowBoundary { boundary } => write!(
                formatter,
                "trusted authserv-id below the boundary at field {boundary}, \
                 where anyone could have added it"
            ),
            Self::BelowUntrustedField { field } => write!(
                formatter,
                "trusted authserv-id below the untrusted field {field}, \
                 where anyone could have added it"
            ),
            Self::MissingAuthservId => formatter.write_str("no authserv-id"),
            Self::UnlistedAuthservId => formatter.write_str("authserv-id not on the trusted list"),
            Self::Unparseable => formatter.write_str("field cannot be parsed"),
        }
    }
}
