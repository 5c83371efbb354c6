//! Finding and parsing the Authentication-Results and
//! ARC-Authentication-Results fields of a message split by
//! [`mailtrail_message::split`].
//!
//! Parsing a [`HeaderField`] rather than a string keeps the spans and error
//! offsets in message coordinates, and remembers each field's index in the
//! header block (0 at the top, the newest), which is what the
//! [trust](crate::TrustConfig) classification needs.

use mailtrail_message::{HeaderBlock, HeaderField, Span};

use crate::parse::parse_value;
use crate::{AuthenticationResults, ParseError};

/// Parses `field` if it is an Authentication-Results or
/// ARC-Authentication-Results field; `None` for any other field.
///
/// Spans and error offsets count bytes of the message the field was split
/// from. A value that is not UTF-8 gives [`ParseError::NotUtf8`].
///
/// ```
/// use mailtrail_authres::{Strictness, parse_field};
/// use mailtrail_message::split;
///
/// let message = b"Subject: hi\r\n\
///     ARC-Authentication-Results: i=1; mx.example.com;\r\n\
///     \tdkim=pass header.d=example.org\r\n\r\n";
/// let block = split(message);
/// let field = block.field(1).unwrap();
/// let header = parse_field(&field, Strictness::Lenient).unwrap()?;
///
/// assert_eq!(header.instance, Some(1));
/// let span = header.authserv_id_span.unwrap();
/// assert_eq!(&message[span.range()], b"mx.example.com");
/// assert!(parse_field(&block.field(0).unwrap(), Strictness::Lenient).is_none());
/// # Ok::<(), mailtrail_authres::ParseError>(())
/// ```
pub fn parse_field<'b>(
    field: &HeaderField<'b>,
    strictness: Strictness,
) -> Option<Result<AuthenticationResults<'b>, ParseError>> {
    let kind = FieldKind::of(field.name())?;
    let value = field.value();
    let base = value.span().start;

    let text = match std::str::from_utf8(value.raw()) {
        Ok(text) => text,
        Err(error) => {
            let offset = base + error.valid_up_to();
            return Some(Err(ParseError::NotUtf8 { offset }));
        }
    };

    let options = ParseOptions::new(kind, strictness);
    Some(parse_value(text, base, options))
}

/// Parses every Authentication-Results and ARC-Authentication-Results field
/// of `block`, top to bottom; a field that cannot be parsed is kept with
/// its error.
///
/// ```
/// use mailtrail_authres::{FieldKind, Strictness, parse_fields};
/// use mailtrail_message::split;
///
/// let block = split(
///     b"Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.org\r\n\
///       Received: from mail.example.org by mx.example.com\r\n\
///       Authentication-Results: example.net(.example.com; dkim=pass\r\n\r\n",
/// );
/// let fields = parse_fields(&block, Strictness::Lenient);
///
/// assert_eq!(fields.len(), 2);
/// assert_eq!((fields[0].index, fields[0].kind), (0, FieldKind::AuthenticationResults));
/// assert_eq!(fields[1].index, 2);
/// assert!(fields[1].parsed.is_err());
/// ```
pub fn parse_fields<'b>(
    block: &'b HeaderBlock<'_>,
    strictness: Strictness,
) -> Vec<AuthresField<'b>> {
    block
        .fields()
        .filter_map(|field| {
            let parsed = parse_field(&field, strictness)?;

            Some(AuthresField {
                index: field.index(),
                kind: FieldKind::of(field.name())?,
                name: field.name(),
                span: field.span(),
                parsed,
            })
        })
        .collect()
}

/// An Authentication-Results or ARC-Authentication-Results field of a
/// message: where it is, and what parsing it gave.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthresField<'b> {
    /// The field's index in the header block, 0 at the top (the newest).
    pub index: usize,
    /// Which of the two fields it is.
    pub kind: FieldKind,
    /// The field name as written.
    pub name: &'b str,
    /// Where the whole field is in the message.
    pub span: Span,
    /// The parsed value, or why it could not be parsed.
    pub parsed: Result<AuthenticationResults<'b>, ParseError>,
}

