//! The `_smtp._tls` TXT record of SMTP TLS Reporting ([RFC 8460 §3]): where
//! senders send reports of TLS failures, such as MTA-STS validation
//! failures in `testing` mode.
//!
//! [RFC 8460 §3]: https://www.rfc-editor.org/rfc/rfc8460#section-3

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use mailtrail_message::{Deviation, Span};

use crate::record::{RecordDeviation, check_extension, find_one};
use crate::taglist::{self, Field};
use crate::{Extension, RecordError, RecordErrorKind};

/// The version field every TLS-RPT record starts with.
pub const TLSRPT_VERSION: &str = "v=TLSRPTv1";

/// Picks the TLS-RPT record among the TXT records at `_smtp._tls.<domain>`
/// and parses it: records that do not start with `v=TLSRPTv1` are
/// discarded, and exactly one must be left (RFC 8460 §3).
///
/// ```
/// use mailtrail_mtasts::{ReportUri, find_tls_rpt_record};
///
/// let record = find_tls_rpt_record([
///     "v=TLSRPTv1; rua=mailto:tls@example.com, https://reports.example.net/v1",
/// ])?;
/// assert_eq!(record.rua[0], ReportUri::Mailto("tls@example.com".into()));
/// assert_eq!(record.rua[1].to_string(), "https://reports.example.net/v1");
/// # Ok::<(), mailtrail_mtasts::RecordError>(())
/// ```
pub fn find_tls_rpt_record<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<TlsRptRecord<'a>, RecordError> {
    find_one(texts, TLSRPT_VERSION, TlsRptRecord::parse)
}

/// A parsed TLS-RPT record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TlsRptRecord<'a> {
    /// The `rua=` field: where aggregate reports go, in record order.
    pub rua: Vec<ReportUri<'a>>,
    /// Extension fields, in record order.
    pub extensions: Vec<Extension<'a>>,
    /// What the record wrote that the ABNF does not allow.
    pub deviations: Vec<Deviation<RecordDeviation>>,
}

impl<'a> TlsRptRecord<'a> {
    /// Parses a record, tolerating the [`RecordDeviation`]s: white space at
    /// the end, and report URIs of schemes other than `mailto:` and
    /// `https:`, which are left out.
    pub fn parse(text: &'a str) -> Result<Self, RecordError> {
        let mut record = Self {
            rua: Vec::new(),
            extensions: Vec::new(),
            deviations: Vec::new(),
        };
        let mut seen_rua = false;
        let trailing = taglist::fields(text, TLSRPT_VERSION, |field: Field<'a>| {
            record.read_field(field, &mut seen_rua)
        })?;

        if let Some(span) = trailing {
            record
                .deviations
                .push(Deviation::new(RecordDeviation::TrailingWhitespace, span));
        }
        if record.rua.is_empty() {
            return Err(RecordError::new(RecordErrorKind::MissingRua, text.len()));
        }
        Ok(record)
    }

    /// Parses a record exactly as RFC 8460 §3 writes it: the first deviation
    /// is an error.
    pub fn parse_strict(text: &'a str) -> Result<Self, RecordError> {
        let record = Self::parse(text)?;
        match record.deviations.first() {
            None => Ok(record),
            Some(deviation) => Err(RecordError::new(
                RecordErrorKind::Deviation(deviation.kind),
                deviation.span.start,
            )),
        }
    }

    /// The record with its texts copied.
    pub fn into_owned(self) -> TlsRptRecord<'static> {
        TlsRptRecord {
            rua: self.rua.into_iter().map(ReportUri::into_owned).collect(),
            extensions: self
                .extensions
                .into_iter()
                .map(Extension::into_owned)
                .collect(),
            deviations: self.deviations,
        }
    }

    fn read_field(&mut self, field: Field<'a>, seen_rua: &mut bool) -> Result<(), RecordError> {
        if field.name != "rua" {
            check_extension(field)?;
            self.extensions.push(Extension {
                name: Cow::Borrowed(field.name),
                value: Cow::Borrowed(field.value),
            });
            return Ok(());
        }

        if std::mem::replace(seen_rua, true) {
            return Err(RecordError::new(
                RecordErrorKind::DuplicateField("rua".into()),
                field.start,
            ));
        }
        let mut offset = field.value_start;
        for item in field.value.split(',') {
            let uri = item.trim_matches([' ', '\t']);
            let start = offset + (item.len() - item.trim_start_matches([' ', '\t']).len());
            offset += item.len() + 1;
            self.read_uri(uri, start)?;
        }
        Ok(())
    }

    fn read_uri(&mut self, uri: &'a str, start: usize) -> Result<(), RecordError> {
        match ReportUri::parse(uri) {
            Some(Ok(uri)) => self.rua.push(uri),
            Some(Err(())) => {
                let kind = RecordErrorKind::InvalidUri(uri.to_owned());
                return Err(RecordError::new(kind, start));
            }
            None => {
                let span = Span::new(start, start + uri.len());
                self.deviations
                    .push(Deviation::new(RecordDeviation::UnsupportedUriScheme, span));
            }
        }
        Ok(())
    }
}

