//! The parsed header: an authserv-id and its results, named after the ABNF of
//! [RFC 8601 §2.2](https://www.rfc-editor.org/rfc/rfc8601#section-2.2).
//!
//! ```text
//! authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
//!                   ( no-result / 1*resinfo ) [CFWS] CRLF
//! resinfo         = [CFWS] ";" methodspec [ CFWS reasonspec ]
//!                   [ CFWS 1*propspec ]
//! propspec        = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
//! ```
//!
//! Every text borrows from the parsed value where it can: a token, an
//! address or a quoted string without escapes is a slice of the input; only
//! a quoted string or comment with quoted-pairs or folding is copied, to
//! hold its meaning.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use mailtrail_message::Span;

use crate::inline::InlineVec;
use crate::parse::parse_value;
use crate::print::{PlainSink, write_header, write_property, write_resinfo};
use crate::{Deviation, FieldKind, Method, ParseError, ParseOptions, PropertyType, ResultValue};

/// An Authentication-Results or ARC-Authentication-Results field value.
///
/// Equality compares what the field says: spans and deviations are left
/// out, so the same statement parsed from two messages, or printed and
/// parsed again, compares equal.
///
/// ```
/// use mailtrail_authres::{AuthenticationResults, Method, ResultValue};
///
/// let header = AuthenticationResults::parse(
///     "mta.old-vendor.com; dkim=pass (signature was verified) header.d=vendor.com",
/// )?;
///
/// assert_eq!(header.authserv_id.as_deref(), Some("mta.old-vendor.com"));
/// let dkim = &header.results[0];
/// assert_eq!((&dkim.method, &dkim.result), (&Method::Dkim, &ResultValue::Pass));
/// assert_eq!(dkim.comments, ["signature was verified"]);
/// assert_eq!(dkim.property("header", "d"), Some("vendor.com"));
/// assert_eq!(
///     header.to_string(),
///     "mta.old-vendor.com; dkim=pass (signature was verified) header.d=vendor.com",
/// );
/// # Ok::<(), mailtrail_authres::ParseError>(())
/// ```
#[derive(Clone, Debug, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct AuthenticationResults<'a> {
    /// The `authserv-id`, naming the service that made the checks (RFC 8601
    /// §2.5); `None` when the field omits it, as Microsoft 365 does. The
    /// meaning of a quoted id, without its quotes and escapes.
    pub authserv_id: Option<Cow<'a, str>>,
    /// The `authres-version` after the authserv-id; `None` means version 1
    /// (RFC 8601 §2.6).
    pub version: Option<u32>,
    /// The `i=` instance of an ARC-Authentication-Results field (RFC 8617
    /// §4.1.1); `None` for Authentication-Results.
    pub instance: Option<u32>,
    /// The results, one per `resinfo`, in field order. Empty for `none`.
    pub results: Results<'a>,
    /// What the lenient parser tolerated, in field order.
    pub deviations: Vec<Deviation>,
    /// The comments around the authserv-id and version, or after `none`,
    /// each as its meaning (quoted-pairs resolved, folding removed; nested
    /// comments kept as text).
    pub comments: Comments<'a>,
    /// Where the authserv-id is, quotes included.
    pub authserv_id_span: Option<Span>,
}

impl<'a> AuthenticationResults<'a> {
    /// Parses an Authentication-Results field value leniently: every
    /// tolerated deviation is reported in [`deviations`](Self::deviations).
    ///
    /// `value` is what follows the colon, folding included; one final line
    /// end is allowed. Spans and error offsets count bytes of `value`.
    pub fn parse(value: &'a str) -> Result<Self, ParseError> {
        Self::parse_with(value, ParseOptions::default())
    }

    /// Parses an ARC-Authentication-Results field value leniently, its `i=`
    /// instance first (RFC 8617 §4.1.1).
    pub fn parse_arc(value: &'a str) -> Result<Self, ParseError> {
        let options = ParseOptions::default().with_kind(FieldKind::ArcAuthenticationResults);

        Self::parse_with(value, options)
    }

