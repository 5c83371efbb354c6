//! The policy file served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`
//! ([RFC 8461 §3.2]): `key: value` lines naming the version, the mode, the
//! allowed MX patterns and how long the policy may be cached.
//!
//! [RFC 8461 §3.2]: https://www.rfc-editor.org/rfc/rfc8461#section-3.2

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use mailtrail_message::{Deviation, Span};

use crate::domain::is_domain;
use crate::matching::MxPattern;
use crate::record::Extension;
use crate::taglist::{is_extension_name, is_wsp};

/// The largest `max_age`, in seconds: about a year (§3.2).
pub const MAX_MAX_AGE: u32 = 31_557_600;

/// The most digits `max_age` may have (`1*10(DIGIT)`).
const MAX_AGE_DIGITS: usize = 10;

/// A parsed MTA-STS policy.
///
/// ```
/// use mailtrail_mtasts::{Mode, Policy};
///
/// let text = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n";
/// let policy = Policy::parse(text)?;
///
/// assert_eq!(policy.mode, Mode::Enforce);
/// assert_eq!(policy.max_age, 86400);
/// assert!(policy.allows("MX1.example.com."));
/// assert!(policy.allows("backup.example.net"));
/// assert!(!policy.allows("a.backup.example.net"));
/// assert_eq!(policy.to_string(), text);
/// # Ok::<(), mailtrail_mtasts::PolicyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Policy<'a> {
    /// The `mode` field.
    pub mode: Mode,
    /// The `mx` fields: the patterns MX hosts must match, in file order.
    pub mx: Vec<MxPattern<'a>>,
    /// The `max_age` field: seconds the policy may be cached.
    pub max_age: u32,
    /// Extension fields, in file order.
    pub extensions: Vec<Extension<'a>>,
    /// What the file wrote that the ABNF does not allow, and how it was read.
    pub deviations: Vec<Deviation<PolicyDeviation>>,
}

impl<'a> Policy<'a> {
    /// Parses a policy, tolerating the [`PolicyDeviation`]s.
    pub fn parse(text: &'a str) -> Result<Self, PolicyError> {
        Parser::new(text).run()
    }

    /// Parses a policy exactly as the ABNF of RFC 8461 §3.2 writes it: the
    /// first deviation is an error.
    pub fn parse_strict(text: &'a str) -> Result<Self, PolicyError> {
        let policy = Self::parse(text)?;
        match policy.deviations.first() {
            None => Ok(policy),
            Some(deviation) => Err(PolicyError {
                kind: PolicyErrorKind::Deviation(deviation.kind),
                line: line_of(text, deviation.span.start),
                span: deviation.span,
            }),
        }
    }

    /// Whether an MX host matches one of the policy's `mx` patterns
    /// (§4.1; see [`MxPattern::matches`]).
    pub fn allows(&self, host: &str) -> bool {
        self.mx.iter().any(|pattern| pattern.matches(host))
    }

    /// The policy with its texts copied, to outlive the input.
    pub fn into_owned(self) -> Policy<'static> {
        Policy {
            mode: self.mode,
            mx: self.mx.into_iter().map(MxPattern::into_owned).collect(),
            max_age: self.max_age,
            extensions: self
                .extensions
                .into_iter()
                .map(Extension::into_owned)
                .collect(),
            deviations: self.deviations,
        }
    }
}

impl FromStr for Policy<'static> {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Policy::parse(text).map(Policy::into_owned)
    }
}

impl fmt::Display for Policy<'_> {
    /// Writes the policy in canonical form: version, mode, each `mx`,
    /// `max_age`, then the extensions, one field a line, each line ended by
    /// CRLF.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "version: STSv1\r\nmode: {}\r\n", self.mode)?;
        for pattern in &self.mx {
            write!(formatter, "mx: {pattern}\r\n")?;
        }
        write!(formatter, "max_age: {}\r\n", self.max_age)?;
        for extension in &self.extensions {
            write!(formatter, "{}: {}\r\n", extension.name, extension.value)?;
        }
        Ok(())
    }
}