impl FromStr for TlsRptRecord<'static> {
    type Err = RecordError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TlsRptRecord::parse(text).map(TlsRptRecord::into_owned)
    }
}

impl fmt::Display for TlsRptRecord<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{TLSRPT_VERSION}; rua=")?;
        for (index, uri) in self.rua.iter().enumerate() {
            let separator = if index == 0 { "" } else { "," };
            write!(formatter, "{separator}{uri}")?;
        }
        for extension in &self.extensions {
            write!(formatter, "; {extension}")?;
        }
        Ok(())
    }
}

/// Where aggregate TLS reports are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum ReportUri<'a> {
    /// `mailto:`: the address, without the scheme.
    Mailto(Cow<'a, str>),
    /// `https:`: the whole URL.
    Https(Cow<'a, str>),
}

impl<'a> ReportUri<'a> {
    /// Reads a report URI: `None` for a scheme other than `mailto:` and
    /// `https:`, `Some(Err)` for such a URI that is malformed.
    fn parse(uri: &'a str) -> Option<Result<Self, ()>> {
        let (scheme, rest) = uri.split_once(':')?;
        let visible = !rest.is_empty() && rest.bytes().all(|byte| (0x21..=0x7e).contains(&byte));
        if scheme.eq_ignore_ascii_case("mailto") {
            let valid = visible
                && rest
                    .split_once('@')
                    .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty());
            return Some(valid.then_some(Self::Mailto(Cow::Borrowed(rest))).ok_or(()));
        }
        if scheme.eq_ignore_ascii_case("https") {
            let authority = rest
                .strip_prefix("//")
                .map(|rest| rest.split('/').next().unwrap_or(""));
            let valid = visible && authority.is_some_and(|authority| !authority.is_empty());
            return Some(valid.then_some(Self::Https(Cow::Borrowed(uri))).ok_or(()));
        }
        None
    }

    /// The URI with its text copied.
    pub fn into_owned(self) -> ReportUri<'static> {
        match self {
            Self::Mailto(address) => ReportUri::Mailto(Cow::Owned(address.into_owned())),
            Self::Https(url) => ReportUri::Https(Cow::Owned(url.into_owned())),
        }
    }
}

impl fmt::Display for ReportUri<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mailto(address) => write!(formatter, "mailto:{address}"),
            Self::Https(url) => formatter.write_str(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rua_takes_several_uris_with_white_space_around_commas() {
        let record =
            TlsRptRecord::parse("v=TLSRPTv1;rua=mailto:a@example.com ,\thttps://r.example/x")
                .unwrap();
        assert_eq!(record.rua.len(), 2);
        assert_eq!(
            record.to_string(),
            "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example/x"
        );
    }

    #[test]
    fn other_schemes_are_left_out_and_reported() {
        let record =
            TlsRptRecord::parse("v=TLSRPTv1; rua=ftp://x.example,mailto:a@example.com").unwrap();
        assert_eq!(record.rua, [ReportUri::Mailto("a@example.com".into())]);
        assert_eq!(record.deviations[0].span, Span::new(16, 31));
        let error =
            TlsRptRecord::parse_strict("v=TLSRPTv1; rua=ftp://x.example,mailto:a@example.com");
        assert!(error.is_err());
    }

    #[test]
    fn a_record_without_a_usable_rua_is_an_error() {
        let error = TlsRptRecord::parse("v=TLSRPTv1; ext=1").unwrap_err();
        assert_eq!(error.kind, RecordErrorKind::MissingRua);
        let error = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:nobody").unwrap_err();
        assert_eq!(
            error.kind,
            RecordErrorKind::InvalidUri("mailto:nobody".into())
        );
        assert_eq!(error.position, 16);
        let error = TlsRptRecord::parse("v=TLSRPTv1; rua=https:///x").unwrap_err();
        assert_eq!(error.kind, RecordErrorKind::InvalidUri("https:///x".into()));
    }

    #[test]
    fn only_one_record_may_start_with_the_version() {
        let error = find_tls_rpt_record([
            "v=TLSRPTv1; rua=mailto:a@b.example",
            "v=TLSRPTv1; rua=mailto:c@d.example",
        ])
        .unwrap_err();
        assert_eq!(error.kind, RecordErrorKind::SeveralRecords(2));
        assert_eq!(
            find_tls_rpt_record(["v=spf1 -all"]).unwrap_err().kind,
            RecordErrorKind::NoRecord
        );
    }
}