    /// Parses a field value of the kind and strictness `options` give.
    ///
    /// ```
    /// use mailtrail_authres::{AuthenticationResults, DeviationKind, ParseError, ParseOptions};
    ///
    /// let microsoft = "spf=pass (sender IP is 198.51.100.24) smtp.mailfrom=vendor.com";
    /// let lenient = AuthenticationResults::parse(microsoft)?;
    /// assert_eq!(lenient.authserv_id, None);
    /// assert_eq!(lenient.deviations[0].kind, DeviationKind::MissingAuthservId);
    ///
    /// let strict = AuthenticationResults::parse_with(microsoft, ParseOptions::strict());
    /// assert_eq!(
    ///     strict,
    ///     Err(ParseError::Deviation { deviation: DeviationKind::MissingAuthservId, offset: 0 }),
    /// );
    /// # Ok::<(), ParseError>(())
    /// ```
    pub fn parse_with(value: &'a str, options: ParseOptions) -> Result<Self, ParseError> {
        parse_value(value, 0, options)
    }

    /// A field from `authserv_id` with no result yet.
    pub fn new(authserv_id: impl Into<Cow<'a, str>>) -> Self {
        Self {
            authserv_id: Some(authserv_id.into()),
            ..Self::EMPTY
        }
    }

    /// A field with nothing in it, made when compiling: copying it is
    /// cheaper than filling each empty inline slot in turn.
    pub(crate) const EMPTY: Self = Self::empty();

    /// A field with nothing in it: no authserv-id, no result.
    pub(crate) const fn empty() -> Self {
        Self {
            authserv_id: None,
            version: None,
            instance: None,
            results: InlineVec::new(),
            deviations: Vec::new(),
            comments: InlineVec::new(),
            authserv_id_span: None,
        }
    }

    /// Adds `result` after the others.
    #[must_use]
    pub fn with_result(mut self, result: ResultInfo<'a>) -> Self {
        self.results.push(result);
        self
    }

    /// Sets the ARC instance, which makes this an ARC-Authentication-Results
    /// value.
    #[must_use]
    pub const fn with_instance(mut self, instance: u32) -> Self {
        self.instance = Some(instance);
        self
    }

    /// The kind of field this value belongs to: ARC when it has an instance.
    pub const fn kind(&self) -> FieldKind {
        match self.instance {
            Some(_) => FieldKind::ArcAuthenticationResults,
            None => FieldKind::AuthenticationResults,
        }
    }

    /// The results of one method, in field order.
    pub fn results_for<'h>(
        &'h self,
        method: &'h Method<'_>,
    ) -> impl Iterator<Item = &'h ResultInfo<'a>> + 'h {
        self.results
            .iter()
            .filter(move |result| result.method == *method)
    }

    /// The whole header field, name and folded value, ending with CRLF:
    /// lines stay within 78 characters wherever the value has a space to
    /// fold at (RFC 5322 §2.1.1).
    ///
    /// ```
    /// use mailtrail_authres::AuthenticationResults;
    ///
    /// let header = AuthenticationResults::parse(
    ///     "mx.example.com; spf=pass (sender IP is 198.51.100.24) \
    ///      smtp.mailfrom=notifications@vendor.com smtp.helo=mta.vendor.com",
    /// )?;
    /// let field = header.to_field();
    ///
    /// assert!(field.lines().all(|line| line.len() <= 78));
    /// assert!(field.starts_with("Authentication-Results: mx.example.com; spf=pass"));
    /// assert!(field.ends_with(
    ///     "(sender IP is 198.51.100.24)\r\n smtp.mailfrom=notifications@vendor.com smtp.helo=mta.vendor.com\r\n",
    /// ));
    /// # Ok::<(), mailtrail_authres::ParseError>(())
    /// ```
    pub fn to_field(&self) -> String {
        let name = self.kind().name();
        let mut field = format!("{name}:");

        field.push_str(&self.to_folded(name.len() + 1));
        field.push_str("\r\n");
        field
    }

    /// The value folded for a field whose name and colon take
    /// `start_column` characters: it starts with a space, and a line break
    /// is inserted before a space wherever the line would pass 78
    /// characters. A word longer than a line is not broken.
    pub fn to_folded(&self, start_column: usize) -> String {
        crate::print::fold(self, start_column)
    }

    /// Copies every borrowed text so the value no longer borrows the input.
    pub fn into_owned(self) -> AuthenticationResults<'static> {
        AuthenticationResults {
            authserv_id: self.authserv_id.map(owned),
            version: self.version,
            instance: self.instance,
            results: self
                .results
                .into_iter()
                .map(ResultInfo::into_owned)
                .collect(),
            deviations: self.deviations,
            comments: owned_all(self.comments),
            authserv_id_span: self.authserv_id_span,
        }
    }
}

