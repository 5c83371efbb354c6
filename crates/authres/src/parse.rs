//! The parser of Authentication-Results values (RFC 8601 §2.2) and of
//! ARC-Authentication-Results values (RFC 8617 §4.1.1), strict or lenient.
//!
//! It reads the value once, left to right, in the order of the grammar:
//! the ARC instance, the authserv-id and version, then each `resinfo` with
//! its method, result, reason and properties. Comments are kept with the
//! part they follow: the authserv-id, the result, or the property. Where
//! the lenient parser meets a known deviation it records it and goes on; at
//! text it cannot read it skips to the next `;`, the one separator that a
//! comment or quoted string cannot hide.
//!
//! [RFC 8601 §2.2]: https://www.rfc-editor.org/rfc/rfc8601#section-2.2
//! [RFC 8617 §4.1.1]: https://www.rfc-editor.org/rfc/rfc8617#section-4.1.1

use std::borrow::Cow;

use mailtrail_message::lexical;

use crate::lex::Cursor;
use crate::resinfo::resinfo;
use crate::syntax::{DIGIT, NAME, TOKEN, is_token};
use crate::{
    AuthenticationResults, Comments, DeviationKind, Expected, FieldKind, ParseError, ParseOptions,
};

/// Parses `value`, whose first byte is at offset `base` in the message.
pub(crate) fn parse_value(
    value: &str,
    base: usize,
    options: ParseOptions,
) -> Result<AuthenticationResults<'_>, ParseError> {
    // The grammar ends with `[CFWS] CRLF`: one line end may close the value.
    let input = value
        .strip_suffix("\r\n")
        .or_else(|| value.strip_suffix('\n'))
        .unwrap_or(value);
    let mut cursor = Cursor::new(input, base, options.strictness);

    // Filled in where it stands and moved once: the value is large.
    let mut header = AuthenticationResults::EMPTY;
    match read_header(&mut cursor, options.kind, &mut header) {
        Ok(()) => {
            header.deviations = cursor.into_deviations();
            Ok(header)
        }
        Err(error) => Err(error.shifted(base)),
    }
}

/// How the results begin after the authserv-id.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// At a `;` or the end, as the grammar has it.
    Semicolon,
    /// At a `method=result` with no `;` before it.
    Resinfo,
}

/// `authres-payload` into `header`, with the ARC instance first for ARC
/// fields.
fn read_header<'a>(
    cursor: &mut Cursor<'a>,
    kind: FieldKind,
    header: &mut AuthenticationResults<'a>,
) -> Result<(), ParseError> {
    cursor.cfws(&mut header.comments)?;

    if kind == FieldKind::ArcAuthenticationResults {
        header.instance = instance(cursor, &mut header.comments)?;
    }

    let start = cursor.position();
    let next = authserv_id(cursor, header)?;
    resinfos(cursor, header, next)?;

    if header.authserv_id.is_none() && header.results.is_empty() {
        return Err(ParseError::Expected {
            expected: Expected::AuthservId,
            offset: start,
        });
    }

    Ok(())
}

/// `instance [CFWS] ";"`, where `instance = [CFWS] "i" [CFWS] "=" [CFWS]
/// 1*DIGIT` (RFC 8617 §4.1.1). Leaves the cursor where it was and reports
/// the instance missing when the field does not start with one.
fn instance<'a>(
    cursor: &mut Cursor<'a>,
    comments: &mut Comments<'a>,
) -> Result<Option<u32>, ParseError> {
    let start = cursor.position();
    let mut inner_comments = Comments::new();

    let tag = cursor.word(NAME);
    let found = if tag.is_some_and(|tag| tag.eq_ignore_ascii_case("i")) {
        cursor.cfws(&mut inner_comments)?;
        let equals = cursor.eat(b'=');
        cursor.cfws(&mut inner_comments)?;
        let number_start = cursor.position();

        if equals {
            cursor.number()?.map(|number| (number, number_start))
        } else {
            None
        }
    } else {
        None
    };

    let Some((instance, number_start)) = found else {
        cursor.rewind(start);
        cursor.deviate(DeviationKind::MissingInstance, start, start)?;
        return Ok(None);
    };

    // RFC 8617 §4.2.1: instances run from 1 to 50.
    if !(1..=50).contains(&instance) {
        cursor.deviate(
            DeviationKind::InstanceOutOfRange,
            number_start,
            cursor.position(),
        )?;
    }

    comments.append(&mut inner_comments);
    cursor.cfws(comments)?;
    if !cursor.eat(b';') {
        let here = cursor.position();
        cursor.deviate(DeviationKind::MissingSemicolon, here, here)?;
    }

    cursor.cfws(comments)?;
    Ok(Some(instance))
}