/// The `mode` of a policy: what a sender does when no MX host matches or
/// TLS cannot be established with a valid certificate (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Mode {
    /// `enforce`: do not deliver to a host that fails validation.
    Enforce,
    /// `testing`: deliver anyway, and report the failure (TLS-RPT).
    Testing,
    /// `none`: the domain has withdrawn its policy.
    None,
}

impl Mode {
    /// The mode's token, as written in a policy.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }
}

impl FromStr for Mode {
    type Err = PolicyErrorKind;

    /// Reads a mode token; the tokens are case-sensitive (`%s` in the ABNF).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "enforce" => Ok(Self::Enforce),
            "testing" => Ok(Self::Testing),
            "none" => Ok(Self::None),
            _ => Err(PolicyErrorKind::InvalidMode(text.to_owned())),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What a lenient parse of a policy tolerates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum PolicyDeviation {
    /// A UTF-8 byte order mark before the first field; skipped.
    ByteOrderMark,
    /// An empty line; skipped.
    BlankLine,
    /// A field other than `mx` given again; the first one is used (§3.2).
    DuplicateField,
    /// `max_age` above 31557600; read as 31557600.
    MaxAgeAboveLimit,
    /// An `mx` pattern ending in a dot; read without it.
    TrailingDotInMx,
}

impl fmt::Display for PolicyDeviation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::ByteOrderMark => "a byte order mark before the first field",
            Self::BlankLine => "an empty line",
            Self::DuplicateField => "a field given again, ignored",
            Self::MaxAgeAboveLimit => "max_age above 31557600, read as 31557600",
            Self::TrailingDotInMx => "an mx pattern ending in a dot",
        })
    }
}

/// Why a policy cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// What was wrong.
    pub kind: PolicyErrorKind,
    /// The line where it was found, from 1; 0 for a field that is missing.
    pub line: usize,
    /// The offending bytes (empty at the end for a missing field).
    pub span: Span,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(formatter, "{}", self.kind),
            line => write!(formatter, "{} on line {line}", self.kind),
        }
    }
}

/// The kinds of [`PolicyError`], each naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// A deviation, in strict mode.
    #[error("{0} (strict mode)")]
    Deviation(PolicyDeviation),
    /// An empty value.
    #[error("the {0} field has no value")]
    EmptyValue(String),
    /// A field name outside the ABNF.
    #[error(
        "the field name {0:?} is not a letter or digit then up to 31 letters, digits, '_', '-' or '.'"
    )]
    InvalidFieldName(String),
    /// `max_age` is not 1 to 10 digits.
    #[error("the max_age field {0:?} is not 1 to 10 digits")]
    InvalidMaxAge(String),
    /// The `mode` is not `enforce`, `testing` or `none`.
    #[error("the mode field {0:?} is not enforce, testing or none")]
    InvalidMode(String),
    /// An `mx` pattern that is not `["*."] Domain` in ASCII.
    #[error("the mx field {0:?} is not a host name in A-labels, optionally after \"*.\"")]
    InvalidMx(String),
    /// The value of an extension field holds a control character.
    #[error("the value of the {0} field holds a control character")]
    InvalidValue(String),
    /// The version is not `STSv1`.
    #[error("the version field {0:?} is not STSv1")]
    InvalidVersion(String),
    /// A line without `:`.
    #[error("a line has no ':'")]
    MissingColon,
    /// No `max_age` field.
    #[error("the max_age field is missing")]
    MissingMaxAge,
    /// No `mode` field.
    #[error("the mode field is missing")]
    MissingMode,
    /// No `mx` field, with a mode other than `none`.
    #[error("the mode {0} needs at least one mx field")]
    MissingMx(Mode),
    /// No `version` field.
    #[error("the version field is missing")]
    MissingVersion,
}