impl PartialEq for AuthenticationResults<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.authserv_id == other.authserv_id
            && self.version == other.version
            && self.instance == other.instance
            && self.results == other.results
            && self.comments == other.comments
    }
}

/// Writes a valid RFC 8601 value, without folding; see
/// [`AuthenticationResults::to_field`] for the folded field.
///
/// Values and comments are quoted and escaped as needed, so no text can end
/// the field or start another result: a line break or NUL in a text is
/// written as a space. A name given as `Other` with characters its place
/// does not allow (a space or `;` in a method, say) has each such character
/// written as `_`. A value without an authserv-id is written without one,
/// as parsed.
impl fmt::Display for AuthenticationResults<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_header(self, &mut PlainSink(formatter))
    }
}

/// Parses leniently and copies the result; use
/// [`AuthenticationResults::parse`] to borrow instead.
impl FromStr for AuthenticationResults<'static> {
    type Err = ParseError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        AuthenticationResults::parse(value).map(AuthenticationResults::into_owned)
    }
}

/// The results of a field, in field order: the first four are held inline,
/// without a heap allocation, which covers the fields real servers write.
pub type Results<'a> = InlineVec<ResultInfo<'a>, 4>;

/// The properties of a result, in field order; the first three are held
/// inline.
pub type Properties<'a> = InlineVec<Property<'a>, 3>;

/// The comments of a part of a field, each as its meaning; the first is held
/// inline.
pub type Comments<'a> = InlineVec<Cow<'a, str>, 1>;

/// One result, a `resinfo`: a method, what it found, and the properties it
/// looked at (RFC 8601 §2.2).
///
/// ```
/// use mailtrail_authres::{Method, Property, PropertyType, ResultInfo, ResultValue};
///
/// let spf = ResultInfo::new(Method::Spf, ResultValue::Pass)
///     .with_comment("sender IP is 198.51.100.24")
///     .with_property(Property::new(PropertyType::Smtp, "mailfrom", "alerts@vendor.com"));
///
/// assert_eq!(
///     spf.to_string(),
///     "spf=pass (sender IP is 198.51.100.24) smtp.mailfrom=alerts@vendor.com",
/// );
/// ```
#[derive(Clone, Debug, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ResultInfo<'a> {
    /// The `method`, such as `dkim`.
    pub method: Method<'a>,
    /// The method version after `/`; `None` means version 1 (RFC 8601 §2.2).
    pub method_version: Option<u32>,
    /// The `result`, such as `pass`.
    pub result: ResultValue<'a>,
    /// The `reason=` text, its meaning if it was quoted.
    pub reason: Option<Cow<'a, str>>,
    /// The properties (`ptype.property=value`), in field order.
    pub properties: Properties<'a>,
    /// The comments inside the method and result, and after the result or
    /// reason, each as its meaning: `(signature was verified)` gives
    /// `signature was verified`.
    pub comments: Comments<'a>,
    /// Where the result is, from the method to its last part.
    pub span: Span,
}

impl<'a> ResultInfo<'a> {
    /// A result with no reason, property or comment.
    pub const fn new(method: Method<'a>, result: ResultValue<'a>) -> Self {
        Self {
            method,
            method_version: None,
            result,
            reason: None,
            properties: InlineVec::new(),
            comments: InlineVec::new(),
            span: Span::new(0, 0),
        }
    }

    /// Sets the `reason=` text.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<Cow<'a, str>>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Adds `property` after the others.
    #[must_use]
    pub fn with_property(mut self, property: Property<'a>) -> Self {
        self.properties.push(property);
        self
    }

    /// Adds a comment, given as its meaning.
    #[must_use]
    pub fn with_comment(mut self, comment: impl Into<Cow<'a, str>>) -> Self {
        self.comments.push(comment.into());
        self
    }

