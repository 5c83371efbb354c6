//! The `_mta-sts` TXT record ([RFC 8461 §3.1]): that a domain has a
//! policy, and its `id`, which changes whenever the policy does.
//!
//! [RFC 8461 §3.1]: https://www.rfc-editor.org/rfc/rfc8461#section-3.1

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use mailtrail_message::Deviation;

use crate::taglist::{self, Field, LexError};

/// The version field every record starts with.
pub const STS_VERSION: &str = "v=STSv1";

/// The longest `id`: 32 letters or digits.
pub const MAX_ID_LEN: usize = 32;

/// Picks the MTA-STS record among the TXT records at `_mta-sts.<domain>`
/// and parses it (RFC 8461 §3.1).
///
/// Records that do not start with `v=STSv1` are discarded; if the number
/// left is not one, the domain has no policy available
/// ([`RecordError::kind`] is [`RecordErrorKind::NoRecord`] or
/// [`RecordErrorKind::SeveralRecords`]).
///
/// ```
/// use mailtrail_mtasts::{RecordErrorKind, find_record};
///
/// let record = find_record(["v=spf1 -all", "v=STSv1; id=20240101T000000"])?;
/// assert_eq!(record.id, "20240101T000000");
///
/// let two = find_record(["v=STSv1; id=a", "v=STSv1; id=b"]).unwrap_err();
/// assert_eq!(two.kind, RecordErrorKind::SeveralRecords(2));
/// # Ok::<(), mailtrail_mtasts::RecordError>(())
/// ```
pub fn find_record<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<StsRecord<'a>, RecordError> {
    find_one(texts, STS_VERSION, StsRecord::parse)
}

/// A parsed `_mta-sts` record.
///
/// ```
/// use mailtrail_mtasts::StsRecord;
///
/// let record = StsRecord::parse("v=STSv1; id=20160831085700Z; ext=1")?;
/// assert_eq!(record.id, "20160831085700Z");
/// assert_eq!(record.extensions[0].name, "ext");
/// assert_eq!(record.to_string(), "v=STSv1; id=20160831085700Z; ext=1");
///
/// let error = StsRecord::parse("v=STSv1; id=test-123").unwrap_err();
/// assert_eq!(error.to_string(), "the id field \"test-123\" is not 1 to 32 letters or digits at offset 12");
/// # Ok::<(), mailtrail_mtasts::RecordError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StsRecord<'a> {
    /// The `id=` field: 1 to 32 letters or digits naming the current policy.
    pub id: Cow<'a, str>,
    /// Extension fields, in record order.
    pub extensions: Vec<Extension<'a>>,
    /// What the record wrote that the ABNF does not allow, but a sender can
    /// read without doubt.
    pub deviations: Vec<Deviation<RecordDeviation>>,
}

impl<'a> StsRecord<'a> {
    /// Parses a record, tolerating the [`RecordDeviation`]s.
    pub fn parse(text: &'a str) -> Result<Self, RecordError> {
        let mut id = None;
        let mut extensions = Vec::new();
        let trailing = taglist::fields(text, STS_VERSION, |field: Field<'a>| {
            read_field(field, &mut id, &mut extensions)
        })?;

        let Some(id) = id else {
            return Err(RecordError::new(RecordErrorKind::MissingId, text.len()));
        };
        let deviations = trailing
            .map(|span| Deviation::new(RecordDeviation::TrailingWhitespace, span))
            .into_iter()
            .collect();
        Ok(Self {
            id: Cow::Borrowed(id),
            extensions,
            deviations,
        })
    }

    /// Parses a record exactly as the ABNF of RFC 8461 §3.1 writes it: the
    /// first deviation is an error.
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

    /// The record with its texts copied, to outlive the input.
    pub fn into_owned(self) -> StsRecord<'static> {
        StsRecord {
            id: Cow::Owned(self.id.into_owned()),
            extensions: self
                .extensions
                .into_iter()
                .map(Extension::into_owned)
                .collect(),
            deviations: self.deviations,
        }
    }
}

impl FromStr for StsRecord<'static> {
    type Err = RecordError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        StsRecord::parse(text).map(StsRecord::into_owned)
    }
}

impl fmt::Display for StsRecord<'_> {
    /// Writes the record in its canonical form: `v=STSv1; id=...`, then each
    /// extension, separated by `"; "`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{STS_VERSION}; id={}", self.id)?;
        for extension in &self.extensions {
            write!(formatter, "; {extension}")?;
        }
        Ok(())
    }
}

