//! Why a lookup gave no records: the failure kinds mail authentication must
//! tell apart ([RFC 7208 §4.6.4], [RFC 2308 §2]).
//!
//! [RFC 7208 §4.6.4]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4
//! [RFC 2308 §2]: https://www.rfc-editor.org/rfc/rfc2308#section-2

use crate::RecordType;

/// A lookup that produced no records, and why.
///
/// SPF counts [`NxDomain`](Self::NxDomain) and [`NoData`](Self::NoData) as
/// void lookups; [`ServerFailure`](Self::ServerFailure) and
/// [`Timeout`](Self::Timeout) are temporary and lead to `temperror` results.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind"))]
#[non_exhaustive]
pub enum DnsError {
    /// The name cannot be queried: an empty label, a label over 63 octets, a
    /// name over 253 octets, or text that is no domain name.
    #[error("invalid query name {name:?}: {reason}")]
    #[cfg_attr(feature = "serde", serde(rename = "invalid_name"))]
    InvalidName {
        /// The name as the caller gave it.
        name: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The name exists but has no records of this type (NODATA, RFC 2308 §2.2).
    #[error("{name} has no {rtype} records")]
    #[cfg_attr(feature = "serde", serde(rename = "nodata"))]
    NoData {
        /// The queried name, without the trailing dot.
        name: String,
        /// The queried type.
        rtype: RecordType,
    },

    /// The name does not exist (NXDOMAIN, RCODE 3).
    #[error("{name} does not exist (NXDOMAIN for {rtype})")]
    #[cfg_attr(feature = "serde", serde(rename = "nxdomain"))]
    NxDomain {
        /// The queried name, without the trailing dot.
        name: String,
        /// The queried type.
        rtype: RecordType,
    },

    /// The server answered with an error code (SERVFAIL, REFUSED, ...), or no
    /// usable answer could be had from it.
    #[error("server failure looking up {rtype} {name}: {detail}")]
    #[cfg_attr(feature = "serde", serde(rename = "servfail"))]
    ServerFailure {
        /// The queried name, without the trailing dot.
        name: String,
        /// The queried type.
        rtype: RecordType,
        /// What went wrong, as the backend described it.
        detail: String,
    },

    /// No answer arrived within the configured time.
    #[error("timed out looking up {rtype} {name}")]
    #[cfg_attr(feature = "serde", serde(rename = "timeout"))]
    Timeout {
        /// The queried name, without the trailing dot.
        name: String,
        /// The queried type.
        rtype: RecordType,
    },
}

/// The kind of a [`DnsError`], without its context, for matching and counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`DnsError::InvalidName`].
    #[cfg_attr(feature = "serde", serde(rename = "invalid_name"))]
    InvalidName,
    /// See [`DnsError::NoData`].
    #[cfg_attr(feature = "serde", serde(rename = "nodata"))]
    NoData,
    /// See [`DnsError::NxDomain`].
    #[cfg_attr(feature = "serde", serde(rename = "nxdomain"))]
    NxDomain,
    /// See [`DnsError::ServerFailure`].
    #[cfg_attr(feature = "serde", serde(rename = "servfail"))]
    ServerFailure,
    /// See [`DnsError::Timeout`].
    #[cfg_attr(feature = "serde", serde(rename = "timeout"))]
    Timeout,
}

impl DnsError {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidName { .. } => ErrorKind::InvalidName,
            Self::NoData { .. } => ErrorKind::NoData,
            Self::NxDomain { .. } => ErrorKind::NxDomain,
            Self::ServerFailure { .. } => ErrorKind::ServerFailure,
            Self::Timeout { .. } => ErrorKind::Timeout,
        }
    }

    /// The name the failure concerns.
    pub fn name(&self) -> &str {
        match self {
            Self::InvalidName { name, .. }
            | Self::NoData { name, .. }
            | Self::NxDomain { name, .. }
            | Self::ServerFailure { name, .. }
            | Self::Timeout { name, .. } => name,
        }
    }

    /// Whether the lookup was void in the sense of RFC 7208 §4.6.4: the name
    /// does not exist, or has no records of the type.
    pub fn is_void(&self) -> bool {
        matches!(self, Self::NxDomain { .. } | Self::NoData { .. })
    }

    /// Whether the failure is temporary (server failure or timeout), so the
    /// same question may get an answer later.
    pub fn is_temporary(&self) -> bool {
        matches!(self, Self::ServerFailure { .. } | Self::Timeout { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn each_kind() -> Vec<DnsError> {
        let (name, rtype) = ("example.com".to_owned(), RecordType::Txt);
        vec![
            DnsError::InvalidName {
                name: name.clone(),
                reason: "empty label".into(),
            },
            DnsError::NoData {
                name: name.clone(),
                rtype,
            },
            DnsError::NxDomain {
                name: name.clone(),
                rtype,
            },
            DnsError::ServerFailure {
                name: name.clone(),
                rtype,
                detail: "SERVFAIL".into(),
            },
            DnsError::Timeout { name, rtype },
        ]
    }

    #[test]
    fn void_and_temporary_partition_the_lookup_failures() {
        let kinds: Vec<_> = each_kind()
            .iter()
            .map(|e| (e.kind(), e.is_void(), e.is_temporary()))
            .collect();
        assert_eq!(
            kinds,
            [
                (ErrorKind::InvalidName, false, false),
                (ErrorKind::NoData, true, false),
                (ErrorKind::NxDomain, true, false),
                (ErrorKind::ServerFailure, false, true),
                (ErrorKind::Timeout, false, true),
            ]
        );
    }

    #[test]
    fn messages_name_the_query() {
        for error in each_kind() {
            let message = error.to_string();
            assert!(message.contains("example.com"), "{message}");
            assert_eq!(error.name(), "example.com");
        }
    }
}