/// `authserv-id [ CFWS authres-version ]`, and in lenient mode whatever
/// stands between it and the first `;`.
fn authserv_id<'a>(
    cursor: &mut Cursor<'a>,
    header: &mut AuthenticationResults<'a>,
) -> Result<Next, ParseError> {
    let start = cursor.position();

    match cursor.peek() {
        None => {
            return Err(ParseError::Expected {
                expected: Expected::AuthservId,
                offset: start,
            });
        }
        Some(b';') => {
            cursor.deviate(DeviationKind::MissingAuthservId, start, start)?;
            return Ok(Next::Semicolon);
        }
        Some(b'"') => {
            header.authserv_id = Some(cursor.quoted_string()?);
        }
        Some(_) if starts_with_methodspec(cursor) => {
            // Microsoft 365 writes `spf=pass ...` with no authserv-id.
            cursor.deviate(DeviationKind::MissingAuthservId, start, start)?;
            return Ok(Next::Resinfo);
        }
        Some(_) => {
            let id = cursor.value_run(false);
            if id.is_empty() {
                return Err(ParseError::Expected {
                    expected: Expected::AuthservId,
                    offset: start,
                });
            }
            if !is_token(id) {
                cursor.deviate(DeviationKind::InvalidValue, start, cursor.position())?;
            }

            header.authserv_id = Some(Cow::Borrowed(id));
        }
    }

    header.authserv_id_span = Some(cursor.span(start, cursor.position()));
    version_and_rest(cursor, header)?;
    Ok(Next::Semicolon)
}

/// The optional version after the authserv-id, and the text up to the
/// first `;`.
fn version_and_rest<'a>(
    cursor: &mut Cursor<'a>,
    header: &mut AuthenticationResults<'a>,
) -> Result<(), ParseError> {
    let spaced = cursor.cfws(&mut header.comments)?;
    let digits = cursor.word_length(DIGIT);

    if spaced && digits > 0 && cursor.word_length(TOKEN) == digits {
        header.version = cursor.number()?;
        cursor.cfws(&mut header.comments)?;
    }

    let here = cursor.position();
    if cursor.at_end() {
        return cursor.deviate(DeviationKind::NoResults, here, here);
    }
    if cursor.peek() == Some(b';') {
        return Ok(());
    }

    // Yahoo writes `from=example.com` here.
    if cursor.is_strict() {
        return Err(ParseError::Expected {
            expected: Expected::Semicolon,
            offset: here,
        });
    }

    cursor.skip_to_separator()?;
    let end = cursor.trimmed_end(here);
    cursor.deviate(DeviationKind::TextAfterAuthservId, here, end)
}

/// `( no-result / 1*resinfo )`, each `resinfo` after its `;`.
fn resinfos<'a>(
    cursor: &mut Cursor<'a>,
    header: &mut AuthenticationResults<'a>,
    mut next: Next,
) -> Result<(), ParseError> {
    let mut parts = 0_usize;
    let mut lone_none = None;

    loop {
        let mut comments = Comments::new();
        let mut section_start = cursor.position();

        if next == Next::Semicolon {
            if cursor.at_end() {
                return Ok(());
            }

            let semicolon = cursor.position();
            if !cursor.eat(b';') {
                cursor.skip_or_expect(semicolon, Expected::Semicolon)?;
                continue;
            }

            cursor.cfws(&mut comments)?;
            section_start = semicolon + 1;

            if cursor.at_separator() {
                let kind = if cursor.at_end() {
                    DeviationKind::TrailingSemicolon
                } else {
                    DeviationKind::EmptyResinfo
                };
                cursor.deviate(kind, semicolon, semicolon + 1)?;
                last_comments(header).append(&mut comments);
                continue;
            }
        }

        next = Next::Semicolon;
        if let Some(end) = none_ahead(cursor) {
            // RFC 8601 §2.2: `none` stands alone.
            let start = cursor.position();
            if parts > 0 {
                cursor.deviate(DeviationKind::MisplacedNone, start, end)?;
            } else {
                lone_none = Some(start..end);
            }

            parts += 1;
            cursor.rewind(end);
            header.comments.append(&mut comments);
            cursor.cfws(&mut header.comments)?;
            continue;
        }

        if let Some(none) = lone_none.take() {
            cursor.deviate(DeviationKind::MisplacedNone, none.start, none.end)?;
        }

        parts += 1;
        next = resinfo(cursor, &mut header.results, comments, section_start)?;
    }
}

/// Whether the value starts with `method [CFWS] "="` or `method [CFWS]
/// "/"`: a result where the authserv-id should be.
fn starts_with_methodspec(cursor: &Cursor<'_>) -> bool {
    let length = cursor.word_length(NAME);

    length > 0 && matches!(byte_after_cfws(&cursor.rest()[length..]), Some(b'=' | b'/'))
}

/// The end of a `none` at the cursor that stands where a result would, if
/// there is one: the word `none` followed by the end or a `;`.
fn none_ahead(cursor: &Cursor<'_>) -> Option<usize> {
    let length = cursor.word_length(NAME);
    let word = &cursor.rest()[..length];

    if !word.eq_ignore_ascii_case("none") {
        return None;
    }

    match byte_after_cfws(&cursor.rest()[length..]) {
        None | Some(b';') => Some(cursor.position() + length),
        Some(_) => None,
    }
}

/// The first byte of `text` after `[CFWS]`, or `None` at the end or when a
/// comment is not closed.
pub(crate) fn byte_after_cfws(text: &str) -> Option<u8> {
    let first = text.bytes().next()?;
    if !matches!(first, b' ' | b'\t' | b'\r' | b'\n' | b'(') {
        return Some(first);
    }

    let (rest, _) = lexical::opt_cfws(text).ok()?;
    rest.bytes().next()
}

/// Where comments that follow the last part read so far belong: its last
/// property, its result, or the authserv-id.
fn last_comments<'h, 'a>(header: &'h mut AuthenticationResults<'a>) -> &'h mut Comments<'a> {
    match header.results.last_mut() {
        Some(result) => match result.properties.last_mut() {
            Some(property) => &mut property.comments,
            None => &mut result.comments,
        },
        None => &mut header.comments,
    }
}