/// An extension field: a name and a value the RFC does not define.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Extension<'a> {
    /// The field name, as written.
    pub name: Cow<'a, str>,
    /// The field value, as written.
    pub value: Cow<'a, str>,
}

impl Extension<'_> {
    /// The extension with its texts copied.
    pub fn into_owned(self) -> Extension<'static> {
        Extension {
            name: Cow::Owned(self.name.into_owned()),
            value: Cow::Owned(self.value.into_owned()),
        }
    }
}

impl fmt::Display for Extension<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}={}", self.name, self.value)
    }
}

/// What a lenient parse of a record tolerates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum RecordDeviation {
    /// White space after the last field without a `;` after it.
    TrailingWhitespace,
    /// A TLS-RPT report URI of a scheme other than `mailto:` and `https:`;
    /// left out.
    UnsupportedUriScheme,
}

impl fmt::Display for RecordDeviation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::TrailingWhitespace => "white space after the last field",
            Self::UnsupportedUriScheme => "a report URI neither mailto: nor https:",
        })
    }
}

/// Why a record, or the record set of a name, gives no policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at offset {position}")]
pub struct RecordError {
    /// What was wrong.
    pub kind: RecordErrorKind,
    /// Offset in the record where it was found.
    pub position: usize,
}

impl RecordError {
    /// An error of `kind` at `position`.
    pub const fn new(kind: RecordErrorKind, position: usize) -> Self {
        Self { kind, position }
    }
}

impl From<LexError> for RecordError {
    fn from(error: LexError) -> Self {
        lex_error(error)
    }
}

/// The kinds of [`RecordError`], each naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// A field without a name before `=`.
    #[error("a field has no name")]
    EmptyFieldName,
    /// Two `;` with no field between them.
    #[error("an empty field between two delimiters")]
    EmptyField,
    /// A deviation, in strict mode.
    #[error("{0} (strict mode)")]
    Deviation(RecordDeviation),
    /// A field that may appear once appears again (TLS-RPT `rua`).
    #[error("the {0} field appears twice")]
    DuplicateField(String),
    /// The `id` field appears twice.
    #[error("the id field appears twice")]
    DuplicateId,
    /// An extension field name outside the ABNF.
    #[error(
        "the field name {0:?} is not a letter or digit then up to 31 letters, digits, '_', '-' or '.'"
    )]
    InvalidFieldName(String),
    /// A TLS-RPT report URI that is malformed.
    #[error("the rua field's URI {0:?} is malformed")]
    InvalidUri(String),
    /// The `id` is not 1 to 32 letters or digits.
    #[error("the id field {0:?} is not 1 to 32 letters or digits")]
    InvalidId(String),
    /// An extension value outside the ABNF.
    #[error(
        "the value of the {field} field is empty or holds a space, '=', ';' or a control character"
    )]
    InvalidValue {
        /// The field name.
        field: String,
    },
    /// The record has no `id` field.
    #[error("the id field is missing")]
    MissingId,
    /// A TLS-RPT record without a `rua` field of a supported scheme.
    #[error("the rua field is missing or names no mailto: or https: URI")]
    MissingRua,
    /// A field without `=`.
    #[error("a field has no '='")]
    MissingEquals,
    /// No TXT record at the name starts with the version.
    #[error("no record starts with the version")]
    NoRecord,
    /// Several TXT records start with the version: no policy (§3.1).
    #[error("{0} records start with the version; there must be one")]
    SeveralRecords(usize),
    /// The record does not start with the version, or the version is
    /// followed by something other than a delimiter.
    #[error("the record does not start with the version field")]
    Version,
}

/// Reads one field of an MTA-STS record into `id` or `extensions`.
fn read_field<'a>(
    field: Field<'a>,
    id: &mut Option<&'a str>,
    extensions: &mut Vec<Extension<'a>>,
) -> Result<(), RecordError> {
    if field.name == "id" {
        if id.is_some() {
            return Err(RecordError::new(RecordErrorKind::DuplicateId, field.start));
        }
        if !is_id(field.value) {
            let kind = RecordErrorKind::InvalidId(field.value.to_owned());
            return Err(RecordError::new(kind, field.value_start));
        }
        *id = Some(field.value);
        return Ok(());
    }

    check_extension(field)?;
    extensions.push(Extension {
        name: Cow::Borrowed(field.name),
        value: Cow::Borrowed(field.value),
    });
    Ok(())
}