/// The state of one parse.
struct Parser<'a> {
    text: &'a str,
    line: usize,
    version: bool,
    mode: Option<Mode>,
    max_age: Option<u32>,
    mx: Vec<MxPattern<'a>>,
    extensions: Vec<Extension<'a>>,
    deviations: Vec<Deviation<PolicyDeviation>>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            line: 0,
            version: false,
            mode: None,
            max_age: None,
            mx: Vec::new(),
            extensions: Vec::new(),
            deviations: Vec::new(),
        }
    }

    /// Reads every line, then checks the required fields.
    fn run(mut self) -> Result<Policy<'a>, PolicyError> {
        let bytes = self.text.as_bytes();
        let mut position = 0;
        if self.text.starts_with('\u{feff}') {
            self.deviate(PolicyDeviation::ByteOrderMark, Span::new(0, 3));
            position = 3;
        }

        while position < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[position..])
                .map_or(bytes.len(), |offset| position + offset);
            let content_end = match end < bytes.len() && end > position && bytes[end - 1] == b'\r' {
                true => end - 1,
                false => end,
            };
            self.line += 1;
            self.read_line(position, content_end, end == bytes.len())?;
            position = end + 1;
        }

        self.finish()
    }

    /// Reads the line at `start..end` (without its terminator).
    fn read_line(&mut self, start: usize, end: usize, last: bool) -> Result<(), PolicyError> {
        if start == end {
            if !last {
                self.deviate(PolicyDeviation::BlankLine, Span::new(start, end + 1));
            }
            return Ok(());
        }

        let line = &self.text[start..end];
        let Some(colon) = line.bytes().position(|byte| byte == b':') else {
            return Err(self.error(PolicyErrorKind::MissingColon, start, end));
        };
        let key = &line[..colon];
        let value_start = start + colon + 1 + count_wsp(&line.as_bytes()[colon + 1..]);
        let value_end = end - count_trailing_wsp(line.as_bytes());
        let value = &self.text[value_start..value_end.max(value_start)];
        if value.is_empty() {
            let kind = PolicyErrorKind::EmptyValue(key.to_owned());
            return Err(self.error(kind, start, end));
        }

        let span = Span::new(value_start, value_start + value.len());
        match key {
            "version" => self.read_version(value, span, start, end),
            "mode" => self.read_mode(value, span, start, end),
            "max_age" => self.read_max_age(value, span, start, end),
            "mx" => self.read_mx(value, span),
            _ => self.read_extension(key, value, span, start, end),
        }
    }

    fn read_version(
        &mut self,
        value: &str,
        span: Span,
        start: usize,
        end: usize,
    ) -> Result<(), PolicyError> {
        if value != "STSv1" {
            return Err(self.error_at(PolicyErrorKind::InvalidVersion(value.to_owned()), span));
        }
        if self.version {
            self.deviate(PolicyDeviation::DuplicateField, Span::new(start, end));
        }
        self.version = true;
        Ok(())
    }

    fn read_mode(
        &mut self,
        value: &str,
        span: Span,
        start: usize,
        end: usize,
    ) -> Result<(), PolicyError> {
        let mode = value.parse().map_err(|kind| self.error_at(kind, span))?;
        match self.mode {
            Some(_) => self.deviate(PolicyDeviation::DuplicateField, Span::new(start, end)),
            None => self.mode = Some(mode),
        }
        Ok(())
    }

    fn read_max_age(
        &mut self,
        value: &str,
        span: Span,
        start: usize,
        end: usize,
    ) -> Result<(), PolicyError> {
        let Some(seconds) = parse_max_age(value) else {
            return Err(self.error_at(PolicyErrorKind::InvalidMaxAge(value.to_owned()), span));
        };

        if self.max_age.is_some() {
            self.deviate(PolicyDeviation::DuplicateField, Span::new(start, end));
            return Ok(());
        }
        if seconds > u64::from(MAX_MAX_AGE) {
            self.deviate(PolicyDeviation::MaxAgeAboveLimit, span);
        }
        self.max_age = Some(seconds.min(u64::from(MAX_MAX_AGE)) as u32);
        Ok(())
    }

    fn read_mx(&mut self, value: &'a str, span: Span) -> Result<(), PolicyError> {
        let mut pattern = value;
        if let Some(stripped) = value.strip_suffix('.') {
            self.deviate(
                PolicyDeviation::TrailingDotInMx,
                Span::new(span.end - 1, span.end),
            );
            pattern = stripped;
        }

        let domain = pattern.strip_prefix("*.").unwrap_or(pattern);
        if !is_domain(domain) {
            return Err(self.error_at(PolicyErrorKind::InvalidMx(value.to_owned()), span));
        }
        self.mx
            .push(MxPattern::from_checked(Cow::Borrowed(pattern)));
        Ok(())
    }

    fn read_extension(
        &mut self,
        key: &'a str,
        value: &'a str,
        span: Span,
        start: usize,
        end: usize,
    ) -> Result<(), PolicyError> {
        if !is_extension_name(key) {
            let kind = PolicyErrorKind::InvalidFieldName(key.to_owned());
            return Err(self.error(kind, start, start + key.len()));
        }
        if value.chars().any(|character| character.is_control()) {
            return Err(self.error_at(PolicyErrorKind::InvalidValue(key.to_owned()), span));
        }

        if self
            .extensions
            .iter()
            .any(|extension| extension.name == key)
        {
            self.deviate(PolicyDeviation::DuplicateField, Span::new(start, end));
            return Ok(());
        }
        self.extensions.push(Extension {
            name: Cow::Borrowed(key),
            value: Cow::Borrowed(value),
        });
        Ok(())
    }

    /// Checks that the required fields were given.
    fn finish(self) -> Result<Policy<'a>, PolicyError> {
        let missing = |kind| PolicyError {
            kind,
            line: 0,
            span: Span::new(self.text.len(), self.text.len()),
        };
        if !self.version {
            return Err(missing(PolicyErrorKind::MissingVersion));
        }
        let Some(mode) = self.mode else {
            return Err(missing(PolicyErrorKind::MissingMode));
        };
        let Some(max_age) = self.max_age else {
            return Err(missing(PolicyErrorKind::MissingMaxAge));
        };
        if mode != Mode::None && self.mx.is_empty() {
            return Err(missing(PolicyErrorKind::MissingMx(mode)));
        }

        Ok(Policy {
            mode,
            mx: self.mx,
            max_age,
            extensions: self.extensions,
            deviations: self.deviations,
        })
    }

    fn deviate(&mut self, kind: PolicyDeviation, span: Span) {
        self.deviations.push(Deviation::new(kind, span));
    }

    fn error(&self, kind: PolicyErrorKind, start: usize, end: usize) -> PolicyError {
        self.error_at(kind, Span::new(start, end))
    }

    fn error_at(&self, kind: PolicyErrorKind, span: Span) -> PolicyError {
        PolicyError {
            kind,
            line: self.line,
            span,
        }
    }
}