impl AuthresField<'_> {
    /// The authserv-id, if the field parsed and has one.
    pub fn authserv_id(&self) -> Option<&str> {
        self.parsed.as_ref().ok()?.authserv_id.as_deref()
    }
}

/// The two header fields that carry authentication results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum FieldKind {
    /// `Authentication-Results` (RFC 8601).
    #[default]
    AuthenticationResults,
    /// `ARC-Authentication-Results` (RFC 8617 §4.1.1), which starts with an
    /// `i=` instance.
    ArcAuthenticationResults,
}

impl FieldKind {
    /// The field name, as RFC 8601 and RFC 8617 spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::AuthenticationResults => "Authentication-Results",
            Self::ArcAuthenticationResults => "ARC-Authentication-Results",
        }
    }

    /// The kind of the field called `name`, compared without regard to case.
    pub fn of(name: &str) -> Option<Self> {
        [Self::AuthenticationResults, Self::ArcAuthenticationResults]
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

/// Whether parsing tolerates the deviations of real mail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strictness {
    /// Accept every known deviation and report it as data: the choice for
    /// reading real mail.
    #[default]
    Lenient,
    /// Reject the field at the first deviation from RFC 8601 (and RFC 8617
    /// for ARC), with the deviation or the expected part in the error.
    Strict,
}

/// How to parse a value: which field it belongs to, and how strictly.
///
/// The default is a lenient Authentication-Results parse.
///
/// ```
/// use mailtrail_authres::{FieldKind, ParseOptions, Strictness};
///
/// let options = ParseOptions::strict().with_kind(FieldKind::ArcAuthenticationResults);
/// assert_eq!(options.strictness, Strictness::Strict);
/// assert_eq!(ParseOptions::default().kind, FieldKind::AuthenticationResults);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ParseOptions {
    /// The field the value belongs to.
    pub kind: FieldKind,
    /// Whether deviations are tolerated.
    pub strictness: Strictness,
}

impl ParseOptions {
    /// Options for a field of `kind`, parsed with `strictness`.
    pub const fn new(kind: FieldKind, strictness: Strictness) -> Self {
        Self { kind, strictness }
    }

    /// A strict Authentication-Results parse.
    pub const fn strict() -> Self {
        Self::new(FieldKind::AuthenticationResults, Strictness::Strict)
    }

    /// The same options for a field of `kind`.
    #[must_use]
    pub const fn with_kind(self, kind: FieldKind) -> Self {
        Self { kind, ..self }
    }

    /// The same options with `strictness`.
    #[must_use]
    pub const fn with_strictness(self, strictness: Strictness) -> Self {
        Self { strictness, ..self }
    }
}

#[cfg(test)]
mod tests {
    use mailtrail_message::split;

    use super::*;

    #[test]
    fn field_names_match_without_regard_to_case() {
        assert_eq!(
            FieldKind::of("authentication-RESULTS"),
            Some(FieldKind::AuthenticationResults)
        );
        assert_eq!(
            FieldKind::of("Arc-Authentication-Results"),
            Some(FieldKind::ArcAuthenticationResults)
        );
        assert_eq!(FieldKind::of("Authentication-Results-Original"), None);
    }

    #[test]
    fn spans_and_errors_point_into_the_message() {
        let message = b"X: 1\r\nAuthentication-Results: a.example; spf=pass;\r\n\
            Authentication-Results: b.example; dkim=pass (open\r\n\r\n";
        let block = split(message);
        let fields = parse_fields(&block, Strictness::Lenient);
        let first = fields[0].parsed.as_ref().unwrap();

        assert_eq!(&message[first.results[0].span.range()], b"spf=pass");
        assert_eq!(&message[first.deviations[0].span.range()], b";");
        let error = fields[1].parsed.as_ref().unwrap_err();
        assert_eq!(message[error.offset()], b'(');
    }

    #[test]
    fn value_that_is_not_utf8_is_an_error_at_the_bad_byte() {
        let message = b"Authentication-Results: caf\xe9.example; none\r\n\r\n";
        let block = split(message);
        let parsed = parse_field(&block.field(0).unwrap(), Strictness::Lenient).unwrap();

        assert_eq!(parsed, Err(ParseError::NotUtf8 { offset: 27 }));
    }
}