/// Checks the name and value of an extension field of a record.
pub(crate) fn check_extension(field: Field<'_>) -> Result<(), RecordError> {
    if !taglist::is_extension_name(field.name) {
        let kind = RecordErrorKind::InvalidFieldName(field.name.to_owned());
        return Err(RecordError::new(kind, field.start));
    }
    if !taglist::is_extension_value(field.value) {
        let kind = RecordErrorKind::InvalidValue {
            field: field.name.to_owned(),
        };
        return Err(RecordError::new(kind, field.value_start));
    }
    Ok(())
}

/// `1*32(ALPHA / DIGIT)`.
fn is_id(value: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&value.len())
        && value.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// The one text of a TXT set that starts with `version`, parsed: none is
/// [`RecordErrorKind::NoRecord`], several [`RecordErrorKind::SeveralRecords`]
/// (RFC 8461 §3.1, RFC 8460 §3).
pub(crate) fn find_one<'a, T>(
    texts: impl IntoIterator<Item = &'a str>,
    version: &str,
    parse: impl FnOnce(&'a str) -> Result<T, RecordError>,
) -> Result<T, RecordError> {
    let mut found = None;
    let mut count = 0;
    for text in texts {
        if starts_with_version(text, version) {
            count += 1;
            found = Some(text);
        }
    }

    match (found, count) {
        (Some(text), 1) => parse(text),
        (None, _) => Err(RecordError::new(RecordErrorKind::NoRecord, 0)),
        _ => Err(RecordError::new(RecordErrorKind::SeveralRecords(count), 0)),
    }
}

/// Whether `text` starts with `version` followed by the end, white space or
/// `;`: a record of that kind, valid or not.
pub(crate) fn starts_with_version(text: &str, version: &str) -> bool {
    text.strip_prefix(version).is_some_and(|rest| {
        rest.bytes()
            .next()
            .is_none_or(|byte| byte == b';' || taglist::is_wsp(byte))
    })
}

/// The record error a lexer error means.
pub(crate) fn lex_error(error: LexError) -> RecordError {
    match error {
        LexError::BadVersion => RecordError::new(RecordErrorKind::Version, 0),
        LexError::EmptyField(at) => RecordError::new(RecordErrorKind::EmptyField, at),
        LexError::MissingEquals(at) => RecordError::new(RecordErrorKind::MissingEquals, at),
        LexError::EmptyName(at) => RecordError::new(RecordErrorKind::EmptyFieldName, at),
    }
}

#[cfg(test)]
mod tests {
    use mailtrail_message::Span;

    use super::*;

    /// Makes a span from a start offset and a text.
    fn span_of(start: usize, text: &str) -> Span {
        Span::new(start, start + text.len())
    }

    #[test]
    fn trailing_white_space_is_a_deviation_that_strict_mode_rejects() {
        let record = StsRecord::parse("v=STSv1; id=abc \t").unwrap();
        assert_eq!(record.id, "abc");
        assert_eq!(record.deviations[0].span, span_of(15, " \t"));
        let error = StsRecord::parse_strict("v=STSv1; id=abc \t").unwrap_err();
        assert_eq!(
            error.kind,
            RecordErrorKind::Deviation(RecordDeviation::TrailingWhitespace)
        );
    }

    #[test]
    fn a_second_id_is_an_error_at_its_field() {
        let error = StsRecord::parse("v=STSv1; id=a; id=b").unwrap_err();
        assert_eq!(error, RecordError::new(RecordErrorKind::DuplicateId, 15));
    }

    #[test]
    fn the_version_must_be_exact_and_first() {
        for text in [
            "v=STSv10; id=a",
            "v=stsv1; id=a",
            " v=STSv1; id=a",
            "id=a; v=STSv1",
        ] {
            let error = StsRecord::parse(text).unwrap_err();
            assert_eq!(error.kind, RecordErrorKind::Version, "{text}");
        }
    }

    #[test]
    fn errors_name_the_field_at_fault() {
        let error = StsRecord::parse("v=STSv1; id=a; more=").unwrap_err();
        assert_eq!(
            error.kind,
            RecordErrorKind::InvalidValue {
                field: "more".into()
            }
        );
        assert_eq!(error.position, 20);
        let error = StsRecord::parse("v=STSv1; id=foo include=foo.com").unwrap_err();
        assert_eq!(
            error.kind,
            RecordErrorKind::InvalidId("foo include=foo.com".into())
        );
    }

    #[test]
    fn find_record_ignores_other_records_but_not_a_broken_sts_one() {
        let error = find_record(["v=STSv1; id=a;;", "other"]).unwrap_err();
        assert_eq!(error.kind, RecordErrorKind::EmptyField);
        let error = find_record(["v=STSv10; id=a"]).unwrap_err();
        assert_eq!(error.kind, RecordErrorKind::NoRecord);
    }
}
