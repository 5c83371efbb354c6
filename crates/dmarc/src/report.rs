//! External report destinations: a `rua=` or `ruf=` address on another
//! domain receives reports only if that domain agrees, by publishing
//! `<policy domain>._report._dmarc.<destination domain>` (RFC 9989 §4.9,
//! [RFC 7489 §7.1](https://www.rfc-editor.org/rfc/rfc7489#section-7.1)).

use mailtrail_dns::Resolver;

use crate::domain::{is_within, normalize_domain};
use crate::{Record, is_dmarc_record};

/// Whether one report destination may receive reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReportAuthorization {
    /// The URI as the record writes it.
    pub uri: String,
    /// The destination's domain, when the URI is a `mailto:` address.
    pub domain: Option<String>,
    /// The verdict.
    pub status: AuthorizationStatus,
}

/// The verdict on one report destination.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "status", content = "detail", rename_all = "snake_case")
)]
pub enum AuthorizationStatus {
    /// Within the policy domain: no authorization needed.
    SameDomain,
    /// The destination domain publishes the authorization record.
    Authorized,
    /// No authorization record: reports must not be sent there.
    NotAuthorized,
    /// The lookup failed temporarily; try again later.
    TempError(String),
    /// Not a `mailto:` URI with a domain: this check does not apply.
    NotMailto,
}

/// Checks every `rua=` and `ruf=` destination of `record`, published at
/// `policy_domain`.
///
/// ```
/// use mailtrail_dmarc::{AuthorizationStatus, Record, authorize_report_destinations};
/// use mailtrail_dns::ZoneResolver;
///
/// let zone: ZoneResolver = "example.com._report._dmarc.reports.example.net. 300 TXT \"v=DMARC1\""
///     .parse()
///     .unwrap();
/// let record = Record::parse(
///     "v=DMARC1; p=none; rua=mailto:d@example.com,mailto:d@reports.example.net,mailto:x@other.example",
/// )
/// .unwrap();
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let checked = runtime.block_on(authorize_report_destinations(&zone, "example.com", &record));
/// let statuses: Vec<_> = checked.iter().map(|check| &check.status).collect();
/// assert_eq!(
///     statuses,
///     [
///         &AuthorizationStatus::SameDomain,
///         &AuthorizationStatus::Authorized,
///         &AuthorizationStatus::NotAuthorized,
///     ],
/// );
/// ```
pub async fn authorize_report_destinations<R: Resolver + ?Sized>(
    resolver: &R,
    policy_domain: &str,
    record: &Record<'_>,
) -> Vec<ReportAuthorization> {
    let policy_domain = normalize_domain(policy_domain).map(|domain| domain.into_owned());
    let uris = [&record.aggregate_reports, &record.failure_reports]
        .into_iter()
        .flatten()
        .flat_map(|uris| {
            uris.iter()
                .map(|uri| uri.uri.to_owned())
                .collect::<Vec<_>>()
        });

    let mut checked = Vec::new();
    for uri in uris {
        let domain = mailto_domain(&uri);
        let status = match (&domain, &policy_domain) {
            (Some(domain), Some(policy)) if is_within(domain, policy) => {
                AuthorizationStatus::SameDomain
            }
            (Some(domain), Some(policy)) => authorization(resolver, policy, domain).await,
            _ => AuthorizationStatus::NotMailto,
        };
        checked.push(ReportAuthorization {
            uri,
            domain,
            status,
        });
    }
    checked
}

/// Looks up the authorization record for one destination domain.
async fn authorization<R: Resolver + ?Sized>(
    resolver: &R,
    policy_domain: &str,
    destination: &str,
) -> AuthorizationStatus {
    let name = format!("{policy_domain}._report._dmarc.{destination}");
    match resolver.txt(&name).await {
        Ok(answer) => {
            let authorized = answer
                .records
                .iter()
                .any(|txt| is_dmarc_record(&String::from_utf8_lossy(&txt.concat())));
            if authorized {
                AuthorizationStatus::Authorized
            } else {
                AuthorizationStatus::NotAuthorized
            }
        }
        Err(error) if error.is_temporary() => AuthorizationStatus::TempError(error.to_string()),
        Err(_) => AuthorizationStatus::NotAuthorized,
    }
}

/// The normalized domain of a `mailto:` URI (query part dropped).
fn mailto_domain(uri: &str) -> Option<String> {
    let address = uri
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))?;
    let address = &uri[address.len()..];
    let address = address.split('?').next().unwrap_or(address);
    let (_, domain) = address.rsplit_once('@')?;
    normalize_domain(domain).map(|domain| domain.into_owned())
}