/// `1*10(DIGIT)` as a number.
fn parse_max_age(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > MAX_AGE_DIGITS {
        return None;
    }
    value.bytes().try_fold(0u64, |number, byte| {
        byte.is_ascii_digit()
            .then(|| number * 10 + u64::from(byte - b'0'))
    })
}

/// The number of white-space bytes at the start of `bytes`.
fn count_wsp(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|byte| is_wsp(**byte)).count()
}

/// The number of white-space bytes at the end of `bytes`.
fn count_trailing_wsp(bytes: &[u8]) -> usize {
    bytes.iter().rev().take_while(|byte| is_wsp(**byte)).count()
}

/// The line, from 1, holding the byte at `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "version: STSv1\nmode: testing\nmx: mx1.example.com\nmax_age: 86400\n";

    #[test]
    fn a_later_duplicate_of_a_single_field_is_ignored_and_reported() {
        let text =
            "version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\nmax_age: 5\nmax_age: 9\n";
        let policy = Policy::parse(text).unwrap();
        assert_eq!((policy.mode, policy.max_age), (Mode::Testing, 5));
        let kinds: Vec<_> = policy.deviations.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [PolicyDeviation::DuplicateField; 2]);
        let error = Policy::parse_strict(text).unwrap_err();
        assert_eq!(error.line, 3);
    }

    #[test]
    fn every_mx_field_counts() {
        let text = "version: STSv1\nmode: enforce\nmx: a.example\nmx: *.b.example\nmax_age: 5";
        let policy = Policy::parse(text).unwrap();
        let patterns: Vec<_> = policy.mx.iter().map(|mx| mx.as_str()).collect();
        assert_eq!(patterns, ["a.example", "*.b.example"]);
    }

    #[test]
    fn blank_lines_and_a_byte_order_mark_are_deviations() {
        let text = format!("\u{feff}{GOOD}\n");
        let policy = Policy::parse(&text).unwrap();
        let kinds: Vec<_> = policy.deviations.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [PolicyDeviation::ByteOrderMark, PolicyDeviation::BlankLine]
        );
        assert!(Policy::parse_strict(&text).is_err());
        assert!(Policy::parse_strict(GOOD).unwrap().deviations.is_empty());
    }

    #[test]
    fn max_age_above_the_limit_is_capped_in_lenient_mode_only() {
        let text = GOOD.replace("86400", "9999999999");
        assert_eq!(Policy::parse(&text).unwrap().max_age, MAX_MAX_AGE);
        let error = Policy::parse_strict(&text).unwrap_err();
        assert_eq!(
            error.kind,
            PolicyErrorKind::Deviation(PolicyDeviation::MaxAgeAboveLimit)
        );
        assert_eq!(error.line, 4);
    }

    #[test]
    fn an_mx_with_a_trailing_dot_is_read_without_it() {
        let text = GOOD.replace("mx1.example.com", "mx1.example.com.");
        let policy = Policy::parse(&text).unwrap();
        assert_eq!(policy.mx[0].as_str(), "mx1.example.com");
        assert_eq!(policy.deviations[0].kind, PolicyDeviation::TrailingDotInMx);
    }

    #[test]
    fn errors_name_the_field_and_line() {
        let error = Policy::parse("version: STSv1\nmode: enforce\nmx: a_b.example\nmax_age: 1")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the mx field \"a_b.example\" is not a host name in A-labels, optionally after \"*.\" on line 3"
        );
        assert_eq!(error.span, Span::new(33, 44));
        let error = Policy::parse("version: STSv1\nmode: none").unwrap_err();
        assert_eq!(error.to_string(), "the max_age field is missing");
    }

    #[test]
    fn keys_and_values_are_case_sensitive() {
        let error =
            Policy::parse("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1").unwrap_err();
        assert_eq!(error.kind, PolicyErrorKind::InvalidMode("Enforce".into()));
        let error = Policy::parse("Version: STSv1\nmode: none\nmax_age: 1").unwrap_err();
        assert_eq!(error.kind, PolicyErrorKind::MissingVersion);
    }

    #[test]
    fn extension_values_may_hold_utf8_and_inner_spaces_but_no_controls() {
        let policy =
            Policy::parse("version: STSv1\nmode: none\nmax_age: 1\nnote: grüße  dir").unwrap();
        assert_eq!(policy.extensions[0].value, "grüße  dir");
        let error =
            Policy::parse("version: STSv1\nmode: none\nmax_age: 1\nnote: a\rb").unwrap_err();
        assert_eq!(error.kind, PolicyErrorKind::InvalidValue("note".into()));
    }
}