    /// The value of the first property `ptype.property`, both compared
    /// without regard to ASCII case; a property without a type matches an
    /// empty `ptype`.
    pub fn property(&self, ptype: &str, property: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|candidate| candidate.is(ptype, property))
            .map(|found| &*found.value)
    }

    /// Copies every borrowed text so the result no longer borrows the input.
    pub fn into_owned(self) -> ResultInfo<'static> {
        ResultInfo {
            method: self.method.into_owned(),
            method_version: self.method_version,
            result: self.result.into_owned(),
            reason: self.reason.map(owned),
            properties: self
                .properties
                .into_iter()
                .map(Property::into_owned)
                .collect(),
            comments: owned_all(self.comments),
            span: self.span,
        }
    }
}

impl PartialEq for ResultInfo<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.method == other.method
            && self.method_version == other.method_version
            && self.result == other.result
            && self.reason == other.reason
            && self.properties == other.properties
            && self.comments == other.comments
    }
}

/// Writes the `resinfo` without the `;` before it, as
/// [`AuthenticationResults`] writes it.
impl fmt::Display for ResultInfo<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_resinfo(self, &mut PlainSink(formatter))
    }
}

/// A property a method looked at, a `propspec`: `ptype.property=value`
/// (RFC 8601 §2.3).
///
/// ```
/// use mailtrail_authres::{Property, PropertyType};
///
/// let from = Property::new(PropertyType::Header, "from", "vendor.com");
/// assert!(from.is("HEADER", "From"));
/// assert_eq!(from.to_string(), "header.from=vendor.com");
///
/// let quoted = Property::new(PropertyType::Policy, "reason", "bad key; expired");
/// assert_eq!(quoted.to_string(), r#"policy.reason="bad key; expired""#);
/// ```
#[derive(Clone, Debug, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Property<'a> {
    /// The `ptype`, such as `header`; `None` for a property written without
    /// one, like Microsoft's `action=none`.
    pub ptype: Option<PropertyType<'a>>,
    /// The `property`, such as `d` or `mailfrom`, as written.
    pub property: Cow<'a, str>,
    /// The `pvalue`: a token or address as written, or the meaning of a
    /// quoted string.
    pub value: Cow<'a, str>,
    /// The comments inside the property and after its value, each as its
    /// meaning.
    pub comments: Comments<'a>,
    /// Where the property is, from its type to the end of its value.
    pub span: Span,
}

impl<'a> Property<'a> {
    /// A property `ptype.property=value` with no comment.
    pub fn new(
        ptype: PropertyType<'a>,
        property: impl Into<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> Self {
        Self {
            ptype: Some(ptype),
            property: property.into(),
            value: value.into(),
            comments: InlineVec::new(),
            span: Span::new(0, 0),
        }
    }

    /// Adds a comment, given as its meaning.
    #[must_use]
    pub fn with_comment(mut self, comment: impl Into<Cow<'a, str>>) -> Self {
        self.comments.push(comment.into());
        self
    }

    /// Whether this is `ptype.property`, both compared without regard to
    /// ASCII case; an empty `ptype` matches a property without a type.
    pub fn is(&self, ptype: &str, property: &str) -> bool {
        let type_name = self.ptype.as_ref().map_or("", PropertyType::as_str);

        type_name.eq_ignore_ascii_case(ptype) && self.property.eq_ignore_ascii_case(property)
    }

    /// Copies every borrowed text so the property no longer borrows the
    /// input.
    pub fn into_owned(self) -> Property<'static> {
        Property {
            ptype: self.ptype.map(PropertyType::into_owned),
            property: owned(self.property),
            value: owned(self.value),
            comments: owned_all(self.comments),
            span: self.span,
        }
    }
}

impl PartialEq for Property<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.ptype == other.ptype
            && self.property == other.property
            && self.value == other.value
            && self.comments == other.comments
    }
}

/// Writes the `propspec`, then its comments.
impl fmt::Display for Property<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_property(self, &mut PlainSink(formatter))
    }
}

/// `text` as an owned `Cow` that borrows nothing.
fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

/// Every text of `texts` owned.
fn owned_all(texts: Comments<'_>) -> Comments<'static> {
    texts.into_iter().map(owned).collect()
}
